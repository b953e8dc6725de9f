//! The readable summary `layercake inspect` prints, and the escaping of
//! names and strings in all text output (`inspect` and `ls`).
//!
//! Text output is escaped always, on a terminal or not: it is often piped
//! into a pager or a file and shown on a terminal later, and a name from an
//! archive must never move the cursor, retitle the window or hide a line.
//! What is escaped (like `ls -b`): C0 controls as `\t`, `\n`, `\r` or `\xNN`
//! (`\x1b` for ESC), DEL as `\x7f`, C1 controls as `\u{9b}` when UTF-8
//! encoded or `\x9b` as a raw byte that is not part of UTF-8 (so 8-bit
//! CSI, OSC and DCS introducers are caught too), and the backslash itself
//! as `\\`, so every escaped line reads back unambiguously. Every other byte,
//! including UTF-8 and other non-UTF-8 bytes (Latin-1 names), is written
//! as it is, so `ls` lines stay byte-for-byte comparable with listings
//! made by other tools. `--json` output is JSON and escapes as JSON does.

use std::borrow::Cow;
use std::io::{self, Write};

use layercake::attachment::{Attachment, Kind};
use layercake::{human, percent, short_command, write_line, Dissection, Entry, Image, Layer, Tree};

fn mark(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "-",
    }
}

fn list(v: &Option<Vec<String>>) -> String {
    match v {
        // JSON escapes C0 controls and backslashes itself; DEL and C1 are left
        Some(v) => escape_controls(&serde_json::to_string(v).unwrap_or_default()).into_owned(),
        None => "(none)".into(),
    }
}

pub fn write_report(out: &mut dyn Write, name: &str, d: &Dissection) -> io::Result<()> {
    let r = &d.report;
    let a = &r.archive;
    writeln!(
        out,
        "{}: {} archive, {}{}, {} members",
        escape(name),
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
    if let Some(rec) = &r.recorded {
        writeln!(
            out,
            "a report, as recorded on {} by {} (checks as recorded then, not made now; {} files held)",
            escape(&rec.at),
            escape(&rec.by),
            rec.files
        )?;
    }
    for (i, img) in r.images.iter().enumerate() {
        writeln!(out)?;
        write_image(out, i, img)?;
    }
    if !a.absent_platforms.is_empty() {
        writeln!(
            out,
            "\nplatforms not in this archive (named by an index, never pulled):"
        )?;
        for p in &a.absent_platforms {
            writeln!(
                out,
                "  {}{}  manifest {}",
                escape(&p.platform.label()),
                p.name
                    .as_deref()
                    .map(|n| format!(" of {}", escape(n)))
                    .unwrap_or_default(),
                p.manifest_digest
                    .as_ref()
                    .map(|d| d.labelled_short())
                    .unwrap_or_default()
            )?;
        }
    }
    if !r.artifacts.is_empty() {
        writeln!(
            out,
            "\nartifacts (not images; what they refer to is not in this archive):"
        )?;
        for at in &r.artifacts {
            write_attachment(out, at)?;
        }
    }
    let problems = r.all_problems();
    if !problems.is_empty() {
        writeln!(out, "\nproblems:")?;
        for p in problems {
            writeln!(out, "  {}", escape(&p.to_line()))?;
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
            escape(&img.tags.join(", ")).into_owned()
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
        writeln!(out, "  type:       {}", escape(t))?;
    }
    writeln!(out, "  platform:   {}", escape(&img.platform.label()))?;
    let c = &img.summary;
    if let Some(created) = &c.created {
        writeln!(out, "  created:    {}", escape(created))?;
    }
    if !img.is_artifact() {
        writeln!(out, "  entrypoint: {}", list(&c.entrypoint))?;
        writeln!(out, "  cmd:        {}", list(&c.cmd))?;
        for e in c.env.iter().flatten() {
            writeln!(out, "  env:        {}", escape(e))?;
        }
        if let Some(w) = &c.working_dir {
            writeln!(out, "  workdir:    {}", escape(w))?;
        }
        if let Some(u) = &c.user {
            writeln!(out, "  user:       {}", escape(u))?;
        }
        if !c.exposed_ports.is_empty() {
            writeln!(out, "  ports:      {}", escape(&c.exposed_ports.join(", ")))?;
        }
        for (k, v) in &c.labels {
            writeln!(out, "  label:      {}={}", escape(k), escape(v))?;
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
            percent(f.efficiency)
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
    if !img.attestations.is_empty() || !img.referrers.is_empty() {
        writeln!(out)?;
        for at in img.attestations.iter().chain(&img.referrers) {
            write_attachment(out, at)?;
        }
    }
    Ok(())
}

/// One attachment at descriptor level: what it is, its manifest, what it
/// says it holds (predicate or artifact type), and what it refers to.
fn write_attachment(out: &mut dyn Write, a: &Attachment) -> io::Result<()> {
    let what = if !a.predicate_types.is_empty() {
        layercake::attachment::describe_predicates(&a.predicate_types)
    } else if let Some(t) = &a.artifact_type {
        t.clone()
    } else {
        a.blobs
            .iter()
            .filter_map(|b| b.media_type.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!(
        "  {:<12} {}  {}",
        format!("{}:", a.kind.name()),
        a.manifest_digest
            .as_ref()
            .map(|d| d.labelled_short())
            .unwrap_or_default(),
        escape(&what)
    );
    if let Some(s) = &a.subject {
        line.push_str(&format!("  about {}", s.labelled_short()));
        if a.attached_to.as_deref() == Some("index") {
            line.push_str(" (the index)");
        }
    }
    if a.kind == Kind::Signature {
        line.push_str(&format!("  ({})", layercake::attestation::NOT_VERIFIED));
    }
    writeln!(out, "{line}")
}

fn write_history(out: &mut dyn Write, img: &Image) -> io::Result<Vec<usize>> {
    let mut shown = Vec::new();
    for h in img.history.iter() {
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
        let created = escape(&created).into_owned();
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
                .map(|d| d.labelled_short())
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
    // escaped after cutting, so no escape is cut in half
    let cmd = escape(&cmd);
    writeln!(
        out,
        "  {idx:>3}  {created:<20}  {size:>9}  {digest:<19}  {ok:<2} {cmd}"
    )
}

// ------------------------------------------------------------------ escaping

/// Whether `c` must be escaped in text output.
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}' | '\\')
}

/// A control character proper (not the backslash).
fn is_control_proper(c: char) -> bool {
    c != '\\' && is_control(c)
}

fn push_escaped(out: &mut Vec<u8>, c: char) {
    let s = match c {
        '\t' => "\\t".to_string(),
        '\n' => "\\n".to_string(),
        '\r' => "\\r".to_string(),
        '\\' => "\\\\".to_string(),
        '\0'..='\x1f' | '\x7f' => format!("\\x{:02x}", c as u32),
        _ => format!("\\u{{{:x}}}", c as u32),
    };
    out.extend_from_slice(s.as_bytes());
}

/// Raw name bytes, escaped for a terminal: controls escaped, everything
/// else (UTF-8 and other bytes alike) kept. Borrowed when nothing changes.
pub fn escape_bytes(raw: &[u8]) -> Cow<'_, [u8]> {
    let needs = raw
        .iter()
        .any(|&b| b < 0x20 || b == 0x7f || b == b'\\' || (0x80..0xa0).contains(&b) || b == 0xc2);
    if !needs {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() + 8);
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_control(c) {
                push_escaped(&mut out, c);
            } else {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        for &b in chunk.invalid() {
            if (0x80..0xa0).contains(&b) {
                // an 8-bit C1 control (0x9b is CSI)
                out.extend_from_slice(format!("\\x{b:02x}").as_bytes());
            } else {
                out.push(b);
            }
        }
    }
    if out == raw {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(out)
}

/// A string, escaped for a terminal (see [`escape_bytes`]).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_if(s, is_control)
}

/// Controls escaped, backslashes kept: for text that is already escaped
/// in its own way (JSON).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape_if(s, is_control_proper)
}

fn escape_if(s: &str, escaped: fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(escaped) {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escaped(c) {
            push_escaped(&mut out, c);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}

/// The merged filesystem in `ls` form (one line per path, sorted by raw
/// path bytes), with paths and link targets escaped.
pub fn write_listing(out: &mut dyn Write, tree: &Tree) -> io::Result<()> {
    for (path, n) in &tree.nodes {
        let link = n.link.as_deref().map(escape_bytes);
        write_line(
            out,
            &escape_bytes(path),
            n.kind,
            n.mode,
            n.uid,
            n.gid,
            n.size,
            link.as_deref(),
        )?;
    }
    Ok(())
}

/// One layer's entries in `ls` form, with paths and link targets escaped.
pub fn write_layer_listing(
    out: &mut dyn Write,
    entries: &[Entry],
    tree: Option<(&Tree, usize)>,
) -> io::Result<()> {
    let clean = |b: &[u8]| matches!(escape_bytes(b), Cow::Borrowed(_));
    if entries
        .iter()
        .all(|e| clean(&e.path) && e.link.as_deref().is_none_or(clean))
    {
        return layercake::write_layer_listing(out, entries, tree);
    }
    let escaped: Vec<Entry> = entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e.path = escape_bytes(&e.path).into_owned();
            e.link = e.link.as_deref().map(|l| escape_bytes(l).into_owned());
            e
        })
        .collect();
    layercake::write_layer_listing(out, &escaped, tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(b: &[u8]) -> Vec<u8> {
        escape_bytes(b).into_owned()
    }

    #[test]
    fn plain_names_are_borrowed_and_unchanged() {
        for name in [
            &b"usr/bin/busybox"[..],
            "app/names/ça-va-😀.txt".as_bytes(),
            b"app/names/latin1-\xe9t\xe9-\xff.txt",
            b"a name with spaces -> and arrows",
        ] {
            assert!(matches!(escape_bytes(name), Cow::Borrowed(_)), "{name:?}");
        }
        assert!(matches!(escape("héllo wörld"), Cow::Borrowed(_)));
    }

    #[test]
    fn c0_controls_and_del_are_escaped() {
        assert_eq!(esc(b"a\nb"), b"a\\nb");
        assert_eq!(esc(b"a\tb\rc"), b"a\\tb\\rc");
        assert_eq!(
            esc(b"\x1b[2J\x1b]0;owned\x07"),
            b"\\x1b[2J\\x1b]0;owned\\x07"
        );
        assert_eq!(esc(b"nul\0del\x7f"), b"nul\\x00del\\x7f");
        assert_eq!(escape("tag\x1b[31mred"), "tag\\x1b[31mred");
    }

    #[test]
    fn c1_controls_are_escaped_as_utf8_and_as_raw_bytes() {
        // U+009B (CSI) encoded in UTF-8
        assert_eq!(esc("x\u{9b}2Jy".as_bytes()), b"x\\u{9b}2Jy");
        assert_eq!(escape("x\u{85}y"), "x\\u{85}y");
        // a raw 8-bit CSI, not part of any UTF-8 sequence
        assert_eq!(esc(b"x\x9b2Jy"), b"x\\x9b2Jy");
        // a lone 0xc2 (the lead byte of C1 in UTF-8) is just a byte
        assert_eq!(esc(b"x\xc2"), b"x\xc2");
        // other non-UTF-8 bytes stay raw
        assert_eq!(esc(b"\xe9\x9b\xff"), b"\xe9\\x9b\xff");
    }

    #[test]
    fn json_lists_keep_their_own_escapes() {
        let v = Some(vec!["sh".to_string(), "a\"b\\c\x1b\u{9b}\x7f".to_string()]);
        assert_eq!(list(&v), r#"["sh","a\"b\\c\u001b\u{9b}\x7f"]"#);
    }

    #[test]
    fn backslash_is_escaped_so_escapes_read_back_unambiguously() {
        assert_eq!(esc(br"C:\x1b"), br"C:\\x1b");
        assert_eq!(escape(r"a\nb"), r"a\\nb");
        assert_ne!(esc(b"\x1b"), esc(br"\x1b"));
    }

    #[test]
    fn listing_lines_escape_paths_and_links_but_not_the_line_format() {
        use layercake::Kind;
        let entry = |path: &[u8], kind: Kind, link: Option<&[u8]>| Entry {
            path: path.to_vec(),
            kind,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
            link: link.map(<[u8]>::to_vec),
            whiteout: None,
            offset: 0,
            content: None,
        };
        let entries = vec![
            entry(b"ok.txt", Kind::File, None),
            entry(b"evil\n\x1b[2Jname", Kind::File, None),
            entry(b"link", Kind::Symlink, Some(b"\x1b]0;x\x07")),
        ];
        let tree = Tree::merge(&[&entries]);
        let mut merged = Vec::new();
        write_listing(&mut merged, &tree).unwrap();
        let mut layer = Vec::new();
        write_layer_listing(&mut layer, &entries, Some((&tree, 0))).unwrap();
        for out in [merged, layer] {
            let text = String::from_utf8(out).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "{text}");
            assert!(lines.contains(&"f 644 0:0 0 evil\\n\\x1b[2Jname"), "{text}");
            assert!(
                lines.contains(&"l 644 0:0 0 link -> \\x1b]0;x\\x07"),
                "{text}"
            );
            assert!(lines.contains(&"f 644 0:0 0 ok.txt"), "{text}");
            assert!(!text.bytes().any(|b| b < 0x20 && b != b'\n'));
        }
    }
}
