//! Shared test helpers: the fixture corpus, and a reader that returns short
//! reads at random (as tar-rs's own tests do), so no parser may assume a
//! read fills its buffer.

#![allow(dead_code)]

pub mod attest;
pub mod batch;
pub mod build;
pub mod facts;
pub mod read;
pub mod relay;

use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

/// Where the shared fixtures are: `LAYERCAKE_FIXTURES`, else `../shared/fixtures`.
/// A missing corpus is a failure that says how to point at it; with
/// `LAYERCAKE_SKIP_FIXTURES=1` (never in CI) the caller skips, loudly.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("LAYERCAKE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if dir.join("facts.json").is_file() {
        return Some(dir);
    }
    // a test that did not run must not pass: fail, unless skipping was
    // asked for by name (and never in CI)
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !ci && std::env::var("LAYERCAKE_SKIP_FIXTURES").is_ok_and(|v| v == "1") {
        eprintln!(
            "SKIPPED (LAYERCAKE_SKIP_FIXTURES=1): fixture corpus not found at {}",
            dir.display()
        );
        return None;
    }
    panic!(
        "fixture corpus not found at {}: point LAYERCAKE_FIXTURES at the shared fixtures \
         (the folder holding facts.json), or set LAYERCAKE_SKIP_FIXTURES=1 to skip these tests",
        dir.display()
    );
}

/// The oracle listings (`oracles/*.tree.txt`) of the corpus, sorted.
pub fn oracle_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut oracles: Vec<_> = std::fs::read_dir(dir.join("oracles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tree.txt"))
        .collect();
    oracles.sort();
    oracles
}

/// The path of a fixture named in facts.json.
pub fn fixture_path(dir: &std::path::Path, file: &str) -> PathBuf {
    for sub in ["upstream", "built"] {
        let p = dir.join(sub).join(file);
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "fixture {file} listed in facts.json is missing from {}",
        dir.display()
    );
}

/// Returns at most a random 1..=max bytes per read.
pub struct ShortReads<R> {
    inner: R,
    state: u64,
    max: usize,
}

impl<R> ShortReads<R> {
    pub fn new(inner: R, seed: u64) -> ShortReads<R> {
        ShortReads {
            inner,
            state: seed | 1,
            max: 4099,
        }
    }

    fn next(&mut self) -> usize {
        // xorshift64
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        1 + (self.state % self.max as u64) as usize
    }
}

impl<R: Read> Read for ShortReads<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.next().min(buf.len());
        self.inner.read(&mut buf[..n])
    }
}

impl<R: Seek> Seek for ShortReads<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}
