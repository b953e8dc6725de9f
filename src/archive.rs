//! The outer archive: an index of its members, with symlinked members
//! resolved and duplicates resolved last-wins (as tar extraction would).

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use crate::detect::{describe, is_tar_block};
use crate::entry::normalize;
use crate::problem::{Error, Fault, Location, Problem};
use crate::source::read_up_to;

/// The type of an outer archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Other,
}

/// One member of the outer archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Normalised path (no leading `./`), lossily UTF-8.
    pub path: String,
    pub kind: MemberKind,
    /// Offset of the member's content in the (uncompressed) outer stream.
    pub offset: u64,
    pub size: u64,
    /// Link target for symlinks and hardlinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The members of an outer archive, by path.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub members: Vec<Member>,
    by_path: HashMap<String, usize>,
}

impl Index {
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
        for _ in 0..16 {
            let m = self.get_raw(&path)?;
            match (m.kind, &m.link) {
                (MemberKind::Symlink, Some(target)) => {
                    let base = match m.path.rfind('/') {
                        Some(i) if !target.starts_with('/') => &m.path[..i + 1],
                        _ => "",
                    };
                    path = resolve_dots(&format!("{base}{target}"));
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

fn resolve_dots(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Converts a tar header into a member.
pub fn member_of<R: Read>(e: &tar::Entry<'_, R>) -> Member {
    let kind = match e.header().entry_type().as_byte() {
        b'0' | b'\0' | b'7' => MemberKind::File,
        b'5' => MemberKind::Dir,
        b'2' => MemberKind::Symlink,
        b'1' => MemberKind::Hardlink,
        _ => MemberKind::Other,
    };
    Member {
        path: String::from_utf8_lossy(&normalize(&e.path_bytes())).into_owned(),
        kind,
        offset: e.raw_file_position(),
        size: e.size(),
        link: e
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned()),
    }
}

/// Indexes an uncompressed outer tar by reading its headers and seeking past
/// member contents. A truncated or corrupt archive yields the members read
/// so far plus a problem; bytes that are not a tar at all are an error.
pub fn index<R: Read + Seek>(r: &mut R) -> Result<(Index, Option<Problem>), Error> {
    let len = r
        .seek(SeekFrom::End(0))
        .and_then(|len| r.seek(SeekFrom::Start(0)).map(|_| len))
        .map_err(|source| Error::Read { offset: 0, source })?;
    let head = read_up_to(r, 512).map_err(|source| Error::Read { offset: 0, source })?;
    if head.len() < 512 || !is_tar_block(&head) || head.iter().all(|&b| b == 0) {
        return Err(Error::not_an_image(found_for(&head, len)));
    }
    r.seek(SeekFrom::Start(0))
        .map_err(|source| Error::Read { offset: 0, source })?;

    let mut idx = Index::default();
    let mut problem = None;
    let mut archive = tar::Archive::new(&mut *r);
    let walked: io::Result<()> = (|| {
        for item in archive.entries_with_seek()? {
            let e = item?;
            let m = member_of(&e);
            if m.offset + m.size > len {
                problem = Some(Problem::new(
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
    if let Err(e) = walked {
        let offset = idx.members.last().map(|m| m.offset + m.size).unwrap_or(0);
        problem = Some(Problem::new(
            Fault::Truncated {
                detail: format!(
                    "outer tar unreadable after {} members: {e}",
                    idx.members.len()
                ),
            },
            Location::default().at(offset),
        ));
    }
    Ok((idx, problem))
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
    fn index(&self) -> &Index;

    /// Reads the whole content of the member `path` names (links followed).
    fn read(&mut self, path: &str) -> Result<Vec<u8>, Fault>;
}

/// The largest JSON document (manifest, index, config) read into memory.
pub const MAX_DOCUMENT: u64 = 64 * 1024 * 1024;

/// A store over a seekable source.
pub struct SeekStore<'r, R> {
    pub source: &'r mut R,
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
        if m.size > MAX_DOCUMENT {
            return Err(Fault::Unexpected {
                what: format!("{path} size"),
                found: format!("{} bytes", m.size),
                expected: format!("at most {MAX_DOCUMENT} bytes for a JSON document"),
            });
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
}

/// A store over the members kept in memory during a one-pass read.
#[derive(Default)]
pub struct MemStore {
    pub index: Index,
    pub kept: HashMap<String, Vec<u8>>,
}

impl Store for MemStore {
    fn index(&self) -> &Index {
        &self.index
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, Fault> {
        let m = self.index.get(path).ok_or_else(|| Fault::Missing {
            what: path.to_string(),
        })?;
        self.kept.get(&m.path).cloned().ok_or_else(|| Fault::Other {
            detail: format!(
                "{path} ({} bytes) is too large to keep during a one-pass read of a compressed archive",
                m.size
            ),
        })
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
