//! Steps 5 and 6: the experiment plan per segment, and the experiment run
//! with per-segment Thompson sampling, SRM and a sequential test each day.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use segmentation::bandit::{
    Batch, BetaState, DecisionLog, Experiment, PeriodBatch, SqliteStore, StateStore,
    ThompsonSampler,
};
use segmentation::datasets::VisitorStream;
use segmentation::power::{AdaptiveSrm, Decision, Msprt, srm_test};

use crate::error::DemoError;
use crate::walk::project;
use segmentation::pipeline::Segmentation;

/// Draws of the Monte Carlo estimate of each day's allocation.
const ALLOCATION_DRAWS: usize = 4_000;
/// The smallest share of a segment's visitors each variant keeps.
pub(crate) const FLOOR: f64 = 0.05;

/// What one segment saw during a run: visitors and conversions per
/// variant, the planted conversion probability summed over its visitors
/// (for the true rates), the daily allocation to the treatment, SRM and
/// the sequential test.
#[derive(Debug, Clone)]
pub(crate) struct SegmentRun {
    pub name: String,
    pub visitors: [u64; 2],
    pub conversions: [u64; 2],
    pub planted: [f64; 2],
    /// The planted conversion probability of each variant summed over all
    /// the segment's visitors, whichever they were served: what serving
    /// everyone one variant would have earned.
    pub counterfactual: [f64; 2],
    pub treatment_share: Vec<f64>,
    pub msprt: Msprt,
    pub last_p: f64,
    pub stopped_on: Option<usize>,
    pub srm_smallest_p: f64,
    pub srm_mismatches: usize,
    /// The whole run's split against each day's allocation.
    pub srm_run: AdaptiveSrm,
}

/// A run of the experiment over days of traffic, its state in the
/// SQLite store.
pub(crate) struct Run<'a> {
    pub store: &'a mut SqliteStore,
    pub experiment: &'a Experiment,
    pub segmentation: &'a Segmentation,
    /// Planted conversion probability of each planted segment, per variant.
    pub truth: &'a [Vec<f64>],
    pub segments: Vec<SegmentRun>,
    pub rng: Pcg64,
}

impl<'a> Run<'a> {
    /// A run whose segments are `names` (one per segment of
    /// `segmentation`, created in the store already), each monitored by
    /// an mSPRT with mixing variance `tau2[s]` at level `alpha`.
    #[allow(clippy::too_many_arguments)] // the parts of a run, each borrowed
    pub fn new(
        store: &'a mut SqliteStore,
        experiment: &'a Experiment,
        segmentation: &'a Segmentation,
        truth: &'a [Vec<f64>],
        names: Vec<String>,
        tau2: &[f64],
        alpha: f64,
        seed: u64,
    ) -> Result<Self, DemoError> {
        let segments = names
            .into_iter()
            .zip(tau2)
            .map(|(name, &t)| {
                Ok(SegmentRun {
                    name,
                    visitors: [0; 2],
                    conversions: [0; 2],
                    planted: [0.0; 2],
                    counterfactual: [0.0; 2],
                    treatment_share: Vec::new(),
                    msprt: Msprt::new(t, alpha)?,
                    last_p: 1.0,
                    stopped_on: None,
                    srm_smallest_p: 1.0,
                    srm_mismatches: 0,
                    srm_run: AdaptiveSrm::new(2)?,
                })
            })
            .collect::<Result<Vec<_>, DemoError>>()?;
        Ok(Run {
            store,
            experiment,
            segmentation,
            truth,
            segments,
            rng: Pcg64::seed_from_u64(seed),
        })
    }

    /// One day: the allocation of each segment from its posterior
    /// (Thompson sampling with a floor), `daily` visitors from `stream`
    /// assigned to a segment and a variant, their outcomes recorded as one
    /// batch per segment × variant (and one period batch with the day's
    /// allocation to the decision log), then the SRM test of the day's split
    /// against the day's allocation and a look of the sequential test.
    /// Returns the day's events as text (SRM mismatches, first stops).
    pub fn day(
        &mut self,
        day: usize,
        daily: usize,
        stream: &mut VisitorStream,
    ) -> Result<Vec<String>, DemoError> {
        let sampler = ThompsonSampler::new().min_share(FLOOR)?;
        let name = self.experiment.name().to_owned();
        let variants = self.experiment.variants().to_vec();
        let mut allocations = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            let states: Vec<BetaState> = self
                .store
                .segment_states(&name, &s.name)?
                .iter()
                .map(|st| st.state)
                .collect();
            let a = sampler.allocation(&states, ALLOCATION_DRAWS, &mut self.rng)?;
            allocations.push(a.probabilities);
        }
        let k = self.segments.len();
        let mut counts = vec![[0u64; 2]; k];
        let mut wins = vec![[0u64; 2]; k];
        let mut scratch = vec![0.0; self.segmentation.n_features()];
        for visitor in stream.by_ref().take(daily) {
            let record = project(&visitor.record());
            let s = self.segmentation.assign_one(&record, &mut scratch)?;
            let control = allocations.get(s).and_then(|a| a.first()).copied();
            let v = usize::from(self.rng.random::<f64>() >= control.unwrap_or(0.5));
            let planted = |v: usize| {
                self.truth
                    .get(visitor.segment)
                    .and_then(|c| c.get(v))
                    .copied()
                    .unwrap_or(0.0)
            };
            let p = planted(v);
            let both = [planted(0), planted(1)];
            let converted = self.rng.random::<f64>() < p;
            if let (Some(c), Some(w), Some(seg)) =
                (counts.get_mut(s), wins.get_mut(s), self.segments.get_mut(s))
            {
                c[v] += 1;
                w[v] += u64::from(converted);
                seg.planted[v] += p;
                seg.counterfactual[0] += both[0];
                seg.counterfactual[1] += both[1];
            }
        }
        let mut notes = Vec::new();
        for (s, seg) in self.segments.iter_mut().enumerate() {
            for v in 0..2 {
                // The day's outcomes with the probability each variant was
                // served with, for the honest estimates and the evaluation
                // of other policies (a variant of no visitor that day too).
                let propensity = allocations.get(s).and_then(|a| a.get(v)).copied();
                if let Some(propensity) = propensity.filter(|&p| p > 0.0) {
                    #[allow(clippy::cast_precision_loss)]
                    let conversions = wins[s][v] as f64;
                    let period = PeriodBatch::new(
                        seg.name.clone(),
                        variants[v].clone(),
                        i64::try_from(day).unwrap_or(i64::MAX),
                        propensity,
                        counts[s][v],
                        conversions,
                        conversions,
                    )?;
                    self.store.record_period(&name, &period)?;
                }
                if counts[s][v] > 0 {
                    let batch = Batch::new(
                        seg.name.clone(),
                        variants[v].clone(),
                        wins[s][v],
                        counts[s][v] - wins[s][v],
                        i64::try_from(day).unwrap_or(i64::MAX),
                    )?;
                    self.store.record(&name, &batch)?;
                }
                seg.visitors[v] += counts[s][v];
                seg.conversions[v] += wins[s][v];
            }
            let alloc = &allocations[s];
            seg.treatment_share
                .push(alloc.get(1).copied().unwrap_or(0.0));
            if counts[s][0] + counts[s][1] > 0 {
                seg.srm_run.push(&counts[s], alloc)?;
                let srm = srm_test(&counts[s], alloc)?;
                seg.srm_smallest_p = seg.srm_smallest_p.min(srm.p_value);
                if srm.mismatch {
                    seg.srm_mismatches += 1;
                    notes.push(format!(
                        "{}: sample-ratio mismatch (p = {:.2e})",
                        seg.name, srm.p_value
                    ));
                }
            }
            let (n, x) = (seg.visitors, seg.conversions);
            // A look needs both groups and a positive plug-in variance.
            if let Ok(look) = seg.msprt.update_proportions((n[0], x[0]), (n[1], x[1])) {
                seg.last_p = look.p_value;
                if look.decision == Decision::StopEfficacy && seg.stopped_on.is_none() {
                    seg.stopped_on = Some(day);
                    let direction = if look.estimate > 0.0 {
                        "helps"
                    } else {
                        "hurts"
                    };
                    notes.push(format!(
                        "{}: the sequential test stops, the treatment {direction} (always-valid p = {:.4}, difference {:+.2} points)",
                        seg.name,
                        look.p_value,
                        100.0 * look.estimate
                    ));
                }
            }
        }
        Ok(notes)
    }
}

/// The experiment's variants.
pub(crate) const VARIANTS: [&str; 2] = ["control", "treatment"];
