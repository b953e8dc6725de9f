//! The page's read of layers (`Batch`: four streams at a time, in pieces,
//! a gzip layer inflated in one lane and hashed as stored in another) must
//! find exactly what one reader finds, over the fixture corpus and over
//! damaged gzip layers built in code; and it must read the gzip layers
//! itself, not hand them all back.

mod common;

use std::io::{Cursor, Write};

use layercake::{dissect, Dissection, Options, Quiet};

use common::batch::batch_read;
use common::build::{gzip, noise, oci_single, sha, Tar, LAYER_GZ, LAYER_TAR};
use common::{fixture_path, fixtures};

fn same_as_one_reader(what: &str, bytes: &[u8], piece: usize) -> usize {
    let whole = dissect(Cursor::new(bytes), &Options::default(), &mut Quiet)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (batched, read) = batch_read(bytes, piece);
    assert_same(what, &whole, &batched, piece);
    read.len()
}

fn assert_same(what: &str, whole: &Dissection, batched: &Dissection, piece: usize) {
    let (a, b) = (
        serde_json::to_value(&whole.report).unwrap(),
        serde_json::to_value(&batched.report).unwrap(),
    );
    if a != b {
        let pretty = |v| serde_json::to_string_pretty(&v).unwrap();
        assert_eq!(pretty(a), pretty(b), "{what}: report, pieces of {piece}");
    }
    for (x, y) in whole.blobs.iter().zip(&batched.blobs) {
        assert!(
            x.entries == y.entries,
            "{what}: {} entries, pieces of {piece}",
            x.path
        );
    }
}

/// The blobs of a dissection that are gzip layers read whole, of 512
/// bytes or more (a batch leaves smaller blobs to the pull read).
fn whole_gzip_layers(d: &Dissection) -> Vec<usize> {
    (0..d.blobs.len())
        .filter(|&b| d.blobs[b].size >= 512)
        .filter(|&b| {
            d.blobs[b].facts.as_ref().is_some_and(|f| {
                f.compression == Some(layercake::Compression::Gzip) && f.diff_id.is_some()
            })
        })
        .collect()
}

#[test]
fn every_fixture_reads_the_same_through_a_batch() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("facts.json")).unwrap();
    let facts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut gz_layers = 0;
    for f in facts.as_array().unwrap() {
        let path = fixture_path(&dir, f["file"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let Ok(whole) = dissect(Cursor::new(&bytes), &Options::default(), &mut Quiet) else {
            continue;
        };
        if !whole.report.archive.seekable {
            continue;
        }
        let gz = whole_gzip_layers(&whole);
        gz_layers += gz.len();
        // pieces that cut gzip members, headers and blocks anywhere, and
        // the worker's own
        for piece in [4099, 6 << 20] {
            let (batched, read) = batch_read(&bytes, piece);
            let what = path.display().to_string();
            assert_same(&what, &whole, &batched, piece);
            let declined: Vec<_> = gz.iter().filter(|b| !read.contains(b)).collect();
            assert!(
                declined.is_empty(),
                "{what}: gzip layers {declined:?} declined"
            );
        }
    }
    assert!(
        gz_layers > 20,
        "only {gz_layers} whole gzip layers in the corpus"
    );
}

/// A layer tar with some bulk, so its gzip spans several pieces (an odd
/// `seed` for each distinct one: `noise` sets the lowest bit).
fn layer_tar(seed: u64) -> Vec<u8> {
    Tar::new()
        .dir("etc/")
        .file("etc/hosts", b"127.0.0.1 localhost\n")
        .file("noise", &noise(300_000, seed))
        .file("zeros", &vec![0u8; 2_000_000])
        .symlink("lib", "usr/lib")
        .file("etc/.wh.gone", b"")
        .finish()
}

fn image_with(layers: &[(&str, Vec<u8>)], diff_ids: &[layercake::digest::Digest]) -> Vec<u8> {
    let refs: Vec<(&str, &[u8])> = layers.iter().map(|(m, b)| (*m, b.as_slice())).collect();
    oci_single(&refs, diff_ids)
}

#[test]
fn gzip_layers_are_read_in_the_batch_whole() {
    // five layers: four gzip (one of several members) and a plain tar, so
    // lanes inflate and hash side by side and a lane takes a new blob
    let tars: Vec<Vec<u8>> = (0..5).map(|i| layer_tar(2 * i + 1)).collect();
    let mut multi = gzip(&tars[1][..100_000]);
    multi.extend(gzip(&tars[1][100_000..]));
    let layers = vec![
        (LAYER_GZ, gzip(&tars[0])),
        (LAYER_GZ, multi),
        (LAYER_TAR, tars[2].clone()),
        (LAYER_GZ, gzip(&tars[3])),
        (LAYER_GZ, gzip(&tars[4])),
    ];
    let diff_ids: Vec<_> = tars.iter().map(|t| sha(t)).collect();
    let archive = image_with(&layers, &diff_ids);
    for piece in [512, 4099, 65_536, 1 << 20] {
        let read = same_as_one_reader("five layers", &archive, piece);
        assert_eq!(
            read, 5,
            "pieces of {piece}: the batch read {read} of 5 layers"
        );
    }
    let (d, _) = batch_read(&archive, 4099);
    assert_eq!(whole_gzip_layers(&d).len(), 4);
    assert!(d.report.problems.is_empty(), "{:?}", d.report.problems);
}

#[test]
fn damaged_gzip_layers_read_as_one_reader_reads_them() {
    let tar = layer_tar(9);
    let good = gzip(&tar);
    let n = good.len();
    let mut bad_crc = good.clone();
    bad_crc[n - 6] ^= 0xff;
    let mut bad_len = good.clone();
    bad_len[n - 2] ^= 0x01;
    let mut garbage = good.clone();
    garbage.extend_from_slice(b"trailing bytes that are not gzip");
    let mut zeros_after = good.clone();
    zeros_after.extend_from_slice(&[0u8; 700]);
    let mut bad_deflate = good.clone();
    for b in &mut bad_deflate[n / 2..n / 2 + 64] {
        *b = 0xff;
    }
    let mut not_tar = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    not_tar.write_all(&noise(100_000, 3)).unwrap();
    let not_tar = not_tar.finish().unwrap();
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&Tar::new().file("z", &vec![0u8; 30_000_000]).finish())
        .unwrap();
    let bomb = bomb.finish().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("cut short", good[..n * 2 / 3].to_vec()),
        ("cut in the trailer", good[..n - 3].to_vec()),
        ("a wrong CRC", bad_crc),
        ("a wrong length in the trailer", bad_len),
        ("trailing garbage", garbage),
        ("trailing zeros", zeros_after),
        ("damaged deflate data", bad_deflate),
        ("not a tar inside", not_tar),
        ("30 MB of zeros from a small blob", bomb),
        ("only the gzip header", good[..10].to_vec()),
    ];
    for (what, blob) in cases {
        // beside a good gzip layer, which the batch must still read
        let layers = vec![(LAYER_GZ, blob), (LAYER_GZ, good.clone())];
        let archive = image_with(&layers, &[sha(&tar), sha(&tar)]);
        for piece in [512, 4099, 1 << 20] {
            let read = same_as_one_reader(what, &archive, piece);
            assert!(
                read >= 1,
                "{what}, pieces of {piece}: the good layer was declined"
            );
        }
    }
}

#[test]
fn a_gzip_layer_of_the_wrong_size_reads_as_one_reader_reads_it() {
    let tar = layer_tar(4);
    let gz = gzip(&tar);
    let config = common::build::image_config("amd64", None, &[sha(&tar)]);
    for delta in [-1i64, 1] {
        let mut d = common::build::desc(LAYER_GZ, &gz);
        d["size"] = serde_json::json!(gz.len() as i64 + delta);
        let manifest = common::build::oci_manifest(&config, &[d]);
        let mut m = common::build::desc(common::build::OCI_MANIFEST, &manifest);
        m["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": "t:1"});
        let index = serde_json::json!({"schemaVersion": 2, "manifests": [m]});
        let archive = common::build::oci_layout(&index, &[&config, &manifest, &gz]).finish();
        same_as_one_reader(&format!("size {delta:+}"), &archive, 4099);
    }
}

/// Reads that fail while both lanes of a gzip layer are on it (the blob
/// and its inflating): the layer is handed back once, and read the other
/// way as one reader reads it.
#[test]
fn failed_reads_hand_a_gzip_layer_back_once() {
    use layercake::{Batch, Outcome};
    let tar = layer_tar(11);
    let gz = gzip(&tar);
    let archive = image_with(&[(LAYER_GZ, gz)], &[sha(&tar)]);
    let whole = dissect(Cursor::new(&archive), &Options::default(), &mut Quiet).unwrap();
    let opts = Options {
        read_layers: false,
        ..Options::default()
    };
    let mut d = dissect(Cursor::new(&archive), &opts, &mut Quiet).unwrap();
    let mine = d.share_blobs(None);
    let mut batch = Batch::new(&d, &mine, 4099, None, 1 << 20);
    let (mut declined, mut round, mut busy_lanes) = (Vec::new(), 0, 0);
    while !batch.is_done() {
        let wants = batch.wants(&mut Quiet);
        busy_lanes = busy_lanes.max(wants.len());
        round += 1;
        // both lanes are on the blob from the second round: fail them
        let fail = round == 3;
        let pieces = wants
            .iter()
            .map(|w| {
                let r = if fail {
                    Err("the disk went away".to_string())
                } else {
                    Ok(&archive[w.start as usize..w.end as usize])
                };
                (w.lane, r)
            })
            .collect();
        for o in batch.take(pieces, &mut Quiet) {
            match o {
                Outcome::Read { .. } => panic!("the layer read whole through failed reads"),
                Outcome::Declined { blob } => declined.push(blob),
            }
        }
    }
    assert_eq!(busy_lanes, 2, "the blob and its inflating in two lanes");
    assert_eq!(declined.len(), 1, "handed back {declined:?}");
    d.read_blobs(Cursor::new(&archive), &declined, &mut Quiet);
    let d = d.finish(&Options::default(), &mut Quiet);
    assert_same("failed reads", &whole, &d, 4099);
}
