//! wasm-bindgen tests that run in a dedicated worker, as the real
//! dissection does: the `Blob` reader, and fixture archives dissected from
//! `Blob`s must yield the same facts as the native conformance tests.
//! Run with `cargo test --target wasm32-unknown-unknown --test wasm_worker`.

#![cfg(target_arch = "wasm32")]

mod common;

use std::io::{Read, Seek, SeekFrom};

use js_sys::{Array, Uint8Array};
use layercake::web::blob_reader::{blob_reader, CHUNK};
use layercake::{dissect, dissect_stream, Options, Quiet};
use serde_json::Value;
use wasm_bindgen_test::*;
use web_sys::Blob;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const FACTS: &str = include_str!(concat!(env!("LAYERCAKE_FIXTURES_DIR"), "/facts.json"));

macro_rules! fixture {
    ($sub:literal, $name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("LAYERCAKE_FIXTURES_DIR"),
                "/",
                $sub,
                "/",
                $name
            )) as &[u8],
        )
    };
}

/// A spread of formats: docker, OCI gzip/zstd, multi-platform, legacy,
/// whole-archive gzip, kaniko, and a broken one.
const FIXTURES: &[(&str, &[u8])] = &[
    fixture!("built", "built__bb-docker.tar"),
    fixture!("built", "built__bb-oci-zstd.tar"),
    fixture!("built", "built__bb-multiarch-index.tar"),
    fixture!("upstream", "dive__test-kaniko-image.tar"),
    fixture!("upstream", "moby__emptyLayer.tar"),
    fixture!("upstream", "trivy__alpine-311.tar.gz"),
    fixture!("upstream", "regclient__layout_testrepo.tar"),
    fixture!("upstream", "oras__hello-world.tar"),
];

fn blob(bytes: &[u8]) -> Blob {
    let arr = Uint8Array::from(bytes);
    Blob::new_with_u8_array_sequence(&Array::of1(&arr)).expect("a blob")
}

#[wasm_bindgen_test]
fn blob_reader_reads_and_seeks_like_a_slice() {
    // bigger than two chunks, so reads cross chunk boundaries
    let data: Vec<u8> = (0..(2 * CHUNK + 12345))
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let mut r = blob_reader(blob(&data)).unwrap();
    assert_eq!(r.size(), data.len() as u64);
    let mut all = Vec::new();
    r.read_to_end(&mut all).unwrap();
    assert!(all == data, "a full read returns the blob's bytes");
    let mut state = 12345u64;
    for _ in 0..200 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = state % data.len() as u64;
        let len = (state >> 20) as usize % 70000;
        r.seek(SeekFrom::Start(at)).unwrap();
        let mut buf = vec![0u8; len];
        let mut got = 0;
        while got < len {
            let n = r.read(&mut buf[got..]).unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        let end = (at as usize + len).min(data.len());
        assert_eq!(
            &buf[..got],
            &data[at as usize..end],
            "read at {at}, {len} bytes"
        );
    }
    assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), data.len() as u64 - 1);
    assert!(r.seek(SeekFrom::Current(-(data.len() as i64) - 5)).is_err());
    let mut one = [0u8; 4];
    assert_eq!(r.read(&mut one).unwrap(), 1);
}

#[wasm_bindgen_test]
fn fixtures_read_from_blobs_yield_their_facts() {
    let facts: Vec<Value> = serde_json::from_str(FACTS).unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in FIXTURES {
        let f = facts
            .iter()
            .find(|f| f["file"] == *name)
            .unwrap_or_else(|| panic!("{name} is not in facts.json"));
        let d = dissect(
            blob_reader(blob(bytes)).unwrap(),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        common::facts::check_archive(f, &d, &mut failures);
        // the one-pass path (a fetch stream) must agree
        let d = dissect_stream(
            &bytes[..],
            Some(bytes.len() as u64),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap_or_else(|e| panic!("{name} in one pass: {e}"));
        common::facts::check_archive(f, &d, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn a_truncated_blob_is_a_problem_not_a_panic() {
    let (_, bytes) = FIXTURES[0];
    let cut = &bytes[..bytes.len() / 2];
    let d = dissect(
        blob_reader(blob(cut)).unwrap(),
        &Options::default(),
        &mut Quiet,
    )
    .unwrap();
    let codes: Vec<String> = d
        .report
        .all_problems()
        .into_iter()
        .map(|p| p.code.to_string())
        .collect();
    assert!(codes.iter().any(|c| c == "truncated"), "{codes:?}");
}

#[wasm_bindgen_test]
fn a_report_written_and_read_from_a_blob_yields_the_fixtures_facts() {
    let facts: Vec<Value> = serde_json::from_str(FACTS).unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in FIXTURES.iter().take(4) {
        let f = facts.iter().find(|f| f["file"] == *name).unwrap();
        let d = dissect(
            blob_reader(blob(bytes)).unwrap(),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap();
        let report = layercake::write_report_file(
            &d,
            &layercake::RecordedFiles::default(),
            "2026-12-03T14:00:00.000Z",
            Vec::new(),
        )
        .unwrap();
        let back = dissect(
            blob_reader(blob(&report)).unwrap(),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap_or_else(|e| panic!("{name}'s report: {e}"));
        assert_eq!(
            back.report.recorded.as_ref().map(|r| r.at.as_str()),
            Some("2026-12-03T14:00:00.000Z")
        );
        common::facts::check_archive(f, &back, &mut failures);
        let mut want = serde_json::to_value(&d.report).unwrap();
        let mut got = serde_json::to_value(&back.report).unwrap();
        got.as_object_mut().unwrap().remove("recorded");
        want.as_object_mut().unwrap().remove("recorded");
        assert!(got == want, "{name}: the report reads back differently");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
