#!/usr/bin/env bash
# Runs every test and check of the project, installing what it needs first:
#   formatting, clippy, the native test suites (unit tests, the lab's Raft suite over many
#   seeds, simulator tests), the browser tests of every crate in headless Chromium (through
#   wasm-pack), the page's release bundle and its size, the end-to-end tests of the
#   built page and the regression corpus of scenario files (tests/), the benchmark, and the
#   browser benchmark of the page.
# Ends with one line: "N passed, N failed". Exits non-zero if anything failed.
#
#   RAFT_SEEDS=N scripts/test.sh      run the lab scenarios over seeds 0..N (default 100)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
export PATH="$HOME/.cargo/bin:$PATH"

passed=0
failed=0
logs=$(mktemp -d)

# Runs a command whose output has cargo-test summaries, adding up its counts. A command that
# fails without reporting a failed test (it did not build, say) counts as one failure.
tests() {
  local name=$1 out="$logs/$1.log"
  shift
  log "$name: $*"
  "$@" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  local p f
  read -r p f < <(awk '/^test result:/ {
      for (i = 2; i <= NF; i++) {
        if ($i ~ /^passed/) p += $(i - 1)
        if ($i ~ /^failed/) f += $(i - 1)
      }
    } END { print p + 0, f + 0 }' "$out")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    echo "FAILED: $name (exit $rc)"
    failed=$((failed + 1))
  fi
}

# Runs a check that passes or fails as a whole.
check() {
  local name=$1
  shift
  log "$name: $*"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name"
    failed=$((failed + 1))
  fi
}

need_wasm_target
need_chromium
need_wasm_bindgen
need_wasm_pack
need_web_tools
need_playwright

check fmt cargo fmt --all --check
check clippy cargo clippy --workspace --all-targets --locked -- -D warnings
check clippy-wasm cargo clippy --workspace --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
# The page's own build of the simulator, without the lab's Raft tester (`sim`'s `tester` feature).
check clippy-page cargo clippy -p web --all-targets --locked --target wasm32-unknown-unknown -- -D warnings
tests native cargo test --workspace --locked
# The browser suites of every crate, run as an instructor would: `wasm-pack test --headless
# --chrome` in the crate (Debian's Chromium and ChromeDriver, nothing downloaded).
browser_tests() {
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" \
    --mode no-install "$@" --locked
}
tests browser-raft browser_tests crates/raft --test rules
tests browser-kv browser_tests crates/kv --lib
tests browser-check browser_tests crates/check --test handmade --test incremental
tests browser-sim browser_tests crates/sim --test wasm --test sweep
tests browser-lab browser_tests crates/lab --test wasm
tests browser-web browser_tests web
check bundle scripts/bundle-size.sh
# The built page as visitors meet it (tests/), on the dist/ the bundle check just built.
tests page env DIST=dist node tests/page.mjs
check bench cargo run --release --locked -p lab --bin bench
# The regression corpus of scenario files, each with its expected verdict, run by the CLI.
tests corpus tests/corpus.sh
# The page measured from outside in headless Chromium, for the figures (not a timed test):
# it passes when every case ran. It measures the dist/ the bundle check just built.
browser_bench() {
  DIST=dist scripts/browser-bench.sh | tee "$logs/browser-bench.json"
  ! grep -q '"error"' "$logs/browser-bench.json"
}
check browser-bench browser_bench

rm -rf "$logs"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
