//! Bad input: not an image, truncated, corrupt layers, blobs that do not
//! match their descriptors. Problems, never panics.

mod common;

use layercake::digest::Check;
use layercake::{Compression, Expect};
use serde_json::json;

use common::build::*;
use common::read::*;

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
