//! The AVX-512 nearest-centre kernel: eight points against each group of
//! eight centres, with safe `core::arch` intrinsics (callable without
//! `unsafe` inside functions compiled for AVX-512).
//!
//! The distances are the generic kernel's to the bit: `(c − x)²` summed
//! over the dimensions in order with one fused multiply-add each. What
//! differs is the search for the nearest centre: the 8 × 8 block of
//! distances (a row per point, a lane per centre) is transposed in
//! registers, so that the minimum over the centres is taken for the eight
//! points at once, one centre after the other, with the same strict `<`
//! (ties to the lowest index) as the generic kernel.

use core::arch::x86_64::{
    __m512d, __m512i, _CMP_LT_OQ, _MM_HINT_T0, _mm_prefetch, _mm512_cmp_pd_mask, _mm512_fmadd_pd,
    _mm512_mask_blend_epi64, _mm512_mask_blend_pd, _mm512_permutex2var_pd, _mm512_set1_epi64,
    _mm512_set1_pd, _mm512_setr_epi64, _mm512_setzero_pd, _mm512_shuffle_f64x2, _mm512_sub_pd,
    _mm512_unpackhi_pd, _mm512_unpacklo_pd,
};

use super::{Found, LANES, Packed};

/// Points processed together: one per lane after the transposition.
pub(super) const POINTS: usize = 8;
/// Rows prefetched ahead of the one being processed.
const AHEAD: usize = 4 * POINTS;
/// f64 per cache line.
const LINE: usize = 8;

/// Transposes an 8 × 8 block of f64 held in eight registers. (No
/// closures here: they would not inherit the target features.)
#[target_feature(enable = "avx512f")]
fn transpose(r: [__m512d; 8]) -> [__m512d; 8] {
    // Pairs of rows: t[2i] = (r[2i][0], r[2i+1][0], r[2i][2], r[2i+1][2], …),
    // t[2i+1] the same with the odd lanes.
    let t = [
        _mm512_unpacklo_pd(r[0], r[1]),
        _mm512_unpackhi_pd(r[0], r[1]),
        _mm512_unpacklo_pd(r[2], r[3]),
        _mm512_unpackhi_pd(r[2], r[3]),
        _mm512_unpacklo_pd(r[4], r[5]),
        _mm512_unpackhi_pd(r[4], r[5]),
        _mm512_unpacklo_pd(r[6], r[7]),
        _mm512_unpackhi_pd(r[6], r[7]),
    ];
    // Quads of rows: u[4h + q] holds rows 4h..4h+4 at lanes {q', q' + 4},
    // q' = [0, 2, 1, 3][q].
    let low = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    let high = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    let u = [
        _mm512_permutex2var_pd(t[0], low, t[2]),
        _mm512_permutex2var_pd(t[0], high, t[2]),
        _mm512_permutex2var_pd(t[1], low, t[3]),
        _mm512_permutex2var_pd(t[1], high, t[3]),
        _mm512_permutex2var_pd(t[4], low, t[6]),
        _mm512_permutex2var_pd(t[4], high, t[6]),
        _mm512_permutex2var_pd(t[5], low, t[7]),
        _mm512_permutex2var_pd(t[5], high, t[7]),
    ];
    // Halves: lane q' from the low halves, lane q' + 4 from the high.
    const LO: i32 = 0b01_00_01_00;
    const HI: i32 = 0b11_10_11_10;
    [
        _mm512_shuffle_f64x2::<LO>(u[0], u[4]),
        _mm512_shuffle_f64x2::<LO>(u[2], u[6]),
        _mm512_shuffle_f64x2::<LO>(u[1], u[5]),
        _mm512_shuffle_f64x2::<LO>(u[3], u[7]),
        _mm512_shuffle_f64x2::<HI>(u[0], u[4]),
        _mm512_shuffle_f64x2::<HI>(u[2], u[6]),
        _mm512_shuffle_f64x2::<HI>(u[1], u[5]),
        _mm512_shuffle_f64x2::<HI>(u[3], u[7]),
    ]
}

/// The nearest centre (lanes of the returned integer vector), its squared
/// distance and, when `SECOND`, the squared distance to the second
/// nearest, of eight points.
#[target_feature(enable = "avx512f")]
fn nearest8<const SECOND: bool>(
    points: &[&[f64]; POINTS],
    centres: &Packed,
) -> ([i64; POINTS], [f64; POINTS], [f64; POINTS]) {
    let d = centres.d;
    let mut best = _mm512_set1_pd(f64::INFINITY);
    let mut second = best;
    let mut index: __m512i = _mm512_set1_epi64(0);
    // Slices of length exactly d: no bounds checks in the loop.
    let [p0, p1, p2, p3, p4, p5, p6, p7] = *points;
    let points = [
        &p0[..d],
        &p1[..d],
        &p2[..d],
        &p3[..d],
        &p4[..d],
        &p5[..d],
        &p6[..d],
        &p7[..d],
    ];
    for (g, group) in centres.groups().enumerate() {
        let group = &group[..d];
        let mut acc = [_mm512_setzero_pd(); POINTS];
        for dim in 0..d {
            let c: __m512d = bytemuck::cast(group[dim]);
            for p in 0..POINTS {
                let t = _mm512_sub_pd(c, _mm512_set1_pd(points[p][dim]));
                acc[p] = _mm512_fmadd_pd(t, t, acc[p]);
            }
        }
        for (l, v) in transpose(acc).into_iter().enumerate() {
            let closer = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, best);
            if SECOND {
                // min(second, v): v only when strictly smaller.
                let below = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, second);
                let low = _mm512_mask_blend_pd(below, second, v);
                second = _mm512_mask_blend_pd(closer, low, best);
            }
            best = _mm512_mask_blend_pd(closer, best, v);
            let c = (g * LANES + l) as i64;
            index = _mm512_mask_blend_epi64(closer, index, _mm512_set1_epi64(c));
        }
    }
    (
        bytemuck::cast(index),
        bytemuck::cast(best),
        bytemuck::cast(second),
    )
}

/// [`super::for_nearest`] eight rows at a time with [`nearest8`]; the
/// remaining rows go to the generic kernel (same bits).
#[target_feature(enable = "avx512f,fma")]
pub(super) fn for_nearest<const SECOND: bool>(
    rows: &[f64],
    d: usize,
    which: Option<&[usize]>,
    centres: &Packed,
    out: &mut impl Found,
) {
    let count = which.map_or(rows.len() / d, <[usize]>::len);
    let full = count / POINTS * POINTS;
    let mut ids = [0usize; POINTS];
    let mut points = [&rows[..0]; POINTS];
    for j in (0..full).step_by(POINTS) {
        if which.is_none() {
            // The rows a few blocks ahead, one cache line at a time: the
            // hardware prefetcher alone leaves the kernel waiting.
            let ahead = rows.get((j + AHEAD) * d..((j + AHEAD + POINTS) * d).min(rows.len()));
            for line in ahead.unwrap_or_default().chunks(LINE) {
                _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast());
            }
        }
        for p in 0..POINTS {
            ids[p] = match which {
                Some(w) => w[j + p],
                None => j + p,
            };
            points[p] = &rows[ids[p] * d..(ids[p] + 1) * d];
        }
        let (labels, best, second) = nearest8::<SECOND>(&points, centres);
        for p in 0..POINTS {
            out.found(ids[p], labels[p] as usize, best[p], second[p]);
        }
    }
    for j in full..count {
        let i = which.map_or(j, |w| w[j]);
        let [(c, best, second)] =
            super::nearest::<1, SECOND>(&[&rows[i * d..(i + 1) * d]], centres, true);
        out.found(i, c, best, second);
    }
}
