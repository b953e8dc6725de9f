//! The report file (`NAME.layercake.json.gz`): a dissection written down
//! (the inspect document, every layer's entries, the contents of chosen
//! small files) and read back into the same [`Dissection`] an archive
//! gives, so `inspect`, `ls` and every view of the page work from it.
//!
//! It is gzip-compressed JSON whose first key is `"layercake_report"` (the
//! format's version), detected from its content, never its name:
//!
//! ```text
//! {"layercake_report": 1, "by": "layercake 0.1.0", "at": "2026-12-03T14:00:00Z",
//!  "report": {…the inspect document…},
//!  "blobs": [{"path", "offset", "size", "facts": {…} | null,
//!             "entries": [[path, type, mode, uid, gid, size, mtime, link | null], …]}],
//!  "files": [{"blob": 0, "entry": 12, "path": "etc/os-release", "data": "…" | [bytes]}]}
//! ```
//!
//! A report is untrusted input like an archive: it is read within
//! [`MAX_REPORT_BYTES`] inflated, its entries within [`MAX_ENTRIES`] and
//! [`MAX_LAYER_ENTRIES`], its paths within [`MAX_PATH_BYTES`], its files
//! within [`MAX_RECORDED_FILE_BYTES`]; a limit reached is a `limit`
//! problem, and a report whose parts do not fit together (a layer naming
//! a blob the report lacks) is an [`Error::BadReport`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dissect::Dissection;

mod read;
mod write;

pub(crate) use read::read_report_file;
pub use write::{choose_files, write_report_file, Chosen};

/// The version of the report format this build writes and reads.
pub const REPORT_VERSION: u64 = 1;

/// The key a report file starts with.
const MAGIC_KEY: &[u8] = b"\"layercake_report\"";

/// "layercake 0.1.0": who writes reports.
pub fn tool() -> String {
    format!("layercake {}", env!("CARGO_PKG_VERSION"))
}

/// When and by what a report's facts were found (the report's `recorded`
/// field, set only when the report was read from a report file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The tool that wrote the report file: "layercake 0.1.0".
    pub by: String,
    /// When, as the writer gave it (RFC 3339, UTC).
    pub at: String,
    /// Files whose contents the report holds.
    pub files: usize,
}

/// Contents of files a report holds, by blob and entry number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedFiles {
    files: BTreeMap<(usize, usize), Vec<u8>>,
}

impl RecordedFiles {
    /// The contents of entry `entry` of blob `blob`, if held.
    pub fn get(&self, blob: usize, entry: usize) -> Option<&[u8]> {
        self.files.get(&(blob, entry)).map(Vec::as_slice)
    }

    /// Holds `bytes` as the contents of entry `entry` of blob `blob`.
    pub fn insert(&mut self, blob: usize, entry: usize, bytes: Vec<u8>) {
        self.files.insert((blob, entry), bytes);
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Bytes held, in all.
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|v| v.len() as u64).sum()
    }
}

impl Dissection {
    /// The contents a report holds of what entry `entry` of layer `layer`
    /// of image `image` wrote (none for a dissection of an archive).
    pub fn recorded_contents(&self, image: usize, layer: usize, entry: usize) -> Option<&[u8]> {
        let blob = self.report.images.get(image)?.layers.get(layer)?.blob?;
        self.recorded.as_ref()?.get(blob, entry)
    }
}

/// The version a report file's first bytes (inflated) name, if they are
/// the start of one: `{"layercake_report": N`.
pub fn report_version(head: &[u8]) -> Option<u64> {
    let skip_ws = |b: &[u8]| -> usize { b.iter().take_while(|c| c.is_ascii_whitespace()).count() };
    let mut i = skip_ws(head);
    if head.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    i += skip_ws(&head[i..]);
    if !head[i..].starts_with(MAGIC_KEY) {
        return None;
    }
    i += MAGIC_KEY.len();
    i += skip_ws(&head[i..]);
    if head.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    i += skip_ws(&head[i..]);
    let digits: Vec<u8> = head[i..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .take(18)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_first_key() {
        assert_eq!(
            report_version(br#"{"layercake_report":1,"by":"x"}"#),
            Some(1)
        );
        assert_eq!(
            report_version(b" {\n  \"layercake_report\" : 27 ,"),
            Some(27)
        );
        assert_eq!(report_version(br#"{"by":"x","layercake_report":1}"#), None);
        assert_eq!(report_version(br#"{"layercake_report":"1"}"#), None);
        assert_eq!(report_version(b"[1]"), None);
        assert_eq!(report_version(b""), None);
    }
}
