//! The k-means++ trials: distances of every row to the candidate centres
//! and the potential each candidate would leave.

use super::{LANES, POINTS, Packed, group_distances, min};

/// k-means++ trials: the squared distance of each row to each candidate,
/// written to `out` (`candidates.k` values per row), and for each
/// candidate the sum over the rows of `min(closest, distance)`.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn potentials(
    rows: &[f64],
    d: usize,
    closest: &[f64],
    candidates: &Packed,
    out: &mut [f64],
) -> Vec<f64> {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    let k = candidates.k;
    let n_groups = k.div_ceil(LANES);
    // One set of lane sums per point slot: independent additions.
    let mut pot = vec![[[0.0f64; LANES]; POINTS]; n_groups];
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let n = closest.len();
    let full = n / POINTS * POINTS;
    let mut add =
        |i: usize, p: usize, g: usize, dist: &[f64; LANES], pot: &mut [[[f64; LANES]; POINTS]]| {
            let near = closest[i];
            for l in 0..LANES {
                pot[g][p][l] += min(near, dist[l]);
            }
            for (l, &v) in dist
                .iter()
                .enumerate()
                .take(k.saturating_sub(g * LANES).min(LANES))
            {
                out[i * k + g * LANES + l] = v;
            }
        };
    for j in (0..full).step_by(POINTS) {
        let points = [row(j), row(j + 1), row(j + 2), row(j + 3)];
        for (g, group) in candidates.groups().enumerate() {
            let acc = group_distances(&points, group, fused);
            for (p, dist) in acc.iter().enumerate() {
                add(j + p, p, g, dist, &mut pot);
            }
        }
    }
    for j in full..n {
        for (g, group) in candidates.groups().enumerate() {
            let [dist] = group_distances(&[row(j)], group, fused);
            add(j, 0, g, &dist, &mut pot);
        }
    }
    (0..k)
        .map(|c| {
            let (g, l) = (c / LANES, c % LANES);
            pot[g].iter().map(|p| p[l]).sum()
        })
        .collect()
}
