//! Archives in today's shapes, built in code: a BuildKit OCI export with
//! provenance (and SBOM) attestations, a containerd-store `docker save`
//! with an absent platform, a cosign `.sig` signature.

#![allow(dead_code)]

use layercake::digest::Digest;
use serde_json::{json, Value};

use super::build::*;

pub const IN_TOTO: &str = "application/vnd.in-toto+json";
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
pub const SPDX: &str = "https://spdx.dev/Document";
pub const CYCLONEDX: &str = "https://cyclonedx.org/bom";
pub const BUILDER: &str = "https://github.com/example/pyapp/actions/runs/42";
pub const REPO: &str = "https://github.com/example/pyapp.git";

/// Which SBOM the attestation carries, if any.
#[derive(Clone, Copy, PartialEq)]
pub enum Sbom {
    None,
    Spdx,
    CycloneDx,
}

/// A BuildKit SLSA provenance statement about `subject`.
pub fn provenance(subject: &Digest, v1: bool) -> Vec<u8> {
    let predicate = if v1 {
        json!({
            "buildDefinition": {
                "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
                "externalParameters": {
                    "configSource": {"uri": format!("{REPO}#refs/heads/main"), "digest": {"sha1": "1234abcd"}, "path": "Dockerfile"},
                    "request": {"frontend": "dockerfile.v0", "args": {"build-arg:PYTHON": "3.12", "source": "pyapp"}}
                },
                "resolvedDependencies": [
                    {"uri": "pkg:docker/python@3.12-slim?platform=linux%2Famd64", "digest": {"sha256": "ab".repeat(32)}}
                ]
            },
            "runDetails": {"builder": {"id": BUILDER}, "metadata": {"invocationID": "x1"}}
        })
    } else {
        json!({
            "builder": {"id": BUILDER},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "materials": [
                {"uri": "pkg:docker/python@3.12-slim?platform=linux%2Famd64", "digest": {"sha256": "ab".repeat(32)}}
            ],
            "invocation": {
                "configSource": {"uri": format!("{REPO}#refs/heads/main"), "digest": {"sha1": "1234abcd"}, "entryPoint": "Dockerfile"},
                "parameters": {"frontend": "dockerfile.v0", "args": {"build-arg:PYTHON": "3.12"}},
                "environment": {"platform": "linux/amd64"}
            },
            "metadata": {"buildInvocationID": "x1"}
        })
    };
    to_json(&json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": if v1 { SLSA_V1 } else { SLSA_V02 },
        "subject": [{"name": "pkg:docker/example.com/pyapp@2.0?platform=linux%2Famd64",
                     "digest": {"sha256": subject.hex()}}],
        "predicate": predicate,
    }))
}

/// An SBOM statement about `subject`: flask and requests.
pub fn sbom(subject: &Digest, which: Sbom) -> Vec<u8> {
    let (ptype, predicate) = match which {
        Sbom::Spdx => (
            SPDX,
            json!({
                "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "sbom",
                "packages": [
                    {"name": "flask", "versionInfo": "3.0.0", "licenseConcluded": "BSD-3-Clause",
                     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/flask@3.0.0"}]},
                    {"name": "requests", "versionInfo": "2.31.0", "licenseDeclared": "Apache-2.0",
                     "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests@2.31.0"}]}
                ]
            }),
        ),
        _ => (
            CYCLONEDX,
            json!({
                "bomFormat": "CycloneDX", "specVersion": "1.5",
                "components": [
                    {"name": "flask", "version": "3.0.0", "purl": "pkg:pypi/flask@3.0.0", "licenses": [{"license": {"id": "BSD-3-Clause"}}]},
                    {"name": "requests", "version": "2.31.0", "purl": "pkg:pypi/requests@2.31.0", "licenses": [{"expression": "Apache-2.0"}]}
                ]
            }),
        ),
    };
    to_json(&json!({
        "_type": "https://in-toto.io/Statement/v0.1", "predicateType": ptype,
        "subject": [{"name": "pkg:docker/example.com/pyapp@2.0", "digest": {"sha256": subject.hex()}}],
        "predicate": predicate,
    }))
}

/// One platform's image: its layer, config and manifest.
pub struct Built {
    pub tar: Vec<u8>,
    pub config: Vec<u8>,
    pub manifest: Vec<u8>,
    /// The attestation manifest, its config and its in-toto blobs.
    pub att_manifest: Vec<u8>,
    pub att_config: Vec<u8>,
    pub statements: Vec<Vec<u8>>,
}

/// One platform's image and the attestation manifest BuildKit writes for it.
pub fn platform_image(arch: &str, which: Sbom, v1: bool) -> Built {
    let tar = Tar::new()
        .file(format!("{arch}.txt"), arch.as_bytes())
        .finish();
    let config = image_config(arch, None, &[sha(&tar)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &tar)]);
    let subject = sha(&manifest);
    let mut statements = vec![provenance(&subject, v1)];
    let mut layers = vec![in_toto_desc(
        &statements[0],
        if v1 { SLSA_V1 } else { SLSA_V02 },
    )];
    if which != Sbom::None {
        statements.push(sbom(&subject, which));
        let t = if which == Sbom::Spdx { SPDX } else { CYCLONEDX };
        layers.push(in_toto_desc(&statements[1], t));
    }
    // BuildKit gives the attestation manifest an image config of unknown/unknown
    let att_config = to_json(&json!({"architecture": "unknown", "os": "unknown",
        "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}));
    let att_manifest = oci_manifest(&att_config, &layers);
    Built {
        tar,
        config,
        manifest,
        att_manifest,
        att_config,
        statements,
    }
}

fn in_toto_desc(blob: &[u8], predicate_type: &str) -> Value {
    let mut d = desc(IN_TOTO, blob);
    d["annotations"] = json!({"in-toto.io/predicate-type": predicate_type});
    d
}

/// The index descriptors BuildKit writes for an image and its attestation.
pub fn descriptors(b: &Built, arch: &str) -> [Value; 2] {
    let mut img = desc(OCI_MANIFEST, &b.manifest);
    img["platform"] = json!({"os": "linux", "architecture": arch});
    let mut att = desc(OCI_MANIFEST, &b.att_manifest);
    att["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    att["annotations"] = json!({
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": sha(&b.manifest).to_string(),
    });
    [img, att]
}

pub struct BuildkitFixture {
    pub archive: Vec<u8>,
    pub images: Vec<Built>,
    pub index: Vec<u8>,
}

/// `docker buildx build --output type=oci` of `archs` with provenance (and
/// an SBOM): index.json -> an image index -> per platform the image and its
/// attestation manifest.
pub fn buildkit_oci(archs: &[&str], which: Sbom, v1: bool) -> BuildkitFixture {
    let images: Vec<Built> = archs.iter().map(|a| platform_image(a, which, v1)).collect();
    let list: Vec<Value> = images
        .iter()
        .zip(archs)
        .flat_map(|(b, a)| descriptors(b, a))
        .collect();
    let index = to_json(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list}));
    let mut top = desc(OCI_INDEX, &index);
    top["annotations"] = json!({
        "io.containerd.image.name": "example.com/pyapp:2.0",
        "org.opencontainers.image.ref.name": "2.0",
    });
    let root = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]});
    let mut blobs: Vec<&[u8]> = vec![&index];
    for b in &images {
        blobs.extend([
            &b.tar[..],
            &b.config,
            &b.manifest,
            &b.att_manifest,
            &b.att_config,
        ]);
        blobs.extend(b.statements.iter().map(Vec::as_slice));
    }
    let archive = oci_layout(&root, &blobs).finish();
    BuildkitFixture {
        archive,
        images,
        index,
    }
}

pub struct ContainerdFixture {
    pub archive: Vec<u8>,
    pub amd64: Built,
    pub arm64: Built,
}

/// Docker's containerd image store `docker save pyapp:1.0` of a
/// two-platform image of which only linux/amd64 was pulled: index.json
/// (containerd name, ref name `1.0`) -> the image index, whose arm64
/// manifest and attestation are absent; manifest.json names the blobs.
pub fn containerd_save() -> ContainerdFixture {
    let amd64 = platform_image("amd64", Sbom::Spdx, false);
    let arm64 = platform_image("arm64", Sbom::None, false);
    let mut list = Vec::new();
    list.extend(descriptors(&amd64, "amd64"));
    list.extend(descriptors(&arm64, "arm64"));
    let index = to_json(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list}));
    let mut top = desc(OCI_INDEX, &index);
    top["annotations"] = json!({
        "io.containerd.image.name": "docker.io/library/pyapp:1.0",
        "org.opencontainers.image.ref.name": "1.0",
    });
    let root = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [top]});
    let docker = json!([{
        "Config": sha(&amd64.config).blob_path(), "RepoTags": ["pyapp:1.0"],
        "Layers": [sha(&amd64.tar).blob_path()],
    }]);
    let mut blobs: Vec<&[u8]> = vec![&index];
    blobs.extend([
        &amd64.tar[..],
        &amd64.config,
        &amd64.manifest,
        &amd64.att_manifest,
        &amd64.att_config,
    ]);
    blobs.extend(amd64.statements.iter().map(Vec::as_slice));
    let archive = oci_layout(&root, &blobs)
        .file("manifest.json", &to_json(&docker))
        .finish();
    ContainerdFixture {
        archive,
        amd64,
        arm64,
    }
}

pub struct CosignFixture {
    pub archive: Vec<u8>,
    pub manifest: Vec<u8>,
    pub sig_manifest: Vec<u8>,
    pub payload: Vec<u8>,
}

/// An OCI layout holding an image and its cosign signature, tagged
/// `sha256-<hex>.sig` as `cosign save` writes it.
pub fn cosign_signed() -> CosignFixture {
    let tar = Tar::new().file("app", b"app").finish();
    let config = image_config("amd64", None, &[sha(&tar)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &tar)]);
    let payload = to_json(&json!({
        "critical": {
            "identity": {"docker-reference": "example.com/app"},
            "image": {"docker-manifest-digest": sha(&manifest).to_string()},
            "type": "cosign container image signature"
        },
        "optional": {"creator": "ci@example.com"}
    }));
    let mut layer = desc("application/vnd.dev.cosign.simplesigning.v1+json", &payload);
    layer["annotations"] = json!({"dev.cosignproject.cosign/signature": "MEUCIQ=="});
    let sig_config = to_json(&json!({"architecture": "", "os": "", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [sha(&payload).to_string()]}}));
    let sig_manifest = oci_manifest(&sig_config, &[layer]);
    let mut img = desc(OCI_MANIFEST, &manifest);
    img["annotations"] = json!({"org.opencontainers.image.ref.name": "example.com/app:1.0"});
    let mut sig = desc(OCI_MANIFEST, &sig_manifest);
    sig["annotations"] = json!({"org.opencontainers.image.ref.name":
        format!("example.com/app:sha256-{}.sig", sha(&manifest).hex())});
    let root = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [img, sig]});
    let archive = oci_layout(
        &root,
        &[
            &tar,
            &config,
            &manifest,
            &sig_manifest,
            &sig_config,
            &payload,
        ],
    )
    .finish();
    CosignFixture {
        archive,
        manifest,
        sig_manifest,
        payload,
    }
}
