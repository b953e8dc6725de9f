//! A structure-aware fuzzer on stable Rust: random docker-save (legacy
//! parent chains too), OCI and plain tar archives (random nesting, names
//! with `..`, absolute, non-UTF-8, control characters and very long ones,
//! sizes, link targets, whiteouts, PAX records, layer and whole-archive
//! compression none/gzip/zstd, then truncation or damage), seeded from the
//! builders in tests/common/build.rs, and layercake report files of them
//! with random facts, indices and entry rows put in. Each case is read seekable
//! (`dissect`), in one pass (`dissect_stream`), and by two readers sharing
//! the layers as the CLI does (which must give the same report); every
//! image's merged tree is listed, and a `Session` answers listing, search,
//! space and read queries.
//!
//! Asserts: no panic, the report serialises, no case takes over
//! `LAYERCAKE_FUZZ_CASE_SECONDS` (10). Runs for `LAYERCAKE_FUZZ_SECONDS`
//! (default 5), from `LAYERCAKE_FUZZ_BASE` (default: the clock). A failure
//! prints its seed; replay one case with `LAYERCAKE_FUZZ_SEED=<seed>`:
//!
//! ```sh
//! LAYERCAKE_FUZZ_SECONDS=60 cargo test --release --test fuzz -- --nocapture
//! LAYERCAKE_FUZZ_SEED=1234 cargo test --test fuzz -- --nocapture
//! ```

#[path = "common/batch.rs"]
mod batch;
#[path = "common/build.rs"]
mod build;
#[path = "common/relay.rs"]
mod relay;

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use layercake::digest::Digest;
use layercake::listing::{Marks, Sort};
use layercake::message::{Answer, Query, View};
use layercake::session::Session;
use layercake::{dissect, dissect_stream, Dissection, Error, Options, Quiet, Share};
use relay::{comparable, relayed_read};
use serde_json::{json, Value};
use tar::EntryType;

use batch::batch_read;
use build::*;

// --------------------------------------------------------------------- rng

/// xorshift64*: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 the seed so nearby seeds diverge at once
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

// --------------------------------------------------------------- generator

/// A random name: ordinary, hostile, or odd.
fn name(rng: &mut Rng, dirs: &[Vec<u8>]) -> Vec<u8> {
    let base: Vec<u8> = match rng.below(16) {
        0 => b"..".to_vec(),
        1 => b"../../etc/passwd".to_vec(),
        2 => b"/abs/file".to_vec(),
        3 => b"a/../../b".to_vec(),
        4 => b"./dot/./slash//x".to_vec(),
        5 => vec![b'x', 0xff, 0xfe, b'y', 0x9b],
        6 => b"ctl\x1b[2J\n\t".to_vec(),
        7 => {
            // very long, many components
            let parts = 1 + rng.below(3000);
            let mut v = Vec::new();
            for i in 0..parts {
                if i > 0 {
                    v.push(b'/');
                }
                v.push(b'a' + (i % 26) as u8);
            }
            v
        }
        8 => vec![b'n'; 100 + rng.below(20_000)],
        9 => b".wh..wh..opq".to_vec(),
        10 => match rng.below(4) {
            0 => b".wh.".to_vec(),
            1 => b".wh...".to_vec(),
            2 => b".wh.d".to_vec(),
            _ => format!(".wh.f{}", rng.below(8)).into_bytes(),
        },
        11 => Vec::new(),
        12 => b"/".to_vec(),
        _ => format!("f{}", rng.below(12)).into_bytes(),
    };
    if !dirs.is_empty() && rng.chance(50) {
        let mut p = rng.pick(dirs).clone();
        p.push(b'/');
        p.extend_from_slice(&base);
        p
    } else {
        base
    }
}

/// A random layer tar: files, dirs, links, whiteouts, devices, PAX records.
fn layer(rng: &mut Rng) -> Vec<u8> {
    let mut t = Tar::new();
    let mut dirs: Vec<Vec<u8>> = vec![b"d".to_vec(), b"d/e".to_vec()];
    let mut names: Vec<Vec<u8>> = Vec::new();
    for _ in 0..rng.below(24) {
        let n = name(rng, &dirs);
        let short = n.len() <= 99;
        match rng.below(10) {
            0..=2 => {
                let size = match rng.below(10) {
                    0 => 20_000 + rng.below(200_000),
                    _ => rng.below(2000),
                };
                let data = rng.bytes(size);
                t = if short {
                    t.file(&n, &data)
                } else {
                    pax_file(t, &n, &data)
                };
            }
            3 => {
                let mut d = n.clone();
                if short {
                    d.push(b'/');
                    t = t.dir(&d);
                }
                dirs.push(n.clone());
            }
            4 if short => {
                let target = match rng.below(4) {
                    0 => b"/etc".to_vec(),
                    1 => b"../../..".to_vec(),
                    2 => vec![b'l'; 200 + rng.below(5000)],
                    _ => name(rng, &dirs),
                };
                t = if target.len() <= 99 {
                    t.symlink(&n, &target)
                } else {
                    let rec = pax_record("linkpath", &target);
                    let t = t.put(
                        header(b"PaxHeaders/l", EntryType::XHeader, rec.len() as u64, 0o644),
                        &rec,
                    );
                    t.symlink(&n, b"placeholder")
                };
                dirs.push(n.clone());
            }
            5 if short => {
                let target = if names.is_empty() || rng.chance(30) {
                    name(rng, &dirs)
                } else {
                    rng.pick(&names).clone()
                };
                if target.len() <= 99 {
                    t = t.hardlink(&n, &target);
                }
            }
            6 if short => {
                let ty = *rng.pick(&[EntryType::Char, EntryType::Block, EntryType::Fifo]);
                if let Ok(s) = std::str::from_utf8(&n) {
                    t = t.special(ty, s, 0o600, (rng.below(300) as u32, rng.below(300) as u32));
                }
            }
            7 => {
                // random PAX records, some nonsense, for the next member
                let recs: Vec<u8> = match rng.below(5) {
                    0 => pax_record("size", b"-1"),
                    1 => pax_record("mtime", b"1e999"),
                    2 => pax_record("uid", b"99999999999999999999999"),
                    3 => b"999999 path=short\n".to_vec(),
                    _ => {
                        let n = rng.below(300);
                        rng.bytes(n)
                    }
                };
                let ty = *rng.pick(&[EntryType::XHeader, EntryType::XGlobalHeader]);
                t = t.put(header(b"PaxHeaders/r", ty, recs.len() as u64, 0o644), &recs);
            }
            8 => {
                // a GNU long name (tar::Builder refuses `..` and absolute ones)
                let long = format!("long/{}", "L".repeat(90 + rng.below(400)));
                let n = rng.below(600);
                t = t.long_file(&long, &rng.bytes(n));
            }
            _ if short => t = t.file(&n, b""),
            _ => t = pax_file(t, &n, b""),
        }
        names.push(n);
    }
    let mut out = t.finish();
    if rng.chance(10) {
        // no end-of-archive blocks
        out.truncate(out.len().saturating_sub(1024));
    }
    out
}

#[derive(Clone, Copy, Debug)]
enum Squash {
    None,
    Gzip,
    Zstd,
}

fn squash(rng: &mut Rng) -> Squash {
    *rng.pick(&[Squash::None, Squash::None, Squash::Gzip, Squash::Zstd])
}

fn compress(data: &[u8], how: Squash, rng: &mut Rng) -> Vec<u8> {
    match how {
        Squash::None => data.to_vec(),
        Squash::Gzip if rng.chance(30) && data.len() > 2 => {
            // several members, as pigz and eStargz write
            let cut = rng.below(data.len());
            let mut v = gzip_fast(&data[..cut]);
            v.extend(gzip_fast(&data[cut..]));
            v
        }
        Squash::Gzip => gzip_fast(data),
        Squash::Zstd => {
            let mut v = Vec::new();
            if rng.chance(20) {
                v.extend(skippable(b"toc"));
            }
            v.extend(zstd(data));
            v
        }
    }
}

fn media(how: Squash) -> &'static str {
    match how {
        Squash::None => LAYER_TAR,
        Squash::Gzip => LAYER_GZ,
        Squash::Zstd => LAYER_ZSTD,
    }
}

/// A random digest: usually right, sometimes wrong or malformed.
fn maybe_wrong(rng: &mut Rng, d: Value) -> Value {
    match rng.below(20) {
        0 => json!("sha256:nothex"),
        1 => json!(Digest::sha256_of(b"elsewhere").to_string()),
        2 => json!(42),
        _ => d,
    }
}

/// A docker save of 1–3 images sharing random layers.
fn docker_case(rng: &mut Rng) -> Vec<u8> {
    let pool: Vec<Vec<u8>> = (0..1 + rng.below(4)).map(|_| layer(rng)).collect();
    let mut images = Vec::new();
    for i in 0..1 + rng.below(3) {
        let layers: Vec<Vec<u8>> = (0..rng.below(4)).map(|_| rng.pick(&pool).clone()).collect();
        let mut img = DockerImage::of(layers, &format!("fuzz:{i}"));
        if rng.chance(15) {
            img.config = rng
                .pick(&[&b"{"[..], b"[]", b"{\"rootfs\":7}", b"\xff"])
                .to_vec();
        }
        images.push(img);
    }
    let mut t = docker_save(&images);
    if rng.chance(15) {
        t = t.file("repositories", br#"{"fuzz":{"0":"ffff"}}"#);
    }
    if rng.chance(10) {
        t = t.file("../manifest.json", b"[]");
    }
    if rng.chance(10) && !images[0].layers.is_empty() {
        // a symlinked member
        t = t.symlink("alias/layer.tar", images[0].layer_path(0).as_bytes());
    }
    if rng.chance(10) {
        // members that are symlink loops, or chains past MAX_LINK_HOPS,
        // named as layers and as the config
        t = t
            .symlink("loop1/layer.tar", "../loop2/layer.tar")
            .symlink("loop2/layer.tar", "../loop1/layer.tar")
            .symlink("self/layer.tar", "layer.tar");
        for i in 0..40 {
            t = t.symlink(
                format!("chain{i}/layer.tar"),
                format!("../chain{}/layer.tar", i + 1),
            );
        }
        let mut entry = images[0].entry();
        entry["Layers"] = json!(["loop1/layer.tar", "self/layer.tar", "chain0/layer.tar"]);
        if rng.chance(50) {
            entry["Config"] = json!("loop2/layer.tar");
        }
        t = t.file("manifest.json", &to_json(&json!([entry])));
    }
    let mut out = t.finish();
    if rng.chance(10) {
        // the manifest names members that are absent
        let needle = b"layer.tar\"";
        for i in 0..out.len().saturating_sub(needle.len()) {
            if &out[i..i + needle.len()] == needle {
                out[i + 8] = b'z';
            }
        }
    }
    out
}

/// An OCI layout: random nesting of indexes, some shared, some absent.
fn oci_case(rng: &mut Rng) -> Vec<u8> {
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    let mut manifests: Vec<Value> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let how = squash(rng);
        let tars: Vec<Vec<u8>> = (0..rng.below(4)).map(|_| layer(rng)).collect();
        let ids: Vec<Digest> = tars.iter().map(|t| sha(t)).collect();
        let config = if rng.chance(10) {
            b"{\"architecture\":[".to_vec()
        } else {
            let arch = *rng.pick(&["amd64", "arm64"]);
            image_config(arch, None, &ids)
        };
        let descs: Vec<Value> = tars
            .iter()
            .map(|t| {
                let b = compress(t, how, rng);
                let mut d = desc(media(how), &b);
                d["digest"] = maybe_wrong(rng, d["digest"].clone());
                if !rng.chance(5) {
                    blobs.push(b);
                }
                d
            })
            .collect();
        let manifest = oci_manifest(&config, &descs);
        blobs.push(config);
        manifests.push(desc(OCI_MANIFEST, &manifest));
        if !rng.chance(5) {
            blobs.push(manifest);
        }
    }
    // nest: each level wraps a random selection of what is below (a DAG)
    let mut level = manifests;
    for _ in 0..rng.below(5) {
        let take: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| rng.pick(&level).clone())
            .collect();
        let index = oci_index(take);
        let d = desc(OCI_INDEX, &index);
        blobs.push(index);
        level.push(d);
    }
    if rng.chance(10) {
        // an index that lists itself cannot exist, but one naming a loop can
        let d = json!({"mediaType": OCI_INDEX, "digest": Digest::sha256_of(b"loop").to_string(), "size": 2});
        level.push(d);
    }
    let mut top: Vec<Value> = (0..1 + rng.below(3))
        .map(|_| rng.pick(&level).clone())
        .collect();
    if let Some(t) = top.first_mut() {
        t["annotations"] = json!({"org.opencontainers.image.ref.name": "fuzz:oci"});
    }
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": top});
    let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    oci_layout(&index, &refs).finish()
}

/// A pre-1.10 docker save: `repositories` naming `<id>/json` parent
/// chains, some long, some looping, some with parents that are absent.
fn legacy_case(rng: &mut Rng) -> Vec<u8> {
    let n = 1 + match rng.below(8) {
        0 => rng.below(3000),
        _ => rng.below(6),
    };
    let ids: Vec<String> = (0..n)
        .map(|i| sha(format!("legacy{i}").as_bytes()).hex().to_string())
        .collect();
    let mut t = Tar::new();
    let mut repos = serde_json::Map::new();
    for tag in 0..1 + rng.below(3) {
        let top = rng.pick(&ids).clone();
        repos.insert(format!("legacy/r{tag}"), json!({"v1": top}));
    }
    t = t.file("repositories", &to_json(&Value::Object(repos)));
    for (i, id) in ids.iter().enumerate() {
        if rng.chance(5) {
            continue; // absent
        }
        let mut j = json!({"id": id, "os": "linux", "architecture": "amd64"});
        match rng.below(10) {
            0 => j["parent"] = json!(rng.pick(&ids)), // anywhere: loops
            1 => j["parent"] = json!(sha(b"absent").hex()),
            2 => j["parent"] = json!(7),
            _ if i > 0 => j["parent"] = json!(ids[i - 1]),
            _ => {}
        }
        t = t.file(format!("{id}/json"), &to_json(&j));
        let tar = if n > 50 {
            Tar::new().file("f", b"x").finish()
        } else {
            layer(rng)
        };
        t = t.file(format!("{id}/layer.tar"), &tar);
    }
    t.finish()
}

/// One of the builders' archives, as a seed.
fn seed_case(rng: &mut Rng) -> Vec<u8> {
    match rng.below(6) {
        0 => docker_two_images(rng.chance(50)).archive,
        1 => oci_multi_platform().archive,
        2 => docker25(json!(null)).0,
        3 => layercake::sample::build(),
        4 => oci_nested(1 + rng.below(6), 1 + rng.below(3)),
        _ => docker_big_layer(),
    }
}

/// Damage: cut short, flip bytes, repeat or zero a block.
fn damage(mut b: Vec<u8>, rng: &mut Rng) -> Vec<u8> {
    if b.is_empty() {
        return b;
    }
    match rng.below(5) {
        0 => b.truncate(rng.below(b.len())),
        1 => {
            for _ in 0..1 + rng.below(8) {
                let block = rng.below(b.len() / 512 + 1) * 512;
                let at = (block + rng.below(512)).min(b.len() - 1);
                b[at] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let from = rng.below(b.len() / 512 + 1) * 512;
            let to = rng.below(b.len() / 512 + 1) * 512;
            let block = b[from.min(b.len())..(from + 512).min(b.len())].to_vec();
            let end = (to + block.len()).min(b.len());
            if to < end {
                b[to..end].copy_from_slice(&block[..end - to]);
            }
        }
        3 => {
            let at = rng.below(b.len());
            let end = (at + rng.below(4096)).min(b.len());
            b[at..end].fill(0);
        }
        _ => {
            // a header's size field rewritten to something huge or odd
            let block = rng.below(b.len() / 512 + 1) * 512;
            if block + 136 <= b.len() {
                let fields: [[u8; 12]; 3] = [
                    *b"77777777777\0",
                    [0x80, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                    *b"-1         \0",
                ];
                let field = rng.pick(&fields);
                b[block + 124..block + 136].copy_from_slice(field);
            }
        }
    }
    b
}

/// A random JSON value to put in a report: odd numbers, strings, lists.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => json!(rng.next()),
        1 => json!(-(rng.below(1000) as i64)),
        2 => json!(rng.below(20)),
        3 => Value::Null,
        4 => json!("f"),
        5 => {
            let n = rng.below(40);
            json!(String::from_utf8_lossy(&rng.bytes(n)))
        }
        6 => json!([rng.below(3), "x"]),
        7 => json!({"a": 1}),
        _ => json!(["../../etc/passwd", "h", 0o4755, 0, 0, 1, -1, "/abs"]),
    }
}

/// Changes a few random places of a report's JSON.
fn mutate(v: &mut Value, rng: &mut Rng, depth: usize) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if depth > 0 && rng.chance(4) {
                    if rng.chance(30) {
                        m.remove(&k);
                    } else {
                        m.insert(k, odd_value(rng));
                    }
                } else if let Some(x) = m.get_mut(&k) {
                    mutate(x, rng, depth + 1);
                }
            }
        }
        Value::Array(a) => {
            if rng.chance(5) && !a.is_empty() {
                let i = rng.below(a.len());
                a[i] = odd_value(rng);
            }
            for x in a.iter_mut().take(64) {
                mutate(x, rng, depth + 1);
            }
        }
        _ => {}
    }
}

/// A report file of an archive case, with random damage to its facts.
fn report_case(rng: &mut Rng) -> Vec<u8> {
    let archive = if rng.chance(50) {
        docker_case(rng)
    } else {
        oci_case(rng)
    };
    let Ok(d) = dissect(Cursor::new(&archive), &Options::default(), &mut Quiet) else {
        return archive;
    };
    let mut files = layercake::RecordedFiles::default();
    for _ in 0..rng.below(4) {
        let (blob, entry, n) = (rng.below(3), rng.below(8), rng.below(100));
        files.insert(blob, entry, rng.bytes(n));
    }
    let gz = layercake::write_report_file(&d, &files, "2026-01-01T00:00:00Z", Vec::new()).unwrap();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    let mut v: Value = serde_json::from_slice(&text).unwrap();
    let version = v
        .as_object_mut()
        .unwrap()
        .remove("layercake_report")
        .unwrap();
    mutate(&mut v, rng, 0);
    let rest = serde_json::to_string(&v).unwrap();
    // the version key first, as a report file has it
    let mut out = format!("{{\"layercake_report\":{version},").into_bytes();
    out.extend_from_slice(&rest.as_bytes()[1..]);
    out
}

/// The archive for `seed`, and a label saying what it is.
fn case(seed: u64) -> (Vec<u8>, String) {
    let mut rng = Rng::new(seed);
    if rng.chance(12) {
        let mut bytes = report_case(&mut rng);
        let mut what = "report".to_string();
        if rng.chance(50) {
            bytes = compress(&bytes, Squash::Gzip, &mut rng);
            what.push_str(", gzip");
        }
        if rng.chance(20) {
            bytes = damage(bytes, &mut rng);
            what.push_str(", damaged");
        }
        return (bytes, what);
    }
    let (mut bytes, mut what) = match rng.below(11) {
        0..=3 => (docker_case(&mut rng), "docker".to_string()),
        4..=7 => (oci_case(&mut rng), "oci".to_string()),
        8 => (seed_case(&mut rng), "seed".to_string()),
        9 => (legacy_case(&mut rng), "legacy".to_string()),
        _ => (layer(&mut rng), "plain tar".to_string()),
    };
    let outer = squash(&mut rng);
    if !matches!(outer, Squash::None) {
        bytes = compress(&bytes, outer, &mut rng);
        what.push_str(&format!(", whole archive {outer:?}"));
    }
    if rng.chance(35) {
        bytes = damage(bytes, &mut rng);
        what.push_str(", damaged");
    }
    (bytes, what)
}

// ------------------------------------------------------------------ checks

fn exercise(d: Dissection, bytes: &[u8]) {
    serde_json::to_string(&d.report).expect("the report serialises");
    for i in 0..d.report.images.len() {
        let mut out = Vec::new();
        d.tree(i).write_listing(&mut out).unwrap();
    }
    let images = d.report.images.len();
    let layers: Vec<usize> = d.report.images.iter().map(|i| i.layers.len()).collect();
    let mut s = Session::new(d);
    let mut src = Cursor::new(bytes);
    let mut ask = |s: &mut Session, q: Query| {
        let mut early = |a: Answer| {
            serde_json::to_string(&a).expect("an early answer serialises");
        };
        let a = s.answer(&q, &mut src, &mut early);
        serde_json::to_string(&a).expect("the answer serialises");
        a
    };
    for image in 0..images.max(1) {
        let mut views = vec![View { image, layer: None }];
        for l in 0..layers.get(image).copied().unwrap_or(0).min(3) {
            views.push(View {
                image,
                layer: Some(l),
            });
        }
        for view in views {
            let answer = ask(
                &mut s,
                Query::List {
                    view,
                    dir: String::new(),
                    sort: Sort::Size,
                    marks: Marks::default(),
                    offset: 0,
                    limit: 50,
                },
            );
            // read and list a few of the paths listed
            let paths: Vec<String> = match answer {
                Answer::Rows { rows, .. } => rows.into_iter().take(3).map(|r| r.path).collect(),
                _ => Vec::new(),
            };
            for path in paths {
                ask(
                    &mut s,
                    Query::Read {
                        view,
                        path: path.clone(),
                        limit: 4096,
                    },
                );
                ask(
                    &mut s,
                    Query::List {
                        view,
                        dir: path,
                        sort: Sort::Name,
                        marks: Marks::default(),
                        offset: 0,
                        limit: 10,
                    },
                );
            }
            ask(
                &mut s,
                Query::Search {
                    view,
                    query: "a".into(),
                    marks: Marks::default(),
                    limit: 20,
                },
            );
        }
        ask(&mut s, Query::Space { image, limit: 20 });
    }
}

/// Reads `bytes` as the CLI does on two cores: share 0 and share 1 of 2,
/// gathered into the first, which reads what the other failed to deliver.
fn shared_read(bytes: &[u8]) -> Dissection {
    let part = |index| {
        let opts = Options {
            share: Some(Share { index, of: 2 }),
            ..Options::default()
        };
        dissect(Cursor::new(bytes), &opts, &mut Quiet).expect("a share reads what one reader read")
    };
    let mut first = part(0);
    if first.gather([part(1)]) > 0 {
        first.read_missing(Cursor::new(bytes), &mut Quiet);
    }
    first.finish(&Options::default(), &mut Quiet)
}

/// Reads `bytes` both ways and exercises what was found; returns the
/// images found (seekable read), so a run can say how many cases held any.
fn run_case(bytes: &[u8]) -> usize {
    let opts = Options::default();
    let mut found = 0;
    let results = [
        dissect(Cursor::new(bytes), &opts, &mut Quiet),
        dissect_stream(bytes, Some(bytes.len() as u64), &opts, &mut Quiet),
    ];
    if let Ok(whole) = &results[0] {
        // the CLI's way: two readers, each a share of the layers, gathered
        let shared = shared_read(bytes);
        let (a, b) = (
            serde_json::to_value(&whole.report).unwrap(),
            serde_json::to_value(&shared.report).unwrap(),
        );
        assert!(a == b, "two shares' report differs from one reader's");
        // the page's way: blobs four at a time, in pieces
        let small = if bytes.len() < 1 << 20 { 512 } else { 64 << 10 };
        let (batched, _) = batch_read(bytes, small + bytes.len() % 3000);
        let c = serde_json::to_value(&batched.report).unwrap();
        assert!(a == c, "a batch read's report differs from one reader's");
        for (x, y) in whole.blobs.iter().zip(&batched.blobs) {
            assert!(x.entries == y.entries, "a batch read's entries differ");
        }
    }
    // the page's way with a compressed archive: the layer members handed
    // to a second reader as the first walks the outer archive
    let relayed = relayed_read(bytes, &opts, bytes.len() % 2 == 0);
    match (&results[1], relayed) {
        (Ok(alone), Ok((r, _))) => {
            if comparable(alone) != comparable(&r) && std::env::var("LC_DUMP").is_ok() {
                let pretty = |v| serde_json::to_string_pretty(&v).unwrap();
                std::fs::write("/tmp/a.json", pretty(comparable(alone))).unwrap();
                std::fs::write("/tmp/b.json", pretty(comparable(&r))).unwrap();
            }
            assert!(
                comparable(alone) == comparable(&r),
                "a relayed one-pass read's report differs from one reader's"
            );
            for (x, y) in alone.blobs.iter().zip(&r.blobs) {
                assert!(x.entries == y.entries, "a relayed read's entries differ");
            }
        }
        (Err(a), Err(r)) => assert_eq!(a.to_string(), r.to_string()),
        (a, r) => panic!("one reader: {:?}; relayed: {:?}", a.as_ref().err(), r.err()),
    }
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(d) => {
                if i == 0 {
                    found = d.report.images.len();
                }
                exercise(d, bytes)
            }
            Err(Error::NotAnImage { found }) => assert!(!found.is_empty()),
            Err(Error::BadReport { detail }) => assert!(!detail.is_empty()),
            Err(e) => panic!("an archive in memory should not be a read error: {e}"),
        }
    }
    found
}

thread_local! {
    /// Where the current fuzz thread panicked (set by the panic hook).
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Runs one case in its own thread: the images it held, or why it failed.
fn check(seed: u64, limit: Duration) -> Result<usize, String> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("fuzz-{seed}"))
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let (bytes, _) = case(seed);
                run_case(&bytes)
            }));
            let _ = tx.send(outcome.map_err(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into());
                let at = PANIC_AT.with(|p| p.borrow().clone());
                format!("{msg} (at {at})")
            }));
        })
        .expect("spawn a fuzz thread");
    let started = Instant::now();
    match rx.recv_timeout(limit) {
        Ok(Ok(images)) => {
            let _ = spawned.join();
            Ok(images)
        }
        Ok(Err(panic)) => {
            let _ = spawned.join();
            Err(format!("panicked: {panic}"))
        }
        Err(_) => Err(format!(
            "took longer than {:.0} s (still running)",
            started.elapsed().as_secs_f64()
        )),
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} should be a number, is {v:?}"))
    })
}

#[test]
fn fuzz_structured_archives() {
    let limit = Duration::from_secs(env_u64("LAYERCAKE_FUZZ_CASE_SECONDS").unwrap_or(10));
    // a case's panic is caught and reported with its seed: no backtrace each
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let name = std::thread::current().name().map(String::from);
        if name.is_some_and(|n| n.starts_with("fuzz-")) {
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            PANIC_AT.with(|p| *p.borrow_mut() = at);
        } else {
            default_hook(info);
        }
    }));
    if let Some(seed) = env_u64("LAYERCAKE_FUZZ_SEED") {
        let (bytes, what) = case(seed);
        eprintln!("replaying seed {seed}: {what}, {} bytes", bytes.len());
        if let Ok(path) = std::env::var("LAYERCAKE_FUZZ_WRITE") {
            std::fs::write(&path, &bytes).unwrap();
            eprintln!("wrote {path}");
        }
        if let Err(e) = check(seed, limit) {
            panic!("seed {seed} ({what}): {e}");
        }
        return;
    }
    let budget = Duration::from_secs(env_u64("LAYERCAKE_FUZZ_SECONDS").unwrap_or(5));
    let base = env_u64("LAYERCAKE_FUZZ_BASE").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
            .wrapping_mul(1_000_003)
    });
    eprintln!(
        "fuzz: base seed {base} (LAYERCAKE_FUZZ_BASE={base} repeats this run), {} s",
        budget.as_secs()
    );
    let start = Instant::now();
    // (kind, the first failing case's line, how many cases)
    let mut kinds: Vec<(String, String, usize)> = Vec::new();
    let mut failed = 0;
    let mut n = 0u64;
    let mut with_images = 0u64;
    let mut slowest = (base, Duration::ZERO);
    while start.elapsed() < budget {
        let seed = base.wrapping_add(n);
        n += 1;
        let took = Instant::now();
        let result = check(seed, limit);
        let took = took.elapsed();
        if took > slowest.1 {
            slowest = (seed, took);
        }
        if result.as_ref().is_ok_and(|&i| i > 0) {
            with_images += 1;
        }
        if let Err(e) = result {
            failed += 1;
            // one kind of failure: the message without its numbers
            let kind: String = e
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .take(100)
                .collect();
            match kinds.iter_mut().find(|(k, _, _)| *k == kind) {
                Some((_, _, count)) => *count += 1,
                None => {
                    let (_, what) = case(seed);
                    let line = format!("seed {seed} ({what}): {e}");
                    eprintln!("FAIL {line}\n  replay: LAYERCAKE_FUZZ_SEED={seed} cargo test --test fuzz -- --nocapture");
                    kinds.push((kind, line, 1));
                }
            }
            if failed >= 500 || e.starts_with("took longer") {
                break;
            }
        }
    }
    eprintln!(
        "fuzz: {n} cases ({with_images} held images) in {:.1} s, {failed} failed, {} kinds; slowest: seed {} in {:.2} s",
        start.elapsed().as_secs_f64(),
        kinds.len(),
        slowest.0,
        slowest.1.as_secs_f64()
    );
    let summary: Vec<String> = kinds
        .into_iter()
        .map(|(_, line, count)| format!("{line}  [{count} cases of this kind]"))
        .collect();
    assert!(summary.is_empty(), "{}", summary.join("\n"));
}

/// The generator itself stays deterministic (a seed is a replayable case).
#[test]
fn fuzz_cases_are_reproducible() {
    for seed in [1, 2, 3, 99, 12345] {
        assert_eq!(case(seed).0, case(seed).0, "seed {seed}");
    }
}
