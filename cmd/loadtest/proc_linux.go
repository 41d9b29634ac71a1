package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the worker if the parent dies.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// openFileLimit is how many files this process (and so each worker) may
// open, after Go raised the soft limit to the hard one; 0 if unknown.
func openFileLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
