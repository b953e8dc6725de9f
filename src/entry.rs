//! One member of a layer tar: its metadata, never its contents.

use serde::{Deserialize, Serialize};

use crate::whiteout::Whiteout;

/// The type of a tar member, as it will exist once unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A regular file (type flags `0`, NUL, `7`).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier member.
    Hardlink,
    /// A character device.
    CharDev,
    /// A block device.
    BlockDev,
    /// A named pipe.
    Fifo,
    /// Anything else (sparse, contiguous, unknown type flags).
    Other,
}

impl Kind {
    /// The kind a tar type flag byte makes.
    pub fn from_typeflag(flag: u8) -> Kind {
        match flag {
            b'0' | b'\0' | b'7' => Kind::File,
            b'1' => Kind::Hardlink,
            b'2' => Kind::Symlink,
            b'3' => Kind::CharDev,
            b'4' => Kind::BlockDev,
            b'5' => Kind::Dir,
            b'6' => Kind::Fifo,
            _ => Kind::Other,
        }
    }

    /// The letter `ls -l` and the tree listings use.
    pub fn letter(self) -> char {
        match self {
            Kind::File => 'f',
            Kind::Dir => 'd',
            Kind::Symlink => 'l',
            Kind::Hardlink => 'h',
            Kind::CharDev => 'c',
            Kind::BlockDev => 'b',
            Kind::Fifo => 'p',
            Kind::Other => '?',
        }
    }
}

/// One tar member's metadata. Paths are kept raw; in JSON they are strings
/// when they are UTF-8 and lists of bytes when not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Normalised raw path: no leading `./` or `/`, no trailing `/`.
    /// Not necessarily UTF-8.
    #[serde(with = "bytes_lossy")]
    pub path: Vec<u8>,
    /// Its type.
    pub kind: Kind,
    /// Permission bits, including setuid, setgid and sticky.
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Bytes of content: a regular file's, a symlink target's length, 0
    /// for anything else.
    pub size: u64,
    /// Seconds since the epoch; may be negative.
    pub mtime: i64,
    /// Symlink or hardlink target, raw (hardlink targets normalised).
    #[serde(
        with = "opt_bytes_lossy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub link: Option<Vec<u8>>,
    /// Set when this member is a whiteout marker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whiteout: Option<Whiteout>,
    /// Offset of the member's content in the uncompressed layer stream.
    pub offset: u64,
    /// XXH64 of a regular file's content, when the read was asked for
    /// content digests ([`crate::Options::content_digests`]); in JSON, 16
    /// hex digits.
    #[serde(with = "opt_hex64", default, skip_serializing_if = "Option::is_none")]
    pub content: Option<u64>,
}

impl Entry {
    /// The path as text, invalid UTF-8 replaced.
    pub fn path_lossy(&self) -> String {
        String::from_utf8_lossy(&self.path).into_owned()
    }
}

/// Normalises a raw tar path: strips leading `./` and `/`, folds `//` and
/// `/./`, and drops a trailing `/`. The root itself becomes empty.
pub fn normalize(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for part in raw.split(|&b| b == b'/') {
        if part.is_empty() || part == b"." {
            continue;
        }
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    out
}

/// Raw bytes as a JSON string when they are UTF-8, else as a list of
/// numbers, so nothing is lost on the way between workers.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum TextOrBytes {
    /// UTF-8 text.
    Text(String),
    /// Any other bytes.
    Bytes(Vec<u8>),
}

impl From<TextOrBytes> for Vec<u8> {
    fn from(t: TextOrBytes) -> Vec<u8> {
        match t {
            TextOrBytes::Text(s) => s.into_bytes(),
            TextOrBytes::Bytes(b) => b,
        }
    }
}

pub(crate) mod bytes_lossy {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(v) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_seq(v),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(super::TextOrBytes::deserialize(d)?.into())
    }
}

mod opt_bytes_lossy {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::bytes_lossy::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Ok(Option::<super::TextOrBytes>::deserialize(d)?.map(Into::into))
    }
}

mod opt_hex64 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&format!("{v:016x}")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(t) => u64::from_str_radix(&t, 16)
                .map(Some)
                .map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize(b"./etc/passwd"), b"etc/passwd");
        assert_eq!(normalize(b"/etc//x/./y/"), b"etc/x/y");
        assert_eq!(normalize(b"./"), b"");
        assert_eq!(normalize(b"a\xe9b"), b"a\xe9b");
    }

    #[test]
    fn raw_paths_survive_json() {
        let e = Entry {
            path: b"caf\xe9".to_vec(),
            kind: Kind::Symlink,
            mode: 0o777,
            uid: 0,
            gid: 0,
            size: 3,
            mtime: -1,
            link: Some(b"\xff".to_vec()),
            whiteout: None,
            offset: 512,
            content: Some(0x0123_4567_89ab_cdef),
        };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), e);
        let plain = Entry {
            path: b"etc".to_vec(),
            link: None,
            ..e
        };
        assert!(serde_json::to_string(&plain)
            .unwrap()
            .contains(r#""path":"etc""#));
    }
}
