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
use std::io::{self, Write};

use flate2::write::MultiGzDecoder;

use crate::digest::Digest;
use crate::dissect::{expectations, Dissection, Event, Sink};
use crate::entry::Entry;
use crate::layer::{Expect, Feed, LayerFacts};
use crate::sha256x4::{Sha256x4, LANES};

/// What a job does with its blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    /// Reads a blob: its first piece says how (walked, or inflated).
    Read,
    /// Hashes a gzip layer's blob as stored (another lane inflates it).
    Hash,
}

/// One blob to read.
#[derive(Clone)]
struct Job {
    blob: usize,
    path: String,
    offset: u64,
    size: u64,
    expect: Expect,
    task: Task,
}

/// What a busy lane does with the pieces of its blob.
enum Work {
    /// Waits for its first piece, which says what the blob is.
    New,
    /// An uncompressed tar layer: each piece walked and hashed.
    Walk(Box<Feed>),
    /// A gzip layer's blob: each piece hashed.
    Hash,
    /// A gzip layer: each piece inflated, and the inflated stream walked
    /// and hashed.
    Inflate(Box<Inflate>),
}

/// A gzip layer being inflated in a lane.
struct Inflate {
    /// Inflates into its `Vec`: this round's inflated bytes.
    decoder: MultiGzDecoder<Vec<u8>>,
    /// The compressed piece being inflated; `input[used..]` is left.
    input: Vec<u8>,
    used: usize,
    /// Walks the inflated stream.
    feed: Feed,
    /// Every byte is inflated and the last member's trailer checked.
    ended: bool,
}

impl Inflate {
    /// Inflates what is left of the input until about `cap` bytes come out
    /// (a write inflates at most 32 KiB), and ends the stream once `last`
    /// (the blob's last piece) is inflated whole.
    fn step(&mut self, cap: usize, last: bool) -> io::Result<()> {
        self.decoder.get_mut().clear();
        while self.used < self.input.len() && self.decoder.get_ref().len() < cap {
            let n = self.decoder.write(&self.input[self.used..])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the gzip stream takes no more bytes",
                ));
            }
            self.used += n;
        }
        if last && self.used == self.input.len() && !self.ended {
            self.decoder.try_finish()?;
            self.ended = true;
        }
        self.feed.feed(self.decoder.get_ref());
        Ok(())
    }
}

/// A lane's blob, and how far it is read.
struct Lane {
    job: Job,
    done: u64,
    work: Work,
}

impl Lane {
    /// Whether the lane has what it needs for this round without a read:
    /// an inflating lane with compressed bytes left, or none left to read.
    fn has_input(&self) -> bool {
        match &self.work {
            Work::Inflate(i) => i.used < i.input.len() || self.done == self.job.size,
            _ => false,
        }
    }
}

/// One half of a gzip layer read in two lanes, kept until the other half
/// is done.
enum Half {
    /// The blob, hashed.
    Hashed { size: u64, digest: Digest },
    /// The inflated stream, walked and hashed.
    Inflated { diff_id: Digest, feed: Box<Feed> },
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
        }
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
        let mut out: Vec<Outcome> = std::mem::take(&mut self.declined)
            .into_iter()
            .map(|blob| Outcome::Declined { blob })
            .collect();
        let mut given: [&[u8]; LANES] = [&[]; LANES];
        for (lane, piece) in pieces {
            let Some(l) = self.lanes.get_mut(lane).and_then(Option::as_mut) else {
                continue;
            };
            let want = self.piece.min(l.job.size - l.done) as usize;
            let bytes = match piece {
                Ok(b) if b.len() == want && !l.has_input() => b,
                _ => {
                    // a failed or short read: the pull read says what went wrong
                    let blob = l.job.blob;
                    out.push(self.drop_blob(blob));
                    continue;
                }
            };
            if matches!(l.work, Work::New) {
                l.work = if Feed::takes(&l.job.expect, bytes) {
                    Feed::new(&l.job.expect, bytes).map_or(Work::New, |f| Work::Walk(Box::new(f)))
                } else if Feed::inflates(&l.job.expect, bytes) {
                    // the blob as stored is hashed by the next free lane
                    self.queue.push_front(Job {
                        task: Task::Hash,
                        ..l.job.clone()
                    });
                    Work::Inflate(Box::new(Inflate {
                        decoder: MultiGzDecoder::new(Vec::new()),
                        input: Vec::new(),
                        used: 0,
                        feed: Feed::inflated(&l.job.expect),
                        ended: false,
                    }))
                } else {
                    Work::New
                };
                if matches!(l.work, Work::New) {
                    let blob = l.job.blob;
                    out.push(self.drop_blob(blob));
                    continue;
                }
            }
            l.done += bytes.len() as u64;
            match &mut l.work {
                Work::New => {}
                Work::Walk(feed) => {
                    feed.feed(bytes);
                    self.read += bytes.len() as u64;
                    self.inflated += bytes.len() as u64;
                    given[lane] = bytes;
                }
                Work::Hash => given[lane] = bytes,
                Work::Inflate(i) => {
                    self.read += bytes.len() as u64;
                    i.input.clear();
                    i.input.extend_from_slice(bytes);
                    i.used = 0;
                }
            }
        }
        // every inflating lane inflates its next piece's worth
        for lane in 0..LANES {
            let Some(l) = self.lanes[lane].as_mut() else {
                continue;
            };
            let last = l.done == l.job.size;
            let Work::Inflate(i) = &mut l.work else {
                continue;
            };
            match i.step(self.piece as usize, last) {
                Ok(()) => self.inflated += i.decoder.get_ref().len() as u64,
                Err(_) => {
                    // damaged: the pull read says how
                    let blob = l.job.blob;
                    out.push(self.drop_blob(blob));
                }
            }
        }
        let inputs: [&[u8]; LANES] = std::array::from_fn(|lane| match &self.lanes[lane] {
            Some(Lane {
                work: Work::Inflate(i),
                ..
            }) => i.decoder.get_ref().as_slice(),
            Some(_) => given[lane],
            // dropped this round: nothing to hash
            None => &[],
        });
        self.hasher.update4(inputs);
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
            Work::Inflate(i) => i.ended,
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
    /// and any half done.
    fn drop_blob(&mut self, blob: usize) -> Outcome {
        for lane in 0..LANES {
            if self.lanes[lane]
                .as_ref()
                .is_some_and(|l| l.job.blob == blob)
            {
                self.lanes[lane] = None;
                self.hasher.finish(lane);
            }
        }
        self.queue.retain(|j| j.blob != blob);
        self.halves.remove(&blob);
        Outcome::Declined { blob }
    }
}
