//! The records a member's own tar header follows: GNU long names and
//! links (`L`, `K`) and PAX local records (`x`), gathered by
//! [`super::Headers`] and applied, over the archive's PAX global records,
//! to the header they describe.

use crate::entry::Kind;
use crate::limits::{limit, MAX_PATH_BYTES, MAX_PATH_COMPONENTS};
use crate::pax::{parse_int, Records};
use crate::problem::{Fault, Location, Problem};

use super::Header;

/// The long-name and PAX records read before a member's own header.
#[derive(Default)]
pub(super) struct Group {
    pub(super) long_name: Option<Vec<u8>>,
    pub(super) long_link: Option<Vec<u8>>,
    pub(super) local: Option<Records>,
    /// Where the first of them starts (the member's header offset).
    pub(super) first: Option<u64>,
}

impl Group {
    /// The member `header` describes, of `size` bytes (PAX `size` already
    /// applied) from `data_offset`, its records starting at `first_at`:
    /// its path, link, owner and time as these records and `globals` set
    /// them; and the limits its names are past (a path or link target
    /// over [`MAX_PATH_BYTES`] or [`MAX_PATH_COMPONENTS`] is cut to the
    /// first, and the header says it is `over_limit`).
    pub(super) fn header(
        &self,
        header: &tar::Header,
        flag: u8,
        globals: &Records,
        size: u64,
        first_at: u64,
        data_offset: u64,
    ) -> (Header, Vec<Problem>) {
        let pick = |key: &[u8]| {
            self.local
                .as_ref()
                .and_then(|l| l.get(key))
                .or_else(|| globals.get(key))
        };
        let path = match (&self.long_name, pick(b"path")) {
            (Some(n), _) => n.clone(),
            (None, Some(p)) => p.to_vec(),
            (None, None) => header.path_bytes().into_owned(),
        };
        let link = match (pick(b"linkpath"), &self.long_link) {
            (Some(l), _) => Some(l.to_vec()),
            (None, Some(l)) => Some(l.clone()),
            (None, None) => header.link_name_bytes().map(|l| l.into_owned()),
        };
        let num = |key: &[u8]| pick(key).and_then(parse_int);
        let uid = num(b"uid")
            .map(|v| v as u64)
            .or_else(|| header.uid().ok())
            .unwrap_or(0);
        let gid = num(b"gid")
            .map(|v| v as u64)
            .or_else(|| header.gid().ok())
            .unwrap_or(0);
        let mtime = num(b"mtime")
            .or_else(|| header.mtime().ok().map(|v| v as i64))
            .unwrap_or(0);
        let pax = self.local.as_ref().is_some_and(|l| l.any) || globals.any;
        let mut limits = Vec::new();
        for (name, what) in [(Some(&path), "path"), (link.as_ref(), "link target")] {
            if let Some(fault) = name.and_then(|n| over_limit(n, what)) {
                limits.push(Problem::new(fault, Location::default().at(first_at)));
            }
        }
        let over_limit = !limits.is_empty();
        let cut = |mut name: Vec<u8>| {
            if over_limit {
                name.truncate(MAX_PATH_BYTES);
            }
            name
        };
        let h = Header {
            flag,
            kind: Kind::from_typeflag(flag),
            path: cut(path),
            link: link.map(cut),
            size,
            header_offset: first_at,
            data_offset,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid,
            gid,
            mtime,
            pax,
            over_limit,
        };
        (h, limits)
    }
}

/// The limit a name is past, if any: longer than [`MAX_PATH_BYTES`], or
/// deeper than [`MAX_PATH_COMPONENTS`].
fn over_limit(name: &[u8], what: &str) -> Option<Fault> {
    let shown = || {
        let head = String::from_utf8_lossy(&name[..name.len().min(64)]).into_owned();
        format!("{head}…")
    };
    if name.len() > MAX_PATH_BYTES {
        return Some(limit!(
            MAX_PATH_BYTES,
            format!("a {what} of {} bytes ({})", name.len(), shown())
        ));
    }
    let parts = name.split(|&b| b == b'/').filter(|p| !p.is_empty()).count();
    (parts > MAX_PATH_COMPONENTS).then(|| {
        limit!(
            MAX_PATH_COMPONENTS,
            format!("a {what} of {parts} components ({})", shown())
        )
    })
}
