package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// workerHandle is a running worker, in its own process or (in tests) a
// goroutine.
type workerHandle struct {
	out  io.Reader    // its messages, JSON lines, until it ends
	stop func()       // asks it to finish and send its result
	kill func()       // ends it at once
	wait func() error // waits for it, once out is read to the end
	// cpu is the CPU time it used, once waited for; 0 when unknown (a
	// goroutine's is not told apart from the process's).
	cpu func() time.Duration
	// signal sends a signal to its process (SIGSTOP, SIGCONT); nil for a
	// goroutine, which cannot be frozen.
	signal func(os.Signal) error
}

// spawnFunc starts a worker on spec.
type spawnFunc func(ctx context.Context, spec workerSpec) (*workerHandle, error)

// workerFlag is the hidden flag that makes the binary a worker: it reads
// its spec from the first line of stdin, stops when stdin closes (the
// parent said so, or died), and writes its messages to stdout.
const workerFlag = "worker"

// spawnProcess runs the worker in a child process: this same executable,
// re-executed with the worker flag. The child dies with the parent (stdin
// closes; on Linux also the parent-death signal).
func spawnProcess(ctx context.Context, spec workerSpec) (*workerHandle, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable to start worker %d: %w", spec.Index, err)
	}
	cmd := exec.Command(exe, "-"+workerFlag)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker %d: %w", spec.Index, err)
	}
	if err := json.NewEncoder(stdin).Encode(spec); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("send worker %d its share: %w", spec.Index, err)
	}
	return &workerHandle{
		out:  stdout,
		stop: func() { stdin.Close() },
		kill: func() { cmd.Process.Kill() },
		wait: func() error {
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("worker %d: %w", spec.Index, err)
			}
			return nil
		},
		cpu: func() time.Duration {
			if cmd.ProcessState == nil {
				return 0
			}
			return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		},
		signal: cmd.Process.Signal,
	}, nil
}

// spawnGoroutine runs the worker in a goroutine of this process: the same
// worker code and messages, for tests.
func spawnGoroutine(ctx context.Context, spec workerSpec) (*workerHandle, error) {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := runWorker(ctx, spec, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	return &workerHandle{out: pr, stop: cancel, kill: cancel, wait: func() error { cancel(); return <-done },
		cpu: func() time.Duration { return 0 }}, nil
}

// workerMain is the worker process: spec from stdin, messages to stdout.
func workerMain(stdin io.Reader, stdout io.Writer) error {
	r := bufio.NewReader(stdin)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("worker: read the spec from stdin: %w", err)
	}
	var spec workerSpec
	if err := json.Unmarshal(line, &spec); err != nil {
		return fmt.Errorf("worker: bad spec: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, r) // until the parent closes stdin, or dies
		cancel()
	}()
	return runWorker(ctx, spec, stdout)
}
