use super::*;

#[test]
fn base64_decodes_and_refuses_junk() {
    assert_eq!(base64("aGVsbG8=").unwrap(), b"hello");
    assert_eq!(base64("aGVsbG8").unwrap(), b"hello");
    assert!(base64("a*b").is_none());
}

#[test]
fn a_dsse_envelope_holds_a_statement() {
    // {"predicateType":"https://slsa.dev/provenance/v1","subject":[]}
    let inner = br#"{"predicateType":"https://slsa.dev/provenance/v1","subject":[],"predicate":{"runDetails":{"builder":{"id":"b"}}}}"#;
    let mut enc = String::new();
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in inner.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for k in 0..=chunk.len() {
            enc.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    let env = serde_json::json!({"payloadType": "application/vnd.in-toto+json", "payload": enc, "signatures": []});
    let mut says = BlobSays::default();
    parse(
        serde_json::from_value(env).unwrap(),
        &mut says,
        &Location::default,
    );
    assert_eq!(says.signed.as_deref(), Some(NOT_VERIFIED));
    assert_eq!(
        says.predicate_type.as_deref(),
        Some("https://slsa.dev/provenance/v1")
    );
    assert_eq!(says.provenance.unwrap().builder_id.as_deref(), Some("b"));
}
