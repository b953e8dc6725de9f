//! Text for `layercake diff` and `layercake packages`.

use std::io::{self, Write};

use layercake::diff::{Diff, FileChangeKind, LayerRow, PackageChangeKind, Side};
use layercake::human;
use layercake::packages::PackageList;

use crate::text::escape;

fn side(out: &mut dyn Write, letter: char, name: &str, s: &Side) -> io::Result<()> {
    let tags = if s.tags.is_empty() {
        String::new()
    } else {
        format!(" ({})", escape(&s.tags.join(", ")))
    };
    writeln!(
        out,
        "{letter}: {} image {}{tags}, {}, {} layers",
        escape(name),
        s.image,
        escape(&s.platform),
        s.layers
    )
}

fn layer(out: &mut dyn Write, mark: &str, r: &LayerRow) -> io::Result<()> {
    let id = r
        .diff_id
        .as_ref()
        .map(|d| {
            let s = d.to_string();
            s.chars().take(19).collect::<String>()
        })
        .unwrap_or_else(|| "(no diff_id)".into());
    let size = r.size.map(human).unwrap_or_else(|| "?".into());
    let by = r
        .created_by
        .as_deref()
        .map(|c| {
            let short: String = c.chars().take(72).collect();
            let more = if short.len() < c.len() { "…" } else { "" };
            format!("  {}{more}", escape(&short))
        })
        .unwrap_or_default();
    writeln!(out, "  {mark} {:>3} {id} {size:>9}{by}", r.index)
}

fn value(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("{:?}", escape(v)),
        None => "(none)".into(),
    }
}

/// Writes a comparison as text; the summary is the last line.
pub fn write_diff(out: &mut dyn Write, names: (&str, &str), d: &Diff) -> io::Result<()> {
    side(out, 'A', names.0, &d.a)?;
    side(out, 'B', names.1, &d.b)?;
    writeln!(out, "\nLayers (= shared, A only in A, B only in B):")?;
    for r in &d.layers.shared {
        layer(out, "=", r)?;
    }
    for r in &d.layers.only_a {
        layer(out, "A", r)?;
    }
    for r in &d.layers.only_b {
        layer(out, "B", r)?;
    }
    if !d.config.is_empty() {
        writeln!(out, "\nConfig:")?;
        for c in &d.config {
            let key = c
                .key
                .as_deref()
                .map(|k| format!(" {}", escape(k)))
                .unwrap_or_default();
            let meta = match (&c.note, c.metadata) {
                (Some(n), _) => format!("  (metadata: {n})"),
                (None, true) => "  (metadata)".into(),
                (None, false) => String::new(),
            };
            writeln!(
                out,
                "  {}{key}: {} -> {}{meta}",
                c.field,
                value(&c.a),
                value(&c.b)
            )?;
        }
    }
    if !d.history.only_a.is_empty() || !d.history.only_b.is_empty() {
        writeln!(out, "\nHistory (- only in A, + only in B):")?;
        for (mark, rows) in [('-', &d.history.only_a), ('+', &d.history.only_b)] {
            for h in rows {
                let empty = if h.empty_layer { " (no layer)" } else { "" };
                writeln!(
                    out,
                    "  {mark} [{}] {}{empty}",
                    h.index,
                    escape(h.created_by.as_deref().unwrap_or("?"))
                )?;
            }
        }
    }
    if !d.files.is_empty() {
        writeln!(out, "\nFiles (A added, R removed, M modified):")?;
        for f in &d.files {
            let detail = match f.change {
                FileChangeKind::Added => f.b.as_ref().map(|s| human(s.size)).unwrap_or_default(),
                FileChangeKind::Removed => f.a.as_ref().map(|s| human(s.size)).unwrap_or_default(),
                FileChangeKind::Modified => {
                    let sizes = match (&f.a, &f.b) {
                        (Some(x), Some(y)) if x.size != y.size => {
                            format!(" {} -> {}", human(x.size), human(y.size))
                        }
                        _ => String::new(),
                    };
                    format!("({}){sizes}", f.what.join(", "))
                }
            };
            writeln!(
                out,
                "  {} /{}  {detail}",
                f.change.letter(),
                escape(&f.path)
            )?;
        }
    }
    if !d.directories.is_empty() {
        writeln!(out, "\nDirectories (bytes added, removed):")?;
        for t in &d.directories {
            writeln!(
                out,
                "  {}  +{} -{}",
                escape(&t.path),
                human(t.added_bytes),
                human(t.removed_bytes)
            )?;
        }
    }
    if let Some(p) = d.packages.as_ref().filter(|p| !p.is_empty()) {
        writeln!(out, "\nPackages (+ added, - removed, ~ version changed):")?;
        for c in p {
            let mark = match c.change {
                PackageChangeKind::Added => '+',
                PackageChangeKind::Removed => '-',
                PackageChangeKind::Changed => '~',
            };
            let versions = match c.change {
                PackageChangeKind::Added => c.b.clone().unwrap_or_default(),
                PackageChangeKind::Removed => c.a.clone().unwrap_or_default(),
                PackageChangeKind::Changed => format!(
                    "{} -> {}",
                    c.a.as_deref().unwrap_or(""),
                    c.b.as_deref().unwrap_or("")
                ),
            };
            writeln!(
                out,
                "  {mark} {} {} {}",
                c.source,
                escape(&c.name),
                escape(&versions)
            )?;
        }
    }
    writeln!(out, "\n{}", d.summary)
}

/// Writes an image's packages as a table.
pub fn write_packages(out: &mut dyn Write, list: &PackageList) -> io::Result<()> {
    let width = list
        .packages
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 48);
    writeln!(
        out,
        "{:<6} {:<width$} {:<24} LAYER",
        "SOURCE", "NAME", "VERSION"
    )?;
    for p in &list.packages {
        writeln!(
            out,
            "{:<6} {:<width$} {:<24} {}",
            p.source.name(),
            escape(&p.name),
            escape(&p.version),
            p.layer
        )?;
    }
    for n in &list.not_read {
        writeln!(out, "({})", escape(n))?;
    }
    writeln!(out, "{} packages", list.packages.len())
}
