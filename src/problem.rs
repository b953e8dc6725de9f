//! What went wrong, and where: typed faults and the problems that carry them.
//!
//! A fatal [`Error`] stops a dissection (the input is not an image archive,
//! or cannot be read at all). Everything else is a [`Problem`]: the
//! dissection goes on, and the problem is reported beside what was read.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

mod budget;
mod location;

pub(crate) use budget::{ProblemBudget, Unlisted};
pub use location::Location;

/// Why a dissection could not start or finish at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are readable but hold no container image.
    #[error("not an image archive: found {found}")]
    NotAnImage {
        /// What the bytes look like instead ("a zip file (812 bytes), not a
        /// tar archive").
        found: String,
    },
    /// The bytes are a layercake report file, but not one that can be
    /// used: too large, another version, or parts that do not fit together.
    #[error("not a usable layercake report: {detail}")]
    BadReport {
        /// What is wrong with it.
        detail: String,
    },
    /// The source itself failed.
    #[error("cannot read the archive at offset {offset}: {source}")]
    Read {
        /// Where in the source the read failed.
        offset: u64,
        /// The source's own error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// [`Error::NotAnImage`], saying what was `found` instead.
    pub fn not_an_image(found: impl Into<String>) -> Error {
        Error::NotAnImage {
            found: found.into(),
        }
    }
}

/// How bad a problem is. Notes are odd but harmless; warnings and errors
/// mean something is missing or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Odd but harmless: the image is read as intended.
    Note,
    /// Something is missing or reaches a limit; what was read still holds.
    Warning,
    /// Something is wrong: a digest mismatch, a document or stream that
    /// cannot be read.
    Error,
}

/// A typed fault. Messages say what was found against what should be.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Fault {
    /// The archive, a member or a blob ends before its bytes do.
    #[error("the archive ends early: {detail}")]
    Truncated {
        /// What ended where.
        detail: String,
    },
    /// A document does not parse as JSON.
    #[error("{what} is not valid JSON: {detail}")]
    BadJson {
        /// The document (a member path).
        what: String,
        /// The parser's message.
        detail: String,
    },
    /// Something is not what it should be.
    #[error("{what} is {found}, should be {expected}")]
    Unexpected {
        /// The thing looked at.
        what: String,
        /// What it is.
        found: String,
        /// What it should be.
        expected: String,
    },
    /// Something named is not in the archive.
    #[error("{what} is missing from the archive")]
    Missing {
        /// The member or document named.
        what: String,
    },
    /// Content hashes to another digest than the one that names it.
    #[error("digest of {what} is {actual}, should be {expected}")]
    DigestMismatch {
        /// The content checked.
        what: String,
        /// The digest that names it.
        expected: Digest,
        /// The digest computed.
        actual: Digest,
    },
    /// A member's file name is a digest its content does not hash to.
    #[error("{path} is named {named}, but its content hashes to {actual} (the image ID is the content's digest)")]
    NameNotDigest {
        /// The member path.
        path: String,
        /// The digest the name implies.
        named: Digest,
        /// The digest of the content.
        actual: Digest,
    },
    /// A digest string that does not parse.
    #[error("{what}: {detail}")]
    BadDigest {
        /// Where the digest was given.
        what: String,
        /// Why it is not a digest.
        detail: String,
    },
    /// The history's layer-making steps do not match the layers.
    #[error("history has {found} steps that make layers, should have {expected} (one per layer); history is not mapped onto layers")]
    HistoryMismatch {
        /// Steps that are not `empty_layer`.
        found: usize,
        /// Layers of the image.
        expected: usize,
    },
    /// The config's diff_ids do not match the layers.
    #[error("config lists {found} diff_ids, should list {expected} (one per layer)")]
    DiffIdCount {
        /// diff_ids listed.
        found: usize,
        /// Layers of the image.
        expected: usize,
    },
    /// A layer blob that is neither a tar stream nor a compressed one.
    #[error("layer is {found}, should be a tar stream")]
    NotATar {
        /// What the bytes look like.
        found: String,
    },
    /// A layer's tar stream fails part way.
    #[error("layer tar is unreadable: {detail}")]
    BadTar {
        /// The reader's error.
        detail: String,
    },
    /// A layer's compressed stream fails to inflate.
    #[error("layer {compression} stream is unreadable: {detail}")]
    BadCompression {
        /// The compression's name ("gzip", "zstd").
        compression: &'static str,
        /// The decoder's error.
        detail: String,
    },
    /// A layer tar that stops without its two zero blocks.
    #[error("layer tar lacks its end-of-archive blocks (accepted)")]
    NoEndOfArchive,
    /// A layer blob of zero bytes.
    #[error("layer is an empty file with no tar blocks (read as an empty layer)")]
    EmptyLayer,
    /// A blob a descriptor names that the archive does not hold (a
    /// platform or referrer not saved).
    #[error("{what} is referenced but absent (not saved in this archive)")]
    Absent {
        /// The blob, as named.
        what: String,
    },
    /// An index that lists itself, directly or through others.
    #[error("index nesting loops back to {digest}")]
    IndexLoop {
        /// The index listed again.
        digest: Digest,
    },
    /// A budget from [`crate::limits`] was reached.
    #[error("{what} reaches the limit {limit} ({value}); what lies past it is skipped")]
    Limit {
        /// The constant's name, such as `MAX_INDEX_DEPTH`.
        limit: &'static str,
        /// The constant's value.
        value: u64,
        /// What reached it, and where.
        what: String,
    },
    /// A name that would land outside the root when unpacked (`..`, an
    /// absolute path, a write through a symlink that leaves the root).
    #[error("unsafe name {name:?}: {why}")]
    UnsafeName {
        /// The name, lossily UTF-8.
        name: String,
        /// How it leaves the root.
        why: &'static str,
    },
    /// Anything else; the detail is the message.
    #[error("{detail}")]
    Other {
        /// The message.
        detail: String,
    },
}

impl Fault {
    /// A stable identifier for the kind of fault.
    pub fn code(&self) -> Code {
        match self {
            Fault::Truncated { .. } => Code::Truncated,
            Fault::BadJson { .. } => Code::BadJson,
            Fault::Unexpected { .. } => Code::Unexpected,
            Fault::Missing { .. } => Code::Missing,
            Fault::DigestMismatch { .. } => Code::DigestMismatch,
            Fault::BadDigest { .. } => Code::BadDigest,
            Fault::NameNotDigest { .. } => Code::NameNotDigest,
            Fault::HistoryMismatch { .. } => Code::HistoryMismatch,
            Fault::DiffIdCount { .. } => Code::DiffIdCount,
            Fault::NotATar { .. } => Code::NotATar,
            Fault::BadTar { .. } => Code::BadTar,
            Fault::BadCompression { .. } => Code::BadCompression,
            Fault::NoEndOfArchive => Code::NoEndOfArchive,
            Fault::EmptyLayer => Code::EmptyLayer,
            Fault::Absent { .. } => Code::Absent,
            Fault::IndexLoop { .. } => Code::IndexLoop,
            Fault::Limit { .. } => Code::Limit,
            Fault::UnsafeName { .. } => Code::UnsafeName,
            Fault::Other { .. } => Code::Other,
        }
    }

    /// How bad this kind of fault is, by default.
    pub fn severity(&self) -> Severity {
        match self {
            Fault::NoEndOfArchive
            | Fault::EmptyLayer
            | Fault::Absent { .. }
            | Fault::NameNotDigest { .. } => Severity::Note,
            Fault::HistoryMismatch { .. }
            | Fault::DiffIdCount { .. }
            | Fault::Limit { .. }
            | Fault::UnsafeName { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// The kind of a fault, without its details: what callers match on, and
/// what the JSON report carries as `code`, a stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// The archive, a member or a blob ends before its bytes do.
    Truncated,
    /// A document does not parse as JSON.
    BadJson,
    /// Something is not what it should be.
    Unexpected,
    /// Something named is not in the archive.
    Missing,
    /// Content hashes to another digest than the one that names it.
    DigestMismatch,
    /// A digest string that does not parse.
    BadDigest,
    /// A member's file name is a digest its content does not hash to.
    NameNotDigest,
    /// The history's layer-making steps do not match the layers.
    HistoryMismatch,
    /// The config's diff_ids do not match the layers.
    DiffIdCount,
    /// A layer blob that is neither a tar stream nor a compressed one.
    NotATar,
    /// A layer's tar stream fails part way.
    BadTar,
    /// A layer's compressed stream fails to inflate.
    BadCompression,
    /// A layer tar that stops without its two zero blocks.
    NoEndOfArchive,
    /// A layer blob of zero bytes.
    EmptyLayer,
    /// A blob a descriptor names that the archive does not hold (a
    /// platform or referrer not saved).
    Absent,
    /// An index that lists itself, directly or through others.
    IndexLoop,
    /// A budget from [`crate::limits`] was reached.
    Limit,
    /// A name that would land outside the root when unpacked (`..`, an
    /// absolute path, a write through a symlink that leaves the root).
    UnsafeName,
    /// Anything else; the detail is the message.
    Other,
}

impl Code {
    /// The stable name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Truncated => "truncated",
            Code::BadJson => "bad_json",
            Code::Unexpected => "unexpected",
            Code::Missing => "missing",
            Code::DigestMismatch => "digest_mismatch",
            Code::BadDigest => "bad_digest",
            Code::NameNotDigest => "name_not_digest",
            Code::HistoryMismatch => "history_mismatch",
            Code::DiffIdCount => "diff_id_count",
            Code::NotATar => "not_a_tar",
            Code::BadTar => "bad_tar",
            Code::BadCompression => "bad_compression",
            Code::NoEndOfArchive => "no_end_of_archive",
            Code::EmptyLayer => "empty_layer",
            Code::Absent => "absent",
            Code::IndexLoop => "index_loop",
            Code::Limit => "limit",
            Code::UnsafeName => "unsafe_name",
            Code::Other => "other",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// A problem as reported: the fault's message and code, its severity, and
/// where it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// How bad it is.
    pub severity: Severity,
    /// The kind of fault, to match on.
    pub code: Code,
    /// The fault's message, for people.
    pub message: String,
    /// Where it happened (flattened into the problem in JSON).
    #[serde(flatten)]
    pub location: Location,
}

impl Problem {
    /// The problem a fault makes, at its default severity.
    pub(crate) fn new(fault: Fault, location: Location) -> Problem {
        Problem {
            severity: fault.severity(),
            code: fault.code(),
            message: fault.to_string(),
            location,
        }
    }

    /// One line for a terminal: severity, message, then where.
    pub fn to_line(&self) -> String {
        let mut s = format!("{}: {}", self.severity.name(), self.message);
        if let Some(at) = self.location.describe(false) {
            s.push_str(&format!(" ({at})"));
        }
        s
    }
}

impl Severity {
    /// The lowercase name, as in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests;
