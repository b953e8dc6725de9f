//! OCI image layouts built in code: nested indexes, absent manifests,
//! artifacts and index loops, read both ways.

mod common;

use layercake::{Compression, Format, Severity};
use serde_json::json;

use common::build::*;
use common::read::*;

// ------------------------------------------------------------- OCI layout

#[test]
fn oci_nested_index_gives_one_image_per_platform() {
    let f = oci_multi_platform();
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["oci"]);
        // the SBOM referrer is attached to the amd64 image, not listed
        assert_eq!(r.images.len(), 2);
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
fn oci_referrer_is_attached_to_its_subject_and_its_blob_is_not_a_tar_problem() {
    let f = oci_multi_platform();
    for d in read_both(&f.archive) {
        assert!(d.report.artifacts.is_empty());
        assert!(d.report.images[1].referrers.is_empty());
        let art = &d.report.images[0].referrers[0];
        assert_eq!(art.kind, layercake::attachment::Kind::Referrer);
        assert_eq!(
            art.artifact_type.as_deref(),
            Some("application/vnd.example.sbom.v1+json")
        );
        assert_eq!(art.manifest_digest, Some(sha(&f.manifests[2])));
        assert_eq!(art.subject, Some(sha(&f.manifests[0])));
        assert_eq!(art.attached_to.as_deref(), Some("manifest"));
        assert_eq!(art.manifest_check.verified(), Some(true));
        assert_eq!(art.blobs.len(), 1);
        assert_eq!(art.blobs[0].check.verified(), Some(true));
        assert_eq!(
            art.blobs[0].media_type.as_deref(),
            Some("application/spdx+json")
        );
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
