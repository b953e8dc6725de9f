//! Hostile archives, one per class, each built in code: what a dissection
//! must still find, and the problems (with their codes) it must report.
//!
//! | case | archive | must |
//! |---|---|---|
//! | (a) | OCI layout, 40 nested indexes, each listing the next twice | finish fast, one image |
//! | (b) | a chain of 20,000 distinct nested indexes | no stack overflow; `limit` MAX_INDEX_DEPTH |
//! | (c) | a layer of 4 files with 32,768-component PAX paths | `limit`; peak RSS < 256 MB |
//! | (d) | `docker save \| gzip`, 4 GiB of padding before manifest.json | the image; peak RSS < 256 MB |
//! | (e) | a gzip layer whose first member is a 1 GiB PAX header | `limit`; peak RSS < 256 MB |
//! | (f) | manifest.json, 3,000 entries naming one 4 MiB config | peak RSS < 256 MB |
//! | (g) | `..`, absolute, `a/../../b`, a write through a symlink, an outer `../manifest.json` | `unsafe_name` each |
//! | (h) | a missing layer | not verified; `entries: null`; `missing` |
//! | (i) | a whole-archive gzip cut mid-layer | `truncated`; entries read so far kept |
//! | (j) | a config of invalid UTF-8, or nested deeper than 128 | `config_digest` of the raw bytes; `bad_json` |
//! | (l) | a gzipped report file listing 3.5 million entry rows, on stdin | `limit` MAX_ENTRIES; peak RSS < 256 MB |
//! | (m) | 60,000 tiny tar members beside the image, read in one pass | finish fast (no work per member beyond its size) |
//! | (o) | a gzip layer of 1,000,000 files named `../x<i>` (an unsafe name each) | 1,000 listed, `limit` MAX_LAYER_PROBLEMS with the count; peak RSS < 256 MB |
//! | (p) | 20 layers of 1,500 unsafe names each | at most MAX_PROBLEMS (10,000) listed in all, read any way; `limit` MAX_PROBLEMS |
//! | (q) | `gzip` of 2,000 tar members of 1,000 entries each, on stdin, no manifest | error (no image); peak RSS < 256 MB (entries kept within MAX_ENTRIES during the walk) |
//! | (n) | 60 images of 1,000 distinct tiny layers each (60,000 blobs) | finish fast: no work per blob that grows with the blobs; the CLI reads the file about once |
//!
//! (a), (b), (m) and (n) run the library in a child process (this test binary run
//! again for one test), so a stack overflow or a hang fails one test, not
//! the whole binary. (c)–(f), (l), (n), (o) and (q) run the `layercake` binary (the test profile's:
//! a debug build under plain `cargo test`) and read its peak RSS from
//! `wait4` (inflating, hashing and tar parsing build optimised even in the
//! dev profile, see Cargo.toml, so a debug build reads 4 GiB in seconds;
//! `LAYERCAKE_HOSTILE_MIB` sets the size of (d) and (e) for a quick run).
//! Every child is capped at 6 GiB of address space and killed after a
//! generous timeout, so a runaway case fails instead of taking the machine
//! down.

// the builders alone, without the fixture-corpus helpers of tests/common
#[path = "common/build.rs"]
mod build;

use std::io::{Cursor, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use layercake::digest::Digest;
use layercake::{dissect, dissect_stream, Dissection, Options, Problem, Quiet, Severity};
use serde_json::{json, Value};

use build::*;

/// Peak RSS allowed for a child reading a memory-hostile archive.
const RSS_LIMIT_KB: u64 = 256 * 1024;

// ------------------------------------------------------------------ helpers

fn seek_read(bytes: &[u8]) -> Dissection {
    dissect(Cursor::new(bytes), &Options::default(), &mut Quiet).expect("seekable read")
}

fn stream_read(bytes: &[u8]) -> Dissection {
    dissect_stream(
        bytes,
        Some(bytes.len() as u64),
        &Options::default(),
        &mut Quiet,
    )
    .expect("one-pass read")
}

/// Both ways of reading, labelled.
fn read_both(bytes: &[u8]) -> [(&'static str, Dissection); 2] {
    [("seek", seek_read(bytes)), ("stream", stream_read(bytes))]
}

fn problems(d: &Dissection) -> Vec<Problem> {
    d.report.all_problems()
}

fn show(ps: &[Problem]) -> String {
    ps.iter()
        .map(|p| format!("\n  [{}] {}", p.code, p.to_line()))
        .collect()
}

/// A problem with this code whose message names `needle` (or, for names,
/// whose entry is `needle`).
fn has(ps: &[Problem], code: &str, needle: &str) -> bool {
    ps.iter().any(|p| {
        p.code == code
            && (p.message.contains(needle) || p.location.entry.as_deref() == Some(needle))
    })
}

fn report_json(d: &Dissection) -> Value {
    serde_json::to_value(&d.report).expect("the report serialises")
}

/// Every problem of a report as JSON (archive, images, layers).
fn json_problems(r: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = r["problems"].as_array().cloned().unwrap_or_default();
    for img in r["images"].as_array().into_iter().flatten() {
        out.extend(img["problems"].as_array().cloned().unwrap_or_default());
        for l in img["layers"].as_array().into_iter().flatten() {
            out.extend(l["problems"].as_array().cloned().unwrap_or_default());
        }
    }
    out
}

fn json_has_limit(r: &Value, limit: &str) -> bool {
    json_problems(r)
        .iter()
        .any(|p| p["code"] == "limit" && p["message"].as_str().is_some_and(|m| m.contains(limit)))
}

fn json_codes(r: &Value) -> String {
    json_problems(r)
        .iter()
        .map(|p| format!("\n  [{}] {}", p["code"], p["message"]))
        .map(|s| s.chars().take(300).collect::<String>())
        .collect()
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("layercake-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// What a child process did.
struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    max_rss_kb: u64,
    /// Bytes it read through read(2) and the like (`rchar` of
    /// /proc/PID/io, read while it is a zombie); 0 where unknown.
    read_bytes: u64,
    secs: f64,
    /// The first 256 MB of standard output, and how many bytes it wrote.
    stdout: Vec<u8>,
    stdout_len: u64,
    stderr_tail: String,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit {:?}, signal {:?}{}, {:.1} s, peak RSS {} MB, {} MB read, {} bytes of output; stderr: {}",
            self.code,
            self.signal,
            if self.timed_out { " (timed out)" } else { "" },
            self.secs,
            self.max_rss_kb / 1024,
            self.read_bytes >> 20,
            self.stdout_len,
            self.stderr_tail
        )
    }

    fn json(&self) -> Option<Value> {
        (self.stdout.len() as u64 == self.stdout_len)
            .then(|| serde_json::from_slice(&self.stdout).ok())
            .flatten()
    }
}

type Feed = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

/// Runs `cmd` to the end (killed after `timeout`), feeding its standard
/// input from `feed`, and reads its peak RSS from `wait4`.
fn run_child(mut cmd: Command, feed: Option<Feed>, timeout: Duration) -> Outcome {
    use std::os::unix::process::CommandExt;
    cmd.stdin(if feed.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between
    // fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let cap = 6u64 << 30;
            let lim = libc::rlimit {
                rlim_cur: cap as libc::rlim_t,
                rlim_max: cap as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn the child");
    let pid = child.id() as libc::pid_t;
    let feeder = feed.map(|f| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            // a child that stops reading early closes the pipe: not an error here
            let _ = f(&mut stdin);
        })
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    if kept.len() < 256 << 20 {
                        kept.extend_from_slice(&buf[..n]);
                    }
                }
            }
        }
        (kept, total)
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        let s = String::from_utf8_lossy(&s).into_owned();
        let tail: String = s.chars().rev().take(2000).collect();
        tail.chars().rev().collect::<String>()
    });
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(timeout).is_err() {
            // SAFETY: pid is our child, not yet reaped (the waiter signals first)
            unsafe { libc::kill(pid, libc::SIGKILL) };
            true
        } else {
            false
        }
    });
    // once it has exited, and before it is reaped, what it read
    loop {
        // SAFETY: waitid on our own child into a local; WNOWAIT leaves it
        // to be reaped below
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "waitid: {e}");
    }
    let read_bytes = std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("rchar: ").and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0);
    let mut status = 0;
    // SAFETY: plain wait4 on our own child into locals
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
    }
    let secs = start.elapsed().as_secs_f64();
    let _ = done_tx.send(());
    let timed_out = watchdog.join().unwrap();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let (stdout, stdout_len) = reader.join().unwrap();
    let stderr_tail = err_reader.join().unwrap();
    // the std handle must not wait for a pid that is gone
    std::mem::forget(child);
    Outcome {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        timed_out,
        max_rss_kb: usage.ru_maxrss as u64,
        read_bytes,
        secs,
        stdout,
        stdout_len,
        stderr_tail,
    }
}

/// `layercake inspect --json FILE` (or `-` with `feed` on stdin).
fn inspect(file: &str, feed: Option<Feed>) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_layercake"));
    cmd.args(["inspect", "--json", file]);
    run_child(cmd, feed, Duration::from_secs(900))
}

fn assert_bounded(name: &str, o: &Outcome, codes: &[i32]) {
    eprintln!("{name}: {}", o.describe());
    assert!(
        o.code.is_some_and(|c| codes.contains(&c)),
        "{name}: should exit with one of {codes:?}; {}",
        o.describe()
    );
    assert!(
        o.max_rss_kb < RSS_LIMIT_KB,
        "{name}: peak RSS {} MB, should stay under {} MB; {}",
        o.max_rss_kb / 1024,
        RSS_LIMIT_KB / 1024,
        o.describe()
    );
}

const CHILD_ENV: &str = "LAYERCAKE_HOSTILE_CHILD";

/// Runs `body` in a child process (this test binary, filtered to `name`),
/// so a stack overflow or a hang fails this test alone. Returns false in
/// the parent after checking the child; the child runs `body`.
fn isolated(name: &str, timeout: Duration, body: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(name) {
        body();
        return;
    }
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, name);
    let o = run_child(cmd, None, timeout);
    let out = String::from_utf8_lossy(&o.stdout);
    let ran = out.contains("1 passed") || out.contains("1 failed");
    assert!(
        ran || o.timed_out || o.signal.is_some(),
        "{name}: the child ran no test: {out}"
    );
    assert!(
        !o.timed_out,
        "{name}: took longer than {} s (killed); {}",
        timeout.as_secs(),
        o.describe()
    );
    assert!(
        o.code == Some(0),
        "{name}: the child failed: {}\n{}",
        o.describe(),
        out.lines()
            .filter(|l| !l.starts_with("running") && !l.trim().is_empty())
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ------------------------------------------------------------ (a) index DAG

fn dag_case(depth: usize) {
    let archive = oci_nested(depth, 2);
    for (how, d) in read_both(&archive) {
        let ps = problems(&d);
        let images = &d.report.images;
        if depth < layercake::limits::MAX_INDEX_DEPTH {
            assert_eq!(images.len(), 1, "{how}: one image{}", show(&ps));
        } else {
            // deeper than the limit: the image, or a limit that says why not
            assert!(
                images.len() == 1 || has(&ps, "limit", "MAX_INDEX_DEPTH"),
                "{how}: {} images and no MAX_INDEX_DEPTH limit{}",
                images.len(),
                show(&ps)
            );
            assert!(images.len() <= 1, "{how}: {} images", images.len());
        }
        if let Some(img) = images.first() {
            assert_eq!(img.tags, ["nested:1"], "{how}");
            assert_eq!(img.layers.len(), 1, "{how}");
        }
        serde_json::to_string(&d.report).unwrap();
    }
}

/// 30 nested indexes (within MAX_INDEX_DEPTH), each listing the next twice:
/// 2^30 paths through 30 distinct indexes; the DAG is walked once.
#[test]
fn a_index_dag_fan_out_is_walked_once() {
    isolated(
        "a_index_dag_fan_out_is_walked_once",
        Duration::from_secs(30),
        || dag_case(30),
    );
}

/// The same 40 deep, as in the issue: fast, and one image (or, past
/// MAX_INDEX_DEPTH = 32, a `limit` problem naming it and no duplicates).
#[test]
fn a_index_dag_40_deep_finishes_fast() {
    isolated(
        "a_index_dag_40_deep_finishes_fast",
        Duration::from_secs(30),
        || dag_case(40),
    );
}

// ---------------------------------------------------------- (b) index chain

#[test]
fn b_index_chain_of_20000_is_a_depth_limit_not_a_stack_overflow() {
    let name = "b_index_chain_of_20000_is_a_depth_limit_not_a_stack_overflow";
    isolated(name, Duration::from_secs(300), || {
        let archive = oci_index_chain(20_000);
        for (how, d) in read_both(&archive) {
            let ps = problems(&d);
            assert!(
                has(&ps, "limit", "MAX_INDEX_DEPTH"),
                "{how}: a limit problem naming MAX_INDEX_DEPTH{}",
                show(&ps)
            );
            assert!(
                d.report.images.is_empty(),
                "{how}: the image lies past the limit"
            );
            serde_json::to_string(&d.report).unwrap();
        }
    });
}

// ---------------------------------------------------- (c) deep PAX paths

#[test]
fn c_pax_paths_of_32768_components_stay_within_memory() {
    let path = temp_file("c.tar", &docker_deep_paths(4, 32_768));
    let o = inspect(path.to_str().unwrap(), None);
    assert_bounded("c", &o, &[1]);
    let r = o.json().expect("the JSON report");
    assert!(
        json_has_limit(&r, "MAX_PATH_BYTES") || json_has_limit(&r, "MAX_PATH_COMPONENTS"),
        "c: a limit problem naming MAX_PATH_BYTES or MAX_PATH_COMPONENTS{}",
        json_codes(&r)
    );
    assert_eq!(r["images"].as_array().map(Vec::len), Some(1));
}

// ------------------------------------------------- (d) 4 GiB of padding

/// `full` bytes, or `LAYERCAKE_HOSTILE_MIB` MiB.
fn big(full: u64) -> u64 {
    match std::env::var("LAYERCAKE_HOSTILE_MIB") {
        Ok(v) => v.parse::<u64>().expect("LAYERCAKE_HOSTILE_MIB is a number") << 20,
        Err(_) => full,
    }
}

#[test]
fn d_gzip_archive_with_gigabytes_of_padding_before_manifest_json() {
    let pad = big(4 << 30);
    let feed: Feed = Box::new(move |w| {
        let mut gz = padded_gzip_docker_save(pad);
        std::io::copy(&mut gz, w).map(|_| ())
    });
    let o = inspect("-", Some(feed));
    assert_bounded("d", &o, &[0, 1]);
    let r = o.json().expect("the JSON report");
    assert_eq!(
        r["images"][0]["tags"],
        json!(["padded:1"]),
        "d{}",
        json_codes(&r)
    );
    assert_eq!(r["images"].as_array().map(Vec::len), Some(1));
    // the padding is hashed as it goes by, or kept up to MAX_KEPT_BYTES
    // (then a limit problem says so); either way, never held whole
    let layer = &r["images"][0]["layers"][0];
    assert_eq!(layer["entries"], json!(1), "d: the layer is read");
}

// ----------------------------------------------- (e) a 1 GiB PAX header

#[test]
fn e_gzip_layer_whose_first_member_is_a_1_gib_pax_header() {
    let path = temp_file("e.tar", &docker_huge_pax(big(1 << 30)));
    let o = inspect(path.to_str().unwrap(), None);
    assert_bounded("e", &o, &[1]);
    let r = o.json().expect("the JSON report");
    assert!(
        json_has_limit(&r, "MAX_HEADER_RECORD_BYTES"),
        "e: a limit problem naming MAX_HEADER_RECORD_BYTES{}",
        json_codes(&r)
    );
    // the member after the record is still read
    let entries = &r["images"][0]["layers"][0]["entries"];
    assert!(
        entries.as_u64().is_some_and(|n| n >= 1),
        "e: entries {entries}"
    );
}

// ---------------------------------------- (f) 3,000 entries, one config

#[test]
fn f_manifest_of_3000_entries_naming_one_4_mib_config() {
    let path = temp_file("f.tar", &docker_many_entries_one_config(3_000, 4 << 20));
    let o = inspect(path.to_str().unwrap(), None);
    assert_bounded("f", &o, &[0, 1]);
}

// ------------------------------------------------------- (g) unsafe names

#[test]
fn g_unsafe_names_are_warnings_that_carry_the_raw_name() {
    let layer = Tar::new()
        .file("../../etc/passwd", b"root::0:0::/:/bin/sh\n")
        .file("/abs/file", b"abs\n")
        .file("a/../../b", b"b\n")
        .symlink("evil", "/etc")
        .file("evil/passwd", b"through the link\n")
        .file("fine/file", b"ok\n")
        .finish();
    let real = DockerImage::of(vec![layer], "real:1");
    let decoy = DockerImage::of(vec![Tar::new().file("decoy", b"x").finish()], "decoy:1");
    // the decoy's members, then the real image, then the decoy manifest last
    // (where a "last wins" rule would let it replace manifest.json)
    let decoy_manifest = to_json(&json!([decoy.entry()]));
    let archive = docker_save(&[real])
        .file(decoy.layer_path(0), &decoy.layers[0])
        .file(config_path(&decoy.config), &decoy.config)
        .file("../manifest.json", &decoy_manifest)
        .finish();
    for (how, d) in read_both(&archive) {
        let ps = problems(&d);
        for name in [
            "../../etc/passwd",
            "/abs/file",
            "a/../../b",
            "evil/passwd",
            "../manifest.json",
        ] {
            let p = ps.iter().find(|p| {
                p.code == "unsafe_name"
                    && (p.message.contains(name) || p.location.entry.as_deref() == Some(name))
            });
            let p = p.unwrap_or_else(|| panic!("{how}: no unsafe_name for {name}{}", show(&ps)));
            assert_eq!(p.severity, Severity::Warning, "{how}: {name}");
        }
        assert!(
            !ps.iter()
                .any(|p| p.code == "unsafe_name" && p.message.contains("fine/file")),
            "{how}: fine/file is safe{}",
            show(&ps)
        );
        let tags: Vec<&Vec<String>> = d.report.images.iter().map(|i| &i.tags).collect();
        assert_eq!(
            tags,
            [&vec!["real:1".to_string()]],
            "{how}: the decoy must not stand for manifest.json"
        );
    }
}

// ------------------------------------------------------ (h) missing layer

#[test]
fn h_missing_layer_leaves_the_image_unverified_with_unknown_counts() {
    let present = Tar::new().file("here.txt", b"here\n").finish();
    let absent = Tar::new().file("gone.txt", b"gone\n").finish();
    let img = DockerImage::of(vec![present.clone(), absent], "missing:1");
    let gone = img.layer_path(1);
    let archive = Tar::new()
        .file(img.layer_path(0), &present)
        .file(config_path(&img.config), &img.config)
        .file("manifest.json", &to_json(&json!([img.entry()])))
        .finish();
    for (how, d) in read_both(&archive) {
        let ps = problems(&d);
        assert_eq!(d.report.images.len(), 1, "{how}");
        let image = &d.report.images[0];
        assert_ne!(
            image.verified,
            Some(true),
            "{how}: a missing layer is not verified"
        );
        assert!(
            has(&ps, "missing", &gone),
            "{how}: missing {gone}{}",
            show(&ps)
        );
        let r = report_json(&d);
        let l = &r["images"][0]["layers"];
        assert_eq!(l[0]["entries"], json!(1), "{how}");
        assert_eq!(
            l[1]["entries"],
            Value::Null,
            "{how}: entries of a missing layer"
        );
        assert!(
            l[1].get("counts").is_none_or(Value::is_null),
            "{how}: counts of a missing layer: {}",
            l[1]["counts"]
        );
        assert_ne!(l[1]["verified"], json!(true), "{how}");
    }
}

// ---------------------------------------------------- (i) truncated layer

#[test]
fn i_gzip_archive_cut_mid_layer_keeps_the_entries_read() {
    let mut t = Tar::new();
    for i in 0..40 {
        t = t.file(format!("data/f{i:02}"), &noise(50_000, i + 1));
    }
    let layer = t.finish();
    let img = DockerImage::of(vec![layer], "cut:1");
    // manifest and config first, so the image is known before the layer
    let whole = Tar::new()
        .file(config_path(&img.config), &img.config)
        .file("manifest.json", &to_json(&json!([img.entry()])))
        .file(img.layer_path(0), &img.layers[0])
        .finish();
    let gz = gzip_fast(&whole);
    let cut = &gz[..gz.len() * 6 / 10];
    for (how, d) in read_both(cut) {
        let ps = problems(&d);
        assert!(
            ps.iter().any(|p| p.code == "truncated"),
            "{how}: a truncated problem{}",
            show(&ps)
        );
        assert_eq!(d.report.images.len(), 1, "{how}{}", show(&ps));
        let kept = d.layer_entries(0).first().map_or(0, |e| e.len());
        assert!(
            kept > 0 && kept < 40,
            "{how}: entries read before the cut are kept ({kept}){}",
            show(&ps)
        );
        let mut out = Vec::new();
        d.tree(0).write_listing(&mut out).unwrap();
        assert!(!out.is_empty(), "{how}: the listing shows them");
        serde_json::to_string(&d.report).unwrap();
    }
}

// ------------------------------------------------- (j) unparseable config

/// A docker save whose config is `config` as is: the image is still found,
/// its ID is the sha256 of the raw bytes, and a bad_json problem says why.
fn check_bad_config(config: Vec<u8>, why: &str) {
    let want = sha(&config);
    let img = DockerImage {
        config,
        layers: vec![Tar::new().file("x", b"x").finish()],
        tags: vec!["badcfg:1".into()],
    };
    let archive = docker_save(&[img]).finish();
    for (how, d) in read_both(&archive) {
        let ps = problems(&d);
        assert_eq!(d.report.images.len(), 1, "{why}, {how}{}", show(&ps));
        let got: Option<&Digest> = d.report.images[0].config_digest.as_ref();
        assert_eq!(
            got,
            Some(&want),
            "{why}, {how}: the digest of the raw bytes"
        );
        assert!(
            ps.iter().any(|p| p.code == "bad_json"),
            "{why}, {how}: a bad_json problem{}",
            show(&ps)
        );
        serde_json::to_string(&d.report).unwrap();
    }
}

#[test]
fn j_config_of_invalid_utf8_keeps_its_digest_and_says_bad_json() {
    let mut config = br#"{"architecture":"amd64","os":"linux","config":{"Cmd":[""#.to_vec();
    config.extend_from_slice(b"\xff\xfe\xc3");
    config.extend_from_slice(br#""]},"rootfs":{"type":"layers","diff_ids":[]}}"#);
    check_bad_config(config, "invalid UTF-8");
}

#[test]
fn j_config_nested_deeper_than_128_keeps_its_digest_and_says_bad_json() {
    let mut config = br#"{"architecture":"amd64","os":"linux","x":"#.to_vec();
    config.extend(std::iter::repeat_n(b'[', 200));
    config.extend(std::iter::repeat_n(b']', 200));
    config.push(b'}');
    check_bad_config(config, "nesting 200 deep");
}

// ------------------------------------------------- fuzz regressions

/// Found by tests/fuzz.rs (seeds 1795992270960696, 1795992270963280,
/// 1795992270965814, 1795992270967822 for gzip; 1795992270960687 for zstd,
/// base 1795992270960649): a whole-archive gzip or zstd stream damaged in
/// its first block is `Error::Read` ("cannot read the archive at offset 0:
/// corrupt deflate stream"), though the source itself read fine. It should
/// be `NotAnImage` (a gzip stream holding unreadable data) or a report
/// with a problem, as for every other damaged archive in memory.
#[test]
fn k_compressed_archive_damaged_in_its_first_block_is_not_a_read_error() {
    let tar = small_docker_tail("k:1");
    let gz = gzip_fast(&tar);
    let zst = zstd(&tar);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    // gzip: a corrupt deflate block, a cut inside the first block, a bad header
    let mut bad = gz.clone();
    bad[10..30].fill(0xff);
    cases.push(("gzip, corrupt deflate", bad));
    cases.push(("gzip, cut at 24 bytes", gz[..24].to_vec()));
    let mut hdr = gz.clone();
    hdr[3] = 0xe0; // reserved flag bits
    cases.push(("gzip, invalid header", hdr));
    let mut z = zst.clone();
    let mid = (z.len() / 4).max(8);
    z[mid - 2..mid + 6].fill(0xff);
    cases.push(("zstd, corrupt block", z));
    for (what, bytes) in cases {
        for (how, r) in [
            (
                "seek",
                dissect(Cursor::new(&bytes), &Options::default(), &mut Quiet),
            ),
            (
                "stream",
                dissect_stream(
                    &bytes[..],
                    Some(bytes.len() as u64),
                    &Options::default(),
                    &mut Quiet,
                ),
            ),
        ] {
            match r {
                Ok(d) => serde_json::to_string(&d.report).map(|_| ()).unwrap(),
                Err(layercake::Error::NotAnImage { found }) => assert!(!found.is_empty()),
                Err(e) => panic!("{what}, {how}: a read error for bytes in memory: {e}"),
            }
        }
    }
}

// ------------------------------------------------- (l) report files

/// A report file of the sample whose first layer lists 3.5 million entry
/// rows (about 120 MB of JSON, within MAX_REPORT_BYTES), fed gzipped on
/// standard input: parsed as it streams in, MAX_ENTRIES of them kept, a
/// `limit` problem for the rest, and the peak RSS stays bounded.
#[test]
fn l_a_report_of_millions_of_rows_keeps_max_entries_in_bounded_memory() {
    let sample = layercake::sample::build();
    let d = dissect(Cursor::new(&sample), &Options::default(), &mut Quiet).unwrap();
    let report = serde_json::to_string(&d.report).unwrap();
    let blobs = d.blobs.len();
    let feed: Feed = Box::new(move |w: &mut dyn Write| {
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        write!(
            gz,
            r#"{{"layercake_report":1,"by":"hostile","at":"t","report":{report},"blobs":["#
        )?;
        for b in 0..blobs {
            if b > 0 {
                gz.write_all(b",")?;
            }
            gz.write_all(br#"{"path":"p","offset":0,"size":0,"facts":null,"entries":["#)?;
            if b == 0 {
                let mut chunk = String::with_capacity(1 << 20);
                for i in 0..3_500_000u32 {
                    if i > 0 {
                        chunk.push(',');
                    }
                    chunk.push_str(&format!(r#"["d/f{i:07}","f",420,0,0,0,0,null]"#));
                    if chunk.len() > (1 << 20) - 64 {
                        gz.write_all(chunk.as_bytes())?;
                        chunk.clear();
                    }
                }
                gz.write_all(chunk.as_bytes())?;
            }
            gz.write_all(b"]}")?;
        }
        gz.write_all(br#"],"files":[]}"#)?;
        gz.finish()?;
        Ok(())
    });
    let o = inspect("-", Some(feed));
    assert_bounded("a report of 3.5M rows", &o, &[1]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["recorded"]["by"], "hostile");
    let limits: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] == "limit")
        .filter_map(|p| p["message"].as_str())
        .collect();
    assert!(
        limits
            .iter()
            .any(|m| m.contains("MAX_ENTRIES") && m.contains("3000000 past")),
        "{limits:?}"
    );
}

// ------------------------------------- (m) many tiny members, one pass

/// A one-pass walk hands each tar member on in pieces; a piece buffer sized
/// for a big layer (RELAY_PIECE) must not be cleared for every tiny member
/// (it was: 60,000 members cost 240 GB of zeroing, minutes in a debug
/// build, where this reads in seconds).
#[test]
fn m_one_pass_read_of_60000_tiny_tar_members_finishes_fast() {
    let name = "m_one_pass_read_of_60000_tiny_tar_members_finishes_fast";
    isolated(name, Duration::from_secs(60), || {
        let archive = docker_many_tiny_members(60_000);
        let d = stream_read(&archive);
        assert_eq!(d.report.images.len(), 1, "{}", show(&problems(&d)));
        assert_eq!(d.report.images[0].tags, ["tiny:1"]);
        assert_eq!(d.report.images[0].layers[0].entries, Some(1));
    });
}

// ------------------------------------------ (n) many images of many layers

/// 60,000 blobs: each blob's expected digest was found by a walk of every
/// layer of every image, and each blob gathered counted every blob's
/// entries (both quadratic: minutes in a debug build).
#[test]
fn n_60_images_of_1000_tiny_layers_read_fast_both_ways() {
    let name = "n_60_images_of_1000_tiny_layers_read_fast_both_ways";
    isolated(name, Duration::from_secs(60), || {
        let archive = docker_many_tiny_layers(60, 1000);
        for (how, d) in read_both(&archive) {
            assert_eq!(d.report.images.len(), 60, "{how}{}", show(&problems(&d)));
            for img in &d.report.images {
                assert!(img.layers.iter().all(|l| l.entries == Some(1)), "{how}");
                assert_eq!(img.verified, Some(true), "{how}: {:?}", img.tags);
            }
        }
        // as the CLI reads it: two shares, each its own reader, gathered
        let share = |index| Options {
            share: Some(layercake::Share { index, of: 2 }),
            ..Options::default()
        };
        let other = dissect(Cursor::new(&archive[..]), &share(1), &mut Quiet).unwrap();
        let mut d = dissect(Cursor::new(&archive[..]), &share(0), &mut Quiet).unwrap();
        assert_eq!(
            d.gather([other]),
            0,
            "every blob read by one share or the other"
        );
        let d = d.finish(&Options::default(), &mut Quiet);
        assert_eq!(d.report.images.len(), 60);
        assert!(d.report.images.iter().all(|i| i.verified == Some(true)));
    });
}

/// The CLI reads a seekable archive of 60,000 tiny layers a few times at
/// most: once per share (a thread) to walk its headers, and about once
/// more for the blobs the shares read between them, since a seek within
/// what a share has buffered keeps the buffer. (A `BufReader` of 1 MiB,
/// dropped at every seek, read this file over 1,000 times: 126 GB.)
#[test]
fn n_the_cli_reads_an_archive_of_many_tiny_layers_a_few_times_at_most() {
    let file = temp_file("n-many-tiny-layers.tar", &docker_many_tiny_layers(60, 1000));
    let o = inspect(file.to_str().unwrap(), None);
    // (memory grows with the layers here, as the report does: not a bound
    // this case checks)
    eprintln!("n: {}", o.describe());
    assert_eq!(o.code, Some(0), "n: {}", o.describe());
    let size = std::fs::metadata(&file).unwrap().len();
    let shares = std::thread::available_parallelism().map_or(1, |n| n.get().min(8)) as u64;
    assert!(
        o.read_bytes <= (2 * shares + 1) * size,
        "n: read {} bytes of a {size}-byte file; {}",
        o.read_bytes,
        o.describe()
    );
    let r = o.json().expect("the JSON report");
    assert_eq!(r["images"].as_array().map(Vec::len), Some(60));
}

// ------------------------------------- (o) a million unsafe names

/// Every entry of a layer can be a problem (an unsafe name): a layer of
/// 1,000,000 of them, 7 MB gzipped, listed them all (about 500 MB of
/// problems, and as much JSON); at most MAX_LAYER_PROBLEMS are listed,
/// and one more says how many were found.
#[test]
fn o_a_layer_of_a_million_unsafe_names_lists_max_layer_problems() {
    let file = temp_file("o-unsafe-names.tar", &docker_unsafe_names(1_000_000));
    let o = inspect(file.to_str().unwrap(), None);
    assert_bounded("o", &o, &[1]);
    let r = o.json().expect("the JSON report");
    let layer = &r["images"][0]["layers"][0];
    assert_eq!(layer["entries"], json!(1_000_000), "o: every entry counted");
    let problems = layer["problems"].as_array().expect("the layer's problems");
    let unsafe_names = problems
        .iter()
        .filter(|p| p["code"] == "unsafe_name")
        .count();
    assert_eq!(unsafe_names, layercake::limits::MAX_LAYER_PROBLEMS);
    let limit: Vec<&Value> = problems
        .iter()
        .filter(|p| {
            p["message"]
                .as_str()
                .is_some_and(|m| m.contains("MAX_LAYER_PROBLEMS"))
        })
        .collect();
    assert_eq!(limit.len(), 1, "o: {}", json_codes(&r));
    assert!(
        limit[0]["message"]
            .as_str()
            .unwrap()
            .contains("999000 more found"),
        "o: {}",
        limit[0]
    );
}

/// The same for the merged filesystem: 1,500 writes through a symlink to
/// `/` list MAX_LAYER_PROBLEMS, and one more problem counts the rest.
#[test]
fn o_writes_through_a_symlink_past_max_layer_problems_are_counted() {
    let mut t = Tar::new();
    for i in 0..1500 {
        t = t.symlink(format!("s{i}"), "/").file(format!("s{i}/x"), b"");
    }
    let archive = docker_single(vec![t.finish()], "through:1");
    let d = seek_read(&archive);
    let tree = d.tree(0);
    let through = tree
        .problems
        .iter()
        .filter(|p| p.message.contains("through a symlink"))
        .count();
    assert_eq!(through, layercake::limits::MAX_LAYER_PROBLEMS);
    assert!(
        has(&tree.problems, "limit", "MAX_LAYER_PROBLEMS"),
        "{}",
        show(&tree.problems)
    );
    assert!(has(&tree.problems, "limit", "500 more found"));
}

// ------------------------------- (p) problems across many layers

/// MAX_LAYER_PROBLEMS bounds one layer; many layers of many problems are
/// bounded by MAX_PROBLEMS in all, whichever way the archive is read.
#[test]
fn p_many_layers_of_unsafe_names_list_at_most_max_problems() {
    use layercake::limits::{MAX_LAYER_PROBLEMS, MAX_PROBLEMS};
    let archive = docker_layers_of_unsafe_names(20, 1500);
    let gz = gzip_fast(&archive);
    let reads = [
        ("seek", seek_read(&archive)),
        ("stream", stream_read(&archive)),
        ("stream gz", stream_read(&gz)),
    ];
    for (how, d) in reads {
        assert_eq!(d.report.images[0].layers.len(), 20, "{how}");
        let listed: usize = d
            .blobs
            .iter()
            .filter_map(|b| b.facts.as_ref())
            .map(|f| {
                f.problems
                    .iter()
                    .filter(|p| p.code == "unsafe_name")
                    .count()
            })
            .sum();
        assert!(
            (MAX_PROBLEMS - 2 * MAX_LAYER_PROBLEMS..=MAX_PROBLEMS).contains(&listed),
            "{how}: {listed} unsafe names listed"
        );
        let layers = &d.report.images[0].layers;
        let cut = layers
            .iter()
            .filter(|l| has(&l.problems, "limit", "MAX_PROBLEMS"))
            .count();
        assert!(cut >= 10, "{how}: {cut} layers say MAX_PROBLEMS");
        assert!(
            layers.iter().all(|l| l.entries == Some(1500)),
            "{how}: every entry counted"
        );
    }
}

// ------------------------- (q) entries of members, one pass, unnamed yet

/// A one-pass read walks every tar member before the manifest says which
/// are layers, and holds what it found until the end: 2,000 members of
/// 1,000 entries each (1 GB inflated, 19 MB gzipped) held 2,000,000
/// entries (about 320 MB; 637 MB for 4,000). They are kept within
/// MAX_ENTRIES, as a seekable read keeps its layers'.
#[test]
fn q_one_pass_members_of_many_entries_are_kept_within_max_entries() {
    let feed: Feed = Box::new(|w| {
        let mut inner = Tar::new();
        for i in 0..1000 {
            let name = format!("dir/file-with-a-longish-name-{i:06}");
            inner = inner.put(
                member_header(name.as_bytes(), tar::EntryType::Regular, 0),
                b"",
            );
        }
        let inner = inner.finish();
        let mut gz = flate2::write::GzEncoder::new(w, flate2::Compression::fast());
        for m in 0..2000 {
            let h = member_header(
                format!("m{m:05}/layer.tar").as_bytes(),
                tar::EntryType::Regular,
                inner.len() as u64,
            );
            gz.write_all(h.as_bytes())?;
            gz.write_all(&inner)?;
        }
        gz.write_all(&[0u8; 1024])?;
        gz.finish().map(|_| ())
    });
    let o = inspect("-", Some(feed));
    // no manifest: no image, said as such, within memory
    assert_bounded("q", &o, &[2]);
}
