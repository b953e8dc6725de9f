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
const RUNS: usize = 5;

fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

/// Runs `f` once to warm up, then RUNS times timed; logs best and median
/// MB/s (10^6 bytes a second) over `bytes` per run, and returns what the
/// warm-up gave.
fn measure<T>(name: &str, bytes: usize, mut f: impl FnMut() -> T) -> T {
    let out = f();
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let t0 = now();
        std::hint::black_box(f());
        let seconds = (now() - t0) / 1000.0;
        rates.push(bytes as f64 / 1e6 / seconds);
    }
    rates.sort_by(f64::total_cmp);
    console_log!(
        "{name}: best {:.0} MB/s, median {:.0} MB/s over {RUNS} runs of {} MiB (all: {})",
        rates[RUNS - 1],
        rates[RUNS / 2],
        bytes >> 20,
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out
}

#[wasm_bindgen_test]
fn bench_sha256_throughput() {
    let mut rng = cases::Rng::new(42);
    let messages: Vec<Vec<u8>> = (0..LANES).map(|_| rng.bytes(MESSAGE)).collect();
    let total = LANES * MESSAGE;

    let one_by_one = measure("sha2::Sha256, the four one after another", total, || {
        messages
            .iter()
            .map(|m| {
                let mut h = Sha256::new();
                for piece in m.chunks(PIECE) {
                    h.update(piece);
                }
                <[u8; 32]>::from(h.finalize())
            })
            .collect::<Vec<_>>()
    });

    let four = measure("Sha256x4, the four at once", total, || {
        let mut lanes = Sha256x4::new();
        for at in (0..MESSAGE).step_by(PIECE) {
            lanes.update4(std::array::from_fn(|lane| &messages[lane][at..at + PIECE]));
        }
        (0..LANES)
            .map(|lane| lanes.finish(lane))
            .collect::<Vec<_>>()
    });
    assert_eq!(four, one_by_one, "the two paths agree");

    for busy in 2..LANES {
        let name = format!("Sha256x4, {busy} lanes busy");
        let digests = measure(&name, busy * MESSAGE, || {
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
            (0..busy).map(|lane| lanes.finish(lane)).collect::<Vec<_>>()
        });
        assert_eq!(digests[..], one_by_one[..busy], "{busy} lanes agree");
    }

    let single = measure("Sha256x4, one lane busy", MESSAGE, || {
        let mut lanes = Sha256x4::new();
        for piece in messages[0].chunks(PIECE) {
            lanes.update(0, piece);
        }
        lanes.finish(0)
    });
    assert_eq!(single, one_by_one[0], "one lane agrees");
}
