#!/usr/bin/env bash
# Copies the front-end libraries pinned in package.json (and package-lock.json)
# into static/vendor/NAME@VERSION/ with their licences. The copies are
# committed, so building the portal never needs Node or the network.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --ignore-scripts
version() { node -p "require('./node_modules/$1/package.json').version"; }

pico=static/vendor/pico@$(version @picocss/pico)
rm -rf static/vendor/pico@*
mkdir -p "$pico"
cp node_modules/@picocss/pico/css/pico.min.css "$pico/"
cp node_modules/@picocss/pico/LICENSE.md "$pico/LICENSE.md"
echo "vendored: $pico"
