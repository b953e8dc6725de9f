//! Two images compared: layers aligned on their shared base, config and
//! history changes, file changes in the merged filesystems (content by
//! per-file digest, see [`crate::Options::content_digests`]), directory
//! totals, package changes, and a one-line verdict.
//!
//! [`diff`] works on two finished [`Dissection`]s (the same one twice for
//! two images of one archive); it reads nothing again. Its [`Diff`] is the
//! stable JSON shape `layercake diff --json` prints.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::{short_command, Config, HistoryStep};
use crate::digest::Digest;
use crate::dissect::Dissection;
use crate::entry::{Entry, Kind};
use crate::packages::{Package, PackageList};
use crate::report::Image;
use crate::tree::{Node, Tree};

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

/// One field that differs (config, platform, storage, history timestamps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `env`, `entrypoint`, `cmd`, `user`, `working_dir`, `exposed_ports`,
    /// `volumes`, `labels`, `healthcheck`, `stop_signal`, `shell`,
    /// `on_build`, `author`, `platform`, `created`, `history.created`,
    /// `manifest.format`, `layer.compression`.
    pub field: String,
    /// The variable, label, port, volume or step the change is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A's value; `None` when A lacks it.
    pub a: Option<String>,
    /// B's value; `None` when B lacks it.
    pub b: Option<String>,
    /// A timestamp or storage detail, not content (ignored by `--semantic`).
    pub metadata: bool,
    /// Why a change counts as metadata, when that is not plain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One history step one side has and the other lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// Its index in its image's history.
    pub index: usize,
    /// The command, shortened.
    pub created_by: Option<String>,
    /// A step that made no layer.
    pub empty_layer: bool,
}

/// The history steps each side lacks (matched by command, comment, author
/// and emptiness: the common steps at the bottom and the top are shared).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Steps A has that B lacks.
    pub only_a: Vec<HistoryRow>,
    /// Steps B has that A lacks.
    pub only_b: Vec<HistoryRow>,
}

/// What a file change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileChangeKind {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, different.
    Modified,
}

impl FileChangeKind {
    /// `A`, `R` or `M`.
    pub fn letter(self) -> char {
        match self {
            FileChangeKind::Added => 'A',
            FileChangeKind::Removed => 'R',
            FileChangeKind::Modified => 'M',
        }
    }
}

/// A path as one side has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// Its type (a hardlink shows as what it links to).
    pub kind: Kind,
    /// Bytes of content.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Seconds since the epoch.
    pub mtime: i64,
    /// A symlink's target, lossily UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// XXH64 of the content (16 hex digits), when it was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The layer that wrote it last.
    pub layer: usize,
}

/// One path that differs between the merged filesystems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    /// The path, lossily UTF-8, without a leading `/`.
    pub path: String,
    /// Added, removed or modified.
    pub change: FileChangeKind,
    /// For a modification, what differs: `type`, `content`, `size`,
    /// `mode`, `owner`, `link`, `mtime` (this order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub what: Vec<String>,
    /// The path in A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<FileState>,
    /// The path in B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<FileState>,
}

impl FileChange {
    /// Only its modification time differs.
    pub fn mtime_only(&self) -> bool {
        self.what == ["mtime"]
    }
}

/// Bytes added and removed under one directory (its files directly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirTotal {
    /// The directory, `/` for the root.
    pub path: String,
    /// Bytes of files added, or of new content of files modified.
    pub added_bytes: u64,
    /// Bytes of files removed, or of old content of files modified.
    pub removed_bytes: u64,
}

/// How a package changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageChangeKind {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, at other versions.
    Changed,
}

/// One package that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageChange {
    /// `dpkg`, `apk`, `python`, `npm`.
    pub source: String,
    /// Its name.
    pub name: String,
    /// Added, removed, or changed version.
    pub change: PackageChangeKind,
    /// A's version.
    pub a: Option<String>,
    /// B's version.
    pub b: Option<String>,
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

fn change(field: &str, key: Option<&str>, a: Option<String>, b: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        key: key.map(Into::into),
        a,
        b,
        metadata: false,
        note: None,
    }
}

fn list(v: &Option<Vec<String>>) -> Option<String> {
    v.as_ref()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
}

/// `NAME=value` lines as a map (a line without `=` is a name with no value).
fn env_map(env: &Option<Vec<String>>) -> BTreeMap<String, String> {
    env.iter()
        .flatten()
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (line.clone(), String::new()),
        })
        .collect()
}

fn map_changes(
    out: &mut Vec<FieldChange>,
    field: &str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            out.push(change(field, Some(k), x.cloned(), y.cloned()));
        }
    }
}

fn set_changes(out: &mut Vec<FieldChange>, field: &str, a: &[String], b: &[String]) {
    let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) = (a.iter().collect(), b.iter().collect());
    for k in sa.symmetric_difference(&sb) {
        let (x, y) = (sa.contains(k), sb.contains(k));
        out.push(change(
            field,
            Some(k),
            x.then(|| k.to_string()),
            y.then(|| k.to_string()),
        ));
    }
}

/// The config's fields, one change per field (per variable, label, port or
/// volume for those).
fn config_changes(a: &Image, b: &Image, semantic: bool) -> Vec<FieldChange> {
    let (x, y): (&Config, &Config) = (&a.summary, &b.summary);
    let mut out = Vec::new();
    map_changes(&mut out, "env", &env_map(&x.env), &env_map(&y.env));
    for (field, p, q) in [
        ("entrypoint", &x.entrypoint, &y.entrypoint),
        ("cmd", &x.cmd, &y.cmd),
        ("shell", &x.shell, &y.shell),
        ("on_build", &x.on_build, &y.on_build),
    ] {
        if p != q {
            out.push(change(field, None, list(p), list(q)));
        }
    }
    for (field, p, q) in [
        ("user", &x.user, &y.user),
        ("working_dir", &x.working_dir, &y.working_dir),
        ("stop_signal", &x.stop_signal, &y.stop_signal),
        ("author", &x.author, &y.author),
    ] {
        if p != q {
            out.push(change(field, None, p.clone(), q.clone()));
        }
    }
    set_changes(
        &mut out,
        "exposed_ports",
        &x.exposed_ports,
        &y.exposed_ports,
    );
    set_changes(&mut out, "volumes", &x.volumes, &y.volumes);
    map_changes(&mut out, "labels", &x.labels, &y.labels);
    if x.healthcheck != y.healthcheck {
        let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        out.push(change(
            "healthcheck",
            None,
            show(&x.healthcheck),
            show(&y.healthcheck),
        ));
    }
    // Docker-only fields an OCI config cannot hold: converting an image to
    // OCI (skopeo, podman) drops them, and that is storage, not content
    let oci = |i: &Image| {
        i.config_media_type.as_deref() == Some("application/vnd.oci.image.config.v1+json")
    };
    for c in out.iter_mut() {
        let docker_only = matches!(c.field.as_str(), "healthcheck" | "on_build" | "shell");
        let dropped = (c.b.is_none() && oci(b) && !oci(a)) || (c.a.is_none() && oci(a) && !oci(b));
        if docker_only && dropped {
            c.metadata = true;
            c.note = Some("a Docker-only field, which the OCI config format cannot hold".into());
        }
    }
    let (pa, pb) = (a.platform.label(), b.platform.label());
    if pa != pb {
        out.push(change("platform", None, Some(pa), Some(pb)));
    }
    if !semantic && x.created != y.created {
        let mut c = change("created", None, x.created.clone(), y.created.clone());
        c.metadata = true;
        out.push(c);
    }
    out
}

/// How the two are stored, when that differs: the manifest's format, and
/// the compression of shared layers. Never content.
fn storage_changes(a: &Image, b: &Image, layers: &Layers) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut meta = |field: &str, key: Option<String>, x: String, y: String| {
        if x != y {
            let mut c = change(field, key.as_deref(), Some(x), Some(y));
            c.metadata = true;
            out.push(c);
        }
    };
    let format = |i: &Image| {
        i.manifest_media_type
            .clone()
            .unwrap_or_else(|| format!("{:?}", i.source).to_lowercase())
    };
    meta("manifest.format", None, format(a), format(b));
    for r in &layers.shared {
        let show = |i: &Image| {
            i.layers[r.index]
                .compression
                .map_or("unknown".to_string(), |c| c.name().to_string())
        };
        meta(
            "layer.compression",
            Some(format!("layer {}", r.index)),
            show(a),
            show(b),
        );
    }
    out
}

type StepKey<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, bool);

fn step_key(h: &HistoryStep) -> StepKey<'_> {
    (
        h.created_by.as_deref(),
        h.comment.as_deref(),
        h.author.as_deref(),
        h.empty_layer,
    )
}

/// The steps at the bottom and at the top that match are shared; those
/// between are each side's own. Matched steps whose `created` differs are
/// timestamp changes (unless `semantic`).
fn history_changes(
    a: &[HistoryStep],
    b: &[HistoryStep],
    semantic: bool,
) -> (History, Vec<FieldChange>) {
    let bottom = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| step_key(x) == step_key(y))
        .count();
    let top = a[bottom..]
        .iter()
        .rev()
        .zip(b[bottom..].iter().rev())
        .take_while(|(x, y)| step_key(x) == step_key(y))
        .count();
    let rows = |steps: &[HistoryStep], from: usize, to: usize| {
        (from..to)
            .map(|i| HistoryRow {
                index: i,
                created_by: steps[i].created_by.as_deref().map(short_command),
                empty_layer: steps[i].empty_layer,
            })
            .collect()
    };
    let history = History {
        only_a: rows(a, bottom, a.len() - top),
        only_b: rows(b, bottom, b.len() - top),
    };
    let mut stamps = Vec::new();
    if !semantic {
        let pairs = (0..bottom)
            .map(|i| (i, i))
            .chain((0..top).map(|k| (a.len() - 1 - k, b.len() - 1 - k)));
        for (i, j) in pairs {
            if a[i].created != b[j].created {
                stamps.push(FieldChange {
                    field: "history.created".into(),
                    key: Some(format!("step {i}")),
                    a: a[i].created.clone(),
                    b: b[j].created.clone(),
                    metadata: true,
                    note: None,
                });
            }
        }
    }
    (history, stamps)
}

fn state(n: &Node, entries: &[&[Entry]]) -> FileState {
    let content = n
        .content
        .and_then(|(l, e)| entries.get(l)?.get(e)?.content)
        .map(|c| format!("{c:016x}"));
    FileState {
        kind: n.kind,
        size: n.size,
        mode: n.mode,
        uid: n.uid,
        gid: n.gid,
        mtime: n.mtime,
        link: n
            .link
            .as_ref()
            .map(|l| String::from_utf8_lossy(l).into_owned()),
        content,
        layer: n.modified_by.last().copied().unwrap_or(n.added_by),
    }
}

/// What differs between one path's two states, in a fixed order.
fn what_differs(x: &FileState, y: &FileState, semantic: bool) -> Vec<String> {
    let mut what = Vec::new();
    if x.kind != y.kind {
        what.push("type");
    } else if x.kind == Kind::File {
        if matches!((&x.content, &y.content), (Some(p), Some(q)) if p != q) {
            what.push("content");
        }
        if x.size != y.size {
            what.push("size");
        }
    }
    if x.mode != y.mode {
        what.push("mode");
    }
    if (x.uid, x.gid) != (y.uid, y.gid) {
        what.push("owner");
    }
    if x.link != y.link {
        what.push("link");
    }
    if !semantic && x.mtime != y.mtime {
        what.push("mtime");
    }
    what.into_iter().map(String::from).collect()
}

fn file_changes(
    ta: &Tree,
    ea: &[&[Entry]],
    tb: &Tree,
    eb: &[&[Entry]],
    semantic: bool,
) -> (Vec<FileChange>, usize) {
    let mut out = Vec::new();
    let mut unhashed = 0;
    let path = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    let mut ia = ta.nodes.iter().peekable();
    let mut ib = tb.nodes.iter().peekable();
    loop {
        let order = match (ia.peek(), ib.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((p, _)), Some((q, _))) => p.cmp(q),
        };
        match order {
            std::cmp::Ordering::Less => {
                if let Some((p, n)) = ia.next() {
                    out.push(FileChange {
                        path: path(p),
                        change: FileChangeKind::Removed,
                        what: Vec::new(),
                        a: Some(state(n, ea)),
                        b: None,
                    });
                }
            }
            std::cmp::Ordering::Greater => {
                if let Some((p, n)) = ib.next() {
                    out.push(FileChange {
                        path: path(p),
                        change: FileChangeKind::Added,
                        what: Vec::new(),
                        a: None,
                        b: Some(state(n, eb)),
                    });
                }
            }
            std::cmp::Ordering::Equal => {
                if let (Some((p, x)), Some((_, y))) = (ia.next(), ib.next()) {
                    let (x, y) = (state(x, ea), state(y, eb));
                    if x.kind == Kind::File
                        && y.kind == Kind::File
                        && (x.content.is_none() || y.content.is_none())
                    {
                        unhashed += 1;
                    }
                    let what = what_differs(&x, &y, semantic);
                    if !what.is_empty() {
                        out.push(FileChange {
                            path: path(p),
                            change: FileChangeKind::Modified,
                            what,
                            a: Some(x),
                            b: Some(y),
                        });
                    }
                }
            }
        }
    }
    (out, unhashed)
}

/// Bytes added and removed by the file changes, per parent directory.
fn directory_totals(files: &[FileChange]) -> Vec<DirTotal> {
    let mut dirs: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let file_bytes = |s: &Option<FileState>| {
        s.as_ref()
            .filter(|s| s.kind == Kind::File)
            .map_or(0, |s| s.size)
    };
    for f in files.iter().filter(|f| !f.mtime_only()) {
        let content = f.change != FileChangeKind::Modified
            || f.what
                .iter()
                .any(|w| w == "content" || w == "size" || w == "type");
        if !content {
            continue;
        }
        let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
        let t = dirs.entry(dir).or_default();
        t.0 += file_bytes(&f.b);
        t.1 += file_bytes(&f.a);
    }
    let mut v: Vec<DirTotal> = dirs
        .into_iter()
        .filter(|(_, (x, y))| x + y > 0)
        .map(|(d, (added_bytes, removed_bytes))| DirTotal {
            path: format!("/{d}"),
            added_bytes,
            removed_bytes,
        })
        .collect();
    v.sort_by(|x, y| {
        (y.added_bytes + y.removed_bytes)
            .cmp(&(x.added_bytes + x.removed_bytes))
            .then(x.path.cmp(&y.path))
    });
    v
}

/// Packages by (source, name): added, removed, and version changes. A name
/// listed at several versions on one side (two Python environments)
/// compares its sorted versions.
pub fn package_changes(a: &[Package], b: &[Package]) -> Vec<PackageChange> {
    let by = |v: &[Package]| {
        let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for p in v {
            m.entry((p.source.name().to_string(), p.name.clone()))
                .or_default()
                .push(p.version.clone());
        }
        for versions in m.values_mut() {
            versions.sort();
            versions.dedup();
        }
        m
    };
    let (ma, mb) = (by(a), by(b));
    let keys: BTreeSet<&(String, String)> = ma.keys().chain(mb.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (x, y) = (ma.get(k), mb.get(k));
        if x == y {
            continue;
        }
        let change = match (x, y) {
            (None, _) => PackageChangeKind::Added,
            (_, None) => PackageChangeKind::Removed,
            _ => PackageChangeKind::Changed,
        };
        out.push(PackageChange {
            source: k.0.clone(),
            name: k.1.clone(),
            change,
            a: x.map(|v| v.join(", ")),
            b: y.map(|v| v.join(", ")),
        });
    }
    out
}
