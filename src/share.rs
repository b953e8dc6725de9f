//! Sharing one seekable archive among several readers: the layer blobs are
//! dealt out by cost, each reader reads its share, and the first reader
//! gathers the others' blobs (reading itself any that a share failed to
//! deliver) before it finishes the report.

use std::io::{Read, Seek, SeekFrom};

use crate::archive::Member;
use crate::decompress::gzip_inflated_size;
use crate::dissect::{deliver, expectations, read_at, Dissection, Event, Keep, Sink};
use crate::entry::Entry;
use crate::layer::{Expect, LayerFacts};
use crate::limits::{limit, MAX_ENTRIES, MAX_INFLATED_HINTS};
use crate::problem::{Location, Problem};

/// Share `index` of `of`: blobs are dealt out by cost (see `share::cost`),
/// largest first, each to the share with the least so far, and the deal is
/// then evened out (see [`Share::deal`]), so shares do about equal work.
/// Every reader computes the same deal from the same archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Share {
    /// This reader's share, from 0 (the first share gathers).
    pub index: usize,
    /// How many shares there are.
    pub of: usize,
}

/// Blobs past which a deal is not evened out: each round of it compares
/// every blob of the dearest share with every blob of the cheapest.
pub const MAX_EVENED_BLOBS: usize = 256;

/// Rounds of evening out a deal, at most.
const MAX_EVENING_ROUNDS: usize = 64;

/// The work of reading a blob of `size` bytes, in bytes hashed. An
/// uncompressed blob is hashed once. A gzip blob whose trailer says it
/// inflates to `inflated` bytes is hashed as stored, then inflated and
/// hashed again: inflating a byte costs about as much as hashing it (in a
/// page's worker 460 MB/s against 540 for three SIMD lanes; natively more,
/// against SHA-NI), so the inflated bytes count twice.
pub fn cost(size: u64, inflated: Option<u64>) -> u64 {
    size.saturating_add(inflated.map_or(0, |u| u.saturating_mul(2)))
}

impl Share {
    /// Which share reads each blob, given each blob's cost: largest first,
    /// each to the share with the least so far; then, while it helps, one
    /// blob moves, or two swap, between the dearest share and the cheapest,
    /// the move that leaves the two nearest even first (the largest-first
    /// deal alone left `large-oci.tar`'s two shares 455 and 356 MB to
    /// inflate). Deterministic: ties go to the lower share and blob.
    pub fn deal(of: usize, costs: &[u64]) -> Vec<usize> {
        let of = of.max(1);
        let mut order: Vec<usize> = (0..costs.len()).collect();
        order.sort_by(|&a, &b| costs[b].cmp(&costs[a]).then(a.cmp(&b)));
        let mut load = vec![0u64; of];
        let mut owner = vec![0; costs.len()];
        for b in order {
            let i = (0..of).min_by_key(|&i| (load[i], i)).unwrap_or(0);
            owner[b] = i;
            load[i] += costs[b];
        }
        if of > 1 && costs.len() <= MAX_EVENED_BLOBS {
            for _ in 0..MAX_EVENING_ROUNDS {
                if !even_out(costs, &mut owner, &mut load) {
                    break;
                }
            }
        }
        owner
    }
}

/// One round of evening out: the move or swap between the dearest share
/// and the cheapest that leaves them nearest even, if any narrows their
/// gap. Each one lowers the sum of the loads' squares, so rounds end.
fn even_out(costs: &[u64], owner: &mut [usize], load: &mut [u64]) -> bool {
    let hi = (0..load.len()).max_by_key(|&i| (load[i], std::cmp::Reverse(i)));
    let lo = (0..load.len()).min_by_key(|&i| (load[i], i));
    let (Some(hi), Some(lo)) = (hi, lo) else {
        return false;
    };
    let gap = load[hi] - load[lo];
    if gap == 0 {
        return false;
    }
    let of_hi: Vec<usize> = (0..costs.len()).filter(|&b| owner[b] == hi).collect();
    let of_lo: Vec<usize> = (0..costs.len()).filter(|&b| owner[b] == lo).collect();
    // (how far from even the two would be, blob to move, blob to move back)
    let mut best: Option<(u64, usize, Option<usize>)> = None;
    let mut consider = |delta: u64, x: usize, y: Option<usize>| {
        if delta > 0 && delta < gap {
            let off = gap.abs_diff(2 * delta);
            if best.is_none_or(|(o, _, _)| off < o) {
                best = Some((off, x, y));
            }
        }
    };
    for &x in &of_hi {
        consider(costs[x], x, None);
        for &y in &of_lo {
            if costs[x] > costs[y] {
                consider(costs[x] - costs[y], x, Some(y));
            }
        }
    }
    let Some((_, x, y)) = best else {
        return false;
    };
    owner[x] = lo;
    load[hi] -= costs[x];
    load[lo] += costs[x];
    if let Some(y) = y {
        owner[y] = hi;
        load[lo] -= costs[y];
        load[hi] += costs[y];
    }
    true
}

/// Gzip blobs smaller than this are dealt by stored size: their trailer
/// is not worth a read of its own.
const MIN_HINTED_BLOB: u64 = 1 << 20;

/// For each blob, what its gzip trailer says it inflates to: read for the
/// [`MAX_INFLATED_HINTS`] largest blobs of [`MIN_HINTED_BLOB`] or more
/// whose descriptor says gzip, `None` for the others and for any whose
/// trailer cannot be read. Only a hint for dealing blobs out (a crafted
/// trailer can only skew the deal): the blob is checked when it is read.
pub(crate) fn inflated_hints<R: Read + Seek>(
    src: &mut R,
    members: &[Member],
    expects: &[Expect],
) -> Vec<Option<u64>> {
    let gzip = |b: usize| {
        expects
            .get(b)
            .and_then(|e| e.media_type.as_deref())
            .is_some_and(|t| t.contains("gzip"))
    };
    let mut hinted: Vec<usize> = (0..members.len())
        .filter(|&b| gzip(b) && members[b].size >= MIN_HINTED_BLOB)
        .collect();
    hinted.sort_by(|&a, &b| members[b].size.cmp(&members[a].size).then(a.cmp(&b)));
    hinted.truncate(MAX_INFLATED_HINTS);
    let mut hints = vec![None; members.len()];
    for b in hinted {
        let m = &members[b];
        let mut trailer = [0u8; 4];
        let end = m.offset.saturating_add(m.size);
        let read = src
            .seek(SeekFrom::Start(end - 4))
            .and_then(|_| src.read_exact(&mut trailer));
        if read.is_ok() {
            hints[b] = Some(gzip_inflated_size(u32::from_le_bytes(trailer), m.size));
        }
    }
    hints
}

impl Dissection {
    /// Blobs still to be read by another share.
    pub fn missing(&self) -> Vec<usize> {
        (0..self.blobs.len())
            .filter(|&b| self.blobs[b].facts.is_none())
            .collect()
    }

    /// Adds a blob another share read.
    /// The whole dissection keeps at most [`MAX_ENTRIES`] entries, however
    /// many shares read them: past that, the blob's entries are dropped and
    /// its facts say so.
    pub fn complete(&mut self, blob: usize, mut facts: LayerFacts, mut entries: Vec<Entry>) {
        let replaced = self.blobs.get(blob).map_or(0, |b| b.entries.len());
        let kept = self.kept_entries.saturating_sub(replaced);
        if kept.saturating_add(entries.len()) > MAX_ENTRIES && !entries.is_empty() {
            facts.problems.push(Problem::new(
                limit!(
                    MAX_ENTRIES,
                    format!("the entries kept, with this layer's {} more", entries.len())
                ),
                Location::default(),
            ));
            entries = Vec::new();
        }
        if let Some(b) = self.blobs.get_mut(blob) {
            self.kept_problems.admit(&mut facts.problems);
            self.kept_entries = kept + entries.len();
            b.facts = Some(facts);
            b.entries = entries;
        }
    }

    /// The blobs `share` reads (the same deal every reader computes) that
    /// are not read yet.
    pub fn share_blobs(&self, share: Option<Share>) -> Vec<usize> {
        let costs: Vec<u64> = self
            .blobs
            .iter()
            .map(|b| cost(b.size, b.inflated))
            .collect();
        let owner = share.map(|s| (s.index, Share::deal(s.of, &costs)));
        (0..self.blobs.len())
            .filter(|&b| owner.as_ref().is_none_or(|(mine, o)| o[b] == *mine))
            .filter(|&b| self.blobs[b].facts.is_none())
            .collect()
    }

    /// Reads the blobs no share has delivered, from `src` (the same archive).
    pub fn read_missing<R: Read + Seek>(&mut self, src: R, sink: &mut dyn Sink) {
        let missing = self.missing();
        self.read_blobs(src, &missing, sink);
    }

    /// Reads `blobs` from `src` (the same archive), one at a time.
    pub fn read_blobs<R: Read + Seek>(&mut self, src: R, blobs: &[usize], sink: &mut dyn Sink) {
        self.read_blobs_with(src, blobs, sink, false);
    }

    /// [`Dissection::read_blobs`], with each file's content hashed when
    /// `content_digests` (see [`crate::Options::content_digests`]).
    pub fn read_blobs_with<R: Read + Seek>(
        &mut self,
        mut src: R,
        blobs: &[usize],
        sink: &mut dyn Sink,
        content_digests: bool,
    ) {
        let mut keep = Keep::new(true);
        let expect = expectations(&self.report, self.blobs.len());
        for &b in blobs {
            if b >= self.blobs.len() {
                continue;
            }
            let expect = &expect[b];
            let m = self.blobs[b].member();
            sink.event(Event::LayerStarted {
                blob: b,
                path: &m.path,
                size: m.size,
            });
            let read = read_at(&mut src, &m, expect, None, content_digests);
            let blob = deliver(sink, b, &m, read, &mut keep);
            self.complete(
                b,
                blob.facts.unwrap_or_else(LayerFacts::empty),
                blob.entries,
            );
        }
    }

    /// Takes the blobs other shares read into this dissection (the first
    /// share's), without copying their entries; returns how many blobs
    /// are still missing.
    pub fn gather(&mut self, others: impl IntoIterator<Item = Dissection>) -> usize {
        for other in others {
            for (b, blob) in other.blobs.into_iter().enumerate() {
                let wanted = self.blobs.get(b).is_some_and(|x| x.facts.is_none());
                if let (true, Some(facts)) = (wanted, blob.facts) {
                    self.complete(b, facts, blob.entries);
                }
            }
        }
        self.missing().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::Blob;
    use crate::entry::Kind;
    use crate::report::Report;

    fn entries(n: usize) -> Vec<Entry> {
        let e = Entry {
            path: b"f".to_vec(),
            kind: Kind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            link: None,
            whiteout: None,
            offset: 0,
            content: None,
        };
        vec![e; n]
    }

    /// A sparse archive: every byte is zero but each member's last four,
    /// which say it inflates to its size times three; reads past `len`
    /// fail. Counts the reads.
    struct Sparse {
        ends: Vec<u64>,
        len: u64,
        pos: u64,
        reads: usize,
    }

    impl Read for Sparse {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            if self.pos + buf.len() as u64 > self.len {
                return Err(std::io::Error::other("past the end"));
            }
            for (i, byte) in buf.iter_mut().enumerate() {
                let at = self.pos + i as u64;
                *byte = 0;
                for &end in &self.ends {
                    if at + 4 >= end && at < end {
                        let size = (end >> 32) as u32; // see member()
                        let said = size.wrapping_mul(3).to_le_bytes();
                        *byte = said[(at + 4 - end) as usize];
                    }
                }
            }
            self.pos += buf.len() as u64;
            Ok(buf.len())
        }
    }

    impl Seek for Sparse {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            let SeekFrom::Start(p) = to else {
                return Err(std::io::Error::other("only from the start"));
            };
            self.pos = p;
            Ok(p)
        }
    }

    /// Member `i` of `size` bytes, placed so that its end encodes its size
    /// (its end is `size << 32`, a sparse archive's offsets cost nothing).
    fn member(i: usize, size: u64) -> Member {
        Member {
            path: format!("blobs/{i}"),
            kind: crate::archive::MemberKind::File,
            offset: (size << 32) - size,
            size,
            link: None,
        }
    }

    fn gzip_expect() -> Expect {
        Expect {
            media_type: Some("application/vnd.oci.image.layer.v1.tar+gzip".into()),
            ..Expect::default()
        }
    }

    #[test]
    fn trailers_are_read_for_the_largest_gzip_blobs_only() {
        let mib = 1u64 << 20;
        // 100 gzip blobs of 1 MiB + i KiB, one too small, one not gzip
        let mut members: Vec<Member> = (0..100)
            .map(|i| member(i, mib + (i as u64) * 1024))
            .collect();
        let mut expects: Vec<Expect> = (0..100).map(|_| gzip_expect()).collect();
        members.push(member(100, mib - 1));
        expects.push(gzip_expect());
        members.push(member(101, 3 * mib));
        expects.push(Expect::default());
        let ends: Vec<u64> = members.iter().map(|m| m.offset + m.size).collect();
        let mut src = Sparse {
            len: u64::MAX,
            ends,
            pos: 0,
            reads: 0,
        };
        let hints = inflated_hints(&mut src, &members, &expects);
        assert!(src.reads <= MAX_INFLATED_HINTS * 4, "reads: {}", src.reads);
        let hinted: Vec<usize> = (0..hints.len()).filter(|&b| hints[b].is_some()).collect();
        assert_eq!(hinted.len(), MAX_INFLATED_HINTS);
        // the largest: blobs 36 to 99
        assert_eq!(hinted, (100 - MAX_INFLATED_HINTS..100).collect::<Vec<_>>());
        for &b in &hinted {
            let size = members[b].size;
            // said modulo 2^32, so lifted: 3 x size is below 2^32 here
            assert_eq!(hints[b], Some(3 * size), "blob {b}");
        }
        assert_eq!(hints[100], None, "under MIN_HINTED_BLOB");
        assert_eq!(hints[101], None, "not gzip");
        // a trailer that cannot be read is no hint, and no error
        let mut short = Sparse {
            len: 0,
            ends: Vec::new(),
            pos: 0,
            reads: 0,
        };
        let none = inflated_hints(&mut short, &members, &expects);
        assert!(none.iter().all(Option::is_none));
    }

    #[test]
    fn gathering_keeps_at_most_max_entries_in_all() {
        let blob = Blob {
            path: "l".into(),
            offset: 0,
            size: 0,
            inflated: None,
            facts: None,
            entries: Vec::new(),
        };
        let mut d = Dissection::new(Report::default(), vec![blob; 3], None);
        d.complete(0, LayerFacts::empty(), entries(MAX_ENTRIES - 10));
        d.complete(1, LayerFacts::empty(), entries(10));
        d.complete(2, LayerFacts::empty(), entries(1));
        assert_eq!(d.blobs[0].entries.len(), MAX_ENTRIES - 10);
        assert_eq!(d.blobs[1].entries.len(), 10);
        assert!(d.blobs[2].entries.is_empty());
        let facts = d.blobs[2].facts.as_ref().unwrap();
        assert_eq!(facts.problems.len(), 1);
        assert_eq!(facts.problems[0].code, "limit");
        assert!(facts.problems[0].message.contains("MAX_ENTRIES"));
        assert!(d.missing().is_empty());
    }
}
