//! The CLI's text output: `ls` lines equal the oracle listings (other
//! tools' view of the same images), and names and strings from an archive
//! reach the terminal escaped, never as control characters.

mod common;

use std::process::Command;

use common::build::*;
use serde_json::json;

fn layercake(args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_layercake"))
        .args(args)
        .output()
        .expect("run layercake");
    (out.status.code(), out.stdout)
}

fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// `f 644 0:0 9 1 path` -> `f 644 0:0 9 path` (the oracles' fifth field is nlink).
fn drop_nlink(line: &[u8]) -> Vec<u8> {
    let f: Vec<&[u8]> = line.splitn(6, |&c| c == b' ').collect();
    if f.len() < 6 {
        return line.to_vec();
    }
    [f[0], f[1], f[2], f[3], f[5]].join(&b' ')
}

#[test]
fn ls_lines_equal_the_oracles() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let oracles = common::oracle_files(&dir);
    assert!(!oracles.is_empty());
    for oracle in oracles {
        let name = oracle.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".tree.txt");
        let (file, platform) = match stem.rsplit_once(".tar.") {
            Some((f, rest)) if !rest.contains('.') && rest != "gz" => {
                (format!("{f}.tar"), Some(format!("linux/{rest}")))
            }
            _ => (stem.to_string(), None),
        };
        let path = common::fixture_path(&dir, &file);
        let mut args = vec!["ls"];
        if let Some(p) = &platform {
            args.extend(["--platform", p]);
        }
        let path = path.to_string_lossy().into_owned();
        args.push(&path);
        let (_, out) = layercake(&args);
        let want: Vec<Vec<u8>> = lines(&std::fs::read(&oracle).unwrap())
            .iter()
            .map(|l| drop_nlink(l))
            .collect();
        assert!(lines(&out) == want, "{name}: `ls` differs from the oracle");
    }
}

/// An archive whose names, tags, config strings and history carry
/// terminal controls: ESC sequences, a newline, BEL, DEL, C1 CSI (UTF-8
/// and raw).
fn hostile_names() -> Vec<u8> {
    let layer = Tar::new()
        .file(b"evil\x1b[2Jname", b"x")
        .file(b"new\nline", b"x")
        .file(b"c1-\xc2\x9b31m", b"x")
        .file(b"raw-\x9b31m", b"x")
        .symlink(b"link", b"\x1b]0;pwned\x07")
        .file(b"plain.txt", b"x")
        .finish();
    let mut img = DockerImage::of(vec![layer], "evil\u{1b}[31m:1");
    let mut c: serde_json::Value = serde_json::from_slice(&img.config).unwrap();
    c["config"]["Env"] = json!(["A=\u{1b}[5m\u{7f}"]);
    c["config"]["Labels"] = json!({"k\u{9b}": "v\u{7}"});
    c["history"][0]["created_by"] = json!("/bin/sh -c echo \u{1b}[1mbold");
    img.config = to_json(&c);
    docker_save(&[img]).finish()
}

fn assert_no_controls(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    for (i, c) in text.char_indices() {
        let bad = (c < ' ' && c != '\n') || c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c);
        assert!(!bad, "{what}: control {c:?} at {i}:\n{text}");
    }
    assert!(
        !out.iter().any(|&b| b == 0x9b && !text.contains('\u{9b}')),
        "{what}: a raw 8-bit CSI:\n{text}"
    );
}

#[test]
fn ls_and_inspect_escape_terminal_controls() {
    let dir = std::env::temp_dir().join(format!("layercake-cli-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("names.tar");
    std::fs::write(&file, hostile_names()).unwrap();
    let file = file.to_string_lossy().into_owned();

    let (_, ls) = layercake(&["ls", &file]);
    assert_no_controls("ls", &ls);
    let ls = lines(&ls);
    for want in [
        &b"f 644 0:0 1 evil\\x1b[2Jname"[..],
        b"f 644 0:0 1 new\\nline",
        b"f 644 0:0 1 c1-\\u{9b}31m",
        b"f 644 0:0 1 raw-\\x9b31m",
        b"l 777 0:0 10 link -> \\x1b]0;pwned\\x07",
        b"f 644 0:0 1 plain.txt",
    ] {
        assert!(
            ls.iter().any(|l| l == want),
            "missing {:?} in\n{}",
            String::from_utf8_lossy(want),
            String::from_utf8_lossy(&ls.join(&b'\n'))
        );
    }
    assert_eq!(ls.len(), 6, "one line per path");

    let (_, layer) = layercake(&["ls", "--layer", "0", &file]);
    assert_no_controls("ls --layer", &layer);
    assert_eq!(lines(&layer).len(), 6);

    let (_, text) = layercake(&["inspect", &file]);
    assert_no_controls("inspect", &text);
    let text = String::from_utf8_lossy(&text);
    for want in [
        "evil\\x1b[31m:1",
        "A=\\x1b[5m\\x7f",
        "k\\u{9b}=v\\x07",
        "echo \\x1b[1mbold",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}
