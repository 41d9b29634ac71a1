package hub

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// event is one update encoded as a server-sent event, once for all its
// subscribers: every queue holds the same *event and every writer writes
// the same bytes.
type event struct {
	// seq is the update's position in the history; 0 for updates that are
	// not stored (subscription events), which are never replay duplicates.
	seq  int64
	data []byte
	// key is the canonical topic of an update that coalesces
	// (Update.Coalesce), "" for the others.
	key string
	// at is when the hub received the update, the start of the delivery
	// latency (Stats.Latency); zero for heartbeats.
	at time.Time
}

// newEvent encodes u, received now.
func newEvent(u Update) *event {
	ev := &event{seq: u.Seq, data: encodeEvent(u), at: time.Now()}
	if u.Coalesce && len(u.Topics) == 1 { // several topics: other subscribers, another state each
		ev.key = u.Topics[0]
	}
	return ev
}

// encodeEvent returns u as a text/event-stream event: id, event type,
// retry, then one "data:" line per line of u.Data. Every event has at
// least one data line, since a browser drops an event whose data buffer
// stays empty. CR, LF and CRLF all end a line in the format, so all three
// split Data, and none may appear in the id or the type (the publish
// handler refuses them; updates from elsewhere have them removed).
func encodeEvent(u Update) []byte {
	n := len("id: \n") + len(u.ID) + len(u.Data) + len("\n")
	lines := splitLines(u.Data)
	n += len(lines) * len("data: \n")
	if u.Type != "" {
		n += len("event: \n") + len(u.Type)
	}
	if u.Retry > 0 {
		n += len("retry: \n") + 20
	}
	b := make([]byte, 0, n)
	b = append(b, "id: "...)
	b = append(b, oneLine(u.ID)...)
	b = append(b, '\n')
	if u.Type != "" {
		b = append(b, "event: "...)
		b = append(b, oneLine(u.Type)...)
		b = append(b, '\n')
	}
	if u.Retry > 0 {
		b = append(b, "retry: "...)
		b = strconv.AppendInt(b, u.Retry, 10)
		b = append(b, '\n')
	}
	for _, l := range lines {
		b = append(b, "data: "...)
		b = append(b, l...)
		b = append(b, '\n')
	}
	return append(b, '\n')
}

// splitLines splits s on CRLF, CR and LF; "" is one empty line.
func splitLines(s string) []string {
	if !strings.ContainsAny(s, "\r\n") {
		return []string{s}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// oneLine removes line breaks, which would end a field early.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", "", "\n", "").Replace(s)
}

// comment is an SSE comment: browsers ignore it, proxies see traffic.
var comment = []byte(":\n\n")

// sseWriter writes one subscriber's stream. Every write has a deadline,
// so a connection that stops reading cannot hold its goroutine forever.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	started bool
	// extended is when the write deadline was last moved.
	extended time.Time
}

// start sends the stream's headers and a first comment, flushed at once
// so that the browser's EventSource fires onopen. lastEventID is the
// Last-Event-ID response header ("" sends none).
func (sw *sseWriter) start(lastEventID string) error {
	sw.started = true
	h := sw.w.Header()
	h.Set("Content-Type", "text/event-stream")
	// private: the request may carry its token in the URL (spec, URI Query
	// Parameter); no-cache and the rest: updates are never cached.
	h.Set("Cache-Control", "private, no-cache, no-store, must-revalidate, max-age=0")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	if lastEventID != "" {
		h.Set("Last-Event-ID", lastEventID)
	}
	sw.w.WriteHeader(http.StatusOK)
	if err := sw.write(comment); err != nil {
		return err
	}
	return sw.flush()
}

// write writes b under a deadline at most timeout away.
func (sw *sseWriter) write(b []byte) error {
	if err := sw.extend(); err != nil {
		return err
	}
	_, err := sw.w.Write(b)
	return err
}

// flush sends what is buffered to the client.
func (sw *sseWriter) flush() error {
	if err := sw.extend(); err != nil {
		return err
	}
	return sw.rc.Flush()
}

// extend moves the write deadline to timeout from now, unless it did so
// less than a tenth of timeout ago: resetting the connection's timer on
// every write costs more than the write to a busy stream. Skipping also
// keeps an abort (a past deadline set by kill) from being undone by a
// write that follows it at once.
func (sw *sseWriter) extend() error {
	now := time.Now()
	if now.Sub(sw.extended) < sw.timeout/10 {
		return nil
	}
	sw.extended = now
	if err := sw.rc.SetWriteDeadline(now.Add(sw.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
