//! What a worker says of its time, for `?profile=1`.

#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// A worker's time by phase, in milliseconds of `performance.now()`
/// (for `?profile=1`). Reads, analysis and posts do not overlap; the
/// rest of `dissect_ms` is the archive's index, documents and events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// From the worker's creation to `Ready` (script and wasm loaded).
    pub start_ms: f64,
    /// In the core's `dissect` (its share of the file), all phases below
    /// but the merge included.
    pub dissect_ms: f64,
    /// Inside `Blob` reads (`FileReaderSync`), or Range requests for a URL.
    pub read_ms: f64,
    /// Reads made.
    pub reads: u32,
    /// Bytes read.
    pub read_bytes: u64,
    /// From each layer's start to its end, less the reads and posts in
    /// between: hashing, inflating, the tar walk and building entries.
    pub analyze_ms: f64,
    /// Layers read.
    pub layers: u32,
    /// Encoding and posting updates to the page.
    pub post_ms: f64,
    /// Updates posted.
    pub posts: u32,
    /// A helper: encoding and posting its blobs' entries for the gatherer.
    pub forward_ms: f64,
    /// The gatherer: decoding and adding the helpers' blobs (or reading
    /// the missing ones).
    pub merge_ms: f64,
    /// The gatherer: the finish (trees, image checks, the report).
    pub finish_ms: f64,
    /// The first of two workers reading a compressed archive together:
    /// waiting for the second, which it hands layer members to, to catch
    /// up (and to send the last members back).
    #[serde(default)]
    pub relay_wait_ms: f64,
    /// Bytes of layer members handed to the other worker.
    #[serde(default)]
    pub relayed_bytes: u64,
    /// Of `analyze_ms`, in the four-lane reads: inflating gzip layers (and
    /// walking what came out).
    #[serde(default)]
    pub inflate_ms: f64,
    /// Of `analyze_ms`, in the four-lane reads: walking uncompressed
    /// layers.
    #[serde(default)]
    pub walk_ms: f64,
    /// Of `analyze_ms`, in the four-lane reads: hashing.
    #[serde(default)]
    pub hash_ms: f64,
    /// The four-lane reads' rounds, and the lanes they hashed in all.
    #[serde(default)]
    pub rounds: u64,
    /// See `rounds`.
    #[serde(default)]
    pub busy_lanes: u64,
}
