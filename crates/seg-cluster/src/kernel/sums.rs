//! The centre sums and counts of a step, the inertia and the farthest
//! rows, and Lloyd's assignment fused with them in one pass.

use super::nearest::{Found, find_nearest};
use super::{LANES, Line, Packed};

/// Per-cluster sums and counts of rows, kept in four interleaved sets
/// (row i goes to set i mod 4) and added together at the end: a fixed
/// order, without one long chain of dependent additions.
pub(super) struct SetSums {
    k: usize,
    d: usize,
    /// Blocks of [`LANES`] values per sum (the last one padded).
    blocks: usize,
    sets: Vec<Line>,
    counts: Vec<u64>,
}

impl SetSums {
    const SETS: usize = 4;

    pub(super) fn new(k: usize, d: usize) -> Self {
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
    pub(super) fn finish(&self, sums: &mut [f64], counts: &mut [u64]) {
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

/// Lloyd's assignment with the rows added to their clusters' sums and
/// their squared distances to [`Distances`].
pub(super) struct Summed<'a> {
    pub(super) labels: &'a mut [usize],
    /// Zero while no label has changed.
    pub(super) changed: usize,
    pub(super) rows: &'a [f64],
    pub(super) sets: SetSums,
    pub(super) distances: Distances,
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
    pub(super) fn new(cap: usize) -> Self {
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

/// The inertia of labelled rows: the sum of their squared distances to
/// their centres, with the bits of a Lloyd step's [`Distances::inertia`]
/// (each distance as the kernels compute it, `Σ (c − x)²` over the
/// dimensions in order with one fused multiply-add per term where the CPU
/// has FMA; row i added to lane i mod [`LANES`], then the lanes in order).
/// So the inertia of a fit is the same whether its last step, a final
/// assignment or this pass measured it.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn assigned_distances(rows: &[f64], centres: &[f64], labels: &[usize]) -> f64 {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    let d = rows.len() / labels.len().max(1);
    let mut lanes = [0.0; LANES];
    // Eight rows at a time: eight independent chains of multiply-adds.
    let mut blocks = rows.chunks_exact(LANES * d).zip(labels.chunks_exact(LANES));
    for (block, block_labels) in &mut blocks {
        let mut acc = [0.0f64; LANES];
        for dim in 0..d {
            for p in 0..LANES {
                let t = centres[block_labels[p] * d + dim] - block[p * d + dim];
                acc[p] = if fused {
                    t.mul_add(t, acc[p])
                } else {
                    acc[p] + t * t
                };
            }
        }
        for l in 0..LANES {
            lanes[l] += acc[l];
        }
    }
    let done = labels.len() / LANES * LANES;
    for (i, (row, &c)) in rows[done * d..]
        .chunks_exact(d)
        .zip(&labels[done..])
        .enumerate()
    {
        let mut acc = 0.0f64;
        for (x, c) in row.iter().zip(&centres[c * d..(c + 1) * d]) {
            let t = c - x;
            acc = if fused {
                t.mul_add(t, acc)
            } else {
                acc + t * t
            };
        }
        lanes[(done + i) % LANES] += acc;
    }
    lanes.iter().sum()
}

/// The sum of squared distances `best` (one per row) in the order of
/// [`Distances::inertia`]: row i to lane i mod [`LANES`], then the lanes in
/// order.
pub(crate) fn lane_sum(best: &[f64]) -> f64 {
    let mut lanes = [0.0; LANES];
    for (i, b) in best.iter().enumerate() {
        lanes[i % LANES] += b;
    }
    lanes.iter().sum()
}
