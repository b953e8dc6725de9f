//! What differs between two images' packages.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::packages::Package;

/// How a package changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageChangeKind {
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
    /// In both, at other versions.
    Changed,
}

/// One package that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageChange {
    /// `dpkg`, `apk`, `python`, `npm`.
    pub source: String,
    /// Its name.
    pub name: String,
    /// Added, removed, or changed version.
    pub change: PackageChangeKind,
    /// A's version.
    pub a: Option<String>,
    /// B's version.
    pub b: Option<String>,
}

/// Packages by (source, name): added, removed, and version changes. A name
/// listed at several versions on one side (two Python environments)
/// compares its sorted versions.
pub fn package_changes(a: &[Package], b: &[Package]) -> Vec<PackageChange> {
    let by = |v: &[Package]| {
        let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for p in v {
            m.entry((p.source.name().to_string(), p.name.clone()))
                .or_default()
                .push(p.version.clone());
        }
        for versions in m.values_mut() {
            versions.sort();
            versions.dedup();
        }
        m
    };
    let (ma, mb) = (by(a), by(b));
    let keys: BTreeSet<&(String, String)> = ma.keys().chain(mb.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (x, y) = (ma.get(k), mb.get(k));
        if x == y {
            continue;
        }
        let change = match (x, y) {
            (None, _) => PackageChangeKind::Added,
            (_, None) => PackageChangeKind::Removed,
            _ => PackageChangeKind::Changed,
        };
        out.push(PackageChange {
            source: k.0.clone(),
            name: k.1.clone(),
            change,
            a: x.map(|v| v.join(", ")),
            b: y.map(|v| v.join(", ")),
        });
    }
    out
}
