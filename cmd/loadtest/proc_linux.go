package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the worker if the parent dies.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
