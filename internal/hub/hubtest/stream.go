package hubtest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Stream is a subscriber's open stream, read line by line as a browser
// would.
type Stream struct {
	Resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
}

// Event is one server-sent event or comment as read from a stream.
type Event struct {
	ID, Type, Data, Retry string
	Comment               bool
}

// Open sends a subscribe request to rawURL and returns the response,
// whatever its status (the caller checks it); hdr is header name, value
// pairs. The stream is closed when the test ends, or after StreamTimeout.
func Open(t testing.TB, rawURL string, hdr ...string) *Stream {
	t.Helper()
	return OpenWith(t, Client(), rawURL, hdr...)
}

// OpenWith is Open with client.
func OpenWith(t testing.TB, client *http.Client, rawURL string, hdr ...string) *Stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), StreamTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("subscribe %s: %v", rawURL, err)
	}
	s := NewStream(resp, cancel)
	t.Cleanup(s.Close)
	return s
}

// NewStream reads the stream of resp, a subscribe response got by other
// means than Open (another client, HTTP/2); cancel, if not nil, is called
// by Close.
func NewStream(resp *http.Response, cancel context.CancelFunc) *Stream {
	if cancel == nil {
		cancel = func() {}
	}
	return &Stream{Resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel}
}

// Subscribe opens a stream that must succeed and reads its first comment,
// after which the subscriber is registered: updates published from then
// on reach it.
func Subscribe(t testing.TB, rawURL string, hdr ...string) *Stream {
	t.Helper()
	return SubscribeWith(t, Client(), rawURL, hdr...)
}

// SubscribeWith is Subscribe with client.
func SubscribeWith(t testing.TB, client *http.Client, rawURL string, hdr ...string) *Stream {
	t.Helper()
	s := OpenWith(t, client, rawURL, hdr...)
	if s.Resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(s.Resp.Body)
		t.Fatalf("subscribe %s: got status %d (%s), want 200", rawURL, s.Resp.StatusCode, b)
	}
	if e, err := s.ReadRaw(); err != nil || !e.Comment {
		t.Fatalf("subscribe %s: first thing on the stream: got %+v, %v; want a comment", rawURL, e, err)
	}
	return s
}

// Close ends the stream from the client's side.
func (s *Stream) Close() {
	s.cancel()
	s.Resp.Body.Close()
}

// ReadRaw reads the next event or comment.
func (s *Stream) ReadRaw() (Event, error) {
	var e Event
	var data []string
	seen := false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if !seen {
				continue
			}
			e.Data = strings.Join(data, "\n")
			return e, nil
		}
		seen = true
		if strings.HasPrefix(line, ":") {
			e.Comment = true
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			e.ID = value
		case "event":
			e.Type = value
		case "retry":
			e.Retry = value
		case "data":
			data = append(data, value)
		}
	}
}

// Next reads the next event, skipping comments.
func (s *Stream) Next(t testing.TB) Event {
	t.Helper()
	for {
		e, err := s.ReadRaw()
		if err != nil {
			t.Fatalf("read stream: %v", err)
		}
		if !e.Comment {
			return e
		}
	}
}

// Ended reads until the stream ends and returns the events it still
// carried; the stream must end within StreamTimeout.
func (s *Stream) Ended(t testing.TB) []Event {
	t.Helper()
	var got []Event
	for {
		e, err := s.ReadRaw()
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return got
		}
		if err != nil {
			if ctxErr := context.Cause(s.Resp.Request.Context()); ctxErr != nil {
				t.Fatalf("stream did not end within %s: %v", StreamTimeout, ctxErr)
			}
			return got // the connection was cut: ended too
		}
		if !e.Comment {
			got = append(got, e)
		}
	}
}
