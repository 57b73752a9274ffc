// Package static holds the portal's CSS, JavaScript, images and vendored
// front-end libraries (each in vendor/NAME@VERSION/ with its licence).
package static

import (
	"embed"
	"net/http"
)

// FS holds every static file, served under /static/.
//
//go:embed css vendor img js
var FS embed.FS

// HTTP returns the static files as an http.FileSystem.
func HTTP() http.FileSystem { return http.FS(FS) }
