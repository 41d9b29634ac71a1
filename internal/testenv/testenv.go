// Package testenv decides what a test does when something it needs from the
// machine (PostgreSQL, Chromium) is missing: skip with one clear line, or fail
// when SCOREBOARD_TEST_REQUIRE names that thing (CI sets it).
package testenv

import (
	"os"
	"strings"
	"testing"
)

// RequireVar is the environment variable that lists, separated by commas or
// spaces, the facilities whose absence fails a test instead of skipping it.
const RequireVar = "SCOREBOARD_TEST_REQUIRE"

// Required reports whether SCOREBOARD_TEST_REQUIRE names facility.
func Required(facility string) bool {
	for _, f := range strings.FieldsFunc(os.Getenv(RequireVar), func(r rune) bool {
		return r == ',' || r == ' '
	}) {
		if strings.EqualFold(f, facility) {
			return true
		}
	}
	return false
}

// Missing ends the test because facility is unavailable: a failure when it is
// required, a skip otherwise. why says what was missing and how to get it.
func Missing(t testing.TB, facility, why string) {
	t.Helper()
	if Required(facility) {
		t.Fatalf("%s is required (%s=%q) but unavailable: %s", facility, RequireVar, os.Getenv(RequireVar), why)
	}
	t.Skipf("skipping: %s unavailable: %s (set %s=%s to fail instead)", facility, why, RequireVar, facility)
}
