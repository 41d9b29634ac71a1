package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scoreboard/scoreboard/internal/match"
)

// testAccounts finds users by id, lists and counts them, and changes a
// password.
func testAccounts(t *testing.T, open Opener) {
	ctx := testContext(t)
	s, _, _ := openFresh(t, open)
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Errorf("CountUsers of a new store: got %d, %v, want 0", n, err)
	}
	if us, err := s.Users(ctx); err != nil || us == nil || len(us) != 0 {
		t.Errorf("Users of a new store: got %#v, %v, want an empty list", us, err)
	}
	zoe := mustUser(t, ctx, s, "zoe@example.org", match.RoleAdmin)
	ann := mustUser(t, ctx, s, "ann@example.org", match.RoleScorer)
	eve := mustUser(t, ctx, s, "Ève@example.org", match.RoleScorer)
	got, err := s.User(ctx, ann.ID)
	if err != nil || !cmp.Equal(got, ann) {
		t.Errorf("User(%d): got %+v, %v, want %+v", ann.ID, got, err, ann)
	}
	us, err := s.Users(ctx)
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	if diff := cmp.Diff([]match.User{ann, zoe, eve}, us); diff != "" {
		t.Errorf("Users by email (-want +got):\n%s", diff)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("CountUsers: got %d, %v, want 3", n, err)
	}
	hash, err := match.HashPassword("a brand new password")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPasswordHash(ctx, ann.ID, hash); err != nil {
		t.Fatalf("SetPasswordHash: %v", err)
	}
	if got, err := s.User(ctx, ann.ID); err != nil || !match.CheckPassword(got.PasswordHash, "a brand new password") {
		t.Errorf("after SetPasswordHash: got %v, want the new password to match", err)
	}
	if got, _ := s.User(ctx, zoe.ID); got.PasswordHash != zoe.PasswordHash {
		t.Errorf("SetPasswordHash changed another user's hash")
	}
	err = s.SetPasswordHash(ctx, 987654, hash)
	wantMessage(t, "SetPasswordHash(unknown)", err, match.ENOTFOUND, "user 987654 does not exist")

	// The rest shares these users: bcrypt makes every new user cost.
	if ann, err = s.User(ctx, ann.ID); err != nil {
		t.Fatalf("User: %v", err)
	}
	t.Run("Scorers", func(t *testing.T) { testScorers(t, s, ann, zoe) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, s, ann, zoe) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, s, ann, zoe) })
	t.Run("Messages", func(t *testing.T) { testUserMessages(t, s) })
}

// testScorers assigns users to matches and takes it back.
func testScorers(t *testing.T, s Store, ann, zoe match.User) {
	ctx := testContext(t)
	m := createMatch(t, ctx, s, input("football", 9))
	other := createMatch(t, ctx, s, input("football", 10))
	assigned := func(matchID, userID int64) bool {
		t.Helper()
		ok, err := s.IsAssigned(ctx, matchID, userID)
		if err != nil {
			t.Fatalf("IsAssigned: %v", err)
		}
		return ok
	}
	if assigned(m.ID, zoe.ID) {
		t.Errorf("IsAssigned before any assignment: got true, want false")
	}
	for _, u := range []match.User{zoe, ann, zoe} { // twice is harmless
		if err := s.AssignScorer(ctx, m.ID, u.ID); err != nil {
			t.Fatalf("AssignScorer(%s): %v", u.Email, err)
		}
	}
	if !assigned(m.ID, zoe.ID) || !assigned(m.ID, ann.ID) || assigned(other.ID, zoe.ID) {
		t.Errorf("IsAssigned: got %v, %v, %v, want true, true, false", assigned(m.ID, zoe.ID), assigned(m.ID, ann.ID), assigned(other.ID, zoe.ID))
	}
	scorers, err := s.MatchScorers(ctx, m.ID)
	if err != nil {
		t.Fatalf("MatchScorers: %v", err)
	}
	if diff := cmp.Diff([]match.User{ann, zoe}, scorers); diff != "" {
		t.Errorf("MatchScorers by email (-want +got):\n%s", diff)
	}
	if none, err := s.MatchScorers(ctx, other.ID); err != nil || none == nil || len(none) != 0 {
		t.Errorf("MatchScorers of a match without any: got %#v, %v, want an empty list", none, err)
	}
	for _, id := range []int64{zoe.ID, zoe.ID, 987654} { // twice, and someone unknown, are harmless
		if err := s.UnassignScorer(ctx, m.ID, id); err != nil {
			t.Fatalf("UnassignScorer(%d): %v", id, err)
		}
	}
	if assigned(m.ID, zoe.ID) || !assigned(m.ID, ann.ID) {
		t.Errorf("after UnassignScorer: got zoe %v, ann %v, want false, true", assigned(m.ID, zoe.ID), assigned(m.ID, ann.ID))
	}
	err = s.AssignScorer(ctx, 987654, zoe.ID)
	wantMessage(t, "AssignScorer(unknown match)", err, match.ENOTFOUND, "match 987654 does not exist")
	err = s.AssignScorer(ctx, m.ID, 987653)
	wantMessage(t, "AssignScorer(unknown user)", err, match.ENOTFOUND, "user 987653 does not exist")
	err = s.UnassignScorer(ctx, 987654, zoe.ID)
	wantMessage(t, "UnassignScorer(unknown match)", err, match.ENOTFOUND, "match 987654 does not exist")
	_, err = s.MatchScorers(ctx, 987654)
	wantMessage(t, "MatchScorers(unknown match)", err, match.ENOTFOUND, "match 987654 does not exist")
	if ok, err := s.IsAssigned(ctx, 987654, zoe.ID); err != nil || ok {
		t.Errorf("IsAssigned(unknown match): got %v, %v, want false", ok, err)
	}
}

// testSessions stores, finds, lists and ends sessions.
func testSessions(t *testing.T, s Store, ann, bob match.User) {
	ctx := testContext(t)
	start := time.Date(2030, 6, 1, 9, 0, 0, 123456000, time.UTC)
	session := func(id string, u match.User, minutes int) match.Session {
		at := start.Add(time.Duration(minutes) * time.Minute)
		return match.Session{ID: id, UserID: u.ID, CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour),
			UserAgent: "Mozilla/5.0 (iPhone; « téléphone »)", RemoteAddr: "203.0.113.7:51234"}
	}
	ss := []match.Session{session("aa01", ann, 0), session("aa02", ann, 5), session("aa03", ann, 10), session("bb01", bob, 1)}
	for _, x := range ss {
		if err := s.CreateSession(ctx, x); err != nil {
			t.Fatalf("CreateSession(%s): %v", x.ID, err)
		}
	}
	got, err := s.Session(ctx, "aa02")
	if err != nil || !cmp.Equal(got, ss[1]) {
		t.Errorf("Session: got %+v, %v, want %+v", got, err, ss[1])
	}
	err = s.CreateSession(ctx, session("aa02", bob, 20))
	wantMessage(t, "CreateSession(id taken)", err, match.ECONFLICT, "a session with this id exists already; log in again")
	err = s.CreateSession(ctx, match.Session{ID: "cc01", UserID: 987654, CreatedAt: start, ExpiresAt: start.Add(time.Hour)})
	wantMessage(t, "CreateSession(unknown user)", err, match.ENOTFOUND, "user 987654 does not exist")
	_, err = s.Session(ctx, "zz99")
	wantMessage(t, "Session(unknown)", err, match.ENOTFOUND, "the session does not exist or has ended; log in again")

	list, err := s.UserSessions(ctx, ann.ID)
	if err != nil {
		t.Fatalf("UserSessions: %v", err)
	}
	if diff := cmp.Diff([]match.Session{ss[2], ss[1], ss[0]}, list); diff != "" {
		t.Errorf("UserSessions newest first (-want +got):\n%s", diff)
	}
	if err := s.DeleteSession(ctx, "aa01"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if err := s.DeleteSession(ctx, "aa01"); err != nil {
		t.Errorf("DeleteSession again: got %v, want nil", err)
	}
	_, err = s.Session(ctx, "aa01")
	wantCode(t, "Session(deleted)", err, match.ENOTFOUND)
	n, err := s.DeleteUserSessions(ctx, ann.ID, "aa03")
	if err != nil || n != 1 {
		t.Errorf("DeleteUserSessions(ann, except aa03): got %d, %v, want 1", n, err)
	}
	if list, _ := s.UserSessions(ctx, ann.ID); len(list) != 1 || list[0].ID != "aa03" {
		t.Errorf("after DeleteUserSessions: got %+v, want only aa03", list)
	}
	if n, err := s.DeleteUserSessions(ctx, ann.ID, ""); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions(ann, none kept): got %d, %v, want 1", n, err)
	}
	if list, err := s.UserSessions(ctx, ann.ID); err != nil || list == nil || len(list) != 0 {
		t.Errorf("UserSessions after ending all: got %#v, %v, want an empty list", list, err)
	}
	if _, err := s.Session(ctx, "bb01"); err != nil {
		t.Errorf("another user's session after DeleteUserSessions: %v, want it kept", err)
	}

	// A login after bob's session expired deletes it, and nobody else's.
	if err := s.CreateSession(ctx, session("aa04", ann, 13*60)); err != nil {
		t.Fatalf("CreateSession(aa04): %v", err)
	}
	if err := s.CreateSession(ctx, session("bb02", bob, 13*60)); err != nil {
		t.Fatalf("CreateSession(bb02): %v", err)
	}
	_, err = s.Session(ctx, "bb01")
	wantCode(t, "Session(expired before the user's next login)", err, match.ENOTFOUND)
	if list, err := s.UserSessions(ctx, bob.ID); err != nil || len(list) != 1 || list[0].ID != "bb02" {
		t.Errorf("bob's sessions after a login past the expiry of the first: got %+v, %v, want only bb02", list, err)
	}
	if _, err := s.Session(ctx, "aa04"); err != nil {
		t.Errorf("ann's session after bob's login: %v, want it kept", err)
	}
}
