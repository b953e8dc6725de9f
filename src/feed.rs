//! A layer's tar stream walked from pieces its caller pushes ([`Feed`],
//! over the pushed source [`Fed`]): the page's worker reads and hashes the
//! blob itself, several at once.

use std::io::{self, Read};

use crate::detect::{sniff, Compression, Sniffed};
use crate::digest::{Algorithm, Digest};
use crate::entry::Entry;
use crate::headers::Headers;
use crate::layer::{wrong_size, Expect, LayerFacts};
use crate::media_type;
use crate::problem::{Fault, Location, Problem};
use crate::source::Advance;
use crate::walk::{push_read_problem, Walk};

/// One layer's tar stream walked from pieces its caller feeds, in order:
/// the same facts and entries as [`analyze`](crate::analyze) gives for the same blob, for
/// a caller that drives the reads itself (the browser's asynchronous
/// reads) and hashes elsewhere (several streams at once). The stream is an
/// uncompressed layer's blob ([`Feed::new`]) or a gzip layer's inflated
/// stream ([`Feed::inflated`]). Only the bytes of a member's headers are held
/// between pieces, never its content, so a fed read gives no content
/// digests ([`Entry::content`] stays `None`): a read that wants them uses
/// [`analyze_with`](crate::analyze_with).
pub struct Feed {
    expect: Expect,
    headers: Headers<Fed>,
    walk: Option<Walk>,
    /// Where the walk ended, once it has: what follows is not walked.
    ended_at: Option<(u64, io::Result<()>)>,
    keep_from: u64,
    /// Bytes after the walk's end that were counted, not held.
    unheld: u64,
    facts: LayerFacts,
    entries: Vec<Entry>,
}

impl Feed {
    /// Starts a layer whose first bytes are `head` (at least 512 of them,
    /// or the whole blob); `None` when the blob is not an uncompressed tar
    /// layer hashed with sha256, which [`analyze`](crate::analyze) reads instead.
    pub fn new(expect: &Expect, head: &[u8]) -> Option<Feed> {
        Feed::takes(expect, head).then(|| Feed::walking(expect, Compression::None))
    }

    /// Starts the walk of a gzip layer's inflated stream (see
    /// [`Feed::inflates`]): the caller inflates the blob, feeds the
    /// inflated bytes and hashes them (the diff_id), hashes the blob itself
    /// wherever it likes, and ends with [`Feed::finish_inflated`].
    pub fn inflated(expect: &Expect) -> Feed {
        Feed::walking(expect, Compression::Gzip)
    }

    fn walking(expect: &Expect, compression: Compression) -> Feed {
        let mut facts = LayerFacts::empty();
        facts.compression = Some(compression);
        Feed {
            expect: expect.clone(),
            headers: Headers::new(Fed::default()),
            walk: Some(Walk::default()),
            ended_at: None,
            keep_from: 0,
            unheld: 0,
            facts,
            entries: Vec::new(),
        }
    }

    /// Whether a blob whose first bytes are `head` is one a feed reads: an
    /// uncompressed tar layer hashed with sha256 ([`Feed::new`] gives
    /// `Some` exactly then).
    pub fn takes(expect: &Expect, head: &[u8]) -> bool {
        Feed::sha256_layer(expect) && head.len() >= 512 && sniff(head) == Sniffed::Tar
    }

    /// Whether a blob whose first bytes are `head` is a gzip layer hashed
    /// with sha256, whose inflated stream [`Feed::inflated`] walks.
    pub fn inflates(expect: &Expect, head: &[u8]) -> bool {
        Feed::sha256_layer(expect) && sniff(head) == Sniffed::Gzip
    }

    /// A layer (or a blob whose media type is not known) named by a sha256
    /// digest, or by none.
    fn sha256_layer(expect: &Expect) -> bool {
        let layer = expect
            .media_type
            .as_deref()
            .is_none_or(media_type::is_layer);
        let sha256 = expect
            .digest
            .as_ref()
            .is_none_or(|d| d.algorithm() == Algorithm::Sha256);
        layer && sha256
    }

    /// Bytes of the stream held between pieces (a header not yet whole):
    /// at most about one header record's, however the stream is cut.
    pub fn held(&self) -> usize {
        self.headers.get_ref().held()
    }

    /// Walks the next piece of the blob.
    pub fn feed(&mut self, bytes: &[u8]) {
        let fed = self.headers.get_mut();
        match &self.ended_at {
            // past the end of the walk only the block after it is read
            Some((pos, _)) => {
                let want = (pos + 512)
                    .saturating_sub(fed.fed())
                    .min(bytes.len() as u64);
                fed.feed(&bytes[..want as usize], *pos);
                self.unheld += bytes.len() as u64 - want;
            }
            None => {
                fed.feed(bytes, self.keep_from);
                self.step();
            }
        }
    }

    fn step(&mut self) {
        let (Some(walk), None) = (self.walk.as_mut(), &self.ended_at) else {
            return;
        };
        let digest = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest.clone(),
            ..Location::default()
        };
        loop {
            match self.headers.next_header() {
                Ok(Some(h)) => walk.member(h, None, &mut self.entries, &mut self.facts, &at),
                Ok(None) => {
                    self.ended_at = Some((self.headers.position(), Ok(())));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // back to the last record boundary: the bytes held
                    // are at most a record's, however long the header
                    let (position, keep_from) = self.headers.rewind();
                    self.keep_from = keep_from;
                    self.headers.get_mut().seek_to(position);
                    break;
                }
                Err(e) => {
                    self.ended_at = Some((self.headers.position(), Err(e)));
                    break;
                }
            }
        }
    }

    /// Ends the blob, whose sha256 over every byte fed is `digest`, and
    /// returns its facts and entries.
    pub fn finish(self, digest: Digest) -> (LayerFacts, Vec<Entry>) {
        self.finish_blob(digest, None)
    }

    /// Ends a gzip layer's inflated stream (see [`Feed::inflated`]), whose
    /// sha256 is `diff_id`; the blob is `size` bytes with sha256 `digest`.
    /// The same facts and entries as [`analyze`](crate::analyze) finds in a blob that
    /// inflates whole.
    pub fn finish_inflated(
        self,
        diff_id: Digest,
        size: u64,
        digest: Digest,
    ) -> (LayerFacts, Vec<Entry>) {
        self.finish_blob(diff_id, Some((size, digest)))
    }

    /// Ends the walk of a stream whose sha256 is `diff_id`, of a blob of
    /// `blob` (its size and digest), or of the stream itself when `None`.
    fn finish_blob(
        mut self,
        diff_id: Digest,
        blob: Option<(u64, Digest)>,
    ) -> (LayerFacts, Vec<Entry>) {
        self.headers.get_mut().end();
        self.step();
        let fed = self.headers.get_mut().fed();
        let stream_size = fed + self.unheld;
        let digest_of = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest_of.clone(),
            ..Location::default()
        };
        let (pos, result) = self.ended_at.take().unwrap_or((fed, Ok(())));
        if let Some(walk) = self.walk.take() {
            if result.is_ok() {
                // the zero block's position, for the second one to follow
                self.headers.get_mut().seek_to(pos);
            }
            walk.end(&mut self.headers, result, &None, &mut self.facts, &at);
        }
        let (size, digest) = blob.unwrap_or((stream_size, diff_id.clone()));
        let mut facts = self.facts;
        facts.size = size;
        let mut entries = self.entries;
        entries.shrink_to_fit();
        facts.uncompressed_size = Some(stream_size);
        let loc = Location {
            digest: self.expect.digest.clone(),
            offset: Some(size),
            ..Location::default()
        };
        let short = self.expect.size.is_some_and(|want| {
            if want != size {
                facts.problems.push(wrong_size(size, want, loc));
            }
            size < want
        });
        if !short {
            facts.digest = Some(digest);
            facts.diff_id = Some(diff_id);
        }
        if facts.counts.files > 0 && entries.iter().any(|e| e.path == b"stargz.index.json") {
            facts.estargz = true;
        }
        (facts, entries)
    }
}

impl Feed {
    /// Ends a blob whose bytes stopped coming, with `error`, after those
    /// fed: the facts and entries [`analyze`](crate::analyze) finds in a read cut short
    /// the same way (no digest, and the error said).
    pub fn finish_cut(mut self, error: &io::Error) -> (LayerFacts, Vec<Entry>) {
        // the walk goes on until it needs what never came: the error
        self.headers.get_mut().fail(error);
        self.step();
        let size = self.headers.get_mut().fed() + self.unheld;
        let digest_of = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest_of.clone(),
            ..Location::default()
        };
        let (pos, result) = self
            .ended_at
            .take()
            .unwrap_or_else(|| (size, Err(io::Error::new(error.kind(), error.to_string()))));
        let walked = result.is_ok();
        if walked {
            // the zero block's position, for the second one to follow
            self.headers.get_mut().seek_to(pos);
        }
        if let Some(walk) = self.walk.take() {
            walk.end(&mut self.headers, result, &None, &mut self.facts, &at);
        }
        if walked {
            // the walk was over: the error is the rest's
            push_read_problem(&mut self.facts, Compression::None, &None, error, size, &at);
        }
        let mut facts = self.facts;
        let mut entries = self.entries;
        entries.shrink_to_fit();
        facts.size = size;
        facts.uncompressed_size = None;
        facts.digest = None;
        facts.diff_id = None;
        facts.problems.push(Problem::new(
            Fault::Truncated {
                detail: format!("blob read stopped after {size} bytes: {error}"),
            },
            at(Some(size)),
        ));
        if facts.counts.files > 0 && entries.iter().any(|e| e.path == b"stargz.index.json") {
            facts.estargz = true;
        }
        (facts, entries)
    }
}

/// A source its caller feeds in pieces, for a read driven from outside (a
/// browser's asynchronous reads, several blobs read in step). A read or a
/// skip past what was fed stops with [`io::ErrorKind::WouldBlock`] until
/// more is fed or [`Fed::end`] is called; `Headers::rewind` undoes the
/// header call it interrupted, back to its last record boundary. Only bytes
/// from `keep_from` (see [`Fed::feed`]) are held.
#[derive(Debug, Default)]
pub struct Fed {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    start: u64,
    pos: u64,
    /// Bytes fed in all.
    len: u64,
    ended: bool,
    /// Why no more bytes will come, if they stopped with an error.
    failed: Option<(io::ErrorKind, String)>,
}

fn would_block() -> io::Error {
    io::Error::new(io::ErrorKind::WouldBlock, "more bytes are to be fed")
}

impl Fed {
    /// Appends the next piece of the stream, holding only what lies at or
    /// after stream offset `keep_from` (bytes before it are never read).
    pub fn feed(&mut self, bytes: &[u8], keep_from: u64) {
        let end = self.len + bytes.len() as u64;
        let keep_from = keep_from.min(end);
        if keep_from >= self.len {
            // nothing held is wanted any more
            self.buf.clear();
            self.start = keep_from;
            self.buf
                .extend_from_slice(&bytes[(keep_from - self.len) as usize..]);
        } else {
            let drop = (keep_from.saturating_sub(self.start) as usize).min(self.buf.len());
            self.buf.drain(..drop);
            self.start += drop as u64;
            self.buf.extend_from_slice(bytes);
        }
        self.len = end;
    }

    /// Says no more bytes will come: reads past the end now end cleanly.
    pub fn end(&mut self) {
        self.ended = true;
    }

    /// Says no more bytes will come because reading them failed with
    /// `error`: reads past the end now fail with it, as they would have
    /// from the source.
    pub fn fail(&mut self, error: &io::Error) {
        self.failed = Some((error.kind(), error.to_string()));
    }

    /// Moves the read position (back to where `Headers::rewind` says).
    pub fn seek_to(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// Bytes fed in all.
    pub fn fed(&self) -> u64 {
        self.len
    }

    /// Bytes held for reading again.
    pub fn held(&self) -> usize {
        self.buf.len()
    }
}

impl Read for Fed {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return match &self.failed {
                _ if out.is_empty() || self.ended => Ok(0),
                Some((kind, why)) => Err(io::Error::new(*kind, why.clone())),
                None => Err(would_block()),
            };
        }
        let Some(off) = self.pos.checked_sub(self.start) else {
            return Err(io::Error::other(format!(
                "offset {} was dropped (held from {})",
                self.pos, self.start
            )));
        };
        let off = off as usize;
        let n = out.len().min(self.buf.len() - off);
        out[..n].copy_from_slice(&self.buf[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Advance for Fed {
    fn advance(&mut self, n: u64) -> io::Result<u64> {
        let to = self.pos.saturating_add(n);
        if to <= self.len {
            self.pos = to;
            Ok(n)
        } else if self.ended {
            let moved = self.len.saturating_sub(self.pos);
            self.pos = self.len.max(self.pos);
            Ok(moved)
        } else if let Some((kind, why)) = &self.failed {
            Err(io::Error::new(*kind, why.clone()))
        } else {
            Err(would_block())
        }
    }
}
