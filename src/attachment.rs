//! What is not an image: attestation manifests (BuildKit's, cosign's),
//! signatures, OCI 1.1 referrers and other artifacts. Each is recognised
//! from its index descriptor and its manifest, kept at descriptor level
//! (no blob of it is parsed here), and attached to the image it refers to;
//! one whose subject is not in the archive, or that has none, is listed
//! among the report's `artifacts`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::{Check, Digest};
use crate::limits::{limit, MAX_ATTACHED};
use crate::oci::Descriptor;
use crate::problem::{Location, Problem};
use crate::report::{Image, Platform};

/// BuildKit's annotation on an attestation manifest's index descriptor.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// BuildKit's annotation naming the manifest an attestation is about.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// The annotation on an in-toto layer that names its predicate type.
pub const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// Cosign's annotation on a `.att` layer that names its predicate type.
pub const COSIGN_PREDICATE_TYPE: &str = "predicateType";
/// The media type of an in-toto statement (BuildKit's attestation layers).
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// The media type of a DSSE envelope (cosign's `.att` layers).
pub const DSSE: &str = "application/vnd.dsse.envelope.v1+json";
/// The media type of cosign's simple-signing payload (`.sig` layers).
pub const COSIGN_SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";

/// What an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// In-toto statements about an image: BuildKit's attestation manifest
    /// (provenance, SBOM) or cosign's `.att`.
    Attestation,
    /// A cosign signature (`.sig`): a signed payload naming the image.
    Signature,
    /// An OCI 1.1 referrer: a manifest with a `subject` (and usually an
    /// `artifactType`) that is neither of the above.
    Referrer,
    /// A manifest that is not a runnable image and refers to nothing.
    Artifact,
}

impl Kind {
    /// "attestation", "signature", "referrer", "artifact".
    pub fn name(self) -> &'static str {
        match self {
            Kind::Attestation => "attestation",
            Kind::Signature => "signature",
            Kind::Referrer => "referrer",
            Kind::Artifact => "artifact",
        }
    }
}

/// One blob of an attachment (a layer of its manifest), as its descriptor
/// names it, with where it is in the archive to read it again on demand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedBlob {
    /// The descriptor's digest.
    pub digest: Option<Digest>,
    /// The descriptor's media type.
    pub media_type: Option<String>,
    /// Bytes, as the descriptor says.
    pub size: Option<u64>,
    /// The in-toto predicate type its annotations name, if any.
    pub predicate_type: Option<String>,
    /// The member holding it, when it is in the archive.
    pub path: Option<String>,
    /// Offset and size of that member in the (uncompressed) outer stream.
    pub offset: Option<u64>,
    /// See `offset`.
    pub member_size: Option<u64>,
    /// The member's sha256 against the descriptor's digest.
    pub check: Check,
}

/// A manifest that is not an image: what it is, what it refers to, and
/// its blobs at descriptor level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// What it is.
    pub kind: Kind,
    /// The manifest's digest.
    pub manifest_digest: Option<Digest>,
    /// The manifest's media type.
    pub manifest_media_type: Option<String>,
    /// The manifest checked against its digest.
    pub manifest_check: Check,
    /// The names index.json gives it (cosign's `sha256-<hex>.sig` tags).
    pub tags: Vec<String>,
    /// `artifactType`, or a config media type that is not an image's.
    pub artifact_type: Option<String>,
    /// The config's media type.
    pub config_media_type: Option<String>,
    /// The manifest it refers to: `subject`, BuildKit's reference digest,
    /// or the digest a cosign tag names.
    pub subject: Option<Digest>,
    /// Whether `subject` is the manifest of an image of this archive
    /// ("manifest"), an index that lists images of it ("index"), or not
    /// in the archive (null).
    pub attached_to: Option<String>,
    /// The platform the listing index gives (unknown/unknown for BuildKit's
    /// attestations).
    pub platform: Option<Platform>,
    /// The predicate types of its in-toto blobs, as annotations name them.
    pub predicate_types: Vec<String>,
    /// Its layers.
    pub blobs: Vec<AttachedBlob>,
    /// The raw manifest.
    pub manifest: Option<Arc<Value>>,
}

/// What a predicate type is, in a few words: "SLSA provenance v1".
pub fn predicate_name(predicate_type: &str) -> Option<&'static str> {
    Some(match predicate_type {
        "https://slsa.dev/provenance/v0.2" => "SLSA provenance v0.2",
        "https://slsa.dev/provenance/v1" => "SLSA provenance v1",
        "https://spdx.dev/Document" => "SPDX SBOM",
        "https://cyclonedx.org/bom" => "CycloneDX SBOM",
        "https://sigstore.dev/cosign/sign/v1" => "cosign signature",
        "https://in-toto.io/attestation/vulns"
        | "https://cosign.sigstore.dev/attestation/vuln/v1" => "vulnerability scan",
        _ => return None,
    })
}

/// Predicate types as a reader says them: "SLSA provenance v0.2
/// (`https://slsa.dev/provenance/v0.2`), SPDX SBOM (`https://spdx.dev/Document`)".
pub fn describe_predicates(types: &[String]) -> String {
    types
        .iter()
        .map(|t| match predicate_name(t) {
            Some(n) => format!("{n} ({t})"),
            None => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The digest a cosign tag names: `sha256-<hex>.sig` (or `.att`, `.sbom`).
fn cosign_tag(name: &str) -> Option<(Digest, &str)> {
    // a full reference ends with the tag after the last ':'
    let tag = name.rsplit_once(':').map_or(name, |(_, t)| t);
    let rest = tag.strip_prefix("sha256-")?;
    let (hex, suffix) = rest.split_once('.')?;
    if !matches!(suffix, "sig" | "att" | "sbom") {
        return None;
    }
    Some((Digest::from_sha256_hex(hex).ok()?, suffix))
}

/// Whether a manifest reached through `desc` (and named `name`) is an
/// attachment, and if so what it is and what it refers to. `is_image_config`
/// says whether its config is a runnable image's.
pub fn classify(
    desc: &Descriptor,
    manifest: &Value,
    name: Option<&str>,
    is_image_config: bool,
) -> Option<(Kind, Option<Digest>)> {
    let layer_types: Vec<&str> = manifest
        .get("layers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.get("mediaType").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let subject: Option<Digest> = manifest
        .get("subject")
        .and_then(|s| s.get("digest"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let reference: Option<Digest> = desc
        .annotations
        .get(REFERENCE_DIGEST)
        .and_then(|s| s.parse().ok());
    let unknown = desc.platform.as_ref().is_some_and(|p| {
        p.os.as_deref() == Some("unknown") && p.architecture.as_deref() == Some("unknown")
    });
    let cosign = name.and_then(cosign_tag);
    let is_cosign_type = |t: &&str| t.starts_with("application/vnd.dev.cosign.");
    // BuildKit's attestation manifest
    if desc.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some("attestation-manifest")
        || (unknown && reference.is_some())
        || layer_types.iter().any(|t| t.contains("in-toto"))
    {
        let about = reference
            .or(subject)
            .or_else(|| cosign.as_ref().map(|c| c.0.clone()));
        return Some((Kind::Attestation, about));
    }
    // cosign
    if let Some((digest, suffix)) = &cosign {
        let kind = match *suffix {
            "sig" => Kind::Signature,
            "att" => Kind::Attestation,
            _ => Kind::Referrer,
        };
        return Some((kind, subject.or(Some(digest.clone()))));
    }
    if layer_types.iter().any(is_cosign_type) {
        let kind = if layer_types.contains(&COSIGN_SIMPLE_SIGNING) {
            Kind::Signature
        } else {
            Kind::Attestation
        };
        return Some((kind, subject));
    }
    if layer_types.contains(&DSSE) {
        return Some((Kind::Attestation, subject));
    }
    // OCI 1.1 referrers, and artifacts that refer to nothing
    let artifact_type = manifest.get("artifactType").is_some() || desc.artifact_type.is_some();
    if subject.is_some() {
        return Some((Kind::Referrer, subject));
    }
    if artifact_type || !is_image_config {
        return Some((Kind::Artifact, None));
    }
    None
}

/// Attaches each attachment to the image whose manifest it refers to (or
/// to every image an index it refers to lists), shared, not copied, and
/// within [`MAX_ATTACHED`] placements; returns those that attach nowhere
/// (or past the limit), for the report's `artifacts`.
pub fn attach(
    images: &mut [Image],
    attachments: Vec<Attachment>,
    problems: &mut Vec<Problem>,
) -> Vec<Arc<Attachment>> {
    let mut loose = Vec::new();
    let mut placed = 0usize;
    for mut a in attachments {
        let Some(subject) = a.subject.clone() else {
            loose.push(Arc::new(a));
            continue;
        };
        let direct: Vec<usize> = images
            .iter()
            .enumerate()
            .filter(|(_, i)| i.manifest_digest.as_ref() == Some(&subject))
            .map(|(n, _)| n)
            .collect();
        let (targets, how) = if direct.is_empty() {
            let listed: Vec<usize> = images
                .iter()
                .enumerate()
                .filter(|(_, i)| i.parents.contains(&subject))
                .map(|(n, _)| n)
                .collect();
            (listed, "index")
        } else {
            (direct, "manifest")
        };
        if targets.is_empty() {
            loose.push(Arc::new(a));
            continue;
        }
        if placed + targets.len() > MAX_ATTACHED {
            problems.push(Problem::new(
                limit!(
                    MAX_ATTACHED,
                    format!("the attachments placed under images, at {subject}")
                ),
                Location::default().digest(a.manifest_digest.as_ref()),
            ));
            loose.push(Arc::new(a));
            continue;
        }
        placed += targets.len();
        a.attached_to = Some(how.to_string());
        let a = Arc::new(a);
        for t in targets {
            let img = &mut images[t];
            match a.kind {
                Kind::Attestation | Kind::Signature => img.attestations.push(a.clone()),
                Kind::Referrer | Kind::Artifact => img.referrers.push(a.clone()),
            }
        }
    }
    loose
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosign_tags_name_a_digest() {
        let hex = "a".repeat(64);
        let tag = format!("example.com/app:sha256-{hex}.sig");
        let (d, s) = cosign_tag(&tag).unwrap();
        assert_eq!(d.hex(), hex);
        assert_eq!(s, "sig");
        assert!(cosign_tag("sha256-abc.sig").is_none());
        assert!(cosign_tag("1.0").is_none());
        // regclient's referrers-tag index of images is not cosign's
        assert!(cosign_tag(&format!("sha256-{hex}.6fe828b32b9b4572.meta")).is_none());
    }
}
