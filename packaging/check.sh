#!/usr/bin/env bash
# CI's packaging checks: the bundle manifest validates and the Linux x86-64 bundle packs from the
# binary the tests built and holds it; the workflows lint clean; the crate packages and would
# publish; the vendored registry schema is byte for byte the published one. (server.json and the
# install table are checked by tests/packaging.rs.)
set -euo pipefail
cd "$(dirname "$0")/.."
# https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json, unchanged: this
# digest is the published file's (its $id names the URL). Move to a newer schema by replacing the
# file, this digest and server.json's $schema together.
echo "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0  packaging/server.schema.json" |
  sha256sum --check --quiet -
npm ci --prefix packaging --no-audit --no-fund >/dev/null
packaging/node_modules/.bin/mcpb validate packaging/mcpb/manifest.json
bundle="$(packaging/mcpb/build.sh x86_64-unknown-linux-gnu target/debug/plex-mcp)"
python3 - "$bundle" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = {"manifest.json", "server/plex-mcp"} - names
if missing:
    sys.exit(f"{sys.argv[1]} lacks {sorted(missing)}; it holds {sorted(names)}")
print(f"{sys.argv[1]}: manifest.json and server/plex-mcp packed")
PY
node packaging/lint-workflows.mjs
cargo publish --dry-run --locked
