//! What a dissection reports as each fact becomes known ([`Event`]), and
//! what takes the reports ([`Sink`]): the CLI's progress and the page's
//! worker are sinks.

use crate::entry::Entry;
use crate::layer::LayerFacts;
use crate::problem::Problem;
use crate::report::{ArchiveInfo, Image, Report};

/// What a dissection reports, as it happens.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The outer archive has been indexed (or, in one pass, fully read).
    Archive(&'a ArchiveInfo),
    /// An image's manifest, config and history are known; its layers are
    /// not read yet (with a seekable source, no layer has been streamed).
    Image {
        /// Its index in the report's images.
        index: usize,
        /// The image, layers not read.
        image: &'a Image,
    },
    /// A layer blob is about to be read.
    LayerStarted {
        /// Which blob of the dissection ([`Dissection::blobs`](crate::Dissection::blobs)).
        blob: usize,
        /// Its member path in the outer archive.
        path: &'a str,
        /// Its bytes.
        size: u64,
    },
    /// Bytes of the source read so far, of `total` when known; `inflated`
    /// is the bytes of uncompressed layer streams walked so far (which a
    /// compressed layer can make far larger than `read`).
    Progress {
        /// Bytes of the source read.
        read: u64,
        /// Bytes of the source, when known.
        total: Option<u64>,
        /// Bytes of uncompressed layer streams walked.
        inflated: u64,
    },
    /// A layer blob has been read.
    LayerDone {
        /// Which blob of the dissection.
        blob: usize,
        /// Its member path in the outer archive.
        path: &'a str,
        /// What reading it found.
        facts: &'a LayerFacts,
        /// Its tar members (none when entries are not kept).
        entries: &'a [Entry],
    },
    /// A member of a one-pass read (a compressed archive) was hashed and
    /// walked: a layer, most likely, whose number comes once the manifest
    /// naming it is read (it may come last). [`Event::LayerDone`] follows
    /// for each member that turns out to be a layer.
    MemberRead {
        /// Its path in the outer archive.
        path: &'a str,
        /// What reading it found.
        facts: &'a LayerFacts,
    },
    /// A problem with the archive as a whole.
    Problem(&'a Problem),
    /// Everything is read; the report is complete.
    Finished(&'a Report),
}

/// Receives events.
pub trait Sink {
    /// Takes one event.
    fn event(&mut self, event: Event<'_>);
}

/// A sink that ignores everything.
pub struct Quiet;

impl Sink for Quiet {
    fn event(&mut self, _: Event<'_>) {}
}

impl<F: FnMut(Event<'_>)> Sink for F {
    fn event(&mut self, event: Event<'_>) {
        self(event)
    }
}
