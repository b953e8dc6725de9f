//! Layer Cake: look inside saved container images.
//!
//! The core reads `docker save`, `podman save` and OCI image-layout archives
//! from any [`std::io::Read`] (and [`std::io::Seek`] where the source allows
//! it), and reports what it finds as events to a [`Sink`].
//!
//! [`dissect`] (a seekable source) and [`dissect_stream`] (one pass) return
//! a [`Dissection`]: the [`Report`] (images, layers, checks, [`Problem`]s)
//! and each layer's [`Entry`]s, from which [`Dissection::tree`] merges an
//! image's filesystem. The types they use are re-exported here; the
//! modules that build them are private.
//!
//! Public modules: [`digest`] (digests and checks), [`limits`] (every
//! budget), [`media_type`] (every media-type rule), [`sha256x4`] (four
//! SHA-256 streams at once, [`Sha256x4`]), [`attachment`] (attestations,
//! signatures, referrers), [`attestation`] (what they say, parsed on
//! demand), [`reference`](mod@reference) (image names), [`xxh64`] (the per-file content digest), [`diff`] (two images compared), [`against`] (the page's second image of a comparison), [`packages`] (OS and language packages, read on demand), [`listing`] (rows for browsing a
//! tree), [`sample`] (the sample archive); and the web worker's
//! protocol and state, [`message`], [`session`] and [`page`].

#![deny(missing_docs)]

pub mod against;
mod archive;
pub mod attachment;
pub mod attestation;
mod batch;
mod config;
mod contents;
mod decompress;
mod detect;
pub mod diff;
pub mod digest;
mod dissect;
mod docker;
mod dockerfile;
mod entry;
mod event;
mod feed;
mod headers;
mod image;
mod keep;
mod layer;
pub mod limits;
pub mod media_type;
mod oci;
pub mod packages;
mod pattern;
mod pax;
mod problem;
mod progress;
pub mod reference;
mod relay;
mod report;
mod report_file;
pub mod sha256x4;
mod share;
mod source;
mod stream;
mod tree;
mod walk;
mod whiteout;
pub mod xxh64;

pub use batch::{Batch, Outcome, Timings, Want};
pub use config::{short_command, Config, HistoryStep};
pub use contents::{read_file, read_files, read_files_checked, FileRef, PREVIEW_BYTES};
pub use decompress::ZstdFrames;
pub use detect::Compression;
pub use dissect::{dissect, reads_in_one_pass, Blob, Dissection, Event, Options, Quiet, Sink};
pub use dockerfile::{dockerfile, step as dockerfile_step, Step};
pub use entry::{Entry, Kind};
pub use feed::Feed;
pub use layer::{analyze, analyze_with, Counts, Expect, LayerFacts};
pub use pattern::Pattern;
pub use problem::{Code, Error, Location, Problem, Severity};
pub use relay::{NoRelay, Relay, RelayReader};
pub use report::{
    human, percent, AbsentPlatform, ArchiveInfo, Document, FileStats, Format, Image, Layer,
    Platform, Report,
};
pub use report_file::{
    choose_files, report_version, tool, write_report_file, Chosen, Recorded, RecordedFiles,
    REPORT_VERSION,
};
pub use sha256x4::Sha256x4;
pub use share::Share;
pub use source::{Chunked, Ranges, ReadAt};
pub use stream::{dissect_stream, OnePass, OnePassStart, Stage, RELAY_PIECE};
pub use tree::{write_layer_listing, write_line, Change, Node, Removal, Tree, Waste};
pub use whiteout::Whiteout;

pub mod listing;
pub mod sample;

pub mod message;
pub mod page;
pub mod query;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;
