//! OS and language packages installed in an image, read from its merged
//! filesystem on demand (never by a plain dissection): Debian/Ubuntu
//! `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`, Alpine
//! `lib/apk/db/installed`, Python `*.dist-info/METADATA` and
//! `*.egg-info/PKG-INFO`, and npm `node_modules/**/package.json`. Each
//! package says which layer introduced it or last changed it.
//!
//! Only those few files are read, each layer that holds some in one pass
//! ([`crate::contents::read_files_checked`]). An RPM database is noted as present,
//! not read; Go binaries' build info is not read.

use std::collections::BTreeMap;
use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

use crate::contents::read_files_checked;
use crate::dissect::Dissection;
use crate::entry::{Entry, Kind};
use crate::limits::{limit, MAX_PACKAGES, MAX_PACKAGE_FILES, MAX_PACKAGE_FILE_BYTES};
use crate::problem::{Fault, Location, Problem};

/// Where a package was listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `var/lib/dpkg/status` or `status.d/*`.
    Dpkg,
    /// `lib/apk/db/installed`.
    Apk,
    /// A `.dist-info` or `.egg-info` directory.
    Python,
    /// A `package.json` under `node_modules`.
    Npm,
}

impl Source {
    /// `dpkg`, `apk`, `python`, `npm`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Dpkg => "dpkg",
            Source::Apk => "apk",
            Source::Python => "python",
            Source::Npm => "npm",
        }
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Which database or metadata file listed it.
    pub source: Source,
    /// Its name.
    pub name: String,
    /// Its version, as written.
    pub version: String,
    /// The layer that introduced it or last changed it (0 is the base).
    pub layer: usize,
    /// The file that lists it, without a leading `/`.
    pub path: String,
}

/// The packages of one image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageList {
    /// Sorted by source, name, version.
    pub packages: Vec<Package>,
    /// Databases seen and not read (RPM).
    pub not_read: Vec<String>,
    /// Files that could not be read or parsed, and limits reached.
    pub problems: Vec<Problem>,
}

/// Paths of RPM databases, noted as present, not read.
const RPM_DATABASES: [&[u8]; 4] = [
    b"var/lib/rpm/Packages",
    b"var/lib/rpm/rpmdb.sqlite",
    b"usr/lib/sysimage/rpm/rpmdb.sqlite",
    b"usr/lib/sysimage/rpm/Packages.db",
];

/// The kind of metadata file a path is, if any.
fn kind_of(path: &[u8]) -> Option<Source> {
    if path == b"var/lib/dpkg/status" || path == b"lib/apk/db/installed" {
        return Some(if path[0] == b'v' {
            Source::Dpkg
        } else {
            Source::Apk
        });
    }
    if let Some(rest) = path.strip_prefix(b"var/lib/dpkg/status.d/") {
        // distroless: one file per package (`<name>` and `<name>.md5sums`)
        return (!rest.contains(&b'/') && !rest.ends_with(b".md5sums")).then_some(Source::Dpkg);
    }
    let parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let n = parts.len();
    let last = parts[n - 1];
    let parent = (n >= 2).then(|| parts[n - 2]);
    if (last == b"METADATA" && parent.is_some_and(|p| p.ends_with(b".dist-info")))
        || (last == b"PKG-INFO" && parent.is_some_and(|p| p.ends_with(b".egg-info")))
        || last.ends_with(b".egg-info")
    {
        return Some(Source::Python);
    }
    if last == b"package.json" && n >= 3 {
        // node_modules/<name>/package.json or node_modules/@scope/<name>/package.json
        let direct = parts[n - 3] == b"node_modules" && !parts[n - 2].starts_with(b"@");
        let scoped = n >= 4 && parts[n - 4] == b"node_modules" && parts[n - 3].starts_with(b"@");
        if direct || scoped {
            return Some(Source::Npm);
        }
    }
    None
}

/// One file to read: its path, kind, and every (layer, entry) that wrote
/// the version to read (for the shared databases, each layer's version).
struct Wanted {
    path: Vec<u8>,
    source: Source,
    versions: Vec<(usize, usize)>,
}

/// Lists the packages of image `i` of `d`, reading the few files that list
/// them from `src` (the archive `d` was read from).
pub fn read_image<R: Read + Seek>(src: &mut R, d: &Dissection, i: usize) -> PackageList {
    let mut list = PackageList::default();
    if i >= d.report.images.len() {
        return list;
    }
    let tree = d.tree(i);
    let entries = d.layer_entries(i);
    for db in RPM_DATABASES {
        if tree.nodes.contains_key(db) {
            list.not_read.push(format!(
                "rpm database present, not read: {}",
                String::from_utf8_lossy(db)
            ));
        }
    }
    let mut wanted: Vec<Wanted> = Vec::new();
    for (path, node) in &tree.nodes {
        let Some(source) = kind_of(path) else {
            continue;
        };
        let Some(at) = node.content.filter(|_| node.kind == Kind::File) else {
            continue;
        };
        let shared_db = matches!(source, Source::Dpkg | Source::Apk)
            && !path.starts_with(b"var/lib/dpkg/status.d/");
        let versions = if shared_db {
            history_of(&entries, path, at)
        } else {
            vec![at]
        };
        if wanted.len() >= MAX_PACKAGE_FILES {
            list.problems.push(Problem::new(
                limit!(MAX_PACKAGE_FILES, "the package metadata files of the image"),
                Location::entry(String::from_utf8_lossy(path).into_owned()),
            ));
            break;
        }
        wanted.push(Wanted {
            path: path.clone(),
            source,
            versions,
        });
    }
    // every version wanted, grouped by layer, read one layer at a time
    let mut by_layer: BTreeMap<usize, Vec<(usize, usize, usize)>> = BTreeMap::new();
    for (w, want) in wanted.iter().enumerate() {
        for (v, &(layer, entry)) in want.versions.iter().enumerate() {
            by_layer.entry(layer).or_default().push((w, v, entry));
        }
    }
    let mut read: BTreeMap<(usize, usize), Vec<u8>> = BTreeMap::new();
    for (layer, files) in by_layer {
        let Some(first) = d.locate(i, layer, files[0].2) else {
            continue;
        };
        let spans: Vec<(u64, u64)> = files
            .iter()
            .map(|&(_, _, e)| entries[layer].get(e).map_or((0, 0), |x| (x.offset, x.size)))
            .collect();
        match read_files_checked(src, &first, &spans, MAX_PACKAGE_FILE_BYTES) {
            Ok(results) => {
                for (&(w, v, _), r) in files.iter().zip(results) {
                    match r {
                        Ok(bytes) => {
                            read.insert((w, v), bytes);
                        }
                        Err(why) => list.problems.push(unreadable(&wanted[w].path, layer, &why)),
                    }
                }
            }
            Err(e) => {
                list.problems
                    .push(unreadable(&wanted[files[0].0].path, layer, &e.to_string()))
            }
        }
    }
    for (w, want) in wanted.iter().enumerate() {
        let path = String::from_utf8_lossy(&want.path).into_owned();
        // each version's (name, version) pairs, oldest first
        let parsed: Vec<(usize, Vec<(String, String)>)> = want
            .versions
            .iter()
            .enumerate()
            .filter_map(|(v, &(layer, _))| {
                let bytes = read.get(&(w, v))?;
                Some((layer, parse(want.source, bytes)))
            })
            .collect();
        let Some((last_layer, last)) = parsed.last() else {
            continue;
        };
        for (name, version) in last {
            // the oldest layer from which this package stays as it is now
            let mut since = *last_layer;
            for (layer, pkgs) in parsed.iter().rev().skip(1) {
                if pkgs.iter().any(|(n, v)| n == name && v == version) {
                    since = *layer;
                } else {
                    break;
                }
            }
            if list.packages.len() >= MAX_PACKAGES {
                list.problems.push(Problem::new(
                    limit!(MAX_PACKAGES, "the packages listed for the image"),
                    Location::entry(path.clone()),
                ));
                return finish(list);
            }
            list.packages.push(Package {
                source: want.source,
                name: name.clone(),
                version: version.clone(),
                layer: since,
                path: path.clone(),
            });
        }
    }
    finish(list)
}

fn finish(mut list: PackageList) -> PackageList {
    list.packages.sort_by(|a, b| {
        (a.source, &a.name, &a.version, &a.path).cmp(&(b.source, &b.name, &b.version, &b.path))
    });
    list
}

fn unreadable(path: &[u8], layer: usize, why: &str) -> Problem {
    Problem::new(
        Fault::Truncated {
            detail: format!("package metadata in layer {layer} not read: {why}"),
        },
        Location::entry(String::from_utf8_lossy(path).into_owned()),
    )
}

/// Every layer's version of `path`, up to the one the tree kept (`last`):
/// for a shared database, to tell which layer last changed each package.
fn history_of(entries: &[&[Entry]], path: &[u8], last: (usize, usize)) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (l, layer) in entries.iter().enumerate().take(last.0) {
        if let Some(e) = layer
            .iter()
            .rposition(|e| e.path == path && e.kind == Kind::File && e.whiteout.is_none())
        {
            out.push((l, e));
        }
    }
    out.push(last);
    out
}

/// (name, version) pairs a metadata file lists.
pub fn parse(source: Source, bytes: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    match source {
        Source::Dpkg => stanzas(&text, ':')
            .into_iter()
            .filter(|s| {
                // a package removed with its config kept is not installed
                s.get("Status").is_none_or(|st| st.ends_with(" installed"))
            })
            .filter_map(|s| Some((s.get("Package")?.clone(), s.get("Version")?.clone())))
            .collect(),
        Source::Apk => stanzas(&text, ':')
            .into_iter()
            .filter_map(|s| Some((s.get("P")?.clone(), s.get("V")?.clone())))
            .collect(),
        Source::Python => {
            // the headers end at the first blank line (the description follows)
            let head = text.split("\n\n").next().unwrap_or("");
            let s = stanzas(head, ':').into_iter().next().unwrap_or_default();
            match (s.get("Name"), s.get("Version")) {
                (Some(n), Some(v)) => vec![(n.clone(), v.clone())],
                _ => Vec::new(),
            }
        }
        Source::Npm => {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
                return Vec::new();
            };
            match (v.get("name"), v.get("version")) {
                (Some(serde_json::Value::String(n)), Some(serde_json::Value::String(v))) => {
                    vec![(n.clone(), v.clone())]
                }
                _ => Vec::new(),
            }
        }
    }
}

/// RFC 822-style stanzas separated by blank lines: `Key: value` lines,
/// continuation lines (starting with a space) dropped.
fn stanzas(text: &str, sep: char) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut cur = BTreeMap::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        if let Some((k, v)) = line.split_once(sep) {
            cur.entry(k.trim().to_string())
                .or_insert_with(|| v.trim().to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_its_files() {
        assert_eq!(kind_of(b"var/lib/dpkg/status"), Some(Source::Dpkg));
        assert_eq!(kind_of(b"var/lib/dpkg/status.d/tzdata"), Some(Source::Dpkg));
        assert_eq!(kind_of(b"var/lib/dpkg/status.d/tzdata.md5sums"), None);
        assert_eq!(kind_of(b"lib/apk/db/installed"), Some(Source::Apk));
        assert_eq!(
            kind_of(b"usr/lib/python3/site-packages/six-1.16.0.dist-info/METADATA"),
            Some(Source::Python)
        );
        assert_eq!(kind_of(b"x/foo.egg-info/PKG-INFO"), Some(Source::Python));
        assert_eq!(
            kind_of(b"app/node_modules/left-pad/package.json"),
            Some(Source::Npm)
        );
        assert_eq!(
            kind_of(b"app/node_modules/@types/node/package.json"),
            Some(Source::Npm)
        );
        assert_eq!(kind_of(b"app/node_modules/left-pad/lib/package.json"), None);
        assert_eq!(kind_of(b"app/package.json"), None);
        assert_eq!(kind_of(b"package.json"), None);
    }

    #[test]
    fn parses_each_format() {
        let dpkg = b"Package: a\nStatus: install ok installed\nVersion: 1.0\nDescription: x\n more\n\nPackage: b\nStatus: deinstall ok config-files\nVersion: 2\n\nPackage: c\nVersion: 3\n";
        assert_eq!(
            parse(Source::Dpkg, dpkg),
            vec![("a".into(), "1.0".into()), ("c".into(), "3".into())]
        );
        let apk = b"C:Q1x=\nP:musl\nV:1.2.4-r2\n\nP:busybox\nV:1.36.1-r5\n";
        assert_eq!(
            parse(Source::Apk, apk),
            vec![
                ("musl".into(), "1.2.4-r2".into()),
                ("busybox".into(), "1.36.1-r5".into())
            ]
        );
        let py = b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nName: not-me\n";
        assert_eq!(
            parse(Source::Python, py),
            vec![("six".into(), "1.16.0".into())]
        );
        assert_eq!(
            parse(Source::Npm, br#"{"name":"left-pad","version":"1.3.0"}"#),
            vec![("left-pad".into(), "1.3.0".into())]
        );
        assert!(parse(Source::Npm, b"{not json").is_empty());
        assert!(parse(Source::Python, b"\xff\xfe").is_empty());
    }
}
