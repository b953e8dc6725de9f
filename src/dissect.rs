//! The pipeline: source → archive → images → layers → tree, reported as
//! events to a sink as each fact becomes known (`event.rs`). This module
//! holds the options, the result, and the seekable read; the one-pass
//! read of a source that cannot seek is `stream.rs`, and both share the
//! steps below (`read_at`, `deliver`, `close`).

use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::archive::{self, Index, Member, MemberKind, SeekStore};
use crate::detect::{sniff, Compression, Sniffed};
use crate::entry::Entry;
use crate::image::{assign_blobs, find_images};
use crate::layer::{self, Expect, LayerFacts};
use crate::problem::{Error, Fault, Location, Problem, ProblemBudget};
use crate::report::Report;
use crate::report_file::{report_version, RecordedFiles};
use crate::share::{cost, inflated_hints, Share};
use crate::source::{read_up_to, Counted};
use crate::stream::dissect_stream;
use crate::tree;

pub use crate::event::{Event, Quiet, Sink};
pub(crate) use crate::keep::Keep;
pub(crate) use crate::progress::Progress;

/// Dissection options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep every layer's entries (needed for trees and listings).
    pub keep_entries: bool,
    /// Emit a progress event at most every this many bytes.
    pub progress_step: u64,
    /// Read only this share of the layer blobs (so several readers of one
    /// seekable source can work in parallel); the dissection then stays
    /// open until the other shares' blobs are added with
    /// [`Dissection::complete`] and [`Dissection::finish`] is called.
    pub share: Option<Share>,
    /// Read the layer blobs (of the share, if one is given). When false,
    /// a seekable archive's images are found and its blobs left unread,
    /// for the caller to read ([`crate::Batch`], [`Dissection::read_blobs`])
    /// and add with [`Dissection::complete`] before [`Dissection::finish`];
    /// a compressed archive is read in one pass (and finished) whatever
    /// this says.
    pub read_layers: bool,
    /// Hash each regular file's content (XXH64) into [`Entry::content`] as
    /// the layers stream by, for comparing images (`layercake diff`).
    /// Off by default: an inspect does not pay for it. Reads driven from
    /// outside ([`crate::Batch`], [`crate::Feed`]) and
    /// [`Dissection::read_blobs`] never compute them.
    pub content_digests: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            keep_entries: true,
            progress_step: 4 << 20,
            share: None,
            read_layers: true,
            content_digests: false,
        }
    }
}

impl Blob {
    /// The outer-archive member the blob is.
    pub(crate) fn member(&self) -> Member {
        Member {
            path: self.path.clone(),
            kind: MemberKind::File,
            offset: self.offset,
            size: self.size,
            link: None,
        }
    }
}

/// One distinct blob read as a layer.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Member path in the outer archive.
    pub path: String,
    /// Offset of the member in the (uncompressed) outer stream.
    pub offset: u64,
    /// Bytes of the member.
    pub size: u64,
    /// What a gzip blob's trailer says it inflates to (a hint for dealing
    /// blobs out to shares, read only when there are shares; see
    /// `share::inflated_hints`).
    pub inflated: Option<u64>,
    /// What reading it found; `None` while another share has it to read.
    pub facts: Option<LayerFacts>,
    /// Its tar members, when kept.
    pub entries: Vec<Entry>,
}

/// The result: the report, plus every layer's entries for trees and listings.
#[derive(Debug, Clone)]
pub struct Dissection {
    /// Every fact found.
    pub report: Report,
    /// Each distinct layer blob, read once, numbered as the layers'
    /// `blob` fields say.
    pub blobs: Vec<Blob>,
    /// Set only for a dissection read from a report file: the file
    /// contents it holds (and its checks are as recorded, not fresh).
    pub recorded: Option<RecordedFiles>,
    /// Entries kept in all blobs, so that adding a blob's checks
    /// [`MAX_ENTRIES`](crate::limits::MAX_ENTRIES) without counting them
    /// all again.
    pub(crate) kept_entries: usize,
    /// The blobs' problems listed, against
    /// [`MAX_PROBLEMS`](crate::limits::MAX_PROBLEMS).
    pub(crate) kept_problems: ProblemBudget,
}

impl Dissection {
    /// A dissection of these facts and blobs.
    pub fn new(report: Report, blobs: Vec<Blob>, recorded: Option<RecordedFiles>) -> Dissection {
        let kept_entries = blobs.iter().map(|b| b.entries.len()).sum();
        let kept_problems = ProblemBudget::spent(
            blobs
                .iter()
                .filter_map(|b| b.facts.as_ref())
                .flat_map(|f| &f.problems),
        );
        Dissection {
            report,
            blobs,
            recorded,
            kept_entries,
            kept_problems,
        }
    }

    /// The entries of each layer of image `i`, in order (empty for layers
    /// that could not be read).
    pub fn layer_entries(&self, i: usize) -> Vec<&[Entry]> {
        self.report.images[i]
            .layers
            .iter()
            .map(|l| match l.blob {
                Some(b) => self.blobs[b].entries.as_slice(),
                None => &[],
            })
            .collect()
    }

    /// Where the content written by entry `entry` of layer `layer` of image
    /// `image` is, to read it again.
    pub fn locate(
        &self,
        image: usize,
        layer: usize,
        entry: usize,
    ) -> Option<crate::contents::FileRef> {
        let l = self.report.images.get(image)?.layers.get(layer)?;
        let blob = &self.blobs[l.blob?];
        let e = blob.entries.get(entry)?;
        Some(crate::contents::FileRef {
            member: blob.path.clone(),
            member_offset: blob.offset,
            member_size: blob.size,
            archive_compression: self.report.archive.compression.unwrap_or(Compression::None),
            layer_compression: l.compression?,
            offset: e.offset,
            size: e.size,
        })
    }

    /// The merged filesystem of image `i`.
    pub fn tree(&self, i: usize) -> tree::Tree {
        tree::Tree::merge(&self.layer_entries(i))
    }
}

/// Whether [`dissect`] reads a source that begins with `head` (its first
/// 512 bytes) in one pass, as [`dissect_stream`] does: a compressed
/// archive, or a report file that is not compressed.
pub fn reads_in_one_pass(head: &[u8]) -> bool {
    match sniff(head) {
        Sniffed::Gzip | Sniffed::Zstd => true,
        Sniffed::Other(_) => report_version(head).is_some(),
        _ => false,
    }
}

/// Dissects a seekable source: the outer headers first, then manifests and
/// configs (reported before any layer is read), then each layer once. A
/// compressed archive is read in one pass instead.
pub fn dissect<R: Read + Seek>(
    mut src: R,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<Dissection, Error> {
    let read_err = |offset| move |source| Error::Read { offset, source };
    let len = src.seek(SeekFrom::End(0)).map_err(read_err(0))?;
    src.seek(SeekFrom::Start(0)).map_err(read_err(0))?;
    let head = read_up_to(&mut src, 512).map_err(read_err(0))?;
    src.seek(SeekFrom::Start(0)).map_err(read_err(0))?;
    // a compressed archive, or a report file that is not compressed, is
    // read in one pass, by the first share alone
    if reads_in_one_pass(&head) {
        if opts.share.is_some_and(|s| s.index > 0) {
            return Ok(Dissection::new(Report::default(), Vec::new(), None));
        }
        return dissect_stream(src, Some(len), opts, sink);
    }
    let counter = Rc::new(Cell::new(0));
    let mut progress = Progress::new(counter.clone(), Some(len), opts.progress_step);
    let (index, outer_problems) = archive::index(&mut src)?;
    let mut report = Report::default();
    report.archive.size = Some(len);
    report.archive.compression = Some(Compression::None);
    report.archive.seekable = true;
    report.archive.members = index.members.len();
    report.problems.extend(outer_problems);

    let mut store = SeekStore {
        source: &mut src,
        index,
    };
    find_images(&mut store, &mut report)?;
    let index = store.index;
    announce(&report, sink);

    // each distinct blob once, in archive order
    let paths = assign_blobs(&mut report, &index);
    let members: Vec<Member> = paths.iter().map(|p| member_at(&index, p)).collect();
    let mut expects = expectations(&report, paths.len());
    let hints = match opts.share {
        Some(s) if s.of > 1 => inflated_hints(&mut src, &members, &expects),
        _ => vec![None; members.len()],
    };
    let owners = opts.share.map(|s| {
        let costs: Vec<u64> = (members.iter().zip(&hints))
            .map(|(m, &h)| cost(m.size, h))
            .collect();
        (s.index, Share::deal(s.of, &costs))
    });
    let mut blobs = Vec::with_capacity(paths.len());
    let mut keep = Keep::new(opts.keep_entries);
    for (b, (path, m)) in paths.iter().zip(members).enumerate() {
        let theirs = owners
            .as_ref()
            .is_some_and(|(mine, owner)| owner[b] != *mine);
        if theirs || !opts.read_layers {
            // another reader's share
            blobs.push(Blob {
                path: path.clone(),
                offset: m.offset,
                size: m.size,
                inflated: hints[b],
                facts: None,
                entries: Vec::new(),
            });
            continue;
        }
        sink.event(Event::LayerStarted {
            blob: b,
            path,
            size: m.size,
        });
        let expect = std::mem::take(&mut expects[b]);
        let counted = Counted {
            inner: &mut src,
            counter: counter.clone(),
        };
        let mut tick = |n: u64| progress.inflate(n, sink);
        let read = read_at(counted, &m, &expect, Some(&mut tick), opts.content_digests);
        let mut blob = deliver(sink, b, &m, read, &mut keep);
        blob.inflated = hints[b];
        blobs.push(blob);
    }
    close(report, blobs, &mut progress, opts, sink)
}

/// Reads the blob `m` from a seekable source: a failed seek is a problem of
/// that blob, not of the dissection.
pub(crate) fn read_at<R: Read + Seek>(
    mut src: R,
    m: &Member,
    expect: &Expect,
    progress: Option<&mut dyn FnMut(u64)>,
    content_digests: bool,
) -> (LayerFacts, Vec<Entry>) {
    match src.seek(SeekFrom::Start(m.offset)) {
        Ok(_) => layer::analyze_with((&mut src).take(m.size), expect, progress, content_digests),
        Err(e) => (
            LayerFacts::unreadable(Problem::new(
                Fault::Truncated {
                    detail: format!("cannot seek to {}: {e}", m.path),
                },
                Location::entry(m.path.clone()).at(m.offset),
            )),
            Vec::new(),
        ),
    }
}

/// Reports a blob read and keeps it (its entries only if asked to).
pub(crate) fn deliver(
    sink: &mut dyn Sink,
    b: usize,
    m: &Member,
    (mut facts, entries): (LayerFacts, Vec<Entry>),
    keep: &mut Keep,
) -> Blob {
    let entries = keep.admit(&mut facts, entries);
    sink.event(Event::LayerDone {
        blob: b,
        path: &m.path,
        facts: &facts,
        entries: &entries,
    });
    Blob {
        path: m.path.clone(),
        offset: m.offset,
        size: m.size,
        inflated: None,
        facts: Some(facts),
        entries: if keep.on { entries } else { Vec::new() },
    }
}

/// Ends a read: the last progress, then the finished report, unless this
/// read is one share of several (the gatherer finishes).
pub(crate) fn close(
    report: Report,
    blobs: Vec<Blob>,
    progress: &mut Progress,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<Dissection, Error> {
    progress.tick(sink, true);
    // blobs left for the caller (a seekable read asked not to read them)
    let deferred = !opts.read_layers && report.archive.seekable;
    let d = Dissection::new(report, blobs, None);
    if opts.share.is_some() || deferred {
        return Ok(d);
    }
    Ok(d.finish(opts, sink))
}

/// The digest, size and media type the first user of each of the `blobs`
/// blobs expects, in one walk of the layers (a blob at a time would walk
/// them once per blob: quadratic in an archive of many).
pub(crate) fn expectations(report: &Report, blobs: usize) -> Vec<Expect> {
    let mut out = vec![None; blobs];
    for l in report.images.iter().flat_map(|i| &i.layers) {
        if let Some(slot) = l.blob.and_then(|b| out.get_mut(b)) {
            slot.get_or_insert_with(|| Expect {
                digest: l.digest.clone(),
                size: l.size,
                media_type: l.media_type.clone(),
            });
        }
    }
    out.into_iter().map(Option::unwrap_or_default).collect()
}

pub(crate) fn announce(report: &Report, sink: &mut dyn Sink) {
    sink.event(Event::Archive(&report.archive));
    for p in &report.problems {
        sink.event(Event::Problem(p));
    }
    for (i, image) in report.images.iter().enumerate() {
        sink.event(Event::Image { index: i, image });
    }
}

impl Dissection {
    /// Folds blob facts into the layers, checks every digest, merges the
    /// trees, and reports `Finished`.
    /// A dissection read from a report file is finished as recorded: its
    /// checks, trees and totals are the report's.
    pub fn finish(mut self, opts: &Options, sink: &mut dyn Sink) -> Dissection {
        if self.recorded.is_some() {
            sink.event(Event::Finished(&self.report));
            return self;
        }
        for img in &mut self.report.images {
            for l in img.layers.iter_mut().filter(|l| !l.read) {
                if let Some(facts) = l.blob.and_then(|b| self.blobs[b].facts.as_ref()) {
                    l.absorb(facts);
                }
            }
            img.fold_checks();
        }
        if opts.keep_entries {
            for i in 0..self.report.images.len() {
                if self.report.images[i].is_artifact() {
                    continue;
                }
                let tree = self.tree(i);
                let img = &mut self.report.images[i];
                img.files = Some(tree.stats());
                img.problems.extend(tree.problems);
            }
        }
        sink.event(Event::Finished(&self.report));
        self
    }
}

/// The member a blob path names, or an empty stand-in for one the archive
/// lacks.
pub(crate) fn member_at(index: &Index, path: &str) -> Member {
    index.get_raw(path).cloned().unwrap_or(Member {
        path: path.to_string(),
        kind: MemberKind::Other,
        offset: 0,
        size: 0,
        link: None,
    })
}
