//! A benchmark, not a test: in a dedicated worker, what inflating a gzip
//! stream costs (flate2 on zlib-rs, as the page inflates), and how much of
//! it is the gzip CRC-32 over the output. It only logs, and is not part of
//! scripts/test.sh:
//!
//! ```sh
//! env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
//!   WASM_BINDGEN_TEST_TIMEOUT=600 cargo test --release --target wasm32-unknown-unknown \
//!   --test wasm_inflate_bench -- --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

use std::io::{Read, Write};

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn now() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

/// Reads `r` to its end through `buf`; the bytes read.
fn drain(mut r: impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    loop {
        match r.read(buf).expect("the benchmark's own stream inflates") {
            0 => return n,
            k => n += k,
        }
    }
}

#[wasm_bindgen_test]
fn inflate_and_crc() {
    // 64 MiB of tar-like text
    let mut plain = Vec::with_capacity(64 << 20);
    let mut x: u64 = 1;
    while plain.len() < (64 << 20) {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let word = format!("file{} mode 0644 size {} ", x % 1000, (x >> 20) % 100000);
        plain.extend_from_slice(word.as_bytes());
        if x % 7 == 0 {
            plain.extend_from_slice(&x.to_le_bytes());
        }
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&plain).unwrap();
    let gz = enc.finish().unwrap();
    let mut out = vec![0u8; 256 << 10];
    for _ in 0..3 {
        let t = now();
        let n = drain(flate2::read::MultiGzDecoder::new(&gz[..]), &mut out);
        let gz_ms = now() - t;
        let t = now();
        let m = drain(
            flate2::read::DeflateDecoder::new(&gz[10..gz.len() - 8]),
            &mut out,
        );
        let raw_ms = now() - t;
        let t = now();
        let mut c = flate2::Crc::new();
        c.update(&plain);
        let crc_ms = now() - t;
        web_sys::console::log_1(
            &format!(
                "inflate {n} B: gzip {gz_ms:.0} ms ({:.0} MB/s), raw deflate {m} B {raw_ms:.0} ms ({:.0} MB/s), crc alone {crc_ms:.0} ms ({:.0} MB/s)",
                n as f64 / gz_ms / 1e3,
                m as f64 / raw_ms / 1e3,
                plain.len() as f64 / crc_ms / 1e3
            )
            .into(),
        );
    }
}
