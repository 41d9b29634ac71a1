package testenv

import "testing"

func TestRequired(t *testing.T) {
	tests := []struct {
		env, facility string
		want          bool
	}{
		{"", "postgres", false},
		{"postgres", "postgres", true},
		{"postgres,chromium", "chromium", true},
		{"postgres chromium", "chromium", true},
		{"POSTGRES", "postgres", true},
		{"postgresql", "postgres", false},
	}
	for _, tt := range tests {
		t.Run(tt.env+"/"+tt.facility, func(t *testing.T) {
			t.Setenv(RequireVar, tt.env)
			if got := Required(tt.facility); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
