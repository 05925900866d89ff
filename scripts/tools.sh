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
  if wasm-bindgen-test-runner --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    return
  fi
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes once)"
  cargo install --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" >&2
}
