#!/usr/bin/env bash
# Measures the playground page in headless Chromium, from outside the page: frames per second,
# main-thread busy time per frame, dropped frames, virtual time per wall time, Clerk operations,
# JS heap and wasm memory, and (for an hour-long session) the time `run` and `travel` take.
# One JSON line per case on stdout; the URL, Chromium's version and the page's errors on stderr.
#
#   scripts/browser-bench.sh                      # build the release page, run every case
#   scripts/browser-bench.sh --case ppul-hour     # one case: default, basic, ppul-1x, ppul-100x, ppul-hour, ppul-1x-lower, ppul-sweep
#   DIST=/path/to/dist scripts/browser-bench.sh   # measure a page built elsewhere, no build
#   BENCH_SECONDS=12 BENCH_WARMUP=1               # the measuring window and the warm-up before it
#
# Builds into target/browser-bench/dist (not dist/, which other scripts rebuild). Exits
# non-zero only if the build or the browser fails; a failing case prints {"error": …}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
export PATH="$HOME/.cargo/bin:$PATH"

if [ -z "${DIST:-}" ]; then
  need_web_tools
  DIST=target/browser-bench/dist
  log "building the playground (release) into $DIST"
  trunk build index.html --release --offline --dist "$DIST" >&2
fi
need_playwright
DIST=$(realpath "$DIST") exec node scripts/browser-bench.mjs "$@"
