//! The fed read of a layer (`Feed`, driven by its caller in pieces, as the
//! page's worker does) must find exactly what the pull read (`analyze`)
//! finds in the same bytes, however the bytes are cut: over every layer
//! blob of the fixture corpus and over odd tars built in code.

mod common;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use layercake::digest::Digest;
use layercake::{dissect, Entry, Expect, Feed, LayerFacts, Options, Quiet};
use tar::EntryType;

use common::build::{header, pax_record, Tar};
use common::read::analyze;
use common::{fixture_path, fixtures};

/// Cuts that land on, before and after block boundaries.
const CUTS: [usize; 8] = [1, 7, 511, 512, 513, 4096, 65_537, usize::MAX];

fn fed(blob: &[u8], expect: &Expect, cut: usize) -> Option<(LayerFacts, Vec<Entry>)> {
    let head = &blob[..blob.len().min(512)];
    let mut feed = Feed::new(expect, head)?;
    for piece in blob.chunks(cut.min(blob.len()).max(1)) {
        feed.feed(piece);
    }
    Some(feed.finish(Digest::sha256_of(blob)))
}

/// Checks every cut against the pull read; returns whether `Feed` took it.
fn same(what: &str, blob: &[u8], expect: &Expect) -> bool {
    let pulled = analyze(blob, expect);
    let mut took = false;
    for cut in CUTS {
        if cut < 512 && blob.len() > 1 << 20 {
            continue; // byte by byte through megabytes proves nothing more
        }
        let Some(pushed) = fed(blob, expect, cut) else {
            continue;
        };
        took = true;
        assert_eq!(pushed.0, pulled.0, "{what}: facts, pieces of {cut}");
        assert!(pushed.1 == pulled.1, "{what}: entries, pieces of {cut}");
    }
    took
}

#[test]
fn every_fixture_layer_reads_the_same_fed() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("facts.json")).unwrap();
    let facts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut blobs, mut taken) = (0, 0);
    for f in facts.as_array().unwrap() {
        let path = fixture_path(&dir, f["file"].as_str().unwrap());
        let Ok(d) = dissect(File::open(&path).unwrap(), &Options::default(), &mut Quiet) else {
            continue;
        };
        if !d.report.archive.seekable {
            continue;
        }
        let mut file = File::open(&path).unwrap();
        for (b, blob) in d.blobs.iter().enumerate() {
            let layer = d
                .report
                .images
                .iter()
                .flat_map(|i| &i.layers)
                .find(|l| l.blob == Some(b));
            let expect = Expect {
                digest: layer.and_then(|l| l.digest.clone()),
                size: layer.and_then(|l| l.size),
                media_type: layer.and_then(|l| l.media_type.clone()),
            };
            let mut bytes = vec![0; blob.size as usize];
            file.seek(SeekFrom::Start(blob.offset)).unwrap();
            file.read_exact(&mut bytes).unwrap();
            blobs += 1;
            let what = format!("{} blob {b} ({})", path.display(), blob.path);
            if same(&what, &bytes, &expect) {
                taken += 1;
            }
        }
    }
    assert!(blobs > 100, "only {blobs} blobs in the corpus");
    assert!(taken > 50, "Feed took only {taken} of {blobs} blobs");
}

fn pax_member(tar: Tar, flag: EntryType, records: &[u8]) -> Tar {
    tar.put(
        header(b"././@PaxHeader", flag, records.len() as u64, 0o644),
        records,
    )
}

#[test]
fn odd_tars_read_the_same_fed() {
    let big = vec![7u8; 300_000];
    let plain = Tar::new()
        .dir("etc/")
        .file("etc/hosts", b"127.0.0.1 localhost\n")
        .file("big", &big)
        .symlink("lib", "usr/lib")
        .hardlink("hosts2", "etc/hosts")
        .long_file(&"d/".repeat(80), b"long")
        .long_symlink(&"s".repeat(200), &"t".repeat(300))
        .file("etc/.wh.gone", b"")
        .file("etc/.wh..wh..opq", b"");
    let plain = plain.finish();
    let mut cases: Vec<(String, Vec<u8>, Expect)> = vec![
        ("plain".into(), plain.clone(), Expect::default()),
        (
            "plain, right size".into(),
            plain.clone(),
            Expect {
                size: Some(plain.len() as u64),
                ..Expect::default()
            },
        ),
        (
            "plain, descriptor larger".into(),
            plain.clone(),
            Expect {
                size: Some(plain.len() as u64 + 10),
                ..Expect::default()
            },
        ),
        (
            "plain, descriptor smaller".into(),
            plain.clone(),
            Expect {
                size: Some(100),
                ..Expect::default()
            },
        ),
    ];
    // cut everywhere that matters: mid header, mid content, mid padding
    for cut in [
        600,
        1024,
        1500,
        2048,
        5000,
        200_000,
        plain.len() - 1024,
        plain.len() - 3,
    ] {
        cases.push((
            format!("cut at {cut}"),
            plain[..cut].to_vec(),
            Expect::default(),
        ));
    }
    // no end-of-archive blocks, one zero block, junk after the end
    let bare = &plain[..plain.len() - 1024];
    cases.push(("no end blocks".into(), bare.to_vec(), Expect::default()));
    let mut one = bare.to_vec();
    one.extend_from_slice(&[0; 512]);
    cases.push(("one zero block".into(), one, Expect::default()));
    let mut junk = plain.clone();
    junk.extend_from_slice(&common::build::noise(70_000, 3));
    cases.push(("junk after the end".into(), junk, Expect::default()));
    // PAX local and global records, one over the record budget
    let mut recs = pax_record("path", b"renamed/by/pax");
    recs.extend(pax_record("mtime", b"-12.5"));
    recs.extend(pax_record("uid", b"4242"));
    let globals = pax_record("gid", b"77");
    let huge = pax_record("comment", &vec![b'x'; 1_100_000]);
    let pax = pax_member(
        pax_member(Tar::new(), EntryType::XGlobalHeader, &globals),
        EntryType::XHeader,
        &recs,
    )
    .file("orig", b"data");
    let pax = pax_member(pax, EntryType::XHeader, &huge)
        .file("after-huge", b"x")
        .finish();
    cases.push(("pax".into(), pax, Expect::default()));
    // a bad checksum after good members
    let mut bad = plain.clone();
    bad[1024 + 148] ^= 0x55;
    cases.push(("bad checksum".into(), bad, Expect::default()));
    // a member that says it is huge
    let mut liar = Tar::new().file("a", b"a").finish();
    liar.truncate(1024);
    liar.extend(
        Tar::new()
            .put(header(b"huge", EntryType::Regular, 1 << 40, 0o644), b"")
            .finish(),
    );
    cases.push(("size past the end".into(), liar, Expect::default()));
    let mut took = 0;
    for (what, blob, expect) in &cases {
        if same(what, blob, expect) {
            took += 1;
        }
    }
    assert!(
        took >= cases.len() - 2,
        "Feed took {took} of {} cases",
        cases.len()
    );
}

#[test]
fn feed_declines_what_analyze_reads_another_way() {
    let tar = Tar::new().file("a", b"a").finish();
    let gz = common::build::gzip(&tar);
    assert!(Feed::new(&Expect::default(), &gz[..512.min(gz.len())]).is_none());
    let artifact = Expect {
        media_type: Some("application/vnd.example+json".into()),
        ..Expect::default()
    };
    assert!(Feed::new(&artifact, &tar[..512]).is_none());
    assert!(
        Feed::new(&Expect::default(), &tar[..100]).is_none(),
        "a head under 512 bytes"
    );
    assert!(Feed::new(&Expect::default(), &tar[..512]).is_some());
}

/// A member's header group as long as an attacker likes (a record skipped
/// past `MAX_HEADER_RECORD_BYTES`, or thousands of records in a row): fed
/// in pieces, the walk holds about one record, not the group, and finds
/// what the pull read finds.
#[test]
fn a_long_header_group_is_not_held_whole() {
    let skipped = pax_record("comment", &vec![b'x'; 40 << 20]);
    let big = pax_member(Tar::new(), EntryType::XHeader, &skipped)
        .file("after/the/big/record", b"content")
        .file("next", b"more")
        .finish();
    let mut chain = Tar::new();
    for i in 0..3000 {
        chain = pax_member(
            chain,
            EntryType::XHeader,
            &pax_record("comment", format!("{i:04}{}", "y".repeat(4000)).as_bytes()),
        );
    }
    let chain = chain
        .file("after/the/chain", b"content")
        .file("next", b"more")
        .finish();
    for (what, tar) in [("a 40 MiB PAX record", big), ("3,000 PAX records", chain)] {
        let pulled = analyze(&tar, &Expect::default());
        assert!(
            pulled.1.iter().any(|e| e.path.starts_with(b"after/")),
            "{what}"
        );
        let mut feed = Feed::new(&Expect::default(), &tar[..512]).unwrap();
        let mut most = 0;
        for piece in tar.chunks(1 << 20) {
            feed.feed(piece);
            most = most.max(feed.held());
        }
        assert!(most <= 3 << 20, "{what}: {most} bytes held between pieces");
        let pushed = feed.finish(Digest::sha256_of(&tar));
        assert_eq!(pushed.0, pulled.0, "{what}: facts");
        assert!(pushed.1 == pulled.1, "{what}: entries");
    }
}
