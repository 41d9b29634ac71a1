package hub

import (
	"bufio"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// parseEvent reads one event the way the EventSource processing model
// does (lines end at CR, LF or CRLF; one leading space of a value is
// dropped; data lines are joined with LF).
func parseEvent(b []byte) (id, typ, retry, data string, fields int) {
	s := strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\r", "\n")
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		fields++
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			id = value
		case "event":
			typ = value
		case "retry":
			retry = value
		case "data":
			lines = append(lines, value)
		}
	}
	return id, typ, retry, strings.Join(lines, "\n"), fields
}

// FuzzEncodeEvent: whatever an update holds, its encoding is one event
// that a browser reads back as the same id, type and data (line breaks
// normalized): data can never inject a field or end the event early.
func FuzzEncodeEvent(f *testing.F) {
	f.Add("urn:uuid:1", "score", "line 1\nline 2", int64(0))
	f.Add("a\r\nid: evil", "x\n\nevent: y", "data\r\rretry: 1\n\nid: injected", int64(3000))
	f.Add("", "", "", int64(-1))
	f.Fuzz(func(t *testing.T, id, typ, data string, retry int64) {
		b := encodeEvent(Update{ID: id, Type: typ, Data: data, Retry: retry})
		if !strings.HasSuffix(string(b), "\n\n") || strings.Count(string(b), "\n\n") != 1 {
			t.Fatalf("encoding %q is not exactly one event", b)
		}
		gotID, gotType, _, gotData, _ := parseEvent(b)
		wantData := strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
		if gotID != oneLine(id) || gotType != oneLine(typ) || gotData != wantData {
			t.Errorf("read back id %q type %q data %q, want %q %q %q", gotID, gotType, gotData, oneLine(id), oneLine(typ), wantData)
		}
	})
}

// FuzzReadUpdate: any publish body is either refused with a 4xx and a
// message, or read into an update whose id and type are single lines and
// whose topics are within the limits.
func FuzzReadUpdate(f *testing.F) {
	f.Add("topic=https%3A%2F%2Fexample.com%2Fa&data=x&private=on&id=urn%3A1&type=t&retry=10")
	f.Add("topic=a&topic=b&retry=-1")
	f.Add("id=%23x&topic=a")
	f.Add("topic=a&id=a%0Ab")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/.well-known/mercure", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		u, err := readUpdate(httptest.NewRecorder(), req)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 || e.Message == "" {
				t.Fatalf("refusal: got %v (%T), want an *Error with a 4xx and a message", err, err)
			}
			return
		}
		switch {
		case len(u.Topics) == 0 || len(u.Topics) > MaxUpdateTopics:
			t.Fatalf("accepted %d topics", len(u.Topics))
		case strings.ContainsAny(u.ID, "\r\n") || strings.HasPrefix(u.ID, "#") || u.ID == EarliestID:
			t.Fatalf("accepted id %q", u.ID)
		case strings.ContainsAny(u.Type, "\r\n"):
			t.Fatalf("accepted type %q", u.Type)
		case u.Retry < 0:
			t.Fatalf("accepted retry %d", u.Retry)
		case !validText(u.ID) || !validText(u.Type) || !validText(u.Data):
			t.Fatalf("accepted id %q type %q data %q: not all valid UTF-8 without NUL", u.ID, u.Type, u.Data)
		}
	})
}
