//! Format rules over small archives built in code: docker-archive, legacy
//! docker save, OCI layouts (Docker 25 too), layer and whole-archive
//! compression, tar details inside layers, whiteouts in the merged tree,
//! and bad input. Every archive is read through random short reads.

mod common;

use std::io::Cursor;

use layercake::digest::{Check, Digest};
use layercake::{
    dissect, dissect_stream, Change, Compression, Dissection, Entry, Error, Expect, Format, Kind,
    LayerFacts, Options, Quiet, Severity, Tree,
};
use serde_json::{json, Value};
use tar::EntryType;

use common::build::*;
use common::ShortReads;

// ----------------------------------------------------------------- reading

fn seek_read(bytes: &[u8]) -> Result<Dissection, Error> {
    let src = ShortReads::new(Cursor::new(bytes.to_vec()), 7);
    dissect(src, &Options::default(), &mut Quiet)
}

fn stream_read(bytes: &[u8]) -> Result<Dissection, Error> {
    let size = Some(bytes.len() as u64);
    dissect_stream(
        ShortReads::new(bytes, 11),
        size,
        &Options::default(),
        &mut Quiet,
    )
}

/// Both ways of reading an archive that must succeed.
fn read_both(bytes: &[u8]) -> [Dissection; 2] {
    [seek_read(bytes).unwrap(), stream_read(bytes).unwrap()]
}

fn analyze(blob: &[u8], expect: &Expect) -> (LayerFacts, Vec<Entry>) {
    layercake::analyze(ShortReads::new(blob, 5), expect, None)
}

fn entries_of(tar: &[u8]) -> Vec<Entry> {
    let (facts, entries) = analyze(tar, &Expect::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    entries
}

fn merged(layers: &[Vec<Entry>]) -> Tree {
    let refs: Vec<&[Entry]> = layers.iter().map(Vec::as_slice).collect();
    Tree::merge(&refs)
}

/// The merged listing, one raw line per path.
fn listing(tree: &Tree) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tree.write_listing(&mut out).unwrap();
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn lines(ls: &[&str]) -> Vec<Vec<u8>> {
    ls.iter().map(|l| l.as_bytes().to_vec()).collect()
}

fn codes(d: &Dissection) -> Vec<String> {
    d.report
        .all_problems()
        .into_iter()
        .map(|p| p.code.to_string())
        .collect()
}

fn not_an_image(r: Result<Dissection, Error>) -> String {
    match r {
        Err(Error::NotAnImage { found }) => found,
        Err(e) => panic!("expected NotAnImage, got {e}"),
        Ok(d) => panic!("expected NotAnImage, got {} images", d.report.images.len()),
    }
}

// --------------------------------------------------------- docker-archive

#[test]
fn docker_archive_two_images_tags_configs_and_verified_diff_ids() {
    let f = docker_two_images(false);
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["docker"]);
        assert_eq!(r.images.len(), 2);
        assert!(codes(&d).is_empty(), "{:?}", r.all_problems());
        let (a, b) = (&r.images[0], &r.images[1]);
        assert_eq!(a.tags, ["app:1", "app:latest"]);
        assert_eq!(b.tags, ["other:2"]);
        assert_eq!(a.source, Format::Docker);
        assert_eq!(a.config_digest, Some(sha(&f.configs[0])));
        assert_eq!(b.config_digest, Some(sha(&f.configs[1])));
        assert_eq!(b.platform.label(), "linux/arm64");
        let want = [[&f.layers[0], &f.layers[1]], [&f.layers[0], &f.layers[2]]];
        for (img, want) in r.images.iter().zip(want) {
            assert_eq!(img.layers.len(), 2);
            for (l, tar) in img.layers.iter().zip(want) {
                assert_eq!(l.diff_id, Some(sha(tar)));
                assert_eq!(l.diff_id_check, Check::Verified { digest: sha(tar) });
                assert_eq!(l.verified, Some(true));
                assert_eq!(l.compression, Some(Compression::None));
                assert_eq!(l.size, Some(tar.len() as u64));
            }
            assert_eq!(img.verified, Some(true));
        }
        assert_eq!(a.layers[0].entries, Some(2));
        assert_eq!(a.layers[1].entries, Some(2));
        assert_eq!(b.layers[1].entries, Some(1));
    }
}

#[test]
fn docker_archive_symlinked_layer_is_read_once() {
    let f = docker_two_images(false);
    for d in read_both(&f.archive) {
        let r = &d.report;
        let base_path = format!("{}/layer.tar", f.base_id);
        assert_eq!(r.images[0].layers[0].path.as_deref(), Some(&*base_path));
        assert_eq!(r.images[1].layers[0].path.as_deref(), Some(&*base_path));
        assert_eq!(r.images[0].layers[0].blob, r.images[1].layers[0].blob);
        assert_eq!(d.blobs.len(), 3);
        assert_eq!(
            listing(&d.tree(1)),
            lines(&[
                "d 755 0:0 - etc",
                "f 644 0:0 8 etc/os-release",
                "f 644 0:0 5 extra.txt",
            ])
        );
    }
}

#[test]
fn docker_archive_wrong_diff_id_is_a_mismatch() {
    let f = docker_two_images(true);
    for d in read_both(&f.archive) {
        let img = &d.report.images[0];
        assert_eq!(img.layers[0].verified, Some(true));
        let l = &img.layers[1];
        assert_eq!(l.verified, Some(false));
        assert_eq!(
            l.diff_id_check,
            Check::Mismatch {
                expected: sha(b"not the layer"),
                actual: sha(&f.layers[1]),
            }
        );
        assert_eq!(img.verified, Some(false));
        // the other image, sharing the base layer, is unaffected
        assert_eq!(d.report.images[1].verified, Some(true));
    }
}

// ------------------------------------------------------ legacy docker save

#[test]
fn legacy_save_follows_parent_chain_base_first() {
    let tars: Vec<Vec<u8>> = ["base", "mid", "top"]
        .iter()
        .map(|n| Tar::new().file(format!("{n}.txt"), n.as_bytes()).finish())
        .collect();
    let ids: Vec<String> = ["base", "mid", "top"]
        .iter()
        .map(|n| sha(n.as_bytes()).hex().to_string())
        .collect();
    let v1 = |i: usize| {
        let mut j = json!({"id": ids[i], "os": "linux", "architecture": "amd64",
            "container_config": {"Cmd": ["/bin/sh", "-c", format!("step {i}")]}});
        if i > 0 {
            j["parent"] = json!(ids[i - 1]);
        }
        to_json(&j)
    };
    let mut t = Tar::new().file(
        "repositories",
        &to_json(&json!({"legacy/app": {"v1": ids[2]}})),
    );
    // top first: archive order must not decide layer order
    for i in [2, 0, 1] {
        t = t
            .dir(format!("{}/", ids[i]))
            .file(format!("{}/VERSION", ids[i]), b"1.0")
            .file(format!("{}/json", ids[i]), &v1(i))
            .file(format!("{}/layer.tar", ids[i]), &tars[i]);
    }
    let archive = t.finish();
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["legacy"]);
        assert_eq!(r.images.len(), 1);
        let img = &r.images[0];
        assert_eq!(img.source, Format::Legacy);
        assert_eq!(img.tags, ["legacy/app:v1"]);
        assert_eq!(img.layers.len(), 3);
        for (i, l) in img.layers.iter().enumerate() {
            assert_eq!(l.path, Some(format!("{}/layer.tar", ids[i])));
            assert_eq!(l.diff_id, Some(sha(&tars[i])));
            assert_eq!(l.entries, Some(1));
        }
        let cmds: Vec<_> = img.history.iter().map(|h| h.created_by.clone()).collect();
        assert_eq!(
            cmds,
            [0, 1, 2].map(|i| Some(format!("/bin/sh -c step {i}")))
        );
        assert_eq!(
            listing(&d.tree(0)),
            lines(&[
                "f 644 0:0 4 base.txt",
                "f 644 0:0 3 mid.txt",
                "f 644 0:0 3 top.txt"
            ])
        );
    }
}

// ------------------------------------------------------------- OCI layout

#[test]
fn oci_nested_index_gives_one_image_per_platform() {
    let f = oci_multi_platform();
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["oci"]);
        assert_eq!(r.images.len(), 3);
        let labels = ["linux/amd64", "linux/arm64/v8"];
        for (i, img) in r.images[..2].iter().enumerate() {
            assert_eq!(img.source, Format::Oci);
            assert_eq!(img.platform.label(), labels[i]);
            assert_eq!(img.tags, ["example.com/multi:1.0"]);
            assert_eq!(img.parents, [sha(&f.nested)]);
            assert_eq!(img.manifest_digest, Some(sha(&f.manifests[i])));
            assert_eq!(img.manifest_check.verified(), Some(true));
            assert_eq!(img.config_digest, Some(sha(&f.configs[i])));
            assert_eq!(img.config_check.verified(), Some(true));
            assert!(!img.is_artifact());
            let l = &img.layers[0];
            assert_eq!(l.compression, Some(Compression::Gzip));
            assert_eq!(l.digest, Some(sha(&f.gzs[i])));
            assert_eq!(l.diff_id, Some(sha(&f.tars[i])));
            assert_eq!(l.uncompressed_size, Some(f.tars[i].len() as u64));
            assert_eq!(l.verified, Some(true));
            assert_eq!(img.verified, Some(true));
        }
    }
}

#[test]
fn oci_absent_manifest_is_a_note_not_a_failure() {
    let f = oci_multi_platform();
    for d in read_both(&f.archive) {
        let absent: Vec<_> = d
            .report
            .all_problems()
            .into_iter()
            .filter(|p| p.code == "absent")
            .collect();
        assert_eq!(absent.len(), 1, "{:?}", d.report.all_problems());
        assert_eq!(absent[0].severity, Severity::Note);
        assert_eq!(absent[0].location.digest, Some(f.absent.clone()));
        assert!(
            absent[0].message.contains("linux/s390x"),
            "{}",
            absent[0].message
        );
        assert_eq!(d.report.worst(), Some(Severity::Note));
    }
}

#[test]
fn oci_artifact_is_listed_and_its_blob_is_not_a_tar_problem() {
    let f = oci_multi_platform();
    for d in read_both(&f.archive) {
        let art = &d.report.images[2];
        assert!(art.is_artifact());
        assert_eq!(
            art.artifact_type.as_deref(),
            Some("application/vnd.example.sbom.v1+json")
        );
        assert_eq!(art.manifest_digest, Some(sha(&f.manifests[2])));
        assert_eq!(art.subject, Some(sha(&f.manifests[0])));
        assert_eq!(art.config_digest, Some(sha(b"{}")));
        assert_eq!(art.config_check.verified(), Some(true));
        assert_eq!(art.layers.len(), 1);
        assert_eq!(art.layers[0].verified, Some(true));
        assert_eq!(art.layers[0].compression, None);
        assert_eq!(art.files, None);
        let codes = codes(&d);
        assert!(!codes.iter().any(|c| c == "not_a_tar"), "{codes:?}");
        assert!(!codes.iter().any(|c| c == "diff_id_count"), "{codes:?}");
    }
}

#[test]
fn oci_index_that_references_itself_is_an_index_loop() {
    let tar = Tar::new().file("a", b"a").finish();
    let config = image_config("amd64", None, &[sha(&tar)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &tar)]);
    // an index stored under a digest it names itself (so its content
    // cannot hash to it): index -> itself, plus one real manifest
    let loop_digest = sha(b"loop");
    let looped = to_json(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_INDEX, "digest": loop_digest.to_string(), "size": 1},
            desc(OCI_MANIFEST, &manifest),
        ]}),
    );
    let index = json!({"schemaVersion": 2, "manifests": [
        {"mediaType": OCI_INDEX, "digest": loop_digest.to_string(), "size": looped.len()},
    ]});
    let archive = oci_layout(&index, &[&manifest, &config, &tar])
        .file(loop_digest.blob_path(), &looped)
        .finish();
    for d in read_both(&archive) {
        let codes = codes(&d);
        assert_eq!(
            codes.iter().filter(|c| *c == "index_loop").count(),
            1,
            "{codes:?}"
        );
        assert_eq!(d.report.images.len(), 1);
        assert_eq!(
            d.report.images[0].parents,
            std::slice::from_ref(&loop_digest)
        );
        assert_eq!(d.report.images[0].layers[0].verified, Some(true));
    }
}

// ------------------------------------------------------- Docker 25 style

#[test]
fn docker25_manifest_json_with_blob_paths_and_null_manifests() {
    let (archive, tar, config, _) = docker25(Value::Null);
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["docker", "oci"]);
        assert_eq!(r.images.len(), 1);
        assert!(codes(&d).is_empty(), "{:?}", r.all_problems());
        let img = &r.images[0];
        assert_eq!(img.source, Format::Docker);
        assert_eq!(img.tags, ["app:25"]);
        assert_eq!(img.config_digest, Some(sha(&config)));
        assert_eq!(
            img.config_check,
            Check::Verified {
                digest: sha(&config)
            }
        );
        let l = &img.layers[0];
        assert_eq!(l.path, Some(sha(&tar).blob_path()));
        assert_eq!(l.media_type.as_deref(), Some(LAYER_TAR));
        assert_eq!(l.digest_check, Check::Verified { digest: sha(&tar) });
        assert_eq!(l.diff_id_check, Check::Verified { digest: sha(&tar) });
        assert_eq!(l.entries, Some(2));
        assert_eq!(img.verified, Some(true));
    }
}

#[test]
fn docker25_manifest_json_and_index_json_name_one_image() {
    let (_, _, _, manifest) = docker25(Value::Null);
    let mut d = desc(OCI_MANIFEST, &manifest);
    d["annotations"] = json!({"io.containerd.image.name": "docker.io/library/app:25"});
    let (archive, tar, config, _) = docker25(json!([d]));
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.images.len(), 1, "{:?}", r.images);
        let img = &r.images[0];
        assert_eq!(img.manifest_digest, Some(sha(&manifest)));
        assert_eq!(img.config_digest, Some(sha(&config)));
        assert!(img.tags.contains(&"app:25".to_string()), "{:?}", img.tags);
        assert!(img.tags.contains(&"docker.io/library/app:25".to_string()));
        assert_eq!(img.layers[0].diff_id, Some(sha(&tar)));
        assert_eq!(img.verified, Some(true));
    }
}

// ------------------------------------------------------ layer compression

fn check_compressed_layer(blob: &[u8], tar: &[u8], media_type: &str, want: Compression) {
    let digest = sha(blob);
    let expect = Expect {
        digest: Some(digest.clone()),
        size: Some(blob.len() as u64),
        media_type: Some(media_type.into()),
    };
    let (facts, entries) = analyze(blob, &expect);
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert_eq!(facts.compression, Some(want));
    assert_eq!(facts.digest, Some(digest));
    assert_eq!(facts.size, blob.len() as u64);
    assert_eq!(facts.diff_id, Some(sha(tar)));
    assert_eq!(facts.uncompressed_size, Some(tar.len() as u64));
    assert_eq!(facts.entries, 7);
    assert_eq!(entries.len(), 7);
    assert_eq!(facts.counts.file_bytes, 6 * 700);
    assert!(facts.has_eof_blocks);
    // and the same through an OCI archive, checked against its descriptor
    let archive = oci_single(&[(media_type, blob)], &[sha(tar)]);
    for d in read_both(&archive) {
        let l = &d.report.images[0].layers[0];
        assert_eq!(l.compression, Some(want));
        assert_eq!(l.digest_check, Check::Verified { digest: sha(blob) });
        assert_eq!(l.diff_id_check, Check::Verified { digest: sha(tar) });
        assert_eq!(l.entries, Some(7));
    }
}

#[test]
fn gzip_layer_of_two_concatenated_members() {
    let tar = sample_layer();
    // split inside a header, as pigz and eStargz do not care where
    let mut blob = gzip(&tar[..700]);
    blob.extend(gzip(&tar[700..]));
    check_compressed_layer(&blob, &tar, LAYER_GZ, Compression::Gzip);
}

#[test]
fn zstd_layer_of_two_frames_with_a_skippable_frame_between() {
    let tar = sample_layer();
    let mut blob = zstd(&tar[..1500]);
    blob.extend(skippable(b"table of contents"));
    blob.extend(zstd(&tar[1500..]));
    check_compressed_layer(&blob, &tar, LAYER_ZSTD, Compression::Zstd);
}

#[test]
fn zstd_layer_starting_with_a_skippable_frame() {
    let tar = sample_layer();
    let mut blob = skippable(&[0u8; 9]);
    blob.extend(zstd(&tar));
    blob.extend(skippable(b"trailer"));
    check_compressed_layer(&blob, &tar, LAYER_ZSTD, Compression::Zstd);
}

// ------------------------------------------------- whole-archive wrapping

type Summary = Vec<(
    Vec<String>,
    Option<Digest>,
    Vec<(Option<Digest>, u64, Option<bool>)>,
)>;

fn summary(d: &Dissection) -> Summary {
    d.report
        .images
        .iter()
        .map(|i| {
            let layers = i
                .layers
                .iter()
                .map(|l| (l.diff_id.clone(), l.entries.unwrap_or(0), l.verified))
                .collect();
            (i.tags.clone(), i.config_digest.clone(), layers)
        })
        .collect()
}

#[test]
fn compressed_archives_read_in_one_pass_give_the_same_images() {
    let docker = docker_two_images(false);
    let oci = oci_multi_platform();
    let big = docker_big_layer();
    for plain in [&docker.archive, &oci.archive, &big] {
        let base = seek_read(plain).unwrap();
        assert!(base.report.archive.seekable);
        assert_eq!(base.report.archive.compression, Some(Compression::None));
        let want = summary(&base);
        assert!(!want.is_empty());
        assert_eq!(base.report.images[0].verified, Some(true));
        let runs = [
            (gzip(plain), Compression::Gzip, true),
            (zstd(plain), Compression::Zstd, true),
            (plain.clone(), Compression::None, false),
        ];
        for (bytes, compression, seekable_source) in runs {
            let d = if seekable_source {
                seek_read(&bytes).unwrap()
            } else {
                stream_read(&bytes).unwrap()
            };
            assert_eq!(d.report.archive.compression, Some(compression));
            assert!(!d.report.archive.seekable);
            assert_eq!(d.report.archive.size, Some(bytes.len() as u64));
            assert_eq!(d.report.archive.members, base.report.archive.members);
            assert_eq!(summary(&d), want, "{compression:?}");
            assert_eq!(codes(&d), codes(&base));
            for i in 0..d.report.images.len() {
                assert_eq!(d.report.images[i].files, base.report.images[i].files);
            }
        }
    }
    // the expected values themselves, not just agreement
    let d = seek_read(&gzip(&docker.archive)).unwrap();
    assert_eq!(
        d.report.images[0].layers[1].diff_id,
        Some(sha(&docker.layers[1]))
    );
    assert_eq!(
        d.report.images[1].config_digest,
        Some(sha(&docker.configs[1]))
    );
}

#[test]
fn large_artifact_blob_in_a_compressed_archive_is_not_a_tar_problem() {
    // an artifact blob above the one-pass keep limit (1 MiB), not JSON
    let big: Vec<u8> = b"not a tar, just a large text artifact\n"
        .iter()
        .copied()
        .cycle()
        .take(1_200_000)
        .collect();
    let empty = b"{}";
    let artifact = to_json(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.example.log",
        "config": desc("application/vnd.oci.empty.v1+json", empty),
        "layers": [desc("text/plain", &big)],
    }));
    let index = json!({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, &artifact)]});
    let plain = oci_layout(&index, &[&artifact, empty, &big]).finish();
    for d in [
        seek_read(&plain).unwrap(),
        seek_read(&gzip(&plain)).unwrap(),
    ] {
        let art = &d.report.images[0];
        assert!(art.is_artifact());
        assert_eq!(art.layers[0].verified, Some(true));
        assert_eq!(art.layers[0].size, Some(big.len() as u64));
        let codes = codes(&d);
        assert!(
            !codes.iter().any(|c| c == "not_a_tar"),
            "compression {:?}: {codes:?}",
            d.report.archive.compression
        );
    }
}

// -------------------------------------------------- tar details in layers

#[test]
fn tar_details_long_names_pax_links_devices_and_raw_bytes() {
    let long_name = format!("usr/share/{}/file.txt", "d".repeat(120));
    let long_target = format!("/{}", "t".repeat(150));
    let pax_path = format!("opt/pax/{}", "p".repeat(120));
    let pax_link = format!("/target/{}", "l".repeat(120));
    let tar = Tar::new()
        .dir("./")
        .dir("./etc/")
        .file("./etc/hostname", b"box\n")
        .hardlink("etc/hostname.bak", "./etc/hostname")
        .long_file(&long_name, b"long")
        .long_symlink("usr/lib/longlink", &long_target)
        .pax(
            EntryType::XHeader,
            &[
                ("path", &pax_path),
                ("uid", "3000000"),
                ("mtime", "-315619200.5"),
            ],
        )
        .file("opt/pax/short", b"pax!")
        .pax(EntryType::XHeader, &[("linkpath", &pax_link)])
        .symlink("opt/pax-link", "short")
        .symlink("bin/sh", "busybox")
        .pax(EntryType::XGlobalHeader, &[("gid", "777")])
        .special(EntryType::Char, "dev/null", 0o666, (1, 3))
        .special(EntryType::Block, "dev/sda", 0o660, (8, 0))
        .special(EntryType::Fifo, "run/fifo", 0o644, (0, 0))
        .file(b"caf\xe9.txt", b"x")
        .finish();
    let (facts, entries) = analyze(&tar, &Expect::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.has_eof_blocks);
    assert_eq!(facts.diff_id, Some(sha(&tar)));
    // the global header is not a member
    assert_eq!(facts.entries, 13);
    let c = &facts.counts;
    let got = [
        c.files,
        c.dirs,
        c.symlinks,
        c.hardlinks,
        c.chardevs,
        c.blockdevs,
        c.fifos,
        c.pax,
        c.non_utf8,
        c.file_bytes,
    ];
    assert_eq!(got, [4, 2, 3, 1, 1, 1, 1, 6, 1, 13]);

    let by_path = |p: &[u8]| entries.iter().find(|e| e.path == p).unwrap();
    assert_eq!(entries[0].path, b"");
    assert_eq!(entries[0].kind, Kind::Dir);
    let pax = by_path(pax_path.as_bytes());
    assert_eq!((pax.uid, pax.mtime, pax.size), (3_000_000, -315_619_201, 4));
    assert_eq!(
        by_path(b"opt/pax-link").link.as_deref(),
        Some(pax_link.as_bytes())
    );
    assert_eq!(
        by_path(b"usr/lib/longlink").link.as_deref(),
        Some(long_target.as_bytes())
    );
    assert_eq!(by_path(long_name.as_bytes()).size, 4);
    assert_eq!(
        by_path(b"etc/hostname.bak").link.as_deref(),
        Some(&b"etc/hostname"[..])
    );
    // before the global header: its gid; after it: 777
    assert_eq!(by_path(b"bin/sh").gid, 0);
    assert_eq!(by_path(b"dev/null").gid, 777);

    let tree = merged(std::slice::from_ref(&entries));
    assert_eq!(tree.changes[0][0], Change::Ignored);
    let mut want = lines(&["d 755 0:0 - bin", "l 777 0:0 7 bin/sh -> busybox"]);
    want.push(b"f 644 0:777 1 caf\xe9.txt".to_vec());
    want.extend(lines(&[
        "d 755 0:0 - dev",
        "c 666 0:777 0 dev/null",
        "b 660 0:777 0 dev/sda",
        "d 755 0:0 - etc",
        "f 644 0:0 4 etc/hostname",
        "f 644 0:0 4 etc/hostname.bak",
        "d 755 0:0 - opt",
        "d 755 0:0 - opt/pax",
        &format!("l 777 0:0 128 opt/pax-link -> {pax_link}"),
        &format!("f 644 3000000:0 4 {pax_path}"),
        "d 755 0:0 - run",
        "p 644 0:777 0 run/fifo",
        "d 755 0:0 - usr",
        "d 755 0:0 - usr/lib",
        &format!("l 777 0:0 151 usr/lib/longlink -> {long_target}"),
        "d 755 0:0 - usr/share",
        &format!("d 755 0:0 - usr/share/{}", "d".repeat(120)),
        &format!("f 644 0:0 4 {long_name}"),
    ]));
    assert_eq!(listing(&tree), want);
    // hardlinked content is counted once
    assert_eq!(tree.stats().bytes, 13);
}

#[test]
fn pax_fractional_times_floor() {
    let tar = Tar::new()
        .pax(EntryType::XHeader, &[("mtime", "-0.25")])
        .file("a", b"")
        .pax(EntryType::XHeader, &[("mtime", "1700000000.999")])
        .file("b", b"")
        .pax(EntryType::XHeader, &[("mtime", "-5.000")])
        .file("c", b"")
        .finish();
    let e = entries_of(&tar);
    let times: Vec<i64> = e.iter().map(|e| e.mtime).collect();
    assert_eq!(times, [-1, 1_700_000_000, -5]);
}

#[test]
fn gnu_base256_negative_mtime_without_pax() {
    let mut h = header(b"old", EntryType::Regular, 0, 0o644);
    // GNU tar's base-256 form: two's complement, high bit of the first byte set
    let mut field = [0xffu8; 12];
    field[4..].copy_from_slice(&(-315_619_201i64).to_be_bytes());
    h.as_mut_bytes()[136..148].copy_from_slice(&field);
    h.set_cksum();
    let e = entries_of(&Tar::new().put(h, b"").finish());
    assert_eq!(e[0].mtime, -315_619_201);
}

#[test]
fn layer_without_end_of_archive_blocks_is_accepted_with_a_note() {
    let tar = Tar::new().dir("x/").file("x/y", b"hello").finish();
    for cut in [1024, 512] {
        let short = &tar[..tar.len() - cut];
        for blob in [short.to_vec(), gzip(short)] {
            let (facts, entries) = analyze(&blob, &Expect::default());
            assert_eq!(entries.len(), 2);
            assert_eq!(facts.entries, 2);
            assert!(!facts.has_eof_blocks);
            assert_eq!(facts.diff_id, Some(sha(short)));
            let codes: Vec<_> = facts.problems.iter().map(|p| &p.code).collect();
            assert_eq!(codes, ["no_end_of_archive"]);
            assert_eq!(facts.problems[0].severity, Severity::Note);
        }
    }
}

// ------------------------------------------------------------- whiteouts

#[test]
fn whiteout_removes_a_file_and_a_whole_directory() {
    let l0 = Tar::new()
        .dir("etc/")
        .file("etc/a", &[1; 100])
        .file("etc/b", &[2; 50])
        .dir("var/")
        .dir("var/cache/")
        .file("var/cache/x", &[3; 30])
        .dir("var/cache/sub/")
        .file("var/cache/sub/y", &[4; 20])
        .finish();
    let l1 = Tar::new()
        .file("etc/.wh.a", b"")
        .file("var/.wh.cache", b"")
        .finish();
    let (f1, e1) = analyze(&l1, &Expect::default());
    assert_eq!((f1.counts.whiteouts, f1.counts.files), (2, 2));
    let tree = merged(&[entries_of(&l0), e1]);
    assert_eq!(
        listing(&tree),
        lines(&["d 755 0:0 - etc", "f 644 0:0 50 etc/b", "d 755 0:0 - var"])
    );
    assert_eq!(tree.changes[1], [Change::Removed, Change::Removed]);
    let mut removed: Vec<_> = tree.removals.iter().map(|r| r.path.clone()).collect();
    removed.sort();
    assert_eq!(
        removed,
        lines(&[
            "etc/a",
            "var/cache",
            "var/cache/sub",
            "var/cache/sub/y",
            "var/cache/x"
        ])
    );
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (200, 50, 150));
    assert_eq!(s.efficiency, 0.25);
    let waste: Vec<_> = tree
        .waste()
        .into_iter()
        .map(|w| (w.path, w.wasted_bytes))
        .collect();
    assert_eq!(
        waste,
        [
            ("etc/a".to_string(), 100),
            ("var/cache/x".to_string(), 30),
            ("var/cache/sub/y".to_string(), 20)
        ]
    );
}

fn opaque_case(marker_last: bool) -> Tree {
    let l0 = Tar::new()
        .dir("app/")
        .file("app/old", &[0; 10])
        .file("app/keep", &[0; 5])
        .dir("app/lib/")
        .file("app/lib/x.so", &[0; 8])
        .file("other", &[0; 3])
        .finish();
    let mut l1 = Tar::new();
    if !marker_last {
        l1 = l1.file("app/.wh..wh..opq", b"");
    }
    l1 = l1.dir("app/").file("app/new", &[0; 7]);
    if marker_last {
        l1 = l1.file("app/.wh..wh..opq", b"");
    }
    merged(&[entries_of(&l0), entries_of(&l1.finish())])
}

#[test]
fn opaque_directory_hides_lower_contents_but_keeps_its_own_layer() {
    for marker_last in [true, false] {
        let tree = opaque_case(marker_last);
        assert_eq!(
            listing(&tree),
            lines(&[
                "d 755 0:0 - app",
                "f 644 0:0 7 app/new",
                "f 644 0:0 3 other"
            ]),
            "marker last: {marker_last}"
        );
        let want = if marker_last {
            [Change::Modified, Change::Added, Change::Removed]
        } else {
            [Change::Removed, Change::Modified, Change::Added]
        };
        assert_eq!(tree.changes[1], want, "marker last: {marker_last}");
        let s = tree.stats();
        assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (33, 10, 23));
    }
}

#[test]
fn file_replaced_by_directory_and_directory_replaced_by_file() {
    let l0 = Tar::new()
        .file("x", &[0; 40])
        .dir("d/")
        .file("d/f", &[0; 60])
        .finish();
    let l1 = Tar::new()
        .dir("x/")
        .file("x/inner", b"abc")
        .file("d", &[0; 8])
        .finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(
        listing(&tree),
        lines(&["f 644 0:0 8 d", "d 755 0:0 - x", "f 644 0:0 3 x/inner"])
    );
    assert_eq!(
        tree.changes[1],
        [Change::Modified, Change::Added, Change::Modified]
    );
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (111, 11, 100));
}

#[test]
fn changes_and_waste_across_layers() {
    let l0 = Tar::new()
        .dir("etc/")
        .file("etc/conf", &[b'a'; 1000])
        .file("etc/gone", &[b'b'; 200])
        .file("etc/same", b"12345")
        .finish();
    let l1 = Tar::new()
        .file("etc/conf", &[b'c'; 10])
        .file("etc/.wh.gone", b"")
        .file("etc/new", b"new!")
        .finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(tree.changes[0], [Change::Added; 4]);
    assert_eq!(
        tree.changes[1],
        [Change::Modified, Change::Removed, Change::Added]
    );
    let conf = &tree.nodes[&b"etc/conf"[..]];
    assert_eq!((conf.size, conf.added_by), (10, 0));
    assert_eq!(conf.modified_by, [1]);
    assert_eq!(tree.nodes[&b"etc/new"[..]].added_by, 1);
    assert!(!tree.nodes.contains_key(&b"etc/gone"[..]));
    let s = tree.stats();
    assert_eq!(s.layer_bytes, 1000 + 200 + 5 + 10 + 4);
    assert_eq!(s.bytes, 10 + 5 + 4);
    assert_eq!(s.wasted_bytes, 1000 + 200);
    assert_eq!(s.efficiency, 19.0 / 1219.0);
    assert_eq!(s.paths, 4);
}

#[test]
fn removing_one_name_of_a_hardlinked_file_wastes_nothing() {
    // the content stays reachable through the other name
    let l0 = Tar::new().file("f", &[1; 100]).hardlink("g", "f").finish();
    let l1 = Tar::new().file(".wh.f", b"").finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(listing(&tree), lines(&["f 644 0:0 100 g"]));
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (100, 100, 0));
    let listed: u64 = tree.waste().iter().map(|w| w.wasted_bytes).sum();
    assert_eq!(listed, s.wasted_bytes, "{:?}", tree.waste());
}

#[test]
fn image_file_stats_through_a_docker_archive() {
    let l0 = Tar::new().file("big", &[7; 1000]).finish();
    let l1 = Tar::new().file("big", &[8; 10]).finish();
    let config = image_config("amd64", None, &[sha(&l0), sha(&l1)]);
    let cpath = format!("{}.json", sha(&config).hex());
    let manifest =
        json!([{"Config": cpath, "RepoTags": ["w:1"], "Layers": ["l0/layer.tar", "l1/layer.tar"]}]);
    let archive = Tar::new()
        .file("l0/layer.tar", &l0)
        .file("l1/layer.tar", &l1)
        .file(&cpath, &config)
        .file("manifest.json", &to_json(&manifest))
        .finish();
    for d in read_both(&archive) {
        let s = d.report.images[0].files.clone().unwrap();
        assert_eq!((s.paths, s.bytes, s.layer_bytes), (1, 10, 1010));
        assert_eq!(s.wasted_bytes, 1000);
        assert_eq!(s.efficiency, 10.0 / 1010.0);
        assert_eq!(listing(&d.tree(0)), lines(&["f 644 0:0 10 big"]));
    }
}

// ------------------------------------------------------------- bad input

#[test]
fn truncated_archive_still_reports_images_read_before_the_cut() {
    let l0 = Tar::new().file("small", b"tiny").finish();
    let big = noise(6000, 3);
    let l1 = Tar::new().file("big", &big).finish();
    let config = image_config("amd64", None, &[sha(&l0), sha(&l1)]);
    let cpath = format!("{}.json", sha(&config).hex());
    let manifest = json!([{"Config": cpath, "RepoTags": ["cut:1"], "Layers": ["l0/layer.tar", "l1/layer.tar"]}]);
    let archive = Tar::new()
        .file("manifest.json", &to_json(&manifest))
        .file(&cpath, &config)
        .file("l0/layer.tar", &l0)
        .file("l1/layer.tar", &l1)
        .finish();
    // cut in the middle of the second layer's content
    let cut = archive.len() - 1024 - l1.len() / 2;
    let short = &archive[..cut];
    // and a gzip-wrapped copy cut about as far in (the layer is noise, so
    // the compressed bytes follow the tar's layout closely)
    let gz = gzip(&archive);
    let gz_short = &gz[..gz.len() * cut / archive.len()];
    let reads = [
        seek_read(short).unwrap(),
        stream_read(short).unwrap(),
        seek_read(gz_short).unwrap(),
    ];
    for d in reads {
        let r = &d.report;
        assert!(
            r.problems.iter().any(|p| p.code == "truncated"),
            "{:?}",
            r.problems
        );
        assert_eq!(r.images.len(), 1);
        let img = &r.images[0];
        assert_eq!(img.tags, ["cut:1"]);
        assert_eq!(img.config_digest, Some(sha(&config)));
        assert_eq!(img.layers.len(), 2);
        assert_eq!(img.layers[0].verified, Some(true));
        assert_ne!(img.layers[1].verified, Some(true));
    }
}

#[test]
fn random_bytes_are_not_an_image() {
    let bytes = noise(1000, 0x9e37_79b9_7f4a_7c15);
    assert_ne!(&bytes[..2], &[0x1f, 0x8b]);
    for found in [
        not_an_image(seek_read(&bytes)),
        not_an_image(stream_read(&bytes)),
    ] {
        assert!(found.contains("unrecognised binary data"), "{found}");
        assert!(found.contains("1000 bytes"), "{found}");
        assert!(found.contains("not a tar archive"), "{found}");
    }
}

#[test]
fn empty_file_is_not_an_image() {
    assert_eq!(not_an_image(seek_read(b"")), "an empty file");
    assert_eq!(not_an_image(stream_read(b"")), "an empty file");
    let e = seek_read(b"").unwrap_err();
    assert_eq!(e.to_string(), "not an image archive: found an empty file");
}

#[test]
fn gzip_of_text_is_not_an_image() {
    let text = b"this is a plain text file, compressed, and not an archive at all\n".repeat(3);
    let gz = gzip(&text);
    for found in [not_an_image(seek_read(&gz)), not_an_image(stream_read(&gz))] {
        assert!(found.starts_with("a gzip stream holding text"), "{found}");
        assert!(found.contains("not a tar archive"), "{found}");
    }
}

#[test]
fn plain_tar_without_manifest_is_not_an_image() {
    let tar = Tar::new()
        .file("hello.txt", b"hi")
        .dir("docs/")
        .file("docs/readme", b"read me")
        .finish();
    for found in [
        not_an_image(seek_read(&tar)),
        not_an_image(stream_read(&tar)),
    ] {
        assert!(found.contains("3 members"), "{found}");
        assert!(found.contains("hello.txt"), "{found}");
        assert!(found.contains("docs"), "{found}");
        assert!(
            found.contains("no manifest.json, index.json or repositories"),
            "{found}"
        );
    }
}

#[test]
fn corrupt_gzip_layer_is_a_problem_not_a_panic() {
    let tar = sample_layer();
    let good = gzip(&tar);
    let mut bad = good.clone();
    for b in &mut bad[good.len() / 3..good.len() / 3 + 40] {
        *b ^= 0x5a;
    }
    let (facts, _) = analyze(&bad, &Expect::default());
    assert_eq!(facts.compression, Some(Compression::Gzip));
    assert_eq!(facts.digest, Some(sha(&bad)));
    assert!(
        facts
            .problems
            .iter()
            .any(|p| p.code == "bad_compression" || p.code == "bad_tar"),
        "{:?}",
        facts.problems
    );
    let archive = oci_single(&[(LAYER_GZ, &bad)], &[sha(&tar)]);
    for d in read_both(&archive) {
        let l = &d.report.images[0].layers[0];
        assert!(
            l.problems
                .iter()
                .any(|p| p.code == "bad_compression" || p.code == "bad_tar"),
            "{:?}",
            l.problems
        );
        assert_eq!(l.digest_check, Check::Verified { digest: sha(&bad) });
        assert_ne!(d.report.images[0].verified, Some(true));
    }
}

#[test]
fn zstd_layer_with_a_bad_checksum_is_bad_compression() {
    let tar = sample_layer();
    let mut blob = zstd(&tar);
    let last = blob.len() - 1;
    blob[last] ^= 0xff; // the frame's content checksum ends the frame
    let (facts, entries) = analyze(&blob, &Expect::default());
    assert_eq!(facts.compression, Some(Compression::Zstd));
    assert_eq!(entries.len(), 7);
    let codes: Vec<_> = facts.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, ["bad_compression"], "{:?}", facts.problems);
}

#[test]
fn truncated_gzip_layer_is_bad_compression() {
    let tar = sample_layer();
    let gz = gzip(&tar);
    let short = &gz[..gz.len() / 2];
    let (facts, _) = analyze(short, &Expect::default());
    assert_eq!(facts.compression, Some(Compression::Gzip));
    assert_eq!(facts.digest, Some(sha(short)));
    assert!(
        facts.problems.iter().any(|p| p.code == "bad_compression"),
        "{:?}",
        facts.problems
    );
}

#[test]
fn layer_blob_not_matching_its_descriptor_is_unverified() {
    let tar = Tar::new().file("f", b"expected").finish();
    let other = Tar::new().file("f", b"tampered").finish();
    let (gz, other_gz) = (gzip(&tar), gzip(&other));
    let config = image_config("amd64", None, &[sha(&other)]);
    // the manifest names gz; the blob stored under that name is other_gz
    let mut named = desc(LAYER_GZ, &gz);
    named["size"] = json!(other_gz.len());
    let manifest = oci_manifest(&config, &[named]);
    let index = json!({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, &manifest)]});
    let archive = oci_layout(&index, &[&config, &manifest])
        .file(sha(&gz).blob_path(), &other_gz)
        .finish();
    for d in read_both(&archive) {
        let img = &d.report.images[0];
        let l = &img.layers[0];
        assert_eq!(
            l.digest_check,
            Check::Mismatch {
                expected: sha(&gz),
                actual: sha(&other_gz),
            }
        );
        assert_eq!(
            l.diff_id_check,
            Check::Verified {
                digest: sha(&other)
            }
        );
        assert_eq!(l.verified, Some(false));
        assert_eq!(img.verified, Some(false));
    }
}
