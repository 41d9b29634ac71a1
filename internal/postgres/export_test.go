package postgres

// PageQueries exposes pageQueries to the tests that EXPLAIN them.
var PageQueries = pageQueries

// SetHistoryLock turns the history's lock on or off, for the benchmark
// that measures its cost; it returns what restores it.
func SetHistoryLock(on bool) (restore func()) {
	was := lockHistory
	lockHistory = on
	return func() { lockHistory = was }
}
