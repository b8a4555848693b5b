//! Silhouette coefficients: exact (symmetric tiles, O(n·d) extra memory
//! whatever k), sampled, stratified and simplified.

use std::ops::Range;

use ndarray::{ArrayView2, Axis};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::check::{
    Centred, centred, check_clusters, check_data, check_sample_size, cluster_count,
};
use crate::distance::squared_distance;
use crate::error::{Result, ValidateError};
use crate::labels::{Dense, densify};

/// Rows whose distances are accumulated together (register blocking); a
/// divisor of [`LANES`], see [`tile_sums`].
const ROWS: usize = 4;
/// Other points processed together: one AVX-512 vector of f64.
const LANES: usize = 8;
/// Sorted positions per block (tiles are at most `BLOCK × BLOCK`).
const BLOCK: usize = 256;
/// Blocks of rows measured together (in parallel) before their sums are
/// added up; any value gives the same numbers.
#[cfg(feature = "parallel")]
const BAND: usize = 16;
/// Distance sums (point × cluster) held at a time, unless 8 per point is
/// more: 2²³ values, 64 MB.
const SUMS_BUDGET: usize = 1 << 23;
/// The fewest clusters whose sums are gathered together.
const MIN_GROUP: usize = 8;

/// The silhouette coefficient of every sample, with scikit-learn's
/// semantics.
///
/// For sample i in cluster A, `a(i)` is the mean Euclidean distance to the
/// other members of A and `b(i)` the smallest mean distance to the members
/// of another cluster. A sample alone in its cluster scores 0, as does a
/// sample with `a = b = 0`. Distances are computed in tiles of at most
/// 256 × 256 points, never as an n × n matrix, and each pair of points is
/// measured once, its distance added to both points' sums: the extra
/// memory is one copy of the data sorted by cluster, O(n) per block of
/// rows measured together (16 blocks, or twice the number of threads if
/// more), and the per-cluster distance sums of the points, held for at
/// most max(2²³, 8·n) point–cluster pairs at a time (64 MB, or 64 bytes
/// per point above a million points), and as many partial sums while they
/// are measured. With more clusters than that allows, the clusters are
/// taken in groups and the sums of each pair of groups are reduced to
/// a(i) and b(i) before the next pair, each sum added up in the same order
/// as without groups, so the result does not depend on the grouping. With
/// the `parallel` feature the blocks are spread over all cores and the
/// result is bit for bit the same.
///
/// # Precision
///
/// Every distance is `√Σ (xᵢ − yᵢ)²` from exact differences, never the
/// norm form `‖x‖² + ‖y‖² − 2·x·y` of BLAS-backed implementations, which
/// loses every digit of the distance of near points far from the origin
/// (duplicates and near duplicates at an offset of 10⁸ in the crate's
/// tests). The sums of distances are added up in one fixed order, whatever
/// the order of the clusters, the number of threads or whether a point is
/// a row or a column of its tile; they equal scikit-learn's to about 10⁻¹⁵
/// relative.
///
/// # Formula
///
/// ```text
/// s(i) = (b(i) − a(i)) / max(a(i), b(i))
/// ```
///
/// # Errors
///
/// [`ValidateError::EmptyInput`], [`ValidateError::LengthMismatch`],
/// [`ValidateError::NonFinite`] naming row and column,
/// [`ValidateError::InvalidClusterCount`] unless 2 ≤ clusters ≤ n − 1, and
/// [`ValidateError::InvalidParameter`] naming `x` for a (broadcast) view
/// whose copy would not fit in the address space.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::silhouette_samples;
///
/// let x = array![[0.0], [1.0], [10.0], [11.0]];
/// let s = silhouette_samples(x.view(), &[0, 0, 1, 1])?;
/// assert_eq!(s[0], 1.0 - 1.0 / 10.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the
/// interpretation and validation of cluster analysis. *Journal of
/// Computational and Applied Mathematics* 20, 53–65.
pub fn silhouette_samples(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<Vec<f64>> {
    let dense = check_clusters(x, labels, 2, x.nrows().saturating_sub(1))?;
    Ok(exact_samples(x, &dense))
}

/// The mean silhouette coefficient over all samples (scikit-learn's
/// `silhouette_score`), exact.
///
/// # Errors
///
/// As [`silhouette_samples`].
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::silhouette_score;
///
/// let x = array![[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0], [9.0, 9.0]];
/// let s = silhouette_score(x.view(), &[0, 0, 1, 1, 1])?;
/// assert!(s > 0.5 && s <= 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn silhouette_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let dense = check_clusters(x, labels, 2, x.nrows().saturating_sub(1))?;
    Ok(exact_score(x, &dense))
}

/// The exact silhouette score of checked input.
pub(crate) fn exact_score(x: ArrayView2<'_, f64>, dense: &Dense) -> f64 {
    mean(&exact_samples(x, dense))
}

/// The silhouette score of a seeded uniform random subset of
/// `sample_size` rows (scikit-learn's `sample_size` argument).
///
/// Distances are measured within the subset only. Uniform sampling can
/// miss small clusters; [`silhouette_score_stratified`] keeps them.
///
/// # Errors
///
/// As [`silhouette_samples`], plus [`ValidateError::InvalidSampleSize`]
/// for 0 or more than n, and [`ValidateError::InvalidClusterCount`] when
/// the subset holds fewer than 2 clusters.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_validate::{silhouette_score, silhouette_score_sampled};
///
/// let x = Array2::from_shape_fn((400, 2), |(i, j)| (i % 2) as f64 * 10.0 + ((i * 7 + j * 3) % 5) as f64 * 0.1);
/// let labels: Vec<usize> = (0..400).map(|i| i % 2).collect();
/// let exact = silhouette_score(x.view(), &labels)?;
/// let sampled = silhouette_score_sampled(x.view(), &labels, 100, 7)?;
/// assert!((exact - sampled).abs() < 0.01);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn silhouette_score_sampled(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    check_data(x, labels)?;
    check_sample_size(sample_size, x.nrows())?;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut idx = rand::seq::index::sample(&mut rng, x.nrows(), sample_size).into_vec();
    idx.sort_unstable();
    // The rows were checked: only the clusters of the sample are left.
    let sub_labels: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
    let dense = cluster_count(densify(&sub_labels), 2, sample_size.saturating_sub(1))?;
    Ok(exact_score(x.select(Axis(0), &idx).view(), &dense))
}

/// A stratified sampled silhouette that keeps every cluster represented.
///
/// `sample_size` rows are split over clusters in proportion to their sizes
/// (largest remainders), each cluster getting at least `min(size, 10)`
/// rows; the score is the mean of the per-cluster mean silhouettes weighted
/// by the clusters' shares of all rows, so small clusters count as much as
/// they do in the exact score. This answers the long-standing complaint
/// that uniform sampling drops small clusters (scikit-learn issue #11676).
///
/// # Errors
///
/// As [`silhouette_score_sampled`].
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_validate::silhouette_score_stratified;
///
/// // 990 points in one cluster, 10 in a far-away small one.
/// let x = Array2::from_shape_fn((1000, 1), |(i, _)| if i < 990 { (i % 10) as f64 } else { 100.0 });
/// let labels: Vec<usize> = (0..1000).map(|i| usize::from(i >= 990)).collect();
/// let s = silhouette_score_stratified(x.view(), &labels, 50, 1)?;
/// assert!(s > 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn silhouette_score_stratified(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    check_data(x, labels)?;
    check_sample_size(sample_size, x.nrows())?;
    let dense = cluster_count(densify(labels), 2, x.nrows().saturating_sub(1))?;
    stratified_score(x, &dense, sample_size, seed)
}

/// The stratified sampled silhouette of checked input, with `sample_size`
/// in `1..=n`.
pub(crate) fn stratified_score(
    x: ArrayView2<'_, f64>,
    dense: &Dense,
    sample_size: usize,
    seed: u64,
) -> Result<f64> {
    let quotas = stratified_quotas(&dense.sizes, sample_size);
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); dense.k()];
    for (i, &c) in dense.labels.iter().enumerate() {
        members[c].push(i);
    }
    let mut idx = Vec::with_capacity(quotas.iter().sum());
    for (m, &q) in members.iter().zip(&quotas) {
        idx.extend(
            rand::seq::index::sample(&mut rng, m.len(), q)
                .into_iter()
                .map(|j| m[j]),
        );
    }
    idx.sort_unstable();
    let sub = densify(&idx.iter().map(|&i| dense.labels[i]).collect::<Vec<_>>());
    if sub.k() < 2 || sub.k() + 1 > idx.len() {
        return Err(ValidateError::InvalidClusterCount {
            k: sub.k(),
            min: 2,
            max: idx.len().saturating_sub(1),
        });
    }
    let s = exact_samples(x.select(Axis(0), &idx).view(), &sub);
    let mut per_cluster = vec![0.0; dense.k()];
    for (&i, v) in idx.iter().zip(&s) {
        per_cluster[dense.labels[i]] += v;
    }
    let n = x.nrows() as f64;
    Ok(per_cluster
        .iter()
        .zip(&quotas)
        .zip(&dense.sizes)
        .map(|((sum, &q), &size)| sum / q as f64 * (size as f64 / n))
        .sum())
}

/// Largest-remainder allocation of `total` over `sizes`, with a floor of
/// `min(size, 10)` per cluster and never more than a cluster's size.
fn stratified_quotas(sizes: &[usize], total: usize) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    let exact: Vec<f64> = sizes
        .iter()
        .map(|&s| total as f64 * s as f64 / n as f64)
        .collect();
    let mut quotas: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let left = total.saturating_sub(quotas.iter().sum());
    for &c in order.iter().take(left) {
        quotas[c] += 1;
    }
    for (q, &s) in quotas.iter_mut().zip(sizes) {
        *q = (*q).max(s.min(10)).min(s);
    }
    quotas
}

/// The simplified (centroid) silhouette: `a` and `b` are distances to
/// cluster centroids instead of mean distances to members, O(n·k·d).
///
/// It ranks partitions like the exact silhouette on compact clusters and
/// scales to millions of rows, so it suits choosing k on large data. A
/// sample alone in its cluster scores 0.
///
/// # Errors
///
/// As [`silhouette_samples`].
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_validate::simplified_silhouette_score;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// // Centroids 1 and 11: a = 1 for every point, b = 11 or 9.
/// let s = simplified_silhouette_score(x.view(), &[0, 0, 1, 1])?;
/// assert_eq!(s, (10.0 / 11.0 + 8.0 / 9.0 + 8.0 / 9.0 + 10.0 / 11.0) / 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Hruschka, E. R., de Castro, L. N., Campello, R. J. G. B. (2004).
/// Evolutionary algorithms for clustering gene-expression data. *ICDM*.
pub fn simplified_silhouette_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let Centred {
        data,
        d,
        dense,
        centres,
        ..
    } = centred(x, labels, 2, x.nrows().saturating_sub(1))?;
    let total: f64 = data
        .chunks_exact(d)
        .zip(&dense.labels)
        .map(|(row, &own)| {
            if dense.sizes[own] == 1 {
                return 0.0;
            }
            let mut a = 0.0;
            let mut b = f64::INFINITY;
            for (c, centre) in centres.chunks_exact(d).enumerate() {
                let dist = squared_distance(row, centre).sqrt();
                if c == own {
                    a = dist;
                } else {
                    b = b.min(dist);
                }
            }
            ratio(a, b)
        })
        .sum();
    Ok(total / x.nrows() as f64)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// `(b − a) / max(a, b)`, 0 when both are 0 (scikit-learn's `nan_to_num`).
fn ratio(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m > 0.0 { (b - a) / m } else { 0.0 }
}

/// The data sorted by cluster and transposed (dimension-major), with the
/// start of each cluster and the sorted position of every row.
struct Sorted {
    /// `d` rows of `n` values.
    columns: Vec<f64>,
    starts: Vec<usize>,
    positions: Vec<usize>,
    n: usize,
    d: usize,
}

fn sort_by_cluster(x: ArrayView2<'_, f64>, dense: &Dense) -> Sorted {
    let n = x.nrows();
    let mut starts = vec![0; dense.k() + 1];
    for (c, &size) in dense.sizes.iter().enumerate() {
        starts[c + 1] = starts[c] + size;
    }
    let mut next = starts.clone();
    let mut positions = Vec::with_capacity(n);
    let mut columns = vec![0.0; n * x.ncols()];
    for (row, &c) in x.rows().into_iter().zip(&dense.labels) {
        let pos = next[c];
        next[c] += 1;
        positions.push(pos);
        for (dim, &v) in row.iter().enumerate() {
            columns[dim * n + pos] = v;
        }
    }
    Sorted {
        columns,
        starts,
        positions,
        n,
        d: x.ncols(),
    }
}

fn exact_samples(x: ArrayView2<'_, f64>, dense: &Dense) -> Vec<f64> {
    exact_samples_grouped(x, dense, group_size(x.nrows()))
}

/// Clusters whose sums are gathered together for `n` points: as many as
/// [`SUMS_BUDGET`] allows, at least [`MIN_GROUP`].
fn group_size(n: usize) -> usize {
    (SUMS_BUDGET / n.max(1)).max(MIN_GROUP)
}

/// The exact silhouettes, the clusters taken `group` at a time.
///
/// For every pair of groups `(G, H)`, `G ≤ H`, the tiles between the
/// blocks of `G` and those of `H` complete the sums of the points of `G`
/// over the clusters of `H` and the other way round; those are reduced at
/// once to the mean distance to the own cluster and the smallest mean
/// distance to another. Each sum is added up in the same order as with a
/// single group, and the minimum does not depend on the order, so any
/// `group` gives the same bits.
pub(crate) fn exact_samples_grouped(
    x: ArrayView2<'_, f64>,
    dense: &Dense,
    group: usize,
) -> Vec<f64> {
    let sorted = sort_by_cluster(x, dense);
    let blocks = blocks(&sorted.starts);
    let group = group.max(1);
    // The first block of every group of clusters, and the end.
    let mut bounds: Vec<usize> = blocks
        .iter()
        .enumerate()
        .filter(|(i, b)| b.cluster % group == 0 && (*i == 0 || blocks[i - 1].cluster != b.cluster))
        .map(|(i, _)| i)
        .collect();
    bounds.push(blocks.len());
    let mut cluster_of = vec![0; sorted.n];
    for (c, w) in sorted.starts.windows(2).enumerate() {
        cluster_of[w[0]..w[1]].iter_mut().for_each(|v| *v = c);
    }
    let mut own_mean = vec![0.0; sorted.n];
    let mut nearest = vec![f64::INFINITY; sorted.n];
    let mut reduce = |sums: &[f64], positions: Range<usize>, base: usize, width: usize| {
        for (pos, row) in positions.zip(sums.chunks_exact(width)) {
            let own = cluster_of[pos];
            for (c, &s) in (base..base + width).zip(row) {
                if c == own {
                    if dense.sizes[own] > 1 {
                        own_mean[pos] = s / (dense.sizes[own] - 1) as f64;
                    }
                } else {
                    nearest[pos] = nearest[pos].min(s / dense.sizes[c] as f64);
                }
            }
        }
    };
    for g in 0..bounds.len() - 1 {
        for h in g..bounds.len() - 1 {
            let rows = bounds[g]..bounds[g + 1];
            let cols = bounds[h]..bounds[h + 1];
            let part = pair_sums(&sorted, &blocks, rows.clone(), cols.clone());
            let (row_span, row_base, row_width) = span(&blocks, rows);
            let (col_span, col_base, col_width) = span(&blocks, cols);
            reduce(&part.rows, row_span, col_base, col_width);
            if let Some(col_sums) = &part.cols {
                reduce(col_sums, col_span, row_base, row_width);
            }
        }
    }
    dense
        .labels
        .iter()
        .zip(&sorted.positions)
        .map(|(&own, &pos)| {
            if dense.sizes[own] == 1 {
                return 0.0;
            }
            ratio(own_mean[pos], nearest[pos])
        })
        .collect()
}

/// The sorted positions, first cluster and number of clusters of a
/// non-empty range of blocks.
fn span(blocks: &[Block], range: Range<usize>) -> (Range<usize>, usize, usize) {
    let first = blocks[range.start];
    let last = blocks[range.end - 1];
    (
        first.start..last.end,
        first.cluster,
        last.cluster + 1 - first.cluster,
    )
}

/// Consecutive sorted positions `start..end`, all in `cluster`.
#[derive(Clone, Copy)]
struct Block {
    start: usize,
    end: usize,
    cluster: usize,
}

impl Block {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Each cluster's positions cut into blocks of at most [`BLOCK`].
fn blocks(starts: &[usize]) -> Vec<Block> {
    let mut out = Vec::new();
    for (cluster, w) in starts.windows(2).enumerate() {
        let mut start = w[0];
        while start < w[1] {
            let end = w[1].min(start + BLOCK);
            out.push(Block {
                start,
                end,
                cluster,
            });
            start = end;
        }
    }
    out
}

/// What the task of one block of rows contributes: the sums of its rows
/// over the tiles `(R, C)` with `C ≥ R` among the column blocks (`len ×`
/// clusters of the columns, row-major), and the sums over its rows of the
/// distances to every later column position from `later_start` on (the
/// transposed half of those tiles).
struct BlockPart {
    rows: Vec<f64>,
    later: Vec<f64>,
    later_start: usize,
}

/// The sums of distances of the tiles between the row blocks `rows` and the
/// column blocks `cols`, either the same range or `rows` wholly before
/// `cols`.
struct PairSums {
    /// For every position of the row blocks, the sums over each cluster of
    /// the column blocks (row-major); with `rows == cols`, complete.
    rows: Vec<f64>,
    /// For every position of the column blocks, the sums over each cluster
    /// of the row blocks; `None` when `rows == cols`.
    cols: Option<Vec<f64>>,
}

/// For every sorted position of the row blocks, the sum of Euclidean
/// distances to the members of each cluster of the column blocks, and
/// (for distinct ranges) the other way round.
///
/// Each unordered pair of points is measured once: the tile of row block
/// `R` and column block `C > R` adds every distance both to its row's sum
/// (cluster of `C`) and to its column's sum (cluster of `R`); the tile
/// `(R, R)` is measured whole. Every sum is added up in a fixed order — the
/// column parts of the earlier blocks one by one in block order, then the
/// row part of the own block — whatever the number of threads, so the
/// numbers are the same bit for bit on any number of threads.
fn pair_sums(
    sorted: &Sorted,
    blocks: &[Block],
    rows: Range<usize>,
    cols: Range<usize>,
) -> PairSums {
    let (row_span, row_base, row_width) = span(blocks, rows.clone());
    let (col_span, col_base, col_width) = span(blocks, cols.clone());
    let diagonal = rows == cols;
    let mut row_sums = vec![0.0; row_span.len() * col_width];
    let mut col_sums = (!diagonal).then(|| vec![0.0; col_span.len() * row_width]);
    let part = |r: usize| block_part(sorted, blocks, r, cols.clone(), col_base, col_width);
    #[cfg(feature = "parallel")]
    let band = BAND.max(2 * rayon::current_num_threads());
    #[cfg(not(feature = "parallel"))]
    let band = 1;
    let mut first = rows.start;
    while first < rows.end {
        let last = rows.end.min(first + band);
        #[cfg(feature = "parallel")]
        let parts: Vec<BlockPart> = {
            use rayon::prelude::*;
            (first..last).into_par_iter().map(part).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<BlockPart> = (first..last).map(part).collect();
        for (block, p) in blocks[first..last].iter().zip(parts) {
            let at = (block.start - row_span.start) * col_width;
            let own = &mut row_sums[at..at + block.len() * col_width];
            for (s, v) in own.iter_mut().zip(&p.rows) {
                *s += v;
            }
            let (target, origin, width, cluster) = match col_sums.as_mut() {
                Some(c) => (c, col_span.start, row_width, block.cluster - row_base),
                None => (
                    &mut row_sums,
                    row_span.start,
                    col_width,
                    block.cluster - col_base,
                ),
            };
            for (j, v) in (p.later_start..).zip(&p.later) {
                target[(j - origin) * width + cluster] += v;
            }
        }
        first = last;
    }
    PairSums {
        rows: row_sums,
        cols: col_sums,
    }
}

/// The tiles of row block `r` against the column blocks `cols`: `(r, r)`
/// whole if it is among them and `(r, c)` for every later block `c`; the
/// clusters of the columns are `base..base + width`.
fn block_part(
    sorted: &Sorted,
    blocks: &[Block],
    r: usize,
    cols: Range<usize>,
    base: usize,
    width: usize,
) -> BlockPart {
    let rb = blocks[r];
    let first = cols.start.max(r);
    let later_start = if first == r {
        rb.end
    } else {
        blocks[first].start
    };
    let later_end = blocks[cols.end - 1].end.max(later_start);
    let mut rows = vec![0.0; rb.len() * width];
    let mut later = vec![0.0; later_end - later_start];
    let mut row_sums = vec![0.0; rb.len()];
    let mut scratch = vec![0.0; BLOCK];
    let mut col_parts = vec![0.0; LANES * BLOCK];
    for (c, cb) in blocks.iter().enumerate().take(cols.end).skip(first) {
        let col_sums = if c == r {
            &mut scratch[..cb.len()]
        } else {
            &mut later[cb.start - later_start..cb.end - later_start]
        };
        tile_sums(
            Tile {
                columns: &sorted.columns,
                n: sorted.n,
                d: sorted.d,
                rows: (rb.start, rb.end),
                cols: (cb.start, cb.end),
            },
            &mut row_sums,
            col_sums,
            &mut col_parts,
        );
        for (i, s) in row_sums.iter().enumerate() {
            rows[i * width + cb.cluster - base] += s;
        }
    }
    BlockPart {
        rows,
        later,
        later_start,
    }
}

/// Rows `rows` against columns `cols` of dimension-major data with `n`
/// points per dimension and `d` dimensions.
#[derive(Clone, Copy)]
struct Tile<'a> {
    columns: &'a [f64],
    n: usize,
    d: usize,
    rows: (usize, usize),
    cols: (usize, usize),
}

/// The Euclidean distances of a tile, summed along its rows into
/// `row_sums` and along its columns into `col_sums` (both overwritten);
/// `col_parts` is scratch space of `LANES ×` columns values.
///
/// The hot loop of the exact silhouette, compiled for several instruction
/// sets and chosen at run time (AVX-512, AVX2 + FMA, or the baseline).
/// Every distance is the square root of a sum of squared differences,
/// `Σ (xᵢ − yᵢ)²`, never `‖x‖² + ‖y‖² − 2·x·y`: no cancellation, whatever
/// the offset or spread of the data.
///
/// Row and column sums are added up in one canonical order, so that the sum
/// of the distances from a point to a block is the same bits whether the
/// point is a row or a column of the tile (and the silhouette does not
/// depend on the order of the clusters): the first `8·⌊len/8⌋` distances
/// into 8 partial sums by index modulo 8, those added in order, then the
/// remaining distances one by one. Paths with FMA round each `acc + t²`
/// once instead of twice, so results may differ in the last bits between
/// CPUs, never between runs or thread counts on one machine.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn tile_sums(tile: Tile<'_>, row_sums: &mut [f64], col_sums: &mut [f64], col_parts: &mut [f64]) {
    // Fused multiply-add where the selected target has it: one rounding
    // less per term, and half the instructions.
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    let Tile {
        columns,
        n,
        d,
        rows: (r0, r1),
        cols: (c0, c1),
    } = tile;
    let width = c1 - c0;
    let full_cols = c0 + width / LANES * LANES;
    let full_rows = r0 + (r1 - r0) / LANES * LANES;
    let col_parts = &mut col_parts[..LANES * width];
    col_parts.iter_mut().for_each(|v| *v = 0.0);
    let mut points = vec![0.0; d * ROWS];
    for i in (r0..full_rows).step_by(ROWS) {
        for dim in 0..d {
            points[dim * ROWS..(dim + 1) * ROWS]
                .copy_from_slice(&columns[dim * n + i..dim * n + i + ROWS]);
        }
        let mut partial = [[0.0f64; LANES]; ROWS];
        for j in (c0..full_cols).step_by(LANES) {
            let mut acc = [[0.0f64; LANES]; ROWS];
            for dim in 0..d {
                let at = dim * n + j;
                let col: [f64; LANES] = lanes(&columns[at..at + LANES]);
                let p: [f64; ROWS] = lanes(&points[dim * ROWS..dim * ROWS + ROWS]);
                for (a, &p) in acc.iter_mut().zip(&p) {
                    for (a, &v) in a.iter_mut().zip(&col) {
                        let t = p - v;
                        *a = if fused { t.mul_add(t, *a) } else { *a + t * t };
                    }
                }
            }
            // An optimisation barrier: without it the SLP vectoriser splits
            // the lanes into mixed widths to suit the sums below.
            let acc = std::hint::black_box(acc);
            for (r, (part, acc)) in partial.iter_mut().zip(&acc).enumerate() {
                let at = ((i - r0) % LANES + r) * width + j - c0;
                let down = &mut col_parts[at..at + LANES];
                for ((s, cs), &a) in part.iter_mut().zip(down).zip(acc) {
                    let dist = a.sqrt();
                    *s += dist;
                    *cs += dist;
                }
            }
        }
        for (r, part) in partial.iter().enumerate() {
            let mut sum: f64 = part.iter().sum();
            for j in full_cols..c1 {
                let dist = pair_distance(columns, n, d, i + r, j, fused);
                sum += dist;
                col_parts[((i - r0) % LANES + r) * width + j - c0] += dist;
            }
            row_sums[i - r0 + r] = sum;
        }
    }
    for (j, cs) in col_sums[..width].iter_mut().enumerate() {
        let mut sum = 0.0;
        for r in 0..LANES {
            sum += col_parts[r * width + j];
        }
        *cs = sum;
    }
    for i in full_rows..r1 {
        let mut part = [0.0f64; LANES];
        for j in c0..full_cols {
            let dist = pair_distance(columns, n, d, i, j, fused);
            part[(j - c0) % LANES] += dist;
            col_sums[j - c0] += dist;
        }
        let mut sum: f64 = part.iter().sum();
        for j in full_cols..c1 {
            let dist = pair_distance(columns, n, d, i, j, fused);
            sum += dist;
            col_sums[j - c0] += dist;
        }
        row_sums[i - r0] = sum;
    }
}

/// The Euclidean distance of positions `i` and `j` of dimension-major data,
/// rounded as in [`tile_sums`].
#[inline(always)]
fn pair_distance(columns: &[f64], n: usize, d: usize, i: usize, j: usize, fused: bool) -> f64 {
    let mut acc = 0.0f64;
    for dim in 0..d {
        let t = columns[dim * n + i] - columns[dim * n + j];
        acc = if fused {
            t.mul_add(t, acc)
        } else {
            acc + t * t
        };
    }
    acc.sqrt()
}

/// A slice of known length as an array (the callers slice exactly `N`).
#[inline(always)]
fn lanes<const N: usize>(s: &[f64]) -> [f64; N] {
    let mut out = [0.0; N];
    out.copy_from_slice(s);
    out
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64;

    use super::exact_samples_grouped;
    use crate::labels::densify;

    /// Rousseeuw's definition, pair by pair, with exact differences.
    fn direct(x: &Array2<f64>, labels: &[usize], k: usize) -> Vec<f64> {
        let n = x.nrows();
        let sizes: Vec<usize> = (0..k)
            .map(|c| labels.iter().filter(|&&l| l == c).count())
            .collect();
        (0..n)
            .map(|i| {
                let mut sums = vec![0.0; k];
                for j in 0..n {
                    let d: f64 = x
                        .row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    sums[labels[j]] += d.sqrt();
                }
                let own = labels[i];
                if sizes[own] == 1 {
                    return 0.0;
                }
                let a = sums[own] / (sizes[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own)
                    .map(|c| sums[c] / sizes[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                let m = a.max(b);
                if m > 0.0 { (b - a) / m } else { 0.0 }
            })
            .collect()
    }

    /// Clusters of very different sizes (one over two blocks, singletons),
    /// labels in shuffled order, far from the origin.
    fn uneven(seed: u64) -> (Array2<f64>, Vec<usize>) {
        let mut rng = Pcg64::seed_from_u64(seed);
        let sizes = [300, 1, 40, 7, 1, 90, 3, 12, 1, 25, 60, 2, 9];
        let mut labels: Vec<usize> = sizes
            .iter()
            .enumerate()
            .flat_map(|(c, &s)| std::iter::repeat_n(c, s))
            .collect();
        for i in (1..labels.len()).rev() {
            labels.swap(i, rng.random_range(0..=i));
        }
        let x = Array2::from_shape_fn((labels.len(), 3), |(i, j)| {
            1e3 + labels[i] as f64 * 10.0 * (1.0 + j as f64) + rng.random_range(-2.0..2.0)
        });
        (x, labels)
    }

    #[test]
    fn grouped_clusters_give_the_same_bits_as_one_group_and_match_the_definition() {
        for seed in 0..2 {
            let (x, labels) = uneven(seed);
            let dense = densify(&labels);
            let whole = exact_samples_grouped(x.view(), &dense, dense.k());
            let expected = direct(&x, &labels, dense.k());
            for group in [1, 2, 3, 5] {
                let grouped = exact_samples_grouped(x.view(), &dense, group);
                for (i, ((g, w), e)) in grouped.iter().zip(&whole).zip(&expected).enumerate() {
                    assert_eq!(g.to_bits(), w.to_bits(), "group {group}, row {i}");
                    assert!(
                        (g - e).abs() <= 1e-12 * e.abs().max(1e-300),
                        "group {group}, row {i}: {g} vs {e}"
                    );
                }
            }
        }
    }
}
