//! OCI image layouts: `index.json`, nested indexes and docker manifest
//! lists, image manifests, platforms, artifacts and referrers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::archive::{read_json, Store};
use crate::attachment::{self, AttachedBlob, Attachment};
use crate::digest::{Check, Digest};
use crate::image::Configs;
use crate::limits::{limit, MAX_DESCRIPTORS, MAX_IMAGES, MAX_INDEX_DEPTH, MAX_LAYERS_PER_IMAGE};
use crate::media_type;
use crate::problem::{Fault, Location, Problem};
use crate::report::{AbsentPlatform, Document, Format, Image, Layer, Platform};

/// The annotation that names an image in index.json (its tag).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd (and Docker's containerd image store) gives
/// an image in index.json: the full reference the user tagged.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// A content descriptor, read leniently.
#[derive(Debug, Clone, Default)]
pub struct Descriptor {
    /// `mediaType`.
    pub media_type: Option<String>,
    /// `digest`.
    pub digest: Option<Digest>,
    /// `size`.
    pub size: Option<u64>,
    /// `platform`, when it is an object.
    pub platform: Option<Platform>,
    /// `annotations` whose values are strings.
    pub annotations: BTreeMap<String, String>,
    /// `artifactType`.
    pub artifact_type: Option<String>,
}

impl Descriptor {
    /// Reads a descriptor; only a digest that does not parse is a fault.
    /// Layer `j` of the manifest at `path`: a bad descriptor is a problem
    /// there, and an empty descriptor stands for it.
    fn of_layer(v: &Value, path: &str, j: usize, problems: &mut Vec<Problem>) -> Descriptor {
        Descriptor::from_json(v).unwrap_or_else(|f| {
            problems.push(Problem::new(
                f,
                Location::entry(format!("{path} layers[{j}]")),
            ));
            Descriptor::default()
        })
    }

    pub fn from_json(v: &Value) -> Result<Descriptor, Fault> {
        let digest = match v.get("digest").and_then(Value::as_str) {
            Some(s) => {
                Some(
                    s.parse()
                        .map_err(|e: crate::digest::DigestError| Fault::BadDigest {
                            what: "descriptor digest".into(),
                            detail: e.to_string(),
                        })?,
                )
            }
            None => None,
        };
        let platform = v
            .get("platform")
            .filter(|p| p.is_object())
            .map(|p| Platform {
                os: p.get("os").and_then(Value::as_str).map(String::from),
                architecture: p
                    .get("architecture")
                    .and_then(Value::as_str)
                    .map(String::from),
                variant: p.get("variant").and_then(Value::as_str).map(String::from),
            });
        let annotations = v
            .get("annotations")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Descriptor {
            media_type: v.get("mediaType").and_then(Value::as_str).map(String::from),
            digest,
            size: v.get("size").and_then(Value::as_u64),
            platform,
            annotations,
            artifact_type: v
                .get("artifactType")
                .and_then(Value::as_str)
                .map(String::from),
        })
    }
}

/// A descriptor waiting to be visited, with the indexes that led to it.
struct Visit {
    /// The descriptor, or why it could not be read.
    desc: Result<Descriptor, Fault>,
    /// Where it was listed: "index.json manifests[2]".
    at: String,
    parents: Vec<Digest>,
    /// The name an outer index gave, which wins over nested ones.
    name: Option<String>,
}

/// Walks index.json and everything it reaches: an explicit stack, not
/// recursion, and every index walked once, however many indexes list it
/// (a DAG is not a tree). Depth, descriptors and images are bounded by
/// [`MAX_INDEX_DEPTH`], [`MAX_DESCRIPTORS`] and [`MAX_IMAGES`].
pub struct Walker<'a> {
    store: &'a mut dyn Store,
    configs: &'a mut Configs,
    /// The indexes walked are added here.
    pub docs: &'a mut Vec<Document>,
    /// What the walk finds wrong is added here.
    pub problems: &'a mut Vec<Problem>,
    /// The images made so far.
    pub images: Vec<Image>,
    /// The manifests that are not images, made so far.
    pub attachments: Vec<Attachment>,
    /// Platforms listed whose manifest is absent.
    pub absent: Vec<AbsentPlatform>,
    /// Attachments already made, by manifest digest.
    attached: HashMap<Digest, usize>,
    /// Indexes already walked, with the name they passed down.
    walked: HashSet<(Digest, Option<String>)>,
    /// Manifests already made images, by digest.
    made: HashMap<Digest, usize>,
    descriptors: usize,
    stack: Vec<Visit>,
    /// Set once a limit stopped the walk.
    stopped: bool,
}

impl<'a> Walker<'a> {
    /// A walk over `store`, reading configs through `configs`.
    pub fn new(
        store: &'a mut dyn Store,
        configs: &'a mut Configs,
        docs: &'a mut Vec<Document>,
        problems: &'a mut Vec<Problem>,
    ) -> Walker<'a> {
        Walker {
            store,
            configs,
            docs,
            problems,
            images: Vec::new(),
            attachments: Vec::new(),
            absent: Vec::new(),
            attached: HashMap::new(),
            walked: HashSet::new(),
            made: HashMap::new(),
            descriptors: 0,
            stack: Vec::new(),
            stopped: false,
        }
    }

    /// Reads index.json and returns what it reaches: the images (one per
    /// distinct manifest; a manifest reached by several refs carries all
    /// their names), the attachments, and the absent platforms.
    pub fn run(mut self) -> Walked {
        let json = match read_json(self.store, "index.json") {
            Ok((json, _)) => json,
            Err(fault) => {
                self.problems
                    .push(Problem::new(fault, Location::entry("index.json")));
                return Walked::default();
            }
        };
        if !json.is_object() {
            self.problems.push(Problem::new(
                Fault::Unexpected {
                    what: "index.json".into(),
                    found: "not a JSON object".into(),
                    expected: "an image index".into(),
                },
                Location::entry("index.json"),
            ));
        } else {
            self.children(&json, "index.json", &[], None);
        }
        self.docs.push(Document {
            path: "index.json".into(),
            digest: None,
            media_type: json
                .get("mediaType")
                .and_then(Value::as_str)
                .map(String::from),
            json,
        });
        while let Some(v) = self.stack.pop() {
            if self.stopped {
                break;
            }
            match v.desc {
                Ok(desc) => self.descriptor(&desc, &v.parents, v.name.as_deref()),
                Err(f) => self.problems.push(Problem::new(f, Location::entry(v.at))),
            }
        }
        Walked {
            images: self.images,
            attachments: self.attachments,
            absent: self.absent,
        }
    }

    /// Queues an index's descriptors, first listed first visited.
    fn children(&mut self, index: &Value, at: &str, parents: &[Digest], name: Option<&str>) {
        let list = match index.get("manifests") {
            Some(Value::Array(a)) => a.as_slice(),
            Some(Value::Null) | None => &[],
            Some(_) => {
                self.problems.push(Problem::new(
                    Fault::Unexpected {
                        what: format!("{at} manifests"),
                        found: "not a list".into(),
                        expected: "a list of descriptors".into(),
                    },
                    Location::entry(at),
                ));
                &[]
            }
        };
        let room = MAX_DESCRIPTORS.saturating_sub(self.descriptors);
        if list.len() > room {
            self.problems.push(Problem::new(
                limit!(MAX_DESCRIPTORS, format!("the descriptors listed, at {at}")),
                Location::entry(at),
            ));
        }
        let list = &list[..list.len().min(room)];
        self.descriptors += list.len();
        for (i, d) in list.iter().enumerate().rev() {
            self.stack.push(Visit {
                desc: Descriptor::from_json(d),
                at: format!("{at} manifests[{i}]"),
                parents: parents.to_vec(),
                name: name.map(String::from),
            });
        }
    }

    fn descriptor(&mut self, desc: &Descriptor, parents: &[Digest], name: Option<&str>) {
        let Some(digest) = desc.digest.clone() else {
            self.problems.push(Problem::new(
                Fault::Missing {
                    what: "a descriptor's digest".into(),
                },
                Location::entry("index.json"),
            ));
            return;
        };
        // the name index.json gives wins over names nested indexes repeat;
        // containerd's full reference wins over a ref name (often only the tag)
        let name = name.or_else(|| {
            desc.annotations
                .get(CONTAINERD_NAME)
                .or_else(|| desc.annotations.get(REF_NAME))
                .map(String::as_str)
        });
        if parents.contains(&digest) {
            self.problems.push(Problem::new(
                Fault::IndexLoop {
                    digest: digest.clone(),
                },
                Location::default().digest(Some(&digest)),
            ));
            return;
        }
        // an index reached again by another path: walked once for each
        // name it passes down
        let walk_key = (digest.clone(), name.map(String::from));
        if self.walked.contains(&walk_key) {
            return;
        }
        // a manifest reached again (another ref, or a referrer of it): add the name
        let tags = match (self.made.get(&digest), self.attached.get(&digest)) {
            (Some(&i), _) => Some(&mut self.images[i].tags),
            (None, Some(&i)) => Some(&mut self.attachments[i].tags),
            (None, None) => None,
        };
        if let Some(tags) = tags {
            if let Some(n) = name {
                if !tags.iter().any(|t| t == n) {
                    tags.push(n.to_string());
                }
            }
            return;
        }
        let path = digest.blob_path();
        if self.store.index().get(&path).is_none() {
            let attestation = desc.annotations.contains_key(attachment::REFERENCE_TYPE)
                || desc.annotations.contains_key(attachment::REFERENCE_DIGEST);
            let what = match (
                &desc.platform,
                desc.annotations.get(attachment::REFERENCE_DIGEST),
            ) {
                (_, Some(about)) if attestation => format!(
                    "attestation manifest {} about {}",
                    digest.short(),
                    about
                        .parse::<Digest>()
                        .map_or(about.clone(), |d| d.short().to_string())
                ),
                (Some(p), _) => format!("manifest {} for {}", digest.short(), p.label()),
                (None, _) => format!("blob {path}"),
            };
            if let Some(p) = desc.platform.as_ref().filter(|p| {
                !attestation
                    && p.os.as_deref() != Some("unknown")
                    && p.architecture.as_deref() != Some("unknown")
            }) {
                if !self
                    .absent
                    .iter()
                    .any(|a| a.manifest_digest.as_ref() == Some(&digest))
                {
                    self.absent.push(AbsentPlatform {
                        platform: p.clone(),
                        manifest_digest: Some(digest.clone()),
                        name: name.map(String::from),
                        parents: parents.to_vec(),
                    });
                }
            }
            self.problems.push(Problem::new(
                Fault::Absent { what },
                Location::entry(path).digest(Some(&digest)),
            ));
            return;
        }
        let (json, bytes) = match read_json(self.store, &path) {
            Ok(x) => x,
            Err(f) => {
                self.problems
                    .push(Problem::new(f, Location::entry(path).digest(Some(&digest))));
                return;
            }
        };
        let check = Check::compare(Some(&digest), Some(&Digest::sha256_of(&bytes)));
        if let Check::Mismatch { expected, actual } = &check {
            self.problems.push(Problem::new(
                Fault::DigestMismatch {
                    what: path.clone(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                },
                Location::entry(path.clone()),
            ));
        }
        let media_type = json
            .get("mediaType")
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| desc.media_type.clone());
        // decide by content; the media type is only a hint
        if json.get("manifests").is_some() && json.get("layers").is_none() {
            self.walked.insert(walk_key);
            if parents.len() >= MAX_INDEX_DEPTH {
                self.problems.push(Problem::new(
                    limit!(
                        MAX_INDEX_DEPTH,
                        format!("the index {path}, nested {} deep", parents.len() + 1)
                    ),
                    Location::entry(path.clone()).digest(Some(&digest)),
                ));
            } else {
                let mut chain = parents.to_vec();
                chain.push(digest.clone());
                self.children(&json, &path, &chain, name);
            }
            self.docs.push(Document {
                path,
                digest: Some(digest),
                media_type,
                json,
            });
            return;
        }
        if self.images.len() + self.attachments.len() >= MAX_IMAGES {
            self.problems.push(Problem::new(
                limit!(MAX_IMAGES, format!("the images reached, at {path}")),
                Location::entry(path).digest(Some(&digest)),
            ));
            self.stopped = true;
            return;
        }
        let config_type = json
            .get("config")
            .and_then(|c| c.get("mediaType"))
            .and_then(Value::as_str);
        let is_image = config_type.is_none_or(media_type::is_image_config);
        if let Some((kind, subject)) = attachment::classify(desc, &json, name, is_image) {
            let a = self.attachment(kind, subject, desc, json, &path, media_type, check, name);
            self.attached.insert(digest, self.attachments.len());
            self.attachments.push(a);
            return;
        }
        let mut img = Image::new(Format::Oci);
        img.manifest_digest = Some(digest.clone());
        img.manifest_media_type = media_type;
        img.manifest_check = check;
        img.parents = parents.to_vec();
        if let Some(n) = name {
            img.tags.push(n.to_string());
        }
        let config = json
            .get("config")
            .map(Descriptor::from_json)
            .transpose()
            .unwrap_or_else(|f| {
                img.problems
                    .push(Problem::new(f, Location::entry(path.clone())));
                None
            });
        img.artifact_type = json
            .get("artifactType")
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| desc.artifact_type.clone());
        img.subject = json
            .get("subject")
            .and_then(|s| s.get("digest"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        if let Some(cfg) = &config {
            img.config_media_type = cfg.media_type.clone();
            let is_image = cfg
                .media_type
                .as_deref()
                .is_none_or(media_type::is_image_config);
            if !is_image && img.artifact_type.is_none() {
                img.artifact_type = cfg.media_type.clone();
            }
            if let Some(cd) = &cfg.digest {
                if is_image {
                    self.configs
                        .apply(self.store, &mut img, &cd.blob_path(), Some(cd));
                } else {
                    img.config_digest = Some(cd.clone());
                    img.config_check = match self.store.read(&cd.blob_path()) {
                        Ok(bytes) => Check::compare(Some(cd), Some(&Digest::sha256_of(&bytes))),
                        Err(_) => Check::NotChecked {
                            reason: "config blob is absent".into(),
                        },
                    };
                }
            }
        }
        if let Some(p) = &desc.platform {
            if img.platform.os.is_none() && img.platform.architecture.is_none() {
                img.platform = p.clone();
            }
        }
        img.manifest = Some(json.clone());
        let layers = json
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if layers.len() > MAX_LAYERS_PER_IMAGE {
            img.problems.push(Problem::new(
                limit!(
                    MAX_LAYERS_PER_IMAGE,
                    format!("{path}'s {} layers", layers.len())
                ),
                Location::entry(path.clone()),
            ));
        }
        for (j, l) in layers.iter().take(MAX_LAYERS_PER_IMAGE).enumerate() {
            let d = Descriptor::of_layer(l, &path, j, &mut img.problems);
            let member = d
                .digest
                .as_ref()
                .and_then(|dg| self.store.index().get(&dg.blob_path()))
                .map(|m| m.path.clone());
            let mut layer = Layer::new(member.clone(), d.digest.clone(), None);
            layer.media_type = d.media_type.clone();
            layer.size = d.size;
            if member.is_none() {
                layer.problems.push(Problem::new(
                    Fault::Missing {
                        what: match &d.digest {
                            Some(dg) => format!("layer blob {}", dg.blob_path()),
                            None => "a layer digest".into(),
                        },
                    },
                    Location::default().digest(d.digest.as_ref()),
                ));
            }
            img.layers.push(layer);
        }
        self.configs.map_layers(&mut img);
        self.made.insert(digest, self.images.len());
        self.images.push(img);
    }

    /// An attachment at descriptor level: its blobs are located and their
    /// digests checked, never parsed.
    #[allow(clippy::too_many_arguments)]
    fn attachment(
        &mut self,
        kind: attachment::Kind,
        subject: Option<Digest>,
        desc: &Descriptor,
        json: Value,
        path: &str,
        media_type: Option<String>,
        check: Check,
        name: Option<&str>,
    ) -> Attachment {
        let config = json
            .get("config")
            .and_then(|c| Descriptor::from_json(c).ok());
        let config_media_type = config.as_ref().and_then(|c| c.media_type.clone());
        let artifact_type = json
            .get("artifactType")
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| desc.artifact_type.clone())
            .or_else(|| {
                config_media_type
                    .clone()
                    .filter(|t| !media_type::is_image_config(t) && !media_type::is_empty(t))
            });
        let layers = json
            .get("layers")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if layers.len() > MAX_LAYERS_PER_IMAGE {
            self.problems.push(Problem::new(
                limit!(
                    MAX_LAYERS_PER_IMAGE,
                    format!("{path}'s {} layers", layers.len())
                ),
                Location::entry(path),
            ));
        }
        let mut blobs = Vec::new();
        let mut predicate_types = Vec::new();
        for (j, l) in layers.iter().take(MAX_LAYERS_PER_IMAGE).enumerate() {
            let d = Descriptor::of_layer(l, path, j, self.problems);
            let member = d
                .digest
                .as_ref()
                .and_then(|dg| self.store.index().get(&dg.blob_path()))
                .cloned();
            let check = match (&d.digest, &member) {
                (Some(dg), Some(m)) => match self.store.digest(&m.path) {
                    Some(actual) => Check::compare(Some(dg), Some(&actual)),
                    None => Check::Unreadable {
                        expected: dg.clone(),
                    },
                },
                _ => Check::NotChecked {
                    reason: "the blob is not in the archive".into(),
                },
            };
            if let Check::Mismatch { expected, actual } = &check {
                self.problems.push(Problem::new(
                    Fault::DigestMismatch {
                        what: format!("blob of {path} layers[{j}]"),
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                    Location::entry(member.as_ref().map_or(path, |m| m.path.as_str())),
                ));
            }
            let predicate_type = d
                .annotations
                .get(attachment::PREDICATE_TYPE)
                .or_else(|| d.annotations.get(attachment::COSIGN_PREDICATE_TYPE))
                .cloned();
            if let Some(t) = &predicate_type {
                if !predicate_types.contains(t) {
                    predicate_types.push(t.clone());
                }
            }
            blobs.push(AttachedBlob {
                digest: d.digest.clone(),
                media_type: d.media_type.clone(),
                size: d.size,
                predicate_type,
                path: member.as_ref().map(|m| m.path.clone()),
                offset: member.as_ref().map(|m| m.offset),
                member_size: member.as_ref().map(|m| m.size),
                check,
            });
        }
        Attachment {
            kind,
            manifest_digest: desc.digest.clone(),
            manifest_media_type: media_type,
            manifest_check: check,
            tags: name.map(String::from).into_iter().collect(),
            artifact_type,
            config_media_type,
            subject,
            attached_to: None,
            platform: desc.platform.clone(),
            predicate_types,
            blobs,
            manifest: Some(std::sync::Arc::new(json)),
        }
    }
}

/// What a walk of index.json reaches.
#[derive(Default)]
pub struct Walked {
    /// The images, one per distinct manifest.
    pub images: Vec<Image>,
    /// The manifests that are not images, one per distinct manifest.
    pub attachments: Vec<Attachment>,
    /// Platforms listed whose manifest is absent.
    pub absent: Vec<AbsentPlatform>,
}
