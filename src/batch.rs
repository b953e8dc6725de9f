//! The layer blobs of one reader, read four at a time: each busy lane asks
//! for the next piece of its blob, every piece is walked by a
//! [`layer::Feed`](crate::Feed) and the four are hashed in step by
//! [`Sha256x4`]. Without SHA-NI (in the browser) one SIMD pass over four
//! streams costs about two scalar ones, so a reader with several blobs
//! hashes them about twice as fast as one at a time.
//!
//! A batch does no I/O: the caller fetches the ranges [`Batch::wants`]
//! names, in any way it likes (a synchronous read, or asynchronous reads
//! kept in flight ahead of the hashing), and hands them to [`Batch::take`].
//! Blobs that are not uncompressed tar layers hashed with sha256 (gzip and
//! zstd layers, artifacts, blobs under 512 bytes), and blobs whose read
//! failed, are handed back as [`Outcome::Declined`], for the caller to read
//! with [`crate::analyze`] (see [`Dissection::read_blobs`]).

use std::collections::VecDeque;

use crate::digest::Digest;
use crate::dissect::{expectations, Dissection, Event, Sink};
use crate::entry::Entry;
use crate::layer::{Expect, Feed, LayerFacts};
use crate::sha256x4::{Sha256x4, LANES};

/// One blob to read.
struct Job {
    blob: usize,
    path: String,
    offset: u64,
    size: u64,
    expect: Expect,
}

/// A lane's blob, and how far it is read.
struct Lane {
    job: Job,
    done: u64,
    feed: Option<Feed>,
}

/// A range of the archive a lane needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// The lane asking (hand the bytes back under it).
    pub lane: usize,
    /// The first byte, as an offset in the archive.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
    /// One past the last byte of the lane's blob (what it will want next
    /// lies between `end` and this).
    pub blob_end: u64,
}

/// What became of a blob.
#[derive(Debug)]
pub enum Outcome {
    /// Read whole: its facts and entries, for [`Dissection::complete`].
    Read {
        /// Which blob of the dissection.
        blob: usize,
        /// What reading it found.
        facts: Box<LayerFacts>,
        /// Its tar members.
        entries: Vec<Entry>,
    },
    /// Not a blob a batch reads, or its read failed: read it with
    /// [`crate::analyze`].
    Declined {
        /// Which blob of the dissection.
        blob: usize,
    },
}

/// Blobs of one dissection, read in step four at a time.
pub struct Batch {
    queue: VecDeque<Job>,
    lanes: [Option<Lane>; LANES],
    hasher: Sha256x4,
    piece: u64,
    read: u64,
    total: Option<u64>,
    step: u64,
    last: u64,
    /// Declined before a lane was spent on them.
    declined: Vec<usize>,
}

impl Batch {
    /// Reads `blobs` of `d` (not yet read), `piece` bytes a lane at a time;
    /// progress is reported every `progress_step` bytes, of `total` bytes.
    pub fn new(
        d: &Dissection,
        blobs: &[usize],
        piece: usize,
        total: Option<u64>,
        progress_step: u64,
    ) -> Batch {
        let mut declined = Vec::new();
        let mut queue = VecDeque::new();
        let expect = expectations(&d.report, d.blobs.len());
        for &b in blobs {
            let Some(blob) = d.blobs.get(b) else { continue };
            if blob.size < 512 {
                declined.push(b);
                continue;
            }
            queue.push_back(Job {
                blob: b,
                path: blob.path.clone(),
                offset: blob.offset,
                size: blob.size,
                expect: expect[b].clone(),
            });
        }
        // the largest first, so the longest stream starts at once and the
        // others share the lanes beside it
        let mut queue: Vec<Job> = queue.into();
        queue.sort_by(|a, b| b.size.cmp(&a.size).then(a.blob.cmp(&b.blob)));
        Batch {
            queue: queue.into(),
            lanes: [const { None }; LANES],
            hasher: Sha256x4::new(),
            piece: piece.max(512) as u64,
            read: 0,
            total,
            step: progress_step.max(1),
            last: 0,
            declined,
        }
    }

    /// The ranges to read next, one for each busy lane (idle lanes take the
    /// next blobs first, and say so with [`Event::LayerStarted`]); empty
    /// when every blob is read.
    pub fn wants(&mut self, sink: &mut dyn Sink) -> Vec<Want> {
        for slot in self.lanes.iter_mut().filter(|l| l.is_none()) {
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            sink.event(Event::LayerStarted {
                blob: job.blob,
                path: &job.path,
                size: job.size,
            });
            *slot = Some(Lane {
                job,
                done: 0,
                feed: None,
            });
        }
        self.lanes
            .iter()
            .enumerate()
            .filter_map(|(lane, l)| {
                let l = l.as_ref()?;
                let start = l.job.offset + l.done;
                let end = start + self.piece.min(l.job.size - l.done);
                let blob_end = l.job.offset + l.job.size;
                Some(Want {
                    lane,
                    start,
                    end,
                    blob_end,
                })
            })
            .collect()
    }

    /// Takes the bytes of the last [`Batch::wants`] (or why a read failed),
    /// by lane; returns the blobs that are now read or declined.
    pub fn take(
        &mut self,
        pieces: Vec<(usize, Result<&[u8], String>)>,
        sink: &mut dyn Sink,
    ) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = std::mem::take(&mut self.declined)
            .into_iter()
            .map(|blob| Outcome::Declined { blob })
            .collect();
        let mut inputs: [&[u8]; LANES] = [&[]; LANES];
        for (lane, piece) in pieces {
            let Some(l) = self.lanes.get_mut(lane).and_then(Option::as_mut) else {
                continue;
            };
            let want = self.piece.min(l.job.size - l.done) as usize;
            let bytes = match piece {
                Ok(b) if b.len() == want => b,
                _ => {
                    // a failed or short read: the pull read says what went wrong
                    out.push(self.decline(lane));
                    continue;
                }
            };
            if l.feed.is_none() {
                l.feed = Feed::new(&l.job.expect, bytes);
                if l.feed.is_none() {
                    out.push(self.decline(lane));
                    continue;
                }
            }
            if let Some(f) = l.feed.as_mut() {
                f.feed(bytes);
            }
            l.done += bytes.len() as u64;
            self.read += bytes.len() as u64;
            inputs[lane] = bytes;
        }
        self.hasher.update4(inputs);
        for lane in 0..LANES {
            let finished = self.lanes[lane]
                .as_ref()
                .is_some_and(|l| l.done == l.job.size && l.feed.is_some());
            if !finished {
                continue;
            }
            let Some(Lane { job, feed, .. }) = self.lanes[lane].take() else {
                continue;
            };
            let digest = Digest::sha256_from_bytes(self.hasher.finish(lane));
            let Some(feed) = feed else { continue };
            let (facts, entries) = feed.finish(digest);
            sink.event(Event::LayerDone {
                blob: job.blob,
                path: &job.path,
                facts: &facts,
                entries: &entries,
            });
            out.push(Outcome::Read {
                blob: job.blob,
                facts: Box::new(facts),
                entries,
            });
        }
        if self.read >= self.last + self.step {
            self.last = self.read;
            sink.event(Event::Progress {
                read: self.read,
                total: self.total,
                inflated: self.read,
            });
        }
        out
    }

    /// Gives a lane's blob back to be read another way.
    fn decline(&mut self, lane: usize) -> Outcome {
        let l = self.lanes[lane].take();
        // whatever the lane hashed belongs to no one now
        self.hasher.finish(lane);
        Outcome::Declined {
            blob: l.map_or(usize::MAX, |l| l.job.blob),
        }
    }
}
