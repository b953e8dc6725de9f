//! Docker's archive layouts: `manifest.json` (docker 1.10 and later, podman,
//! kaniko, crane, Docker 25+), and the legacy `repositories` file with v1
//! layer json chains (before docker 1.10).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::archive::{read_json, Store};
use crate::config::{self, Config};
use crate::digest::{Check, Digest};
use crate::image::Configs;
use crate::limits::{limit, MAX_IMAGES, MAX_LAYERS_PER_IMAGE};
use crate::problem::{Fault, Location, Problem};
use crate::report::{Document, Format, Image, Layer, Platform};

/// The digest a blob's file name implies: `blobs/sha256/<hex>`,
/// `sha256:<hex>`, `<hex>.json`, `<hex>.tar`, `<hex>.tar.gz`.
pub fn digest_from_name(path: &str) -> Option<Digest> {
    if let Some(rest) = path.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return format!("{alg}:{hex}").parse().ok();
    }
    if path.contains('/') {
        return None;
    }
    if let Ok(d) = path.parse() {
        return Some(d);
    }
    let stem = path
        .strip_suffix(".json")
        .or_else(|| path.strip_suffix(".tar.gz"))
        .or_else(|| path.strip_suffix(".tar"))?;
    Digest::from_sha256_hex(stem).ok()
}

/// Images named by `manifest.json`, or None when there is none.
pub fn images(
    store: &mut dyn Store,
    configs: &mut Configs,
    docs: &mut Vec<Document>,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Image>> {
    store.index().get("manifest.json")?;
    let json = match read_json(store, "manifest.json") {
        Ok((json, _)) => json,
        Err(fault) => {
            problems.push(Problem::new(fault, Location::entry("manifest.json")));
            return Some(Vec::new());
        }
    };
    docs.push(Document {
        path: "manifest.json".into(),
        digest: None,
        media_type: None,
        json: json.clone(),
    });
    let Value::Array(entries) = json else {
        let found = match &json {
            Value::Null => "null".to_string(),
            other => format!("a JSON {}", kind_of(other)),
        };
        problems.push(Problem::new(
            Fault::Unexpected {
                what: "manifest.json".into(),
                found,
                expected: "a list of images".into(),
            },
            Location::entry("manifest.json"),
        ));
        return Some(Vec::new());
    };
    let mut out: Vec<Image> = Vec::new();
    // entries naming the same config and layers are one image (docker
    // itself lists such an image once, with all its tags)
    let mut seen: HashMap<(Option<&str>, Vec<&str>), usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let tags: Vec<String> = entry
            .get("RepoTags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let key = (
            entry.get("Config").and_then(Value::as_str),
            entry
                .get("Layers")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
        );
        if let Some(&same) = seen.get(&key) {
            for t in tags {
                if !out[same].tags.contains(&t) {
                    out[same].tags.push(t);
                }
            }
            continue;
        }
        if out.len() >= MAX_IMAGES {
            problems.push(Problem::new(
                limit!(
                    MAX_IMAGES,
                    format!("manifest.json's {} entries", entries.len())
                ),
                Location::entry(format!("manifest.json[{i}]")),
            ));
            break;
        }
        seen.insert(key, out.len());
        let mut img = Image::new(Format::Docker);
        img.manifest = Some(entry.clone());
        img.tags = tags;
        img.manifest_check = Check::NotChecked {
            reason: "manifest.json entries have no digest".into(),
        };
        let at = || Location::entry(format!("manifest.json[{i}]"));
        match entry.get("Config").and_then(Value::as_str) {
            Some(path) => configs.apply(store, &mut img, path, None),
            None => img.problems.push(Problem::new(
                Fault::Missing {
                    what: "the Config field".into(),
                },
                at(),
            )),
        }
        let sources = entry.get("LayerSources").and_then(Value::as_object);
        let paths: Vec<&str> = entry
            .get("Layers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if paths.len() > MAX_LAYERS_PER_IMAGE {
            img.problems.push(Problem::new(
                limit!(MAX_LAYERS_PER_IMAGE, format!("{} layers", paths.len())),
                at(),
            ));
        }
        for (j, path) in paths.iter().take(MAX_LAYERS_PER_IMAGE).enumerate() {
            let diff_id = img.summary.diff_ids.get(j).cloned().flatten();
            let source = diff_id
                .as_ref()
                .and_then(|d| sources.and_then(|s| s.get(&d.to_string())));
            let member = store.index().get(path).map(|m| m.path.clone());
            // a blob's name in an OCI layout is its digest; in docker-archives
            // the file is the uncompressed tar, named by v1 id or diff_id.
            // LayerSources describes the registry's blob, which is stored
            // here only when the file is that blob (Docker 25+).
            let expected = member
                .as_deref()
                .filter(|p| p.starts_with("blobs/"))
                .and_then(digest_from_name);
            let source = source.filter(|s| {
                let named = s.get("digest").and_then(Value::as_str);
                expected.is_some() && named == expected.as_ref().map(|d| d.to_string()).as_deref()
            });
            let mut layer = Layer::new(member.clone(), expected, diff_id);
            layer.media_type = source
                .and_then(|s| s.get("mediaType"))
                .and_then(Value::as_str)
                .map(String::from);
            if member.is_none() {
                layer.problems.push(Problem::new(
                    Fault::Missing {
                        what: format!("layer {path}"),
                    },
                    at(),
                ));
            }
            img.layers.push(layer);
        }
        configs.map_layers(&mut img);
        out.push(img);
    }
    Some(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Images named by the legacy `repositories` file, each a chain of v1 layer
/// json files linked by "parent".
pub fn legacy_images(
    store: &mut dyn Store,
    docs: &mut Vec<Document>,
    problems: &mut Vec<Problem>,
) -> Vec<Image> {
    // each layer json is read and parsed once, however many chains share it
    let mut parsed: HashMap<String, Result<Arc<Value>, Fault>> = HashMap::new();
    let json = match read_json(store, "repositories") {
        Ok((json, _)) => json,
        Err(fault) => {
            problems.push(Problem::new(fault, Location::entry("repositories")));
            return Vec::new();
        }
    };
    docs.push(Document {
        path: "repositories".into(),
        digest: None,
        media_type: None,
        json: json.clone(),
    });
    // top layer id -> tags, in file order
    let mut tops: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    if let Some(repos) = json.as_object() {
        for (repo, tags) in repos {
            for (tag, id) in tags.as_object().into_iter().flatten() {
                if let Some(id) = id.as_str() {
                    if !tops.contains_key(id) {
                        order.push(id.to_string());
                    }
                    tops.entry(id.to_string())
                        .or_default()
                        .push(format!("{repo}:{tag}"));
                }
            }
        }
    }
    let mut out = Vec::new();
    if order.len() > MAX_IMAGES {
        problems.push(Problem::new(
            limit!(MAX_IMAGES, format!("repositories' {} images", order.len())),
            Location::entry("repositories"),
        ));
    }
    for top in order.into_iter().take(MAX_IMAGES) {
        let mut img = Image::new(Format::Legacy);
        img.tags = tops.remove(&top).unwrap_or_default();
        img.manifest_check = Check::NotChecked {
            reason: "legacy archives have no manifest".into(),
        };
        img.config_check = Check::NotChecked {
            reason: "legacy archives have no config digest".into(),
        };
        // walk the parent chain from the top layer down
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut id = Some(top.clone());
        while let Some(cur) = id.take() {
            if !seen.insert(cur.clone()) {
                img.problems.push(Problem::new(
                    Fault::Other {
                        detail: format!("layer {cur} is its own ancestor"),
                    },
                    Location::entry(format!("{cur}/json")),
                ));
                break;
            }
            if chain.len() >= MAX_LAYERS_PER_IMAGE {
                img.problems.push(Problem::new(
                    limit!(MAX_LAYERS_PER_IMAGE, format!("the parent chain of {top}")),
                    Location::entry(format!("{cur}/json")),
                ));
                break;
            }
            let path = format!("{cur}/json");
            let json = parsed
                .entry(path.clone())
                .or_insert_with(|| read_json(store, &path).map(|(json, _)| Arc::new(json)))
                .clone();
            match json {
                Ok(json) => {
                    id = json.get("parent").and_then(Value::as_str).map(String::from);
                    chain.push((cur, json));
                }
                Err(fault) => {
                    img.problems
                        .push(Problem::new(fault, Location::entry(path)));
                    chain.push((cur, Arc::new(Value::Null)));
                }
            }
        }
        chain.reverse();
        if let Some((_, top_json)) = chain.last() {
            img.summary = Arc::new(Config::from_json(top_json));
            img.platform = Platform {
                os: img.summary.os.clone().or(Some("linux".into())),
                architecture: img.summary.architecture.clone(),
                variant: img.summary.variant.clone(),
            };
            img.config = Some(top_json.clone());
        }
        let history = Arc::make_mut(&mut img.history);
        for (i, (id, json)) in chain.iter().enumerate() {
            let cmd = json
                .get("container_config")
                .and_then(|c| c.get("Cmd"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                });
            history.push(config::HistoryStep {
                created: json
                    .get("created")
                    .and_then(Value::as_str)
                    .map(String::from),
                created_by: cmd,
                author: json.get("author").and_then(Value::as_str).map(String::from),
                comment: json
                    .get("comment")
                    .and_then(Value::as_str)
                    .map(String::from),
                empty_layer: false,
                layer: Some(i),
            });
            let path = format!("{id}/layer.tar");
            let member = store.index().get(&path).map(|m| m.path.clone());
            let mut layer = Layer::new(member.clone(), None, None);
            if member.is_none() {
                layer.problems.push(Problem::new(
                    Fault::Missing {
                        what: format!("layer {path}"),
                    },
                    Location::entry(path),
                ));
            }
            img.layers.push(layer);
        }
        out.push(img);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_from_names() {
        let hex = "a".repeat(64);
        let d: Digest = format!("sha256:{hex}").parse().unwrap();
        assert_eq!(
            digest_from_name(&format!("blobs/sha256/{hex}")),
            Some(d.clone())
        );
        assert_eq!(digest_from_name(&format!("sha256:{hex}")), Some(d.clone()));
        assert_eq!(digest_from_name(&format!("{hex}.json")), Some(d.clone()));
        assert_eq!(digest_from_name(&format!("{hex}.tar.gz")), Some(d));
        assert_eq!(digest_from_name(&format!("{hex}/layer.tar")), None);
        assert_eq!(digest_from_name("config.json"), None);
    }
}
