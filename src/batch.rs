//! The layer blobs of one reader, read four at a time: each busy lane asks
//! for the next piece of its blob, every piece is walked by a
//! [`layer::Feed`](crate::Feed) and the four lanes are hashed in step by
//! [`Sha256x4`]. Without SHA-NI (in the browser) one SIMD pass over four
//! streams costs about two scalar ones, so a reader with several blobs
//! hashes them about twice as fast as one at a time.
//!
//! A lane hashes one stream. An uncompressed tar layer is one stream (its
//! digest is its diff_id), read and walked in one lane. A gzip layer is
//! two: one lane inflates it and walks and hashes the inflated stream (the
//! diff_id), while another hashes the blob as stored (it reads the blob a
//! second time, which costs a copy, not a hash). Each lane hashes at most
//! one piece's worth a round, an inflating lane too (it keeps what it has
//! not inflated for the next round), so the four lanes keep in step.
//!
//! A batch does no I/O: the caller fetches the ranges [`Batch::wants`]
//! names, in any way it likes (a synchronous read, or asynchronous reads
//! kept in flight ahead of the hashing), and hands them to [`Batch::take`].
//! Blobs that are neither uncompressed tar layers nor gzip layers hashed
//! with sha256 (zstd layers, artifacts, blobs under 512 bytes), and blobs
//! whose read or inflation failed, are handed back as
//! [`Outcome::Declined`], for the caller to read with [`crate::analyze`]
//! (see [`Dissection::read_blobs`]), which says what went wrong.

use std::collections::{HashMap, VecDeque};

use crate::digest::Digest;
use crate::dissect::{expectations, Dissection, Event, Sink};
use crate::entry::Entry;
use crate::feed::Feed;
use crate::layer::LayerFacts;
use crate::sha256x4::{Sha256x4, LANES};

mod lane;
mod timings;

use lane::{Half, Inflate, Job, Lane, Task, Work};
pub use timings::Timings;

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
    /// Gzip layers with one half done.
    halves: HashMap<usize, Half>,
    piece: u64,
    read: u64,
    inflated: u64,
    total: Option<u64>,
    step: u64,
    last: u64,
    /// Declined before a lane was spent on them.
    declined: Vec<usize>,
    /// Each lane's piece, as read.
    bufs: [Vec<u8>; LANES],
    clock: Option<fn() -> f64>,
    timings: Timings,
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
        let mut queue = Vec::new();
        let expect = expectations(&d.report, d.blobs.len());
        for &b in blobs {
            let Some(blob) = d.blobs.get(b) else { continue };
            if blob.size < 512 {
                declined.push(b);
                continue;
            }
            queue.push(Job {
                blob: b,
                path: blob.path.clone(),
                offset: blob.offset,
                size: blob.size,
                expect: expect[b].clone(),
                task: Task::Read,
            });
        }
        // the largest first, so the longest stream starts at once and the
        // others share the lanes beside it
        queue.sort_by(|a, b| b.size.cmp(&a.size).then(a.blob.cmp(&b.blob)));
        Batch {
            queue: queue.into(),
            lanes: [const { None }; LANES],
            hasher: Sha256x4::new(),
            halves: HashMap::new(),
            piece: piece.max(512) as u64,
            read: 0,
            inflated: 0,
            total,
            step: progress_step.max(1),
            last: 0,
            declined,
            bufs: Default::default(),
            clock: None,
            timings: Timings::default(),
        }
    }

    /// Times its steps with `clock` (milliseconds), for [`Batch::timings`].
    pub fn timed(mut self, clock: fn() -> f64) -> Batch {
        self.clock = Some(clock);
        self
    }

    /// Where the time went so far (all zero unless [`Batch::timed`]).
    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// Whether every blob is read or declined (and every outcome handed
    /// back by [`Batch::take`]).
    pub fn is_done(&self) -> bool {
        self.queue.is_empty() && self.lanes.iter().all(Option::is_none) && self.declined.is_empty()
    }

    /// The ranges to read next, one for each busy lane that needs bytes
    /// this round (idle lanes take the next blobs first, and say so with
    /// [`Event::LayerStarted`]). It may be empty while lanes are busy (an
    /// inflating lane still has bytes to inflate): call [`Batch::take`]
    /// all the same, until [`Batch::is_done`].
    pub fn wants(&mut self, sink: &mut dyn Sink) -> Vec<Want> {
        for slot in self.lanes.iter_mut().filter(|l| l.is_none()) {
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            let work = match job.task {
                Task::Read => {
                    sink.event(Event::LayerStarted {
                        blob: job.blob,
                        path: &job.path,
                        size: job.size,
                    });
                    Work::New
                }
                Task::Hash => Work::Hash,
            };
            *slot = Some(Lane { job, done: 0, work });
        }
        self.lanes
            .iter()
            .enumerate()
            .filter_map(|(lane, l)| {
                let l = l.as_ref().filter(|l| !l.has_input())?;
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

    /// For each busy lane, the part of its blob it has not asked for yet
    /// (`start..end`, as offsets in the archive), where its next
    /// [`Want`]s will lie: pieces read ahead there will be wanted.
    pub fn unread(&self) -> Vec<(usize, u64, u64)> {
        self.lanes
            .iter()
            .enumerate()
            .filter_map(|(lane, l)| {
                let l = l.as_ref()?;
                let end = l.job.offset + l.job.size;
                Some((lane, l.job.offset + l.done, end))
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
        let filled = pieces
            .into_iter()
            .map(|(lane, piece)| {
                let filled = piece.map(|bytes| {
                    if let Some(buf) = self.bufs.get_mut(lane) {
                        buf.clear();
                        buf.extend_from_slice(bytes);
                    }
                });
                (lane, filled)
            })
            .collect();
        self.take_filled(filled, sink)
    }

    /// The buffer to read lane `lane`'s next piece into, for
    /// [`Batch::take_filled`] (only for a lane the last [`Batch::wants`]
    /// named: another lane may still be inflating what its buffer holds).
    ///
    /// # Panics
    ///
    /// If `lane >= LANES`.
    pub fn buffer(&mut self, lane: usize) -> &mut Vec<u8> {
        &mut self.bufs[lane]
    }

    /// [`Batch::take`] for pieces read straight into [`Batch::buffer`]:
    /// for each lane of the last [`Batch::wants`], `Ok` once its buffer
    /// holds the piece, or why the read failed.
    pub fn take_filled(
        &mut self,
        filled: Vec<(usize, Result<(), String>)>,
        sink: &mut dyn Sink,
    ) -> Vec<Outcome> {
        let mut out: Vec<Outcome> = std::mem::take(&mut self.declined)
            .into_iter()
            .map(|blob| Outcome::Declined { blob })
            .collect();
        let mut t = self.clock.map_or(0.0, |c| c());
        let mut fresh = [false; LANES];
        let mut dropped = Vec::new();
        for (lane, result) in filled {
            let (Some(Some(l)), Some(bytes)) = (self.lanes.get_mut(lane), self.bufs.get(lane))
            else {
                continue;
            };
            let want = self.piece.min(l.job.size - l.done) as usize;
            if result.is_err() || bytes.len() != want || l.has_input() {
                // a failed or short read: the pull read says what went wrong
                dropped.push(l.job.blob);
                continue;
            }
            if matches!(l.work, Work::New) {
                if let Some(feed) = Feed::new(&l.job.expect, bytes) {
                    l.work = Work::Walk(Box::new(feed));
                } else if Feed::inflates(&l.job.expect, bytes) {
                    // the blob as stored is hashed by the next free lane
                    self.queue.push_front(Job {
                        task: Task::Hash,
                        ..l.job.clone()
                    });
                    let cap = self.piece as usize;
                    l.work = Work::Inflate(Box::new(Inflate::new(&l.job.expect, cap)));
                }
            }
            l.done += bytes.len() as u64;
            fresh[lane] = true;
            match &mut l.work {
                // neither an uncompressed nor a gzip layer
                Work::New => dropped.push(l.job.blob),
                Work::Walk(feed) => {
                    feed.feed(bytes);
                    self.read += bytes.len() as u64;
                    self.inflated += bytes.len() as u64;
                }
                Work::Hash => {}
                Work::Inflate(i) => {
                    self.read += bytes.len() as u64;
                    i.gzip.start(bytes.len());
                }
            }
        }
        for blob in dropped {
            out.extend(self.drop_blob(blob));
        }
        t = self.timings.lap(self.clock, t, |t| &mut t.walk_ms);
        // every inflating lane inflates its next piece's worth
        for lane in 0..LANES {
            let Some(l) = self.lanes[lane].as_mut() else {
                continue;
            };
            let last = l.done == l.job.size;
            let Work::Inflate(i) = &mut l.work else {
                continue;
            };
            match i.step(&self.bufs[lane], self.piece as usize, last) {
                Ok(()) => self.inflated += i.gzip.out().len() as u64,
                Err(_) => {
                    // damaged: the pull read says how
                    let blob = l.job.blob;
                    out.extend(self.drop_blob(blob));
                }
            }
        }
        t = self.timings.lap(self.clock, t, |t| &mut t.inflate_ms);
        let inputs: [&[u8]; LANES] = std::array::from_fn(|lane| match &self.lanes[lane] {
            Some(Lane {
                work: Work::Inflate(i),
                ..
            }) => i.gzip.out(),
            Some(_) if fresh[lane] => &self.bufs[lane],
            Some(_) => &[],
            // dropped this round: nothing to hash
            None => &[],
        });
        self.timings.rounds += 1;
        self.timings.busy_lanes += inputs.iter().filter(|i| !i.is_empty()).count() as u64;
        self.hasher.update4(inputs);
        self.timings.lap(self.clock, t, |t| &mut t.hash_ms);
        for lane in 0..LANES {
            if let Some(o) = self.finish_lane(lane, sink) {
                out.push(o);
            }
        }
        if self.read >= self.last + self.step {
            self.last = self.read;
            sink.event(Event::Progress {
                read: self.read,
                total: self.total,
                inflated: self.inflated,
            });
        }
        out
    }

    /// Ends lane `lane` if its stream is whole: an uncompressed layer is
    /// then read; a gzip layer when both its halves are done.
    fn finish_lane(&mut self, lane: usize, sink: &mut dyn Sink) -> Option<Outcome> {
        let l = self.lanes[lane].as_ref()?;
        let whole = match &l.work {
            Work::New => false,
            Work::Walk(_) | Work::Hash => l.done == l.job.size,
            Work::Inflate(i) => i.gzip.ended(),
        };
        if !whole {
            return None;
        }
        let Lane { job, work, .. } = self.lanes[lane].take()?;
        let digest = Digest::sha256_from_bytes(self.hasher.finish(lane));
        let half = match work {
            Work::New => return None,
            Work::Walk(feed) => return Some(self.read_whole(&job, feed.finish(digest), sink)),
            Work::Hash => Half::Hashed {
                size: job.size,
                digest,
            },
            Work::Inflate(i) => Half::Inflated {
                diff_id: digest,
                feed: Box::new(i.feed),
            },
        };
        let read = match (self.halves.remove(&job.blob), half) {
            (Some(Half::Hashed { size, digest }), Half::Inflated { diff_id, feed })
            | (Some(Half::Inflated { diff_id, feed }), Half::Hashed { size, digest }) => {
                feed.finish_inflated(diff_id, size, digest)
            }
            (_, half) => {
                self.halves.insert(job.blob, half);
                return None;
            }
        };
        Some(self.read_whole(&job, read, sink))
    }

    /// A blob read whole: says so, and hands it back.
    fn read_whole(
        &self,
        job: &Job,
        (facts, entries): (LayerFacts, Vec<Entry>),
        sink: &mut dyn Sink,
    ) -> Outcome {
        sink.event(Event::LayerDone {
            blob: job.blob,
            path: &job.path,
            facts: &facts,
            entries: &entries,
        });
        Outcome::Read {
            blob: job.blob,
            facts: Box::new(facts),
            entries,
        }
    }

    /// Gives a blob back to be read another way: stops every lane on it
    /// (what they hashed belongs to no one now) and drops its queued jobs
    /// and any half done. `None` if it was given back already (both lanes
    /// of a gzip layer can fail in one round).
    fn drop_blob(&mut self, blob: usize) -> Option<Outcome> {
        let queued = self.queue.len();
        let mut held = self.halves.remove(&blob).is_some();
        for lane in 0..LANES {
            if self.lanes[lane]
                .as_ref()
                .is_some_and(|l| l.job.blob == blob)
            {
                self.lanes[lane] = None;
                self.hasher.finish(lane);
                held = true;
            }
        }
        self.queue.retain(|j| j.blob != blob);
        held |= self.queue.len() < queued;
        held.then_some(Outcome::Declined { blob })
    }
}
