//! The image config: typed fields read leniently from the raw JSON, and the
//! history mapped onto layers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::digest::Digest;
use crate::problem::Fault;

/// The parts of an image config people look at. Every field is optional:
/// configs in the wild omit, null out or mistype any of them. The
/// `config.*` fields are read from `container_config` when `config` is
/// missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// `created`: when the image was built, as written (RFC 3339).
    pub created: Option<String>,
    /// `author`.
    pub author: Option<String>,
    /// `os`.
    pub os: Option<String>,
    /// `architecture`.
    pub architecture: Option<String>,
    /// `variant` (of the architecture).
    pub variant: Option<String>,
    /// `config.Env`: `NAME=value` strings.
    pub env: Option<Vec<String>>,
    /// `config.Entrypoint`.
    pub entrypoint: Option<Vec<String>>,
    /// `config.Cmd`.
    pub cmd: Option<Vec<String>>,
    /// `config.WorkingDir`; `None` when empty.
    pub working_dir: Option<String>,
    /// `config.User`; `None` when empty.
    pub user: Option<String>,
    /// `config.ExposedPorts` keys, such as "80/tcp".
    pub exposed_ports: Vec<String>,
    /// `config.Volumes` keys.
    pub volumes: Vec<String>,
    /// `config.Labels`; values that are not strings as JSON text.
    pub labels: BTreeMap<String, String>,
    /// `config.StopSignal`.
    pub stop_signal: Option<String>,
    /// `config.Healthcheck`, raw.
    pub healthcheck: Option<Value>,
    /// `config.Shell` (docker).
    pub shell: Option<Vec<String>>,
    /// `config.OnBuild` (docker).
    pub on_build: Option<Vec<String>>,
    /// rootfs.diff_ids, in layer order; entries that are not digests are None.
    pub diff_ids: Vec<Option<Digest>>,
}

/// One build step from the config's history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryStep {
    /// When the step ran, as written.
    pub created: Option<String>,
    /// The command that made it (see [`short_command`]).
    pub created_by: Option<String>,
    /// `author`.
    pub author: Option<String>,
    /// `comment`.
    pub comment: Option<String>,
    /// Set for steps that made no layer.
    pub empty_layer: bool,
    /// Index of the layer this step made; None for empty steps, or when the
    /// history does not line up with the layers.
    pub layer: Option<usize>,
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::Array(a) => Some(
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        ),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

fn keys(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Looks a key up case-insensitively (docker's v1 JSON is lenient about case).
fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    let m = obj.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Config {
    /// Reads the typed fields from a raw config (OCI, docker, or a legacy v1
    /// layer json).
    pub fn from_json(raw: &Value) -> Config {
        let inner = get(raw, "config")
            .filter(|v| v.is_object())
            .or_else(|| get(raw, "container_config").filter(|v| v.is_object()));
        let c = |k: &str| inner.and_then(|i| get(i, k));
        let labels = match c("Labels") {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        let diff_ids = get(raw, "rootfs")
            .and_then(|r| get(r, "diff_ids"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|d| d.as_str().and_then(|s| s.parse().ok()))
                    .collect()
            })
            .unwrap_or_default();
        Config {
            created: string(get(raw, "created")),
            author: string(get(raw, "author")),
            os: string(get(raw, "os")),
            architecture: string(get(raw, "architecture")),
            variant: string(get(raw, "variant")),
            env: strings(c("Env")),
            entrypoint: strings(c("Entrypoint")),
            cmd: strings(c("Cmd")),
            working_dir: string(c("WorkingDir")).filter(|s| !s.is_empty()),
            user: string(c("User")).filter(|s| !s.is_empty()),
            exposed_ports: keys(c("ExposedPorts")),
            volumes: keys(c("Volumes")),
            labels,
            stop_signal: string(c("StopSignal")),
            healthcheck: c("Healthcheck").filter(|v| !v.is_null()).cloned(),
            shell: strings(c("Shell")),
            on_build: strings(c("OnBuild")),
            diff_ids,
        }
    }
}

/// Reads the history steps of a raw config.
pub fn history(raw: &Value) -> Vec<HistoryStep> {
    let Some(Value::Array(steps)) = get(raw, "history") else {
        return Vec::new();
    };
    steps
        .iter()
        .map(|s| HistoryStep {
            created: string(get(s, "created")),
            created_by: string(get(s, "created_by")),
            author: string(get(s, "author")),
            comment: string(get(s, "comment")),
            empty_layer: get(s, "empty_layer")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            layer: None,
        })
        .collect()
}

/// Maps history steps onto `layers` layers: each step that is not an
/// empty_layer makes the next layer. When the counts disagree nothing is
/// mapped, and the fault says so: a guess would mislabel layers.
pub fn map_history(steps: &mut [HistoryStep], layers: usize) -> Option<Fault> {
    if steps.is_empty() {
        return None;
    }
    let making = steps.iter().filter(|s| !s.empty_layer).count();
    if making != layers {
        return Some(Fault::HistoryMismatch {
            found: making,
            expected: layers,
        });
    }
    for (next, s) in steps.iter_mut().filter(|s| !s.empty_layer).enumerate() {
        s.layer = Some(next);
    }
    None
}

/// A history command made readable: `/bin/sh -c #(nop) ` stripped.
pub fn short_command(created_by: &str) -> String {
    let mut s = created_by.trim();
    // buildah and BuildKit prefix RUN steps with their build args: "|2 A=1 B=2 /bin/sh -c …"
    if let Some(rest) = s.strip_prefix('|') {
        if let Some((n, mut tail)) = rest.split_once(' ') {
            if let Ok(n) = n.parse::<usize>() {
                for _ in 0..n {
                    match tail.split_once(' ') {
                        Some((arg, t)) if arg.contains('=') => tail = t,
                        _ => break,
                    }
                }
                s = tail.trim_start();
            }
        }
    }
    let s = s
        .strip_prefix("/bin/sh -c #(nop) ")
        .or_else(|| s.strip_prefix("/bin/sh -c #(nop)"))
        .map(|r| r.trim_start())
        .or_else(|| s.strip_prefix("/bin/sh -c ").map(|r| r.trim_start()))
        .unwrap_or(s);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_typed_fields_leniently() {
        let raw = json!({
            "architecture": "amd64", "os": "linux",
            "config": {"Env": ["A=1"], "Entrypoint": [], "Cmd": "sh", "ExposedPorts": {"80/tcp": {}},
                       "Labels": {"a": "b"}, "User": "", "Healthcheck": null},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:x"]}
        });
        let c = Config::from_json(&raw);
        assert_eq!(c.env, Some(vec!["A=1".to_string()]));
        assert_eq!(c.entrypoint, Some(vec![]));
        assert_eq!(c.cmd, Some(vec!["sh".to_string()]));
        assert_eq!(c.exposed_ports, vec!["80/tcp"]);
        assert_eq!(c.user, None);
        assert_eq!(c.healthcheck, None);
        assert_eq!(c.diff_ids, vec![None]);
    }

    #[test]
    fn maps_history_or_says_why_not() {
        let step = |empty| HistoryStep {
            empty_layer: empty,
            ..HistoryStep::default()
        };
        let mut steps = vec![step(false), step(true), step(false)];
        assert_eq!(map_history(&mut steps, 2), None);
        assert_eq!(
            steps.iter().map(|s| s.layer).collect::<Vec<_>>(),
            vec![Some(0), None, Some(1)]
        );
        let mut steps = vec![step(false), step(true), step(false)];
        assert!(matches!(
            map_history(&mut steps, 3),
            Some(Fault::HistoryMismatch {
                found: 2,
                expected: 3
            })
        ));
        assert!(steps.iter().all(|s| s.layer.is_none()));
    }

    #[test]
    fn shortens_commands() {
        assert_eq!(
            short_command("/bin/sh -c #(nop)  CMD [\"sh\"]"),
            "CMD [\"sh\"]"
        );
        assert_eq!(short_command("/bin/sh -c apk add  curl"), "apk add curl");
        assert_eq!(short_command("COPY a b # buildkit"), "COPY a b # buildkit");
        assert_eq!(
            short_command("|2 A=1 B=x /bin/sh -c make  install"),
            "make install"
        );
    }
}
