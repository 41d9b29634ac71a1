package match

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
