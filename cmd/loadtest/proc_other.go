//go:build !linux

package main

import "os/exec"

// dieWithParent relies on stdin closing: outside Linux there is no
// parent-death signal, and the worker stops when its stdin reaches EOF.
func dieWithParent(cmd *exec.Cmd) {}

// openFileLimit is unknown here: the defaults assume the 20,000 of the
// machine this tool was written on.
func openFileLimit() int { return 0 }
