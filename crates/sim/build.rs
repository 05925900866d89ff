//! Converts the lessons (TOML, for people and the CLI) to JSON at build time, so that the page
//! reads them without a TOML parser in its bundle. The values are checked when they are read.

use std::path::Path;

fn main() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("lessons");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets it")).join("lessons");
    println!("cargo::rerun-if-changed={}", dir.display());
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    for entry in std::fs::read_dir(&dir).expect("crates/sim/lessons exists") {
        let path = entry.expect("a readable directory").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("a readable lesson");
        let value: serde_json::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.with_extension("json");
        let name = name.file_name().expect("a file name");
        std::fs::write(out.join(name), value.to_string()).expect("OUT_DIR is writable");
    }
}
