package match

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password limits: bcrypt reads at most 72 bytes.
const (
	minPasswordLen = 8
	maxPasswordLen = 72
	maxEmailLen    = 254
)

// Normalize returns in with its email trimmed and lower-cased, the form in
// which users are stored and looked up.
func (in UserInput) Normalize() UserInput {
	in.Email = NormalizeEmail(in.Email)
	return in
}

// NormalizeEmail trims and lower-cases an email address, so that logging in
// does not depend on how it was typed.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Validate checks a user, in its normalized form, before it is stored.
// Returns EINVALID.
func (in UserInput) Validate() error {
	in = in.Normalize()
	if err := validEmail(in.Email); err != nil {
		return err
	}
	if in.Role != RoleAdmin && in.Role != RoleScorer {
		return Errorf(EINVALID, "role must be %q or %q, got %q", RoleAdmin, RoleScorer, in.Role)
	}
	return ValidatePassword(in.Password)
}

// ValidatePassword checks a password before it is hashed: a new user's, a
// changed or a reset one. Returns EINVALID.
func ValidatePassword(password string) error {
	if n := utf8.RuneCountInString(password); n < minPasswordLen {
		return Errorf(EINVALID, "password is %d characters long; use at least %d", n, minPasswordLen)
	}
	if len(password) > maxPasswordLen {
		return Errorf(EINVALID, "password is longer than %d bytes; use a shorter one", maxPasswordLen)
	}
	return nil
}

func validEmail(email string) error {
	if email == "" {
		return Errorf(EINVALID, "email is required")
	}
	if len(email) > maxEmailLen {
		return Errorf(EINVALID, "email is longer than %d characters", maxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	local, domain, _ := strings.Cut(email, "@")
	if err != nil || a.Address != email || local == "" || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return Errorf(EINVALID, "email %q is not an address like name@example.com", email)
	}
	return nil
}

// HashPassword hashes a password for storage (bcrypt, default cost).
// Returns EINVALID for a password bcrypt cannot hash (longer than 72 bytes).
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return "", Errorf(EINVALID, "password is longer than %d bytes; use a shorter one", maxPasswordLen)
	}
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash. A malformed hash
// matches nothing.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// NewUser validates in and returns the user to store, created at now: the
// email normalized and only a hash of the password. Returns EINVALID.
func NewUser(in UserInput, now time.Time) (User, error) {
	if err := in.Validate(); err != nil {
		return User{}, err
	}
	in = in.Normalize()
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	return User{Email: in.Email, Role: in.Role, PasswordHash: hash, CreatedAt: now}, nil
}
