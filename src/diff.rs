//! Two images compared: layers aligned on their shared base, config and
//! history changes, file changes in the merged filesystems (content by
//! per-file digest, see [`crate::Options::content_digests`]), directory
//! totals, package changes, and a one-line verdict.
//!
//! [`diff`] works on two finished [`Dissection`]s (the same one twice for
//! two images of one archive); it reads nothing again. Its [`Diff`] is the
//! stable JSON shape `layercake diff --json` prints.

use serde::{Deserialize, Serialize};

use crate::config::short_command;
use crate::digest::Digest;
use crate::dissect::Dissection;
use crate::packages::PackageList;
use crate::report::Image;
use crate::tree::Tree;

mod config;
mod files;
mod packages;

use config::{config_changes, history_changes, storage_changes};
pub use config::{FieldChange, History, HistoryRow};
use files::{directory_totals, file_changes};
pub use files::{DirTotal, FileChange, FileChangeKind, FileState};
pub use packages::{package_changes, PackageChange, PackageChangeKind};

/// The verdict of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing compared differs.
    Identical,
    /// Only timestamps, layering or storage differ (how the image is cut
    /// into layers or stored), never a file, a config value or a step.
    SameContent,
    /// Something an image runs with differs.
    Different,
}

/// One image, as compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// Which image of its archive (0-based, as `inspect` numbers them).
    pub image: usize,
    /// Its tags.
    pub tags: Vec<String>,
    /// `os/arch[/variant]`.
    pub platform: String,
    /// The config's digest.
    pub config_digest: Option<Digest>,
    /// Its layers.
    pub layers: usize,
}

/// One layer in the alignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    /// Its index in its image (in the shared base, the same on both sides).
    pub index: usize,
    /// The uncompressed layer's digest.
    pub diff_id: Option<Digest>,
    /// Bytes of the uncompressed layer (else of the blob).
    pub size: Option<u64>,
    /// The history step that made it, shortened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// The layers of both images, aligned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layers {
    /// The shared base: the same diff_ids in the same order, from the bottom.
    pub shared: Vec<LayerRow>,
    /// A's layers above the shared base.
    pub only_a: Vec<LayerRow>,
    /// B's layers above the shared base.
    pub only_b: Vec<LayerRow>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Layers above the shared base, A's and B's.
    pub layers_only_a: usize,
    /// B's layers above the shared base.
    pub layers_only_b: usize,
    /// Config fields that differ in content (not timestamps).
    pub config: usize,
    /// History steps one side lacks, both sides.
    pub history: usize,
    /// Paths added.
    pub added: usize,
    /// Paths removed.
    pub removed: usize,
    /// Paths modified in more than their mtime.
    pub modified: usize,
    /// Differences that are only timestamps or storage.
    pub metadata: usize,
    /// Packages added, removed or changed.
    pub packages: usize,
}

/// The comparison of two images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// The verdict.
    pub verdict: Verdict,
    /// One line: `identical`, `same content (…)`, or the counts.
    pub summary: String,
    /// Timestamps were ignored (`--semantic`).
    pub semantic: bool,
    /// Counts of each kind of change.
    pub counts: Counts,
    /// Image A.
    pub a: Side,
    /// Image B.
    pub b: Side,
    /// The layers aligned.
    pub layers: Layers,
    /// Config, platform and storage fields that differ.
    pub config: Vec<FieldChange>,
    /// History steps each side lacks.
    pub history: History,
    /// Paths that differ, sorted by path.
    pub files: Vec<FileChange>,
    /// Bytes added and removed per directory, the largest change first.
    pub directories: Vec<DirTotal>,
    /// Package changes, when both sides' packages were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<PackageChange>>,
    /// Regular files on both sides compared by size alone, since a side
    /// was read without content digests (0 from `layercake diff`).
    #[serde(default)]
    pub unhashed_files: usize,
}

/// Compares image `ia` of `a` with image `ib` of `b`. With `semantic`,
/// timestamps (config and history `created`, file mtimes) are not
/// compared. File contents are compared when both sides were read with
/// content digests; else files of equal size count as the same. An image
/// index that does not exist is an error.
pub fn diff(
    a: &Dissection,
    ia: usize,
    b: &Dissection,
    ib: usize,
    semantic: bool,
) -> Result<Diff, String> {
    let missing = |side: &str, d: &Dissection, i: usize| {
        format!(
            "{side} has no image {i}: it holds {}",
            d.report.images.len()
        )
    };
    let img_a = a.report.images.get(ia).ok_or_else(|| missing("A", a, ia))?;
    let img_b = b.report.images.get(ib).ok_or_else(|| missing("B", b, ib))?;
    let layers = align(img_a, img_b);
    let mut config = config_changes(img_a, img_b, semantic);
    config.extend(storage_changes(img_a, img_b, &layers));
    let (history, stamps) = history_changes(&img_a.history, &img_b.history, semantic);
    config.extend(stamps);
    let (ea, eb) = (a.layer_entries(ia), b.layer_entries(ib));
    let (ta, tb) = (Tree::merge(&ea), Tree::merge(&eb));
    let (files, unhashed_files) = file_changes(&ta, &ea, &tb, &eb, semantic);
    let directories = directory_totals(&files);
    let mut d = Diff {
        verdict: Verdict::Identical,
        summary: String::new(),
        semantic,
        counts: Counts::default(),
        a: side(ia, img_a),
        b: side(ib, img_b),
        layers,
        config,
        history,
        files,
        directories,
        packages: None,
        unhashed_files,
    };
    d.settle();
    Ok(d)
}

/// Fills `b`'s unread blobs from `a`'s read ones where they are the same
/// layer: the diff_id `b`'s config claims is the one `a` computed, the
/// blob has the same size, and `b`'s descriptor digest (when it names one)
/// is the digest `a` computed, and `a` read it without problems. Returns
/// the blobs filled, for the caller to read only the others
/// ([`Dissection::read_blobs_with`]). Those blobs of `b` are then trusted
/// to be what their config says, not hashed again: comparing an image
/// with its next version reads their shared base once.
pub fn reuse_shared_blobs(b: &mut Dissection, a: &Dissection) -> Vec<usize> {
    let mut filled = Vec::new();
    for blob in b.missing() {
        let Some(layer) = b
            .report
            .images
            .iter()
            .flat_map(|i| &i.layers)
            .find(|l| l.blob == Some(blob))
        else {
            continue;
        };
        let Some(claim) = layer.diff_id.clone() else {
            continue;
        };
        let size = b.blobs[blob].size;
        let same = a.blobs.iter().find(|x| {
            x.facts.as_ref().is_some_and(|f| {
                f.diff_id.as_ref() == Some(&claim)
                    && f.size == size
                    && f.problems.is_empty()
                    && layer
                        .digest
                        .as_ref()
                        .is_none_or(|d| f.digest.as_ref() == Some(d))
            })
        });
        if let Some(x) = same {
            let facts = x
                .facts
                .clone()
                .unwrap_or_else(crate::layer::LayerFacts::empty);
            b.complete(blob, facts, x.entries.clone());
            filled.push(blob);
        }
    }
    filled
}

impl Diff {
    /// Adds the package changes between two lists and settles the verdict
    /// again.
    pub fn with_packages(mut self, a: &PackageList, b: &PackageList) -> Diff {
        self.packages = Some(package_changes(&a.packages, &b.packages));
        self.settle();
        self
    }

    /// Counts the changes, and sets the verdict and the summary.
    fn settle(&mut self) {
        let c = Counts {
            layers_only_a: self.layers.only_a.len(),
            layers_only_b: self.layers.only_b.len(),
            config: self.config.iter().filter(|f| !f.metadata).count(),
            history: self.history.only_a.len() + self.history.only_b.len(),
            added: self.count(FileChangeKind::Added),
            removed: self.count(FileChangeKind::Removed),
            modified: self
                .files
                .iter()
                .filter(|f| f.change == FileChangeKind::Modified && !f.mtime_only())
                .count(),
            metadata: self.config.iter().filter(|f| f.metadata).count()
                + self.files.iter().filter(|f| f.mtime_only()).count(),
            packages: self.packages.as_ref().map_or(0, Vec::len),
        };
        let content = c.config + c.history + c.added + c.removed + c.modified + c.packages;
        let layout = c.layers_only_a + c.layers_only_b + c.metadata;
        self.verdict = if content > 0 {
            Verdict::Different
        } else if layout > 0 {
            Verdict::SameContent
        } else {
            Verdict::Identical
        };
        self.summary = match self.verdict {
            Verdict::Identical => "identical".into(),
            Verdict::SameContent => {
                let mut why = Vec::new();
                if c.metadata > 0 {
                    why.push(plural(c.metadata, "timestamp or storage difference"));
                }
                if c.layers_only_a + c.layers_only_b > 0 {
                    why.push("other layers".into());
                }
                format!("same content ({})", why.join(", "))
            }
            Verdict::Different => {
                let mut parts = Vec::new();
                if c.layers_only_a + c.layers_only_b > 0 {
                    parts.push(format!(
                        "layers: {} shared, {} only in A, {} only in B",
                        self.layers.shared.len(),
                        c.layers_only_a,
                        c.layers_only_b
                    ));
                }
                if c.config > 0 {
                    parts.push(plural(c.config, "config change"));
                }
                if c.history > 0 {
                    parts.push(plural(c.history, "history step"));
                }
                let files = c.added + c.removed + c.modified;
                if files > 0 {
                    parts.push(format!(
                        "{} ({} added, {} removed, {} modified)",
                        plural(files, "file"),
                        c.added,
                        c.removed,
                        c.modified
                    ));
                }
                if c.packages > 0 {
                    parts.push(plural(c.packages, "package change"));
                }
                parts.join("; ")
            }
        };
        if self.unhashed_files > 0 {
            self.summary.push_str(&format!(
                " ({} compared by size alone: read without content digests)",
                plural(self.unhashed_files, "file")
            ));
        }
        self.counts = c;
    }

    fn count(&self, k: FileChangeKind) -> usize {
        self.files.iter().filter(|f| f.change == k).count()
    }

    /// Whether the images count as the same: identical, or the same
    /// content when timestamps are ignored (`semantic`).
    pub fn same(&self) -> bool {
        match self.verdict {
            Verdict::Identical => true,
            Verdict::SameContent => self.semantic,
            Verdict::Different => false,
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn side(i: usize, img: &Image) -> Side {
    Side {
        image: i,
        tags: img.tags.clone(),
        platform: img.platform.label(),
        config_digest: img.config_digest.clone(),
        layers: img.layers.len(),
    }
}

fn row(img: &Image, index: usize) -> LayerRow {
    let l = &img.layers[index];
    let created_by = img
        .history
        .iter()
        .find(|h| h.layer == Some(index))
        .and_then(|h| h.created_by.as_deref())
        .map(short_command);
    LayerRow {
        index,
        diff_id: l.diff_id.clone(),
        size: l.uncompressed_size.or(l.size),
        created_by,
    }
}

/// The shared base (the longest common run of diff_ids from the bottom),
/// then each side's own layers.
fn align(a: &Image, b: &Image) -> Layers {
    let shared = a
        .layers
        .iter()
        .zip(&b.layers)
        .take_while(|(x, y)| x.diff_id.is_some() && x.diff_id == y.diff_id)
        .count();
    Layers {
        shared: (0..shared).map(|i| row(a, i)).collect(),
        only_a: (shared..a.layers.len()).map(|i| row(a, i)).collect(),
        only_b: (shared..b.layers.len()).map(|i| row(b, i)).collect(),
    }
}
