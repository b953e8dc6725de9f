//! One image: its config loaded once however many manifests name it, and
//! its layers settled against the config's diff_ids and history.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::archive::{Index, Store};
use crate::config::{self, Config, HistoryStep};
use crate::digest::{Check, Digest};
use crate::docker::digest_from_name;
use crate::limits::{limit, MAX_DOCUMENTS_TOTAL_BYTES};
use crate::problem::{Code, Error, Fault, Location, Problem};
use crate::report::{Document, Image, Platform, Report};
use crate::{attachment, docker, oci, reference};

/// A config as read: shared by every image that names it.
#[derive(Clone)]
struct Loaded {
    /// The sha256 of the raw bytes, when they could be read or hashed.
    actual: Option<Digest>,
    json: Option<Arc<Value>>,
    summary: Arc<Config>,
    history: Arc<Vec<HistoryStep>>,
    /// Why the config could not be read or parsed.
    fault: Option<Fault>,
}

/// Configs read so far, by member path: each is read, hashed and parsed
/// once, and the documents parsed in all stay within
/// [`MAX_DOCUMENTS_TOTAL_BYTES`].
#[derive(Default)]
pub struct Configs {
    loaded: HashMap<String, Loaded>,
    /// Histories mapped onto a layer count, by (unmapped history, count);
    /// the unmapped histories stay alive in `loaded`, so the keys stay true.
    #[allow(clippy::type_complexity)]
    mapped: HashMap<(usize, usize), (Arc<Vec<HistoryStep>>, Option<Fault>)>,
    bytes: u64,
}

impl Configs {
    fn load(&mut self, store: &mut dyn Store, path: &str) -> Loaded {
        if let Some(l) = self.loaded.get(path) {
            return l.clone();
        }
        let mut loaded = Loaded {
            actual: None,
            json: None,
            summary: Arc::default(),
            history: Arc::default(),
            fault: None,
        };
        match store.read(path) {
            Ok(bytes) => {
                loaded.actual = Some(Digest::sha256_of(&bytes));
                self.bytes += bytes.len() as u64;
                if self.bytes > MAX_DOCUMENTS_TOTAL_BYTES {
                    loaded.fault = Some(limit!(
                        MAX_DOCUMENTS_TOTAL_BYTES,
                        format!("the configs parsed, at {path}")
                    ));
                } else {
                    match serde_json::from_slice::<Value>(&bytes) {
                        Ok(json) => {
                            loaded.summary = Arc::new(Config::from_json(&json));
                            loaded.history = Arc::new(config::history(&json));
                            loaded.json = Some(Arc::new(json));
                        }
                        Err(e) => {
                            loaded.fault = Some(Fault::BadJson {
                                what: format!("config {path}"),
                                detail: e.to_string(),
                            })
                        }
                    }
                }
            }
            Err(fault) => {
                // too large, or not kept: its ID is still its content's sha256
                loaded.actual = store.digest(path);
                loaded.fault = Some(fault);
            }
        }
        self.loaded.insert(path.to_string(), loaded.clone());
        loaded
    }

    /// Reads the config at `path` into the image: raw JSON, typed fields,
    /// history, and its digest checked against the name it was given. A
    /// config that cannot be parsed still gives the image its ID (the
    /// sha256 of the raw bytes), with a problem that says why.
    pub fn apply(
        &mut self,
        store: &mut dyn Store,
        img: &mut Image,
        path: &str,
        expected: Option<&Digest>,
    ) {
        let loaded = self.load(store, path);
        if let Some(fault) = loaded.fault {
            img.problems
                .push(Problem::new(fault, Location::entry(path)));
        }
        let Some(actual) = loaded.actual else {
            img.config_digest = expected.cloned();
            if let Some(e) = expected {
                img.config_check = Check::Unreadable {
                    expected: e.clone(),
                };
            }
            return;
        };
        // a digest the manifest gives, or a content-addressed blob path,
        // is a promise; a docker-archive file name is only a habit
        let promised = expected.cloned().or_else(|| {
            path.starts_with("blobs/")
                .then(|| digest_from_name(path))
                .flatten()
        });
        img.config_check = Check::compare(promised.as_ref(), Some(&actual));
        match &img.config_check {
            Check::Mismatch { expected, actual } => img.problems.push(Problem::new(
                Fault::DigestMismatch {
                    what: format!("config {path}"),
                    expected: expected.clone(),
                    actual: actual.clone(),
                },
                Location::entry(path),
            )),
            Check::NotChecked { .. } => {
                img.config_check = Check::NotChecked {
                    reason: format!("{path} is not named by a digest; the image ID is its sha256"),
                };
                if let Some(named) = digest_from_name(path).filter(|n| *n != actual) {
                    img.problems.push(Problem::new(
                        Fault::NameNotDigest {
                            path: path.to_string(),
                            named,
                            actual: actual.clone(),
                        },
                        Location::entry(path),
                    ));
                }
            }
            Check::Verified { .. } | Check::Unreadable { .. } => {}
        }
        img.config_digest = Some(promised.unwrap_or(actual));
        if let Some(json) = loaded.json {
            img.platform = Platform {
                os: loaded.summary.os.clone(),
                architecture: loaded.summary.architecture.clone(),
                variant: loaded.summary.variant.clone(),
            };
            img.summary = loaded.summary;
            img.history = loaded.history;
            img.config = Some(json);
        }
    }
}

impl Configs {
    /// Checks that the config's diff_ids and history line up with the
    /// layers, and maps the history onto them (once per config and layer
    /// count, shared by the images alike).
    pub fn map_layers(&mut self, img: &mut Image) {
        let n = img.layers.len();
        let diff_ids = &img.summary.diff_ids;
        if img.config.is_some() && img.artifact_type.is_none() && diff_ids.len() != n {
            img.problems.push(Problem::new(
                Fault::DiffIdCount {
                    found: diff_ids.len(),
                    expected: n,
                },
                Location::default().digest(img.config_digest.as_ref()),
            ));
        }
        for (layer, d) in img.layers.iter_mut().zip(diff_ids) {
            if layer.diff_id.is_none() {
                layer.diff_id = d.clone();
            }
        }
        if img.history.is_empty() {
            return;
        }
        let key = (Arc::as_ptr(&img.history) as usize, n);
        let (history, fault) = self.mapped.entry(key).or_insert_with(|| {
            let mut steps = img.history.as_ref().clone();
            let fault = config::map_history(&mut steps, n);
            (Arc::new(steps), fault)
        });
        img.history = history.clone();
        if let Some(f) = fault {
            img.problems.push(Problem::new(
                f.clone(),
                Location::default().digest(img.config_digest.as_ref()),
            ));
        }
    }
}

/// Reads the image documents (docker manifest.json, OCI index.json, legacy
/// repositories) into the report's images.
pub(crate) fn find_images(store: &mut dyn Store, report: &mut Report) -> Result<(), Error> {
    let has = |p: &str| store.index().get(p).is_some();
    let (has_docker, has_oci, has_legacy) =
        (has("manifest.json"), has("index.json"), has("repositories"));
    if !has_docker && !has_oci && !has_legacy {
        if report.problems.iter().any(|p| p.code == Code::Truncated) {
            report.problems.push(Problem::new(
                Fault::Other {
                    detail: "no manifest.json, index.json or repositories was found before the archive ends".into(),
                },
                Location::default(),
            ));
            return Ok(());
        }
        let names = store.index().top_level();
        let shown: Vec<&str> = names.iter().take(5).copied().collect();
        let more = if names.len() > 5 { ", …" } else { "" };
        let n = store.index().members.len();
        return Err(Error::not_an_image(format!(
            "a tar archive of {n} member{} ({}{more}) with no manifest.json, index.json or repositories",
            if n == 1 { "" } else { "s" },
            shown.join(", ")
        )));
    }
    let mut docs: Vec<Document> = Vec::new();
    let mut images = Vec::new();
    let mut configs = Configs::default();
    if has_docker {
        report.archive.formats.push("docker".into());
        images.extend(
            docker::images(store, &mut configs, &mut docs, &mut report.problems)
                .unwrap_or_default(),
        );
    }
    let mut attachments = Vec::new();
    if has_oci {
        report.archive.formats.push("oci".into());
        let walked = oci::Walker::new(store, &mut configs, &mut docs, &mut report.problems).run();
        attachments = walked.attachments;
        report.archive.absent_platforms = walked.absent;
        for img in walked.images {
            // Docker 25+ and containerd write both: one image, two names
            let twin = images.iter().position(|d: &Image| {
                d.source == crate::report::Format::Docker
                    && d.config_digest.is_some()
                    && d.config_digest == img.config_digest
                    && d.layers.len() == img.layers.len()
            });
            match twin {
                Some(i) => {
                    let docker_tags = std::mem::take(&mut images[i].tags);
                    let mut merged = img;
                    for t in docker_tags {
                        reference::add(&mut merged.tags, &t);
                    }
                    images[i] = merged;
                }
                None => images.push(img),
            }
        }
    }
    if has_legacy && !has_docker {
        report.archive.formats.push("legacy".into());
        images.extend(docker::legacy_images(
            store,
            &mut docs,
            &mut report.problems,
        ));
    }
    report.archive.documents = docs;
    report.artifacts = attachment::attach(&mut images, attachments, &mut report.problems);
    report.images = images;
    Ok(())
}

/// Gives each distinct layer member a blob number, in archive order.
pub(crate) fn assign_blobs(report: &mut Report, index: &Index) -> Vec<String> {
    let mut paths: Vec<String> = report
        .images
        .iter()
        .flat_map(|i| &i.layers)
        .filter_map(|l| l.path.clone())
        .collect();
    let offset = |p: &String| index.get_raw(p).map_or(u64::MAX, |m| m.offset);
    paths.sort_by_key(offset);
    paths.dedup();
    let ids: HashMap<&str, usize> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    for l in report.images.iter_mut().flat_map(|i| &mut i.layers) {
        l.blob = l.path.as_deref().and_then(|p| ids.get(p).copied());
    }
    paths
}
