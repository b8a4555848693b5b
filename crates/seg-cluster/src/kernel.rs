//! The distance kernels, compiled for several instruction sets and chosen
//! at run time (AVX-512, AVX2 + FMA, NEON, or the baseline).
//!
//! Distances are vectorised across centres. Centres are packed lane-major:
//! [`LANES`] centres side by side, one array per dimension, so the
//! distances of one point to 8 centres are one vector computed without
//! transposing the data: each coordinate of the point is broadcast,
//! subtracted from the centres' coordinates and squared into the lane
//! accumulators. Several points are processed together (four in the
//! portable kernel, eight in the AVX-512 one; independent accumulators
//! keep the FMA units busy). Squared distances are direct differences
//! `Σ (x − c)²` summed over the dimensions in order, with one fused
//! multiply-add per term where the CPU has FMA, so the distance of a point
//! to a centre has the same bits in every kernel and in
//! [`nearest_one`]. The nearest centre of a point is the lowest lane
//! holding the minimum: ties go to the lowest centre index. (The AVX-512
//! kernel then transposes each 8 × 8 block of distances, so that its
//! search for the nearest centre runs across the eight points at once.)
//!
//! - `nearest`: the nearest-centre search (Lloyd's and Hamerly's
//!   assignments, one point);
//! - `sums`: the centre sums and counts, the inertia and the farthest
//!   rows, and the assignment fused with them for a Lloyd step;
//! - `potentials`: the k-means++ trials;
//! - `avx512`: the AVX-512 nearest-centre search.
//!
//! Lanes are indexed explicitly (`for l in 0..LANES`): the loops are the
//! shape the vectoriser turns into whole-register operations.
#![allow(clippy::needless_range_loop)]

#[cfg(target_arch = "x86_64")]
mod avx512;
mod nearest;
mod potentials;
mod sums;
#[cfg(test)]
mod tests;

pub(crate) use nearest::{assign, assign_bounded, nearest_one};
pub(crate) use potentials::potentials;
/// Squared Euclidean distance summed in 8 independent lanes (vectorised;
/// for Hamerly's bounds, centre shifts and reported distances, where the
/// last bits do not decide a label): the one of seg-validate, so that both
/// crates agree bit for bit. (The inertia adds the kernels' own distances:
/// [`assigned_distances`].)
pub(crate) use seg_validate::squared_distance;
pub(crate) use sums::{add_rows, assign_sums, assigned_distances, lane_sum};

/// Centres side by side: one AVX-512 vector of f64.
pub(crate) const LANES: usize = 8;
/// Points processed together.
pub(super) const POINTS: usize = 4;

/// Eight f64 on one cache line: a vector load or store never straddles
/// two lines.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Line(pub(crate) [f64; LANES]);

impl Line {
    /// Adds `v` lane by lane: one vector addition (both arrays are loaded
    /// before the store, which the compiler could not otherwise order).
    #[inline(always)]
    pub(super) fn add(&mut self, v: [f64; LANES]) {
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

    pub(super) fn groups(&self) -> std::slice::ChunksExact<'_, Line> {
        self.groups.chunks_exact(self.d)
    }
}

/// Squared distances of `P` points (each of length d) to one group of
/// centres. `(c − x)²` is `(x − c)²` bit for bit; this order lets the
/// broadcast of x fold into the subtraction.
#[inline(always)]
pub(super) fn group_distances<const P: usize>(
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
pub(super) fn min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
