//! Per-file content digests (XXH64), computed as a layer streams by and
//! only when asked for.

mod common;

use std::io::Cursor;

use common::build::{docker_single, gzip, noise, zstd, Tar};
use layercake::xxh64::xxh64;
use layercake::{analyze_with, dissect, dissect_stream, Expect, Kind, Options, Quiet};

fn layer() -> Vec<u8> {
    Tar::new()
        .dir("etc")
        .file("etc/hostname", b"box\n")
        .file("big", &noise(300_000, 7))
        .file("empty", b"")
        .symlink("link", "etc/hostname")
        .hardlink("hard", "etc/hostname")
        .finish()
}

fn digests(entries: &[layercake::Entry]) -> Vec<(String, Option<u64>)> {
    entries
        .iter()
        .map(|e| (e.path_lossy(), e.content))
        .collect()
}

fn want() -> Vec<(String, Option<u64>)> {
    vec![
        ("etc".into(), None),
        ("etc/hostname".into(), Some(xxh64(b"box\n"))),
        ("big".into(), Some(xxh64(&noise(300_000, 7)))),
        ("empty".into(), Some(xxh64(b""))),
        ("link".into(), None),
        ("hard".into(), None),
    ]
}

#[test]
fn every_layer_compression_hashes_each_regular_file() {
    let plain = layer();
    for (what, blob) in [
        ("tar", plain.clone()),
        ("gzip", gzip(&plain)),
        ("zstd", zstd(&plain)),
    ] {
        let (facts, entries) = analyze_with(&blob[..], &Expect::default(), None, true);
        assert!(facts.problems.is_empty(), "{what}: {:?}", facts.problems);
        assert_eq!(digests(&entries), want(), "{what}");
        // the walk still sees the stream whole
        assert_eq!(facts.uncompressed_size, Some(plain.len() as u64), "{what}");
    }
}

#[test]
fn off_by_default_and_on_when_asked_seekable_or_not() {
    let archive = docker_single(vec![layer()], "x:1");
    let d = dissect(Cursor::new(&archive), &Options::default(), &mut Quiet).unwrap();
    assert!(d
        .blobs
        .iter()
        .flat_map(|b| &b.entries)
        .all(|e| e.content.is_none()));
    let on = Options {
        content_digests: true,
        ..Options::default()
    };
    let d = dissect(Cursor::new(&archive), &on, &mut Quiet).unwrap();
    let entries = d.layer_entries(0);
    assert_eq!(digests(entries[0]), want());
    let s = dissect_stream(&gzip(&archive)[..], None, &on, &mut Quiet).unwrap();
    assert_eq!(digests(s.layer_entries(0)[0]), want());
}

#[test]
fn a_truncated_file_is_a_problem_not_a_panic() {
    let plain = layer();
    let cut = &plain[..plain.len() / 2];
    let (facts, entries) = analyze_with(cut, &Expect::default(), None, true);
    assert!(!facts.problems.is_empty());
    // what came whole before the cut is still hashed
    assert_eq!(entries[1].content, Some(xxh64(b"box\n")));
    assert!(entries
        .iter()
        .all(|e| e.kind == Kind::File || e.content.is_none()));
}

#[test]
fn content_digests_survive_json() {
    let (_, entries) = analyze_with(&layer()[..], &Expect::default(), None, true);
    let text = serde_json::to_string(&entries).unwrap();
    let back: Vec<layercake::Entry> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, entries);
}
