//! The report: every fact a dissection yields, in the stable shape that
//! `layercake inspect --json` prints and the page exports.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::attachment::Attachment;
use crate::config::{Config, HistoryStep};
use crate::detect::Compression;
use crate::digest::{verdict, Check, Digest};
use crate::problem::{Problem, Severity};
use crate::report_file::Recorded;

mod layer;

pub use layer::Layer;

/// "1.5 MB": decimal units, as docker and registries show sizes.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// An efficiency as a percentage that never rounds a loss away:
/// "100%" only when nothing is wasted, "> 99.9%" just below.
pub fn percent(efficiency: f64) -> String {
    if efficiency >= 1.0 {
        "100%".into()
    } else if efficiency > 0.999 {
        "> 99.9%".into()
    } else {
        format!("{:.1}%", efficiency * 100.0)
    }
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The outer archive.
    pub archive: ArchiveInfo,
    /// The images found, docker and OCI twins merged (attestations,
    /// signatures and referrers are attached to them, not listed here).
    pub images: Vec<Image>,
    /// Manifests that are not images and attach to no image of the
    /// archive: artifacts that refer to nothing, and attachments whose
    /// subject is absent.
    #[serde(default)]
    pub artifacts: Vec<Arc<Attachment>>,
    /// Problems that belong to the archive as a whole (images and layers
    /// carry their own).
    pub problems: Vec<Problem>,
    /// Set only when this report was read from a report file: when and by
    /// what its facts (and checks) were found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
}

/// Facts about the outer archive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArchiveInfo {
    /// Bytes of the file as given, when known.
    pub size: Option<u64>,
    /// Compression of the whole archive.
    pub compression: Option<Compression>,
    /// Layouts found: "docker" (manifest.json), "oci" (index.json),
    /// "legacy" (repositories and v1 layer json only).
    pub formats: Vec<String>,
    /// Members of the outer tar.
    pub members: usize,
    /// Whether the source was read with seeks (headers first) or in one pass.
    pub seekable: bool,
    /// The raw JSON documents that name the images.
    pub documents: Vec<Document>,
    /// Platforms an index names whose manifest is not in the archive (a
    /// platform that was never pulled).
    #[serde(default)]
    pub absent_platforms: Vec<AbsentPlatform>,
}

/// A platform an index lists whose manifest is absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AbsentPlatform {
    /// The platform the index gives.
    pub platform: Platform,
    /// The absent manifest's digest.
    pub manifest_digest: Option<Digest>,
    /// The name the index gives it.
    pub name: Option<String>,
    /// Digests of the indexes that list it, outermost first.
    pub parents: Vec<Digest>,
}

/// A JSON document of the archive: manifest.json, index.json, repositories,
/// a nested index or manifest list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Member path in the outer archive.
    pub path: String,
    /// The digest a nested index is named by (`None` for the root
    /// documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// The document's own `mediaType`, if it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The parsed document.
    pub json: Value,
}

/// Which layout named an image (the `source` of an image in the JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// An entry of docker's manifest.json.
    Docker,
    /// A manifest reached from index.json.
    Oci,
    /// A `repositories` tag and its chain of v1 layer json files.
    Legacy,
}

/// The platform an image runs on, as its config or the index that lists
/// it says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// "linux", "windows".
    pub os: Option<String>,
    /// "amd64", "arm64".
    pub architecture: Option<String>,
    /// "v8" for arm64/v8.
    pub variant: Option<String>,
}

impl Platform {
    /// "os/arch[/variant]", with "?" for unknown parts.
    pub fn label(&self) -> String {
        let mut s = format!(
            "{}/{}",
            self.os.as_deref().unwrap_or("?"),
            self.architecture.as_deref().unwrap_or("?")
        );
        if let Some(v) = &self.variant {
            s.push('/');
            s.push_str(v);
        }
        s
    }
}

/// One image (or artifact) of the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// The layout that named the image.
    pub source: Format,
    /// Repository tags (docker) or reference names (OCI).
    pub tags: Vec<String>,
    /// The platform, from the config or the listing index.
    pub platform: Platform,
    /// The OCI manifest's digest (a manifest.json entry has none).
    pub manifest_digest: Option<Digest>,
    /// The media type the manifest's descriptor gives.
    pub manifest_media_type: Option<String>,
    /// The raw manifest JSON (OCI/docker distribution manifest, or the
    /// manifest.json entry for docker archives).
    pub manifest: Option<Value>,
    /// Digests of the indexes that lead to this manifest, outermost first.
    pub parents: Vec<Digest>,
    /// The image ID for docker archives.
    pub config_digest: Option<Digest>,
    /// The media type the config's descriptor gives.
    pub config_media_type: Option<String>,
    /// The raw config JSON (shared by the images that name one config).
    pub config: Option<Arc<Value>>,
    /// Set for artifacts (an artifactType, or a config that is not an image config).
    pub artifact_type: Option<String>,
    /// The manifest this one refers to (a referrer's `subject`).
    pub subject: Option<Digest>,
    /// The typed config.
    pub summary: Arc<Config>,
    /// The config's history, mapped onto layers where it lines up (shared
    /// like the config).
    pub history: Arc<Vec<HistoryStep>>,
    /// The layers, base first.
    pub layers: Vec<Layer>,
    /// The manifest checked against the digest that names it.
    pub manifest_check: Check,
    /// The config checked against the digest that names it.
    pub config_check: Check,
    /// Every check of this image and its layers: true, false (a mismatch) or null.
    pub verified: Option<bool>,
    /// Filesystem totals, once the layers are merged.
    pub files: Option<FileStats>,
    /// Attestations (in-toto statements: provenance, SBOMs) and
    /// signatures about this image.
    #[serde(default)]
    pub attestations: Vec<Arc<Attachment>>,
    /// OCI 1.1 referrers and other artifacts whose subject is this image.
    #[serde(default)]
    pub referrers: Vec<Arc<Attachment>>,
    /// Problems of the image itself (its layers carry their own).
    pub problems: Vec<Problem>,
}

impl Image {
    /// An image named by `source`, with nothing known yet.
    pub fn new(source: Format) -> Image {
        let unchecked = || Check::NotChecked {
            reason: "nothing to compare against".into(),
        };
        Image {
            source,
            tags: Vec::new(),
            platform: Platform::default(),
            manifest_digest: None,
            manifest_media_type: None,
            manifest: None,
            parents: Vec::new(),
            config_digest: None,
            config_media_type: None,
            config: None,
            artifact_type: None,
            subject: None,
            summary: Arc::default(),
            history: Arc::default(),
            layers: Vec::new(),
            manifest_check: unchecked(),
            config_check: unchecked(),
            verified: None,
            files: None,
            attestations: Vec::new(),
            referrers: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// A short name: the first tag, else the config or manifest digest.
    pub fn name(&self) -> String {
        if let Some(t) = self.tags.first() {
            return t.clone();
        }
        match (&self.config_digest, &self.manifest_digest) {
            (Some(d), _) | (None, Some(d)) => d.labelled_short(),
            _ => "(unnamed)".into(),
        }
    }

    /// Whether the image runs on `want`, given as `os/arch[/variant]`:
    /// `linux/arm64` matches linux/arm64 and linux/arm64/v8.
    pub fn runs_on(&self, want: &str) -> bool {
        let label = self.platform.label();
        label == want || label.starts_with(&format!("{want}/"))
    }

    /// Whether this is an artifact rather than a runnable image.
    pub fn is_artifact(&self) -> bool {
        self.artifact_type.is_some()
    }

    /// Folds the image's and its layers' checks into `verified`.
    pub fn fold_checks(&mut self) {
        let mut checks: Vec<&Check> = vec![&self.manifest_check, &self.config_check];
        for l in &self.layers {
            checks.push(&l.digest_check);
            checks.push(&l.diff_id_check);
        }
        self.verified = verdict(checks);
        // an image is verified only when every layer was read and checked
        let unread = self
            .layers
            .iter()
            .any(|l| !l.read || l.verified != Some(true));
        if self.verified == Some(true) && unread {
            self.verified = None;
        }
    }

    /// Total bytes of the layer blobs and of their uncompressed streams.
    pub fn sizes(&self) -> (u64, u64) {
        self.layers.iter().fold((0, 0), |(a, b), l| {
            (
                a + l.size.unwrap_or(0),
                b + l.uncompressed_size.or(l.size).unwrap_or(0),
            )
        })
    }

    /// The worst problem of the image and its layers.
    pub fn worst(&self) -> Option<Severity> {
        self.problems
            .iter()
            .chain(self.layers.iter().flat_map(|l| &l.problems))
            .map(|p| p.severity)
            .max()
    }
}

/// Totals of an image's merged filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileStats {
    /// Paths in the merged filesystem (directories included).
    pub paths: u64,
    /// Bytes of regular files in the merged filesystem (hardlinked content once).
    pub bytes: u64,
    /// Bytes written by all layers, of which `wasted_bytes` are hidden by
    /// later layers (overwritten or removed).
    pub layer_bytes: u64,
    /// See `layer_bytes`.
    pub wasted_bytes: u64,
    /// bytes / layer_bytes: 1.0 when no layer wastes anything.
    pub efficiency: f64,
}

impl Report {
    /// The worst problem anywhere in the report.
    pub fn worst(&self) -> Option<Severity> {
        self.problems
            .iter()
            .map(|p| p.severity)
            .chain(self.images.iter().filter_map(Image::worst))
            .max()
    }

    /// All problems: the archive's, then each image's and layer's, with
    /// image and layer indices filled in.
    pub fn all_problems(&self) -> Vec<Problem> {
        let mut out = self.problems.clone();
        for (i, img) in self.images.iter().enumerate() {
            for p in &img.problems {
                let mut p = p.clone();
                p.location.image = Some(i);
                out.push(p);
            }
            for (j, l) in img.layers.iter().enumerate() {
                for p in &l.problems {
                    let mut p = p.clone();
                    p.location.image = Some(i);
                    p.location.layer = Some(j);
                    out.push(p);
                }
            }
        }
        out
    }
}
