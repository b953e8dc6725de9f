//! Checks a dissection against the facts facts.json lists for an archive.
//! Shared by the native conformance tests and the wasm tests.

use std::collections::BTreeSet;

use layercake::attachment::Attachment;
use layercake::{reference, Dissection, Format, Image, Layer};
use serde_json::Value;

fn strs(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect()
    })
}

/// Compares one layer's facts; returns a list of disagreements.
fn check_layer(ctx: &str, want: &Value, got: &Layer, out: &mut Vec<String>) {
    let mut eq = |what: &str, w: Value, g: Value| {
        if w != g {
            out.push(format!("{ctx}: {what} is {g}, should be {w}"));
        }
    };
    let n = |k: &str| want.get(k).cloned().unwrap_or(Value::from(0));
    eq("entries", n("entries"), got.entries.into());
    let c = got.counts.clone().unwrap_or_default();
    for (k, v) in [
        ("files", c.files),
        ("dirs", c.dirs),
        ("symlinks", c.symlinks),
        ("hardlinks", c.hardlinks),
        ("chardev", c.chardevs),
        ("blockdev", c.blockdevs),
        ("fifo", c.fifos),
        ("whiteouts", c.whiteouts),
        ("opaque", c.opaque),
        ("pax", c.pax),
        ("non_utf8_names", c.non_utf8),
    ] {
        eq(k, n(k), v.into());
    }
    if want.get("tar_error").is_none() {
        eq(
            "has_eof_blocks",
            want["has_eof_blocks"].clone(),
            got.has_eof_blocks.into(),
        );
    } else if got.problems.is_empty()
        && got
            .media_type
            .as_deref()
            .is_none_or(layercake::media_type::is_layer)
    {
        eq("problems", "at least one".into(), "none".into());
    }
    eq("size", want["size"].clone(), got.size.into());
    eq(
        "digest",
        want["digest"].clone(),
        got.digest.as_ref().map(|d| d.to_string()).into(),
    );
    let compression = got.compression.map(|c| c.name()).unwrap_or("none");
    if want.get("tar_error").is_none() || compression != "none" {
        eq(
            "compression",
            want["compression"].clone(),
            compression.into(),
        );
    }
    if want.get("tar_error").is_none() {
        eq(
            "diff_id",
            want["diff_id"].clone(),
            got.diff_id.as_ref().map(|d| d.to_string()).into(),
        );
    }
}

/// Compares an image's config facts.
fn check_image(ctx: &str, want: &Value, got: &Image, out: &mut Vec<String>) {
    let mut eq = |what: &str, w: Value, g: Value| {
        if w != g {
            out.push(format!("{ctx}: {what} is {g}, should be {w}"));
        }
    };
    let s = &got.summary;
    if let Some(env) = want.get("Env") {
        eq("Env", env.clone(), serde_json::to_value(&s.env).unwrap());
    }
    if let Some(cmd) = want.get("Cmd") {
        eq("Cmd", cmd.clone(), serde_json::to_value(&s.cmd).unwrap());
    }
    if let Some(ep) = want.get("Entrypoint") {
        eq(
            "Entrypoint",
            ep.clone(),
            serde_json::to_value(&s.entrypoint).unwrap(),
        );
    }
    if let Some(a) = want.get("architecture") {
        eq("architecture", a.clone(), s.architecture.clone().into());
    }
    if let Some(h) = want.get("history_len") {
        eq("history length", h.clone(), got.history.len().into());
        let empty = got.history.iter().filter(|h| h.empty_layer).count();
        eq(
            "empty history steps",
            want["history_empty_layers"].clone(),
            empty.into(),
        );
    }
    if let Some(ids) = want.get("diff_ids").and_then(strs) {
        let ours: Vec<String> = got
            .summary
            .diff_ids
            .iter()
            .map(|d| d.as_ref().map(|d| d.to_string()).unwrap_or_default())
            .collect();
        eq("config diff_ids", ids.into(), ours.into());
    }
    if let Some(layers) = want.get("layers").and_then(Value::as_array) {
        eq("layer count", layers.len().into(), got.layers.len().into());
        for (j, (w, g)) in layers.iter().zip(&got.layers).enumerate() {
            check_layer(&format!("{ctx} layer {j}"), w, g, out);
        }
    }
    if want.get("diff_ids_match") == Some(&Value::Bool(true)) && got.verified != Some(true) {
        out.push(format!(
            "{ctx}: every digest matches, so the image should be verified, is {:?}",
            got.verified
        ));
    }
}

/// Whether `tags` hold the ref name `r`, alone or as the tag of a full
/// reference (containerd's name, which wins over a bare ref name).
fn has_ref(tags: &[String], r: &str) -> bool {
    tags.iter()
        .any(|t| t == r || (reference::is_bare_tag(r) && reference::tag_of(t) == Some(r)))
}

/// Checks a manifest that is not an image: attached under the image whose
/// manifest is its subject when that is in the archive (or under the
/// images of the index it names), else listed among the artifacts, with
/// its blobs as the oracle saw them.
fn check_attachment(ctx: &str, want: &Value, d: &Dissection, out: &mut Vec<String>) {
    let md = want["manifest_digest"].as_str().unwrap_or_default();
    let is =
        |a: &&Attachment| a.manifest_digest.as_ref().map(|d| d.to_string()).as_deref() == Some(md);
    let images = &d.report.images;
    let under: Vec<(usize, &Attachment)> = images
        .iter()
        .enumerate()
        .flat_map(|(n, i)| {
            i.attestations
                .iter()
                .chain(&i.referrers)
                .map(move |a| (n, &**a))
        })
        .filter(|(_, a)| is(a))
        .collect();
    let loose = d.report.artifacts.iter().map(|a| &**a).find(is);
    let got = match want["subject"].as_str() {
        Some(subject) => {
            let direct: Vec<usize> = images
                .iter()
                .enumerate()
                .filter(|(_, i)| {
                    i.manifest_digest.as_ref().map(|d| d.to_string()).as_deref() == Some(subject)
                })
                .map(|(n, _)| n)
                .collect();
            let listed: Vec<usize> = images
                .iter()
                .enumerate()
                .filter(|(_, i)| i.parents.iter().any(|p| p.to_string() == subject))
                .map(|(n, _)| n)
                .collect();
            let expect = if direct.is_empty() { listed } else { direct };
            let at: Vec<usize> = under.iter().map(|(n, _)| *n).collect();
            if at != expect {
                out.push(format!(
                    "{ctx}: attached under images {at:?}, should be {expect:?} (subject {subject})"
                ));
            }
            if expect.is_empty() != loose.is_some() {
                out.push(format!(
                    "{ctx}: listed among artifacts is {}, should be {}",
                    loose.is_some(),
                    expect.is_empty()
                ));
            }
            if let Some((_, a)) = under.first() {
                if a.subject.as_ref().map(|d| d.to_string()).as_deref() != Some(subject) {
                    out.push(format!(
                        "{ctx}: subject is {:?}, should be {subject}",
                        a.subject
                    ));
                }
            }
            under.first().map(|(_, a)| *a).or(loose)
        }
        None if !under.is_empty() => {
            // BuildKit's unknown/unknown manifest, attached where its annotation says
            if under
                .iter()
                .any(|(_, a)| a.kind != layercake::attachment::Kind::Attestation)
            {
                out.push(format!(
                    "{ctx}: an unknown/unknown manifest should be an attestation"
                ));
            }
            under.first().map(|(_, a)| *a)
        }
        None => {
            if loose.is_none() {
                out.push(format!(
                    "{ctx}: an artifact with no subject should be listed among artifacts"
                ));
            }
            loose
        }
    };
    let Some(got) = got else {
        out.push(format!("{ctx}: not found as an attachment or artifact"));
        return;
    };
    if let Some(r) = want["ref"].as_str() {
        if !has_ref(&got.tags, r) {
            out.push(format!("{ctx}: ref {r} missing from {:?}", got.tags));
        }
    }
    if let Some(t) = want["artifactType"].as_str() {
        if got.artifact_type.as_deref() != Some(t) {
            out.push(format!(
                "{ctx}: artifact type {:?}, should be {t}",
                got.artifact_type
            ));
        }
    }
    if let Some(layers) = want.get("layers").and_then(Value::as_array) {
        if layers.len() != got.blobs.len() {
            out.push(format!(
                "{ctx}: {} blobs, should be {}",
                got.blobs.len(),
                layers.len()
            ));
        }
        for (j, (w, g)) in layers.iter().zip(&got.blobs).enumerate() {
            if w["size"] != Value::from(g.size)
                || w["digest"] != Value::from(g.digest.as_ref().map(|d| d.to_string()))
            {
                out.push(format!(
                    "{ctx} blob {j}: {:?} {:?}, should be {} {}",
                    g.digest, g.size, w["digest"], w["size"]
                ));
            }
            if g.check.verified() != Some(true) {
                out.push(format!("{ctx} blob {j}: not verified ({:?})", g.check));
            }
        }
    }
}

/// Checks one archive's dissection against its facts.
pub fn check_archive(facts: &Value, d: &Dissection, out: &mut Vec<String>) {
    let file = facts["file"].as_str().unwrap();
    let images = &d.report.images;
    for (k, want) in facts
        .get("docker_images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ctx = format!("{file} docker image {k}");
        let cd = want["config_digest"].as_str().unwrap();
        let Some(got) = images
            .iter()
            .find(|i| i.config_digest.as_ref().map(|d| d.to_string()).as_deref() == Some(cd))
        else {
            out.push(format!("{ctx}: no image with config {cd}"));
            continue;
        };
        for t in strs(&want["RepoTags"]).unwrap_or_default() {
            // `pyapp:1.0` and `docker.io/library/pyapp:1.0` are one name
            if !got.tags.iter().any(|g| reference::same(g, &t)) {
                out.push(format!("{ctx}: tag {t} missing from {:?}", got.tags));
            }
        }
        check_image(&ctx, want, got, out);
    }
    let mut seen = BTreeSet::new();
    let mut attached = BTreeSet::new();
    // a manifest an index lists as unknown/unknown is BuildKit's (it names
    // the manifest it is about in an annotation the oracle does not record)
    let unknown: BTreeSet<&str> = facts
        .get("oci_images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|w| w["platform"]["os"] == "unknown" && w["platform"]["architecture"] == "unknown")
        .filter_map(|w| w["manifest_digest"].as_str())
        .collect();
    for want in facts
        .get("oci_images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let md = want["manifest_digest"].as_str().unwrap_or_default();
        let ctx = format!("{file} oci manifest {}", &md[..19.min(md.len())]);
        if want.get("error").is_some() {
            let absent = d.report.all_problems().iter().any(|p| {
                p.code == "absent"
                    && p.location.digest.as_ref().map(|d| d.to_string()).as_deref() == Some(md)
            });
            if !absent {
                out.push(format!("{ctx}: an absent manifest should be reported"));
            }
            continue;
        }
        // a manifest with a subject, or an artifact type, is no image: it
        // is attached to the image it refers to, or listed as an artifact
        if want.get("subject").is_some()
            || want.get("artifactType").is_some()
            || unknown.contains(md)
        {
            check_attachment(&ctx, want, d, out);
            attached.insert(md.to_string());
            continue;
        }
        let Some(got) = images
            .iter()
            .find(|i| i.manifest_digest.as_ref().map(|d| d.to_string()).as_deref() == Some(md))
        else {
            out.push(format!("{ctx}: no image with this manifest"));
            continue;
        };
        if let Some(r) = want["ref"].as_str() {
            if !has_ref(&got.tags, r) {
                out.push(format!("{ctx}: ref {r} missing from {:?}", got.tags));
            }
        }
        if got.is_artifact() {
            out.push(format!("{ctx}: is an artifact, should be an image"));
        }
        if let Some(cd) = want["config_digest"].as_str() {
            let ours = got.config_digest.as_ref().map(|d| d.to_string());
            if ours.as_deref() != Some(cd) {
                out.push(format!("{ctx}: config digest is {ours:?}, should be {cd}"));
            }
        }
        if seen.insert(md.to_string()) {
            check_image(&ctx, want, got, out);
        }
    }
    let distinct_oci = images.iter().filter(|i| i.source == Format::Oci).count();
    if !seen.is_empty() && distinct_oci != seen.len() {
        out.push(format!(
            "{file}: {distinct_oci} OCI images, should be {} distinct manifests",
            seen.len()
        ));
    }
    let mut ours = BTreeSet::new();
    for a in d.report.artifacts.iter().chain(
        images
            .iter()
            .flat_map(|i| i.attestations.iter().chain(&i.referrers)),
    ) {
        ours.insert(
            a.manifest_digest
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
    }
    if ours != attached {
        out.push(format!(
            "{file}: attachments and artifacts {ours:?}, should be {attached:?}"
        ));
    }
    for want in facts
        .get("legacy_images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let tag = want["RepoTag"].as_str().unwrap();
        let ctx = format!("{file} legacy image {tag}");
        match images
            .iter()
            .find(|i| i.source == Format::Legacy && i.tags.iter().any(|t| t == tag))
        {
            Some(got) => check_image(&ctx, want, got, out),
            None => out.push(format!("{ctx}: not found")),
        }
    }
}
