//! SLSA provenance, v0.2 and v1: who built an image, from what source,
//! with which materials.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{digests, list, string};
use crate::limits::MAX_ATTESTATION_ITEMS;

/// The source a build was made from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The repository (`https://github.com/…/app.git`).
    pub repository: Option<String>,
    /// The ref built (`refs/heads/main`).
    pub git_ref: Option<String>,
    /// The revision (commit), when given.
    pub revision: Option<String>,
    /// The build file (`Dockerfile`).
    pub path: Option<String>,
}

/// A material (v0.2) or resolved dependency (v1): what the build used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    /// Its URI (`pkg:docker/python@3.12-slim?platform=…`).
    pub uri: Option<String>,
    /// Its digests, as `alg:hex`.
    pub digests: Vec<String>,
}

/// SLSA provenance, v0.2 or v1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// "v0.2" or "v1".
    pub slsa_version: String,
    /// The builder's id.
    pub builder_id: Option<String>,
    /// The build type.
    pub build_type: Option<String>,
    /// The invocation's (v0.2) or external parameters' (v1) config source.
    pub source: Source,
    /// What the build used.
    pub materials: Vec<Material>,
    /// Materials past [`MAX_ATTESTATION_ITEMS`], counted.
    pub materials_total: usize,
    /// Build args and frontend parameters, as `(name, value)`.
    pub args: Vec<(String, String)>,
}

pub(super) fn provenance(ptype: &str, p: &Value) -> Provenance {
    let v1 = ptype.ends_with("/v1");
    let mut out = Provenance {
        slsa_version: if v1 { "v1" } else { "v0.2" }.into(),
        ..Provenance::default()
    };
    let (config, args_at, materials) = if v1 {
        let def = p.get("buildDefinition").unwrap_or(&Value::Null);
        out.builder_id = p
            .pointer("/runDetails/builder/id")
            .and_then(Value::as_str)
            .map(String::from);
        out.build_type = string(def, "buildType");
        (
            def.pointer("/externalParameters/configSource"),
            def.pointer("/externalParameters/request"),
            def.get("resolvedDependencies"),
        )
    } else {
        out.builder_id = p
            .pointer("/builder/id")
            .and_then(Value::as_str)
            .map(String::from);
        out.build_type = string(p, "buildType");
        (
            p.pointer("/invocation/configSource"),
            p.pointer("/invocation/parameters"),
            p.get("materials"),
        )
    };
    if let Some(c) = config {
        if let Some(uri) = c.get("uri").and_then(Value::as_str) {
            let (repo, git_ref) = match uri.split_once('#') {
                Some((r, f)) => (r, Some(f.to_string())),
                None => (uri, None),
            };
            out.source.repository = Some(repo.to_string());
            out.source.git_ref = git_ref;
        }
        out.source.revision = digests(c.get("digest")).into_iter().next();
        out.source.path = string(c, "entryPoint").or_else(|| string(c, "path"));
    }
    // BuildKit also records the VCS source in its own metadata
    let meta = if v1 {
        p.pointer("/runDetails/metadata")
    } else {
        p.get("metadata")
    };
    if let Some(vcs) = meta
        .and_then(|m| m.get("https://mobyproject.org/buildkit@v1#metadata"))
        .and_then(|m| m.get("vcs"))
    {
        if out.source.repository.is_none() {
            out.source.repository = string(vcs, "source");
        }
        if out.source.revision.is_none() {
            out.source.revision = string(vcs, "revision");
        }
    }
    let all = list(materials);
    out.materials_total = all.len();
    out.materials = all
        .iter()
        .take(MAX_ATTESTATION_ITEMS)
        .map(|m| Material {
            uri: string(m, "uri"),
            digests: digests(m.get("digest")),
        })
        .collect();
    if let Some(params) = args_at {
        if let Some(f) = string(params, "frontend") {
            out.args.push(("frontend".into(), f));
        }
        if let Some(args) = params.get("args").and_then(Value::as_object) {
            for (k, v) in args.iter().take(MAX_ATTESTATION_ITEMS) {
                if let Some(v) = v.as_str() {
                    out.args.push((k.clone(), v.to_string()));
                }
            }
        }
    }
    out
}
