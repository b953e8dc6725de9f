//! What an attachment's blobs say, read and parsed only when asked (the
//! page's Attestations view, `layercake attestations`): in-toto statements
//! (plain, or in a DSSE envelope) with SLSA provenance v0.2 and v1, SBOMs
//! in SPDX 2.x JSON and CycloneDX JSON, and cosign signature payloads.
//!
//! Nothing here verifies a signature: that needs keys or a transparency
//! log, which the archive does not hold. Every blob is read within
//! [`MAX_ATTESTATION_BYTES`], and every list kept within
//! [`MAX_ATTESTATION_ITEMS`].

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::attachment::{AttachedBlob, Attachment, Kind};
use crate::contents::read_member;
use crate::detect::Compression;
use crate::digest::{Check, Digest};
use crate::limits::{limit, MAX_ATTESTATION_BYTES, MAX_ATTESTATION_ITEMS};
use crate::problem::{Fault, Location, Problem};

mod provenance;
mod sbom;

use provenance::provenance;
pub use provenance::{Material, Provenance, Source};
use sbom::{sbom, CdxComponent, SpdxPackage};
pub use sbom::{Package, Sbom};

/// What the page says of every signature and signed envelope.
pub const NOT_VERIFIED: &str = "signature not verified here";

/// What one attachment's blobs say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    /// What the attachment is.
    pub kind: Kind,
    /// Its manifest's digest.
    pub manifest_digest: Option<Digest>,
    /// What it refers to.
    pub subject: Option<Digest>,
    /// Each blob, in manifest order.
    pub blobs: Vec<BlobSays>,
}

/// What one blob says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlobSays {
    /// The blob's digest.
    pub digest: Option<Digest>,
    /// Its media type.
    pub media_type: Option<String>,
    /// The in-toto statement's predicate type (or the annotation's, when
    /// the blob could not be read).
    pub predicate_type: Option<String>,
    /// The statement's subjects: what it is about.
    pub subjects: Vec<Subject>,
    /// Set when the statement came in a signed envelope (DSSE), which is
    /// not verified here.
    pub signed: Option<String>,
    /// SLSA provenance, when that is the predicate.
    pub provenance: Option<Provenance>,
    /// An SBOM, when that is the predicate (or the blob).
    pub sbom: Option<Sbom>,
    /// A cosign signature's signed claims.
    pub signature: Option<Claims>,
    /// Why nothing more is said (a blob this reader does not parse).
    pub note: Option<String>,
    /// What went wrong reading or parsing it.
    pub problems: Vec<Problem>,
}

/// One subject of an in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Its name (`pkg:docker/…`).
    pub name: Option<String>,
    /// Its digests, as `alg:hex`.
    pub digests: Vec<String>,
}

/// What a cosign signature's payload claims (the signature itself is not
/// verified here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The image digest signed (`critical.image.docker-manifest-digest`).
    pub image_digest: Option<String>,
    /// The identity (`critical.identity.docker-reference`).
    pub identity: Option<String>,
    /// The payload's type (`critical.type`).
    pub payload_type: Option<String>,
    /// The optional claims whose values are strings.
    pub optional: Vec<(String, String)>,
    /// Always [`NOT_VERIFIED`].
    pub verified: String,
}

/// Reads and parses what `a`'s blobs say, from the archive `src` (whose
/// whole-archive compression is `compression`).
pub fn read<R: Read + Seek>(src: &mut R, compression: Compression, a: &Attachment) -> Said {
    Said {
        kind: a.kind,
        manifest_digest: a.manifest_digest.clone(),
        subject: a.subject.clone(),
        blobs: a
            .blobs
            .iter()
            .map(|b| read_blob(src, compression, b))
            .collect(),
    }
}

fn read_blob<R: Read + Seek>(src: &mut R, compression: Compression, b: &AttachedBlob) -> BlobSays {
    let mut says = BlobSays {
        digest: b.digest.clone(),
        media_type: b.media_type.clone(),
        predicate_type: b.predicate_type.clone(),
        ..BlobSays::default()
    };
    let at = || Location::entry(b.path.clone().unwrap_or_default()).digest(b.digest.as_ref());
    let (Some(offset), Some(size)) = (b.offset, b.member_size) else {
        says.note = Some("the blob is not in this archive".into());
        return says;
    };
    if size > MAX_ATTESTATION_BYTES {
        says.problems.push(Problem::new(
            limit!(
                MAX_ATTESTATION_BYTES,
                format!("the attestation blob of {size} bytes")
            ),
            at(),
        ));
        return says;
    }
    let bytes = match read_member(src, offset, size, compression, MAX_ATTESTATION_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            says.problems.push(Problem::new(
                Fault::Truncated {
                    detail: format!("cannot read the attestation blob: {e}"),
                },
                at(),
            ));
            return says;
        }
    };
    if let Check::Mismatch { expected, actual } =
        Check::compare(b.digest.as_ref(), Some(&Digest::sha256_of(&bytes)))
    {
        says.problems.push(Problem::new(
            Fault::DigestMismatch {
                what: "attestation blob".into(),
                expected,
                actual,
            },
            at(),
        ));
    }
    // typed, so that only the fields shown are kept: an SBOM of tens of
    // megabytes costs its packages' strings, not a tree of JSON values
    let body: Body = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            let json_type = b.media_type.as_deref().is_some_and(|t| t.ends_with("json"));
            if json_type || e.is_data() {
                says.problems.push(Problem::new(
                    Fault::BadJson {
                        what: "attestation blob".into(),
                        detail: e.to_string(),
                    },
                    at(),
                ));
            } else {
                says.note = Some(format!(
                    "{} bytes of {}, not a document this reader parses",
                    bytes.len(),
                    b.media_type.as_deref().unwrap_or("unknown type")
                ));
            }
            return says;
        }
    };
    parse(body, &mut says, &at);
    says
}

/// The fields of an attestation document this reader shows, whatever the
/// document is (a statement, an envelope, an SBOM, a signature payload, or
/// a statement's predicate); every other field is skipped unparsed.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Body {
    #[serde(rename = "payloadType")]
    payload_type: Option<String>,
    payload: Option<String>,
    #[serde(rename = "predicateType")]
    predicate_type: Option<String>,
    #[serde(rename = "_type")]
    statement_type: Option<String>,
    subject: Option<Value>,
    predicate: Option<Box<Body>>,
    // SPDX 2.x
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    packages: Option<Vec<SpdxPackage>>,
    // CycloneDX
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    components: Option<Vec<CdxComponent>>,
    // cosign's simple signing
    critical: Option<Value>,
    optional: Option<Value>,
    // SLSA provenance v0.2 and v1
    builder: Option<Value>,
    #[serde(rename = "buildType")]
    build_type: Option<Value>,
    materials: Option<Value>,
    invocation: Option<Value>,
    metadata: Option<Value>,
    #[serde(rename = "buildDefinition")]
    build_definition: Option<Value>,
    #[serde(rename = "runDetails")]
    run_details: Option<Value>,
}

/// Parses a blob's document into `says`.
fn parse(body: Body, says: &mut BlobSays, at: &dyn Fn() -> Location) {
    // a DSSE envelope: a base64 payload, signed
    if let (Some(ptype), Some(payload)) = (&body.payload_type, &body.payload) {
        says.signed = Some(NOT_VERIFIED.into());
        let inner = base64(payload).and_then(|b| serde_json::from_slice::<Body>(&b).ok());
        match inner {
            Some(v) if ptype.contains("in-toto") => return statement(v, says),
            Some(v) => return parse(v, says, at),
            None => {
                says.problems.push(Problem::new(
                    Fault::BadJson {
                        what: "DSSE envelope payload".into(),
                        detail: "not base64 of a JSON document".into(),
                    },
                    at(),
                ));
                return;
            }
        }
    }
    if body.predicate_type.is_some() || body.statement_type.is_some() {
        return statement(body, says);
    }
    if body.critical.is_some() {
        says.signature = Some(claims(
            body.critical.as_ref().unwrap_or(&Value::Null),
            body.optional.as_ref(),
        ));
        return;
    }
    if let Some(sbom) = sbom(body) {
        says.sbom = Some(sbom);
        return;
    }
    says.note = Some("a JSON document this reader does not parse".into());
}

/// An in-toto statement: predicate type, subjects, and the predicate.
fn statement(body: Body, says: &mut BlobSays) {
    if body.predicate_type.is_some() {
        says.predicate_type = body.predicate_type.clone();
    }
    says.subjects = list(body.subject.as_ref())
        .iter()
        .take(MAX_ATTESTATION_ITEMS)
        .map(|s| Subject {
            name: string(s, "name"),
            digests: digests(s.get("digest")),
        })
        .collect();
    let ptype = body.predicate_type.unwrap_or_default();
    let Some(predicate) = body.predicate else {
        return;
    };
    let predicate = *predicate;
    if ptype.starts_with("https://slsa.dev/provenance/") {
        let p = serde_json::json!({
            "builder": predicate.builder, "buildType": predicate.build_type,
            "materials": predicate.materials, "invocation": predicate.invocation,
            "metadata": predicate.metadata, "buildDefinition": predicate.build_definition,
            "runDetails": predicate.run_details,
        });
        says.provenance = Some(provenance(&ptype, &p));
    } else if predicate.critical.is_some() {
        says.signature = Some(claims(
            predicate.critical.as_ref().unwrap_or(&Value::Null),
            predicate.optional.as_ref(),
        ));
    } else if let Some(s) = sbom(predicate) {
        says.sbom = Some(s);
    }
}

fn claims(critical: &Value, optional: Option<&Value>) -> Claims {
    Claims {
        image_digest: critical
            .pointer("/image/docker-manifest-digest")
            .and_then(Value::as_str)
            .map(String::from),
        identity: critical
            .pointer("/identity/docker-reference")
            .and_then(Value::as_str)
            .map(String::from),
        payload_type: string(critical, "type"),
        optional: optional
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .take(MAX_ATTESTATION_ITEMS)
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        verified: NOT_VERIFIED.into(),
    }
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `{"sha256": "ab…"}` as `["sha256:ab…"]`.
fn digests(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(alg, hex)| hex.as_str().map(|h| format!("{alg}:{h}")))
                .collect()
        })
        .unwrap_or_default()
}

/// Standard or URL-safe base64, padding optional; `None` on any other
/// byte. The output is never larger than the input.
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.as_bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Every attachment of image `i` of `report` (its attestations, then its
/// referrers), as [`read`] says them.
pub fn read_image<R: Read + Seek>(
    src: &mut R,
    report: &crate::report::Report,
    i: usize,
) -> Result<Vec<Said>, String> {
    let img = report
        .images
        .get(i)
        .ok_or_else(|| format!("image {i} does not exist ({} images)", report.images.len()))?;
    let compression = report.archive.compression.unwrap_or(Compression::None);
    Ok(img
        .attestations
        .iter()
        .chain(&img.referrers)
        .map(|a| read(src, compression, a))
        .collect())
}

#[cfg(test)]
mod tests;
