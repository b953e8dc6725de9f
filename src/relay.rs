//! Handing layer members of a one-pass read to another reader: the
//! [`Relay`] the walk ([`OnePass`](crate::OnePass)) gives each tar layer
//! member to, piece by piece, and the [`RelayReader`] at its far end, which
//! hashes and walks them as the walk itself would. The page's first worker
//! inflates a compressed archive and relays its layers to the second.

use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::entry::Entry;
use crate::feed::Feed;
use crate::layer::{Expect, LayerFacts};
use crate::problem::{Fault, Location, Problem};

/// Takes layer members of a one-pass read to be hashed and walked
/// elsewhere (the page hands them to a second worker, so that inflating
/// and hashing run side by side), instead of the reader doing it itself.
/// A member it takes is given piece by piece, then ended; its facts and
/// entries come back through [`OnePass::complete`](crate::OnePass::complete) before
/// [`OnePass::finish`](crate::OnePass::finish).
pub trait Relay {
    /// Whether to take the layer member `path` of `size` bytes, which
    /// [`Feed`](crate::Feed) can read (an uncompressed tar). Called between
    /// members only.
    fn offer(&mut self, path: &str, size: u64) -> bool;
    /// The next bytes of the member taken last.
    fn piece(&mut self, bytes: &[u8]);
    /// The member taken last is over: whole, or cut short by `error`.
    fn end(&mut self, error: Option<&std::io::Error>);
}

/// A relay that takes nothing: the reader reads every member itself.
pub struct NoRelay;

impl Relay for NoRelay {
    fn offer(&mut self, _: &str, _: u64) -> bool {
        false
    }
    fn piece(&mut self, _: &[u8]) {}
    fn end(&mut self, _: Option<&std::io::Error>) {}
}

/// The far end of a [`Relay`]: reads the members handed on, in the order
/// they come, each with a [`Feed`] and a SHA-256 of its bytes, so they get
/// the facts and entries the one-pass read would have found itself.
#[derive(Default)]
pub struct RelayReader {
    member: Option<Relayed>,
    count: usize,
}

/// A relayed member being read.
struct Relayed {
    feed: Option<Feed>,
    hash: Sha256,
}

impl RelayReader {
    /// The next piece of the current member (the first piece after an end
    /// starts the next member: its first 512 bytes, as [`Relay::piece`]
    /// is first given).
    pub fn piece(&mut self, bytes: &[u8]) {
        let r = self.member.get_or_insert_with(|| Relayed {
            feed: Feed::new(&Expect::default(), bytes),
            hash: Sha256::new(),
        });
        if let Some(f) = r.feed.as_mut() {
            f.feed(bytes);
        }
        r.hash.update(bytes);
    }

    /// Ends the current member (cut short by `error`, if given): its
    /// number among the members relayed (from 0), facts and entries, for
    /// [`OnePass::complete`](crate::OnePass::complete).
    pub fn end(&mut self, error: Option<&str>) -> (usize, LayerFacts, Vec<Entry>) {
        let n = self.count;
        self.count += 1;
        let Some(r) = self.member.take() else {
            return (n, LayerFacts::empty(), Vec::new());
        };
        let Some(feed) = r.feed else {
            let facts = LayerFacts::unreadable(Problem::new(
                Fault::Other {
                    detail: "a member handed on to be read is not a tar layer".into(),
                },
                Location::default(),
            ));
            return (n, facts, Vec::new());
        };
        let (facts, entries) = match error {
            Some(err) => feed.finish_cut(&std::io::Error::other(err.to_string())),
            None => feed.finish(Digest::sha256_from_bytes(r.hash.finalize().into())),
        };
        (n, facts, entries)
    }
}
