//! The two-variant comparison: exact finite sums when α_B is a small
//! integer, otherwise quadrature with the CDF of A integrated along.

use seg_special::{Beta, ln_beta, ln_beta_ratio};

use super::PairComparison;
use crate::quadrature::{self, ORDERS};

/// P(B > A) and both expected losses of Beta posteriors `a` and `b`.
///
/// The quadrature integrates over a posterior whose mass lies below ½,
/// where doubles resolve it (next to 1 they are 1.1e-16 apart): when B's
/// mean is above ½ it compares the reflections `1 − p ~ Beta(β, α)` if A's
/// mean is above ½ too (`P(p_B > p_A) = P(1 − p_A > 1 − p_B)`, expected
/// losses unchanged), and otherwise integrates over A (`P(p_B > p_A) =
/// 1 − P(p_A > p_B)`, the expected losses exchanged).
pub(super) fn compare(a: &Beta, b: &Beta) -> PairComparison {
    if let Some(exact) = finite_sums(a, b) {
        return exact;
    }
    let b_below_half = b.alpha() <= b.beta();
    let a_below_half = a.alpha() <= a.beta();
    if b_below_half {
        integrals(a, b)
    } else if !a_below_half {
        integrals(&b.mirrored(), &a.mirrored())
    } else {
        let swapped = integrals(b, a);
        PairComparison {
            prob_b_beats_a: (1.0 - swapped.prob_b_beats_a).clamp(0.0, 1.0),
            expected_loss_choosing_a: swapped.expected_loss_choosing_b,
            expected_loss_choosing_b: swapped.expected_loss_choosing_a,
        }
    }
}

/// Largest integer α_B for which the exact finite sum is used.
const FINITE_SUM_MAX: f64 = 1_000.0;

/// `P(p_B > p_A) = Σ_{i<α_B} B(α_A+i, β_A+β_B) / ((β_B+i) B(1+i, β_B) B(α_A, β_A))`
/// for integer α_B, with the term ratio
/// `(α_A+i)(β_B+i) / ((α_A+β_A+β_B+i)(1+i))`, summed with a running scale
/// so that neither the first term's underflow nor growth overflows.
fn finite_sum(aa: f64, ba: f64, ab: f64, bb: f64) -> f64 {
    // first term: B(α_A, β_A+β_B) / (β_B B(1, β_B) B(α_A, β_A)), B(1, β_B) = 1/β_B,
    let ln_first = ln_beta_ratio(aa, ba, bb);
    let (mut term, mut sum, mut shift) = (1.0_f64, 0.0_f64, ln_first);
    let n = ab as u64;
    for i in 0..n {
        sum += term;
        let i = i as f64;
        term *= (aa + i) * (bb + i) / ((aa + ba + bb + i) * (1.0 + i));
        if term > 1e250 {
            term *= 1e-250;
            sum *= 1e-250;
            shift += 250.0 * std::f64::consts::LN_10;
        }
    }
    if sum <= 0.0 {
        return 0.0;
    }
    (sum.ln() + shift).exp().clamp(0.0, 1.0)
}

/// The exact finite sums when α_B is an integer up to [`FINITE_SUM_MAX`]:
/// `E[(p_B − p_A)⁺] = μ_B P(B⁺ > A) − μ_A P(B > A⁺)` with `X⁺ = Beta(α_X + 1, β_X)`,
/// and `E[(p_A − p_B)⁺] = E[(p_B − p_A)⁺] − (μ_B − μ_A)`.
fn finite_sums(a: &Beta, b: &Beta) -> Option<PairComparison> {
    let (aa, ba) = (a.alpha(), a.beta());
    let (ab, bb) = (b.alpha(), b.beta());
    if !(ab.fract() == 0.0 && ab <= FINITE_SUM_MAX) {
        return None;
    }
    let p = finite_sum(aa, ba, ab, bb);
    let mean_a = aa / (aa + ba);
    let mean_b = ab / (ab + bb);
    let loss_a =
        mean_b * finite_sum(aa, ba, ab + 1.0, bb) - mean_a * finite_sum(aa + 1.0, ba, ab, bb);
    let loss_b = loss_a - (mean_b - mean_a);
    Some(PairComparison {
        prob_b_beats_a: p,
        expected_loss_choosing_a: loss_a.clamp(0.0, 1.0),
        expected_loss_choosing_b: loss_b.clamp(0.0, 1.0),
    })
}

/// B's mass aimed for outside the integration range on each side.
const TAIL: f64 = 1e-17;
/// B's mass accepted outside the range before it is widened.
const TAIL_ACCEPTED: f64 = 1e-16;
/// Doubles cannot resolve 1 − x below ~1e-16: the range stops here and B's
/// mass above is added with the integrands taken at this point.
const TOP: f64 = 1.0 - 1e-12;
/// Bound on the widening steps of each end of the range.
const MAX_WIDEN: usize = 64;
/// The factor by which an end of the range moves towards 0 or 1 at each
/// widening step.
const WIDEN: f64 = 16.0;
/// Lower-tail probabilities of B and of A where panels are split, used on
/// both tails (approximate quantiles: they only place the panels).
const B_SPLITS: [f64; 7] = [1e-10, 1e-6, 1e-3, 0.02, 0.1, 0.3, 0.5];
const A_SPLITS: [f64; 7] = [1e-16, 1e-12, 1e-9, 1e-6, 1e-3, 0.02, 0.5];

/// Approximate quantiles at `tail` and at `1 − tail`.
fn both_tails(d: &Beta, tail: f64) -> [f64; 2] {
    [d.quantile_guess(tail), d.upper_quantile_guess(tail)]
}

/// The mode of Beta(α, β) when both shapes exceed 1 (NaN otherwise: the
/// density is then monotone or U-shaped and the ends bound it).
fn mode(d: &Beta) -> f64 {
    let (a, b) = (d.alpha(), d.beta());
    if a > 1.0 && b > 1.0 {
        (a - 1.0) / (a + b - 2.0)
    } else {
        f64::NAN
    }
}

fn std_dev(d: &Beta) -> f64 {
    d.variance().sqrt()
}

/// B's range `[lo, hi]`: from approximate `TAIL` quantiles, widened until
/// B's mass outside is at most `TAIL_ACCEPTED` on each side (or `hi`
/// reaches [`TOP`]); returned with B's masses below `lo` and above `hi`.
fn range(b: &Beta) -> ([f64; 2], [f64; 2]) {
    let mean = b.mean();
    let [mut lo, hi] = both_tails(b, TAIL);
    if !(lo > 0.0 && lo < mean) {
        lo = 0.5 * mean;
    }
    let mut below = b.cdf(lo);
    for _ in 0..MAX_WIDEN {
        if below <= TAIL_ACCEPTED {
            break;
        }
        lo /= WIDEN;
        below = b.cdf(lo);
    }
    let mut hi = hi;
    if !(hi > mean && hi < 1.0) {
        hi = mean + 0.5 * (1.0 - mean);
    }
    let mut hi = hi.min(TOP);
    let mut above = b.sf(hi);
    for _ in 0..MAX_WIDEN {
        if hi >= TOP || above <= TAIL_ACCEPTED {
            break;
        }
        hi = (1.0 - (1.0 - hi) / WIDEN).min(TOP);
        above = b.sf(hi);
    }
    ([lo, hi], [below, above])
}

/// Panel boundaries on `[lo, hi]`: quantiles of both posteriors, at most one
/// per half standard deviation of the narrower one (the planner splits the
/// panels further where its error estimate asks for it).
fn cuts(a: &Beta, b: &Beta, lo: f64, hi: f64, min_gap: f64) -> Vec<f64> {
    let mut splits: Vec<f64> = B_SPLITS
        .iter()
        .flat_map(|&p| both_tails(b, p))
        .chain(A_SPLITS.iter().flat_map(|&p| both_tails(a, p)))
        .filter(|x| x.is_finite() && *x > lo && *x < hi)
        .collect();
    splits.sort_by(f64::total_cmp);
    let mut kept = vec![lo];
    for x in splits {
        let last = kept[kept.len() - 1];
        if x - last >= min_gap && hi - x >= min_gap {
            kept.push(x);
        }
    }
    kept.push(hi);
    kept
}

/// Absolute error aimed for on each panel's integrals.
const PANEL_TOLERANCE: f64 = 1e-12;
/// Panel widths, in standard deviations of the narrower posterior, of the
/// columns of [`CUMULATIVE_ERROR`].
const WIDTHS: [f64; 6] = [0.25, 0.5, 1.0, 2.0, 3.0, 4.0];
/// The largest error of the cumulative (interpolatory) integral of a
/// standard normal density across a panel, row `i` with `ORDERS[i]` nodes,
/// column `j` over `WIDTHS[j]` standard deviations, the worst over the
/// panel's position in [−6, 6] (measured, rounded up).
const CUMULATIVE_ERROR: [[f64; 6]; 6] = [
    [1e-11, 2e-9, 2e-7, 2e-5, 3e-4, 2e-3],
    [5e-15, 2e-12, 1e-9, 6e-7, 2e-5, 2e-4],
    [2e-16, 3e-15, 6e-12, 1e-8, 8e-7, 1e-5],
    [2e-16, 2e-16, 3e-14, 2e-10, 3e-8, 9e-7],
    [2e-16, 2e-16, 2e-16, 4e-14, 3e-11, 3e-9],
    [2e-16, 2e-16, 2e-16, 3e-16, 2e-14, 6e-12],
];
/// Bound on the bisections of one initial panel.
const MAX_DEPTH: usize = 24;
/// Bound on the number of panels.
const MAX_PANELS: usize = 4_096;

/// What the panel planner needs to know about the two posteriors; arrays
/// hold A's value, then B's.
struct Planner {
    density_a: Beta,
    density_b: Beta,
    sd: [f64; 2],
    modes: [f64; 2],
    /// Whether `x^(α−1)` (resp. `(1−x)^(β−1)`) has a branch point at 0
    /// (resp. 1): the shape there is not an integer.
    singular_at_0: [bool; 2],
    singular_at_1: [bool; 2],
}

impl Planner {
    fn new(a: &Beta, b: &Beta) -> Self {
        Planner {
            density_a: *a,
            density_b: *b,
            sd: [std_dev(a), std_dev(b)],
            modes: [mode(a), mode(b)],
            singular_at_0: [a.alpha().fract() != 0.0, b.alpha().fract() != 0.0],
            singular_at_1: [a.beta().fract() != 0.0, b.beta().fract() != 0.0],
        }
    }

    /// `(f_A(x), f_B(x))`, NaN as infinity.
    fn densities(&self, x: f64) -> (f64, f64) {
        let (y, ln_x, ln_y) = (1.0 - x, x.ln(), (-x).ln_1p());
        let finite = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        (
            finite(self.density_a.pdf_from_logs(x, y, ln_x, ln_y)),
            finite(self.density_b.pdf_from_logs(x, y, ln_x, ln_y)),
        )
    }

    /// Relative error of the cumulative integral of posterior `k` (0: A,
    /// 1: B) across `[l, h]` with the rule `ORDERS[i]`: the Gaussian table
    /// at the panel's width in its standard deviations (1 beyond the table)
    /// plus `ρ^(−n)` for a branch point at an end of [0, 1] (`ρ` the
    /// Bernstein-ellipse parameter of that end).
    fn relative_error(&self, k: usize, i: usize, l: f64, h: f64) -> f64 {
        let width = h - l;
        let by_width = WIDTHS
            .iter()
            .position(|&w| width <= w * self.sd[k])
            .map_or(1.0, |j| CUMULATIVE_ERROR[i][j]);
        let (half, mid) = (0.5 * width, 0.5 * (l + h));
        let mut distance = f64::INFINITY;
        if self.singular_at_0[k] {
            distance = distance.min(mid / half);
        }
        if self.singular_at_1[k] {
            distance = distance.min((1.0 - mid) / half);
        }
        let rho = distance + (distance * distance - 1.0).max(0.0).sqrt();
        (by_width + rho.powi(-(ORDERS[i] as i32))).min(1.0)
    }

    /// Splits `[l, h]` until a rule of [`ORDERS`] meets [`PANEL_TOLERANCE`]
    /// on each piece, appending `(l, h, rule index)` in increasing order.
    ///
    /// With `e_A`, `e_B` the relative errors of the cumulative integrals of
    /// each density ([`relative_error`](Self::relative_error); quadrature
    /// errors are about their squares) and `m_A`, `m_B` the panel masses
    /// (bounded by the larger density at the panel's ends times its width, 1
    /// when a mode lies inside), the error estimate is
    /// `e_A m_A m_B` (A's CDF at the nodes, weighted by B's mass: where A
    /// has no mass its CDF is flat) `+ e_B² m_B + e_A² m_A` (the quadratures
    /// of B's integrands and of A's density).
    fn plan(
        &self,
        (l, h): (f64, f64),
        (at_l, at_h): ((f64, f64), (f64, f64)),
        depth: usize,
        out: &mut Vec<(f64, f64, usize)>,
    ) {
        let width = h - l;
        let mass = |k: usize, end_l: f64, end_h: f64| {
            let mode = self.modes[k];
            if mode > l && mode < h {
                1.0
            } else {
                (end_l.max(end_h) * width).min(1.0)
            }
        };
        let mass_a = mass(0, at_l.0, at_h.0);
        let mass_b = mass(1, at_l.1, at_h.1);
        let rule_for = |l: f64, h: f64| {
            (0..ORDERS.len()).find(|&i| {
                let e_a = self.relative_error(0, i, l, h);
                let e_b = self.relative_error(1, i, l, h);
                e_a * mass_a * mass_b + e_b * e_b * mass_b + e_a * e_a * mass_a <= PANEL_TOLERANCE
            })
        };
        let last = ORDERS.len() - 1;
        let mid = 0.5 * (l + h);
        if let Some(i) = rule_for(l, h) {
            // keep the panel unless its halves need fewer nodes together
            // (their masses bounded by the whole panel's)
            let halves = rule_for(l, mid).zip(rule_for(mid, h));
            let cheaper = halves.is_some_and(|(p, q)| ORDERS[p] + ORDERS[q] < ORDERS[i]);
            if !cheaper || depth >= MAX_DEPTH || out.len() >= MAX_PANELS {
                out.push((l, h, i));
                return;
            }
        }
        if depth >= MAX_DEPTH || out.len() >= MAX_PANELS {
            out.push((l, h, last));
            return;
        }
        // split geometrically towards an end where a branch point limits
        // the rule (the panel then spans a large ratio of distances to it),
        // otherwise in the middle
        let near_0 = mid <= 0.5 && l > 0.0 && h > 4.0 * l;
        let near_1 = mid > 0.5 && h < 1.0 && (1.0 - l) > 4.0 * (1.0 - h);
        let split = if near_0 && (self.singular_at_0[0] || self.singular_at_0[1]) {
            (l * h).sqrt()
        } else if near_1 && (self.singular_at_1[0] || self.singular_at_1[1]) {
            1.0 - ((1.0 - l) * (1.0 - h)).sqrt()
        } else {
            mid
        };
        if !(split > l && split < h) {
            out.push((l, h, last));
            return;
        }
        let at_split = self.densities(split);
        self.plan((l, split), (at_l, at_split), depth + 1, out);
        self.plan((split, h), (at_split, at_h), depth + 1, out);
    }
}

/// One panel's nodes in the flat node arrays.
struct Panel {
    start: usize,
    rule: usize,
    half: f64,
}

/// The integrands at one point outside the panels, weighted by B's mass
/// there: `(P, loss of choosing A, loss of choosing B)`.
fn end_terms(density_a: &Beta, x: f64, (cdf_a, sf_a): (f64, f64), mass: f64) -> (f64, f64, f64) {
    if mass.is_nan() || mass <= 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let mean_a = density_a.mean();
    let y = 1.0 - x;
    let dens_a = density_a.pdf_from_logs(x, y, x.ln(), (-x).ln_1p());
    let extra = if dens_a.is_finite() {
        x * y * dens_a / (density_a.alpha() + density_a.beta())
    } else {
        0.0
    };
    (
        mass * cdf_a,
        mass * ((x - mean_a) * cdf_a + extra),
        mass * ((mean_a - x) * sf_a + extra),
    )
}

/// The integrals of B's density times `F_A`, `Q_A` and the two loss
/// integrands over an end region.
#[derive(Debug, Default, Clone, Copy)]
struct EndSums {
    /// `∫ f_B F_A`.
    cdf_a: f64,
    /// `∫ f_B Q_A`.
    sf_a: f64,
    /// `∫ f_B [(x − μ_A) F_A + x(1−x) f_A/(α_A+β_A)]`.
    loss_a: f64,
    /// `∫ f_B [(μ_A − x) Q_A + x(1−x) f_A/(α_A+β_A)]`.
    loss_b: f64,
}

impl EndSums {
    /// Adds the integrands at `x` with weight `w` (B's mass there).
    fn add(&mut self, a: &Beta, x: f64, w: f64) {
        if !(w.is_finite() && w > 0.0) {
            return;
        }
        let (y, ln_x, ln_y) = (1.0 - x, x.ln(), (-x).ln_1p());
        let tails = a.tails(x);
        let dens_a = a.pdf_from_logs(x, y, ln_x, ln_y);
        let extra = if dens_a.is_finite() {
            x * y * dens_a / (a.alpha() + a.beta())
        } else {
            0.0
        };
        let mean_a = a.mean();
        self.cdf_a += w * tails.lower;
        self.sf_a += w * tails.upper;
        self.loss_a += w * ((x - mean_a) * tails.lower + extra);
        self.loss_b += w * ((mean_a - x) * tails.upper + extra);
    }
}

impl EndSums {
    /// Adds the integrals over `[0, floor]`, where both CDFs are powers of
    /// x to within `floor` relative (`F(x) ≈ C x^α`, so
    /// `∫ f_B F_A = F_B F_A α_B/(α_A + α_B)` and `x f_A = α_A F_A`); with
    /// shapes below ~1e-3 most of B's mass may lie below 1e-300.
    fn add_below(&mut self, a: &Beta, b: &Beta, floor: f64) {
        let mass = b.cdf(floor);
        if mass.is_nan() || mass <= 0.0 {
            return;
        }
        let cdf_a = a.cdf(floor);
        let with_cdf = mass * cdf_a * (b.alpha() / (a.alpha() + b.alpha()));
        let with_sf = (mass - with_cdf).max(0.0);
        let extra = a.alpha() / (a.alpha() + a.beta()) * with_cdf;
        let mean_a = a.mean();
        self.cdf_a += with_cdf;
        self.sf_a += with_sf;
        self.loss_a += (floor - mean_a) * with_cdf + extra;
        self.loss_b += (mean_a - floor) * with_sf + extra;
    }
}

/// Width in `ln x` of the end regions' panels: `x^r` with `r ≤ 4` (the
/// end cut keeps the integrands to such powers) is integrated by the
/// 16-point rule over it to ~1e-17 relative.
const END_PANEL: f64 = 2.0;
/// The end regions stop here (B's mass below is taken at this point).
const END_FLOOR: f64 = 1e-300;
/// The rule of the end regions' panels (16 nodes).
const END_RULE: usize = 4;

/// Where the end region near 0 stops, for B with `α_B < 1`: below 1% of
/// B's mean and below 0.1, where `(1 − x)^(β_B − 1)` is smooth in `ln x`;
/// and where A's CDF is a power of x of degree at most 4 (below 1% of A's
/// mean) or, when `α_A > 4`, below A's 1e-17 quantile (A has no mass
/// there).
fn end_cut(a: &Beta, b: &Beta) -> f64 {
    let mut c = (0.01 * b.mean()).min(0.1).min(0.01 * a.mean());
    if a.alpha() > 4.0
        && let Ok(q) = a.quantile(TAIL)
    {
        c = c.min(q);
    }
    c
}

/// The integrals over `[0, c]` for B with `α_B < 1`, whose density
/// `∝ x^(α_B − 1)` is integrable but singular at 0: in `s = ln x` B's mass
/// is `f_B(x) x ds`, smooth (`∝ e^(α_B s)`), so Gauss–Legendre panels of
/// [`END_PANEL`] in `s` from `ln c` down to where B's mass below is
/// [`TAIL`] (at most to [`END_FLOOR`]), and the integrals below that from
/// the power laws of the CDFs there.
fn end_region(a: &Beta, b: &Beta, c: f64) -> EndSums {
    let mut sums = EndSums::default();
    if c.is_nan() || c <= 0.0 {
        return sums;
    }
    let (ab, bb) = (b.alpha(), b.beta());
    // B's CDF near 0 is about x^α/(α B(α, β))
    let ln_floor = ((TAIL.ln() + ab.ln() + ln_beta(ab, bb)) / ab).max(END_FLOOR.ln());
    let ln_c = c.ln();
    let floor = if ln_floor < ln_c {
        let panels = ((ln_c - ln_floor) / END_PANEL).ceil();
        let half = 0.5 * (ln_c - ln_floor) / panels;
        let rule = quadrature::rule(END_RULE);
        let mut k = 0.0;
        while k < panels {
            let mid = ln_c - (2.0 * k + 1.0) * half;
            for (&z, &w) in rule.nodes.iter().zip(&rule.weights) {
                let s = mid + half * z;
                let x = s.exp();
                let density = b.pdf_from_logs(x, 1.0 - x, s, (-x).ln_1p());
                sums.add(a, x, w * half * density * x);
            }
            k += 1.0;
        }
        ln_floor.exp()
    } else {
        c
    };
    sums.add_below(a, b, floor);
    sums
}

/// P(B > A) and the expected losses by Gauss–Legendre panels over B's
/// range; A's CDF and survival function at the nodes come from integrating
/// A's density along the panels (forward from A's exact CDF at the start of
/// the range, backward from its exact survival function at the end), so each
/// node costs two densities instead of an incomplete beta function.
fn integrals(a: &Beta, b: &Beta) -> PairComparison {
    let (aa, ba) = (a.alpha(), a.beta());
    let planner = Planner::new(a, b);
    let ([mut lo, mut hi], [mut mass_below, mut mass_above]) = range(b);
    // B's mass piled at an end (a shape below 1) is integrated there in
    // ln x (resp. ln(1 − x)) instead of being lumped at the range's end.
    let mut ends = EndSums::default();
    if b.alpha() < 1.0 {
        lo = end_cut(a, b);
        mass_below = 0.0;
        ends = end_region(a, b, lo);
    }
    if b.beta() < 1.0 {
        let (am, bm) = (a.mirrored(), b.mirrored());
        hi = (1.0 - end_cut(&am, &bm)).min(TOP);
        mass_above = 0.0;
        // exact (Sterbenz): the two regions meet at hi
        let mirrored = end_region(&am, &bm, 1.0 - hi);
        ends.cdf_a += mirrored.sf_a;
        ends.loss_a += mirrored.loss_b;
        ends.loss_b += mirrored.loss_a;
    }
    let cuts = cuts(a, b, lo, hi, 0.5 * planner.sd[0].min(planner.sd[1]));
    let at_cuts: Vec<(f64, f64)> = cuts.iter().map(|&x| planner.densities(x)).collect();
    let mut plan = Vec::with_capacity(cuts.len() * 2);
    for (k, w) in cuts.windows(2).enumerate() {
        if w[1] > w[0] {
            planner.plan((w[0], w[1]), (at_cuts[k], at_cuts[k + 1]), 0, &mut plan);
        }
    }
    let nodes: usize = plan.iter().map(|&(_, _, i)| ORDERS[i]).sum();
    let mut panels = Vec::with_capacity(plan.len());
    let mut xs = Vec::with_capacity(nodes);
    let mut fa = Vec::with_capacity(nodes);
    let mut fb = Vec::with_capacity(nodes);
    // Panels in the upper half are laid out in y = 1 − x, exact at the
    // cuts (Sterbenz): next to 1 the doubles x are too coarse for nodes
    // 1e-12 apart, their distances to 1 are not.
    let mut ys = Vec::with_capacity(nodes);
    for (l, h, index) in plan {
        let upper = l >= 0.5;
        let (half, mid) = if upper {
            let (yl, yh) = (1.0 - l, 1.0 - h);
            (0.5 * (yl - yh), 0.5 * (yl + yh))
        } else {
            (0.5 * (h - l), 0.5 * (h + l))
        };
        panels.push(Panel {
            start: xs.len(),
            rule: index,
            half,
        });
        for &z in &quadrature::rule(index).nodes {
            let (x, y, ln_x, ln_y) = if upper {
                let y = mid - half * z;
                (1.0 - y, y, (-y).ln_1p(), y.ln())
            } else {
                let x = mid + half * z;
                (x, 1.0 - x, x.ln(), (-x).ln_1p())
            };
            let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
            xs.push(x);
            ys.push(y);
            fa.push(finite(planner.density_a.pdf_from_logs(x, y, ln_x, ln_y)));
            fb.push(finite(planner.density_b.pdf_from_logs(x, y, ln_x, ln_y)));
        }
    }

    // A's CDF at every node, forward; its survival function, backward.
    let tails_lo = a.tails(lo);
    let tails_hi = a.tails(hi);
    let (cdf_lo, sf_hi) = (tails_lo.lower, tails_hi.upper);
    let mut cdf_a = vec![0.0; xs.len()];
    let mut sf_a = vec![0.0; xs.len()];
    let mut below = cdf_lo;
    for panel in &panels {
        let rule = quadrature::rule(panel.rule);
        let n = ORDERS[panel.rule];
        let f = &fa[panel.start..panel.start + n];
        for i in 0..n {
            let row = &rule.cumulative[i * n..(i + 1) * n];
            let s: f64 = row.iter().zip(f).map(|(c, v)| c * v).sum();
            cdf_a[panel.start + i] = (below + panel.half * s).clamp(0.0, 1.0);
        }
        below += panel.half * rule.weights.iter().zip(f).map(|(w, v)| w * v).sum::<f64>();
    }
    let mut above = sf_hi;
    for panel in panels.iter().rev() {
        let rule = quadrature::rule(panel.rule);
        let n = ORDERS[panel.rule];
        let f = &fa[panel.start..panel.start + n];
        for i in 0..n {
            let row = &rule.cumulative[i * n..(i + 1) * n];
            let s: f64 = row
                .iter()
                .zip(&rule.weights)
                .zip(f)
                .map(|((c, w), v)| (w - c) * v)
                .sum();
            sf_a[panel.start + i] = (above + panel.half * s).clamp(0.0, 1.0);
        }
        above += panel.half * rule.weights.iter().zip(f).map(|(w, v)| w * v).sum::<f64>();
    }

    let mean_a = aa / (aa + ba);
    let sa = aa + ba;
    let (mut p, mut loss_a, mut loss_b) = (ends.cdf_a, ends.loss_a, ends.loss_b);
    for panel in &panels {
        let rule = quadrature::rule(panel.rule);
        for (i, &w) in rule.weights.iter().enumerate() {
            let k = panel.start + i;
            let x = xs[k];
            let wt = w * panel.half * fb[k];
            let extra = x * ys[k] * fa[k] / sa;
            p += wt * cdf_a[k];
            loss_a += wt * ((x - mean_a) * cdf_a[k] + extra);
            loss_b += wt * ((mean_a - x) * sf_a[k] + extra);
        }
    }
    for (x, tails, mass) in [(lo, tails_lo, mass_below), (hi, tails_hi, mass_above)] {
        let (dp, da, db) = end_terms(&planner.density_a, x, (tails.lower, tails.upper), mass);
        p += dp;
        loss_a += da;
        loss_b += db;
    }
    PairComparison {
        prob_b_beats_a: p.clamp(0.0, 1.0),
        expected_loss_choosing_a: loss_a.clamp(0.0, 1.0),
        expected_loss_choosing_b: loss_b.clamp(0.0, 1.0),
    }
}
