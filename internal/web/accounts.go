package web

import "github.com/go-chi/chi/v5"

// publicAccountRoutes mounts the account routes that need no signed-in
// user: logging in and out, and the first run's setup. Each does its own
// cross-site check (sameSite), since requireUser does not run.
func (s *server) publicAccountRoutes(r chi.Router) {
	r.Post("/session", s.handle(s.login))
	r.Delete("/session", s.handle(s.logout))
	r.Post("/setup", s.handle(s.setupAPI))
}

// accountRoutes mounts the account routes for signed-in users (requireUser
// has run): the current user, users, sessions and API tokens.
func (s *server) accountRoutes(r chi.Router) {
	r.Get("/session", s.handle(s.getSession))
	r.Get("/me", s.handle(s.getMe))
	r.Post("/me/password", s.handle(s.changePassword))
	r.Post("/tokens", s.handle(s.createToken))
	r.Get("/tokens", s.handle(s.listTokens))
	r.Get("/tokens/{id}", s.handle(s.getToken))
	r.Delete("/tokens/{id}", s.handle(s.revokeToken))
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin("manage users"))
		r.Get("/users", s.handle(s.listUsers))
		r.Post("/users", s.handle(s.createUser))
		r.Get("/users/{id}", s.handle(s.getUser))
		r.Post("/users/{id}/password", s.handle(s.resetPassword))
		r.Get("/users/{id}/sessions", s.handle(s.listUserSessions))
		r.Delete("/users/{id}/sessions", s.handle(s.endUserSessions))
	})
}
