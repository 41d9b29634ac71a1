package match

import "testing"

func TestLogCache(t *testing.T) {
	var c LogCache
	log := []Event{{MatchID: 1, Seq: 1}, {MatchID: 1, Seq: 2}}
	c.Put(1, log)
	tests := []struct {
		name string
		m    Match
		want bool
	}{
		{"at the stored seq", Match{ID: 1, Seq: 2}, true},
		{"another process appended", Match{ID: 1, Seq: 3}, false},
		{"older seq", Match{ID: 1, Seq: 1}, false},
		{"another match", Match{ID: 2, Seq: 2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := c.Get(tt.m); got != tt.want {
				t.Errorf("Get(%+v): got %v, want %v", tt.m, got, tt.want)
			}
		})
	}
	for i := range int64(logCacheSize + 10) {
		c.Put(100+i, nil)
	}
	if n := len(c.logs); n > logCacheSize {
		t.Errorf("after %d puts: got %d cached logs, want at most %d", logCacheSize+10, n, logCacheSize)
	}
}
