//! The second image of a comparison on the page: image B read beside an
//! open image A, by the worker that holds A. Plain Rust over `Read +
//! Seek`, so it is tested natively (below); the worker only hands it
//! `Blob` readers.
//!
//! A is read for the page as it always is (four blobs at a time, without
//! per-file digests). When a comparison is asked, [`hash_contents`] reads
//! A's layers again with them (once), then [`read_against`] dissects B
//! with them, taking every blob B shares with A from A
//! ([`reuse_shared_blobs`]), and compares the two with [`diff`]. A that is
//! a report or a one-pass (compressed) archive cannot be read again: its
//! files are then compared by size alone, and the diff says so.

#![deny(missing_docs)]

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

use crate::diff::{diff, package_changes, reuse_shared_blobs, Diff, FileChange};
use crate::diff::{FileChangeKind, PackageChange};
use crate::dissect::{dissect, Dissection, Options, Sink};
use crate::entry::Kind;
use crate::limits::{MAX_CHANGED_DIRS_SENT, MAX_CHANGES_SENT};
use crate::message::{Answer, Query};

/// Which file changes the page's Changes view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChangeFilter {
    /// Paths only in B.
    pub added: bool,
    /// Paths only in A.
    pub removed: bool,
    /// Paths in both that differ in more than their modification time.
    pub modified: bool,
    /// Paths in both whose modification time alone differs.
    pub timestamps: bool,
}

impl Default for ChangeFilter {
    fn default() -> ChangeFilter {
        ChangeFilter {
            added: true,
            removed: true,
            modified: true,
            timestamps: false,
        }
    }
}

impl ChangeFilter {
    /// Whether the view shows `c`.
    pub fn keeps(&self, c: &FileChange) -> bool {
        match c.change {
            FileChangeKind::Added => self.added,
            FileChangeKind::Removed => self.removed,
            FileChangeKind::Modified if c.mtime_only() => self.timestamps,
            FileChangeKind::Modified => self.modified,
        }
    }
}

/// Reads again, with per-file content digests, each of `a`'s layer blobs
/// that holds regular files and has none yet, from `src` (the same
/// archive); returns how many it read. A blob whose second read does not
/// find what the first did keeps the first read's facts and entries.
/// Nothing is read from a report or a one-pass (not seekable) archive.
pub fn hash_contents<R: Read + Seek>(a: &mut Dissection, mut src: R, sink: &mut dyn Sink) -> usize {
    if a.recorded.is_some() || !a.report.archive.seekable {
        return 0;
    }
    let mut read = 0;
    for b in 0..a.blobs.len() {
        let blob = &a.blobs[b];
        let mut files = blob.entries.iter().filter(|e| e.kind == Kind::File);
        let hashed = files.clone().any(|e| e.content.is_some());
        if blob.facts.is_none() || files.next().is_none() || hashed {
            continue;
        }
        let facts = a.blobs[b].facts.take();
        let entries = std::mem::take(&mut a.blobs[b].entries);
        a.read_blobs_with(&mut src, &[b], sink, true);
        read += 1;
        let again = &a.blobs[b];
        let same = again.entries.len() == entries.len()
            && again.facts.as_ref().map(|f| (&f.diff_id, f.problems.len()))
                == facts.as_ref().map(|f| (&f.diff_id, f.problems.len()));
        if !same {
            a.blobs[b].facts = facts;
            a.blobs[b].entries = entries;
        }
    }
    read
}

/// Image B, read beside A, and the comparison.
pub struct Against {
    /// B's dissection.
    pub dissection: Dissection,
    /// The comparison of A's image with B's.
    pub diff: Diff,
    /// A's image compared.
    pub image_a: usize,
    /// B's image compared: its first that is not an artifact.
    pub image_b: usize,
}

/// Dissects B from `src` with per-file content digests, its layer blobs
/// that A also holds (same diff_id, size and digest) taken from `a`
/// rather than read, the others read from `again` (the same file); then
/// compares image `image` of `a` with B's first image. `a` should have
/// been through [`hash_contents`] first.
pub fn read_against<R: Read + Seek, S: Read + Seek>(
    a: &Dissection,
    image: usize,
    src: R,
    again: S,
    sink: &mut dyn Sink,
) -> Result<Against, String> {
    match a.report.images.get(image) {
        None => return Err(format!("the open file has no image {image}")),
        Some(i) if i.is_artifact() => return Err(format!("image {image} is an artifact")),
        _ => {}
    }
    let opts = Options {
        read_layers: false,
        content_digests: true,
        ..Options::default()
    };
    let mut b = dissect(src, &opts, sink).map_err(|e| e.to_string())?;
    // a one-pass read (a compressed archive, a report) is finished already
    if b.report.archive.seekable && b.recorded.is_none() {
        reuse_shared_blobs(&mut b, a);
        let missing = b.missing();
        b.read_blobs_with(again, &missing, sink, true);
        b = b.finish(&opts, sink);
    }
    let image_b = b
        .report
        .images
        .iter()
        .position(|i| !i.is_artifact())
        .ok_or("no image was found in the second file")?;
    let diff = diff(a, image, &b, image_b, false)?;
    Ok(Against {
        dissection: b,
        diff,
        image_a: image,
        image_b,
    })
}

impl Against {
    /// The comparison as the page first gets it: without its file changes
    /// (asked for with [`Against::changes`]), its directory totals cut to
    /// [`MAX_CHANGED_DIRS_SENT`].
    pub fn for_page(&mut self) -> Diff {
        let files = std::mem::take(&mut self.diff.files);
        let mut d = self.diff.clone();
        self.diff.files = files;
        d.directories.truncate(MAX_CHANGED_DIRS_SENT);
        d
    }

    /// The file changes `filter` keeps whose path holds `search`
    /// (case-insensitive), by path: the first `limit` of them (never more
    /// than [`MAX_CHANGES_SENT`]), and how many there are in all.
    pub fn changes(
        &self,
        filter: &ChangeFilter,
        search: &str,
        limit: usize,
    ) -> (Vec<FileChange>, usize) {
        let q = search.to_lowercase();
        let mut kept =
            self.diff.files.iter().filter(|f| {
                filter.keeps(f) && (q.is_empty() || f.path.to_lowercase().contains(&q))
            });
        let rows: Vec<FileChange> = kept
            .by_ref()
            .take(limit.min(MAX_CHANGES_SENT))
            .cloned()
            .collect();
        let total = rows.len() + kept.count();
        (rows, total)
    }

    /// The package changes between A's image and B's: both images'
    /// package files are read now (within the package limits), A's from
    /// `src_a`, B's from `src_b`.
    pub fn packages<R: Read + Seek, S: Read + Seek>(
        &self,
        a: &Dissection,
        src_a: &mut R,
        src_b: &mut S,
    ) -> Vec<PackageChange> {
        let pa = crate::packages::read_image(src_a, a, self.image_a);
        let pb = crate::packages::read_image(src_b, &self.dissection, self.image_b);
        package_changes(&pa.packages, &pb.packages)
    }
}

impl Against {
    /// Answers a query about the comparison ([`Query::Changes`],
    /// [`Query::PackageChanges`]); any other query is not one.
    pub fn answer<R: Read + Seek, S: Read + Seek>(
        &self,
        query: &Query,
        a: &Dissection,
        src_a: &mut R,
        src_b: &mut S,
    ) -> Option<Answer> {
        Some(match query {
            Query::Changes {
                filter,
                search,
                limit,
            } => {
                let (rows, total) = self.changes(filter, search, *limit);
                Answer::Changes { rows, total }
            }
            Query::PackageChanges => Answer::PackageChanges {
                changes: self.packages(a, src_a, src_b),
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::diff::PackageChangeKind;
    use crate::sample::{build_lab, build_lab_v2};
    use crate::Quiet;

    fn lab() -> (Dissection, Vec<u8>) {
        let bytes = build_lab();
        let d = dissect(Cursor::new(&bytes), &Options::default(), &mut Quiet).unwrap();
        (d, bytes)
    }

    fn compared() -> (Dissection, Vec<u8>, Against, Vec<u8>) {
        let (mut a, bytes) = lab();
        assert_eq!(hash_contents(&mut a, Cursor::new(&bytes), &mut Quiet), 5);
        let v2 = build_lab_v2();
        let b = read_against(&a, 0, Cursor::new(&v2), Cursor::new(&v2), &mut Quiet).unwrap();
        (a, bytes, b, v2)
    }

    #[test]
    fn the_lab_image_against_its_next_version() {
        let (_, _, mut b, _) = compared();
        let d = &b.diff;
        assert_eq!(d.unhashed_files, 0, "{}", d.summary);
        assert_eq!(d.layers.shared.len(), 4);
        assert_eq!(d.layers.only_a.len(), 1);
        assert_eq!(d.layers.only_b.len(), 2);
        let change = |p: &str| d.files.iter().find(|f| f.path == p).map(|f| f.change);
        assert_eq!(change("app/health.py"), Some(FileChangeKind::Added));
        assert_eq!(change("app/main.py"), Some(FileChangeKind::Modified));
        assert_eq!(change("usr/bin/curl"), Some(FileChangeKind::Added));
        assert_eq!(
            change("app/views/v11/page00.html"),
            Some(FileChangeKind::Removed)
        );
        // the shared base is the same to the byte: none of its files differs
        assert_eq!(change("usr/bin/tool000"), None);
        let env = d
            .config
            .iter()
            .find(|f| f.field == "env" && f.key.as_deref() == Some("APP_VERSION"))
            .unwrap();
        assert_eq!((env.a.as_deref(), env.b.as_deref()), (None, Some("2")));
        let counts = d.counts.clone();
        let page = b.for_page();
        assert!(page.files.is_empty());
        assert_eq!(page.counts, counts);
        assert!(!b.diff.files.is_empty());
    }

    #[test]
    fn b_takes_the_layers_it_shares_with_a_from_a() {
        let (a, _, b, _) = compared();
        // B's shared blobs are A's entries, content digests and all
        let ea = a.layer_entries(0);
        let eb = b.dissection.layer_entries(0);
        for l in 0..4 {
            assert_eq!(ea[l], eb[l]);
        }
        assert!(eb[5]
            .iter()
            .filter(|e| e.kind == Kind::File)
            .all(|e| e.content.is_some()));
    }

    #[test]
    fn changes_are_filtered_searched_and_cut() {
        let (_, _, b, _) = compared();
        let all = ChangeFilter::default();
        let (rows, total) = b.changes(&all, "", usize::MAX);
        assert_eq!(rows.len(), total);
        assert!(rows.windows(2).all(|w| w[0].path < w[1].path));
        let (rows, total) = b.changes(&all, "HEALTH", 10);
        assert_eq!(total, 1);
        assert_eq!(rows[0].path, "app/health.py");
        let added = ChangeFilter {
            added: true,
            removed: false,
            modified: false,
            timestamps: false,
        };
        let (rows, n) = b.changes(&added, "", 2);
        assert_eq!(rows.len(), 2);
        assert!(n > 2);
        assert!(rows.iter().all(|r| r.change == FileChangeKind::Added));
        let (rows, _) = b.changes(&all, "", usize::MAX);
        assert!(rows.len() <= MAX_CHANGES_SENT);
    }

    #[test]
    fn package_changes_read_both_images() {
        let (a, bytes, b, v2) = compared();
        let p = b.packages(&a, &mut Cursor::new(&bytes), &mut Cursor::new(&v2));
        let of = |n: &str| p.iter().find(|c| c.name == n).map(|c| c.change);
        assert_eq!(of("curl"), Some(PackageChangeKind::Added));
        assert_eq!(of("tzdata"), Some(PackageChangeKind::Changed));
        assert_eq!(of("libbase000"), None);
        let q = Query::Changes {
            filter: ChangeFilter::default(),
            search: "main.py".into(),
            limit: 10,
        };
        let (mut ra, mut rb) = (Cursor::new(&bytes), Cursor::new(&v2));
        match b.answer(&q, &a, &mut ra, &mut rb) {
            Some(Answer::Changes { rows, total: 1 }) => assert_eq!(rows[0].what[0], "content"),
            other => panic!("{other:?}"),
        }
        let list = Query::Packages { image: 0 };
        assert!(b.answer(&list, &a, &mut ra, &mut rb).is_none());
    }

    #[test]
    fn an_a_read_without_content_digests_compares_by_size_and_says_so() {
        let (a, _) = lab();
        let v2 = build_lab_v2();
        let b = read_against(&a, 0, Cursor::new(&v2), Cursor::new(&v2), &mut Quiet).unwrap();
        assert!(b.diff.unhashed_files > 0);
        assert!(
            b.diff.summary.contains("by size alone"),
            "{}",
            b.diff.summary
        );
    }

    #[test]
    fn a_second_file_that_is_no_image_is_an_error_not_a_panic() {
        let (mut a, bytes) = lab();
        hash_contents(&mut a, Cursor::new(&bytes), &mut Quiet);
        let junk = vec![7u8; 4096];
        assert!(read_against(&a, 0, Cursor::new(&junk), Cursor::new(&junk), &mut Quiet).is_err());
        assert!(read_against(&a, 3, Cursor::new(&bytes), Cursor::new(&bytes), &mut Quiet).is_err());
        // the same image against itself: identical
        let same =
            read_against(&a, 0, Cursor::new(&bytes), Cursor::new(&bytes), &mut Quiet).unwrap();
        assert_eq!(
            same.diff.verdict,
            crate::diff::Verdict::Identical,
            "{}",
            same.diff.summary
        );
    }
}
