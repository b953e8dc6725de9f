//! A benchmark, not a test: SHA-256 throughput in the browser, in a
//! dedicated worker as the page hashes, of `sha2::Sha256` (the page's
//! current path) and of `Sha256x4` (four streams in WebAssembly SIMD), on
//! four 64 MiB messages fed in 4 MiB pieces as the worker reads them. It
//! only logs (performance is measured in benchmarks, never in timed
//! tests), and is not part of scripts/test.sh. Run it optimised, with the
//! log shown:
//!
//! ```sh
//! env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
//!   WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release --target wasm32-unknown-unknown \
//!   --test wasm_sha256x4_bench -- --nocapture
//! ```

#![cfg(target_arch = "wasm32")]

#[path = "common/sha256x4_cases.rs"]
mod cases;

use layercake::sha256x4::LANES;
use layercake::Sha256x4;
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Bytes of each of the four messages.
const MESSAGE: usize = 64 << 20;
/// The worker's read size.
const PIECE: usize = 4 << 20;
/// Timed runs of each path.
const RUNS: usize = 7;

fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

/// The digests of the first lanes of a path.
type Digests = Vec<[u8; 32]>;

/// A way to hash the first `busy` messages.
type Path = fn(&[Vec<u8>], usize) -> Digests;

/// sha2::Sha256 over the first `busy` messages, one after another.
fn one_by_one(messages: &[Vec<u8>], busy: usize) -> Digests {
    messages[..busy]
        .iter()
        .map(|m| {
            let mut h = Sha256::new();
            for piece in m.chunks(PIECE) {
                h.update(piece);
            }
            <[u8; 32]>::from(h.finalize())
        })
        .collect()
}

/// Sha256x4 over the first `busy` messages at once, the other lanes idle.
fn at_once(messages: &[Vec<u8>], busy: usize) -> Digests {
    let mut lanes = Sha256x4::new();
    for at in (0..MESSAGE).step_by(PIECE) {
        lanes.update4(std::array::from_fn(|lane| {
            if lane < busy {
                &messages[lane][at..at + PIECE]
            } else {
                &[][..]
            }
        }));
    }
    (0..busy).map(|lane| lanes.finish(lane)).collect()
}

#[wasm_bindgen_test]
fn bench_sha256_throughput() {
    let mut rng = cases::Rng::new(42);
    let messages: Vec<Vec<u8>> = (0..LANES).map(|_| rng.bytes(MESSAGE)).collect();

    // (what, lanes busy, how)
    let paths: Vec<(&str, usize, Path)> = vec![
        (
            "sha2::Sha256, 4 messages one after another",
            LANES,
            one_by_one,
        ),
        ("Sha256x4, 4 lanes busy", LANES, at_once),
        ("Sha256x4, 3 lanes busy", 3, at_once),
        ("Sha256x4, 2 lanes busy (one by one)", 2, at_once),
        ("Sha256x4, 1 lane busy (one by one)", 1, at_once),
    ];
    // warm up, and check every path against sha2
    let expected = one_by_one(&messages, LANES);
    for (name, busy, f) in &paths {
        assert_eq!(f(&messages, *busy)[..], expected[..*busy], "{name}");
    }
    // timed runs, the paths taking turns so that each sees the same load
    let mut rates = vec![Vec::new(); paths.len()];
    for _ in 0..RUNS {
        for ((_, busy, f), rates) in paths.iter().zip(&mut rates) {
            let t0 = now();
            std::hint::black_box(f(&messages, *busy));
            let seconds = (now() - t0) / 1000.0;
            rates.push((busy * MESSAGE) as f64 / 1e6 / seconds);
        }
    }
    for ((name, busy, _), rates) in paths.iter().zip(&mut rates) {
        rates.sort_by(f64::total_cmp);
        console_log!(
            "{name}: best {:.0} MB/s, median {:.0} MB/s over {RUNS} runs of {busy} x {} MiB (all: {})",
            rates[RUNS - 1],
            rates[RUNS / 2],
            MESSAGE >> 20,
            rates
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
