//! Sharing one seekable archive among several readers: the layer blobs are
//! dealt out by size, each reader reads its share, and the first reader
//! gathers the others' blobs (reading itself any that a share failed to
//! deliver) before it finishes the report.

use std::io::{Read, Seek};

use crate::dissect::{deliver, expectations, read_at, Dissection, Event, Keep, Sink};
use crate::entry::Entry;
use crate::layer::LayerFacts;
use crate::limits::{limit, MAX_ENTRIES};
use crate::problem::{Location, Problem};

/// Share `index` of `of`: blobs are dealt out by size, largest first, each
/// to the share with the fewest bytes so far, so shares read about equal
/// amounts. Every reader computes the same deal from the same archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Share {
    /// This reader's share, from 0 (the first share gathers).
    pub index: usize,
    /// How many shares there are.
    pub of: usize,
}

impl Share {
    /// Which share reads each blob, given the blobs' sizes.
    pub fn deal(of: usize, sizes: &[u64]) -> Vec<usize> {
        let of = of.max(1);
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
        let mut load = vec![0u64; of];
        let mut owner = vec![0; sizes.len()];
        for b in order {
            let i = (0..of).min_by_key(|&i| (load[i], i)).unwrap_or(0);
            owner[b] = i;
            load[i] += sizes[b];
        }
        owner
    }
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
        let sizes: Vec<u64> = self.blobs.iter().map(|b| b.size).collect();
        let owner = share.map(|s| (s.index, Share::deal(s.of, &sizes)));
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

    #[test]
    fn gathering_keeps_at_most_max_entries_in_all() {
        let blob = Blob {
            path: "l".into(),
            offset: 0,
            size: 0,
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
