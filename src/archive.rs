//! The outer archive: an index of its members, with symlinked members
//! resolved and duplicates resolved last-wins (as tar extraction would).

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use crate::detect::{describe, is_tar_block};
use crate::digest::Digest;
use crate::entry::{normalize, Kind};
use crate::headers::{Header, Headers};
use crate::limits::{limit, MAX_DOCUMENT_BYTES, MAX_LINK_HOPS, MAX_MEMBERS};
use crate::problem::{Error, Fault, Location, Problem};
use crate::source::{read_up_to, Seeking};
use crate::walk::unsafe_name;

/// The type of an outer archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link.
    Hardlink,
    /// Anything else (devices, fifos, unknown type flags).
    Other,
}

/// One member of the outer archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Normalised path (no leading `./`), lossily UTF-8.
    pub path: String,
    /// Its type.
    pub kind: MemberKind,
    /// Offset of the member's content in the (uncompressed) outer stream.
    pub offset: u64,
    /// Bytes of content.
    pub size: u64,
    /// Link target for symlinks and hardlinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The members of an outer archive, by path.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Every member, in archive order (a path given twice is listed twice).
    pub members: Vec<Member>,
    by_path: HashMap<String, usize>,
}

impl Index {
    /// Adds a member; a later member of the same path wins.
    pub fn push(&mut self, m: Member) {
        self.by_path.insert(m.path.clone(), self.members.len());
        self.members.push(m);
    }

    /// The member at `path` as named, without following links.
    pub fn get_raw(&self, path: &str) -> Option<&Member> {
        self.by_path.get(path).map(|&i| &self.members[i])
    }

    /// The regular-file member that `path` names, following symlinks
    /// (relative to the link's directory) and hardlinks.
    pub fn get(&self, path: &str) -> Option<&Member> {
        let mut path = String::from_utf8_lossy(&normalize(path.as_bytes())).into_owned();
        for _ in 0..MAX_LINK_HOPS {
            let m = self.get_raw(&path)?;
            match (m.kind, &m.link) {
                (MemberKind::Symlink, Some(target)) => {
                    let base = match m.path.rfind('/') {
                        Some(i) if !target.starts_with('/') => &m.path[..i + 1],
                        _ => "",
                    };
                    path = resolve_dots(&format!("{base}{target}"))?;
                }
                (MemberKind::Hardlink, Some(target)) => {
                    path = String::from_utf8_lossy(&normalize(target.as_bytes())).into_owned();
                }
                _ => return Some(m),
            }
        }
        None
    }

    /// Names of the top-level members, for messages.
    pub fn top_level(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .members
            .iter()
            .map(|m| m.path.split('/').next().unwrap_or(""))
            .filter(|p| !p.is_empty())
            .collect();
        v.dedup();
        v
    }
}

/// Folds `.` and `..` in a link target; `None` when it climbs out of the
/// root, which no safe extractor follows.
fn resolve_dots(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Converts a member header of the outer archive into a member. A name that
/// would climb out of the root is kept raw (so `/manifest.json` or
/// `../manifest.json` never stands for `manifest.json`) and reported.
pub fn member_of(h: &Header, problems: &mut Vec<Problem>) -> Member {
    let kind = match h.kind {
        Kind::File => MemberKind::File,
        Kind::Dir => MemberKind::Dir,
        Kind::Symlink => MemberKind::Symlink,
        Kind::Hardlink => MemberKind::Hardlink,
        _ => MemberKind::Other,
    };
    let path = match unsafe_name(&h.path) {
        Some(why) => {
            let raw = String::from_utf8_lossy(&h.path).into_owned();
            problems.push(Problem::new(
                Fault::UnsafeName {
                    name: raw.clone(),
                    why,
                },
                Location::entry(raw.clone()).at(h.header_offset),
            ));
            raw
        }
        None => String::from_utf8_lossy(&normalize(&h.path)).into_owned(),
    };
    Member {
        path,
        kind,
        offset: h.data_offset,
        size: h.size,
        link: h
            .link
            .as_ref()
            .map(|l| String::from_utf8_lossy(l).into_owned()),
    }
}

/// Indexes an uncompressed outer tar by reading its headers and seeking past
/// member contents. A truncated or corrupt archive yields the members read
/// so far plus a problem; bytes that are not a tar at all are an error.
pub fn index<R: Read + Seek>(r: &mut R) -> Result<(Index, Vec<Problem>), Error> {
    let read_err = |source| Error::Read { offset: 0, source };
    let len = r.seek(SeekFrom::End(0)).map_err(read_err)?;
    r.seek(SeekFrom::Start(0)).map_err(read_err)?;
    let head = read_up_to(r, 512).map_err(read_err)?;
    not_a_tar(&head, len)?;
    r.seek(SeekFrom::Start(0)).map_err(read_err)?;
    let mut headers = Headers::new(Seeking::new(&mut *r).map_err(read_err)?);

    let mut idx = Index::default();
    let mut problems = Vec::new();
    let walked: io::Result<()> = (|| {
        while let Some(h) = headers.next_header()? {
            if h.flag == b'g' {
                continue;
            }
            if idx.members.len() >= MAX_MEMBERS {
                problems.push(Problem::new(
                    limit!(MAX_MEMBERS, "the outer archive's members"),
                    Location::default().at(h.header_offset),
                ));
                return Ok(());
            }
            let m = member_of(&h, &mut problems);
            if m.offset.saturating_add(m.size) > len {
                problems.push(Problem::new(
                    Fault::Truncated {
                        detail: format!(
                            "member {} needs {} bytes at offset {}, but the archive is {len} bytes long",
                            m.path, m.size, m.offset
                        ),
                    },
                    Location::entry(m.path.clone()).at(m.offset),
                ));
                idx.push(Member {
                    size: len.saturating_sub(m.offset),
                    ..m
                });
                return Ok(());
            }
            idx.push(m);
        }
        Ok(())
    })();
    problems.extend(headers.take_problems());
    if let Err(e) = walked {
        let offset = idx.members.last().map(|m| m.offset + m.size).unwrap_or(0);
        problems.push(Problem::new(
            Fault::Truncated {
                detail: format!(
                    "outer tar unreadable after {} members: {e}",
                    idx.members.len()
                ),
            },
            Location::default().at(offset),
        ));
    }
    Ok((idx, problems))
}

/// Fails unless `head` (the first bytes of an uncompressed stream of `len`
/// bytes) starts a tar archive.
pub fn not_a_tar(head: &[u8], len: u64) -> Result<(), Error> {
    if head.len() < 512 || !is_tar_block(head) || head.iter().all(|&b| b == 0) {
        return Err(Error::not_an_image(found_for(head, len)));
    }
    Ok(())
}

/// Describes bytes that are not a tar, for "not an image archive: found …".
pub fn found_for(head: &[u8], len: u64) -> String {
    if head.is_empty() {
        return "an empty file".into();
    }
    if head.len() >= 512 && head.iter().all(|&b| b == 0) {
        return "an empty tar archive".into();
    }
    format!("{} ({len} bytes), not a tar archive", describe(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(path: &str, kind: MemberKind, link: Option<&str>) -> Member {
        Member {
            path: path.into(),
            kind,
            offset: 0,
            size: 0,
            link: link.map(String::from),
        }
    }

    #[test]
    fn follows_symlinked_layers_and_last_wins() {
        let mut idx = Index::default();
        idx.push(m("abc.tar", MemberKind::File, None));
        idx.push(m("x/layer.tar", MemberKind::Symlink, Some("../abc.tar")));
        idx.push(m(
            "y/layer.tar",
            MemberKind::Symlink,
            Some("../x/layer.tar"),
        ));
        idx.push(m("loop", MemberKind::Symlink, Some("loop")));
        assert_eq!(idx.get("y/layer.tar").unwrap().path, "abc.tar");
        assert_eq!(idx.get("./x/layer.tar").unwrap().path, "abc.tar");
        assert!(idx.get("loop").is_none());
        idx.push(Member {
            size: 9,
            ..m("abc.tar", MemberKind::File, None)
        });
        assert_eq!(idx.get("x/layer.tar").unwrap().size, 9);
    }
}

/// Reads members' contents by path: from a seekable source, or from the
/// small members kept during a one-pass read.
pub trait Store {
    /// The members of the archive.
    fn index(&self) -> &Index;

    /// Reads the whole content of the member `path` names (links followed).
    fn read(&mut self, path: &str) -> Result<Vec<u8>, Fault>;

    /// The sha256 of the member `path` names, however large, when it can
    /// be had (a document too large to read still has an ID).
    fn digest(&mut self, path: &str) -> Option<Digest>;
}

/// A store over a seekable source.
pub struct SeekStore<'r, R> {
    /// The archive, uncompressed.
    pub source: &'r mut R,
    /// Its members.
    pub index: Index,
}

impl<R: Read + Seek> Store for SeekStore<'_, R> {
    fn index(&self) -> &Index {
        &self.index
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, Fault> {
        let m = self.index.get(path).ok_or_else(|| Fault::Missing {
            what: path.to_string(),
        })?;
        if m.size > MAX_DOCUMENT_BYTES {
            return Err(limit!(
                MAX_DOCUMENT_BYTES,
                format!("{path} ({} bytes)", m.size)
            ));
        }
        let (offset, size) = (m.offset, m.size);
        self.source
            .seek(SeekFrom::Start(offset))
            .map_err(|e| Fault::Truncated {
                detail: format!("cannot seek to {path} at offset {offset}: {e}"),
            })?;
        let bytes =
            read_up_to(&mut (&mut *self.source).take(size), size as usize).map_err(|e| {
                Fault::Truncated {
                    detail: format!("{path} at offset {offset}: {e}"),
                }
            })?;
        if (bytes.len() as u64) < size {
            return Err(Fault::Truncated {
                detail: format!("{path} holds {} of its {size} bytes", bytes.len()),
            });
        }
        Ok(bytes)
    }

    fn digest(&mut self, path: &str) -> Option<Digest> {
        let m = self.index.get(path)?;
        let (offset, size) = (m.offset, m.size);
        self.source.seek(SeekFrom::Start(offset)).ok()?;
        let mut h = crate::digest::Hasher::new(crate::digest::Algorithm::Sha256);
        let mut buf = vec![0u8; 64 * 1024];
        let mut left = size;
        while left > 0 {
            let want = buf.len().min(left as usize);
            let n = self.source.read(&mut buf[..want]).ok()?;
            if n == 0 {
                return None;
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        Some(h.finish())
    }
}

/// A store over the members kept in memory during a one-pass read.
#[derive(Default)]
pub struct MemStore {
    /// The members seen.
    pub index: Index,
    /// Members kept whole, by path.
    pub kept: HashMap<String, Vec<u8>>,
    /// JSON members that were not kept, and the limit that said so.
    pub unkept: HashMap<String, Fault>,
    /// The sha256 of members hashed as they went by.
    pub digests: HashMap<String, Digest>,
}

impl Store for MemStore {
    fn index(&self) -> &Index {
        &self.index
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, Fault> {
        let m = self.index.get(path).ok_or_else(|| Fault::Missing {
            what: path.to_string(),
        })?;
        if let Some(bytes) = self.kept.get(&m.path) {
            return Ok(bytes.clone());
        }
        if let Some(why) = self.unkept.get(&m.path) {
            return Err(why.clone());
        }
        Err(Fault::Unexpected {
            what: path.to_string(),
            found: format!("{} bytes that do not start as JSON", m.size),
            expected: "a JSON document".into(),
        })
    }

    fn digest(&mut self, path: &str) -> Option<Digest> {
        let m = self.index.get(path)?;
        if let Some(bytes) = self.kept.get(&m.path) {
            return Some(Digest::sha256_of(bytes));
        }
        self.digests.get(&m.path).cloned()
    }
}

/// Reads and parses a JSON member.
pub fn read_json(store: &mut dyn Store, path: &str) -> Result<(serde_json::Value, Vec<u8>), Fault> {
    let bytes = store.read(path)?;
    let value = serde_json::from_slice(&bytes).map_err(|e| Fault::BadJson {
        what: path.to_string(),
        detail: e.to_string(),
    })?;
    Ok((value, bytes))
}
