//! A browsable listing of a filesystem (an image's merged tree, or one
//! layer's entries): rows indexed by directory, directory sizes, search,
//! and the largest files. The page asks the worker for slices of it, so a
//! 300,000-path image never becomes 300,000 DOM nodes.

use std::collections::HashMap;

use crate::limits::MAX_TREE_PATH_BYTES;

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Kind};
use crate::tree::{Change, Tree};

/// One path, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The full path, lossily UTF-8.
    pub path: String,
    /// Its last component.
    pub name: String,
    /// Its type (a whiteout in a layer listing shows as [`Kind::Other`]).
    pub kind: Kind,
    /// Permission bits (0 for a path an image removed).
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Bytes of a file; for a directory, bytes of every file below it.
    pub size: u64,
    /// A link's target, lossily UTF-8.
    pub link: Option<String>,
    /// Added, modified or removed (by this layer, or over the image's life).
    pub change: Change,
    /// The layer that added the path.
    pub layer: Option<usize>,
    /// Later layers that modified it.
    pub modified_by: Vec<usize>,
    /// Direct children of a directory.
    pub children: u32,
    /// For content: which layer and entry wrote it (to read it again).
    pub content: Option<(usize, usize)>,
}

/// How to order a directory's children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// By name.
    Name,
    /// By size, largest first (then by name).
    Size,
}

/// Which marks to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// Show added paths.
    pub added: bool,
    /// Show modified paths.
    pub modified: bool,
    /// Show removed paths.
    pub removed: bool,
}

impl Default for Marks {
    fn default() -> Marks {
        Marks {
            added: true,
            modified: true,
            removed: true,
        }
    }
}

impl Marks {
    /// Whether a row of change `c` is shown (unmarked rows always are).
    pub fn shows(&self, c: Change) -> bool {
        match c {
            Change::Added => self.added,
            Change::Modified => self.modified,
            Change::Removed => self.removed,
            Change::Ignored => true,
        }
    }
}

/// Rows indexed by their parent directory ("" is the root).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    rows: Vec<Row>,
    by_path: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    /// Bytes of the paths held, against [`MAX_TREE_PATH_BYTES`]; past it,
    /// later rows are left out and `truncated` says so.
    path_bytes: u64,
    /// Whether rows were left out for the budget.
    pub truncated: bool,
}

fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

impl Listing {
    fn insert(&mut self, row: Row) {
        if let Some(&i) = self.by_path.get(&row.path) {
            // a later entry for the same path replaces the earlier one
            self.rows[i] = row;
            return;
        }
        if self.truncated {
            return;
        }
        self.ensure_dir(split(&row.path).0, row.layer);
        self.push(row);
    }

    fn push(&mut self, row: Row) {
        self.path_bytes += row.path.len() as u64;
        if self.path_bytes > MAX_TREE_PATH_BYTES {
            self.truncated = true;
        }
        let i = self.rows.len();
        self.by_path.insert(row.path.clone(), i);
        self.children
            .entry(split(&row.path).0.to_string())
            .or_default()
            .push(i);
        self.rows.push(row);
    }

    /// Adds the directories missing above a row, outermost first, without
    /// recursion (a path may be deep).
    fn ensure_dir(&mut self, dir: &str, layer: Option<usize>) {
        let mut missing = Vec::new();
        let mut d = dir;
        while !d.is_empty() && !self.by_path.contains_key(d) {
            missing.push(d);
            d = split(d).0;
        }
        for dir in missing.into_iter().rev() {
            self.push(implicit_dir(dir, layer));
        }
    }
}

fn implicit_dir(dir: &str, layer: Option<usize>) -> Row {
    {
        let (_, name) = split(dir);
        Row {
            path: dir.to_string(),
            name: name.to_string(),
            kind: Kind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 0,
            link: None,
            change: Change::Ignored,
            layer,
            modified_by: Vec::new(),
            children: 0,
            content: None,
        }
    }
}

impl Listing {
    /// Sums file sizes into their directories (hardlinked content once, as
    /// `du` does) and counts children.
    fn sum_sizes(&mut self) {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        // deepest first, so each directory is complete before its parent
        order.sort_by(|&a, &b| {
            let depth = |i: usize| self.rows[i].path.matches('/').count();
            depth(b)
                .cmp(&depth(a))
                .then(self.rows[a].path.cmp(&self.rows[b].path))
        });
        let mut counted = std::collections::HashSet::new();
        for i in order {
            let (parent, _) = split(&self.rows[i].path);
            if parent.is_empty() {
                continue;
            }
            let r = &self.rows[i];
            let first = r.kind == Kind::Dir || r.content.is_none_or(|c| counted.insert(c));
            let add = if r.change == Change::Removed || !first {
                0
            } else {
                r.size
            };
            if let Some(&p) = self.by_path.get(parent) {
                self.rows[p].size += add;
                self.rows[p].children += 1;
            }
        }
    }

    /// The merged filesystem of an image, plus the paths later layers removed.
    pub fn merged(tree: &Tree) -> Listing {
        let mut l = Listing::default();
        for (path, n) in &tree.nodes {
            let path = String::from_utf8_lossy(path).into_owned();
            let name = split(&path).1.to_string();
            l.insert(Row {
                name,
                path,
                kind: n.kind,
                mode: n.mode,
                uid: n.uid,
                gid: n.gid,
                size: if n.kind == Kind::Dir { 0 } else { n.size },
                link: n
                    .link
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                change: if n.modified_by.is_empty() {
                    Change::Added
                } else {
                    Change::Modified
                },
                layer: Some(n.added_by),
                modified_by: n.modified_by.clone(),
                children: 0,
                content: n.content,
            });
        }
        for r in &tree.removals {
            let path = String::from_utf8_lossy(&r.path).into_owned();
            if l.by_path.contains_key(&path) {
                continue;
            }
            l.insert(Row {
                name: split(&path).1.to_string(),
                path,
                kind: r.kind,
                mode: 0,
                uid: 0,
                gid: 0,
                size: r.size,
                link: None,
                change: Change::Removed,
                layer: Some(r.layer),
                modified_by: Vec::new(),
                children: 0,
                content: None,
            });
        }
        l.sum_sizes();
        l
    }

    /// One layer's entries, marked with what each did to the layers below.
    /// Whiteout markers show as the path they remove.
    pub fn layer(tree: &Tree, layer: usize, entries: &[Entry]) -> Listing {
        let mut l = Listing::default();
        let changes = tree.changes.get(layer);
        for (i, e) in entries.iter().enumerate() {
            let change = changes
                .and_then(|c| c.get(i))
                .copied()
                .unwrap_or(Change::Ignored);
            let (path, kind) = match (&e.whiteout, crate::whiteout::classify(&e.path)) {
                (Some(crate::whiteout::Whiteout::Remove), Some((_, target))) => {
                    (target, Kind::Other)
                }
                (Some(crate::whiteout::Whiteout::Opaque), _) => continue,
                _ => (e.path.clone(), e.kind),
            };
            if path.is_empty() {
                continue;
            }
            let resolved = tree.hardlinks.get(&(layer, i));
            let path = String::from_utf8_lossy(&path).into_owned();
            l.insert(Row {
                name: split(&path).1.to_string(),
                path,
                kind: resolved.map_or(kind, |n| n.kind),
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                size: resolved.map_or(e.size, |n| n.size),
                link: e
                    .link
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                change,
                layer: Some(layer),
                modified_by: Vec::new(),
                children: 0,
                content: match resolved {
                    Some(n) => n.content,
                    None => (e.kind == Kind::File && e.whiteout.is_none()).then_some((layer, i)),
                },
            });
        }
        l.sum_sizes();
        l
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row is held.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row at `path`.
    pub fn get(&self, path: &str) -> Option<&Row> {
        self.by_path.get(path).map(|&i| &self.rows[i])
    }

    /// The children of `dir` that `marks` lets through, sorted. A directory
    /// is shown when any row below it passes.
    pub fn children(&self, dir: &str, sort: Sort, marks: Marks) -> Vec<&Row> {
        let mut v: Vec<&Row> = self
            .children
            .get(dir)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i])
            .filter(|r| self.passes(r, marks))
            .collect();
        match sort {
            Sort::Name => v.sort_by(|a, b| a.name.cmp(&b.name)),
            Sort::Size => v.sort_by(|a, b| b.size.cmp(&a.size).then(a.name.cmp(&b.name))),
        }
        v
    }

    fn passes(&self, r: &Row, marks: Marks) -> bool {
        if marks == Marks::default() {
            return true;
        }
        if r.kind == Kind::Dir && marks.shows(r.change) {
            return true;
        }
        if r.kind != Kind::Dir {
            return marks.shows(r.change);
        }
        // a directory passes if anything below it does
        self.children
            .get(&r.path)
            .into_iter()
            .flatten()
            .any(|&i| self.passes(&self.rows[i], marks))
    }

    /// Paths containing `query` (case-insensitive), at most `limit`, and how
    /// many matched in all.
    pub fn search(&self, query: &str, marks: Marks, limit: usize) -> (Vec<&Row>, usize) {
        let q = query.to_lowercase();
        let mut total = 0;
        let mut v: Vec<&Row> = Vec::new();
        for r in &self.rows {
            if r.path.to_lowercase().contains(&q) && marks.shows(r.change) {
                total += 1;
                if v.len() < limit {
                    v.push(r);
                }
            }
        }
        v.sort_by(|a, b| a.path.cmp(&b.path));
        (v, total)
    }

    /// The largest regular files, biggest first; hardlinks to the same
    /// content are listed once.
    pub fn largest(&self, limit: usize) -> Vec<&Row> {
        let mut v: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.kind == Kind::File && r.change != Change::Removed)
            .collect();
        v.sort_by(|a, b| b.size.cmp(&a.size).then(a.path.cmp(&b.path)));
        let mut seen = std::collections::HashSet::new();
        v.retain(|r| r.content.is_none_or(|c| seen.insert(c)));
        v.truncate(limit);
        v
    }
}
