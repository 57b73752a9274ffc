#!/usr/bin/env bash
# Copies the front-end libraries pinned in package.json (and package-lock.json)
# into static/vendor/NAME@VERSION/ with their licences, and the test-only
# axe-core into app/testdata/. The copies are committed, so building the
# portal never needs Node or the network.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --ignore-scripts
version() { node -p "require('./node_modules/$1/package.json').version"; }

# fresh DIR: empties static/vendor/NAME@* and creates DIR.
fresh() { rm -rf "${1%@*}"@*; mkdir -p "$1"; }

pico=static/vendor/pico@$(version @picocss/pico)
fresh "$pico"
cp node_modules/@picocss/pico/css/pico.min.css "$pico/"
cp node_modules/@picocss/pico/LICENSE.md "$pico/LICENSE.md"
echo "vendored: $pico"

# EasyMDE's bundle includes CodeMirror 5, marked and the spell checker (which
# the portal switches off, with the Font Awesome download): their licences
# travel with it.
easymde=static/vendor/easymde@$(version easymde)
fresh "$easymde"
cp node_modules/easymde/dist/easymde.min.js node_modules/easymde/dist/easymde.min.css "$easymde/"
cp node_modules/easymde/LICENSE "$easymde/LICENSE"
cp node_modules/codemirror/LICENSE "$easymde/LICENSE.codemirror"
cp node_modules/marked/LICENSE.md "$easymde/LICENSE.marked.md"
cp node_modules/codemirror-spell-checker/LICENSE "$easymde/LICENSE.codemirror-spell-checker" 2>/dev/null || true
echo "vendored: $easymde"

htmx=static/vendor/htmx@$(version htmx.org)
fresh "$htmx"
cp node_modules/htmx.org/dist/htmx.min.js "$htmx/"
cp node_modules/htmx.org/LICENSE "$htmx/LICENSE"
echo "vendored: $htmx"

# axe-core runs in the browser tests only: never served to readers.
axe=app/testdata/axe-core@$(version axe-core)
rm -rf app/testdata/axe-core@*; mkdir -p "$axe"
cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE "$axe/"
echo "vendored: $axe"
