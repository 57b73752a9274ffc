// Package views holds the html/template layouts, partials and pages, and the
// translation catalogues (locales/NAME.LANG.yaml).
package views

import "embed"

// FS holds the templates and catalogues.
//
//go:embed layouts partials pages locales
var FS embed.FS
