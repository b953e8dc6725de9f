//! What differs between two images' merged filesystems: each file added,
//! removed or modified (and how), and the bytes under each directory.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, Kind};
use crate::tree::{Node, Tree};

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

pub(super) fn file_changes(
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
pub(super) fn directory_totals(files: &[FileChange]) -> Vec<DirTotal> {
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
