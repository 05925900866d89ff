# Installs, when missing, the tools the project needs beyond the Rust toolchain.
# Sourced by scripts/test.sh (and the serve script). Everything comes from crates.io, the
# rustup dist server and Debian's packages: no tool may download its own binaries here.

# The wasm-bindgen CLI must equal the `wasm-bindgen` crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=0.2.129

log() { printf '\n==> %s\n' "$*" >&2; }

need_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >&2
  fi
}

need_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return
  fi
  log "installing Chromium and ChromeDriver from Debian"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >&2
}

need_wasm_bindgen() {
  # Read the version first: under pipefail, `grep -q` closing the pipe early fails it.
  local have
  have=$(wasm-bindgen-test-runner --version 2>/dev/null || true)
  if [ "${have##* }" = "$WASM_BINDGEN_VERSION" ]; then
    return
  fi
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes once)"
  cargo install --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" >&2
}

# wasm-pack runs each crate's browser tests as `wasm-pack test --headless --chrome`, with
# Debian's ChromeDriver and the wasm-bindgen test runner above (it downloads nothing then).
WASM_PACK_VERSION=0.15.1

need_wasm_pack() {
  local have
  have=$(wasm-pack --version 2>/dev/null || true)
  if [ "$have" = "wasm-pack $WASM_PACK_VERSION" ]; then
    return
  fi
  log "installing wasm-pack $WASM_PACK_VERSION (takes a few minutes once)"
  cargo install --locked wasm-pack --version "$WASM_PACK_VERSION" >&2
}

# Trunk builds and serves the playground page. 0.22 needs a newer rustc than ours.
TRUNK_VERSION=0.21.14
# wasm-opt, from npm: Debian's binaryen is too old to read what rustc emits now.
BINARYEN_VERSION=132.0.0

need_trunk() {
  # Read the version first: under pipefail, `grep -q` closing the pipe early fails it.
  local have
  have=$(trunk --version 2>/dev/null || true)
  if [ "$have" = "trunk $TRUNK_VERSION" ]; then
    return
  fi
  log "installing trunk $TRUNK_VERSION (takes about 12 minutes once)"
  cargo install --locked trunk --version "$TRUNK_VERSION" >&2
}

# Puts binaryen's wasm-opt (the version Trunk.toml names) on PATH, from .tools/npm.
need_wasm_opt() {
  local bin="$PWD/.tools/npm/node_modules/.bin"
  local have
  have=$("$bin/wasm-opt" --version 2>/dev/null || true)
  if [[ "$have" != *"version_${BINARYEN_VERSION%%.*}"* ]]; then
    if ! command -v npm >/dev/null; then
      log "installing npm from Debian"
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >&2
    fi
    log "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm into .tools/npm"
    npm install --silent --prefix .tools/npm "binaryen@$BINARYEN_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
}

# Everything `trunk build` needs, with the crates fetched so that it can run offline.
need_web_tools() {
  need_wasm_target
  need_wasm_bindgen
  need_trunk
  need_wasm_opt
  cargo fetch --locked >&2
}

# playwright-core drives Debian's Chromium for tests/page.mjs and the browser benchmark; it
# never downloads a browser of its own. axe-core is the accessibility audit tests/page.mjs runs.
need_playwright() {
  need_chromium
  if [ ! -d .tools/npm/node_modules/playwright-core ]; then
    log "installing playwright-core from npm into .tools/npm (no browser download)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --prefix .tools/npm playwright-core@1.65.1 >&2
  fi
  if [ ! -f .tools/npm/node_modules/axe-core/axe.min.js ]; then
    log "installing axe-core from npm into .tools/npm"
    npm install --silent --prefix .tools/npm axe-core@4.14.1 >&2
  fi
}
