//! The readable summary `layercake inspect` prints.

use std::io::{self, Write};

use layercake::config::short_command;
use layercake::report::{human, Image, Layer};
use layercake::Dissection;

fn mark(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "-",
    }
}

fn list(v: &Option<Vec<String>>) -> String {
    match v {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "(none)".into(),
    }
}

pub fn write_report(out: &mut dyn Write, name: &str, d: &Dissection) -> io::Result<()> {
    let r = &d.report;
    let a = &r.archive;
    writeln!(
        out,
        "{name}: {} archive, {}{}, {} members",
        if a.formats.is_empty() {
            "unknown".to_string()
        } else {
            a.formats.join(" + ")
        },
        a.size.map(human).unwrap_or_else(|| "size unknown".into()),
        match a.compression {
            Some(c) if c.name() != "none" => format!(", {} compressed", c.name()),
            _ => String::new(),
        },
        a.members
    )?;
    for (i, img) in r.images.iter().enumerate() {
        writeln!(out)?;
        write_image(out, i, img)?;
    }
    let problems = r.all_problems();
    if !problems.is_empty() {
        writeln!(out, "\nproblems:")?;
        for p in problems {
            writeln!(out, "  {}", p.to_line())?;
        }
    }
    Ok(())
}

fn write_image(out: &mut dyn Write, i: usize, img: &Image) -> io::Result<()> {
    let kind = if img.is_artifact() {
        "artifact"
    } else {
        "image"
    };
    writeln!(
        out,
        "{kind} {i}: {}  [{} verified]",
        if img.tags.is_empty() {
            "(untagged)".to_string()
        } else {
            img.tags.join(", ")
        },
        mark(img.verified)
    )?;
    if let Some(d) = &img.config_digest {
        writeln!(out, "  id:         {d}")?;
    }
    if let Some(d) = &img.manifest_digest {
        writeln!(out, "  manifest:   {d}")?;
    }
    if let Some(t) = &img.artifact_type {
        writeln!(out, "  type:       {t}")?;
    }
    writeln!(out, "  platform:   {}", img.platform.label())?;
    let c = &img.summary;
    if let Some(created) = &c.created {
        writeln!(out, "  created:    {created}")?;
    }
    if !img.is_artifact() {
        writeln!(out, "  entrypoint: {}", list(&c.entrypoint))?;
        writeln!(out, "  cmd:        {}", list(&c.cmd))?;
        for e in c.env.iter().flatten() {
            writeln!(out, "  env:        {e}")?;
        }
        if let Some(w) = &c.working_dir {
            writeln!(out, "  workdir:    {w}")?;
        }
        if let Some(u) = &c.user {
            writeln!(out, "  user:       {u}")?;
        }
        if !c.exposed_ports.is_empty() {
            writeln!(out, "  ports:      {}", c.exposed_ports.join(", "))?;
        }
        for (k, v) in &c.labels {
            writeln!(out, "  label:      {k}={v}")?;
        }
    }
    let (packed, unpacked) = img.sizes();
    write!(
        out,
        "  layers:     {}, {} stored, {} uncompressed",
        img.layers.len(),
        human(packed),
        human(unpacked)
    )?;
    if let Some(f) = &img.files {
        write!(
            out,
            "; {} paths, {} wasted (efficiency {})",
            f.paths,
            human(f.wasted_bytes),
            layercake::report::percent(f.efficiency)
        )?;
    }
    writeln!(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "  {:>3}  {:<20}  {:>9}  {:<19}  {:<2} CREATED BY",
        "#", "CREATED", "SIZE", "DIGEST", "OK"
    )?;
    let shown_layers = write_history(out, img)?;
    // layers the history does not map (no history, or a mismatch)
    for (j, l) in img.layers.iter().enumerate() {
        if !shown_layers.contains(&j) {
            write_row(out, &j.to_string(), "", Some(l), "")?;
        }
    }
    Ok(())
}

fn write_history(out: &mut dyn Write, img: &Image) -> io::Result<Vec<usize>> {
    let mut shown = Vec::new();
    for h in &img.history {
        let layer = h.layer.and_then(|j| img.layers.get(j).map(|l| (j, l)));
        let idx = match layer {
            Some((j, _)) => {
                shown.push(j);
                j.to_string()
            }
            None => String::new(),
        };
        let created = h
            .created
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(19)
            .collect::<String>();
        let cmd = short_command(h.created_by.as_deref().unwrap_or(""));
        write_row(out, &idx, &created, layer.map(|(_, l)| l), &cmd)?;
    }
    Ok(shown)
}

fn write_row(
    out: &mut dyn Write,
    idx: &str,
    created: &str,
    l: Option<&Layer>,
    cmd: &str,
) -> io::Result<()> {
    let (size, digest, ok) = match l {
        Some(l) => (
            human(l.uncompressed_size.or(l.size).unwrap_or(0)),
            l.digest
                .as_ref()
                .map(|d| format!("{}:{}", d.algorithm().name(), d.short()))
                .unwrap_or_default(),
            mark(l.verified),
        ),
        None => ("0 B".into(), String::new(), ""),
    };
    let cmd: String = if cmd.chars().count() > 80 {
        cmd.chars().take(79).chain(std::iter::once('…')).collect()
    } else {
        cmd.to_string()
    };
    writeln!(
        out,
        "  {idx:>3}  {created:<20}  {size:>9}  {digest:<19}  {ok:<2} {cmd}"
    )
}
