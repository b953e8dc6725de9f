//! Conformance over the shared fixture corpus: every archive in facts.json
//! must yield the facts an independent reader found, by both the seeking
//! path and the one-pass path, through short reads.

mod common;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use layercake::{dissect, dissect_stream, Dissection, Error, Options, Quiet};
use serde_json::Value;

use common::facts::check_archive;
use common::{fixture_path, fixtures, ShortReads};

fn load_facts(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("facts.json")).expect("read facts.json");
    serde_json::from_str::<Value>(&text)
        .expect("parse facts.json")
        .as_array()
        .expect("facts.json is a list")
        .clone()
}

fn seek_read(path: &Path) -> Result<Dissection, Error> {
    let f = File::open(path).unwrap();
    dissect(
        ShortReads::new(BufReader::new(f), 7),
        &Options::default(),
        &mut Quiet,
    )
}

fn stream_read(path: &Path) -> Result<Dissection, Error> {
    let f = File::open(path).unwrap();
    let size = f.metadata().unwrap().len();
    dissect_stream(
        ShortReads::new(f, 11),
        Some(size),
        &Options::default(),
        &mut Quiet,
    )
}

#[test]
fn every_fixture_yields_its_facts() {
    let Some(dir) = fixtures() else { return };
    let facts = load_facts(&dir);
    assert!(
        facts.len() >= 37,
        "facts.json lists {} archives, should list 37",
        facts.len()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &facts {
        let file = f["file"].as_str().unwrap();
        let path = fixture_path(&dir, file);
        let is_image = ["docker_images", "oci_images", "legacy_images"]
            .iter()
            .any(|k| f.get(*k).is_some());
        for (mode, result) in [("seek", seek_read(&path)), ("stream", stream_read(&path))] {
            match result {
                Ok(d) => {
                    let mut out = Vec::new();
                    check_archive(f, &d, &mut out);
                    failures.extend(out.into_iter().map(|s| format!("[{mode}] {s}")));
                    if !is_image && f.get("outer_error").is_none() && f.get("index_error").is_none()
                    {
                        failures.push(format!(
                            "[{mode}] {file}: read as an image, should be rejected"
                        ));
                    }
                }
                Err(Error::NotAnImage { found }) => {
                    if is_image || f.get("outer_error").is_some() || f.get("index_error").is_some()
                    {
                        failures.push(format!(
                            "[{mode}] {file}: rejected as not an image ({found})"
                        ));
                    }
                }
                Err(e) => failures.push(format!("[{mode}] {file}: {e}")),
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, facts.len() * 2);
}

#[test]
fn broken_archives_get_clean_problems() {
    let Some(dir) = fixtures() else { return };
    let read = |f: &str| seek_read(&fixture_path(&dir, f));
    let codes = |d: &Dissection| {
        d.report
            .all_problems()
            .iter()
            .map(|p| p.code.to_string())
            .collect::<Vec<_>>()
    };

    let d = read("built__bb-docker-truncated.tar").expect("a truncated archive still reports");
    assert!(d.report.images.is_empty());
    assert!(
        codes(&d).contains(&"truncated".to_string()),
        "{:?}",
        codes(&d)
    );

    let d = read("ggcr__null_manifest.tar").unwrap();
    assert!(d.report.images.is_empty());
    assert!(
        d.report.problems[0].message.contains("null"),
        "{:?}",
        d.report.problems
    );

    let d = read("trivy__layout_bad_index_json.tar").unwrap();
    assert_eq!(codes(&d), vec!["bad_json"]);

    match read("dive__test-gzip-image.tar") {
        Err(Error::NotAnImage { found }) => assert!(found.contains("README.md"), "{found}"),
        other => panic!("should be rejected as not an image, got {other:?}"),
    }

    // placeholder layer blobs that are not tars
    let d = read("cimage__layout_multiple_images.tar").unwrap();
    assert!(
        codes(&d).iter().any(|c| c == "not_a_tar"),
        "{:?}",
        codes(&d)
    );
    assert!(d.report.images.iter().all(|i| !i.layers.is_empty()));
}

/// The merged trees must match what umoci unpacked, line for line.
#[test]
fn merged_trees_match_the_oracles() {
    let Some(dir) = fixtures() else { return };
    let oracles = common::oracle_files(&dir);
    assert_eq!(oracles.len(), 8, "expected 8 tree oracles");
    let mut failures = Vec::new();
    for oracle in &oracles {
        let name = oracle.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".tree.txt");
        let (file, platform) = match stem.rsplit_once(".tar.") {
            Some((f, rest)) if !rest.contains('.') && rest != "gz" => {
                (format!("{f}.tar"), Some(rest.to_string()))
            }
            _ => (stem.to_string(), None),
        };
        let d = seek_read(&fixture_path(&dir, &file)).unwrap();
        let i = match &platform {
            Some(arch) => d
                .report
                .images
                .iter()
                .position(|img| img.platform.architecture.as_deref() == Some(arch))
                .unwrap(),
            None => 0,
        };
        let mut ours = Vec::new();
        d.tree(i).write_listing(&mut ours).unwrap();
        let want: Vec<Vec<u8>> = std::fs::read(oracle)
            .unwrap()
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(drop_nlink)
            .collect();
        let got: Vec<Vec<u8>> = ours
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        if want != got {
            let missing: Vec<String> = want
                .iter()
                .filter(|l| !got.contains(l))
                .take(5)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            let extra: Vec<String> = got
                .iter()
                .filter(|l| !want.contains(l))
                .take(5)
                .map(|l| String::from_utf8_lossy(l).into_owned())
                .collect();
            failures.push(format!(
                "{name}: {} lines, should be {}\n  missing: {missing:#?}\n  extra: {extra:#?}",
                got.len(),
                want.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `f 644 0:0 9 1 path` -> `f 644 0:0 9 path` (the fifth field is nlink).
fn drop_nlink(line: &[u8]) -> Vec<u8> {
    let mut fields = 0;
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if fields == 4 {
            // skip the nlink field and its space
            let end = line[i..]
                .iter()
                .position(|&b| b == b' ')
                .map_or(line.len(), |p| i + p + 1);
            out.extend_from_slice(&line[end..]);
            return out;
        }
        out.push(line[i]);
        if line[i] == b' ' {
            fields += 1;
        }
        i += 1;
    }
    out
}
