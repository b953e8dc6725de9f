//! A batch's lanes: the blob each is on, and what it does with its
//! pieces (walks them, hashes them, or inflates them and walks what comes
//! out).

use std::io;

use crate::decompress::PushedGzip;
use crate::digest::Digest;
use crate::feed::Feed;
use crate::layer::Expect;

/// What a job does with its blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    /// Reads a blob: its first piece says how (walked, or inflated).
    Read,
    /// Hashes a gzip layer's blob as stored (another lane inflates it).
    Hash,
}

/// One blob to read.
#[derive(Clone)]
pub(super) struct Job {
    pub(super) blob: usize,
    pub(super) path: String,
    pub(super) offset: u64,
    pub(super) size: u64,
    pub(super) expect: Expect,
    pub(super) task: Task,
}

/// What a busy lane does with the pieces of its blob.
pub(super) enum Work {
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

/// A gzip layer being inflated in a lane: a piece's worth a round, and
/// what comes out walked.
pub(super) struct Inflate {
    pub(super) gzip: PushedGzip,
    pub(super) feed: Feed,
}

impl Inflate {
    pub(super) fn new(expect: &Expect, cap: usize) -> Inflate {
        Inflate {
            gzip: PushedGzip::new(cap),
            feed: Feed::inflated(expect),
        }
    }

    /// Inflates about `cap` more bytes from the lane's piece `input` (see
    /// [`PushedGzip::step`]) and walks them.
    pub(super) fn step(&mut self, input: &[u8], cap: usize, last: bool) -> io::Result<()> {
        let out = self.gzip.step(input, cap, last)?;
        self.feed.feed(out);
        Ok(())
    }
}

/// A lane's blob, and how far it is read.
pub(super) struct Lane {
    pub(super) job: Job,
    pub(super) done: u64,
    pub(super) work: Work,
}

impl Lane {
    /// Whether the lane has what it needs for this round without a read:
    /// an inflating lane with compressed bytes left, or none left to read.
    pub(super) fn has_input(&self) -> bool {
        match &self.work {
            Work::Inflate(i) => i.gzip.has_left() || self.done == self.job.size,
            _ => false,
        }
    }
}

/// One half of a gzip layer read in two lanes, kept until the other half
/// is done.
pub(super) enum Half {
    /// The blob, hashed.
    Hashed { size: u64, digest: Digest },
    /// The inflated stream, walked and hashed.
    Inflated { diff_id: Digest, feed: Box<Feed> },
}
