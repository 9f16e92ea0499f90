#!/usr/bin/env bash
# Packs an MCP Bundle for one target: `packaging/mcpb/build.sh TARGET [BINARY]`.
# TARGET is a Rust target triple (x86_64-unknown-linux-gnu, aarch64-apple-darwin, ...); BINARY
# defaults to target/TARGET/release/plex-mcp(.exe). Writes dist/plex-mcp-<os>-<arch>.mcpb.
# Claude Desktop cannot choose a binary by CPU, so every OS and architecture gets its own bundle.
set -euo pipefail
target="${1:?usage: build.sh TARGET [BINARY]}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "$target" in
  *-linux-*) os=linux; platform=linux; exe=plex-mcp ;;
  *-apple-darwin) os=macos; platform=darwin; exe=plex-mcp ;;
  *-windows-*) os=windows; platform=win32; exe=plex-mcp.exe ;;
  *) echo "build.sh: unknown target $target" >&2; exit 2 ;;
esac
case "$target" in
  x86_64-*) arch=x86_64 ;;
  aarch64-*) arch=aarch64 ;;
  universal-*) arch=universal ;;
  *) echo "build.sh: unknown architecture in $target" >&2; exit 2 ;;
esac
binary="${2:-$root/target/$target/release/$exe}"
[ -x "$binary" ] || { echo "build.sh: no binary at $binary (cargo build --release --target $target)" >&2; exit 1; }
mcpb="$root/packaging/node_modules/.bin/mcpb"
[ -x "$mcpb" ] || { echo "build.sh: run npm ci --prefix packaging first" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/server" "$root/dist"
cp "$binary" "$stage/server/$exe"
cp "$root/README.md" "$stage/"
# This bundle is for one platform, and its version is the crate's.
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
node -e '
  const fs = require("fs");
  const [src, dst, platform, version] = process.argv.slice(1);
  const m = JSON.parse(fs.readFileSync(src, "utf8"));
  m.version = version;
  m.compatibility.platforms = [platform];
  fs.writeFileSync(dst, JSON.stringify(m, null, 2) + "\n");
' "$root/packaging/mcpb/manifest.json" "$stage/manifest.json" "$platform" "$version"
"$mcpb" validate "$stage/manifest.json" >/dev/null
out="$root/dist/plex-mcp-$os-$arch.mcpb"
"$mcpb" pack "$stage" "$out" >/dev/null
echo "$out"
