#!/usr/bin/env bash
# Installs the pinned Lodestar 1.5.1 beacon node the beacon tests run against, from
# test/peers/lodestar/package-lock.json only (newer releases do not install from the registry this
# project reaches; floating ranges break it). Cached under ${MBM_LODESTAR_CACHE:-~/.cache/mbm-lodestar}/
# <sha256 of the lockfile>/ with a stamp written last, so reruns take no time and an interrupted
# install is redone. Native modules build from the sources in their packages; nothing is downloaded
# but npm packages. Prints MBM_LODESTAR=<path of the lodestar binary> as its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/test/peers/lodestar"
key="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
dir="${MBM_LODESTAR_CACHE:-$HOME/.cache/mbm-lodestar}/$key"
bin="$dir/node_modules/.bin/lodestar"
log() { echo "[install-lodestar] $*" >&2; }
if [ -f "$dir/.installed" ] && [ -x "$bin" ]; then
  log "cached: $dir ($(cat "$dir/.installed"))"
else
  log "installing Lodestar into $dir (about a minute; 772 packages, native modules built from source)"
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  start=$(date +%s)
  ( cd "$dir" && npm ci --no-audit --no-fund --no-progress >&2 )
  "$bin" --version >&2
  echo "lodestar $("$bin" --version 2>/dev/null | grep -o "v[0-9][0-9.]*" | head -n 1), installed in $(( $(date +%s) - start )) s on $(date -u +%FT%TZ)" > "$dir/.installed"
  log "done: $(cat "$dir/.installed")"
fi
echo "MBM_LODESTAR=$bin"
