package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// A subscriber's stream is read without net/http once it is open: the
// load tool shares the server's CPUs, and what it spends per delivery
// (a goroutine woken per read, net/http's body and chunked readers) is
// taken from the server it measures. Each worker's streams are read by
// one goroutine that waits in epoll for the sockets that have data
// (poll_linux.go), reads what each has in one read(2) and feeds it to
// the stream's parser below, which takes the bytes as they come: HTTP/1.1
// chunks, then SSE lines. A TLS stream, or any stream off Linux, is read
// by a goroutine of its own (readBlocking), through the same parser.

// stream is one subscriber's open stream: its parser and what it has
// received.
type stream struct {
	wk   *worker
	n    int      // the subscriber's global number
	conn net.Conn // until the poller takes its descriptor, fd
	fd   int
	s    subState
	// burst: the stream carries a match's states (see matchState).
	burst bool
	// chunked: the body is HTTP/1.1 chunks; chunk is where the parser is
	// in them: the bytes of data still to come, or one of the states
	// below; size is the chunk size being read, digits how many of its
	// digits were read and sizeOver whether they are over (an extension
	// or the CR follows).
	chunked  bool
	chunk    int
	size     int
	digits   int
	sizeOver bool
	// line is a line begun in an earlier read; a line longer than
	// lineMax keeps only its start (tooLong), enough to tell what it is.
	line     []byte
	lineMax  int
	tooLong  bool
	lines    int  // how many lines have ended, comments included
	finished bool // the last chunk came: the hub ended the stream
}

// The parser's states between chunks' data.
const (
	chunkSize = -1 // reading a chunk's size line
	chunkEnd  = -2 // skipping the CRLF after a chunk's data
)

// Bounds of what one stream may hold.
const (
	// maxLine is the longest line of a Mercure publish's stream kept
	// whole: the load test's updates are under 100 bytes, and longer
	// lines are its padding (-size), skipped.
	maxLine = 256
	// keptStart is how much of a line too long is kept, to tell what it
	// is ("data: pad:…").
	keptStart = 64
	// keptLine bounds the buffer a stream keeps between lines.
	keptLine = 4 << 10
	// maxChunkSize bounds a chunk's announced size.
	maxChunkSize = 1 << 30
)

// errChunk is a stream whose chunked framing is broken.
var errChunk = errors.New("malformed HTTP chunk")

// newStream is the stream of subscriber n, s its state, ready for
// updates: the read that brings the first line may bring one too.
func (wk *worker) newStream(n int, conn net.Conn, chunked bool, s subState) *stream {
	s.seen = make([]uint64, (s.expected+63)/64)
	st := &stream{wk: wk, n: n, conn: conn, s: s, burst: wk.spec.Burst, chunked: chunked, chunk: chunkSize, lineMax: maxLine}
	if st.burst {
		st.lineMax = maxMatchLine
	}
	return st
}

// received notes that st's stream was heard from at now and parses b,
// what was read.
func (st *stream) received(b []byte, now time.Time) error {
	st.wk.heard(&st.s, now)
	return st.feed(b, now)
}

// feed parses b, the next bytes read from the stream at now, and handles
// each line it ends. It returns an error when the framing is broken;
// finished is set once the last chunk has come.
func (st *stream) feed(b []byte, now time.Time) error {
	if !st.chunked {
		st.body(b, now)
		return nil
	}
	for len(b) > 0 && !st.finished {
		switch st.chunk {
		case chunkSize:
			i := bytes.IndexByte(b, '\n')
			head := b
			if i >= 0 {
				head = b[:i]
			}
			if err := st.sizeDigits(head); err != nil {
				return err
			}
			if i < 0 {
				return nil
			}
			if st.digits == 0 {
				return fmt.Errorf("%w: no size", errChunk)
			}
			b = b[i+1:]
			st.chunk, st.size, st.digits, st.sizeOver = st.size, 0, 0, false
			if st.chunk == 0 {
				st.finished = true
			}
		case chunkEnd:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				return nil
			}
			b, st.chunk = b[i+1:], chunkSize
		default:
			n := min(st.chunk, len(b))
			st.body(b[:n], now)
			b, st.chunk = b[n:], st.chunk-n
			if st.chunk == 0 {
				st.chunk = chunkEnd
			}
		}
	}
	return nil
}

// sizeDigits adds the hex digits of a piece of a chunk-size line to
// st.size, up to an extension (";…") or the CR.
func (st *stream) sizeDigits(b []byte) error {
	for _, c := range b {
		var d int
		switch {
		case st.sizeOver: // an extension, or the CR
			continue
		case '0' <= c && c <= '9':
			d = int(c - '0')
		case 'a' <= c && c <= 'f':
			d = int(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = int(c-'A') + 10
		case c == ';' || c == '\r' || c == ' ' || c == '\t':
			st.sizeOver = true
			continue
		default:
			return fmt.Errorf("%w: byte %q in its size", errChunk, c)
		}
		st.digits++
		if st.size = st.size*16 + d; st.size > maxChunkSize {
			return fmt.Errorf("%w: size over %d", errChunk, maxChunkSize)
		}
	}
	return nil
}

// body splits the body's bytes b into lines.
func (st *stream) body(b []byte, now time.Time) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			st.keep(b)
			return
		}
		line := b[:i+1]
		if len(st.line) > 0 || st.tooLong || len(line) > st.lineMax {
			st.keep(line) // the line is copied only when it must be
			line = st.line
		}
		st.lines++
		st.wk.line(st, line, st.tooLong, now)
		st.line, st.tooLong = st.line[:0], false
		if cap(st.line) > keptLine {
			st.line = nil // a long line's buffer is not kept for the next
		}
		b = b[i+1:]
	}
}

// keep adds b to the line begun, or only what keptStart leaves room for
// once the line is longer than lineMax.
func (st *stream) keep(b []byte) {
	if !st.tooLong && len(st.line)+len(b) <= st.lineMax {
		st.line = append(st.line, b...)
		return
	}
	st.tooLong = true
	if len(st.line) > keptStart {
		st.line = st.line[:keptStart]
	}
	st.line = append(st.line, b[:min(len(b), keptStart-len(st.line))]...)
}

// read reads st's stream until it or ctx ends: through the poller when
// it takes it, else in this goroutine.
func (wk *worker) read(ctx context.Context, st *stream) {
	if st.finished { // with its first line
		st.conn.Close()
		wk.ended(ctx, st, nil)
		return
	}
	if wk.poller != nil && wk.poller.add(st) {
		return
	}
	wk.readBlocking(ctx, st)
}
