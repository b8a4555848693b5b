//! The AVX-512 nearest-centre kernel: eight points against each group of
//! eight centres, with safe `core::arch` intrinsics (callable without
//! `unsafe` inside functions compiled for AVX-512).
//!
//! The distances are the generic kernel's to the bit: `(c − x)²` summed
//! over the dimensions in order with one fused multiply-add each. What
//! differs is the search for the nearest centre: the 8 × 8 block of
//! distances (a row per point, a lane per centre) is transposed in
//! registers, so that the minimum over the centres is taken for the eight
//! points at once: by a tree of exact minima and then the lowest centre
//! holding the minimum, or (when the second nearest is wanted too) one
//! centre after the other with the same strict `<` as the generic kernel;
//! ties go to the lowest index either way.

use core::arch::x86_64::{
    __m512d, __m512i, _CMP_EQ_OQ, _CMP_LT_OQ, _MM_HINT_T0, _mm_prefetch, _mm512_add_epi64,
    _mm512_cmp_pd_mask, _mm512_fmadd_pd, _mm512_mask_blend_epi64, _mm512_mask_blend_pd,
    _mm512_min_pd, _mm512_permutex2var_pd, _mm512_set1_epi64, _mm512_set1_pd, _mm512_setr_epi64,
    _mm512_setzero_pd, _mm512_shuffle_f64x2, _mm512_sub_pd, _mm512_unpackhi_pd, _mm512_unpacklo_pd,
};

use super::nearest::Found;
use super::{LANES, Packed};

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

/// What was found for eight rows.
#[derive(Clone, Copy)]
struct Block {
    ids: [usize; POINTS],
    labels: __m512i,
    best: __m512d,
    second: __m512d,
}

/// Gives a block to `out`: together when its rows follow each other.
#[inline(always)]
fn give(out: &mut impl Found, contiguous: bool, block: Block) {
    let labels: [usize; POINTS] = bytemuck::cast(block.labels);
    let (best, second): ([f64; POINTS], [f64; POINTS]) =
        (bytemuck::cast(block.best), bytemuck::cast(block.second));
    if contiguous {
        out.found8(block.ids[0], labels, best, second);
    } else {
        for p in 0..POINTS {
            out.found(block.ids[p], labels[p], best[p], second[p]);
        }
    }
}

/// The nearest centre of each row of `rows` (or each listed row) to
/// `out` (see [`super::nearest::for_nearest`]): eight rows at a time against each
/// group of eight centres, the remaining rows with the generic kernel
/// (same bits). One function, so that the kernel, the minimum and `out`
/// share registers.
#[target_feature(enable = "avx512f,fma")]
pub(super) fn for_nearest<const SECOND: bool>(
    rows: &[f64],
    d: usize,
    which: Option<&[usize]>,
    centres: &Packed,
    out: &mut impl Found,
) {
    let count = match which {
        Some(w) => w.len(),
        None => rows.len() / d,
    };
    let full = count / POINTS * POINTS;
    let n_groups = centres.k.div_ceil(LANES);
    let mut ids = [0usize; POINTS];
    let mut pending: Option<Block> = None;
    for j in (0..full).step_by(POINTS) {
        // The rows a few blocks ahead (d cache lines for eight rows), one
        // line per dimension below: the hardware prefetcher alone leaves
        // the kernel waiting, and all lines at once fill the line buffers.
        // (No closures here: they would not inherit the target features.)
        let ahead: &[f64] = match which {
            None => rows
                .get((j + AHEAD) * d..(j + AHEAD + POINTS) * d)
                .unwrap_or_default(),
            Some(_) => &[],
        };
        for p in 0..POINTS {
            ids[p] = match which {
                Some(w) => w[j + p],
                None => j + p,
            };
        }
        // Slices of length exactly d: no bounds checks in the loop.
        let [i0, i1, i2, i3, i4, i5, i6, i7] = ids;
        let points = [
            &rows[i0 * d..][..d],
            &rows[i1 * d..][..d],
            &rows[i2 * d..][..d],
            &rows[i3 * d..][..d],
            &rows[i4 * d..][..d],
            &rows[i5 * d..][..d],
            &rows[i6 * d..][..d],
            &rows[i7 * d..][..d],
        ];
        let mut best = _mm512_set1_pd(f64::INFINITY);
        let mut second = best;
        let mut index: __m512i = _mm512_set1_epi64(0);
        for g in 0..n_groups {
            let group = &centres.groups[g * d..(g + 1) * d];
            let mut acc = [_mm512_setzero_pd(); POINTS];
            for dim in 0..d {
                if let Some(line) = ahead.get(dim * LINE..) {
                    _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast());
                }
                let c: __m512d = bytemuck::cast(group[dim].0);
                for p in 0..POINTS {
                    let t = _mm512_sub_pd(c, _mm512_set1_pd(points[p][dim]));
                    acc[p] = _mm512_fmadd_pd(t, t, acc[p]);
                }
            }
            let v = transpose(acc);
            if SECOND {
                for (l, v) in v.into_iter().enumerate() {
                    let closer = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, best);
                    // min(second, v): v only when strictly smaller.
                    let below = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, second);
                    let low = _mm512_mask_blend_pd(below, second, v);
                    second = _mm512_mask_blend_pd(closer, low, best);
                    best = _mm512_mask_blend_pd(closer, best, v);
                    let c = (g * LANES + l) as i64;
                    index = _mm512_mask_blend_epi64(closer, index, _mm512_set1_epi64(c));
                }
            } else {
                // The group's minimum by a tree (exact), then its lowest
                // centre holding it; it replaces the nearest of the groups
                // before only when strictly closer.
                let low = [
                    _mm512_min_pd(v[0], v[1]),
                    _mm512_min_pd(v[2], v[3]),
                    _mm512_min_pd(v[4], v[5]),
                    _mm512_min_pd(v[6], v[7]),
                ];
                let least =
                    _mm512_min_pd(_mm512_min_pd(low[0], low[1]), _mm512_min_pd(low[2], low[3]));
                let mut lane = _mm512_set1_epi64(7);
                for l in (0..LANES - 1).rev() {
                    let at = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(v[l], least);
                    lane = _mm512_mask_blend_epi64(at, lane, _mm512_set1_epi64(l as i64));
                }
                let closer = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(least, best);
                best = _mm512_mask_blend_pd(closer, best, least);
                let lane = _mm512_add_epi64(lane, _mm512_set1_epi64((g * LANES) as i64));
                index = _mm512_mask_blend_epi64(closer, index, lane);
            }
        }
        // The previous block goes to `out` now, this one after the next
        // block's distances: `out`'s work (integer, memory) then overlaps
        // with the distances instead of waiting for this block's minimum.
        if let Some(block) = pending {
            give(out, which.is_none(), block);
        }
        pending = Some(Block {
            ids,
            labels: index,
            best,
            second,
        });
    }
    if let Some(block) = pending {
        give(out, which.is_none(), block);
    }
    for j in full..count {
        let i = match which {
            Some(w) => w[j],
            None => j,
        };
        let [(c, best, second)] =
            super::nearest::nearest::<1, SECOND>(&[&rows[i * d..(i + 1) * d]], centres, true);
        out.found(i, c, best, second);
    }
}
