//! `layercake::sha256x4` in the browser, in a dedicated worker as the page
//! hashes: the same cases as the native tests/sha256x4.rs, here running
//! the WebAssembly SIMD 4-lane code. Run with
//! `cargo test --target wasm32-unknown-unknown --test wasm_sha256x4`.

#![cfg(target_arch = "wasm32")]

#[path = "common/sha256x4_cases.rs"]
mod cases;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn nist_vectors_on_every_lane() {
    cases::nist_vectors_on_every_lane();
}

#[wasm_bindgen_test]
fn differential_every_length_to_4096() {
    for seed in 1..=3 {
        cases::differential_every_length_to_4096(seed);
    }
}

#[wasm_bindgen_test]
fn differential_large() {
    cases::differential_large(7);
}

#[wasm_bindgen_test]
fn compress4_matches_compress1() {
    cases::compress4_matches_compress1(11);
}
