//! What `layercake attestations` prints: each attestation, SBOM and
//! signature of an image, as its blobs say it. Strings from the archive
//! are escaped as all text output is.

use std::io::{self, Write};

use layercake::attestation::{BlobSays, Said, NOT_VERIFIED};
use layercake::Image;

use crate::text::escape;

/// Keeps only the SBOM packages that match `query`.
pub fn filter(mut said: Vec<Said>, query: &str) -> Vec<Said> {
    for s in &mut said {
        for b in &mut s.blobs {
            if let Some(sbom) = &mut b.sbom {
                sbom.packages.retain(|p| p.matches(query));
            }
        }
    }
    said
}

pub fn write(out: &mut dyn Write, i: usize, img: &Image, said: &[Said]) -> io::Result<()> {
    writeln!(
        out,
        "image {i}: {} ({})",
        escape(&img.name()),
        escape(&img.platform.label())
    )?;
    if said.is_empty() {
        writeln!(out, "  no attestations, signatures or referrers")?;
    }
    for s in said {
        writeln!(out)?;
        writeln!(
            out,
            "{} {}{}",
            s.kind.name(),
            s.manifest_digest
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            s.subject
                .as_ref()
                .map(|d| format!(", about {d}"))
                .unwrap_or_default()
        )?;
        for b in &s.blobs {
            write_blob(out, b)?;
        }
    }
    Ok(())
}

fn write_blob(out: &mut dyn Write, b: &BlobSays) -> io::Result<()> {
    let e = |s: &str| escape(s).into_owned();
    let opt = |s: &Option<String>| s.as_deref().map(e).unwrap_or_else(|| "–".into());
    writeln!(
        out,
        "  blob {} ({})",
        b.digest
            .as_ref()
            .map(|d| d.labelled_short())
            .unwrap_or_default(),
        opt(&b.media_type)
    )?;
    if let Some(t) = &b.predicate_type {
        writeln!(out, "    predicate:  {}", e(t))?;
    }
    for s in &b.subjects {
        writeln!(
            out,
            "    subject:    {} {}",
            opt(&s.name),
            e(&s.digests.join(" "))
        )?;
    }
    if let Some(why) = &b.signed {
        writeln!(out, "    envelope:   DSSE, {why}")?;
    }
    if let Some(p) = &b.provenance {
        writeln!(out, "    provenance: SLSA {}", p.slsa_version)?;
        writeln!(out, "    builder:    {}", opt(&p.builder_id))?;
        writeln!(out, "    build type: {}", opt(&p.build_type))?;
        writeln!(out, "    repository: {}", opt(&p.source.repository))?;
        if p.source.git_ref.is_some() {
            writeln!(out, "    ref:        {}", opt(&p.source.git_ref))?;
        }
        if p.source.revision.is_some() {
            writeln!(out, "    revision:   {}", opt(&p.source.revision))?;
        }
        writeln!(out, "    build file: {}", opt(&p.source.path))?;
        for m in &p.materials {
            writeln!(
                out,
                "    material:   {} {}",
                opt(&m.uri),
                e(&m.digests.join(" "))
            )?;
        }
        if p.materials_total > p.materials.len() {
            writeln!(
                out,
                "    … {} more materials",
                p.materials_total - p.materials.len()
            )?;
        }
        for (k, v) in &p.args {
            writeln!(out, "    arg:        {}={}", e(k), e(v))?;
        }
    }
    if let Some(s) = &b.sbom {
        writeln!(
            out,
            "    sbom:       {}, {} packages{}",
            e(&s.format),
            s.total,
            if s.packages.len() < s.total {
                format!(" ({} shown)", s.packages.len())
            } else {
                String::new()
            }
        )?;
        for p in &s.packages {
            writeln!(
                out,
                "      {} {}  {}  {}",
                e(&p.name),
                opt(&p.version),
                opt(&p.purl),
                opt(&p.license)
            )?;
        }
    }
    if let Some(c) = &b.signature {
        writeln!(out, "    signed:     image {}", opt(&c.image_digest))?;
        writeln!(out, "    identity:   {}", opt(&c.identity))?;
        for (k, v) in &c.optional {
            writeln!(out, "    claim:      {}={}", e(k), e(v))?;
        }
        writeln!(out, "    {NOT_VERIFIED}")?;
    }
    if let Some(n) = &b.note {
        writeln!(out, "    {}", e(n))?;
    }
    for p in &b.problems {
        writeln!(out, "    problem:    {}", e(&p.to_line()))?;
    }
    Ok(())
}
