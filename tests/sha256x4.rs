//! `layercake::sha256x4` natively: the NIST vectors and differential tests
//! against `sha2::Sha256`. Natively the 4-lane pass is `sha2::compress256`
//! per lane; tests/wasm_sha256x4.rs runs the same cases on the WebAssembly
//! SIMD code in the browser.

#[path = "common/sha256x4_cases.rs"]
mod cases;

#[test]
fn nist_vectors_on_every_lane() {
    cases::nist_vectors_on_every_lane();
}

#[test]
fn differential_every_length_to_4096() {
    for seed in 1..=3 {
        cases::differential_every_length_to_4096(seed);
    }
}

#[test]
fn differential_large() {
    cases::differential_large(7);
}

#[test]
fn compress4_matches_compress1() {
    cases::compress4_matches_compress1(11);
}
