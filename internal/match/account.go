package match

import "time"

// Session is a logged-in browser (the admin UI). The browser holds a
// random secret in a cookie; the store keeps only its hash (ID), so that a
// copy of the database logs nobody in.
type Session struct {
	ID         string    `json:"-"` // the hex SHA-256 of the cookie's secret
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	RemoteAddr string    `json:"remote_addr"`
}

// APIToken is a bearer token for the JSON API, acting as its user. The
// token itself is a JWT whose jti is ID; the store keeps this record so
// that a token can be listed and revoked.
type APIToken struct {
	ID        string     `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"` // what it is for: "fixtures import", "stadium display"
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // nil: never
	RevokedAt *time.Time `json:"revoked_at,omitempty"` // nil: not revoked
}

// maxTokenNameLen bounds an API token's name, in characters.
const maxTokenNameLen = 100

// ValidateTokenName checks an API token's name. Returns EINVALID.
func ValidateTokenName(name string) error {
	return checkLen("name", name, maxTokenNameLen, false)
}

// CheckToken says why t may not be used at now: EUNAUTHORIZED
// with the instant it was revoked or expired; nil when it is valid.
func (t APIToken) CheckToken(now time.Time) error {
	if t.RevokedAt != nil {
		return Errorf(EUNAUTHORIZED, "API token %s was revoked at %s; ask an admin for a new one", t.ID, t.RevokedAt.UTC().Format(time.RFC3339))
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return Errorf(EUNAUTHORIZED, "API token %s expired at %s; make a new one", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// CanRecord reports whether u may record events in and edit match id,
// given whether u is assigned to it: admins everywhere, scorers where an
// admin assigned them. Returns EFORBIDDEN naming the match.
func (u User) CanRecord(id int64, assigned bool) error {
	if u.Role == RoleAdmin || assigned {
		return nil
	}
	return Errorf(EFORBIDDEN, "match %d is not assigned to %s; ask an admin to assign you", id, u.Email)
}

// RequireAdmin returns EFORBIDDEN unless u is an admin; what names what was
// asked ("create a competition").
func (u User) RequireAdmin(what string) error {
	if u.Role == RoleAdmin {
		return nil
	}
	return Errorf(EFORBIDDEN, "only admins may %s; %s is a %s", what, u.Email, u.Role)
}
