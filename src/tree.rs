//! The merged filesystem of an image: layers applied in order with OCI
//! whiteout semantics, each path marked with the layers that added,
//! modified or removed it, and the bytes that later layers hide.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Kind};
use crate::limits::{limit, MAX_TREE_PATH_BYTES};
use crate::problem::{Fault, Location, Problem, Unlisted};
use crate::report::FileStats;
use crate::whiteout::{classify, Whiteout};

/// What a layer entry did to the merged filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The path did not exist below.
    Added,
    /// The path existed below and was replaced or its metadata changed.
    Modified,
    /// A whiteout marker: the path (or a directory's lower contents) is removed.
    Removed,
    /// Not applied (the root entry, or a hardlink to nothing).
    Ignored,
}

impl Change {
    /// "A", "M", "R", or a space for ignored entries.
    pub fn letter(self) -> char {
        match self {
            Change::Added => 'A',
            Change::Modified => 'M',
            Change::Removed => 'R',
            Change::Ignored => ' ',
        }
    }
}

/// One path of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// As unpacked: a hardlink shows as the file it links to.
    pub kind: Kind,
    /// Permission bits.
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Bytes of content, as the entry that wrote it gives them.
    pub size: u64,
    /// Seconds since the epoch.
    pub mtime: i64,
    /// A symlink's target, raw.
    pub link: Option<Vec<u8>>,
    /// The layer that first created this path.
    pub added_by: usize,
    /// Later layers that replaced it or changed its metadata.
    pub modified_by: Vec<usize>,
    /// Which layer entry wrote the content (shared by hardlinks):
    /// (layer index, entry index).
    pub content: Option<(usize, usize)>,
    /// File versions written at this path so far, this one included.
    pub copies: u32,
}

/// A path removed by a whiteout (or hidden by an opaque directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The raw path removed.
    pub path: Vec<u8>,
    /// The layer that removed it.
    pub layer: usize,
    /// What it was.
    pub kind: Kind,
    /// Its bytes of content.
    pub size: u64,
}

/// Bytes a path wastes: content written by layers and hidden by later ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waste {
    /// The path, lossily UTF-8.
    pub path: String,
    /// Versions of the path written by layers.
    pub copies: u32,
    /// Bytes of those versions hidden by later layers.
    pub wasted_bytes: u64,
}

/// The merged filesystem.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Every path, by raw path (the root is not one).
    pub nodes: BTreeMap<Vec<u8>, Node>,
    /// The paths whiteouts removed, in the order they went.
    pub removals: Vec<Removal>,
    /// For each layer, what each of its entries did (parallel to the entries).
    pub changes: Vec<Vec<Change>>,
    /// Hardlink entries resolved to the file they link to: (layer, entry) -> node.
    pub hardlinks: HashMap<(usize, usize), Node>,
    /// Hardlinks whose target did not exist: (layer, entry).
    pub dangling: Vec<(usize, usize)>,
    /// Content bytes written by all layers.
    pub layer_bytes: u64,
    /// Per path whose content was hidden: copies written and bytes hidden
    /// by later layers (paths that hide nothing are not kept here).
    waste: HashMap<Vec<u8>, (u32, u64)>,
    /// Live names of each piece of content that has more than one
    /// (hardlinks); content not listed has exactly one while it lives.
    names: HashMap<(usize, usize), u32>,
    /// Bytes of the paths the tree holds, against [`MAX_TREE_PATH_BYTES`].
    path_bytes: u64,
    /// Set once that budget is spent: later entries are not applied.
    full: bool,
    /// What merging found: writes through symlinks that leave the root,
    /// and the limit, if reached. Each names its layer.
    pub problems: Vec<Problem>,
    /// Problems past [`MAX_LAYER_PROBLEMS`](crate::limits::MAX_LAYER_PROBLEMS),
    /// counted, not listed.
    unlisted: Unlisted,
}

fn children_range(dir: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut lo = dir.to_vec();
    lo.push(b'/');
    let mut hi = dir.to_vec();
    hi.push(b'/' + 1);
    (lo, hi)
}

impl Tree {
    /// Applies `layers` in order, base first.
    pub fn merge(layers: &[&[Entry]]) -> Tree {
        let mut t = Tree::default();
        for (li, entries) in layers.iter().enumerate() {
            let mut changes = vec![Change::Ignored; entries.len()];
            // whiteouts act on the layers below, before this layer's additions
            for (ei, e) in entries.iter().enumerate() {
                if e.whiteout.is_none() {
                    continue;
                }
                let Some((kind, target)) = classify(&e.path) else {
                    continue;
                };
                match kind {
                    Whiteout::Opaque => t.remove_children(&target, li),
                    Whiteout::Remove => t.remove(&target, li),
                }
                changes[ei] = Change::Removed;
            }
            for (ei, e) in entries.iter().enumerate() {
                if e.whiteout.is_some() || e.path.is_empty() || t.full {
                    continue;
                }
                changes[ei] = t.add(e, li, ei);
                if t.path_bytes > MAX_TREE_PATH_BYTES {
                    t.full = true;
                    let mut at = Location::default().entry_path(&e.path);
                    at.layer = Some(li);
                    t.problems.push(Problem::new(
                        limit!(MAX_TREE_PATH_BYTES, "the paths of the merged filesystem"),
                        at,
                    ));
                }
            }
            t.changes.push(changes);
        }
        let unlisted = t
            .unlisted
            .said("the merged filesystem", Location::default());
        t.problems.extend(unlisted);
        t
    }

    /// A node leaves the tree: its content is wasted once no other name
    /// (hardlink) keeps it.
    fn note_waste(&mut self, path: &[u8], node: &Node) {
        let Some(c) = node.content.filter(|_| node.kind == Kind::File) else {
            return;
        };
        let left = match self.names.get_mut(&c) {
            Some(n) => {
                *n = n.saturating_sub(1);
                let left = *n;
                if left <= 1 {
                    self.names.remove(&c);
                }
                left
            }
            None => 0,
        };
        if left == 0 {
            self.waste
                .entry(path.to_vec())
                .or_insert((node.copies, 0))
                .1 += node.size;
        }
    }

    fn take_subtree(&mut self, dir: &[u8]) -> Vec<(Vec<u8>, Node)> {
        if dir.is_empty() {
            return std::mem::take(&mut self.nodes).into_iter().collect();
        }
        let (lo, hi) = children_range(dir);
        let keys: Vec<Vec<u8>> = self.nodes.range(lo..hi).map(|(k, _)| k.clone()).collect();
        keys.into_iter()
            .filter_map(|k| self.nodes.remove(&k).map(|n| (k, n)))
            .collect()
    }

    fn remove_children(&mut self, dir: &[u8], layer: usize) {
        for (path, node) in self.take_subtree(dir) {
            self.note_waste(&path, &node);
            self.removals.push(Removal {
                path,
                layer,
                kind: node.kind,
                size: node.size,
            });
        }
    }

    fn remove(&mut self, path: &[u8], layer: usize) {
        if let Some(node) = self.nodes.remove(path) {
            self.note_waste(path, &node);
            self.removals.push(Removal {
                path: path.to_vec(),
                layer,
                kind: node.kind,
                size: node.size,
            });
            if node.kind == Kind::Dir {
                self.remove_children(path, layer);
            }
        }
    }

    fn ensure_parents(&mut self, path: &[u8], layer: usize) {
        let mut end = 0;
        while let Some(i) = path[end..].iter().position(|&b| b == b'/') {
            let parent = &path[..end + i];
            match self.nodes.get(parent) {
                Some(n) if n.kind == Kind::Dir => {}
                Some(n) => {
                    if let Some(why) = n
                        .link
                        .as_deref()
                        .filter(|_| n.kind == Kind::Symlink)
                        .and_then(|target| leaves_root(parent, target))
                    {
                        let mut at = Location::default().entry_path(path);
                        at.layer = Some(layer);
                        self.unlisted.push(&mut self.problems, || {
                            Problem::new(
                                Fault::UnsafeName {
                                    name: String::from_utf8_lossy(path).into_owned(),
                                    why,
                                },
                                at,
                            )
                        });
                    }
                    // a file where a directory must be: the file goes
                    let old = self.nodes.remove(parent);
                    if let Some(old) = old {
                        self.note_waste(parent, &old);
                    }
                    self.nodes.insert(parent.to_vec(), implicit_dir(layer));
                }
                None => {
                    self.path_bytes += parent.len() as u64;
                    self.nodes.insert(parent.to_vec(), implicit_dir(layer));
                }
            }
            end += i + 1;
        }
    }

    fn add(&mut self, e: &Entry, layer: usize, index: usize) -> Change {
        let mut node = Node {
            kind: e.kind,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            mtime: e.mtime,
            link: e.link.clone(),
            added_by: layer,
            modified_by: Vec::new(),
            content: (e.kind == Kind::File).then_some((layer, index)),
            copies: 0,
        };
        if e.kind == Kind::Hardlink {
            let target = e.link.as_deref().and_then(|l| self.nodes.get(l));
            match target {
                Some(t) if t.kind != Kind::Dir => {
                    node = Node {
                        added_by: layer,
                        modified_by: Vec::new(),
                        ..t.clone()
                    };
                    self.hardlinks.insert((layer, index), node.clone());
                }
                _ => {
                    self.dangling.push((layer, index));
                    return Change::Ignored;
                }
            }
            if let Some(c) = node.content.filter(|_| node.kind == Kind::File) {
                *self.names.entry(c).or_insert(1) += 1;
            }
        } else if e.kind == Kind::File {
            self.layer_bytes += e.size;
            if let Some(w) = self.waste.get_mut(&e.path) {
                w.0 += 1;
            }
        }
        let before = self.nodes.get(&e.path).map_or(0, |n| n.copies);
        node.copies = before + u32::from(e.kind == Kind::File);
        self.ensure_parents(&e.path, layer);
        match self.nodes.remove(&e.path) {
            Some(old) => {
                if old.kind == Kind::Dir && node.kind != Kind::Dir {
                    self.remove_children(&e.path, layer);
                }
                self.note_waste(&e.path, &old);
                let change = if old.added_by == layer && old.modified_by.is_empty() {
                    // written twice by this same layer
                    Change::Added
                } else {
                    node.added_by = old.added_by;
                    node.modified_by = old.modified_by;
                    if node.modified_by.last() != Some(&layer) {
                        node.modified_by.push(layer);
                    }
                    Change::Modified
                };
                self.nodes.insert(e.path.clone(), node);
                change
            }
            None => {
                self.path_bytes += e.path.len() as u64;
                self.nodes.insert(e.path.clone(), node);
                Change::Added
            }
        }
    }

    /// Totals: paths, bytes, and bytes wasted by content hidden later.
    pub fn stats(&self) -> FileStats {
        let mut seen = HashSet::new();
        let mut bytes = 0;
        for n in self.nodes.values() {
            if let Some(c) = n.content {
                if n.kind == Kind::File && seen.insert(c) {
                    bytes += n.size;
                }
            }
        }
        let wasted = self.layer_bytes.saturating_sub(bytes);
        FileStats {
            paths: self.nodes.len() as u64,
            bytes,
            layer_bytes: self.layer_bytes,
            wasted_bytes: wasted,
            efficiency: if self.layer_bytes == 0 {
                1.0
            } else {
                bytes as f64 / self.layer_bytes as f64
            },
        }
    }

    /// Paths whose content later layers hid, most wasted first.
    pub fn waste(&self) -> Vec<Waste> {
        let mut v: Vec<Waste> = self
            .waste
            .iter()
            .filter(|(_, (_, w))| *w > 0)
            .map(|(p, (copies, w))| Waste {
                path: String::from_utf8_lossy(p).into_owned(),
                copies: (*copies).max(self.nodes.get(p).map_or(0, |n| n.copies)),
                wasted_bytes: *w,
            })
            .collect();
        v.sort_by(|a, b| {
            b.wasted_bytes
                .cmp(&a.wasted_bytes)
                .then(a.path.cmp(&b.path))
        });
        v
    }

    /// Writes the merged filesystem, one line per path, sorted by raw path
    /// bytes: `<type> <mode> <uid>:<gid> <size|-> <path>[ -> <target>]`.
    pub fn write_listing(&self, out: &mut dyn Write) -> io::Result<()> {
        for (path, n) in &self.nodes {
            write_node(out, path, n)?;
        }
        Ok(())
    }
}

/// Why writing below the symlink `link` (at `at`) -> `target` would land
/// outside the root for an extractor that follows it: an absolute target,
/// or one whose `..` climb above the root.
fn leaves_root(at: &[u8], target: &[u8]) -> Option<&'static str> {
    if target.first() == Some(&b'/') {
        return Some("is written through a symlink to an absolute path");
    }
    let mut depth = at.split(|&b| b == b'/').count().saturating_sub(1) as i64;
    for part in target.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                depth -= 1;
                if depth < 0 {
                    return Some("is written through a symlink that climbs out of the root");
                }
            }
            _ => depth += 1,
        }
    }
    None
}

fn implicit_dir(layer: usize) -> Node {
    Node {
        kind: Kind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        link: None,
        added_by: layer,
        modified_by: Vec::new(),
        content: None,
        copies: 0,
    }
}

/// One listing line for a node of the merged filesystem.
fn write_node(out: &mut dyn Write, path: &[u8], n: &Node) -> io::Result<()> {
    write_line(
        out,
        path,
        n.kind,
        n.mode,
        n.uid,
        n.gid,
        n.size,
        n.link.as_deref(),
    )
}

/// One listing line, raw path bytes kept as they are.
#[allow(clippy::too_many_arguments)]
pub fn write_line(
    out: &mut dyn Write,
    path: &[u8],
    kind: Kind,
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
    link: Option<&[u8]>,
) -> io::Result<()> {
    let size = if kind == Kind::Dir {
        "-".to_string()
    } else {
        size.to_string()
    };
    write!(
        out,
        "{} {:o} {}:{} {} ",
        kind.letter(),
        mode,
        uid,
        gid,
        size
    )?;
    out.write_all(path)?;
    if kind == Kind::Symlink {
        if let Some(l) = link {
            out.write_all(b" -> ")?;
            out.write_all(l)?;
        }
    }
    out.write_all(b"\n")
}

/// Writes one layer's entries in listing form, sorted by raw path bytes;
/// hardlinks show as the file they link to where it could be resolved.
pub fn write_layer_listing(
    out: &mut dyn Write,
    entries: &[Entry],
    tree: Option<(&Tree, usize)>,
) -> io::Result<()> {
    let mut order: Vec<usize> = (0..entries.len())
        .filter(|&i| !entries[i].path.is_empty())
        .collect();
    order.sort_by(|&a, &b| entries[a].path.cmp(&entries[b].path));
    for i in order {
        let e = &entries[i];
        match tree.and_then(|(t, layer)| t.hardlinks.get(&(layer, i))) {
            Some(n) => write_node(out, &e.path, n)?,
            None => write_line(
                out,
                &e.path,
                e.kind,
                e.mode,
                e.uid,
                e.gid,
                e.size,
                e.link.as_deref(),
            )?,
        }
    }
    Ok(())
}
