//! The distance kernels, compiled for several instruction sets and chosen
//! at run time (AVX-512, AVX2 + FMA, NEON, or the baseline).
//!
//! Centres are packed lane-major: [`LANES`] centres side by side, one
//! array per dimension, so the distances of one point to 8 centres are
//! one vector computed without transposing the data: each coordinate of
//! the point is broadcast, subtracted from the centres' coordinates and
//! squared into the lane accumulators. Four points are processed together
//! (independent accumulators keep the FMA units busy). Squared distances
//! are direct differences `Σ (x − c)²` summed over the dimensions in
//! order, with one fused multiply-add per term where the CPU has FMA, so
//! the distance of a point to a centre has the same bits in every kernel
//! and in [`nearest_one`]. The nearest centre of a point is the lowest
//! lane holding the minimum: ties go to the lowest centre index.
//!
//! Lanes are indexed explicitly (`for l in 0..LANES`): the loops are the
//! shape the vectoriser turns into whole-register operations.
#![allow(clippy::needless_range_loop)]

#[cfg(target_arch = "x86_64")]
mod avx512;

/// Centres side by side: one AVX-512 vector of f64.
pub(crate) const LANES: usize = 8;
/// Points processed together.
const POINTS: usize = 4;

/// Eight f64 on one cache line: a vector load or store never straddles
/// two lines.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Line(pub(crate) [f64; LANES]);

impl Line {
    /// Adds `v` lane by lane: one vector addition (both arrays are loaded
    /// before the store, which the compiler could not otherwise order).
    #[inline(always)]
    fn add(&mut self, v: [f64; LANES]) {
        let a = self.0;
        let mut sum = [0.0; LANES];
        for l in 0..LANES {
            sum[l] = a[l] + v[l];
        }
        self.0 = sum;
    }
}

/// Centres packed for the kernels: for each group of [`LANES`] centres, `d`
/// arrays of their coordinates; missing centres of the last group have
/// infinite coordinates (infinitely far, never chosen).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Packed {
    pub(crate) k: usize,
    pub(crate) d: usize,
    /// `d` arrays per group of centres.
    pub(crate) groups: Vec<Line>,
}

impl Packed {
    /// Packs `k × d` row-major centres.
    pub(crate) fn new(centres: &[f64], d: usize) -> Self {
        let k = centres.len() / d;
        let mut groups = vec![Line([f64::INFINITY; LANES]); k.div_ceil(LANES) * d];
        for (c, centre) in centres.chunks_exact(d).enumerate() {
            for (dim, &v) in centre.iter().enumerate() {
                groups[(c / LANES) * d + dim].0[c % LANES] = v;
            }
        }
        Packed { k, d, groups }
    }

    fn groups(&self) -> std::slice::ChunksExact<'_, Line> {
        self.groups.chunks_exact(self.d)
    }
}

/// Squared distances of `P` points (each of length d) to one group of
/// centres. `(c − x)²` is `(x − c)²` bit for bit; this order lets the
/// broadcast of x fold into the subtraction.
#[inline(always)]
fn group_distances<const P: usize>(
    points: &[&[f64]; P],
    group: &[Line],
    fused: bool,
) -> [[f64; LANES]; P] {
    let mut acc = [[0.0f64; LANES]; P];
    for (dim, Line(c)) in group.iter().enumerate() {
        for p in 0..P {
            let x = points[p][dim];
            for l in 0..LANES {
                let t = c[l] - x;
                acc[p][l] = if fused {
                    t.mul_add(t, acc[p][l])
                } else {
                    acc[p][l] + t * t
                };
            }
        }
    }
    // An optimisation barrier: without it the SLP vectoriser splits the
    // lanes into mixed widths to suit the reduction below (2–3× slower).
    std::hint::black_box(acc)
}

#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Nearest centre, its squared distance and (when `SECOND`) the squared
/// distance to the second nearest, of `P` points. The minimum over the
/// lanes (centres) is taken for the `P` points together, lane by lane with
/// strict `<`, so ties go to the lowest centre index.
#[inline(always)]
fn nearest<const P: usize, const SECOND: bool>(
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
pub(crate) trait Found {
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
struct Assigned<'a> {
    labels: &'a mut [usize],
    best: &'a mut [f64],
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

/// Lloyd's assignment with the rows added to their clusters' sums and
/// their squared distances to [`Distances`].
struct Summed<'a> {
    labels: &'a mut [usize],
    /// Zero while no label has changed.
    changed: usize,
    rows: &'a [f64],
    sets: SetSums,
    distances: Distances,
}

impl Found for Summed<'_> {
    #[inline(always)]
    fn found(&mut self, i: usize, c: usize, best: f64, _: f64) {
        self.changed += usize::from(self.labels[i] != c);
        self.labels[i] = c;
        let d = self.sets.d;
        self.sets.add(i, &self.rows[i * d..(i + 1) * d], c);
        self.distances.add(i, c, best);
    }

    #[inline(always)]
    fn found8(&mut self, start: usize, c: [usize; 8], best: [f64; 8], _: [f64; 8]) {
        let d = self.sets.d;
        let (Some(labels), Some(rows)) = (
            self.labels.get_mut(start..start + 8),
            self.rows.get(start * d..(start + 8) * d),
        ) else {
            return;
        };
        // Zero exactly when no label changes (a vector XOR and OR).
        let mut moved = 0;
        for p in 0..8 {
            moved |= labels[p] ^ c[p];
        }
        self.changed += usize::from(moved != 0);
        labels.copy_from_slice(&c);
        // Rows of whole blocks: straight-line additions (no loop over the
        // blocks) for the usual widths.
        match (d % LANES, self.sets.blocks) {
            (0, 1) => self.sets.add8::<1>(start, rows, c),
            (0, 2) => self.sets.add8::<2>(start, rows, c),
            (0, 3) => self.sets.add8::<3>(start, rows, c),
            _ => {
                for (p, row) in rows.chunks_exact(d).enumerate() {
                    self.sets.add(start + p, row, c[p]);
                }
            }
        }
        self.distances.add8(start, c, best);
    }
}

/// The squared distances of rows to their nearest centres, as a Lloyd
/// step needs them: their sum (the inertia) and the farthest rows.
pub(crate) struct Distances {
    /// Row i's distance is added to lane i mod [`LANES`].
    lanes: [f64; LANES],
    /// `(squared distance, row, label)` of the farthest rows (at most
    /// `cap`), farthest first, earlier rows first among equals.
    far: Vec<(f64, usize, usize)>,
    cap: usize,
    /// The distance a row must exceed to enter `far` once it is full.
    floor: f64,
}

impl Distances {
    fn new(cap: usize) -> Self {
        Distances {
            lanes: [0.0; LANES],
            far: Vec::with_capacity(cap + 1),
            cap,
            floor: f64::NEG_INFINITY,
        }
    }

    /// The sum of the distances, lane by lane and then the lanes in order.
    pub(crate) fn inertia(&self) -> f64 {
        self.lanes.iter().sum()
    }

    /// The farthest rows: `(squared distance, row, label)`, farthest
    /// first, earlier rows first among equals.
    pub(crate) fn into_far(self) -> Vec<(f64, usize, usize)> {
        self.far
    }

    #[inline(always)]
    fn add(&mut self, i: usize, c: usize, dist: f64) {
        self.lanes[i % LANES] += dist;
        self.offer(i, c, dist);
    }

    /// Keeps row `i` if it is among the farthest so far.
    #[inline(always)]
    fn offer(&mut self, i: usize, c: usize, dist: f64) {
        if self.far.len() < self.cap || dist > self.floor {
            self.keep(i, c, dist);
        }
    }

    /// Rows `start..start + 8` (`start` a multiple of 8).
    #[inline(always)]
    fn add8(&mut self, start: usize, c: [usize; 8], dist: [f64; 8]) {
        debug_assert_eq!(start % LANES, 0, "row i goes to lane i mod 8");
        // One vector comparison with the floor, no horizontal maximum.
        let (mut lanes, floor) = (self.lanes, self.floor);
        let mut above = 0u8;
        for l in 0..LANES {
            lanes[l] += dist[l];
            above |= u8::from(dist[l] > floor) << l;
        }
        self.lanes = lanes;
        if self.far.len() < self.cap || above != 0 {
            for p in 0..8 {
                self.offer(start + p, c[p], dist[p]);
            }
        }
    }

    /// Inserts a row into `far` (after every row at least as far).
    #[inline(never)]
    fn keep(&mut self, i: usize, c: usize, dist: f64) {
        let at = self.far.partition_point(|&(f, _, _)| f >= dist);
        self.far.insert(at, (dist, i, c));
        self.far.truncate(self.cap);
        if self.far.len() == self.cap {
            self.floor = self.far[self.cap - 1].0;
        }
    }
}

/// Hamerly's assignment: labels, bounds, labels changed.
struct Bounded<'a> {
    labels: &'a mut [usize],
    bounds: &'a mut [[f64; 2]],
    changed: usize,
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
fn for_nearest<const SECOND: bool>(
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
fn find_nearest<const SECOND: bool, F: Found>(
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

/// Squared Euclidean distance summed in 8 independent lanes (vectorised;
/// for bounds and inertia, where the last bits do not decide a label).
#[inline(always)]
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    let mut acc = [0.0; LANES];
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Per-cluster sums and counts of rows, kept in four interleaved sets
/// (row i goes to set i mod 4) and added together at the end: a fixed
/// order, without one long chain of dependent additions.
struct SetSums {
    k: usize,
    d: usize,
    /// Blocks of [`LANES`] values per sum (the last one padded).
    blocks: usize,
    sets: Vec<Line>,
    counts: Vec<u64>,
}

impl SetSums {
    const SETS: usize = 4;

    fn new(k: usize, d: usize) -> Self {
        let blocks = d.div_ceil(LANES);
        SetSums {
            k,
            d,
            blocks,
            sets: vec![Line([0.0; LANES]); Self::SETS * k * blocks],
            counts: vec![0; Self::SETS * k],
        }
    }

    /// Adds row `i` (of length d) to cluster `c`.
    #[inline(always)]
    fn add(&mut self, i: usize, row: &[f64], c: usize) {
        let slot = (i % Self::SETS) * self.k + c;
        let set = &mut self.sets[slot * self.blocks..(slot + 1) * self.blocks];
        let mut values = row[..self.d].chunks_exact(LANES);
        for (t, v) in set.iter_mut().zip(&mut values) {
            t.add(v.try_into().unwrap_or([0.0; LANES]));
        }
        let rest = values.remainder();
        if let Some(t) = set.last_mut().filter(|_| !rest.is_empty()) {
            for (t, v) in t.0.iter_mut().zip(rest) {
                *t += v;
            }
        }
        self.counts[slot] += 1;
    }

    /// [`SetSums::add`] of eight rows of `B` whole blocks (`d = 8B`)
    /// starting at row `start` (a multiple of 8), with their clusters `c`.
    #[inline(always)]
    fn add8<const B: usize>(&mut self, start: usize, rows: &[f64], c: [usize; 8]) {
        debug_assert_eq!(start % 8, 0, "row start + p goes to set p mod 4");
        // Slices and sizes in locals: the stores below cannot change them.
        let k = self.k;
        let (sets, counts) = (self.sets.as_chunks_mut::<B>().0, &mut self.counts[..]);
        let rows = rows.as_chunks::<LANES>().0;
        for p in 0..8 {
            let slot = (p % Self::SETS) * k + c[p];
            let (Some(set), Some(row), Some(count)) = (
                sets.get_mut(slot),
                rows.get(p * B..(p + 1) * B),
                counts.get_mut(slot),
            ) else {
                continue;
            };
            for b in 0..B {
                set[b].add(row[b]);
            }
            *count += 1;
        }
    }

    /// Adds the sets, in order, to `sums` (k × d) and `counts`.
    fn finish(&self, sums: &mut [f64], counts: &mut [u64]) {
        let (k, d) = (self.k, self.d);
        for (set, set_counts) in self
            .sets
            .chunks_exact(k * self.blocks)
            .zip(self.counts.chunks_exact(k))
        {
            for (sum, blocks) in sums.chunks_exact_mut(d).zip(set.chunks_exact(self.blocks)) {
                for (t, v) in sum.iter_mut().zip(blocks.iter().flat_map(|b| &b.0)) {
                    *t += v;
                }
            }
            for (c, n) in counts.iter_mut().zip(set_counts) {
                *c += n;
            }
        }
    }
}

/// Adds each row to the sum of its cluster and counts it (see
/// [`SetSums`] for the order of the additions).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn add_rows(sums: &mut [f64], counts: &mut [u64], rows: &[f64], labels: &[usize]) {
    let k = counts.len();
    let d = sums.len() / k;
    let mut sets = SetSums::new(k, d);
    for (i, (row, &c)) in rows.chunks_exact(d).zip(labels).enumerate() {
        sets.add(i, row, c);
    }
    sets.finish(sums, counts);
}

/// [`assign`] and [`add_rows`] in one pass over the rows (the sums have
/// the same bits as `add_rows` after `assign`), with the rows' squared
/// distances to their centres. Returns a count of changes: zero exactly
/// when no label changed (rows are counted in blocks of eight).
pub(crate) fn assign_sums(
    rows: &[f64],
    centres: &Packed,
    labels: &mut [usize],
    sums: &mut [f64],
    counts: &mut [u64],
) -> (usize, Distances) {
    let mut out = Summed {
        labels,
        changed: 0,
        rows,
        sets: SetSums::new(centres.k, centres.d),
        distances: Distances::new(centres.k),
    };
    find_nearest::<false, _>(rows, None, centres, &mut out);
    out.sets.finish(sums, counts);
    (out.changed, out.distances)
}

/// The sum of squared distances of the rows to their centres.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn assigned_distances(rows: &[f64], centres: &[f64], labels: &[usize]) -> f64 {
    let d = rows.len() / labels.len().max(1);
    let mut lanes = [0.0; 4];
    for (i, (row, &c)) in rows.chunks_exact(d).zip(labels).enumerate() {
        lanes[i % 4] += squared_distance(row, &centres[c * d..(c + 1) * d]);
    }
    lanes.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small integers, so that many distances tie exactly.
    fn grid(len: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 33) % 5) as f64 - 2.0 + if state & 1 == 1 { 0.25 } else { 0.0 }
            })
            .collect()
    }

    /// The kernel chosen for this CPU (AVX-512 where present) finds the
    /// same centres, ties included, and the same distance bits as the
    /// generic kernel, for several groups of centres, rows left over
    /// after the blocks of eight, and listed rows.
    #[test]
    fn dispatched_kernel_equals_the_generic_one() {
        let bits = |b: &[f64]| -> Vec<u64> { b.iter().map(|v| v.to_bits()).collect() };
        for (n, d, k) in [
            (37, 3, 5),
            (64, 16, 8),
            (29, 7, 9),
            (50, 1, 17),
            (8, 20, 2),
            (45, 8, 3),
            (27, 24, 12),
        ] {
            let rows = grid(n * d, (n * d * k) as u64);
            let centres = grid(k * d, 7 + k as u64);
            let packed = Packed::new(&centres, d);
            let listed: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
            for which in [None, Some(listed.as_slice())] {
                let (mut labels, mut bounds) = (vec![usize::MAX; n], vec![[0.0; 2]; n]);
                assign_bounded(&rows, which, &packed, &mut labels, &mut bounds);
                let mut generic = Bounded {
                    labels: &mut vec![usize::MAX; n],
                    bounds: &mut vec![[0.0; 2]; n],
                    changed: 0,
                };
                for_nearest::<true>(&rows, d, which, &packed, true, &mut generic);
                assert_eq!(labels, generic.labels, "n {n} d {d} k {k}");
                let pair_bits = |b: &[[f64; 2]]| -> Vec<[u64; 2]> {
                    b.iter().map(|v| v.map(f64::to_bits)).collect()
                };
                assert_eq!(pair_bits(&bounds), pair_bits(generic.bounds));
            }
            let (mut labels, mut best) = (vec![0; n], vec![0.0; n]);
            assign(&rows, &packed, &mut labels, &mut best);
            let mut generic = Assigned {
                labels: &mut vec![0; n],
                best: &mut vec![0.0; n],
            };
            for_nearest::<false>(&rows, d, None, &packed, true, &mut generic);
            assert_eq!(labels, generic.labels, "n {n} d {d} k {k}");
            assert_eq!(bits(&best), bits(generic.best));
            let (mut sums, mut counts) = (vec![0.0; k * d], vec![0; k]);
            let mut fused_labels = vec![0; n];
            let (_, distances) =
                assign_sums(&rows, &packed, &mut fused_labels, &mut sums, &mut counts);
            assert_eq!(labels, fused_labels);
            // The generic kernel row by row gives the same sums, inertia
            // and farthest rows; the inertia adds row i in lane i mod 8.
            let mut generic = Summed {
                labels: &mut vec![0; n],
                changed: 0,
                rows: &rows,
                sets: SetSums::new(k, d),
                distances: Distances::new(k),
            };
            for_nearest::<false>(&rows, d, None, &packed, true, &mut generic);
            let (mut generic_sums, mut generic_counts) = (vec![0.0; k * d], vec![0; k]);
            generic.sets.finish(&mut generic_sums, &mut generic_counts);
            assert_eq!(bits(&sums), bits(&generic_sums));
            assert_eq!(counts, generic_counts);
            let mut lanes = [0.0; LANES];
            for (i, b) in best.iter().enumerate() {
                lanes[i % LANES] += b;
            }
            let inertia: f64 = lanes.iter().sum();
            assert_eq!(distances.inertia().to_bits(), inertia.to_bits());
            assert_eq!(generic.distances.inertia().to_bits(), inertia.to_bits());
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| best[b].total_cmp(&best[a]));
            let far: Vec<(f64, usize, usize)> = order
                .iter()
                .take(k)
                .map(|&i| (best[i], i, labels[i]))
                .collect();
            assert_eq!(generic.distances.into_far(), far);
            assert_eq!(distances.into_far(), far);
            let (mut added, mut added_counts) = (vec![0.0; k * d], vec![0; k]);
            add_rows(&mut added, &mut added_counts, &rows, &labels);
            assert_eq!(sums, added);
            assert_eq!(counts, added_counts);
        }
    }
}
