// Package admin holds the admin UI's static files (its stylesheet, the
// match console's script, the web app manifest, the icons and the service
// worker), embedded in the binary and served under /admin/assets/.
package admin

import "embed"

// Files are the admin UI's static files, by name.
//
//go:embed *.css *.js
var Files embed.FS
