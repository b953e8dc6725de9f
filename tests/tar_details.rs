//! Tar details inside layers: long names, PAX records, links, devices,
//! raw bytes, times, end-of-archive blocks.

mod common;

use layercake::{Change, Expect, Kind, Severity};
use tar::EntryType;

use common::build::*;
use common::read::*;

// -------------------------------------------------- tar details in layers

#[test]
fn tar_details_long_names_pax_links_devices_and_raw_bytes() {
    let long_name = format!("usr/share/{}/file.txt", "d".repeat(120));
    let long_target = format!("/{}", "t".repeat(150));
    let pax_path = format!("opt/pax/{}", "p".repeat(120));
    let pax_link = format!("/target/{}", "l".repeat(120));
    let tar = Tar::new()
        .dir("./")
        .dir("./etc/")
        .file("./etc/hostname", b"box\n")
        .hardlink("etc/hostname.bak", "./etc/hostname")
        .long_file(&long_name, b"long")
        .long_symlink("usr/lib/longlink", &long_target)
        .pax(
            EntryType::XHeader,
            &[
                ("path", &pax_path),
                ("uid", "3000000"),
                ("mtime", "-315619200.5"),
            ],
        )
        .file("opt/pax/short", b"pax!")
        .pax(EntryType::XHeader, &[("linkpath", &pax_link)])
        .symlink("opt/pax-link", "short")
        .symlink("bin/sh", "busybox")
        .pax(EntryType::XGlobalHeader, &[("gid", "777")])
        .special(EntryType::Char, "dev/null", 0o666, (1, 3))
        .special(EntryType::Block, "dev/sda", 0o660, (8, 0))
        .special(EntryType::Fifo, "run/fifo", 0o644, (0, 0))
        .file(b"caf\xe9.txt", b"x")
        .finish();
    let (facts, entries) = analyze(&tar, &Expect::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert!(facts.has_eof_blocks);
    assert_eq!(facts.diff_id, Some(sha(&tar)));
    // the global header is not a member
    assert_eq!(facts.entries, 13);
    let c = &facts.counts;
    let got = [
        c.files,
        c.dirs,
        c.symlinks,
        c.hardlinks,
        c.chardevs,
        c.blockdevs,
        c.fifos,
        c.pax,
        c.non_utf8,
        c.file_bytes,
    ];
    assert_eq!(got, [4, 2, 3, 1, 1, 1, 1, 6, 1, 13]);

    let by_path = |p: &[u8]| entries.iter().find(|e| e.path == p).unwrap();
    assert_eq!(entries[0].path, b"");
    assert_eq!(entries[0].kind, Kind::Dir);
    let pax = by_path(pax_path.as_bytes());
    assert_eq!((pax.uid, pax.mtime, pax.size), (3_000_000, -315_619_201, 4));
    assert_eq!(
        by_path(b"opt/pax-link").link.as_deref(),
        Some(pax_link.as_bytes())
    );
    assert_eq!(
        by_path(b"usr/lib/longlink").link.as_deref(),
        Some(long_target.as_bytes())
    );
    assert_eq!(by_path(long_name.as_bytes()).size, 4);
    assert_eq!(
        by_path(b"etc/hostname.bak").link.as_deref(),
        Some(&b"etc/hostname"[..])
    );
    // before the global header: its gid; after it: 777
    assert_eq!(by_path(b"bin/sh").gid, 0);
    assert_eq!(by_path(b"dev/null").gid, 777);

    let tree = merged(std::slice::from_ref(&entries));
    assert_eq!(tree.changes[0][0], Change::Ignored);
    let mut want = lines(&["d 755 0:0 - bin", "l 777 0:0 7 bin/sh -> busybox"]);
    want.push(b"f 644 0:777 1 caf\xe9.txt".to_vec());
    want.extend(lines(&[
        "d 755 0:0 - dev",
        "c 666 0:777 0 dev/null",
        "b 660 0:777 0 dev/sda",
        "d 755 0:0 - etc",
        "f 644 0:0 4 etc/hostname",
        "f 644 0:0 4 etc/hostname.bak",
        "d 755 0:0 - opt",
        "d 755 0:0 - opt/pax",
        &format!("l 777 0:0 128 opt/pax-link -> {pax_link}"),
        &format!("f 644 3000000:0 4 {pax_path}"),
        "d 755 0:0 - run",
        "p 644 0:777 0 run/fifo",
        "d 755 0:0 - usr",
        "d 755 0:0 - usr/lib",
        &format!("l 777 0:0 151 usr/lib/longlink -> {long_target}"),
        "d 755 0:0 - usr/share",
        &format!("d 755 0:0 - usr/share/{}", "d".repeat(120)),
        &format!("f 644 0:0 4 {long_name}"),
    ]));
    assert_eq!(listing(&tree), want);
    // hardlinked content is counted once
    assert_eq!(tree.stats().bytes, 13);
}

#[test]
fn pax_fractional_times_floor() {
    let tar = Tar::new()
        .pax(EntryType::XHeader, &[("mtime", "-0.25")])
        .file("a", b"")
        .pax(EntryType::XHeader, &[("mtime", "1700000000.999")])
        .file("b", b"")
        .pax(EntryType::XHeader, &[("mtime", "-5.000")])
        .file("c", b"")
        .finish();
    let e = entries_of(&tar);
    let times: Vec<i64> = e.iter().map(|e| e.mtime).collect();
    assert_eq!(times, [-1, 1_700_000_000, -5]);
}

#[test]
fn gnu_base256_negative_mtime_without_pax() {
    let mut h = header(b"old", EntryType::Regular, 0, 0o644);
    // GNU tar's base-256 form: two's complement, high bit of the first byte set
    let mut field = [0xffu8; 12];
    field[4..].copy_from_slice(&(-315_619_201i64).to_be_bytes());
    h.as_mut_bytes()[136..148].copy_from_slice(&field);
    h.set_cksum();
    let e = entries_of(&Tar::new().put(h, b"").finish());
    assert_eq!(e[0].mtime, -315_619_201);
}

#[test]
fn layer_without_end_of_archive_blocks_is_accepted_with_a_note() {
    let tar = Tar::new().dir("x/").file("x/y", b"hello").finish();
    for cut in [1024, 512] {
        let short = &tar[..tar.len() - cut];
        for blob in [short.to_vec(), gzip(short)] {
            let (facts, entries) = analyze(&blob, &Expect::default());
            assert_eq!(entries.len(), 2);
            assert_eq!(facts.entries, 2);
            assert!(!facts.has_eof_blocks);
            assert_eq!(facts.diff_id, Some(sha(short)));
            let codes: Vec<_> = facts.problems.iter().map(|p| &p.code).collect();
            assert_eq!(codes, ["no_end_of_archive"]);
            assert_eq!(facts.problems[0].severity, Severity::Note);
        }
    }
}
