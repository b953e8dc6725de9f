//! Criterion benchmarks for layercake.
//!
//! * `sample/dissect`: the whole pipeline over the built-in sample archive.
//! * `sha256x4/*`: four SHA-256 streams (the quarters of that layer), `sha2`
//!   one after another against `Sha256x4` (natively `sha2` per lane too).
//! * `layer/*`: one synthetic layer (~64 MiB of tar, many small files and a
//!   few large ones) through `layer::analyze`, uncompressed, gzip and zstd,
//!   next to baselines that do only one part of that work (sha256 of the
//!   bytes, walking the tar headers, inflating), so the share of each is
//!   visible. Throughput is always in bytes of *uncompressed* tar, so the
//!   rows compare directly.
//!
//! Quick runs:
//!   cargo bench --bench dissect -- --quick
//!   cargo bench --bench dissect -- --warm-up-time 1 --measurement-time 2 layer/
//! Under `cargo test --benches` (criterion's test mode, no `--bench` flag) the
//! layer is 1 MiB so the unoptimised build stays fast. `LAYERCAKE_BENCH_MIB`
//! overrides the layer size either way.

use std::hint::black_box;
use std::io::{self, Cursor, Read, Write};
use std::sync::OnceLock;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sha2::{Digest as _, Sha256};

use layercake::{analyze, Compression, Expect, ZstdFrames};

// ---- synthetic layer --------------------------------------------------------

/// Layer size in bytes: 64 MiB when benchmarking, 1 MiB in test mode.
fn target_size() -> usize {
    if let Some(mib) = std::env::var("LAYERCAKE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        return mib.max(1) << 20;
    }
    if std::env::args().any(|a| a == "--bench") {
        64 << 20
    } else {
        1 << 20
    }
}

/// xorshift64*: deterministic, fast, good enough for filler.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "func",
    "return",
    "package",
    "import",
    "struct",
    "interface",
    "error",
    "nil",
    "string",
    "int",
    "for",
    "range",
    "if",
    "else",
    "the",
    "of",
    "a",
    "to",
    "in",
    "is",
    "buffer",
    "reader",
    "writer",
    "config",
    "layer",
    "digest",
    "sha256",
    "tar",
    "header",
    "manifest",
    "{",
    "}",
    "(",
    ")",
    ":=",
    "//",
    "err",
    "ctx",
    "value",
    "len",
    "make",
    "append",
    "copy",
    "0x7f",
    "true",
    "false",
];

/// Source-code-like text: compresses about 3-4x with gzip.
fn text(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        out.extend_from_slice(w.as_bytes());
        out.push(if rng.below(9) == 0 { b'\n' } else { b' ' });
    }
    out.truncate(len);
    out
}

/// Binary-like content: runs of random bytes, zeros, and repeats of earlier
/// stretches (like code and data sections); compresses about 2x.
fn binary(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8192);
    while out.len() < len {
        let run = 256 + rng.below(4096) as usize;
        match rng.below(4) {
            0 => {
                for _ in 0..run / 8 {
                    out.extend_from_slice(&rng.next().to_le_bytes());
                }
            }
            1 => out.resize(out.len() + run, 0),
            _ if out.len() > run => {
                let from = rng.below((out.len() - run) as u64) as usize;
                out.extend_from_within(from..from + run);
            }
            _ => out.extend_from_slice(&text(rng, run)),
        }
    }
    out.truncate(len);
    out
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h
}

/// An uncompressed layer tar of about `size` bytes: half of it in many small
/// files (256 B - 16 KiB) spread over directories, with a few symlinks and a
/// whiteout; the other half in four large binary files.
fn build_layer(size: usize) -> (Vec<u8>, u64) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut b = tar::Builder::new(Vec::with_capacity(size + (1 << 20)));
    let mut members = 0u64;
    let dir = |b: &mut tar::Builder<Vec<u8>>, path: &str| {
        let mut h = header(tar::EntryType::Directory, 0, 0o755);
        b.append_data(&mut h, path, io::empty()).unwrap();
    };
    dir(&mut b, "usr/");
    dir(&mut b, "usr/lib/");
    dir(&mut b, "usr/share/");
    members += 3;

    let small_budget = size / 2;
    let mut written = 0usize;
    let mut i = 0usize;
    while written < small_budget {
        if i % 100 == 0 {
            dir(&mut b, &format!("usr/share/pkg{:03}/", i / 100));
            members += 1;
        }
        let len = 256 + rng.below(16 * 1024 - 256) as usize;
        let data = text(&mut rng, len);
        let path = format!("usr/share/pkg{:03}/file{:05}.go", i / 100, i);
        let mut h = header(tar::EntryType::Regular, len as u64, 0o644);
        b.append_data(&mut h, &path, data.as_slice()).unwrap();
        members += 1;
        if i % 250 == 0 {
            let mut h = header(tar::EntryType::Symlink, 0, 0o777);
            b.append_link(&mut h, format!("{path}.link"), format!("file{i:05}.go"))
                .unwrap();
            members += 1;
        }
        written += len + 512;
        i += 1;
    }
    let mut h = header(tar::EntryType::Regular, 0, 0o644);
    b.append_data(&mut h, "usr/share/.wh.removed", io::empty())
        .unwrap();
    members += 1;

    let large = (size - written.min(size)) / 4;
    for n in 0..4 {
        let data = binary(&mut rng, large.max(1));
        let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o755);
        b.append_data(&mut h, format!("usr/lib/libbig{n}.so"), data.as_slice())
            .unwrap();
        members += 1;
    }
    (b.into_inner().unwrap(), members)
}

struct Layers {
    plain: Vec<u8>,
    members: u64,
    gzip: OnceLock<Vec<u8>>,
    zstd: OnceLock<Vec<u8>>,
}

impl Layers {
    fn gzip(&self) -> &[u8] {
        self.gzip.get_or_init(|| {
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(self.plain.len() / 2),
                flate2::Compression::new(6),
            );
            enc.write_all(&self.plain).unwrap();
            let out = enc.finish().unwrap();
            self.check(&out, Compression::Gzip);
            out
        })
    }

    fn zstd(&self) -> &[u8] {
        self.zstd.get_or_init(|| {
            let out = ruzstd::encoding::compress_to_vec(
                self.plain.as_slice(),
                ruzstd::encoding::CompressionLevel::Fastest,
            );
            self.check(&out, Compression::Zstd);
            out
        })
    }

    /// Makes sure the benchmark measures a clean read, not an error path.
    fn check(&self, blob: &[u8], want: Compression) {
        let (facts, entries) = analyze(blob, &Expect::default(), None);
        assert!(facts.problems.is_empty(), "{:?}", facts.problems);
        assert_eq!(facts.compression, Some(want));
        assert_eq!(facts.uncompressed_size, Some(self.plain.len() as u64));
        assert_eq!(entries.len() as u64, self.members);
        assert!(facts.has_eof_blocks);
        eprintln!(
            "layer {}: {} bytes ({:.1}% of {} bytes of tar), {} members",
            want.name(),
            blob.len(),
            100.0 * blob.len() as f64 / self.plain.len() as f64,
            self.plain.len(),
            entries.len()
        );
    }
}

fn layers() -> &'static Layers {
    static LAYERS: OnceLock<Layers> = OnceLock::new();
    LAYERS.get_or_init(|| {
        let (plain, members) = build_layer(target_size());
        let l = Layers {
            plain,
            members,
            gzip: OnceLock::new(),
            zstd: OnceLock::new(),
        };
        l.check(&l.plain, Compression::None);
        l
    })
}

/// Walks tar headers only (the `tar` crate skips member data by reading it).
fn tar_walk(bytes: &[u8]) -> u64 {
    let mut archive = tar::Archive::new(bytes);
    let mut n = 0;
    for e in archive.entries().unwrap() {
        let e = e.unwrap();
        black_box(e.path_bytes());
        n += 1;
    }
    n
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    // in 256 KiB pieces, as analyze feeds its hasher
    let mut h = Sha256::new();
    for chunk in bytes.chunks(256 * 1024) {
        h.update(chunk);
    }
    h.finalize().into()
}

fn drain(mut r: impl Read) -> u64 {
    io::copy(&mut r, &mut io::sink()).unwrap()
}

// ---- benchmarks -------------------------------------------------------------

fn bench_sample(c: &mut Criterion) {
    let sample = layercake::sample::build();
    let mut g = c.benchmark_group("sample");
    g.throughput(Throughput::Bytes(sample.len() as u64));
    g.bench_function("dissect", |b| {
        b.iter(|| {
            let d = layercake::dissect(
                Cursor::new(black_box(sample.as_slice())),
                &layercake::Options::default(),
                &mut layercake::Quiet,
            )
            .unwrap();
            black_box(d)
        })
    });
    g.finish();
}

fn bench_layer(c: &mut Criterion) {
    let l = layers();
    let mut g = c.benchmark_group("layer");
    g.throughput(Throughput::Bytes(l.plain.len() as u64));

    // baselines
    g.bench_function("baseline/sha256", |b| {
        b.iter(|| sha256(black_box(&l.plain)))
    });
    g.bench_function("baseline/tar-walk", |b| {
        b.iter(|| tar_walk(black_box(&l.plain)))
    });
    g.bench_function("baseline/gunzip", |b| {
        let z = l.gzip();
        b.iter(|| drain(flate2::bufread::MultiGzDecoder::new(black_box(z))))
    });
    g.bench_function("baseline/unzstd", |b| {
        let z = l.zstd();
        b.iter(|| drain(ZstdFrames::new(black_box(z))))
    });

    // the real thing
    for (name, which) in [
        ("none", Compression::None),
        ("gzip", Compression::Gzip),
        ("zstd", Compression::Zstd),
    ] {
        g.bench_function(BenchmarkId::new("analyze", name), |b| {
            let blob = match which {
                Compression::None => l.plain.as_slice(),
                Compression::Gzip => l.gzip(),
                Compression::Zstd => l.zstd(),
            };
            b.iter(|| {
                let (facts, entries) = analyze(black_box(blob), &Expect::default(), None);
                black_box((facts, entries))
            })
        });
    }
    g.finish();
}

/// Four SHA-256 streams natively: `Sha256x4` (which is `sha2` per lane
/// here, SHA-NI where the CPU has it) must cost no more than `sha2` on its
/// own. The SIMD path is measured in the browser by
/// tests/wasm_sha256x4_bench.rs.
fn bench_sha256x4(c: &mut Criterion) {
    let l = layers();
    // four distinct streams: the layer's quarters, whole blocks each
    let quarter = l.plain.len() / 4 / 64 * 64;
    let streams: [&[u8]; 4] = std::array::from_fn(|i| &l.plain[i * quarter..(i + 1) * quarter]);
    let mut g = c.benchmark_group("sha256x4");
    g.throughput(Throughput::Bytes(4 * quarter as u64));
    g.bench_function("sha2-one-by-one", |b| {
        b.iter(|| black_box(streams).map(sha256))
    });
    g.bench_function("lanes", |b| {
        b.iter(|| {
            let streams = black_box(streams);
            let mut lanes = layercake::Sha256x4::new();
            for at in (0..quarter).step_by(256 * 1024) {
                let end = (at + 256 * 1024).min(quarter);
                lanes.update4(streams.map(|s| &s[at..end]));
            }
            [0, 1, 2, 3].map(|lane| lanes.finish(lane))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_sample, bench_layer, bench_sha256x4
}
criterion_main!(benches);
