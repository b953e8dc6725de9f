//! The command line: `inspect` (text or JSON), `ls`, `attestations`,
//! `diff` and `packages`.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use layercake::{
    choose_files, dissect, dissect_stream, human, write_report_file, Chunked, Dissection, Event,
    Options, Pattern, Quiet, ReadAt, RecordedFiles, Severity, Share,
};

use crate::{compare, said, text};

#[derive(Parser)]
#[command(
    name = "layercake",
    version,
    about = "Look inside saved container images (docker save, podman save, OCI layouts)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise an image archive: images, config, history, layers, digests.
    Inspect {
        /// Print one JSON document instead of text.
        #[arg(long, conflicts_with = "dockerfile")]
        json: bool,
        /// Print the Dockerfile each image's history describes instead.
        #[arg(long)]
        dockerfile: bool,
        /// Also hash every file's content as `diff` does (to measure its cost).
        #[arg(long, hide = true)]
        content_digests: bool,
        /// Also list each image's packages (reads their files again; JSON:
        /// a top-level `packages` list, one entry per image).
        #[arg(long)]
        packages: bool,
        /// The archive or report ("-" reads standard input in one pass).
        file: PathBuf,
    },
    /// Write a report (NAME.layercake.json.gz): the inspect document, every
    /// layer's entries and chosen small files, for the page to open
    /// instead of the archive.
    Report {
        /// Where to write the report.
        #[arg(short, long)]
        out: PathBuf,
        /// Hold the contents of files whose paths match (`etc/os-release`,
        /// `etc/*.conf`, `app/**`); may be given again.
        #[arg(long, value_name = "PATTERN")]
        include: Vec<String>,
        /// Hold no file larger than this (`64k`, `1m`, bytes by default).
        #[arg(long, default_value = "64k", value_parser = parse_size)]
        max_file_bytes: u64,
        /// The archive.
        file: PathBuf,
    },
    /// List the merged filesystem of an image, or one layer's entries.
    Ls {
        /// Which image of the archive (0-based, as `inspect` numbers them).
        #[arg(long)]
        image: Option<usize>,
        /// Pick the image for this platform: os/arch[/variant].
        #[arg(long)]
        platform: Option<String>,
        /// List this layer's entries (0 is the base layer) instead of the merged tree.
        #[arg(long)]
        layer: Option<usize>,
        /// The archive or report ("-" reads standard input in one pass).
        file: PathBuf,
    },
    /// Show what an image's attestations, SBOMs and signatures say (read and
    /// parsed only here, never by `inspect`). Signatures are not verified.
    Attestations {
        /// Which image of the archive (0-based, as `inspect` numbers them).
        #[arg(long)]
        image: Option<usize>,
        /// Pick the image for this platform: os/arch[/variant].
        #[arg(long)]
        platform: Option<String>,
        /// Show only SBOM packages whose name, version, purl or licence holds this text.
        #[arg(long)]
        search: Option<String>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// The archive (a file: its blobs are read again).
        file: PathBuf,
    },
    /// Compare two images: layers, config, history, files, packages.
    /// Exit status 0 when they are the same, 1 when they differ, 2 on error.
    Diff {
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// Ignore timestamps (config and history `created`, file mtimes):
        /// "same content" then counts as the same.
        #[arg(long)]
        semantic: bool,
        /// Do not read and compare the packages.
        #[arg(long)]
        no_packages: bool,
        /// Which image of each archive (0-based); see --image-a, --image-b.
        #[arg(long)]
        image: Option<usize>,
        /// Which image of A.
        #[arg(long)]
        image_a: Option<usize>,
        /// Which image of B.
        #[arg(long)]
        image_b: Option<usize>,
        /// Pick the image with this tag on both sides.
        #[arg(long)]
        tag: Option<String>,
        /// Pick A's image with this tag.
        #[arg(long)]
        tag_a: Option<String>,
        /// Pick B's image with this tag.
        #[arg(long)]
        tag_b: Option<String>,
        /// Pick the image for this platform (os/arch[/variant]) on both sides.
        #[arg(long)]
        platform: Option<String>,
        /// Pick A's image for this platform.
        #[arg(long)]
        platform_a: Option<String>,
        /// Pick B's image for this platform.
        #[arg(long)]
        platform_b: Option<String>,
        /// Archive A (the old one).
        a: PathBuf,
        /// Archive B (the new one; may be A again, with another image).
        b: PathBuf,
    },
    /// List the OS and language packages of an image (dpkg, apk, Python,
    /// npm), with the layer that introduced or last changed each.
    Packages {
        /// Which image of the archive (0-based, as `inspect` numbers them).
        #[arg(long)]
        image: Option<usize>,
        /// Pick the image with this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Pick the image for this platform: os/arch[/variant].
        #[arg(long)]
        platform: Option<String>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// The archive (a file: its package files are read again).
        file: PathBuf,
    },
    /// Write the built-in sample image (a small docker-save archive).
    Sample {
        /// Write the docs' lab image instead (five layers, about 3,500 files).
        #[arg(long, conflicts_with = "lab_v2")]
        lab: bool,
        /// Write the lab image's next version (its four bottom layers
        /// shared, a new layer, the application changed), for comparing.
        #[arg(long)]
        lab_v2: bool,
        /// Where to write it.
        out: PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("layercake: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let d = match cli.command {
        Command::Sample {
            lab,
            lab_v2,
            out: path,
        } => {
            let image = if lab {
                layercake::sample::build_lab()
            } else if lab_v2 {
                layercake::sample::build_lab_v2()
            } else {
                layercake::sample::build()
            };
            std::fs::write(&path, image)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Report {
            out: path,
            include,
            max_file_bytes,
            file,
        } => {
            let d = read(&file, true)?;
            let patterns: Vec<Pattern> = include.iter().map(|p| Pattern::new(p)).collect();
            let files = match &d.recorded {
                // a report of a report keeps the files it holds
                Some(files) => files.clone(),
                None if patterns.is_empty() => RecordedFiles::default(),
                None => {
                    if file.as_os_str() == "-" {
                        return Err("--include needs a file, not standard input".into());
                    }
                    let mut src = open_archive(&file)?;
                    let chosen = choose_files(&mut src, &d, &patterns, max_file_bytes);
                    for s in &chosen.skipped {
                        eprintln!("layercake: not held: {s}");
                    }
                    chosen.files
                }
            };
            let w =
                File::create(&path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            write_report_file(&d, &files, &now_utc(), BufWriter::new(w))
                .and_then(|mut w| w.flush())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            d
        }
        Command::Inspect {
            json,
            dockerfile,
            content_digests,
            packages,
            file,
        } => {
            if packages && file.as_os_str() == "-" {
                return Err("--packages reads files again: give a file, not -".into());
            }
            let d = read_with(&file, true, content_digests)?;
            let lists = if packages {
                (0..d.report.images.len())
                    .map(|i| packages_of(&file, &d, i))
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            if dockerfile {
                let images: Vec<_> = d
                    .report
                    .images
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| !i.is_artifact())
                    .collect();
                for (n, (i, img)) in images.iter().enumerate() {
                    if images.len() > 1 {
                        if n > 0 {
                            writeln!(out).map_err(|e| e.to_string())?;
                        }
                        let name = img.name();
                        let name = text::escape(&name);
                        writeln!(out, "# image {i}: {name}").map_err(|e| e.to_string())?;
                    }
                    for line in layercake::dockerfile(img).lines() {
                        // controls escaped; backslashes are the Dockerfile's own
                        writeln!(out, "{}", text::escape_controls(line))
                            .map_err(|e| e.to_string())?;
                    }
                }
            } else if json {
                /// The report, and the packages when asked for.
                #[derive(serde::Serialize)]
                struct WithPackages<'a> {
                    #[serde(flatten)]
                    report: &'a layercake::Report,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    packages: Option<&'a [layercake::packages::PackageList]>,
                }
                let doc = WithPackages {
                    report: &d.report,
                    packages: packages.then_some(&lists[..]),
                };
                serde_json::to_writer_pretty(&mut out, &doc).map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            } else {
                text::write_report(&mut out, &file.display().to_string(), &d)
                    .map_err(|e| e.to_string())?;
                for (i, list) in lists.iter().enumerate() {
                    writeln!(out, "\nPackages of image {i}:").map_err(|e| e.to_string())?;
                    compare::write_packages(&mut out, list).map_err(|e| e.to_string())?;
                }
            }
            d
        }
        Command::Ls {
            image,
            platform,
            layer,
            file,
        } => {
            let d = read(&file, true)?;
            let i = pick_image(&d.report, image, platform.as_deref())?;
            let tree = d.tree(i);
            let written = match layer {
                None => text::write_listing(&mut out, &tree),
                Some(l) => {
                    let entries = d.layer_entries(i);
                    let e = entries.get(l).ok_or_else(|| {
                        format!(
                            "layer {l} does not exist: image {i} has {} layers",
                            entries.len()
                        )
                    })?;
                    text::write_layer_listing(&mut out, e, Some((&tree, l)))
                }
            };
            written.map_err(|e| e.to_string())?;
            d
        }
        Command::Diff {
            json,
            semantic,
            no_packages,
            image,
            image_a,
            image_b,
            tag,
            tag_a,
            tag_b,
            platform,
            platform_a,
            platform_b,
            a,
            b,
        } => {
            for f in [&a, &b] {
                if f.as_os_str() == "-" {
                    return Err("diff reads its archives again: give files, not -".into());
                }
            }
            let da = read_with(&a, true, true)?;
            let db = if a == b {
                da.clone()
            } else {
                read_against(&b, &da)?
            };
            let ia = pick(
                &da.report,
                image_a.or(image),
                tag_a.as_deref().or(tag.as_deref()),
                platform_a.as_deref().or(platform.as_deref()),
            )
            .map_err(|e| format!("A: {e}"))?;
            let ib = pick(
                &db.report,
                image_b.or(image),
                tag_b.as_deref().or(tag.as_deref()),
                platform_b.as_deref().or(platform.as_deref()),
            )
            .map_err(|e| format!("B: {e}"))?;
            for (letter, path, d) in [('A', &a, &da), ('B', &b, &db)] {
                let problems = d.report.problems.len()
                    + d.report
                        .images
                        .iter()
                        .flat_map(|i| &i.layers)
                        .map(|l| l.problems.len())
                        .sum::<usize>();
                if problems > 0 {
                    eprintln!(
                        "layercake: {letter} ({}) has {problems} problems; `layercake inspect` lists them",
                        path.display()
                    );
                }
            }
            let mut result = layercake::diff::diff(&da, ia, &db, ib, semantic)?;
            if !no_packages {
                let pa = packages_of(&a, &da, ia)?;
                let pb = packages_of(&b, &db, ib)?;
                result = result.with_packages(&pa, &pb);
            }
            if json {
                serde_json::to_writer_pretty(&mut out, &result).map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            } else {
                let (na, nb) = (a.display().to_string(), b.display().to_string());
                compare::write_diff(&mut out, (&na, &nb), &result).map_err(|e| e.to_string())?;
            }
            out.flush().map_err(|e| e.to_string())?;
            return Ok(if result.same() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Packages {
            image,
            tag,
            platform,
            json,
            file,
        } => {
            if file.as_os_str() == "-" {
                return Err("packages reads its files again: give a file, not -".into());
            }
            let d = read(&file, true)?;
            let i = pick(&d.report, image, tag.as_deref(), platform.as_deref())?;
            let list = packages_of(&file, &d, i)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &list).map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            } else {
                compare::write_packages(&mut out, &list).map_err(|e| e.to_string())?;
            }
            for p in &list.problems {
                eprintln!(
                    "layercake: {}: {}",
                    p.location.entry.as_deref().unwrap_or("-"),
                    p.message
                );
            }
            d
        }
        Command::Attestations {
            image,
            platform,
            search,
            json,
            file,
        } => {
            if file.as_os_str() == "-" {
                return Err("attestations reads its blobs again: give a file, not -".into());
            }
            let d = read(&file, false)?;
            let i = pick_image(&d.report, image, platform.as_deref())?;
            let mut src = open_archive(&file)?;
            let said = layercake::attestation::read_image(&mut src, &d.report, i)?;
            let said = match &search {
                Some(q) => said::filter(said, q),
                None => said,
            };
            if json {
                serde_json::to_writer_pretty(&mut out, &said).map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            } else {
                said::write(&mut out, i, &d.report.images[i], &said).map_err(|e| e.to_string())?;
            }
            d
        }
    };
    out.flush().map_err(|e| e.to_string())?;
    Ok(match d.report.worst() {
        Some(Severity::Warning) | Some(Severity::Error) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Dissects B of a diff with content digests, reading only the blobs A
/// does not already hold (the same layer by diff_id, size and digest, see
/// [`layercake::diff::reuse_shared_blobs`]); when most of B is its own, B
/// is read whole with every core instead.
fn read_against(path: &PathBuf, a: &Dissection) -> Result<Dissection, String> {
    let open = || open_archive(path);
    let opts = Options {
        keep_entries: true,
        content_digests: true,
        read_layers: false,
        ..Options::default()
    };
    let mut d =
        dissect(open()?, &opts, &mut Quiet).map_err(|e| format!("{}: {e}", path.display()))?;
    if !d.report.archive.seekable {
        // a compressed archive is read whole, in one pass, and finished
        return Ok(d);
    }
    let total: u64 = d.blobs.iter().map(|b| b.size).sum();
    layercake::diff::reuse_shared_blobs(&mut d, a);
    let rest = d.missing();
    let own: u64 = rest.iter().map(|&b| d.blobs[b].size).sum();
    if own > total / 2 {
        return read_with(path, true, true);
    }
    d.read_blobs_with(open()?, &rest, &mut Quiet, true);
    Ok(d.finish(&opts, &mut Quiet))
}

/// Reads the packages of image `i` of `d` from the archive at `path`.
fn packages_of(
    path: &PathBuf,
    d: &Dissection,
    i: usize,
) -> Result<layercake::packages::PackageList, String> {
    let mut src = open_archive(path)?;
    Ok(layercake::packages::read_image(&mut src, d, i))
}

/// Picks an image by index, by tag (`name:tag`, or the tag alone), or by
/// platform; else the first image that is not an artifact.
fn pick(
    report: &layercake::Report,
    index: Option<usize>,
    tag: Option<&str>,
    platform: Option<&str>,
) -> Result<usize, String> {
    let Some(t) = tag.filter(|_| index.is_none()) else {
        return pick_image(report, index, platform);
    };
    let matches = |have: &String| {
        have == t || have.rsplit_once(':').is_some_and(|(_, tail)| tail == t) || {
            // `name:tag` against a tag named with its registry
            have.ends_with(&format!("/{t}"))
        }
    };
    report
        .images
        .iter()
        .position(|img| img.tags.iter().any(matches) && platform.is_none_or(|p| img.runs_on(p)))
        .ok_or_else(|| {
            let have: Vec<&str> = report
                .images
                .iter()
                .flat_map(|i| &i.tags)
                .map(String::as_str)
                .collect();
            format!("no image tagged {t}; the archive has {}", have.join(", "))
        })
}

fn pick_image(
    report: &layercake::Report,
    index: Option<usize>,
    platform: Option<&str>,
) -> Result<usize, String> {
    let images = &report.images;
    if images.is_empty() {
        return Err("the archive holds no image".into());
    }
    if let Some(i) = index {
        if i >= images.len() {
            return Err(format!(
                "image {i} does not exist: the archive holds {} images",
                images.len()
            ));
        }
        return Ok(i);
    }
    if let Some(p) = platform {
        let absent = &report.archive.absent_platforms;
        return images
            .iter()
            .position(|img| !img.is_artifact() && img.runs_on(p))
            .ok_or_else(|| {
                let named = absent.iter().find(|a| {
                    let l = a.platform.label();
                    l == p || l.starts_with(&format!("{p}/"))
                });
                if let Some(a) = named {
                    return format!(
                        "{p} is not in this archive: the index names its manifest {} but it was never saved",
                        a.manifest_digest
                            .as_ref()
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                    );
                }
                let mut have: Vec<String> = images.iter().map(|i| i.platform.label()).collect();
                have.extend(
                    absent
                        .iter()
                        .map(|a| format!("{} (not in this archive)", a.platform.label())),
                );
                format!(
                    "no image for platform {p}; the archive has {}",
                    have.join(", ")
                )
            });
    }
    Ok(images.iter().position(|i| !i.is_artifact()).unwrap_or(0))
}

fn read(path: &PathBuf, keep_entries: bool) -> Result<Dissection, String> {
    read_with(path, keep_entries, false)
}

/// Dissects `path`, with each file's content hashed when `content_digests`.
pub fn read_with(
    path: &PathBuf,
    keep_entries: bool,
    content_digests: bool,
) -> Result<Dissection, String> {
    let bar = io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut layers_done = 0u64;
    let mut inflated_now = 0u64;
    let mut sink = |e: Event<'_>| {
        let Some(bar) = &bar else { return };
        match e {
            Event::Progress {
                read,
                total,
                inflated,
            } => {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(read);
                inflated_now = inflated;
                bar.set_message(format!(
                    "{layers_done} layers, {} uncompressed",
                    human(inflated_now)
                ));
            }
            Event::LayerDone { .. } => {
                layers_done += 1;
                bar.set_message(format!(
                    "{layers_done} layers, {} uncompressed",
                    human(inflated_now)
                ));
            }
            _ => {}
        }
    };
    let opts = Options {
        keep_entries,
        content_digests,
        ..Options::default()
    };
    let result = if path.as_os_str() == "-" {
        dissect_stream(io::stdin().lock(), None, &opts, &mut sink)
    } else {
        read_shared(path, &opts, &mut sink)?
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result.map_err(|e| format!("{}: {e}", path.display()))
}

/// Dissects a file with every core: each thread reads a share of the
/// layers through its own handle, and the first merges them.
fn read_shared(
    path: &PathBuf,
    opts: &Options,
    sink: &mut dyn layercake::Sink,
) -> Result<Result<Dissection, layercake::Error>, String> {
    let open = || open_archive(path);
    let of = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if of == 1 {
        return Ok(dissect(open()?, opts, sink));
    }
    let helpers: Vec<_> = (1..of)
        .map(|index| {
            let file = open();
            let opts = Options {
                share: Some(Share { index, of }),
                ..opts.clone()
            };
            std::thread::spawn(move || file.ok().and_then(|f| dissect(f, &opts, &mut Quiet).ok()))
        })
        .collect();
    let mine = Options {
        share: Some(Share { index: 0, of }),
        ..opts.clone()
    };
    let mut d = match dissect(open()?, &mine, sink) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let others = helpers.into_iter().filter_map(|h| h.join().ok().flatten());
    if d.gather(others) > 0 {
        // a share that failed: read everything here instead
        let all = Options {
            share: None,
            ..opts.clone()
        };
        return Ok(dissect(open()?, &all, sink));
    }
    Ok(Ok(d.finish(opts, sink)))
}

/// Bytes read from an archive file at most at a time.
const FILE_PIECE: usize = 1 << 20;

/// An archive file, to read and seek in: buffered in pieces of up to
/// [`FILE_PIECE`], a seek within the piece read keeping it.
fn open_archive(path: &PathBuf) -> Result<Chunked<ReadAt<File>>, String> {
    File::open(path)
        .and_then(ReadAt::new)
        .map(|f| Chunked::new(f, FILE_PIECE))
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// "64k", "1m", "512": a size in bytes (k and m are 1024 and 1024²).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (num, unit) = match t.strip_suffix(['k', 'm']) {
        Some(n) if t.ends_with('k') => (n, 1u64 << 10),
        Some(n) => (n, 1u64 << 20),
        None => (t.as_str(), 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("{s:?} is not a size (say 65536, 64k or 1m)"))
}

/// Now, in UTC, as RFC 3339 (`2026-12-03T14:00:00Z`).
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // days since 1970-01-01 to a civil date (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
