package web

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	th := newThrottle(3, 15*time.Minute, 100)
	for i := range 3 { // failures at t0, t0+1m, t0+2m
		at := t0.Add(time.Duration(i) * time.Minute)
		if _, ok := th.begin("k", at); !ok {
			t.Fatalf("attempt %d refused, want it let through", i+1)
		}
		th.end("k", at, true, false)
	}
	tests := []struct {
		at       time.Duration // after t0
		wantOK   bool
		wantWait time.Duration
	}{
		{3 * time.Minute, false, 12 * time.Minute},
		{14*time.Minute + 30*time.Second, false, 30 * time.Second},
		{15 * time.Minute, true, 0}, // the first failure has left the window
	}
	for _, tt := range tests {
		wait, ok := th.begin("k", t0.Add(tt.at))
		if ok != tt.wantOK || wait != tt.wantWait {
			t.Errorf("begin at t0+%s: got %s %v, want %s %v", tt.at, wait, ok, tt.wantWait, tt.wantOK)
		}
	}
}

// TestThrottleInFlight: attempts whose passwords are being checked count
// against the limit, so that many at once cannot all slip past it.
func TestThrottleInFlight(t *testing.T) {
	t.Parallel()
	now := time.Now()
	th := newThrottle(2, 15*time.Minute, 100)
	for i := range 2 {
		if _, ok := th.begin("k", now); !ok {
			t.Fatalf("attempt %d refused, want it let through", i+1)
		}
	}
	if wait, ok := th.begin("k", now); ok || wait != time.Second {
		t.Errorf("third attempt while two are in flight: got %s %v, want 1s false", wait, ok)
	}
	th.end("k", now, false, true)
	if _, ok := th.begin("k", now); !ok {
		t.Errorf("attempt after one in flight succeeded: refused, want it let through")
	}
	th.end("k", now, true, false)
	th.end("k", now, true, false)
	if wait, ok := th.begin("k", now.Add(time.Minute)); ok || wait != 14*time.Minute {
		t.Errorf("attempt after two failures: got %s %v, want 14m0s false", wait, ok)
	}
}

// TestThrottleMemoryBound fills the login throttle with more accounts and
// addresses than it keeps: it keeps its cap, forgetting the oldest.
func TestThrottleMemoryBound(t *testing.T) {
	t.Parallel()
	l := newLoginThrottle()
	for i := range maxThrottleKeys + 500 {
		end, err := l.begin(fmt.Sprintf("user%d@example.org", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		end(loginFailed)
	}
	if n := l.accounts.size(); n != maxThrottleKeys {
		t.Errorf("accounts kept: got %d, want %d", n, maxThrottleKeys)
	}
	if n := l.addresses.size(); n != maxThrottleKeys {
		t.Errorf("addresses kept: got %d, want %d", n, maxThrottleKeys)
	}
	if _, ok := l.accounts.keys["user0@example.org"]; ok {
		t.Errorf("the oldest account is still kept, want it forgotten first")
	}
	if _, ok := l.accounts.keys[fmt.Sprintf("user%d@example.org", maxThrottleKeys+499)]; !ok {
		t.Errorf("the newest account is forgotten, want it kept")
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ remoteAddr, want string }{
		{"192.0.2.7:50123", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:443", "192.0.2.7"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := addressKey(tt.remoteAddr); got != tt.want {
			t.Errorf("addressKey(%q): got %q, want %q", tt.remoteAddr, got, tt.want)
		}
	}
}
