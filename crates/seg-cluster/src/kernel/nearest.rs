//! The nearest-centre search: for each row, the nearest centre (and for
//! Hamerly the second nearest), four rows at a time with the portable
//! kernel or eight with the AVX-512 one; and the distances of one point.

#[cfg(target_arch = "x86_64")]
use super::avx512;
use super::{LANES, POINTS, Packed, group_distances, min};

/// Nearest centre, its squared distance and (when `SECOND`) the squared
/// distance to the second nearest, of `P` points. The minimum over the
/// lanes (centres) is taken for the `P` points together, lane by lane with
/// strict `<`, so ties go to the lowest centre index.
#[inline(always)]
pub(super) fn nearest<const P: usize, const SECOND: bool>(
    points: &[&[f64]; P],
    centres: &Packed,
    fused: bool,
) -> [(usize, f64, f64); P] {
    let mut best = [f64::INFINITY; P];
    let mut second = [f64::INFINITY; P];
    let mut index = [0usize; P];
    for (g, group) in centres.groups().enumerate() {
        let acc = group_distances(points, group, fused);
        for l in 0..LANES {
            let c = g * LANES + l;
            for p in 0..P {
                let v = acc[p][l];
                let closer = v < best[p];
                if SECOND {
                    second[p] = if closer { best[p] } else { min(second[p], v) };
                }
                best[p] = if closer { v } else { best[p] };
                index[p] = if closer { c } else { index[p] };
            }
        }
    }
    std::array::from_fn(|p| (index[p], best[p], second[p]))
}

/// Where the kernels put what they find: for row `i`, its nearest centre
/// `c`, the squared distance to it and (when asked for) to the second
/// nearest. A trait rather than a closure so that the method is inlined
/// into the kernel compiled for the CPU.
pub(super) trait Found {
    /// Row `i` is nearest to centre `c`.
    fn found(&mut self, i: usize, c: usize, best: f64, second: f64);

    /// Rows `start..start + 8`, together.
    #[inline(always)]
    fn found8(&mut self, start: usize, c: [usize; 8], best: [f64; 8], second: [f64; 8]) {
        for p in 0..8 {
            self.found(start + p, c[p], best[p], second[p]);
        }
    }
}

/// Lloyd's assignment: labels and squared distances.
pub(super) struct Assigned<'a> {
    pub(super) labels: &'a mut [usize],
    pub(super) best: &'a mut [f64],
}

impl Found for Assigned<'_> {
    #[inline(always)]
    fn found(&mut self, i: usize, c: usize, best: f64, _: f64) {
        self.labels[i] = c;
        self.best[i] = best;
    }

    #[inline(always)]
    fn found8(&mut self, start: usize, c: [usize; 8], best: [f64; 8], _: [f64; 8]) {
        let (Some(labels), Some(to)) = (
            self.labels.get_mut(start..start + 8),
            self.best.get_mut(start..start + 8),
        ) else {
            return;
        };
        labels.copy_from_slice(&c);
        to.copy_from_slice(&best);
    }
}

/// Hamerly's assignment: labels, bounds, labels changed.
pub(super) struct Bounded<'a> {
    pub(super) labels: &'a mut [usize],
    pub(super) bounds: &'a mut [[f64; 2]],
    pub(super) changed: usize,
}

impl Found for Bounded<'_> {
    #[inline(always)]
    fn found(&mut self, i: usize, c: usize, best: f64, second: f64) {
        self.changed += usize::from(self.labels[i] != c);
        self.labels[i] = c;
        self.bounds[i] = [best.sqrt(), second.sqrt()];
    }
}

/// Finds the nearest centre of each row of `rows` (or each listed row),
/// four rows at a time.
#[inline(always)]
pub(super) fn for_nearest<const SECOND: bool>(
    rows: &[f64],
    d: usize,
    which: Option<&[usize]>,
    centres: &Packed,
    fused: bool,
    out: &mut impl Found,
) {
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let count = which.map_or(rows.len() / d, <[usize]>::len);
    let index = |j: usize| which.map_or(j, |w| w[j]);
    let full = count / POINTS * POINTS;
    for j in (0..full).step_by(POINTS) {
        let ids = [index(j), index(j + 1), index(j + 2), index(j + 3)];
        let points = [row(ids[0]), row(ids[1]), row(ids[2]), row(ids[3])];
        let found = nearest::<POINTS, SECOND>(&points, centres, fused);
        for (&i, (c, best, second)) in ids.iter().zip(found) {
            out.found(i, c, best, second);
        }
    }
    for j in full..count {
        let i = index(j);
        let [(c, best, second)] = nearest::<1, SECOND>(&[row(i)], centres, fused);
        out.found(i, c, best, second);
    }
}

/// The nearest centre of each row of `rows` (or each listed row) to
/// `out`, with the kernel for this CPU: the AVX-512 one where the CPU has
/// it, otherwise the portable one (same bits).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(super) fn find_nearest<const SECOND: bool, F: Found>(
    rows: &[f64],
    which: Option<&[usize]>,
    centres: &Packed,
    out: &mut F,
) {
    multiversion::target::match_target! {
        "x86_64+avx512f+fma" => avx512::for_nearest::<SECOND>(rows, centres.d, which, centres, out),
        _ => for_nearest::<SECOND>(
            rows,
            centres.d,
            which,
            centres,
            multiversion::target::target_cfg_f!(target_feature = "fma"),
            out,
        ),
    }
}

/// Lloyd's assignment of a chunk of rows: writes the nearest centre of
/// each row to `labels` and its squared distance to `best`.
pub(crate) fn assign(rows: &[f64], centres: &Packed, labels: &mut [usize], best: &mut [f64]) {
    let mut out = Assigned { labels, best };
    find_nearest::<false, _>(rows, None, centres, &mut out);
}

/// Hamerly's full assignment of the rows `which` of a chunk (all rows
/// when `None`): label, and `[upper, lower]` bounds set to the distances
/// to the nearest and second-nearest centres. Returns how many labels
/// changed.
pub(crate) fn assign_bounded(
    rows: &[f64],
    which: Option<&[usize]>,
    centres: &Packed,
    labels: &mut [usize],
    bounds: &mut [[f64; 2]],
) -> usize {
    let mut out = Bounded {
        labels,
        bounds,
        changed: 0,
    };
    find_nearest::<true, _>(rows, which, centres, &mut out);
    out.changed
}

/// The nearest of the packed centres to one point and its squared
/// distance; with a non-empty `out` (length k), the squared distance to
/// every centre. Same bits as the other kernels.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn nearest_one(x: &[f64], centres: &Packed, out: &mut [f64]) -> (usize, f64) {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    if out.is_empty() {
        let [(c, dist, _)] = nearest::<1, false>(&[x], centres, fused);
        return (c, dist);
    }
    for (g, group) in centres.groups().enumerate() {
        let [acc] = group_distances(&[x], group, fused);
        for (o, v) in out.iter_mut().skip(g * LANES).zip(acc) {
            *o = v;
        }
    }
    let mut best = (0, f64::INFINITY);
    for (c, &v) in out.iter().enumerate() {
        if v < best.1 {
            best = (c, v);
        }
    }
    best
}
