package main

import (
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	srv := startServe(t, vars)
	r := runCmd(t, vars, "", "health", "--url", srv.URL+"/readyz")
	if r.err != nil || strings.TrimSpace(r.stdout) != "ok" {
		t.Errorf("health of a running server: got %v, stdout %q; want success and ok", r.err, r.stdout)
	}
	// The probe needs only the address: a setting it does not use, even a
	// bad one, does not fail it.
	bad := map[string]string{"DATABASE_URL": "mysql://nope", "SCOREBOARD_ADDR": strings.TrimPrefix(srv.URL, "http://")}
	if r := runCmd(t, bad, "", "health"); r.err != nil {
		t.Errorf("health with SCOREBOARD_ADDR set and a bad DATABASE_URL: got %v, want success", r.err)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	r = runCmd(t, vars, "", "health", "--url", srv.URL+"/readyz")
	if r.err == nil || exitCode(r.err) != 1 {
		t.Errorf("health of a stopped server: got %v, want a failure with exit status 1", r.err)
	}
}

func TestLocalURL(t *testing.T) {
	tests := []struct {
		addr  string
		tlsOn bool
		want  string
	}{
		{":8080", false, "http://127.0.0.1:8080"},
		{"0.0.0.0:9000", false, "http://127.0.0.1:9000"},
		{"[::]:8080", false, "http://127.0.0.1:8080"},
		{"10.1.2.3:8080", false, "http://10.1.2.3:8080"},
		{"localhost:8080", false, "http://localhost:8080"},
		{":8443", true, "https://127.0.0.1:8443"},
	}
	for _, tt := range tests {
		if got := localURL(tt.addr, tt.tlsOn); got != tt.want {
			t.Errorf("localURL(%q, %v): got %q, want %q", tt.addr, tt.tlsOn, got, tt.want)
		}
	}
}
