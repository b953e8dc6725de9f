//! The tar header reader's own cases.

use super::*;
use crate::source::Stream;

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn reads_long_names_and_skips_unread_content() {
    let long = "d/".repeat(100) + "file";
    let bytes = tar_of(&[("a", b"hello"), (&long, b"x")]);
    let mut h = Headers::new(Stream(&bytes[..]));
    let a = h.next_header().unwrap().unwrap();
    assert_eq!((a.path.as_slice(), a.size), (&b"a"[..], 5));
    let b = h.next_header().unwrap().unwrap();
    assert_eq!(b.path, long.as_bytes());
    let mut data = Vec::new();
    h.data().read_to_end(&mut data).unwrap();
    assert_eq!(data, b"x");
    assert!(h.next_header().unwrap().is_none());
    assert!(h.second_zero_block());
}

#[test]
fn a_huge_pax_record_is_skipped_not_read() {
    // a PAX header claiming 1 GiB, with only its first block present
    let mut block = tar::Header::new_ustar();
    block.set_size(1 << 30);
    block.set_entry_type(tar::EntryType::XHeader);
    block.set_path("pax").unwrap();
    block.set_cksum();
    let mut bytes = block.as_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 1024));
    let mut h = Headers::new(Stream(&bytes[..]));
    let err = h.next_header().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    let problems = h.take_problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "limit");
    assert!(problems[0].message.contains("MAX_HEADER_RECORD_BYTES"));
}
