//! Archives as today's tools write them: BuildKit attestations, SBOMs,
//! cosign signatures, OCI 1.1 referrers and containerd names, built in
//! code and read both ways.

mod common;

use layercake::attachment::Kind;
use layercake::Severity;
use serde_json::json;

use common::attest::*;
use common::build::*;
use common::read::*;

#[test]
fn buildkit_oci_export_with_provenance_is_one_image_per_platform() {
    for archs in [&["amd64"][..], &["amd64", "arm64"]] {
        let f = buildkit_oci(archs, Sbom::None, false);
        for d in read_both(&f.archive) {
            let r = &d.report;
            assert_eq!(r.images.len(), archs.len(), "{:?}", r.images);
            assert!(r.artifacts.is_empty());
            assert!(r.archive.absent_platforms.is_empty());
            for (img, (b, arch)) in r.images.iter().zip(f.images.iter().zip(archs)) {
                assert_eq!(img.platform.label(), format!("linux/{arch}"));
                assert_eq!(img.tags, ["example.com/pyapp:2.0"]);
                assert_eq!(img.manifest_digest, Some(sha(&b.manifest)));
                assert_eq!(img.verified, Some(true));
                assert_eq!(img.attestations.len(), 1);
                let a = &img.attestations[0];
                assert_eq!(a.kind, Kind::Attestation);
                assert_eq!(a.manifest_digest, Some(sha(&b.att_manifest)));
                assert_eq!(a.subject, Some(sha(&b.manifest)));
                assert_eq!(a.attached_to.as_deref(), Some("manifest"));
                assert_eq!(a.predicate_types, [SLSA_V02]);
                assert_eq!(a.blobs.len(), 1);
                assert_eq!(a.blobs[0].media_type.as_deref(), Some(IN_TOTO));
                assert_eq!(a.blobs[0].digest, Some(sha(&b.statements[0])));
                assert_eq!(a.blobs[0].check.verified(), Some(true));
            }
            // an attestation is no layer: nothing of it is read as a tar
            assert_eq!(d.blobs.len(), archs.len());
            assert_eq!(r.worst(), None, "{:?}", r.all_problems());
        }
    }
}

#[test]
fn sbom_attestations_name_their_predicate_types() {
    for (which, ptype) in [(Sbom::Spdx, SPDX), (Sbom::CycloneDx, CYCLONEDX)] {
        let f = buildkit_oci(&["amd64"], which, true);
        for d in read_both(&f.archive) {
            let a = &d.report.images[0].attestations[0];
            assert_eq!(a.predicate_types, [SLSA_V1, ptype]);
            assert_eq!(a.blobs[1].digest, Some(sha(&f.images[0].statements[1])));
        }
    }
}

#[test]
fn containerd_store_docker_save_has_one_image_its_full_name_and_an_absent_platform() {
    let f = containerd_save();
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["docker", "oci"]);
        assert_eq!(r.images.len(), 1, "{:?}", r.images);
        let img = &r.images[0];
        // containerd's name, and docker's short `pyapp:1.0` is the same one
        assert_eq!(img.tags, ["docker.io/library/pyapp:1.0"]);
        assert_eq!(img.platform.label(), "linux/amd64");
        assert_eq!(img.manifest_digest, Some(sha(&f.amd64.manifest)));
        assert_eq!(img.verified, Some(true));
        assert_eq!(img.attestations.len(), 1);
        assert_eq!(
            img.attestations[0].manifest_digest,
            Some(sha(&f.amd64.att_manifest))
        );
        assert_eq!(img.attestations[0].predicate_types, [SLSA_V02, SPDX]);
        // the arm64 platform was never pulled: listed, and still a note
        let absent = &r.archive.absent_platforms;
        assert_eq!(absent.len(), 1, "{absent:?}");
        assert_eq!(absent[0].platform.label(), "linux/arm64");
        assert_eq!(absent[0].manifest_digest, Some(sha(&f.arm64.manifest)));
        assert_eq!(
            absent[0].name.as_deref(),
            Some("docker.io/library/pyapp:1.0")
        );
        let absent_notes = r
            .all_problems()
            .iter()
            .filter(|p| p.code == "absent")
            .count();
        assert_eq!(absent_notes, 2, "the arm64 manifest and its attestation");
        assert_eq!(r.worst(), Some(Severity::Note));
        assert!(r.artifacts.is_empty());
    }
}

#[test]
fn cosign_signature_attaches_to_the_image_it_signs() {
    let f = cosign_signed();
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.images.len(), 1, "{:?}", r.images);
        let img = &r.images[0];
        assert_eq!(img.tags, ["example.com/app:1.0"]);
        assert_eq!(img.attestations.len(), 1);
        let s = &img.attestations[0];
        assert_eq!(s.kind, Kind::Signature);
        assert_eq!(s.subject, Some(sha(&f.manifest)));
        assert_eq!(s.manifest_digest, Some(sha(&f.sig_manifest)));
        assert_eq!(s.blobs[0].digest, Some(sha(&f.payload)));
        assert!(r.artifacts.is_empty());
        assert_eq!(r.worst(), None, "{:?}", r.all_problems());
    }
}

#[test]
fn referrer_of_an_absent_subject_is_listed_as_an_artifact() {
    let empty = b"{}";
    let blob = b"sbom";
    let absent = sha(b"not here");
    let referrer = to_json(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom",
        "config": desc("application/vnd.oci.empty.v1+json", empty),
        "layers": [desc("application/vnd.example.sbom", blob)],
        "subject": {"mediaType": OCI_MANIFEST, "digest": absent.to_string(), "size": 8},
    }));
    let index = json!({"schemaVersion": 2, "manifests": [desc(OCI_MANIFEST, &referrer)]});
    let archive = oci_layout(&index, &[&referrer, empty, blob]).finish();
    for d in read_both(&archive) {
        assert!(d.report.images.is_empty());
        let a = &d.report.artifacts[0];
        assert_eq!(a.kind, Kind::Referrer);
        assert_eq!(a.subject, Some(absent.clone()));
        assert_eq!(a.attached_to, None);
        assert_eq!(
            a.artifact_type.as_deref(),
            Some("application/vnd.example.sbom")
        );
        assert_eq!(a.blobs[0].check.verified(), Some(true));
    }
}

#[test]
fn inspect_json_shape_has_attestations_referrers_and_artifacts() {
    let f = containerd_save();
    let d = seek_read(&f.archive).unwrap();
    let v = serde_json::to_value(&d.report).unwrap();
    assert_eq!(v["images"].as_array().unwrap().len(), 1);
    let a = &v["images"][0]["attestations"][0];
    assert_eq!(a["kind"], "attestation");
    assert_eq!(a["subject"], sha(&f.amd64.manifest).to_string());
    assert_eq!(a["blobs"][0]["predicate_type"], SLSA_V02);
    assert_eq!(a["blobs"][0]["media_type"], IN_TOTO);
    assert_eq!(v["images"][0]["referrers"], json!([]));
    assert_eq!(v["artifacts"], json!([]));
    assert_eq!(
        v["archive"]["absent_platforms"][0]["platform"]["architecture"],
        "arm64"
    );
}

// ------------------------------------------------- what the documents say

fn said(archive: &[u8], d: &layercake::Dissection) -> Vec<layercake::attestation::Said> {
    layercake::attestation::read_image(&mut std::io::Cursor::new(archive), &d.report, 0).unwrap()
}

#[test]
fn provenance_says_builder_source_materials_and_args() {
    for v1 in [false, true] {
        let f = buildkit_oci(&["amd64", "arm64"], Sbom::None, v1);
        for d in read_both(&f.archive) {
            let s = said(&f.archive, &d);
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].subject, Some(sha(&f.images[0].manifest)));
            let b = &s[0].blobs[0];
            assert!(b.problems.is_empty(), "{:?}", b.problems);
            assert_eq!(
                b.predicate_type.as_deref(),
                Some(if v1 { SLSA_V1 } else { SLSA_V02 })
            );
            assert_eq!(
                b.subjects[0].digests,
                [sha(&f.images[0].manifest).to_string()]
            );
            let p = b.provenance.as_ref().unwrap();
            assert_eq!(p.slsa_version, if v1 { "v1" } else { "v0.2" });
            assert_eq!(p.builder_id.as_deref(), Some(BUILDER));
            assert!(p.build_type.as_deref().unwrap().contains("buildkit"));
            assert_eq!(p.source.repository.as_deref(), Some(REPO));
            assert_eq!(p.source.git_ref.as_deref(), Some("refs/heads/main"));
            assert_eq!(p.source.path.as_deref(), Some("Dockerfile"));
            assert_eq!(p.source.revision.as_deref(), Some("sha1:1234abcd"));
            assert_eq!(p.materials.len(), 1);
            assert!(p.materials[0]
                .uri
                .as_deref()
                .unwrap()
                .starts_with("pkg:docker/python@3.12"));
            assert!(
                p.args.contains(&("build-arg:PYTHON".into(), "3.12".into())),
                "{:?}",
                p.args
            );
            assert!(b.sbom.is_none() && b.signature.is_none());
        }
    }
}

#[test]
fn sboms_list_their_packages_in_spdx_and_cyclonedx() {
    for (which, format) in [(Sbom::Spdx, "SPDX-2.3"), (Sbom::CycloneDx, "CycloneDX 1.5")] {
        let f = buildkit_oci(&["amd64"], which, false);
        // also through a whole-archive gzip, read again from its start
        let gz = gzip(&f.archive);
        for (bytes, d) in [
            (&f.archive, seek_read(&f.archive).unwrap()),
            (&gz, seek_read(&gz).unwrap()),
        ] {
            let s = said(bytes, &d);
            let b = &s[0].blobs[1];
            assert_eq!(
                b.predicate_type.as_deref(),
                Some(if which == Sbom::Spdx { SPDX } else { CYCLONEDX })
            );
            let sbom = b.sbom.as_ref().unwrap();
            assert_eq!(sbom.format, format);
            assert_eq!(sbom.total, 2);
            let names: Vec<&str> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["flask", "requests"]);
            assert_eq!(sbom.packages[0].version.as_deref(), Some("3.0.0"));
            assert_eq!(
                sbom.packages[0].purl.as_deref(),
                Some("pkg:pypi/flask@3.0.0")
            );
            assert_eq!(sbom.packages[0].license.as_deref(), Some("BSD-3-Clause"));
            assert_eq!(sbom.packages[1].license.as_deref(), Some("Apache-2.0"));
        }
    }
}

#[test]
fn a_signature_says_its_claims_and_that_it_is_not_verified() {
    let f = cosign_signed();
    for d in read_both(&f.archive) {
        let s = said(&f.archive, &d);
        let c = s[0].blobs[0].signature.as_ref().unwrap();
        assert_eq!(c.image_digest, Some(sha(&f.manifest).to_string()));
        assert_eq!(c.identity.as_deref(), Some("example.com/app"));
        assert_eq!(c.verified, layercake::attestation::NOT_VERIFIED);
        assert_eq!(
            c.optional,
            [("creator".to_string(), "ci@example.com".to_string())]
        );
    }
}

#[test]
fn a_broken_statement_is_a_located_problem_not_a_panic() {
    let mut f = platform_image("amd64", Sbom::None, false);
    let bad = b"{\"predicateType\": ".to_vec();
    f.statements[0] = bad.clone();
    let mut att: serde_json::Value = serde_json::from_slice(&f.att_manifest).unwrap();
    att["layers"][0] = desc(IN_TOTO, &bad);
    f.att_manifest = to_json(&att);
    let list: Vec<_> = descriptors(&f, "amd64").into_iter().collect();
    let root = json!({"schemaVersion": 2, "manifests": list});
    let archive = oci_layout(
        &root,
        &[
            &f.tar,
            &f.config,
            &f.manifest,
            &f.att_manifest,
            &f.att_config,
            &bad,
        ],
    )
    .finish();
    let d = seek_read(&archive).unwrap();
    let s = said(&archive, &d);
    let b = &s[0].blobs[0];
    assert_eq!(b.problems.len(), 1, "{:?}", b.problems);
    assert_eq!(b.problems[0].code, "bad_json");
    assert_eq!(b.problems[0].location.digest, Some(sha(&bad)));
}

#[test]
fn referrers_of_an_index_are_placed_within_max_attached() {
    use layercake::limits::MAX_ATTACHED;
    // an index of 40 images, and 40 referrers of that index: 1,600 placements
    let n = 40;
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    let mut list = Vec::new();
    for i in 0..n {
        let tar = Tar::new().file(format!("{i}"), b"x").finish();
        let config = image_config(&format!("arch{i}"), None, &[sha(&tar)]);
        let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &tar)]);
        list.push(desc(OCI_MANIFEST, &manifest));
        blobs.extend([tar, config, manifest]);
    }
    let index = to_json(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list}));
    let mut top = vec![desc(OCI_INDEX, &index)];
    let empty = b"{}".to_vec();
    for i in 0..n {
        let blob = format!("sbom {i}").into_bytes();
        let referrer = to_json(&json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example.sbom",
            "config": desc("application/vnd.oci.empty.v1+json", &empty),
            "layers": [desc("application/vnd.example.sbom", &blob)],
            "subject": desc(OCI_INDEX, &index),
        }));
        top.push(desc(OCI_MANIFEST, &referrer));
        blobs.extend([blob, referrer]);
    }
    blobs.extend([index, empty]);
    let root = json!({"schemaVersion": 2, "manifests": top});
    let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    let archive = oci_layout(&root, &refs).finish();
    let d = seek_read(&archive).unwrap();
    let r = &d.report;
    assert_eq!(r.images.len(), n);
    let placed: usize = r.images.iter().map(|i| i.referrers.len()).sum();
    assert_eq!(placed, MAX_ATTACHED / n * n);
    assert_eq!(r.artifacts.len(), n - MAX_ATTACHED / n);
    let limits: Vec<_> = r.problems.iter().filter(|p| p.code == "limit").collect();
    assert_eq!(limits.len(), r.artifacts.len());
    assert!(
        limits[0].message.contains("MAX_ATTACHED"),
        "{}",
        limits[0].message
    );
    // one referrer under many images is one attachment, shared
    assert!(std::sync::Arc::ptr_eq(
        &r.images[0].referrers[0],
        &r.images[1].referrers[0]
    ));
}

#[test]
fn an_attestation_blob_past_max_attestation_bytes_is_a_limit_not_a_read() {
    use layercake::limits::MAX_ATTESTATION_BYTES;
    let mut f = platform_image("amd64", Sbom::None, false);
    let big = vec![b' '; MAX_ATTESTATION_BYTES as usize + 1];
    f.statements[0] = big.clone();
    let mut att: serde_json::Value = serde_json::from_slice(&f.att_manifest).unwrap();
    att["layers"][0] = desc(IN_TOTO, &big);
    f.att_manifest = to_json(&att);
    let root = json!({"schemaVersion": 2, "manifests": descriptors(&f, "amd64")});
    let archive = oci_layout(
        &root,
        &[
            &f.tar,
            &f.config,
            &f.manifest,
            &f.att_manifest,
            &f.att_config,
            &big,
        ],
    )
    .finish();
    let d = seek_read(&archive).unwrap();
    // the walk only hashes it
    assert_eq!(
        d.report.images[0].attestations[0].blobs[0].check.verified(),
        Some(true)
    );
    let s = said(&archive, &d);
    let p = &s[0].blobs[0].problems;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].code, "limit");
    assert!(
        p[0].message.contains("MAX_ATTESTATION_BYTES"),
        "{}",
        p[0].message
    );
}

#[test]
fn cut_or_mangled_statements_never_panic() {
    let base = platform_image("amd64", Sbom::CycloneDx, true);
    let whole = base.statements[1].clone();
    let mut mangled: Vec<Vec<u8>> = (0..whole.len())
        .step_by(13)
        .map(|n| whole[..n].to_vec())
        .collect();
    // wrong types where strings are expected, nulls, an envelope of junk
    mangled.push(br#"{"predicateType": 5, "subject": "x", "predicate": []}"#.to_vec());
    mangled.push(br#"{"bomFormat": "CycloneDX", "components": [{"name": {"a": 1}}]}"#.to_vec());
    mangled.push(br#"{"spdxVersion": "SPDX-2.3", "packages": [null, 3]}"#.to_vec());
    mangled.push(br#"{"payloadType": "application/vnd.in-toto+json", "payload": "!!!"}"#.to_vec());
    mangled.push(br#"{"payloadType": "x", "payload": "bnVsbA=="}"#.to_vec());
    for blob in mangled {
        let mut f = platform_image("amd64", Sbom::None, false);
        let mut att: serde_json::Value = serde_json::from_slice(&f.att_manifest).unwrap();
        att["layers"][0] = desc(IN_TOTO, &blob);
        f.att_manifest = to_json(&att);
        let root = json!({"schemaVersion": 2, "manifests": descriptors(&f, "amd64")});
        let archive = oci_layout(
            &root,
            &[
                &f.tar,
                &f.config,
                &f.manifest,
                &f.att_manifest,
                &f.att_config,
                &blob,
            ],
        )
        .finish();
        let d = seek_read(&archive).unwrap();
        let s = said(&archive, &d);
        let b = &s[0].blobs[0];
        // either something is said, or why not
        assert!(
            !b.problems.is_empty()
                || b.note.is_some()
                || b.sbom.is_some()
                || b.predicate_type.is_some(),
            "{}: {b:?}",
            String::from_utf8_lossy(&blob)
        );
    }
}
