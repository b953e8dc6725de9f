//! Magic bytes: what a stream of bytes is, whatever its name says.

use serde::{Deserialize, Serialize};

/// How a stream is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (one member or several).
    Gzip,
    /// zstd (one frame or several).
    Zstd,
}

impl Compression {
    /// "none", "gzip" or "zstd", as in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// What the first bytes of a stream look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// No bytes at all.
    Empty,
    /// The gzip magic.
    Gzip,
    /// The zstd magic, or a skippable zstd frame's.
    Zstd,
    /// A tar stream: the first block is a header with a valid checksum, or
    /// an end-of-archive block of zeros.
    Tar,
    /// Something else; the label says what it looks like.
    Other(&'static str),
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Skippable zstd frames (used by zstd:chunked) have magics 0x184D2A50..=0x184D2A5F.
fn is_zstd_skippable(head: &[u8]) -> bool {
    head.len() >= 4 && head[1..4] == [0x2a, 0x4d, 0x18] && head[0] & 0xf0 == 0x50
}

/// Looks at up to the first 512 bytes of a stream.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    if head.starts_with(&GZIP_MAGIC) {
        return Sniffed::Gzip;
    }
    if head.starts_with(&ZSTD_MAGIC) || is_zstd_skippable(head) {
        return Sniffed::Zstd;
    }
    if head.len() >= 512 && is_tar_block(&head[..512]) {
        return Sniffed::Tar;
    }
    Sniffed::Other(describe(head))
}

/// True for a 512-byte tar header whose checksum holds, or an all-zero block.
pub fn is_tar_block(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    if block[..512].iter().all(|&b| b == 0) {
        return true;
    }
    let Some(stored) = parse_octal(&block[148..156]) else {
        return false;
    };
    let unsigned: u64 = block[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    let signed: i64 = block[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as i8 as i64
            }
        })
        .sum();
    stored == unsigned || stored as i64 == signed
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let s: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| (b'0'..=b'7').contains(&b))
        .collect();
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for b in s {
        v = v.checked_mul(8)?.checked_add((b - b'0') as u64)?;
    }
    Some(v)
}

/// A few words on what unknown bytes look like, for error messages.
pub fn describe(head: &[u8]) -> &'static str {
    if head.is_empty() {
        return "an empty file";
    }
    if head.starts_with(b"PK\x03\x04") {
        return "a zip file";
    }
    if head.starts_with(b"BZh") {
        return "a bzip2 stream";
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return "an xz stream";
    }
    if head.starts_with(b"\x89PNG") {
        return "a PNG image";
    }
    if head.starts_with(b"%PDF") {
        return "a PDF document";
    }
    if head.starts_with(b"\x7fELF") {
        return "an ELF binary";
    }
    let trimmed = head.iter().skip_while(|b| b.is_ascii_whitespace());
    match trimmed.clone().next() {
        Some(b'{') | Some(b'[') => return "JSON text",
        Some(b'<') => return "HTML or XML text",
        _ => {}
    }
    if head
        .iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace() || b >= 0x80)
    {
        return "text";
    }
    "unrecognised binary data"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magics() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Sniffed::Zstd);
        assert_eq!(sniff(&[0x50, 0x2a, 0x4d, 0x18, 0]), Sniffed::Zstd);
        assert_eq!(sniff(&[0u8; 512]), Sniffed::Tar);
        assert_eq!(sniff(b"insert binary content here"), Sniffed::Other("text"));
        assert_eq!(sniff(b"{\"a\":1}"), Sniffed::Other("JSON text"));
    }

    #[test]
    fn tar_checksum() {
        let mut h = tar::Header::new_ustar();
        h.set_path("a").unwrap();
        h.set_size(0);
        h.set_cksum();
        assert!(is_tar_block(h.as_bytes()));
        let mut bad = *h.as_bytes();
        bad[0] = b'b';
        assert!(!is_tar_block(&bad));
    }
}
