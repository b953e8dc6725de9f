//! One layer of an image in the report: what the manifest names, and what
//! reading its blob found.

use serde::{Deserialize, Serialize};

use crate::detect::Compression;
use crate::digest::{verdict, Check, Digest};
use crate::layer::{Counts, LayerFacts};
use crate::problem::{Fault, Location, Problem};

/// One layer of an image, as the manifest names it and as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// The blob digest: as the manifest names it, else as computed.
    pub digest: Option<Digest>,
    /// The diff_id: as the config names it, else as computed.
    pub diff_id: Option<Digest>,
    /// The media type the descriptor gives.
    pub media_type: Option<String>,
    /// As sniffed from the bytes (the media type is only a hint).
    pub compression: Option<Compression>,
    /// A gzip layer with an eStargz table of contents.
    pub estargz: bool,
    /// Bytes of the blob.
    pub size: Option<u64>,
    /// Bytes of the uncompressed tar stream, when it inflated whole.
    pub uncompressed_size: Option<u64>,
    /// Tar members, counted as GNU tar lists them; `None` until the blob
    /// is read (and for a blob that could not be read at all).
    pub entries: Option<u64>,
    /// Tar members by type; `None` until the blob is read.
    pub counts: Option<Counts>,
    /// Whether the tar ends with its two zero blocks.
    pub has_eof_blocks: bool,
    /// The blob checked against its digest, and the uncompressed stream
    /// against the diff_id.
    pub digest_check: Check,
    /// See `digest_check`.
    pub diff_id_check: Check,
    /// Both checks: true, false (a mismatch) or null.
    pub verified: Option<bool>,
    /// The outer-archive member holding the blob (links followed).
    pub path: Option<String>,
    /// Which blob of the dissection this is (layers shared between images
    /// are read once).
    pub blob: Option<usize>,
    /// Whether the blob has been read yet.
    pub read: bool,
    /// Problems of this layer's blob.
    pub problems: Vec<Problem>,
}

impl Layer {
    /// A layer as a manifest names it (member path, digest, diff_id), not
    /// read yet.
    pub fn new(path: Option<String>, digest: Option<Digest>, diff_id: Option<Digest>) -> Layer {
        Layer {
            digest,
            diff_id,
            media_type: None,
            compression: None,
            estargz: false,
            size: None,
            uncompressed_size: None,
            entries: None,
            counts: None,
            has_eof_blocks: false,
            digest_check: Check::NotChecked {
                reason: "not read".into(),
            },
            diff_id_check: Check::NotChecked {
                reason: "not read".into(),
            },
            verified: None,
            path,
            blob: None,
            read: false,
            problems: Vec::new(),
        }
    }

    /// Folds the facts read from the blob into this layer and checks them
    /// against the names the manifest and config gave.
    pub fn absorb(&mut self, facts: &LayerFacts) {
        self.read = true;
        self.compression = facts.compression;
        self.estargz = facts.estargz;
        self.size = Some(facts.size);
        self.uncompressed_size = facts.uncompressed_size;
        // a blob that could not be read at all has unknown counts
        let read = facts.digest.is_some()
            || facts.compression.is_some()
            || facts.entries > 0
            || facts.size > 0;
        self.entries = read.then_some(facts.entries);
        self.counts = read.then(|| facts.counts.clone());
        self.has_eof_blocks = facts.has_eof_blocks;
        self.digest_check = Check::compare(self.digest.as_ref(), facts.digest.as_ref());
        if self.digest.is_none() {
            self.digest_check = Check::NotChecked {
                reason: "the manifest names no digest for this blob".into(),
            };
            self.digest = facts.digest.clone();
        }
        self.diff_id_check = Check::compare(self.diff_id.as_ref(), facts.diff_id.as_ref());
        if self.diff_id.is_none() {
            self.diff_id_check = Check::NotChecked {
                reason: "the config names no diff_id for this layer".into(),
            };
            self.diff_id = facts.diff_id.clone();
        }
        self.verified = verdict([&self.digest_check, &self.diff_id_check]);
        self.problems.extend(facts.problems.iter().cloned());
        for (what, check) in [
            ("blob", &self.digest_check),
            ("uncompressed stream (diff_id)", &self.diff_id_check),
        ] {
            if let Check::Mismatch { expected, actual } = check {
                self.problems.push(Problem::new(
                    Fault::DigestMismatch {
                        what: format!("layer {what}"),
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                    Location {
                        entry: self.path.clone(),
                        digest: Some(expected.clone()),
                        ..Location::default()
                    },
                ));
            }
        }
    }
}
