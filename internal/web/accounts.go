package web

import "github.com/go-chi/chi/v5"

// publicAccountRoutes mounts the account routes that need no signed-in
// user: logging in, and the first run's setup.
func (s *server) publicAccountRoutes(r chi.Router) {}

// accountRoutes mounts the account routes for signed-in users (requireUser
// has run): the current user, users, sessions and API tokens.
func (s *server) accountRoutes(r chi.Router) {}
