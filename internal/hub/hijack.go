//go:build linux

package hub

import (
	"cmp"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// conns is the hijacked HTTP/1.1 delivery path. Once a subscriber's
// replay is over, its connection is taken from net/http (which then
// forgets it, and ends its two goroutines) and from Go's network poller
// (the hub keeps a duplicate of its descriptor and closes the net.Conn,
// whose state and addresses it no longer holds), and no goroutine waits
// on it, idle or not:
//   - a dispatch that queues an update wakes the subscriber, and one of
//     a few writer goroutines drains its queue into one non-blocking
//     write(2) of one HTTP chunk; a chunk the socket cannot take at once
//     waits, without a goroutine, for the socket to have room
//     (EPOLLOUT), under the write deadline (a timer);
//   - one goroutine waits in epoll for the clients that hang up and for
//     the sockets that have room again (edge-triggered, so an idle
//     connection never wakes it);
//   - one ticker marks every connection for a heartbeat;
//   - a token's expiry is a timer (time.AfterFunc), not a goroutine.
//
// The same encoder, queues and batches as the net/http path serve it
// (writeQueued's rules: coalescing, the replay boundary). HTTP/2 streams
// and TLS connections, which cannot be written to this way, keep the
// net/http path.
type conns struct {
	h    *Hub
	epfd int

	mu     sync.Mutex
	byTok  map[uint64]*hconn
	next   uint64
	closed bool

	// open counts the registered connections, which close waits for.
	open sync.WaitGroup

	runMu sync.Mutex
	run   []*hconn // scheduled: run[head:]
	head  int
	cond  *sync.Cond
	stop  chan struct{}
	wg    sync.WaitGroup
}

// writers is how many goroutines write to the hijacked connections: one
// per CPU (at least two), since their writes never block; more would only
// take turns on the same CPUs.
var writers = max(2, runtime.GOMAXPROCS(0))

// writerBatch is the most connections a writer takes at a time: one lock
// per batch instead of one per connection while a fan-out schedules
// thousands, yet the others' share is left for the other writers.
const writerBatch = 64

// hconn is one hijacked subscriber's connection.
type hconn struct {
	c *conns
	s *subscriber
	// fd is the connection's socket, the hub's own duplicate: written to
	// by the goroutine that holds hc (state 1), which alone ends hc, so it
	// is never written to once closed.
	fd       int
	tok      uint64
	boundary int64
	// state is 1 while the connection is scheduled, being written or
	// stalled, so that one goroutine at a time writes it; again records
	// a wake meanwhile.
	state     atomic.Int32
	again     atomic.Bool
	heartbeat atomic.Bool
	// pending is the chunk being written, sent bytes of it so far; used
	// by hc's holder alone.
	pending *[]byte
	sent    int
	// stalled is set while pending waits for room in the socket: hc is
	// held (state 1) by no goroutine, until resume, called on EPOLLOUT, on
	// a kill or at the write deadline, schedules it again. Guarded by
	// stallMu, which orders a stall against the EPOLLOUT that ends it.
	stallMu  sync.Mutex
	stalled  bool
	deadline *time.Timer // the write deadline of pending, once it stalled
	expiry   *time.Timer
	endOnce  sync.Once
	// cleanup is what the subscribe handler would have done on return.
	cleanup func(reason string)
	// oldest is the first update of the chunk being written, for the
	// latency once it is (see counters.wrote); used by its holder alone.
	oldest *event
}

func newConns(h *Hub) *conns {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil // no hijacking: the net/http path serves every stream
	}
	c := &conns{h: h, epfd: epfd, byTok: make(map[uint64]*hconn), stop: make(chan struct{})}
	c.cond = sync.NewCond(&c.runMu)
	c.wg.Add(writers + 2)
	for range writers {
		go c.writer()
	}
	go c.hangups()
	go c.heartbeats()
	return c
}

// canHijack reports whether r's stream may leave net/http: plain HTTP/1.1
// over TCP.
func canHijack(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.ProtoMinor != 1 || r.TLS != nil {
		return false
	}
	_, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	return ok
}

// adopt takes s's connection from net/http, after its replay (boundary
// is the Seq below which queued updates are duplicates) and reports
// whether it did; cleanup is then called once, when the stream ends.
// setAbort installs what kill calls from then on.
func (c *conns) adopt(w http.ResponseWriter, r *http.Request, s *subscriber, boundary int64, setAbort func(func()), cleanup func(reason string)) bool {
	if c == nil || !canHijack(r) {
		return false
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	// From here the stream is ours, whatever happens. Its kernel buffer
	// is capped: what a client that stops reading costs the server until
	// the write deadline drops it must not grow with its backlog.
	capSendBuffer(conn)
	hc := &hconn{c: c, s: s, fd: socketOf(conn), boundary: boundary, cleanup: cleanup}
	conn.Close() // the socket lives on in hc.fd, if it could be had
	c.mu.Lock()
	closed := c.closed
	c.next++
	hc.tok = c.next
	if hc.fd >= 0 && !closed {
		c.byTok[hc.tok] = hc
		c.open.Add(1)
	}
	c.mu.Unlock()
	hc.state.Store(1) // adopt's first run, below
	if hc.fd < 0 || closed {
		hc.end("the connection cannot be hijacked")
		return true
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLRDHUP | syscall.EPOLLOUT | epollET}
	ev.Fd, ev.Pad = int32(uint32(hc.tok)), int32(uint32(hc.tok>>32))
	if err := syscall.EpollCtl(c.epfd, syscall.EPOLL_CTL_ADD, hc.fd, &ev); err != nil {
		hc.end("watch the connection: " + err.Error())
		return true
	}
	setAbort(hc.abort)
	c.h.reg.mu.Lock()
	s.wake = hc.wakeUp
	c.h.reg.mu.Unlock()
	if exp := s.claims.ExpiresAt; !exp.IsZero() {
		hc.expiry = time.AfterFunc(time.Until(exp), func() {
			s.kill(tokenExpired(exp))
		})
	}
	c.schedule(hc) // what was queued during the replay, or a kill meanwhile
	return true
}

// epollET is EPOLLET as the uint32 of EpollEvent.Events.
const epollET = 1 << 31

// socketOf returns a close-on-exec duplicate of conn's descriptor, which
// shares its socket (non-blocking, as Go made it), or -1.
func socketOf(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) {
		if r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f, syscall.F_DUPFD_CLOEXEC, 0); errno == 0 {
			fd = int(r)
		}
	})
	return fd
}

// abort is kill's: it schedules hc, stalled or not, which then ends.
func (hc *hconn) abort() {
	hc.wakeUp()
	hc.resume()
}

// resume schedules hc if it is stalled.
func (hc *hconn) resume() {
	hc.stallMu.Lock()
	stalled := hc.stalled
	hc.stalled = false
	hc.stallMu.Unlock()
	if stalled {
		hc.c.schedule(hc)
	}
}

// wakeUp schedules hc to be written, unless it is already.
func (hc *hconn) wakeUp() {
	hc.again.Store(true)
	if hc.state.CompareAndSwap(0, 1) {
		hc.c.schedule(hc)
	}
}

func (c *conns) schedule(hc *hconn) {
	c.runMu.Lock()
	c.run = append(c.run, hc)
	c.runMu.Unlock()
	c.cond.Signal()
}

// writer writes the scheduled connections until the hub shuts down,
// taking a batch of them at a time (see writerBatch).
func (c *conns) writer() {
	defer c.wg.Done()
	batch := make([]*hconn, 0, writerBatch)
	for {
		c.runMu.Lock()
		for c.head == len(c.run) {
			select {
			case <-c.stop:
				c.runMu.Unlock()
				return
			default:
			}
			c.cond.Wait()
		}
		ready := c.run[c.head:]
		n := min(max(1, len(ready)/writers), writerBatch, len(ready))
		batch = append(batch[:0], ready[:n]...)
		clear(ready[:n])
		c.head += n
		// Keep the array (no allocation per fan-out), and drop the taken
		// part once it is half of it: a list that never empties does not
		// grow for ever.
		if c.head >= len(c.run)/2 {
			m := copy(c.run, c.run[c.head:])
			clear(c.run[m:])
			c.run, c.head = c.run[:m], 0
		}
		c.runMu.Unlock()
		for _, hc := range batch {
			hc.work()
		}
		clear(batch)
	}
}

// work writes what hc's subscriber has queued (and a heartbeat when
// due) until nothing is left, or until the socket is full; it holds hc
// (state 1) and gives it back, or leaves it stalled.
func (hc *hconn) work() {
	for {
		hc.again.Store(false)
		if reason := hc.s.killedFor(); reason != "" {
			hc.end(reason)
			return
		}
		if hc.pending != nil && !hc.flush() { // the rest of a chunk that stalled
			return // stalled again, or ended
		}
		if hc.pending, hc.sent = hc.collect(), 0; hc.pending != nil && !hc.flush() {
			return // stalled, or ended
		}
		hc.state.Store(0)
		if !hc.again.Load() || !hc.state.CompareAndSwap(0, 1) {
			return
		}
	}
}

// flush writes what is left of the pending chunk and reports whether all
// of it is written. When the socket has no room for the rest, hc stalls
// (false): the chunk's write deadline starts, if it has not, and an
// EPOLLOUT, a kill or the deadline resumes hc. A failed write ends hc
// (false).
func (hc *hconn) flush() bool {
	err := hc.writePending()
	if err == nil && hc.sent < len(*hc.pending) {
		if hc.deadline == nil {
			hc.deadline = time.AfterFunc(hc.c.h.cfg.WriteTimeout, func() {
				hc.s.kill(writeFailed("updates", os.ErrDeadlineExceeded))
			})
		}
		// Room that came after that write may have had its EPOLLOUT find
		// hc not stalled yet: one more write, under stallMu, which resume
		// takes. If it finds no room either, the next EPOLLOUT comes after
		// the stall, and resumes hc.
		hc.stallMu.Lock()
		err = hc.writePending()
		stalled := err == nil && hc.sent < len(*hc.pending)
		hc.stalled = stalled
		hc.stallMu.Unlock()
		if stalled {
			return false
		}
	}
	if err != nil {
		hc.end(writeFailed("updates", err))
		return false
	}
	hc.c.h.stats.wrote(hc.oldest)
	putChunk(hc.pending)
	hc.pending = nil
	if hc.deadline != nil {
		hc.deadline.Stop()
		hc.deadline = nil
	}
	return true
}

// writePending writes what it can of the rest of the pending chunk
// without waiting.
func (hc *hconn) writePending() error {
	n, err := tryWrite(hc.fd, (*hc.pending)[hc.sent:])
	hc.sent += n
	return err
}

// collect takes the queue as writeQueued does and returns one HTTP
// chunk of what is to be written, or nil when there is nothing.
func (hc *hconn) collect() *[]byte {
	bp := batches.Get().(*[]*event)
	defer func() {
		clear(*bp)
		*bp = (*bp)[:0]
		batches.Put(bp)
	}()
	batch := hc.s.queue.take(*bp)
	*bp = batch
	size := 0
	hc.oldest = nil
	for i, ev := range batch {
		if ev.seq != 0 && ev.seq <= hc.boundary {
			batch[i] = nil
			continue
		}
		size += len(ev.data)
		hc.oldest = cmp.Or(hc.oldest, ev)
	}
	if hc.heartbeat.Swap(false) && size == 0 {
		size = len(comment)
		batch = append(batch[:0], heartbeatEvent)
	}
	if size == 0 {
		return nil
	}
	buf := getChunk()
	b := strconv.AppendInt((*buf)[:0], int64(size), 16)
	b = append(b, "\r\n"...)
	for _, ev := range batch {
		if ev != nil {
			b = append(b, ev.data...)
		}
	}
	*buf = append(b, "\r\n"...)
	return buf
}

// heartbeatEvent is a heartbeat in a batch.
var heartbeatEvent = &event{data: comment}

// chunks are the buffers of the chunks being written.
var chunks = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getChunk() *[]byte { return chunks.Get().(*[]byte) }

func putChunk(b *[]byte) {
	if cap(*b) <= 1<<20 {
		*b = (*b)[:0]
		chunks.Put(b)
	}
}

// tryWrite writes b to fd without waiting: n is what the socket took.
func tryWrite(fd int, b []byte) (n int, err error) {
	for n < len(b) {
		m, err := syscall.Write(fd, b[n:])
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// end closes hc's stream once: the last chunk if the socket takes it,
// then the connection, then the handler's cleanup. Only the goroutine
// that holds hc (state 1) calls it once hc is registered (see fd).
func (hc *hconn) end(reason string) {
	hc.endOnce.Do(func() {
		hc.s.kill(reason)
		if hc.expiry != nil {
			hc.expiry.Stop()
		}
		if hc.deadline != nil {
			hc.deadline.Stop()
		}
		cut := hc.pending != nil && hc.sent > 0 // a chunk half written
		if hc.pending != nil {
			putChunk(hc.pending)
			hc.pending = nil
		}
		c := hc.c
		c.mu.Lock()
		_, watched := c.byTok[hc.tok]
		delete(c.byTok, hc.tok)
		c.mu.Unlock()
		if watched {
			syscall.EpollCtl(c.epfd, syscall.EPOLL_CTL_DEL, hc.fd, nil)
			if !cut {
				tryWrite(hc.fd, lastChunk)
			}
		}
		if hc.fd >= 0 {
			syscall.Close(hc.fd)
		}
		hc.cleanup(hc.s.killedFor())
		if watched {
			c.open.Done()
		}
	})
}

// lastChunk ends a chunked response.
var lastChunk = []byte("0\r\n\r\n")

// hangups kills the subscribers whose clients hang up, and resumes the
// stalled connections whose sockets have room again.
func (c *conns) hangups() {
	defer c.wg.Done()
	events := make([]syscall.EpollEvent, 128)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		n, err := syscall.EpollWait(c.epfd, events, 200)
		if err != nil && err != syscall.EINTR {
			return
		}
		for _, ev := range events[:max(n, 0)] {
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			c.mu.Lock()
			hc := c.byTok[tok]
			c.mu.Unlock()
			switch {
			case hc == nil:
			case ev.Events&(syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0:
				hc.s.kill("the client left") // which resumes hc (abort)
			case ev.Events&syscall.EPOLLOUT != 0:
				hc.resume()
			}
		}
	}
}

// heartbeats marks every connection for a heartbeat each interval.
func (c *conns) heartbeats() {
	defer c.wg.Done()
	t := time.NewTicker(c.h.cfg.Heartbeat)
	defer t.Stop()
	var all []*hconn
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		c.mu.Lock()
		for _, hc := range c.byTok {
			all = append(all, hc)
		}
		c.mu.Unlock()
		for _, hc := range all {
			hc.heartbeat.Store(true)
			hc.wakeUp()
		}
		clear(all)
		all = all[:0]
	}
}

// close ends every hijacked stream (the registry has killed their
// subscribers) and stops the goroutines. Each stream ends in the
// goroutine that holds it, woken (or resumed, if stalled) for that,
// never beside a write in progress (see hconn.fd); no write waits.
func (c *conns) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	var all []*hconn
	for _, hc := range c.byTok {
		all = append(all, hc)
	}
	c.mu.Unlock()
	for _, hc := range all {
		hc.abort()
	}
	c.open.Wait()
	c.runMu.Lock() // so that no writer misses the broadcast
	close(c.stop)
	c.runMu.Unlock()
	c.cond.Broadcast()
	c.wg.Wait()
	syscall.Close(c.epfd)
}
