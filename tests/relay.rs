//! A one-pass read whose layer members are handed to another reader (the
//! page's second worker) finds exactly what one reader finds alone: over
//! every archive of the fixture corpus, whole-archive gzipped, and over
//! archives cut short.

mod common;

use std::fs::File;

use layercake::{dissect, dissect_stream, Dissection, Options, Quiet};

use common::build::{gzip, Tar};
use common::relay::{comparable, relayed_read};
use common::{fixture_path, fixtures};

fn assert_same(what: &str, alone: &Dissection, relayed: &Dissection) {
    let (a, b) = (comparable(alone), comparable(relayed));
    assert!(
        a == b,
        "{what}: the relayed read's report differs:\n{a}\n{b}"
    );
    assert_eq!(alone.blobs.len(), relayed.blobs.len(), "{what}: blobs");
    for (x, y) in alone.blobs.iter().zip(&relayed.blobs) {
        assert!(x.entries == y.entries, "{what}: entries of {}", x.path);
    }
}

#[test]
fn every_fixture_gzipped_reads_the_same_relayed() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("facts.json")).unwrap();
    let facts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut archives, mut relayed_members) = (0, 0);
    for f in facts.as_array().unwrap() {
        let path = fixture_path(&dir, f["file"].as_str().unwrap());
        if dissect(File::open(&path).unwrap(), &Options::default(), &mut Quiet).is_err() {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        for bytes in [gzip(&raw), raw] {
            let opts = Options::default();
            let alone = dissect_stream(&bytes[..], Some(bytes.len() as u64), &opts, &mut Quiet);
            for late in [false, true] {
                let relayed = relayed_read(&bytes, &opts, late);
                match (&alone, relayed) {
                    (Ok(a), Ok((r, taken))) => {
                        assert_same(&path.display().to_string(), a, &r);
                        relayed_members += taken;
                    }
                    (Err(a), Err(r)) => assert_eq!(a.to_string(), r.to_string()),
                    (a, r) => panic!("{}: {a:?} against {:?}", path.display(), r.map(|r| r.1)),
                }
            }
            archives += 1;
        }
    }
    assert!(archives >= 30, "only {archives} archives read");
    assert!(
        relayed_members > 100,
        "only {relayed_members} members relayed"
    );
}

/// A docker-archive of two layers with many members, so that a layer spans
/// several relayed pieces.
fn big_archive() -> Vec<u8> {
    let mut layers = Vec::new();
    for l in 0..2u8 {
        let mut t = Tar::new();
        for i in 0..3_000u32 {
            let data = vec![l ^ (i as u8); (i as usize * 37) % 5_000];
            t = t.file(format!("d{}/f{i}", i % 17), &data);
        }
        layers.push(t.finish());
    }
    let diff_ids: Vec<_> = layers.iter().map(|l| common::build::sha(l)).collect();
    let config = common::build::image_config("amd64", None, &diff_ids);
    let config_name = format!("{}.json", common::build::sha(&config).hex());
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("l{i}/layer.tar"))
        .collect();
    let manifest = serde_json::json!([{
        "Config": config_name, "RepoTags": ["relay:1"], "Layers": names,
    }]);
    let mut outer = Tar::new();
    for (name, layer) in names.iter().zip(&layers) {
        outer = outer.file(name, layer);
    }
    outer
        .file(&config_name, &config)
        .file("manifest.json", &common::build::to_json(&manifest))
        .finish()
}

#[test]
fn layers_of_many_pieces_read_the_same_relayed() {
    let bytes = gzip(&big_archive());
    let opts = Options::default();
    let alone = dissect_stream(&bytes[..], Some(bytes.len() as u64), &opts, &mut Quiet).unwrap();
    assert!(alone
        .blobs
        .iter()
        .all(|b| b.size > 2 * layercake::RELAY_PIECE as u64));
    for late in [false, true] {
        let (relayed, taken) = relayed_read(&bytes, &opts, late).unwrap();
        assert_eq!(taken, 2);
        assert_same("two big layers", &alone, &relayed);
        assert_eq!(relayed.report.images[0].verified, Some(true));
    }
}

#[test]
fn an_archive_cut_short_reads_the_same_relayed() {
    let whole = big_archive();
    let zipped = gzip(&whole);
    let cuts = [
        700,
        5_000,
        whole.len() / 3,
        whole.len() / 2 + 123,
        whole.len() - 1_000,
    ];
    // the tar cut (the gzip stream whole), and the gzip stream cut
    let cut_tars = cuts.iter().map(|&c| (c, gzip(&whole[..c])));
    let cut_zips = cuts
        .iter()
        .map(|&c| c * zipped.len() / whole.len())
        .map(|c| (c, zipped[..c].to_vec()));
    for (cut, bytes) in cut_tars.chain(cut_zips) {
        let opts = Options::default();
        let alone = dissect_stream(&bytes[..], Some(bytes.len() as u64), &opts, &mut Quiet);
        let relayed = relayed_read(&bytes, &opts, true);
        match (alone, relayed) {
            (Ok(a), Ok((r, _))) => assert_same(&format!("cut at {cut}"), &a, &r),
            (Err(a), Err(r)) => assert_eq!(a.to_string(), r.to_string()),
            (a, r) => panic!("cut at {cut}: {a:?} against {:?}", r.map(|r| r.1)),
        }
    }
}

#[test]
fn a_relayed_member_that_never_comes_back_is_reported_unread() {
    use layercake::{OnePass, OnePassStart, Relay, Stage};
    struct Lost;
    impl Relay for Lost {
        fn offer(&mut self, _: &str, _: u64) -> bool {
            true
        }
        fn piece(&mut self, _: &[u8]) {}
        fn end(&mut self, _: Option<&std::io::Error>) {}
    }
    let bytes = gzip(&big_archive());
    let Ok(OnePassStart::Walking(mut pass)) =
        OnePass::start(&bytes[..], None, &Options::default(), &mut Quiet)
    else {
        panic!("an archive to walk");
    };
    while pass.step(&mut Quiet, &mut Lost) != Stage::Ended {}
    assert_eq!(pass.awaited(), 2);
    let d = pass.finish(&mut Quiet).unwrap();
    let image = &d.report.images[0];
    assert_ne!(image.verified, Some(true));
    for layer in &image.layers {
        assert!(
            layer
                .problems
                .iter()
                .any(|p| p.message.contains("handed to another reader")),
            "{:?}",
            layer.problems
        );
    }
}

/// A layer's path given twice, a tar and then a JSON document: the later
/// member is the layer, as unpacking the archive (and a seekable read)
/// has it, whether the tar was walked here or handed on. (Found by the
/// fuzzer: the walk here kept the earlier tar's facts.)
#[test]
fn a_later_member_of_the_same_path_replaces_an_earlier_one() {
    use common::build::{docker_save, DockerImage};
    let layer = Tar::new().file("a", b"x").finish();
    let img = DockerImage::of(vec![layer.clone()], "twice:1");
    let path = img.layer_path(0);
    let archive = docker_save(&[img])
        .file(&path, b"{\"not\": \"a tar\"}")
        .finish();
    let seek = dissect(
        std::io::Cursor::new(&archive[..]),
        &Options::default(),
        &mut Quiet,
    )
    .unwrap();
    let opts = Options::default();
    let size = Some(archive.len() as u64);
    let alone = dissect_stream(&archive[..], size, &opts, &mut Quiet).unwrap();
    for late in [false, true] {
        let (relayed, _) = relayed_read(&archive, &opts, late).unwrap();
        assert_same("a path given twice", &alone, &relayed);
    }
    for (how, d) in [("seek", &seek), ("one pass", &alone)] {
        let l = &d.report.images[0].layers[0];
        assert_eq!(l.size, Some(16), "{how}: the later member, a JSON document");
        assert!(
            l.problems.iter().any(|p| p.code == "not_a_tar"),
            "{how}: {:?}",
            l.problems
        );
    }
}
