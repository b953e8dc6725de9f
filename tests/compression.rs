//! Layer compression (gzip members, zstd frames) and whole-archive gzip
//! and zstd, built in code.

mod common;

use layercake::digest::{Check, Digest};
use layercake::{Compression, Dissection, Expect};
use serde_json::json;

use common::build::*;
use common::read::*;

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
        // an artifact that refers to nothing is listed apart from images
        assert!(d.report.images.is_empty());
        let art = &d.report.artifacts[0];
        assert_eq!(art.kind, layercake::attachment::Kind::Artifact);
        assert_eq!(
            art.artifact_type.as_deref(),
            Some("application/vnd.example.log")
        );
        assert_eq!(art.blobs[0].check.verified(), Some(true));
        assert_eq!(art.blobs[0].size, Some(big.len() as u64));
        assert_eq!(art.blobs[0].member_size, Some(big.len() as u64));
        let codes = codes(&d);
        assert!(
            !codes.iter().any(|c| c == "not_a_tar"),
            "compression {:?}: {codes:?}",
            d.report.archive.compression
        );
    }
}
