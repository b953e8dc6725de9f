//! Every budget the core keeps, in one place.
//!
//! Every input is untrusted. Each limit below bounds the time, memory or
//! stack that one feature of an archive can cost; reaching one is never a
//! crash and never silent: it becomes a [`Problem`](crate::Problem) with
//! code [`limit`](crate::Code::Limit) whose message names the limit, its
//! value and what reached it, and whose location says where. What lies
//! past a limit is skipped as data, and everything before it is still
//! reported.
//!
//! The README lists these values; keep the two in step.

/// The largest JSON document (manifest.json, index.json, an index, a
/// manifest, a config, `repositories`, a legacy layer json) that is read
/// into memory and parsed. Real configs run to a few hundred kB.
pub const MAX_DOCUMENT_BYTES: u64 = 16 << 20;

/// How deeply JSON documents may nest (arrays and objects); serde_json
/// stops at 128 itself, so this only documents its recursion limit.
pub const MAX_JSON_DEPTH: usize = 128;

/// The bytes of all distinct JSON documents parsed from one archive,
/// together. A document named many times is read and parsed once.
pub const MAX_DOCUMENTS_TOTAL_BYTES: u64 = 128 << 20;

/// How deeply image indexes may nest inside each other (index.json counts
/// as depth 0). Real layouts nest two or three deep.
pub const MAX_INDEX_DEPTH: usize = 64;

/// Descriptors (entries of `manifests` lists, across every index) visited
/// in one archive. A descriptor reached twice is visited once.
pub const MAX_DESCRIPTORS: usize = 100_000;

/// Images and attachments (attestations, signatures, referrers, artifacts) reported from one archive, together.
pub const MAX_IMAGES: usize = 1_024;

/// Layers one image may list.
pub const MAX_LAYERS_PER_IMAGE: usize = 1_024;

/// Members of the outer archive that are indexed.
pub const MAX_MEMBERS: usize = 100_000;

/// Bytes of one path (or link target) inside a layer or the outer archive.
/// Linux's PATH_MAX is 4 096; nothing longer can be unpacked by a runtime.
pub const MAX_PATH_BYTES: usize = 16 << 10;

/// Components (`a/b/c` has three) of one path.
pub const MAX_PATH_COMPONENTS: usize = 1_024;

/// Bytes of one PAX extended header (`x` or `g`) or GNU long name or long
/// link record (`L`, `K`). Past it, the record is skipped as data.
pub const MAX_HEADER_RECORD_BYTES: u64 = 1 << 20;

/// Problems listed for one layer, and for one image's merged filesystem
/// (an unsafe name can be every entry's). Past it, problems are counted,
/// and one `limit` problem says how many were not listed.
pub const MAX_LAYER_PROBLEMS: usize = 1_000;

/// Problems of layers listed in all, by one reader (each share of a
/// parallel read, and the gatherer): with [`MAX_LAYER_PROBLEMS`] a layer,
/// many layers could still list millions. Past it, a layer's problems are
/// counted, and one `limit` problem of that layer says how many.
pub const MAX_PROBLEMS: usize = 10_000;

/// Entries of one layer kept in memory for trees and listings. Past it,
/// entries are still counted and hashed, but not kept. The largest real
/// layers hold a few hundred thousand.
pub const MAX_LAYER_ENTRIES: usize = 1_000_000;

/// Entries kept in memory across all layers of one archive (while a
/// parallel read is under way, each share keeps at most this many, and
/// gathering keeps this many in all; a one-pass read keeps this many
/// across every tar member it walks, before the manifest says which are
/// layers). Past it, later layers are still
/// read, counted and hashed, but their entries are not kept. The largest
/// real images hold a few hundred thousand.
pub const MAX_ENTRIES: usize = 500_000;

/// Bytes of entry paths and link targets of one layer kept in memory.
pub const MAX_LAYER_NAME_BYTES: u64 = 128 << 20;

/// Bytes of the paths one merged filesystem (or one layer's listing)
/// holds, implicit parent directories included. Past it, later entries are
/// not applied to the tree, and the problem names where it stopped.
pub const MAX_TREE_PATH_BYTES: u64 = 64 << 20;

/// Bytes of small members kept in memory during a one-pass read (a
/// compressed archive, or a download that cannot seek) in case a manifest
/// names them as documents later. Past it, a member's digest and size are
/// kept instead of its bytes.
pub const MAX_KEPT_BYTES: u64 = 64 << 20;

/// Links followed when resolving one member path of the outer archive.
pub const MAX_LINK_HOPS: usize = 16;

/// Attachments (attestations, signatures, referrers) placed under images,
/// one attached under several images (a referrer of an index) counting
/// once per image. Past it, the rest are listed among the artifacts.
pub const MAX_ATTACHED: usize = 1_024;

/// Bytes of one attestation blob (an in-toto statement, a DSSE envelope,
/// an SBOM, a signature payload) read and parsed when its view is opened
/// or `layercake attestations` asks. SBOMs of large images run to tens of
/// megabytes; the index walk never reads them.
pub const MAX_ATTESTATION_BYTES: u64 = 32 << 20;

/// Items kept from one attestation document: SBOM packages, provenance
/// materials and build args, statement subjects, each list on its own.
/// Past it, the rest are counted, not kept.
pub const MAX_ATTESTATION_ITEMS: usize = 100_000;

/// Bytes of a layercake report file once inflated. A report of an image
/// with a few hundred thousand entries inflates to some tens of MB.
pub const MAX_REPORT_BYTES: u64 = 128 << 20;

/// Bytes of one file's contents a report holds (`layercake report
/// --max-file-bytes` is capped at this).
pub const MAX_RECORDED_FILE_BYTES: u64 = 16 << 20;

/// Bytes of file contents one report holds, in all.
pub const MAX_RECORDED_CONTENT_BYTES: u64 = 32 << 20;

/// Bytes of one package metadata file (a dpkg `status`, an apk
/// `installed`, a `METADATA`, a `package.json`) read when the packages are
/// asked for. A large Debian image's `status` runs to a few megabytes.
pub const MAX_PACKAGE_FILE_BYTES: u64 = 64 << 20;

/// Package metadata files read for one image (each `.dist-info`,
/// `package.json` and `status.d` entry is one). Past it, the rest are not
/// read.
pub const MAX_PACKAGE_FILES: usize = 50_000;

/// Packages listed for one image. Past it, the rest are not listed.
pub const MAX_PACKAGES: usize = 200_000;

/// Bytes of layer members one worker has handed to another in a one-pass
/// read (a compressed archive on the page) that the other has not yet
/// read: past this the first waits, so neither holds more.
pub const MAX_RELAYED_UNREAD_BYTES: u64 = 64 << 20;

/// Gzip layer blobs, the largest first, whose trailer is read for the size
/// they inflate to, so that readers sharing an archive are dealt about
/// equal work (each is a seek and a 4-byte read: a millisecond in the
/// browser). Not a problem when reached: the rest are dealt by stored size.
pub const MAX_INFLATED_HINTS: usize = 64;

/// File changes of a comparison (the page's **Changes** view) sent to
/// the page in one answer. The worker filters and searches the whole list
/// and sends the first this many, by path, with the total; the view says
/// when it is cut (`layercake diff --json` lists every one).
pub const MAX_CHANGES_SENT: usize = 2_000;

/// Directory totals of a comparison sent to the page, the largest change
/// first; the rest are counted, not sent.
pub const MAX_CHANGED_DIRS_SENT: usize = 200;

/// The [`Fault::Limit`](crate::problem::Fault::Limit) for reaching one of
/// the limits above: `limit!(MAX_INDEX_DEPTH, "index nesting at …")`.
macro_rules! limit {
    ($name:ident, $what:expr) => {
        $crate::problem::Fault::Limit {
            limit: stringify!($name),
            value: $crate::limits::$name as u64,
            what: ($what).into(),
        }
    };
}
pub(crate) use limit;
