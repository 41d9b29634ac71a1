package match

import "time"

// Role is what a user may do.
type Role string

// The roles.
const (
	RoleAdmin  Role = "admin"
	RoleScorer Role = "scorer"
)

// User is someone who logs in to record matches.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// UserInput is what is needed to create a user. Password is plain text;
// stores keep only its hash.
type UserInput struct {
	Email    string
	Role     Role
	Password string
}
