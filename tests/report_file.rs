//! Report files: a report of every fixture reads back as the archive it
//! came from (`inspect --json` equal but for the `recorded` field, `ls`
//! equal for every image and layer, and equal to the oracle trees), its
//! chosen files are held and others say they are not, and a hostile
//! report is a typed error or a limit problem, never a panic.

mod common;

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::Command;

use layercake::message::{Answer, Query, View};
use layercake::session::Session;
use layercake::{
    dissect, report_version, write_report_file, Dissection, Error, Options, Quiet, RecordedFiles,
};
use serde_json::Value;

fn layercake(args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_layercake"))
        .args(args)
        .output()
        .expect("run layercake");
    (out.status.code(), out.stdout)
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("layercake-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn image_fixtures(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for sub in ["upstream", "built"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            let name = p.to_string_lossy();
            if name.contains(".tar") && !name.ends_with(".txt") {
                all.push(p);
            }
        }
    }
    all.sort();
    all
}

#[test]
fn a_report_of_every_fixture_reads_back_as_its_archive() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let mut checked = 0;
    for path in image_fixtures(&dir) {
        let file = path.to_string_lossy().into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (code, archive_json) = layercake(&["inspect", "--json", &file]);
        if code == Some(2) {
            // not an image archive: no report either
            let (code, _) = layercake(&["report", "-o", &tmp("none.gz"), &file]);
            assert_eq!(code, Some(2), "{name}");
            continue;
        }
        let report = tmp(&format!("{name}.layercake.json.gz"));
        let (rcode, _) = layercake(&["report", "-o", &report, &file]);
        assert_eq!(rcode, code, "{name}: report exit status");
        let bytes = std::fs::read(&report).unwrap();
        assert_eq!(report_version(&gunzip(&bytes)), Some(1), "{name}");
        let (code2, report_json) = layercake(&["inspect", "--json", &report]);
        assert_eq!(code2, code, "{name}: exit status of inspect on the report");
        let want: Value = serde_json::from_slice(&archive_json).unwrap();
        let mut got: Value = serde_json::from_slice(&report_json).unwrap();
        let rec = got.as_object_mut().unwrap().remove("recorded");
        let rec = rec.unwrap_or_else(|| panic!("{name}: no `recorded` field"));
        assert!(
            rec["by"].as_str().unwrap().starts_with("layercake "),
            "{name}"
        );
        assert_eq!(rec["files"], 0, "{name}");
        assert!(got == want, "{name}: inspect --json of the report differs");
        // the text summary says it is a report, and is otherwise the same
        let (_, text_a) = layercake(&["inspect", &file]);
        let (_, text_r) = layercake(&["inspect", &report]);
        let text_r = String::from_utf8_lossy(&text_r);
        assert!(text_r.contains("as recorded on"), "{name}");
        let drop_first = |t: &str| {
            t.lines()
                .skip(1)
                .filter(|l| !l.starts_with("a report, as recorded"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            drop_first(&text_r),
            drop_first(&String::from_utf8_lossy(&text_a)),
            "{name}: text differs"
        );
        // ls of every image and every layer
        for (i, img) in want["images"].as_array().unwrap().iter().enumerate() {
            if img["artifact_type"].is_string() {
                continue;
            }
            let i = i.to_string();
            let mut runs = vec![vec!["ls".to_string(), "--image".into(), i.clone()]];
            for l in 0..img["layers"].as_array().unwrap().len() {
                runs.push(vec![
                    "ls".into(),
                    "--image".into(),
                    i.clone(),
                    "--layer".into(),
                    l.to_string(),
                ]);
            }
            for args in runs {
                let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
                a.push(&file);
                let from_archive = layercake(&a);
                *a.last_mut().unwrap() = &report;
                let from_report = layercake(&a);
                assert!(
                    from_archive == from_report,
                    "{name}: {args:?} differs on the report"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} fixtures were images");
}

#[test]
fn ls_of_a_report_equals_the_oracles() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    for oracle in common::oracle_files(&dir) {
        let name = oracle.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".tree.txt");
        let (file, platform) = match stem.rsplit_once(".tar.") {
            Some((f, rest)) if !rest.contains('.') && rest != "gz" => {
                (format!("{f}.tar"), Some(format!("linux/{rest}")))
            }
            _ => (stem.to_string(), None),
        };
        let path = common::fixture_path(&dir, &file)
            .to_string_lossy()
            .into_owned();
        let report = tmp(&format!("{name}.oracle.layercake.json.gz"));
        layercake(&["report", "-o", &report, &path]);
        let mut args = vec!["ls"];
        if let Some(p) = &platform {
            args.extend(["--platform", p]);
        }
        args.push(&report);
        let (_, out) = layercake(&args);
        let want: Vec<String> = std::fs::read(&oracle)
            .map(|b| {
                b.split(|&c| c == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        let f: Vec<&[u8]> = l.splitn(6, |&c| c == b' ').collect();
                        String::from_utf8_lossy(&[f[0], f[1], f[2], f[3], f[5]].join(&b' '))
                            .into_owned()
                    })
                    .collect()
            })
            .unwrap();
        let got: Vec<String> = out
            .split(|&c| c == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        assert!(
            got == want,
            "{name}: ls of the report differs from the oracle"
        );
    }
}

fn bb(dir: &Path) -> String {
    common::fixture_path(dir, "built__bb-docker.tar")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn chosen_files_are_held_and_others_say_they_are_not() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let report = tmp("bb-files.layercake.json.gz");
    let (code, _) = layercake(&[
        "report",
        "--include",
        "app/hello*.txt",
        "--include",
        "/etc/app.d/**",
        "--max-file-bytes",
        "1k",
        "-o",
        &report,
        &bb(&dir),
    ]);
    assert_eq!(code, Some(0));
    let bytes = std::fs::read(&report).unwrap();
    let d = dissect(Cursor::new(bytes), &Options::default(), &mut Quiet).unwrap();
    let rec = d.report.recorded.clone().unwrap();
    // hello.txt twice (layers 1 and 6), hello-hardlink is a hardlink, and
    // /etc/app.d's main, extra and only.conf
    assert_eq!(rec.files, 5, "{rec:?}");
    let mut s = Session::new(d);
    let view = View {
        image: 0,
        layer: None,
    };
    let read = |s: &mut Session, path: &str| {
        s.answer(
            &Query::Read {
                view,
                path: path.into(),
                limit: u64::MAX,
            },
            &mut Cursor::new(Vec::new()),
            &mut |_| {},
        )
    };
    // the merged tree shows layer 6's hello.txt
    assert_eq!(
        read(&mut s, "app/hello.txt"),
        Answer::Contents {
            size: 9,
            bytes: b"hello v2\n".to_vec()
        }
    );
    assert_eq!(
        read(&mut s, "etc/app.d/only.conf"),
        Answer::Contents {
            size: 5,
            bytes: b"only\n".to_vec()
        }
    );
    assert_eq!(
        read(&mut s, "app/data/keep.txt"),
        Answer::NotInReport {
            path: "app/data/keep.txt".into()
        }
    );
    let mut chunks = Vec::new();
    let last = s.answer(
        &Query::Download {
            view,
            path: "app/hello.txt".into(),
        },
        &mut Cursor::new(Vec::new()),
        &mut |a| chunks.push(a),
    );
    assert_eq!(last, Answer::Downloaded { size: 9 });
    assert_eq!(
        chunks,
        [Answer::Chunk {
            bytes: b"hello v2\n".to_vec()
        }]
    );
    // a report of the report keeps them
    let again = tmp("bb-files-again.layercake.json.gz");
    layercake(&["report", "-o", &again, &report]);
    let d = dissect(
        Cursor::new(std::fs::read(&again).unwrap()),
        &Options::default(),
        &mut Quiet,
    )
    .unwrap();
    assert_eq!(d.report.recorded.unwrap(), rec);
}

fn bb_dissection(dir: &Path) -> Dissection {
    let f = std::fs::File::open(bb(dir)).unwrap();
    dissect(f, &Options::default(), &mut Quiet).unwrap()
}

fn report_json(d: &Dissection) -> Value {
    let gz = write_report_file(
        d,
        &RecordedFiles::default(),
        "2026-01-01T00:00:00Z",
        Vec::new(),
    )
    .unwrap();
    serde_json::from_slice(&gunzip(&gz)).unwrap()
}

/// The report's JSON text, `layercake_report` first (serde_json's maps
/// sort their keys).
fn report_text(v: &Value) -> Vec<u8> {
    let mut rest = v.clone();
    let version = rest.as_object_mut().unwrap().remove("layercake_report");
    let rest = serde_json::to_string(&rest).unwrap();
    let version = serde_json::to_string(&version).unwrap();
    format!("{{\"layercake_report\":{version},{}", &rest[1..]).into_bytes()
}

fn read_json(v: &Value) -> Result<Dissection, Error> {
    let bytes = gzip(&report_text(v));
    dissect(Cursor::new(bytes), &Options::default(), &mut Quiet)
}

#[test]
fn a_report_that_does_not_fit_together_is_a_typed_error() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let good = report_json(&bb_dissection(&dir));
    assert!(read_json(&good).is_ok());
    // plain JSON, not gzip, is a report too
    let plain = report_text(&good);
    assert!(dissect(Cursor::new(plain), &Options::default(), &mut Quiet).is_ok());

    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "a newer version",
            Box::new(|v| v["layercake_report"] = 2.into()),
        ),
        (
            "a blob it lacks",
            Box::new(|v| v["report"]["images"][0]["layers"][0]["blob"] = 99.into()),
        ),
        (
            "a history layer it lacks",
            Box::new(|v| v["report"]["images"][0]["history"][0]["layer"] = 99.into()),
        ),
        (
            "an entry type",
            Box::new(|v| v["blobs"][0]["entries"][0][1] = "z".into()),
        ),
        (
            "an entry row",
            Box::new(|v| v["blobs"][0]["entries"][0] = Value::from(vec![1, 2])),
        ),
        (
            "no report",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("report");
            }),
        ),
    ];
    for (what, change) in cases {
        let mut v = good.clone();
        change(&mut v);
        match read_json(&v) {
            Err(Error::BadReport { detail }) => assert!(!detail.is_empty(), "{what}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    // a file naming an entry that is not there is left out, quietly
    let mut v = good.clone();
    v["files"] = serde_json::json!([{"blob": 0, "entry": 999999, "path": "x", "data": "x"}]);
    assert_eq!(read_json(&v).unwrap().recorded.unwrap().len(), 0);
}

#[test]
fn a_report_past_its_limits_keeps_what_fits_and_says_so() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let good = report_json(&bb_dissection(&dir));
    // a path past MAX_PATH_BYTES: that entry is left out
    let mut v = good.clone();
    let before = v["blobs"][1]["entries"].as_array().unwrap().len();
    v["blobs"][1]["entries"][0][0] = "a".repeat(layercake::limits::MAX_PATH_BYTES + 1).into();
    let d = read_json(&v).unwrap();
    assert_eq!(d.blobs[1].entries.len(), before - 1);
    assert!(d
        .report
        .problems
        .iter()
        .any(|p| p.code == "limit" && p.message.contains("MAX_PATH_BYTES")));
    let mut v = good;
    // more entries than MAX_LAYER_ENTRIES in one blob, as short rows
    let row = serde_json::json!(["f", "f", 420, 0, 0, 0, 0, null]);
    let kept = layercake::limits::MAX_ENTRIES.min(layercake::limits::MAX_LAYER_ENTRIES);
    let n = kept + 5;
    v["blobs"][0]["entries"] = Value::Array(vec![row; n]);
    let d = read_json(&v).unwrap();
    assert_eq!(d.blobs[0].entries.len(), kept);
    // the entries of the other blobs are past the budget too
    assert!(d.blobs[2].entries.is_empty());
    let limits: Vec<&str> = d
        .report
        .problems
        .iter()
        .filter(|p| p.code == "limit")
        .map(|p| p.message.as_str())
        .collect();
    assert!(
        limits.iter().any(|m| m.contains("MAX_ENTRIES")),
        "{limits:?}"
    );
    // the trees still build
    let _ = d.tree(0);
}

#[test]
fn a_report_that_inflates_past_max_report_bytes_is_refused() {
    // a gzip stream of a report's start and then spaces, past the limit
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(br#"{"layercake_report":1,"by":""#).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..=(layercake::limits::MAX_REPORT_BYTES >> 20) {
        e.write_all(&spaces).unwrap();
    }
    let bytes = e.finish().unwrap();
    match dissect(Cursor::new(bytes), &Options::default(), &mut Quiet) {
        Err(Error::BadReport { detail }) => {
            assert!(detail.contains("MAX_REPORT_BYTES"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_pages_save_report_reads_back_and_a_report_of_a_report_keeps_its_record() {
    let sample = layercake::sample::build();
    let d = dissect(Cursor::new(sample.clone()), &Options::default(), &mut Quiet).unwrap();
    let want = serde_json::to_value(&d.report).unwrap();
    let mut s = Session::new(d);
    let save = |s: &mut Session, at: &str| {
        let mut bytes = Vec::new();
        let last = s.answer(
            &Query::SaveReport { at: at.into() },
            &mut Cursor::new(sample.clone()),
            &mut |a| match a {
                Answer::Chunk { bytes: b } => bytes.extend(b),
                other => panic!("{other:?}"),
            },
        );
        assert_eq!(
            last,
            Answer::Downloaded {
                size: bytes.len() as u64
            }
        );
        bytes
    };
    let bytes = save(&mut s, "2026-12-03T14:00:00.000Z");
    let d = dissect(Cursor::new(bytes), &Options::default(), &mut Quiet).unwrap();
    let mut got = serde_json::to_value(&d.report).unwrap();
    let rec = got.as_object_mut().unwrap().remove("recorded").unwrap();
    assert_eq!(rec["at"], "2026-12-03T14:00:00.000Z");
    assert_eq!(got, want);
    // saved again later, it still says when its checks were made
    let mut s = Session::new(d);
    let again = save(&mut s, "2030-01-01T00:00:00.000Z");
    let d = dissect(Cursor::new(again), &Options::default(), &mut Quiet).unwrap();
    assert_eq!(d.report.recorded.unwrap().at, "2026-12-03T14:00:00.000Z");
}

#[test]
fn a_report_is_read_in_shares_as_the_page_and_cli_read_archives() {
    // a helper share gets nothing to read; the first share has it all, finished
    let Some(dir) = common::fixtures() else {
        return;
    };
    let bytes = {
        let gz = write_report_file(
            &bb_dissection(&dir),
            &RecordedFiles::default(),
            "t",
            Vec::new(),
        );
        gz.unwrap()
    };
    let share = |index| Options {
        share: Some(layercake::Share { index, of: 2 }),
        ..Options::default()
    };
    let helper = dissect(Cursor::new(bytes.clone()), &share(1), &mut Quiet).unwrap();
    assert!(helper.blobs.is_empty());
    let mut finished = 0;
    let first = dissect(Cursor::new(bytes), &share(0), &mut Quiet).unwrap();
    assert!(first.missing().is_empty());
    let d = first.finish(&Options::default(), &mut |e: layercake::Event<'_>| {
        if matches!(e, layercake::Event::Finished(_)) {
            finished += 1;
        }
    });
    assert_eq!(finished, 1);
    assert_eq!(d.report.images[0].verified, Some(true));
}

#[test]
fn files_are_read_from_gzip_layers_and_whole_archive_gzip_too() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    for fixture in [
        "built__bb-oci-gzip.tar",
        "built__bb-oci-zstd.tar",
        "built__bb-docker.tar.gz",
    ] {
        let path = common::fixture_path(&dir, fixture)
            .to_string_lossy()
            .into_owned();
        let report = tmp(&format!("{fixture}.files.layercake.json.gz"));
        layercake(&[
            "report",
            "--include",
            "app/hello.txt",
            "--include",
            "etc/app.d/only.conf",
            "-o",
            &report,
            &path,
        ]);
        let d = dissect(
            Cursor::new(std::fs::read(&report).unwrap()),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap();
        assert_eq!(d.report.recorded.as_ref().unwrap().files, 3, "{fixture}");
        let mut s = Session::new(d);
        let view = View {
            image: 0,
            layer: None,
        };
        let got = s.answer(
            &Query::Read {
                view,
                path: "etc/app.d/only.conf".into(),
                limit: u64::MAX,
            },
            &mut Cursor::new(Vec::new()),
            &mut |_| {},
        );
        assert_eq!(
            got,
            Answer::Contents {
                size: 5,
                bytes: b"only\n".to_vec()
            },
            "{fixture}"
        );
    }
}
