//! SBOMs: the packages an SPDX 2.x or CycloneDX JSON document lists.

use serde::{Deserialize, Serialize};

use super::Body;
use crate::limits::MAX_ATTESTATION_ITEMS;

/// One package of an SBOM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: Option<String>,
    /// Its package URL.
    pub purl: Option<String>,
    /// Its licence (concluded, else declared; an expression or ids).
    pub license: Option<String>,
}

impl Package {
    /// Whether the name, version, purl or licence holds `query`, ignoring
    /// case (an empty query matches every package).
    pub fn matches(&self, query: &str) -> bool {
        let q = query.to_lowercase();
        [
            Some(&self.name),
            self.version.as_ref(),
            self.purl.as_ref(),
            self.license.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|f| f.to_lowercase().contains(&q))
    }
}

/// An SBOM's package list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sbom {
    /// "SPDX-2.3", "CycloneDX 1.5".
    pub format: String,
    /// The packages kept (at most [`MAX_ATTESTATION_ITEMS`]).
    pub packages: Vec<Package>,
    /// Every package the document lists.
    pub total: usize,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct SpdxPackage {
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version_info: Option<String>,
    #[serde(rename = "licenseConcluded")]
    license_concluded: Option<String>,
    #[serde(rename = "licenseDeclared")]
    license_declared: Option<String>,
    #[serde(rename = "externalRefs")]
    external_refs: Vec<SpdxRef>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SpdxRef {
    #[serde(rename = "referenceType")]
    reference_type: Option<String>,
    #[serde(rename = "referenceLocator")]
    reference_locator: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct CdxComponent {
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    licenses: Vec<CdxLicenseChoice>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CdxLicenseChoice {
    expression: Option<String>,
    license: Option<CdxLicense>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CdxLicense {
    id: Option<String>,
    name: Option<String>,
}

/// An SPDX 2.x or CycloneDX JSON document's packages.
pub(super) fn sbom(doc: Body) -> Option<Sbom> {
    if let Some(version) = doc.spdx_version {
        let all = doc.packages.unwrap_or_default();
        let total = all.len();
        let packages = all
            .into_iter()
            .take(MAX_ATTESTATION_ITEMS)
            .filter_map(|p| {
                let purl = p
                    .external_refs
                    .into_iter()
                    .find(|r| r.reference_type.as_deref() == Some("purl"))
                    .and_then(|r| r.reference_locator);
                let license = [p.license_concluded, p.license_declared]
                    .into_iter()
                    .flatten()
                    .find(|l| l != "NOASSERTION" && l != "NONE");
                Some(Package {
                    name: p.name?,
                    version: p.version_info,
                    purl,
                    license,
                })
            })
            .collect();
        return Some(Sbom {
            format: version,
            packages,
            total,
        });
    }
    if doc.bom_format.as_deref() == Some("CycloneDX") {
        let all = doc.components.unwrap_or_default();
        let total = all.len();
        let packages = all
            .into_iter()
            .take(MAX_ATTESTATION_ITEMS)
            .filter_map(|c| {
                let licenses: Vec<String> = c
                    .licenses
                    .into_iter()
                    .filter_map(|l| {
                        l.expression
                            .or_else(|| l.license.and_then(|x| x.id.or(x.name)))
                    })
                    .collect();
                Some(Package {
                    name: c.name?,
                    version: c.version,
                    purl: c.purl,
                    license: (!licenses.is_empty()).then(|| licenses.join(" OR ")),
                })
            })
            .collect();
        let version = doc.spec_version.unwrap_or_else(|| "?".into());
        return Some(Sbom {
            format: format!("CycloneDX {version}"),
            packages,
            total,
        });
    }
    None
}
