//! The steps of the walk-through, one function each; [`super::run`] calls
//! them in order.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use seg_bandit_state::{
    Experiment, Prior, SqliteStore, StateStore, WarmStart, analytics::prob_b_beats_a,
};
use seg_cluster::{KSelection, QualityVerdict, RetrainPolicy, SegmentDrift, Window};
use seg_datasets::{SimulatedVisitor, TrafficSimulator};
use seg_features::Value;
use seg_power::{Correction, Mde, ProportionTest};

use super::error::DemoError;
use super::experiment::{FLOOR, Run, SegmentRun, VARIANTS};
use super::profile::{self, Profile, number};
use super::{
    ALPHA, CONVERSION, DemoOptions, LIFT, MONTH_DAYS, POWER, PROMISED_DAYS, PROMISED_PER_VARIANT,
    RETRAIN_AT, SILHOUETTE_ROWS, SegmentPlan, WARM_START_CAP, fresh_temp_dir, project, thousands,
};
use crate::pipeline::{Segmentation, Segmenter};

/// A demo record: the seven fields of [`super::demo_schema`].
pub(super) type Record = [Value<'static>; 7];

/// The simulated month the segments are fitted on.
pub(super) struct Month {
    pub sim: TrafficSimulator,
    /// Planted conversion probability per planted segment and variant.
    pub truth: Vec<Vec<f64>>,
    pub planted: Vec<String>,
    pub visitors: Vec<SimulatedVisitor>,
    pub records: Vec<Record>,
    pub daily: usize,
}

/// The default segments with their conversion scaled so that the overall
/// rate under the control is the seed's 2.5%, and a month of their
/// traffic.
pub(super) fn month(options: &DemoOptions) -> Result<Month, DemoError> {
    let mut sim = TrafficSimulator::default_segments().seed(options.seed);
    let shares = sim.segment_shares()?;
    let control: f64 = shares
        .iter()
        .zip(sim.segments())
        .map(|(s, seg)| s * seg.conversion.first().copied().unwrap_or(0.0))
        .sum();
    let factor = CONVERSION / control;
    for seg in sim.segments_mut() {
        for p in &mut seg.conversion {
            *p *= factor;
        }
    }
    let truth = sim
        .segments()
        .iter()
        .map(|s| s.conversion.clone())
        .collect();
    let planted = sim.segments().iter().map(|s| s.name.clone()).collect();
    let visitors = sim.simulate(options.visitors_per_month)?;
    let records = visitors.iter().map(|v| project(&v.record())).collect();
    Ok(Month {
        sim,
        truth,
        planted,
        visitors,
        records,
        daily: (options.visitors_per_month / MONTH_DAYS).max(1),
    })
}

/// Step 1: the fields, their encoding and their features.
pub(super) fn features(
    out: &mut dyn Write,
    options: &DemoOptions,
    month: &Month,
    segmentation: &Segmentation,
) -> Result<(), DemoError> {
    writeln!(out, "== 1. Features")?;
    writeln!(
        out,
        "One month of simulated traffic, the seed's first case: {} visitors ({} a day), {:.1}% \
         conversion under the control, an A/B test running; seed {}.",
        thousands(options.visitors_per_month as f64),
        thousands(month.daily as f64),
        100.0 * CONVERSION,
        options.seed
    )?;
    super::print_features(out, segmentation)
}

/// Step 2: the per-k table and the reason.
pub(super) fn choice(
    out: &mut dyn Write,
    selection: &KSelection,
    fit_time: Duration,
) -> Result<(), DemoError> {
    writeln!(out, "\n== 2. Choosing k")?;
    writeln!(
        out,
        "k-means++ (3 restarts) for every k in 2..=8, scored on the transformed visitors \
         (silhouette on {} sampled rows); fit and choice took {:.2} s.",
        thousands(SILHOUETTE_ROWS as f64),
        fit_time.as_secs_f64()
    )?;
    writeln!(
        out,
        "\n   k  silhouette  Davies-Bouldin  Calinski-Harabasz  smallest segment  stability"
    )?;
    for s in &selection.scores {
        writeln!(
            out,
            "{} {:>2}  {:>10.3}  {:>14.3}  {:>17.0}  {:>15.1}%  {:>9.2}{}",
            if s.k == selection.k { "→" } else { " " },
            s.k,
            s.silhouette,
            s.davies_bouldin,
            s.calinski_harabasz,
            100.0 * s.min_cluster_share,
            s.stability,
            if s.eligible {
                ""
            } else {
                "  (a segment too small)"
            }
        )?;
    }
    writeln!(out, "\nChosen: {}", selection.reason)?;
    Ok(())
}

/// What step 3 found: each visitor's segment, the profiles, the names of
/// the segments, the agreement with the planted segments.
pub(super) struct Found {
    pub labels: Vec<usize>,
    pub profiles: Vec<Profile>,
    pub names: Vec<String>,
    pub ari: f64,
}

/// Step 3: the segments in original units.
pub(super) fn segments(
    out: &mut dyn Write,
    month: &Month,
    segmentation: &Segmentation,
) -> Result<Found, DemoError> {
    writeln!(out, "\n== 3. The segments, in original units")?;
    let k = segmentation.k();
    let labels = segmentation.assign(&month.records)?;
    let truth: Vec<usize> = month.visitors.iter().map(|v| v.segment).collect();
    let ari = seg_validate::adjusted_rand_index(&truth, &labels)?;
    let schema = segmentation.transformer().schema();
    let profiles = profile::profiles(schema, &month.records, &labels, k);
    let names: Vec<String> = (1..=k).map(|i| format!("S{i}")).collect();
    for (s, p) in profiles.iter().enumerate() {
        let mut planted = vec![0usize; month.planted.len()];
        for (&l, &t) in labels.iter().zip(&truth) {
            if l == s
                && let Some(c) = planted.get_mut(t)
            {
                *c += 1;
            }
        }
        let (best, count) = planted
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map_or((0, 0), |(i, c)| (i, *c));
        writeln!(
            out,
            "{}  {:>4.1}% of visitors; mostly {} ({:.0}% of the segment)",
            names[s],
            100.0 * p.share,
            month.planted.get(best).map_or("?", String::as_str),
            100.0 * count as f64 / p.size.max(1) as f64
        )?;
        for t in p.traits.iter().take(3) {
            writeln!(out, "      {}", t.text)?;
        }
    }
    writeln!(
        out,
        "Agreement with the simulator's {} planted segments: adjusted Rand index {ari:.2} \
         (1 = the same partition, 0 = chance). The planted segments overlap in behaviour, \
         so k-means splits some and merges others.",
        month.planted.len()
    )?;
    Ok(Found {
        labels,
        profiles,
        names,
        ari,
    })
}

/// Step 4: the quality gate's checks and verdict.
pub(super) fn gate(out: &mut dyn Write, quality: &QualityVerdict) -> Result<(), DemoError> {
    writeln!(out, "\n== 4. Quality gate")?;
    for c in quality.checks() {
        writeln!(
            out,
            "  {:<18} {:>7.3} {} {:<6} {}",
            c.name(),
            c.value(),
            c.comparison(),
            number(c.threshold()),
            if c.passed() { "pass" } else { "FAIL" }
        )?;
    }
    writeln!(
        out,
        "Verdict: {}{}",
        if quality.passed() {
            "deploy"
        } else {
            "do not deploy"
        },
        if quality.sampled() {
            " (silhouette on a stratified sample)"
        } else {
            ""
        }
    )?;
    Ok(())
}

/// What step 5 planned: each segment's plan, the mixing variance of its
/// sequential test, the per-comparison α, and the unsegmented sample.
pub(super) struct Planned {
    pub plans: Vec<SegmentPlan>,
    pub tau2: Vec<f64>,
    pub alpha_c: f64,
    pub overall_n: u64,
}

/// Step 5: the plan, unsegmented and per segment, with honest numbers.
pub(super) fn plan(
    out: &mut dyn Write,
    month: &Month,
    found: &Found,
) -> Result<Planned, DemoError> {
    writeln!(out, "\n== 5. Experiment plan per segment")?;
    let daily = month.daily as f64;
    let k = found.names.len();
    let m = k * (VARIANTS.len() - 1);
    let alpha_c = Correction::Bonferroni.per_comparison_alpha(ALPHA, m)?;
    writeln!(
        out,
        "Goal: detect a {:.0}% relative lift of the treatment in each segment, power {:.0}%, \
         family-wise α = {ALPHA} over {m} comparisons (segments × variants): Bonferroni α = \
         {alpha_c:.4} per comparison (Holm's first step is the same; the analysis in step 6 uses \
         Holm). Traffic: {} visitors a day, half to each variant.",
        100.0 * LIFT,
        100.0 * POWER,
        thousands(daily)
    )?;
    let overall = ProportionTest::new(CONVERSION).alpha(ALPHA);
    let overall_n = overall.sample_size(Mde::Relative(LIFT), POWER)?;
    let promised = overall.mde(PROMISED_PER_VARIANT, POWER)?;
    let in_15 = overall.mde(daily / 2.0 * PROMISED_DAYS, POWER)?;
    writeln!(
        out,
        "\nThe seed promised \"2,500 per variant in 15 days\". Unsegmented, at {:.1}% conversion \
         and α = {ALPHA}:\n\
         - a {:.0}% lift needs {} visitors per variant: {:.0} days of all the traffic;\n\
         - 2,500 per variant detect only a {:.0}% lift (to {:.2}%);\n\
         - 15 days ({} per variant) detect a {:.0}% lift.",
        100.0 * CONVERSION,
        100.0 * LIFT,
        thousands(overall_n.n1_ceil as f64),
        overall_n.n1 / (daily / 2.0),
        100.0 * promised.relative,
        100.0 * promised.p2,
        thousands(daily / 2.0 * PROMISED_DAYS),
        100.0 * in_15.relative
    )?;
    writeln!(
        out,
        "\nPer segment (baseline: its conversion under the control in the fitting month):\n\
         \n  segment  share  baseline  n per variant      days  in 15 days"
    )?;
    let mut plans = Vec::with_capacity(k);
    let mut tau2 = Vec::with_capacity(k);
    for (s, name) in found.names.iter().enumerate() {
        let (mut n0, mut x0) = (0usize, 0usize);
        for (v, &l) in month.visitors.iter().zip(&found.labels) {
            if l == s && v.variant == 0 {
                n0 += 1;
                x0 += usize::from(v.converted);
            }
        }
        // No conversion observed: half a conversion, so that the plan
        // shows how hopeless the segment is rather than failing.
        let conversions = if x0 == 0 { 0.5 } else { x0 as f64 };
        let baseline = (conversions / n0.max(1) as f64).clamp(1e-6, 0.5);
        let share = found.profiles.get(s).map_or(0.0, |p| p.share);
        let test = ProportionTest::new(baseline).alpha(alpha_c);
        let n = test.sample_size(Mde::Relative(LIFT), POWER)?;
        let per_day = daily * share / 2.0;
        let days = n.n1 / per_day.max(f64::MIN_POSITIVE);
        let achievable = days <= PROMISED_DAYS;
        let detectable = if achievable || per_day * PROMISED_DAYS < 1.0 {
            None
        } else {
            test.mde(per_day * PROMISED_DAYS, POWER)
                .ok()
                .map(|m| m.relative)
        };
        writeln!(
            out,
            "  {:<7} {:>5.1}%  {:>7.2}%  {:>13}  {:>8}  {}",
            name,
            100.0 * share,
            100.0 * baseline,
            thousands(n.n1_ceil as f64),
            thousands(days.ceil()),
            match (achievable, detectable) {
                (true, _) => "achievable".to_owned(),
                (false, Some(r)) => format!("not achievable: detects a {:.0}% lift", 100.0 * r),
                (false, None) => "not achievable: too little traffic".to_owned(),
            }
        )?;
        tau2.push((LIFT * baseline).powi(2));
        plans.push(SegmentPlan {
            segment: name.clone(),
            share,
            baseline,
            n_per_variant: n.n1_ceil,
            days,
            achievable,
            detectable_in_15_days: detectable,
        });
    }
    writeln!(
        out,
        "Segmenting multiplies the traffic needed: each segment has a fraction of the visitors and \
         must reach its own sample at a stricter α. Test per segment only where the effect is \
         expected to differ, or accept larger detectable lifts."
    )?;
    Ok(Planned {
        plans,
        tau2,
        alpha_c,
        overall_n: overall_n.n1_ceil,
    })
}

/// The experiment's state: its folder, the SQLite file and store, the
/// experiment, the warm start.
pub(super) struct State {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub store: SqliteStore,
    pub experiment: Experiment,
    pub warm: WarmStart,
}

/// A new SQLite store in the options' state folder (or a new temporary
/// one) with the experiment created.
pub(super) fn open_state(options: &DemoOptions) -> Result<State, DemoError> {
    let dir = match &options.state_dir {
        Some(d) => d.clone(),
        None => fresh_temp_dir(options.seed)?,
    };
    std::fs::create_dir_all(&dir).map_err(|source| DemoError::Io {
        path: dir.clone(),
        source,
    })?;
    let file = dir.join("bandit.sqlite");
    if file.exists() {
        return Err(DemoError::InvalidParameter {
            parameter: "state_dir",
            value: dir.display().to_string(),
            reason: "holds a bandit.sqlite from an earlier run: give an empty folder",
        });
    }
    let mut store = SqliteStore::open(&file)?;
    let experiment = Experiment::new("checkout-button", VARIANTS, Prior::uniform())?;
    store.create_experiment(&experiment)?;
    Ok(State {
        dir,
        file,
        store,
        experiment,
        warm: WarmStart::new(WARM_START_CAP)?,
    })
}

/// Step 6: the experiment, day by day; returns what each segment saw.
pub(super) fn experiment(
    out: &mut dyn Write,
    options: &DemoOptions,
    month: &Month,
    segmentation: &Segmentation,
    found: &Found,
    planned: &Planned,
    state: &mut State,
) -> Result<Vec<SegmentRun>, DemoError> {
    writeln!(out, "\n== 6. The experiment: Thompson sampling per segment")?;
    let names: Vec<String> = found.names.iter().map(|n| format!("v1-{n}")).collect();
    for name in &names {
        let others = state.store.all_states(state.experiment.name())?;
        let priors = state.warm.priors(&state.experiment, &others)?;
        state
            .store
            .create_segment(state.experiment.name(), name, &priors)?;
    }
    writeln!(
        out,
        "State: {} (SQLite, one transaction per batch). Each day, every segment's allocation is \
         its Thompson-sampling probability from its Beta posteriors (uniform Beta(1, 1) priors: no \
         segment had data to warm-start from), with at least {:.0}% per variant; visitors are \
         assigned to a segment by the pipeline (assign_one, no allocation) and to a variant by that \
         allocation; conversions come from the simulator's planted rates. Each evening: one batch \
         per segment × variant, SRM of the day's split against the day's allocation (chi-square, \
         mismatch at p < 0.001), and a look of an mSPRT per segment (α = {:.4}).",
        state.file.display(),
        100.0 * FLOOR,
        planned.alpha_c
    )?;
    let seed = options.seed;
    let mut stream = month.sim.clone().seed(seed.wrapping_add(1)).stream()?;
    let mut run = Run::new(
        &mut state.store,
        &state.experiment,
        segmentation,
        &month.truth,
        names,
        &planned.tau2,
        planned.alpha_c,
        seed.wrapping_add(11),
    )?;
    writeln!(out)?;
    for day in 1..=options.experiment_days {
        let notes = run.day(day, month.daily, &mut stream)?;
        let weekly = day == 1 || day % 7 == 0 || day == options.experiment_days;
        if weekly || !notes.is_empty() {
            let shares: Vec<String> = run
                .segments
                .iter()
                .zip(&found.names)
                .map(|(s, n)| {
                    let share = s.treatment_share.last().copied().unwrap_or(0.0);
                    format!("{n} {share:.2}")
                })
                .collect();
            writeln!(
                out,
                "day {day:>2}: treatment allocation {}",
                shares.join(", ")
            )?;
            for note in notes {
                writeln!(out, "        {note}")?;
            }
        }
    }
    Ok(run.segments)
}

/// What step 6 ended with.
pub(super) struct Results {
    pub events: u64,
    pub srm_mismatches: usize,
    pub sequential_stops: Vec<(String, usize)>,
}

/// Step 6, the end: per segment, visitors, conversion, planted rates,
/// P(T > C) from the stored posteriors, the mSPRT p-value and Holm.
pub(super) fn results(
    out: &mut dyn Write,
    options: &DemoOptions,
    found: &Found,
    runs: &[SegmentRun],
    state: &mut State,
) -> Result<Results, DemoError> {
    writeln!(
        out,
        "\n  segment     visitors C / T   conversion C / T    planted C / T  P(T > C)  mSPRT p  Holm p"
    )?;
    let pvalues: Vec<f64> = runs.iter().map(|s| s.last_p).collect();
    let holm = Correction::Holm.adjust(&pvalues, ALPHA)?;
    let all_states = state.store.all_states(state.experiment.name())?;
    for (i, (s, name)) in runs.iter().zip(&found.names).enumerate() {
        let state_of = |variant: &str| {
            all_states
                .iter()
                .find(|st| st.segment == s.name && st.variant == variant)
                .map(|st| st.state)
        };
        let p_better = match (state_of(VARIANTS[0]), state_of(VARIANTS[1])) {
            (Some(a), Some(b)) => prob_b_beats_a(&a, &b)?,
            _ => f64::NAN,
        };
        let rate = |x: u64, n: u64| format!("{:.2}%", 100.0 * x as f64 / n.max(1) as f64);
        let planted =
            |v: usize| format!("{:.2}%", 100.0 * s.planted[v] / s.visitors[v].max(1) as f64);
        let pair = |a: String, b: String| format!("{a} / {b}");
        writeln!(
            out,
            "  {:<7} {:>17}  {:>17}  {:>15}  {:>8.3}  {:>7.4}  {:>6.4}{}",
            name,
            pair(
                thousands(s.visitors[0] as f64),
                thousands(s.visitors[1] as f64)
            ),
            pair(
                rate(s.conversions[0], s.visitors[0]),
                rate(s.conversions[1], s.visitors[1])
            ),
            pair(planted(0), planted(1)),
            p_better,
            s.last_p,
            holm.adjusted.get(i).copied().unwrap_or(1.0),
            if holm.reject.get(i).copied().unwrap_or(false) {
                "  significant"
            } else {
                ""
            }
        )?;
    }
    let events = state.store.event_count(state.experiment.name())?;
    let srm_mismatches: usize = runs.iter().map(|s| s.srm_mismatches).sum();
    let srm_smallest = runs.iter().map(|s| s.srm_smallest_p).fold(1.0f64, f64::min);
    let sequential_stops = runs
        .iter()
        .zip(&found.names)
        .filter_map(|(s, n)| s.stopped_on.map(|d| (n.clone(), d)))
        .collect();
    writeln!(
        out,
        "{} batches recorded; {} daily SRM tests, {} mismatch{} (smallest p {:.3}). Planted: the \
         simulator's true conversion of the segment's visitors under each variant.",
        thousands(events as f64),
        thousands((runs.len() * options.experiment_days) as f64),
        srm_mismatches,
        if srm_mismatches == 1 { "" } else { "es" },
        srm_smallest
    )?;
    Ok(Results {
        events,
        srm_mismatches,
        sequential_stops,
    })
}

/// A feature's name, its PSI before and after the shift, and the
/// Kolmogorov-Smirnov p-value after.
pub(super) type PsiRow = (String, f64, f64, Option<f64>);

/// What step 7 found and made.
pub(super) struct Shift {
    /// (feature, PSI before, PSI after, KS p-value after), highest PSI
    /// after first.
    pub by_psi: Vec<PsiRow>,
    pub before: SegmentDrift,
    pub after: SegmentDrift,
    pub retrained: Option<Segmentation>,
    pub pipeline_files: Vec<PathBuf>,
}

/// Step 7: the shift, its drift (batch and streaming), the retrain
/// policy, the new version; the experiment goes on in its segments.
pub(super) fn shift(
    out: &mut dyn Write,
    options: &DemoOptions,
    month: &Month,
    segmenter: &Segmenter,
    segmentation: &Segmentation,
    planned: &Planned,
    state: &mut State,
) -> Result<Shift, DemoError> {
    writeln!(
        out,
        "\n== 7. The traffic shifts: drift, retraining, a new version"
    )?;
    let seed = options.seed;
    let week = month.daily * options.days_after_shift;
    let simulate = |sim: TrafficSimulator, seed: u64| -> Result<Vec<Record>, DemoError> {
        Ok(sim
            .seed(seed)
            .simulate(week)?
            .iter()
            .map(|v| project(&v.record()))
            .collect())
    };
    let like_before = simulate(month.sim.clone(), seed.wrapping_add(2))?;
    let shifted_sim = month.sim.clone().drifted();
    let shifted = simulate(shifted_sim.clone(), seed.wrapping_add(3))?;
    let before = segmentation.drift(&like_before)?;
    let after = segmentation.drift(&shifted)?;
    let by_psi = print_drift(out, week, &before, &after)?;

    // The streaming monitor sees it after one day of the new traffic.
    let mut monitor = segmentation.monitor(Window::Tumbling { size: month.daily })?;
    for record in shifted.iter().take(month.daily) {
        monitor.push(record)?;
    }
    let streamed = monitor.report()?;
    writeln!(
        out,
        "The streaming monitor (fed one visitor at a time, a window of one day) reads {:.3} ({:?}) \
         after the first day.",
        streamed.score(),
        streamed.level()
    )?;

    let policy = RetrainPolicy::new(RETRAIN_AT, seg_cluster::DEFAULT_MIN_BATCH)?;
    let decision = policy.decide(&after.report);
    let mut pipeline_files = vec![state.dir.join("segmentation-v1.json")];
    segmentation.save(&pipeline_files[0])?;
    if !decision.is_retrain() {
        writeln!(out, "Retrain policy: {decision:?}; the model is kept.")?;
        return Ok(Shift {
            by_psi,
            before,
            after,
            retrained: None,
            pipeline_files,
        });
    }
    let next = segmenter.retrain(segmentation, &shifted)?;
    let path = state
        .dir
        .join(format!("segmentation-v{}.json", next.model_version()));
    next.save(&path)?;
    pipeline_files.push(path);
    let against_next = next.drift(&shifted)?;
    writeln!(
        out,
        "Retrain policy: retrain from moderate drift on (score above {RETRAIN_AT}: a new traffic \
         source is a new audience; the library's default waits for 0.2). New version {} (parent \
         {}), made {}: k = {}; {}\nQuality gate: {}. Drift of the shifted week against the new \
         version: {:.3} ({:?}).",
        next.model_version(),
        next.parent_version()
            .map_or("none".to_owned(), |p| p.to_string()),
        next.model().created_at_rfc3339(),
        next.k(),
        next.model().selection().reason,
        if next.model().quality().passed() {
            "pass"
        } else {
            "fail"
        },
        against_next.score(),
        against_next.level()
    )?;
    go_on(out, options, month, &next, planned, state, shifted_sim)?;
    Ok(Shift {
        by_psi,
        before,
        after,
        retrained: Some(next),
        pipeline_files,
    })
}

/// The drift table of step 7; returns every feature's PSI before and
/// after, highest after first.
fn print_drift(
    out: &mut dyn Write,
    week: usize,
    before: &SegmentDrift,
    after: &SegmentDrift,
) -> Result<Vec<PsiRow>, DemoError> {
    writeln!(
        out,
        "A new traffic source, tiktok, now brings 30% of every segment's visitors; new explorers \
         double, budget hunters gain 40%, premium shoppers lose 40%. The model saw no tiktok: the \
         transform folds it into traffic_source=<other>.\n\
         \nDrift of {} visitors after the shift against the training baseline (and of a week like \
         the training month, for comparison):\n\
         \n  feature                       PSI before  PSI after  KS p after",
        thousands(week as f64)
    )?;
    let mut by_psi: Vec<PsiRow> = after
        .features()
        .zip(before.features())
        .map(|((name, a), (_, b))| (name.to_owned(), b.psi, a.psi, a.ks_p_value))
        .collect();
    by_psi.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (name, b, a, ks) in by_psi.iter().take(6) {
        writeln!(
            out,
            "  {name:<28} {b:>10.3}  {a:>9.3}  {}",
            ks.map_or("-".to_owned(), |p| format!("{p:.2e}"))
        )?;
    }
    writeln!(
        out,
        "  segment shares (assignment)  {:>10.3}  {:>9.3}\n\
         Score {:.3} ({:?}); before the shift {:.3} ({:?}). Mean distance to the nearest centre: \
         {:.2}× the training data's.",
        before.report.assignment_psi,
        after.report.assignment_psi,
        after.score(),
        after.level(),
        before.score(),
        before.level(),
        after.report.distance_ratio
    )?;
    Ok(by_psi)
}

/// The experiment goes on in the new version's segments, created with
/// warm-start priors from the old segments' posteriors.
fn go_on(
    out: &mut dyn Write,
    options: &DemoOptions,
    month: &Month,
    next: &Segmentation,
    planned: &Planned,
    state: &mut State,
    shifted_sim: TrafficSimulator,
) -> Result<(), DemoError> {
    let names: Vec<String> = (1..=next.k())
        .map(|i| format!("v{}-S{i}", next.model_version()))
        .collect();
    let old = state.store.all_states(state.experiment.name())?;
    let old_segments = old.len() / VARIANTS.len();
    let priors = state.warm.priors(&state.experiment, &old)?;
    for name in &names {
        state
            .store
            .create_segment(state.experiment.name(), name, &priors)?;
    }
    writeln!(
        out,
        "The experiment goes on in the {} new segments. Each starts from the warm-start prior \
         fitted on the {old_segments} old segments' posteriors (empirical Bayes, at most {} \
         pseudo-visitors): {}.",
        names.len(),
        WARM_START_CAP,
        priors
            .iter()
            .zip(VARIANTS)
            .map(|(p, v)| format!(
                "{v} Beta({:.1}, {:.1}), mean {:.2}%",
                p.alpha(),
                p.beta(),
                100.0 * p.alpha() / (p.alpha() + p.beta())
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    let tau2 = vec![(LIFT * CONVERSION).powi(2); next.k()];
    let mut stream = shifted_sim.seed(options.seed.wrapping_add(4)).stream()?;
    let mut run = Run::new(
        &mut state.store,
        &state.experiment,
        next,
        &month.truth,
        names,
        &tau2,
        planned.alpha_c,
        options.seed.wrapping_add(12),
    )?;
    for day in 1..=options.days_after_shift {
        run.day(options.experiment_days + day, month.daily, &mut stream)?;
    }
    let shares: Vec<String> = run
        .segments
        .iter()
        .map(|s| {
            let share = s.treatment_share.last().copied().unwrap_or(0.0);
            format!("{} {share:.2}", s.name)
        })
        .collect();
    writeln!(
        out,
        "After {} more days, treatment allocation: {}.",
        options.days_after_shift,
        shares.join(", ")
    )?;
    Ok(())
}

/// The four charts, when the options name a folder.
pub(super) fn charts(
    options: &DemoOptions,
    selection: &KSelection,
    found: &Found,
    runs: &[SegmentRun],
    shift: &Shift,
) -> Result<Vec<PathBuf>, DemoError> {
    let Some(dir) = &options.charts else {
        return Ok(Vec::new());
    };
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
        path: dir.clone(),
        source,
    })?;
    let scores: Vec<(usize, f64, f64)> = selection
        .scores
        .iter()
        .map(|s| (s.k, s.silhouette, s.davies_bouldin))
        .collect();
    let rows: Vec<(String, f64, f64, f64)> = runs
        .iter()
        .zip(&found.names)
        .zip(&found.profiles)
        .map(|((s, n), p)| {
            let rate = |v: usize| s.conversions[v] as f64 / s.visitors[v].max(1) as f64;
            (n.clone(), p.share, rate(0), rate(1))
        })
        .collect();
    let series: Vec<(String, Vec<f64>)> = runs
        .iter()
        .zip(&found.names)
        .map(|(s, n)| (n.clone(), s.treatment_share.clone()))
        .collect();
    let psi: Vec<(String, f64, f64)> = shift
        .by_psi
        .iter()
        .map(|(n, b, a, _)| (n.clone(), *b, *a))
        .collect();
    Ok(vec![
        super::charts::scores_by_k(dir, &scores, selection.k)?,
        super::charts::segments(dir, &rows)?,
        super::charts::allocation(dir, &series)?,
        super::charts::drift_psi(dir, &psi)?,
    ])
}

/// The closing section: where the files are.
pub(super) fn files(
    out: &mut dyn Write,
    options: &DemoOptions,
    state: &mut State,
    shift: &Shift,
    charts: &[PathBuf],
) -> Result<(), DemoError> {
    let file_names = |paths: &[PathBuf]| {
        paths
            .iter()
            .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "\n== Files")?;
    writeln!(
        out,
        "State and models: {}\n  bandit.sqlite ({} batches), {}",
        state.dir.display(),
        thousands(state.store.event_count(state.experiment.name())? as f64),
        file_names(&shift.pipeline_files)
    )?;
    match &options.charts {
        Some(dir) => writeln!(out, "Charts: {}\n  {}", dir.display(), file_names(charts))?,
        None => writeln!(out, "Charts: none (no chart folder given)")?,
    }
    Ok(())
}
