//! The CLI on archives in today's shapes: `inspect` lists attestations
//! under their image and absent platforms apart, `--platform` says a
//! platform is not in the archive, and `attestations` says what they hold.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::attest::*;

fn layercake(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_layercake"))
        .args(args)
        .output()
        .expect("run layercake");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(name: &str, bytes: &[u8]) -> String {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("layercake-cli-att-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    file.to_string_lossy().into_owned()
}

#[test]
fn inspect_shows_one_image_its_attestation_and_the_absent_platform() {
    let f = containerd_save();
    let file = write("containerd.tar", &f.archive);
    let (code, out, _) = layercake(&["inspect", &file]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("image 0: docker.io/library/pyapp:1.0  [✓ verified]"),
        "{out}"
    );
    assert!(!out.contains("image 1"), "{out}");
    assert!(!out.contains("unknown/unknown"), "{out}");
    assert!(
        out.contains(&format!(
            "attestation: {}",
            common::build::sha(&f.amd64.att_manifest).labelled_short()
        )),
        "{out}"
    );
    assert!(
        out.contains("SLSA provenance v0.2 (https://slsa.dev/provenance/v0.2), SPDX SBOM (https://spdx.dev/Document)"),
        "{out}"
    );
    assert!(out.contains("platforms not in this archive"), "{out}");
    assert!(
        out.contains("  linux/arm64 of docker.io/library/pyapp:1.0"),
        "{out}"
    );

    let (code, json, _) = layercake(&["inspect", "--json", &file]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["images"].as_array().unwrap().len(), 1);
    assert_eq!(v["images"][0]["attestations"][0]["kind"], "attestation");

    let (code, _, err) = layercake(&["ls", "--platform", "linux/arm64", &file]);
    assert_eq!(code, Some(2));
    assert!(err.contains("linux/arm64 is not in this archive"), "{err}");
}

#[test]
fn attestations_says_provenance_sbom_and_signature() {
    let f = buildkit_oci(&["amd64", "arm64"], Sbom::Spdx, false);
    let file = write("buildkit.tar", &f.archive);
    let (code, out, err) = layercake(&["attestations", "--platform", "linux/arm64", &file]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("image 1: example.com/pyapp:2.0 (linux/arm64)"),
        "{out}"
    );
    assert!(out.contains(&format!("builder:    {BUILDER}")), "{out}");
    assert!(out.contains(&format!("repository: {REPO}")), "{out}");
    assert!(out.contains("build file: Dockerfile"), "{out}");
    assert!(out.contains("arg:        build-arg:PYTHON=3.12"), "{out}");
    assert!(out.contains("sbom:       SPDX-2.3, 2 packages"), "{out}");
    assert!(
        out.contains("flask 3.0.0  pkg:pypi/flask@3.0.0  BSD-3-Clause"),
        "{out}"
    );

    let (_, out, _) = layercake(&["attestations", "--search", "REQ", "--json", &file]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pkgs = &v[0]["blobs"][1]["sbom"]["packages"];
    assert_eq!(pkgs.as_array().unwrap().len(), 1, "{pkgs}");
    assert_eq!(pkgs[0]["name"], "requests");
    assert_eq!(v[0]["blobs"][0]["provenance"]["builder_id"], BUILDER);

    let s = cosign_signed();
    let file = write("cosign.tar", &s.archive);
    let (code, out, _) = layercake(&["attestations", &file]);
    assert_eq!(code, Some(0));
    assert!(out.contains("signature sha256:"), "{out}");
    assert!(out.contains("identity:   example.com/app"), "{out}");
    assert!(out.contains("signature not verified here"), "{out}");
}
