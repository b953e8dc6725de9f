//! What differs between two images' configs and histories: fields (env,
//! entrypoint, labels and the rest), storage (layer sizes and media types),
//! and the history steps one side lacks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Layers;
use crate::config::{short_command, Config, HistoryStep};
use crate::report::Image;

/// One field that differs (config, platform, storage, history timestamps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `env`, `entrypoint`, `cmd`, `user`, `working_dir`, `exposed_ports`,
    /// `volumes`, `labels`, `healthcheck`, `stop_signal`, `shell`,
    /// `on_build`, `author`, `platform`, `created`, `history.created`,
    /// `manifest.format`, `layer.compression`.
    pub field: String,
    /// The variable, label, port, volume or step the change is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// A's value; `None` when A lacks it.
    pub a: Option<String>,
    /// B's value; `None` when B lacks it.
    pub b: Option<String>,
    /// A timestamp or storage detail, not content (ignored by `--semantic`).
    pub metadata: bool,
    /// Why a change counts as metadata, when that is not plain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One history step one side has and the other lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// Its index in its image's history.
    pub index: usize,
    /// The command, shortened.
    pub created_by: Option<String>,
    /// A step that made no layer.
    pub empty_layer: bool,
}

/// The history steps each side lacks (matched by command, comment, author
/// and emptiness: the common steps at the bottom and the top are shared).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Steps A has that B lacks.
    pub only_a: Vec<HistoryRow>,
    /// Steps B has that A lacks.
    pub only_b: Vec<HistoryRow>,
}

fn change(field: &str, key: Option<&str>, a: Option<String>, b: Option<String>) -> FieldChange {
    FieldChange {
        field: field.into(),
        key: key.map(Into::into),
        a,
        b,
        metadata: false,
        note: None,
    }
}

fn list(v: &Option<Vec<String>>) -> Option<String> {
    v.as_ref()
        .map(|v| serde_json::to_string(v).unwrap_or_default())
}

/// `NAME=value` lines as a map (a line without `=` is a name with no value).
fn env_map(env: &Option<Vec<String>>) -> BTreeMap<String, String> {
    env.iter()
        .flatten()
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (line.clone(), String::new()),
        })
        .collect()
}

fn map_changes(
    out: &mut Vec<FieldChange>,
    field: &str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x != y {
            out.push(change(field, Some(k), x.cloned(), y.cloned()));
        }
    }
}

fn set_changes(out: &mut Vec<FieldChange>, field: &str, a: &[String], b: &[String]) {
    let (sa, sb): (BTreeSet<&String>, BTreeSet<&String>) = (a.iter().collect(), b.iter().collect());
    for k in sa.symmetric_difference(&sb) {
        let (x, y) = (sa.contains(k), sb.contains(k));
        out.push(change(
            field,
            Some(k),
            x.then(|| k.to_string()),
            y.then(|| k.to_string()),
        ));
    }
}

/// The config's fields, one change per field (per variable, label, port or
/// volume for those).
pub(super) fn config_changes(a: &Image, b: &Image, semantic: bool) -> Vec<FieldChange> {
    let (x, y): (&Config, &Config) = (&a.summary, &b.summary);
    let mut out = Vec::new();
    map_changes(&mut out, "env", &env_map(&x.env), &env_map(&y.env));
    for (field, p, q) in [
        ("entrypoint", &x.entrypoint, &y.entrypoint),
        ("cmd", &x.cmd, &y.cmd),
        ("shell", &x.shell, &y.shell),
        ("on_build", &x.on_build, &y.on_build),
    ] {
        if p != q {
            out.push(change(field, None, list(p), list(q)));
        }
    }
    for (field, p, q) in [
        ("user", &x.user, &y.user),
        ("working_dir", &x.working_dir, &y.working_dir),
        ("stop_signal", &x.stop_signal, &y.stop_signal),
        ("author", &x.author, &y.author),
    ] {
        if p != q {
            out.push(change(field, None, p.clone(), q.clone()));
        }
    }
    set_changes(
        &mut out,
        "exposed_ports",
        &x.exposed_ports,
        &y.exposed_ports,
    );
    set_changes(&mut out, "volumes", &x.volumes, &y.volumes);
    map_changes(&mut out, "labels", &x.labels, &y.labels);
    if x.healthcheck != y.healthcheck {
        let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        out.push(change(
            "healthcheck",
            None,
            show(&x.healthcheck),
            show(&y.healthcheck),
        ));
    }
    // Docker-only fields an OCI config cannot hold: converting an image to
    // OCI (skopeo, podman) drops them, and that is storage, not content
    let oci = |i: &Image| {
        i.config_media_type.as_deref() == Some("application/vnd.oci.image.config.v1+json")
    };
    for c in out.iter_mut() {
        let docker_only = matches!(c.field.as_str(), "healthcheck" | "on_build" | "shell");
        let dropped = (c.b.is_none() && oci(b) && !oci(a)) || (c.a.is_none() && oci(a) && !oci(b));
        if docker_only && dropped {
            c.metadata = true;
            c.note = Some("a Docker-only field, which the OCI config format cannot hold".into());
        }
    }
    let (pa, pb) = (a.platform.label(), b.platform.label());
    if pa != pb {
        out.push(change("platform", None, Some(pa), Some(pb)));
    }
    if !semantic && x.created != y.created {
        let mut c = change("created", None, x.created.clone(), y.created.clone());
        c.metadata = true;
        out.push(c);
    }
    out
}

/// How the two are stored, when that differs: the manifest's format, and
/// the compression of shared layers. Never content.
pub(super) fn storage_changes(a: &Image, b: &Image, layers: &Layers) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut meta = |field: &str, key: Option<String>, x: String, y: String| {
        if x != y {
            let mut c = change(field, key.as_deref(), Some(x), Some(y));
            c.metadata = true;
            out.push(c);
        }
    };
    let format = |i: &Image| {
        i.manifest_media_type
            .clone()
            .unwrap_or_else(|| format!("{:?}", i.source).to_lowercase())
    };
    meta("manifest.format", None, format(a), format(b));
    for r in &layers.shared {
        let show = |i: &Image| {
            i.layers[r.index]
                .compression
                .map_or("unknown".to_string(), |c| c.name().to_string())
        };
        meta(
            "layer.compression",
            Some(format!("layer {}", r.index)),
            show(a),
            show(b),
        );
    }
    out
}

type StepKey<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, bool);

fn step_key(h: &HistoryStep) -> StepKey<'_> {
    (
        h.created_by.as_deref(),
        h.comment.as_deref(),
        h.author.as_deref(),
        h.empty_layer,
    )
}

/// The steps at the bottom and at the top that match are shared; those
/// between are each side's own. Matched steps whose `created` differs are
/// timestamp changes (unless `semantic`).
pub(super) fn history_changes(
    a: &[HistoryStep],
    b: &[HistoryStep],
    semantic: bool,
) -> (History, Vec<FieldChange>) {
    let bottom = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| step_key(x) == step_key(y))
        .count();
    let top = a[bottom..]
        .iter()
        .rev()
        .zip(b[bottom..].iter().rev())
        .take_while(|(x, y)| step_key(x) == step_key(y))
        .count();
    let rows = |steps: &[HistoryStep], from: usize, to: usize| {
        (from..to)
            .map(|i| HistoryRow {
                index: i,
                created_by: steps[i].created_by.as_deref().map(short_command),
                empty_layer: steps[i].empty_layer,
            })
            .collect()
    };
    let history = History {
        only_a: rows(a, bottom, a.len() - top),
        only_b: rows(b, bottom, b.len() - top),
    };
    let mut stamps = Vec::new();
    if !semantic {
        let pairs = (0..bottom)
            .map(|i| (i, i))
            .chain((0..top).map(|k| (a.len() - 1 - k, b.len() - 1 - k)));
        for (i, j) in pairs {
            if a[i].created != b[j].created {
                stamps.push(FieldChange {
                    field: "history.created".into(),
                    key: Some(format!("step {i}")),
                    a: a[i].created.clone(),
                    b: b[j].created.clone(),
                    metadata: true,
                    note: None,
                });
            }
        }
    }
    (history, stamps)
}
