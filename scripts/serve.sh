#!/usr/bin/env bash
# Builds the playground page and serves it at http://127.0.0.1:8080 (PORT=… to change),
# installing what it needs first (the wasm32 target, wasm-bindgen-cli, trunk, wasm-opt).
# dist/ is a plain static site: any file server can serve it, from any path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
PORT=${PORT:-8080}

need_web_tools
log "building the playground (release)"
trunk build index.html --release --offline
log "serving dist/ at http://127.0.0.1:$PORT (Ctrl-C stops)"
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory dist
