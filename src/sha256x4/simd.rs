//! The 4-lane compression in WebAssembly SIMD: lane `j` of each `v128`
//! holds stream `j`'s word.

use core::arch::wasm32::*;

use super::{BLOCK, K, LANES};

/// Rotates each 32-bit lane right by `N` bits (wasm SIMD has no rotate).
#[inline(always)]
fn rotr<const N: u32>(x: v128) -> v128 {
    v128_or(u32x4_shr(x, N), u32x4_shl(x, 32 - N))
}

#[inline(always)]
fn add(a: v128, b: v128) -> v128 {
    u32x4_add(a, b)
}

/// Σ0 and Σ1 of the rounds, σ0 and σ1 of the message schedule.
#[inline(always)]
fn big_sigma0(a: v128) -> v128 {
    v128_xor(v128_xor(rotr::<2>(a), rotr::<13>(a)), rotr::<22>(a))
}
#[inline(always)]
fn big_sigma1(e: v128) -> v128 {
    v128_xor(v128_xor(rotr::<6>(e), rotr::<11>(e)), rotr::<25>(e))
}
#[inline(always)]
fn small_sigma0(w: v128) -> v128 {
    v128_xor(v128_xor(rotr::<7>(w), rotr::<18>(w)), u32x4_shr(w, 3))
}
#[inline(always)]
fn small_sigma1(w: v128) -> v128 {
    v128_xor(v128_xor(rotr::<17>(w), rotr::<19>(w)), u32x4_shr(w, 10))
}

/// Loads 16 bytes, as four big-endian words. (Four scalar loads and a
/// byte shuffle: as fast in V8 as an unsafe `v128_load`, and safe.)
#[inline(always)]
fn load_be(bytes: &[u8; 16]) -> v128 {
    let [w0, w1, w2, w3] = [0, 4, 8, 12]
        .map(|i| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]));
    let x = u32x4(w0, w1, w2, w3);
    i8x16_shuffle::<3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12>(x, x)
}

/// Words `4q..4q+4` of each lane's block, transposed so that vector `i`
/// holds word `4q+i` of lanes 0, 1, 2, 3.
#[inline(always)]
fn words4(blocks: [&[u8; BLOCK]; LANES], q: usize) -> [v128; 4] {
    let part = |lane: usize| -> &[u8; 16] {
        let b: &[u8; BLOCK] = blocks[lane];
        b[16 * q..16 * q + 16].try_into().unwrap_or(&[0; 16])
    };
    let (a, b, c, d) = (
        load_be(part(0)),
        load_be(part(1)),
        load_be(part(2)),
        load_be(part(3)),
    );
    let ab_lo = i32x4_shuffle::<0, 4, 1, 5>(a, b);
    let ab_hi = i32x4_shuffle::<2, 6, 3, 7>(a, b);
    let cd_lo = i32x4_shuffle::<0, 4, 1, 5>(c, d);
    let cd_hi = i32x4_shuffle::<2, 6, 3, 7>(c, d);
    [
        i32x4_shuffle::<0, 1, 4, 5>(ab_lo, cd_lo),
        i32x4_shuffle::<2, 3, 6, 7>(ab_lo, cd_lo),
        i32x4_shuffle::<0, 1, 4, 5>(ab_hi, cd_hi),
        i32x4_shuffle::<2, 3, 6, 7>(ab_hi, cd_hi),
    ]
}

/// One round on the working variables, `kw` being the round's constant
/// plus its schedule word.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $kw:expr) => {
        // Ch(e, f, g) = (e & f) ^ (!e & g); Maj(a, b, c) takes c where
        // a and b differ, else a.
        let t1 = add(
            add($h, big_sigma1($e)),
            add(v128_bitselect($f, $g, $e), $kw),
        );
        let t2 = add(big_sigma0($a), v128_bitselect($c, $b, v128_xor($a, $b)));
        $d = add($d, t1);
        $h = add(t1, t2);
    };
}

/// Sixteen rounds starting at round `16 * r`, on the working
/// variables `a`..`h` and the schedule `w` (whose entries are the words
/// of those rounds).
macro_rules! rounds16 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $w:ident, $r:expr) => {
        let k = |i: usize| add(u32x4_splat(K[16 * $r + i]), $w[i]);
        round!($a, $b, $c, $d, $e, $f, $g, $h, k(0));
        round!($h, $a, $b, $c, $d, $e, $f, $g, k(1));
        round!($g, $h, $a, $b, $c, $d, $e, $f, k(2));
        round!($f, $g, $h, $a, $b, $c, $d, $e, k(3));
        round!($e, $f, $g, $h, $a, $b, $c, $d, k(4));
        round!($d, $e, $f, $g, $h, $a, $b, $c, k(5));
        round!($c, $d, $e, $f, $g, $h, $a, $b, k(6));
        round!($b, $c, $d, $e, $f, $g, $h, $a, k(7));
        round!($a, $b, $c, $d, $e, $f, $g, $h, k(8));
        round!($h, $a, $b, $c, $d, $e, $f, $g, k(9));
        round!($g, $h, $a, $b, $c, $d, $e, $f, k(10));
        round!($f, $g, $h, $a, $b, $c, $d, $e, k(11));
        round!($e, $f, $g, $h, $a, $b, $c, $d, k(12));
        round!($d, $e, $f, $g, $h, $a, $b, $c, k(13));
        round!($c, $d, $e, $f, $g, $h, $a, $b, k(14));
        round!($b, $c, $d, $e, $f, $g, $h, $a, k(15));
    };
}

/// The next sixteen words of the message schedule, in place.
#[inline(always)]
fn schedule16(w: &mut [v128; 16]) {
    for i in 0..16 {
        w[i] = add(
            add(w[i], small_sigma1(w[(i + 14) % 16])),
            add(w[(i + 9) % 16], small_sigma0(w[(i + 1) % 16])),
        );
    }
}

/// A chunk of `chunks_exact(BLOCK)` as the array it is.
#[inline(always)]
fn as_block(chunk: &[u8]) -> &[u8; BLOCK] {
    chunk.try_into().unwrap_or(&[0; BLOCK])
}

/// Hashes every whole block of `blocks[j]` into `states[j]`; the four
/// slices hold the same number of whole blocks.
pub(super) fn compress4(states: &mut [[u32; 8]; LANES], blocks: [&[u8]; LANES]) {
    let mut s: [v128; 8] =
        core::array::from_fn(|i| u32x4(states[0][i], states[1][i], states[2][i], states[3][i]));
    let [l0, l1, l2, l3] = blocks.map(|b| b.chunks_exact(BLOCK));
    for (((b0, b1), b2), b3) in l0.zip(l1).zip(l2).zip(l3) {
        let lanes = [as_block(b0), as_block(b1), as_block(b2), as_block(b3)];
        let mut w = [u32x4_splat(0); 16];
        for q in 0..4 {
            let [w0, w1, w2, w3] = words4(lanes, q);
            w[4 * q] = w0;
            w[4 * q + 1] = w1;
            w[4 * q + 2] = w2;
            w[4 * q + 3] = w3;
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = s;
        rounds16!(a, b, c, d, e, f, g, h, w, 0);
        for r in 1..4 {
            schedule16(&mut w);
            rounds16!(a, b, c, d, e, f, g, h, w, r);
        }
        for (si, vi) in s.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *si = add(*si, vi);
        }
    }
    for (i, si) in s.iter().enumerate() {
        states[0][i] = u32x4_extract_lane::<0>(*si);
        states[1][i] = u32x4_extract_lane::<1>(*si);
        states[2][i] = u32x4_extract_lane::<2>(*si);
        states[3][i] = u32x4_extract_lane::<3>(*si);
    }
}
