package match

// Retry finds in's idempotency key in the match's log: it returns the
// event recorded with it when in asks for the same thing (a retry, to be
// answered with that event and nothing appended), false when the key is
// unused or empty, and ECONFLICT when the key was used for a different
// request. Stores call it before Record, since a retry may carry a stale
// ExpectedSeq.
func Retry(log []Event, in NewEvent) (Event, bool, error) {
	if in.IdempotencyKey == "" {
		return Event{}, false, nil
	}
	for _, ev := range log {
		if ev.IdempotencyKey == in.IdempotencyKey {
			return retried(ev, in)
		}
	}
	return Event{}, false, nil
}

// retried answers in, whose idempotency key ev was recorded with: with ev
// when in asks for the same thing, else with ECONFLICT.
func retried(ev Event, in NewEvent) (Event, bool, error) {
	if !SameRequest(ev, in) {
		return Event{}, false, Errorf(ECONFLICT,
			"idempotency key %q was already used for event %d, a different request; use a new key for a new event",
			in.IdempotencyKey, ev.Seq)
	}
	return ev, true, nil
}

// SameRequest reports whether in asks for the same thing as the stored ev,
// so that a retry with ev's idempotency key can return ev. It compares the
// kind and every detail field; the expected sequence number does not count,
// since a retry may carry the one the client saw before its first attempt.
func SameRequest(ev Event, in NewEvent) bool {
	return ev.Kind == in.Kind && sameDetail(ev.EventDetail, in.EventDetail)
}

func sameDetail(a, b EventDetail) bool {
	return a.Team == b.Team && a.ScoreKind == b.ScoreKind && a.Player == b.Player &&
		a.Assist == b.Assist && a.PlayerIn == b.PlayerIn && a.Card == b.Card &&
		a.Period == b.Period && samePtr(a.SetClockMs, b.SetClockMs) &&
		samePtr(a.Home, b.Home) && samePtr(a.Away, b.Away) &&
		a.Text == b.Text && a.VoidSeq == b.VoidSeq
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
