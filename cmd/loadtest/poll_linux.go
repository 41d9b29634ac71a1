package main

import (
	"context"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// poller reads a worker's plain TCP streams from -readers goroutines,
// each waiting on an epoll of its own: it takes each stream's
// socket from Go's network poller (a duplicate of its descriptor; the
// net.Conn is closed), gives it to one of the epolls, waits there
// (edge-triggered, see readFrom) for the sockets that have data, and
// reads each one until it is empty, most often in one read(2). So a
// delivery costs the tool one read and a share of one epoll_wait, not a
// goroutine woken and net/http's readers.
type poller struct {
	wk    *worker
	ctx   context.Context
	epfds []int         // one per reader; a socket is in epfds[fd % len]
	done  chan struct{} // closed when run has ended every stream

	mu      sync.Mutex
	streams map[int32]*stream // by descriptor
	closed  bool              // ctx is over: add ends what it is given
}

// pollWait bounds each epoll_wait, so that the end of ctx is seen.
const pollWait = 100 // milliseconds

// newPoller starts the poller of wk's streams, which lives until ctx
// ends; nil if epoll is not to be had.
func newPoller(ctx context.Context, wk *worker) *poller {
	p := &poller{wk: wk, ctx: ctx, done: make(chan struct{}), streams: map[int32]*stream{}}
	for range max(1, wk.spec.Readers) {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			p.closeEpolls()
			return nil
		}
		p.epfds = append(p.epfds, epfd)
	}
	go p.run()
	return p
}

// epollOf is the epoll that holds the socket fd.
func (p *poller) epollOf(fd int) int { return p.epfds[fd%len(p.epfds)] }

// add takes st's socket and reads it from then on; false when st's
// connection is not a plain TCP one (TLS), which its own goroutine then
// reads.
func (p *poller) add(st *stream) bool {
	tc, ok := st.conn.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = dupCloseOnExec(int(f)) })
	if fd < 0 {
		return false
	}
	st.conn.Close() // the socket lives on in fd
	st.conn, st.fd = nil, fd
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.streams[int32(fd)] = st
	}
	p.mu.Unlock()
	if closed {
		syscall.Close(fd)
		p.wk.ended(p.ctx, st, p.ctx.Err())
		return true
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epollOf(fd), syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.end(st, err)
	}
	return true
}

// dupCloseOnExec duplicates fd, close-on-exec; -1 if it cannot.
func dupCloseOnExec(fd int) int {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return -1
	}
	return int(r)
}

// run starts the readers, and once ctx has ended them, ends every
// stream left.
func (p *poller) run() {
	defer close(p.done)
	var wg sync.WaitGroup
	for _, epfd := range p.epfds {
		wg.Go(func() { p.read(epfd) })
	}
	wg.Wait()
	p.mu.Lock()
	p.closed = true
	left := make([]*stream, 0, len(p.streams))
	for _, st := range p.streams {
		left = append(left, st)
	}
	p.mu.Unlock()
	for _, st := range left {
		p.end(st, p.ctx.Err())
	}
}

// read is a reader: it reads the sockets of epfd that have data until
// ctx ends.
func (p *poller) read(epfd int) {
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for p.ctx.Err() == nil {
		n, err := syscall.EpollWait(epfd, events, pollWait)
		if err != nil && err != syscall.EINTR {
			return
		}
		for _, ev := range events[:max(n, 0)] {
			p.mu.Lock()
			st := p.streams[ev.Fd]
			p.mu.Unlock()
			if st != nil {
				p.readFrom(st, buf)
			}
		}
	}
}

// readFrom reads what st's socket holds and parses it. The sockets are
// edge-triggered: epoll reports a socket once when data comes, not again
// at every wait while data is left (level-triggered epoll polls each
// reported socket once more at the next wait, a fifth of the tool's CPU
// in a fan-out to 19,000), so readFrom reads until the socket is empty:
// a read that fills buf may have left more.
func (p *poller) readFrom(st *stream, buf []byte) {
	for {
		n, err := syscall.Read(st.fd, buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return
		case err != nil:
			p.end(st, err)
			return
		case n == 0:
			p.end(st, io.EOF)
			return
		}
		if err := st.received(buf[:n], time.Now()); err != nil || st.finished {
			p.end(st, err)
			return
		}
		if n < len(buf) {
			return // the socket is empty: data that comes after is a new edge
		}
	}
}

// epollET is EPOLLET as the uint32 of EpollEvent.Events.
const epollET = 1 << 31

// end closes st's socket and counts its stream over, once: the first
// to take it out of the poller's streams does.
func (p *poller) end(st *stream, err error) {
	p.mu.Lock()
	ours := p.streams[int32(st.fd)] == st // a descriptor closed may be another stream's now
	if ours {
		delete(p.streams, int32(st.fd))
	}
	p.mu.Unlock()
	if !ours {
		return
	}
	syscall.EpollCtl(p.epollOf(st.fd), syscall.EPOLL_CTL_DEL, st.fd, nil)
	syscall.Close(st.fd)
	p.wk.ended(p.ctx, st, err)
}

// close waits for run to end and releases the epoll descriptors.
func (p *poller) close() {
	if p == nil {
		return
	}
	<-p.done
	p.closeEpolls()
}

// closeEpolls releases the epoll descriptors.
func (p *poller) closeEpolls() {
	for _, epfd := range p.epfds {
		syscall.Close(epfd)
	}
}
