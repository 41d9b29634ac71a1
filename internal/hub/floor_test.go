//go:build linux

package hub_test

import (
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoopbackFloor measures what no hub can go below on this
// machine: one message the size of a small update's event written to
// each of N loopback TCP sockets by two goroutines (as the hub's writers
// do, one non-blocking write(2) each) and read at the other ends from one
// epoll loop (as the load tool reads), and nothing else: no HTTP, no
// SSE, no queue, no parsing. ns/op is one fan-out, from its first write
// to the last read; p50-ms and p99-ms are the latency of a delivery, from
// the fan-out's first write to the read that completed its message, as
// the load tool's are from the publish; write- and read-cpu-µs/delivery
// are the CPU time, user and kernel, of the writing and the reading
// threads per message. The hub's figures under Performance in the README
// read against it (run with -benchtime 20x; 9,000 pairs are 18,000
// descriptors, under the 20,000 a process may open here).
func BenchmarkLoopbackFloor(b *testing.B) {
	for _, n := range []int{1000, 5000, 9000} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) { benchmarkLoopbackFloor(b, n) })
	}
}

// floorGap is the time between two fan-outs: that between the load
// test's publishes at -rate 5.
const floorGap = 200 * time.Millisecond

func benchmarkLoopbackFloor(b *testing.B, n int) {
	senders, receivers := loopbackPairs(b, n)
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer syscall.Close(ep)
	for _, fd := range receivers {
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			b.Fatal(err)
		}
	}
	const size = 128 // "id: urn:uuid:…\ndata: {…70 B…}\n\n", as the load test's updates
	msg := make([]byte, size)
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	// Each side's CPU time is its threads' (RUSAGE_THREAD, each goroutine
	// locked to its thread), so that the writes' share shows apart.
	var writing, reading time.Duration
	var mu sync.Mutex
	var latencies []time.Duration
	received := make([]int, slices.Max(receivers)+1) // bytes read this fan-out, by descriptor
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fanOut := func() {
		clear(received)
		first := time.Now()
		var wg sync.WaitGroup
		for _, part := range [][]int{senders[:n/2], senders[n/2:]} {
			wg.Go(func() {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				start := threadCPU()
				for _, fd := range part {
					if m, err := syscall.Write(fd, msg); m != size || err != nil {
						b.Errorf("write: %d, %v", m, err)
						break
					}
				}
				mu.Lock()
				writing += threadCPU() - start
				mu.Unlock()
			})
		}
		start := threadCPU()
		for got := 0; got < n*size && !b.Failed(); {
			k, err := syscall.EpollWait(ep, events, 1000)
			if err != nil && err != syscall.EINTR {
				b.Fatal(err)
			}
			for _, ev := range events[:max(k, 0)] {
				fd := int(ev.Fd)
				if m, _ := syscall.Read(fd, buf); m > 0 {
					got += m
					if received[fd] < size && received[fd]+m >= size {
						latencies = append(latencies, time.Since(first))
					}
					received[fd] += m
				}
			}
		}
		reading += threadCPU() - start
		wg.Wait()
	}
	// The hub's sockets have carried their response's headers before the
	// first update: so have these. Then the fan-outs are as far apart as
	// the load test's paced publishes.
	fanOut()
	latencies, writing, reading = latencies[:0], 0, 0
	for b.Loop() {
		b.StopTimer()
		time.Sleep(floorGap)
		b.StartTimer()
		fanOut()
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1e3, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1e3, "p99-ms")
	deliveries := float64(n * b.N)
	b.ReportMetric(float64(writing.Nanoseconds())/1e3/deliveries, "write-cpu-µs/delivery")
	b.ReportMetric(float64(reading.Nanoseconds())/1e3/deliveries, "read-cpu-µs/delivery")
}

// rusageThread is Linux's RUSAGE_THREAD, which package syscall lacks.
const rusageThread = 1

// threadCPU is the CPU time, user and kernel, of the calling thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(rusageThread, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopbackPairs connects n loopback TCP pairs and returns the
// descriptors of their two ends; the connections stay open until the
// benchmark ends.
func loopbackPairs(b *testing.B, n int) (senders, receivers []int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	fd := func(c net.Conn) int {
		raw, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			b.Fatal(err)
		}
		var d int
		raw.Control(func(f uintptr) { d = int(f) })
		return d
	}
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close(); s.Close() })
		senders, receivers = append(senders, fd(s)), append(receivers, fd(c))
	}
	return senders, receivers
}
