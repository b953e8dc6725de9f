//! Tells the wasm tests where the shared fixture corpus is, so they can
//! embed a few archives (they cannot read files in a browser).

fn main() {
    let dir = std::env::var("LAYERCAKE_FIXTURES").unwrap_or_else(|_| {
        let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        format!("{manifest}/../shared/fixtures")
    });
    let dir = std::fs::canonicalize(&dir)
        .map(|p| p.display().to_string())
        .unwrap_or(dir);
    println!("cargo:rustc-env=LAYERCAKE_FIXTURES_DIR={dir}");
    println!("cargo:rerun-if-env-changed=LAYERCAKE_FIXTURES");
}
