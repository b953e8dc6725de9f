//! The Dockerfile view over history shapes the fixture corpus holds: the
//! classic builder (dive's docker image), BuildKit (regclient's layout),
//! buildah/podman (the bb fixture), kaniko and umoci.

mod common;

use std::process::Command;

fn dockerfile(dir: &std::path::Path, fixture: &str) -> String {
    let path = common::fixture_path(dir, fixture);
    let out = Command::new(env!("CARGO_BIN_EXE_layercake"))
        .args(["inspect", "--dockerfile"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn classic_builder() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let d = dockerfile(&dir, "dive__test-docker-image.tar");
    let lines: Vec<&str> = d.lines().collect();
    assert_eq!(lines[1], "FROM scratch");
    assert!(
        lines[2].starts_with("# layer 0 (sha256:23bc2b70b201"),
        "{d}"
    );
    assert!(lines[2].ends_with(
        "ADD file:ce026b62356eec3ad1214f92be2c9dc063fe205bd5e600be3492c4dfb17148bd in /"
    ));
    assert_eq!(lines[3], "CMD [\"sh\"]");
    assert!(lines[4].starts_with("# layer 1 "), "{d}");
    assert_eq!(lines[5], "RUN mkdir -p /root/example/really/nested");
    assert!(d.contains("# layer 10 (sha256:7f648d45ee7b"), "{d}");
    assert_eq!(*lines.last().unwrap(), "RUN chmod +x /root/saved.txt");
    // one line per history step, and the two header lines
    assert_eq!(lines.len(), 15 + 2);
}

#[test]
fn kaniko() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let d = dockerfile(&dir, "dive__test-kaniko-image.tar");
    assert!(d.contains("\nADD README.md /somefile.txt\n"), "{d}");
    assert!(d.contains("\nADD .scripts/ /root/.data/\n"), "{d}");
    assert!(
        d.contains("\nRUN mv /root/example/somefile3.txt /root/saved.txt\n"),
        "{d}"
    );
}

#[test]
fn buildah_with_build_args() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let d = dockerfile(&dir, "built__bb-docker.tar");
    assert!(d.contains("\nARG BUILD_VERSION\n"), "{d}");
    assert!(
        d.contains("\n# build args: BUILD_VERSION=1.0\nRUN true\n"),
        "{d}"
    );
    assert!(d.contains("\nENTRYPOINT [\"/bin/sh\", \"-c\"]\n"), "{d}");
    assert!(d.contains("COPY file:16b6ba14473d1d38d924dc3dac5ae8dbd5a5a702b940ee1a7dc5fa412a141a70 in /app/bin/run.sh"));
    assert!(d.contains("\n# layer 2 (sha256:391215229fa8"), "{d}");
    assert!(!d.contains("/bin/sh -c #(nop)"), "{d}");
}

#[test]
fn buildkit() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let d = dockerfile(&dir, "regclient__layout_testrepo.tar");
    assert!(d.contains("\nCOPY base-a.txt /base.txt\n"), "{d}");
    assert!(d.contains("\nARG arg=value\n"), "{d}");
    assert!(!d.contains("# buildkit"), "{d}");
}

#[test]
fn umoci() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let d = dockerfile(&dir, "built__umoci-layout.tar");
    assert!(d.contains("# image 2: unterminated"), "{d}");
    assert!(
        d.contains(": RUN rm /bin/vi (umoci insert --whiteout)\n"),
        "{d}"
    );
    assert!(d.contains("\n# layer"), "{d}");
}
