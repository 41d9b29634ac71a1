//go:build !linux

package main

import "context"

// poller is Linux's (poll_linux.go); elsewhere each stream is read by a
// goroutine of its own.
type poller struct{}

func newPoller(context.Context, *worker) *poller { return nil }

func (p *poller) add(*stream) bool { return false }

func (p *poller) close() {}
