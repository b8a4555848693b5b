//! Planning across variants and segments: comparisons, per-comparison α,
//! sample size per group per segment, and duration.

use serde::{Deserialize, Serialize};

use crate::common::{Mde, ceil_u64};
use crate::correction::Correction;
use crate::error::{PowerError, Result, positive};
use crate::means::{MeanMde, MeanTest};
use crate::proportions::{ProportionMde, ProportionTest};

/// Tolerance on "sums to 1" for allocations and segment shares.
pub(crate) const SUM_TOLERANCE: f64 = 1e-6;

/// Where an experiment's units come from: daily traffic, its split over
/// the groups (control first), and the share of traffic in each segment.
///
/// Every segment is analysed separately, with every variant compared with
/// the control, so the family has `variants × segments` comparisons.
///
/// # Example
///
/// ```
/// use seg_power::Traffic;
///
/// // 10,000 visitors a day, control and two variants, three segments.
/// let traffic = Traffic::new(10_000.0, vec![0.5, 0.25, 0.25], vec![0.5, 0.3, 0.2])?;
/// assert_eq!(traffic.variants(), 2);
/// assert_eq!(traffic.comparisons(), 6);
/// // The smallest segment gets 20 % of 10,000 a day, and its control half of that.
/// assert_eq!(traffic.daily_units(0, 2), 1_000.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Loading
///
/// A `Traffic` deserialises through the checks of [`Traffic::new`]: a file
/// with fewer than two groups, shares outside (0, 1] or sums that do not
/// add up is an error, never a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTraffic")]
pub struct Traffic {
    daily: f64,
    allocation: Vec<f64>,
    segment_shares: Vec<f64>,
}

/// The serialised fields of a [`Traffic`], before their checks.
#[derive(Deserialize)]
struct RawTraffic {
    daily: f64,
    allocation: Vec<f64>,
    segment_shares: Vec<f64>,
}

impl TryFrom<RawTraffic> for Traffic {
    type Error = PowerError;

    fn try_from(raw: RawTraffic) -> Result<Self> {
        Traffic::new(raw.daily, raw.allocation, raw.segment_shares)
    }
}

impl Traffic {
    /// Checked constructor.
    ///
    /// - `daily`: units (visitors, sign-ups) entering the experiment per
    ///   day, positive.
    /// - `allocation`: the share of units in each group, control first; at
    ///   least two groups, each positive, summing to 1 (within 1e-6).
    /// - `segment_shares`: the share of traffic in each analysed segment,
    ///   each in (0, 1], summing to at most 1 (segments need not cover all
    ///   traffic); `vec![1.0]` for an unsegmented test.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`], [`PowerError::InvalidElement`],
    /// [`PowerError::TooShort`] naming the offending input.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// let t = Traffic::new(1_000.0, vec![0.5, 0.5], vec![1.0])?;
    /// assert_eq!(t.daily_units(1, 0), 500.0);
    /// assert!(Traffic::new(1_000.0, vec![1.0], vec![1.0]).is_err()); // one group
    /// assert!(Traffic::new(1_000.0, vec![0.5, 0.6], vec![1.0]).is_err()); // sums to 1.1
    /// assert!(Traffic::new(1_000.0, vec![0.5, 0.5], vec![0.7, 0.7]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(daily: f64, allocation: Vec<f64>, segment_shares: Vec<f64>) -> Result<Self> {
        positive("daily_traffic", daily)?;
        if allocation.len() < 2 {
            return Err(PowerError::TooShort {
                parameter: "allocation",
                min: 2,
                got: allocation.len(),
            });
        }
        check_shares("allocation", &allocation)?;
        let total: f64 = allocation.iter().sum();
        if (total - 1.0).abs() > SUM_TOLERANCE {
            return Err(PowerError::InvalidParameter {
                parameter: "allocation",
                value: total,
                reason: "group shares must sum to 1",
            });
        }
        if segment_shares.is_empty() {
            return Err(PowerError::TooShort {
                parameter: "segment_shares",
                min: 1,
                got: 0,
            });
        }
        check_shares("segment_shares", &segment_shares)?;
        let total: f64 = segment_shares.iter().sum();
        if total > 1.0 + SUM_TOLERANCE {
            return Err(PowerError::InvalidParameter {
                parameter: "segment_shares",
                value: total,
                reason: "segment shares must sum to at most 1",
            });
        }
        Ok(Traffic {
            daily,
            allocation,
            segment_shares,
        })
    }

    /// Units per day.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// assert_eq!(Traffic::new(1_000.0, vec![0.5, 0.5], vec![1.0])?.daily(), 1_000.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn daily(&self) -> f64 {
        self.daily
    }

    /// Group shares, control first.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// assert_eq!(Traffic::new(1_000.0, vec![0.6, 0.4], vec![1.0])?.allocation(), [0.6, 0.4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allocation(&self) -> &[f64] {
        &self.allocation
    }

    /// Segment shares.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// let t = Traffic::new(1_000.0, vec![0.5, 0.5], vec![0.3, 0.2])?;
    /// assert_eq!(t.segment_shares(), [0.3, 0.2]); // need not cover all traffic
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segment_shares(&self) -> &[f64] {
        &self.segment_shares
    }

    /// Number of variants (groups other than the control).
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// assert_eq!(Traffic::new(900.0, vec![0.4, 0.3, 0.3], vec![1.0])?.variants(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn variants(&self) -> usize {
        self.allocation.len().saturating_sub(1)
    }

    /// Number of comparisons: each variant against the control in every
    /// segment.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// let t = Traffic::new(900.0, vec![0.4, 0.3, 0.3], vec![0.5, 0.25, 0.25])?;
    /// assert_eq!(t.comparisons(), 2 * 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn comparisons(&self) -> usize {
        self.variants() * self.segment_shares.len()
    }

    /// Expected units per day in `group` (0 = control) of `segment`.
    /// Out-of-range indices give 0.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// let t = Traffic::new(1_000.0, vec![0.5, 0.5], vec![0.4, 0.6])?;
    /// assert_eq!(t.daily_units(0, 0), 200.0);
    /// assert_eq!(t.daily_units(2, 0), 0.0); // no such group
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn daily_units(&self, group: usize, segment: usize) -> f64 {
        match (self.allocation.get(group), self.segment_shares.get(segment)) {
            (Some(a), Some(s)) => self.daily * a * s,
            _ => 0.0,
        }
    }

    /// The index of the smallest segment, which sets the duration.
    ///
    /// # Example
    /// ```
    /// use seg_power::Traffic;
    /// let t = Traffic::new(1_000.0, vec![0.5, 0.5], vec![0.4, 0.1, 0.5])?;
    /// assert_eq!(t.smallest_segment(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn smallest_segment(&self) -> usize {
        let mut best = (0, f64::INFINITY);
        for (i, &s) in self.segment_shares.iter().enumerate() {
            if s < best.1 {
                best = (i, s);
            }
        }
        best.0
    }
}

fn check_shares(name: &'static str, shares: &[f64]) -> Result<()> {
    for (index, &v) in shares.iter().enumerate() {
        if !(v.is_finite() && v > 0.0 && v <= 1.0) {
            return Err(PowerError::InvalidElement {
                parameter: name,
                index,
                value: v,
                reason: "shares must be in (0, 1]",
            });
        }
    }
    Ok(())
}

/// A sample-size and duration plan for a family of comparisons.
///
/// `M` is the MDE type: [`ProportionMde`] or [`MeanMde`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan<M> {
    /// The correction controlling the family.
    pub correction: Correction,
    /// The family level α.
    pub alpha: f64,
    /// `variants × segments`.
    pub comparisons: usize,
    /// The α each comparison is planned with (the first, most conservative
    /// step for step-wise corrections; see
    /// [`Correction::per_comparison_alpha`]).
    pub alpha_per_comparison: f64,
    /// Required units per group (control first) in every segment,
    /// unrounded. Groups with larger allocations get proportionally more.
    pub n_per_group: Vec<f64>,
    /// `⌈n_per_group⌉`.
    pub n_per_group_ceil: Vec<u64>,
    /// Required units per segment, the sum of `n_per_group_ceil`.
    pub n_per_segment: u64,
    /// Required units in all analysed segments together.
    pub n_total: u64,
    /// Days until the smallest segment has its units, unrounded.
    pub days: f64,
    /// `⌈days⌉`.
    pub days_ceil: u64,
    /// The maximum duration, when one was given.
    pub max_days: Option<f64>,
    /// `days ≤ max_days` (true without a maximum).
    pub achievable: bool,
    /// The largest MDE over the variants that the maximum duration can
    /// detect with the planned power and α (`None` without a maximum, or
    /// when no effect is detectable within it).
    pub mde_within_max_days: Option<M>,
}

/// Plans a two-proportion experiment across variants and segments.
///
/// Takes α (the family level), the alternative and the method from `test`;
/// the allocation ratio of each variant comes from `traffic`. Each
/// comparison is planned at `correction.per_comparison_alpha(α, m)`.
///
/// # Errors
///
/// Everything [`ProportionTest::sample_size`] reports; invalid `max_days`.
///
/// # Formula
///
/// ```text
/// m = variants × segments,  α_c = per-comparison α of the correction
/// n1_v = control size for variant v at ratio a_v/a_0 and α_c
/// n_group g = (a_g/a_0) · max_v n1_v      (per segment)
/// days = n_control / (daily · a_0 · min segment share)
/// ```
///
/// # Example
///
/// ```
/// use seg_power::{Correction, Mde, ProportionTest, Traffic, plan_proportions};
///
/// // Two variants against control in two segments, Bonferroni over 4 comparisons.
/// let traffic = Traffic::new(20_000.0, vec![0.4, 0.3, 0.3], vec![0.6, 0.4])?;
/// let plan = plan_proportions(
///     &ProportionTest::new(0.05), Mde::Relative(0.10), 0.8,
///     Correction::Bonferroni, &traffic, Some(10.0),
/// )?;
/// assert_eq!(plan.comparisons, 4);
/// assert_eq!(plan.alpha_per_comparison, 0.0125);
/// // The smallest segment sees 20,000 × 0.4 × 0.4 = 3,200 control units a day.
/// assert!((plan.days - plan.n_per_group[0] / 3_200.0).abs() < 1e-9);
/// assert!(!plan.achievable);
/// let mde = plan.mde_within_max_days.expect("detectable within 10 days");
/// assert!(mde.relative > 0.10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_proportions(
    test: &ProportionTest,
    mde: Mde,
    power: f64,
    correction: Correction,
    traffic: &Traffic,
    max_days: Option<f64>,
) -> Result<Plan<ProportionMde>> {
    plan_generic(
        test.alpha_value(),
        correction,
        traffic,
        max_days,
        |a, r| Ok(test.alpha(a).ratio(r).sample_size(mde, power)?.n1),
        |a, r, n1| test.alpha(a).ratio(r).mde(n1, power),
        |m: &ProportionMde| m.absolute.abs(),
    )
}

/// Plans a two-mean experiment across variants and segments; as
/// [`plan_proportions`] with a [`MeanTest`].
///
/// # Errors
///
/// Everything [`MeanTest::sample_size`] reports; invalid `max_days`.
///
/// # Example
///
/// ```
/// use seg_power::{Correction, MeanTest, Mde, Traffic, plan_means};
///
/// let traffic = Traffic::new(1_000.0, vec![0.5, 0.5], vec![1.0])?;
/// let plan = plan_means(&MeanTest::new(), Mde::Absolute(0.1), 0.8, Correction::Holm, &traffic, None)?;
/// assert_eq!(plan.comparisons, 1);
/// assert_eq!(plan.n_per_group_ceil, vec![1571, 1571]);
/// assert_eq!(plan.days_ceil, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan_means(
    test: &MeanTest,
    mde: Mde,
    power: f64,
    correction: Correction,
    traffic: &Traffic,
    max_days: Option<f64>,
) -> Result<Plan<MeanMde>> {
    plan_generic(
        test.alpha_value(),
        correction,
        traffic,
        max_days,
        |a, r| Ok(test.alpha(a).ratio(r).sample_size(mde, power)?.n1),
        |a, r, n1| test.alpha(a).ratio(r).mde(n1, power),
        |m: &MeanMde| m.cohens_d.abs(),
    )
}

fn plan_generic<M>(
    alpha: f64,
    correction: Correction,
    traffic: &Traffic,
    max_days: Option<f64>,
    size: impl Fn(f64, f64) -> Result<f64>,
    mde_at: impl Fn(f64, f64, f64) -> Result<M>,
    magnitude: impl Fn(&M) -> f64,
) -> Result<Plan<M>> {
    if let Some(d) = max_days {
        positive("max_days", d)?;
    }
    let comparisons = traffic.comparisons();
    let alpha_c = correction.per_comparison_alpha(alpha, comparisons)?;
    let a0 = traffic.allocation[0];
    let mut n_control: f64 = 0.0;
    for &a in &traffic.allocation[1..] {
        n_control = n_control.max(size(alpha_c, a / a0)?);
    }
    let n_per_group: Vec<f64> = traffic
        .allocation
        .iter()
        .map(|a| n_control * a / a0)
        .collect();
    let n_per_group_ceil: Vec<u64> = n_per_group.iter().map(|&n| ceil_u64(n)).collect();
    let n_per_segment = n_per_group_ceil
        .iter()
        .fold(0u64, |s, &n| s.saturating_add(n));
    let n_total = n_per_segment.saturating_mul(traffic.segment_shares.len() as u64);
    let slowest = traffic.daily_units(0, traffic.smallest_segment());
    let days = n_control / slowest;
    let achievable = max_days.is_none_or(|m| days <= m);
    let mde_within_max_days = match max_days {
        None => None,
        Some(m) => {
            let n1 = slowest * m;
            let mut worst: Option<M> = None;
            for &a in &traffic.allocation[1..] {
                match mde_at(alpha_c, a / a0, n1) {
                    Ok(v) => {
                        if worst.as_ref().is_none_or(|w| magnitude(&v) > magnitude(w)) {
                            worst = Some(v);
                        }
                    }
                    Err(PowerError::NoSolution { .. }) => {
                        worst = None;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            worst
        }
    };
    Ok(Plan {
        correction,
        alpha,
        comparisons,
        alpha_per_comparison: alpha_c,
        n_per_group,
        n_per_group_ceil,
        n_per_segment,
        n_total,
        days,
        days_ceil: ceil_u64(days),
        max_days,
        achievable,
        mde_within_max_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_must_sum_to_one() {
        let e = Traffic::new(100.0, vec![0.5, 0.6], vec![1.0]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "allocation",
                ..
            }
        ));
        let e = Traffic::new(100.0, vec![1.0], vec![1.0]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::TooShort {
                parameter: "allocation",
                ..
            }
        ));
        let e = Traffic::new(100.0, vec![0.5, 0.5], vec![0.7, 0.7]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "segment_shares",
                ..
            }
        ));
        let e = Traffic::new(100.0, vec![0.5, 0.5], vec![0.0]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidElement {
                parameter: "segment_shares",
                index: 0,
                ..
            }
        ));
        let e = Traffic::new(-1.0, vec![0.5, 0.5], vec![1.0]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "daily_traffic",
                ..
            }
        ));
    }

    #[test]
    fn more_segments_need_more_days() {
        let test = ProportionTest::new(0.1);
        let one = Traffic::new(5_000.0, vec![0.5, 0.5], vec![1.0]).unwrap();
        let two = Traffic::new(5_000.0, vec![0.5, 0.5], vec![0.5, 0.5]).unwrap();
        let p1 = plan_proportions(
            &test,
            Mde::Relative(0.1),
            0.8,
            Correction::Bonferroni,
            &one,
            None,
        )
        .unwrap();
        let p2 = plan_proportions(
            &test,
            Mde::Relative(0.1),
            0.8,
            Correction::Bonferroni,
            &two,
            None,
        )
        .unwrap();
        // Half the traffic per segment and a stricter α: more than twice as long.
        assert!(p2.days > 2.0 * p1.days);
        assert_eq!(p2.alpha_per_comparison, 0.025);
    }

    #[test]
    fn mde_within_max_days_reproduces_the_power() {
        let test = ProportionTest::new(0.03);
        let traffic = Traffic::new(2_000.0, vec![0.5, 0.5], vec![1.0]).unwrap();
        let plan = plan_proportions(
            &test,
            Mde::Relative(0.05),
            0.8,
            Correction::Sidak,
            &traffic,
            Some(30.0),
        )
        .unwrap();
        assert!(!plan.achievable);
        let m = plan.mde_within_max_days.unwrap();
        let n1 = 2_000.0 * 0.5 * 30.0;
        let p = test
            .alpha(plan.alpha_per_comparison)
            .power(Mde::Absolute(m.absolute), n1)
            .unwrap();
        assert!((p - 0.8).abs() < 1e-9);
    }

    #[test]
    fn unequal_allocation_scales_groups() {
        let test = ProportionTest::new(0.2);
        let traffic = Traffic::new(1_000.0, vec![0.25, 0.75], vec![1.0]).unwrap();
        let plan = plan_proportions(
            &test,
            Mde::Relative(0.1),
            0.8,
            Correction::Bonferroni,
            &traffic,
            None,
        )
        .unwrap();
        let direct = test
            .ratio(3.0)
            .sample_size(Mde::Relative(0.1), 0.8)
            .unwrap();
        assert!((plan.n_per_group[0] - direct.n1).abs() < 1e-9);
        assert!((plan.n_per_group[1] - direct.n2).abs() < 1e-9);
    }
}
