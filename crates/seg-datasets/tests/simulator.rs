//! The traffic simulator: shares, behaviour, conversion rates, the
//! web-visitor schema, drift, determinism and every invalid parameter.

use seg_datasets::{
    Beta, DatasetError, Drift, LogNormal, NegativeBinomial, Result, Segment, SimulatedVisitor,
    TrafficSimulator,
};
use seg_features::web_visitor_schema;

/// |observed − expected| within `z` standard errors of a proportion.
fn assert_proportion(hits: usize, n: usize, p: f64, z: f64, what: &str) {
    let observed = hits as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (observed - p).abs() <= z * se.max(1e-12),
        "{what}: observed {observed:.5} over {n}, expected {p:.5} (se {se:.5})"
    );
}

fn records(visitors: &[SimulatedVisitor]) -> Vec<[seg_features::Value<'static>; 11]> {
    visitors.iter().map(SimulatedVisitor::record).collect()
}

#[test]
fn segment_shares_match_the_configuration() -> Result<()> {
    let n = 100_000;
    let sim = TrafficSimulator::default_segments().seed(1);
    let visitors = sim.simulate(n)?;
    for (s, &p) in sim.segment_shares()?.iter().enumerate() {
        let hits = visitors.iter().filter(|v| v.segment == s).count();
        assert_proportion(hits, n, p, 4.0, &sim.segments()[s].name);
    }
    Ok(())
}

#[test]
fn configured_shares_are_normalised() -> Result<()> {
    let n = 100_000;
    let sim = TrafficSimulator::default_segments()
        .shares(&[5.0, 0.0, 1.0, 2.0, 2.0])
        .seed(2);
    assert_eq!(sim.segment_shares()?, vec![0.5, 0.0, 0.1, 0.2, 0.2]);
    let visitors = sim.simulate(n)?;
    assert!(
        visitors.iter().all(|v| v.segment != 1),
        "a share of 0 is never drawn"
    );
    let hits = visitors.iter().filter(|v| v.segment == 0).count();
    assert_proportion(hits, n, 0.5, 4.0, "segment 0");
    Ok(())
}

#[test]
fn records_fit_the_web_visitor_schema_with_20_features_in_unit_range()
-> Result<(), Box<dyn std::error::Error>> {
    let visitors = TrafficSimulator::default_segments()
        .seed(3)
        .simulate(100_000)?;
    let records = records(&visitors);
    let transformer = web_visitor_schema().fit(&records)?;
    assert_eq!(transformer.n_features(), 20);
    assert_eq!(
        transformer.feature_names(),
        [
            "sessions",
            "pages_per_session",
            "avg_session_seconds",
            "bounce_rate",
            "device=desktop",
            "device=mobile",
            "device=tablet",
            "browser=chrome",
            "browser=<other>",
            "country=us",
            "country=<other>",
            "hour.sin",
            "hour.cos",
            "weekday.sin",
            "weekday.cos",
            "traffic_source=affiliate",
            "traffic_source=search",
            "traffic_source=social",
            "traffic_source=<other>",
            "returning",
        ]
    );
    let x = transformer.transform(&records)?;
    assert_eq!(x.dim(), (100_000, 20));
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    Ok(())
}

#[test]
fn small_samples_also_give_20_features() -> Result<(), Box<dyn std::error::Error>> {
    for seed in 0..5 {
        let visitors = TrafficSimulator::default_segments()
            .seed(seed)
            .simulate(2_000)?;
        let transformer = web_visitor_schema().fit(&records(&visitors))?;
        assert_eq!(transformer.n_features(), 20, "seed {seed}");
    }
    Ok(())
}

#[test]
fn conversion_rates_match_each_segment_and_variant() -> Result<()> {
    let sim = TrafficSimulator::default_segments().seed(4);
    let visitors = sim.simulate(400_000)?;
    for (s, segment) in sim.segments().iter().enumerate() {
        for (v, &p) in segment.conversion.iter().enumerate() {
            let cell: Vec<_> = visitors
                .iter()
                .filter(|x| x.segment == s && x.variant == v)
                .collect();
            let hits = cell.iter().filter(|x| x.converted).count();
            assert_proportion(
                hits,
                cell.len(),
                p,
                4.5,
                &format!("{} / variant {v}", segment.name),
            );
        }
    }
    Ok(())
}

#[test]
fn the_treatment_effect_differs_by_segment() -> Result<()> {
    let sim = TrafficSimulator::default_segments().seed(5);
    let visitors = sim.simulate(400_000)?;
    let rate = |s: usize, v: usize| {
        let cell: Vec<_> = visitors
            .iter()
            .filter(|x| x.segment == s && x.variant == v)
            .collect();
        cell.iter().filter(|x| x.converted).count() as f64 / cell.len() as f64
    };
    assert!(rate(0, 1) > 1.4 * rate(0, 0), "budget hunters gain");
    assert!(rate(1, 1) < rate(1, 0), "premium shoppers lose");
    Ok(())
}

#[test]
fn allocation_splits_traffic_between_variants() -> Result<()> {
    let n = 100_000;
    let mut sim = TrafficSimulator::default_segments()
        .variants(&["A", "B", "C"])
        .allocation(&[2.0, 1.0, 1.0])
        .seed(6);
    for segment in sim.segments_mut() {
        segment.conversion = vec![0.1, 0.2, 0.3];
    }
    let visitors = sim.simulate(n)?;
    for (v, p) in [(0, 0.5), (1, 0.25), (2, 0.25)] {
        let hits = visitors.iter().filter(|x| x.variant == v).count();
        assert_proportion(hits, n, p, 4.0, &format!("variant {v}"));
    }
    assert_eq!(sim.variant_names(), ["A", "B", "C"]);
    Ok(())
}

#[test]
fn planted_behaviour_shows_in_the_records() -> Result<()> {
    let n = 200_000;
    let visitors = TrafficSimulator::default_segments().seed(7).simulate(n)?;
    let of = |s: usize| -> Vec<&SimulatedVisitor> {
        visitors.iter().filter(|v| v.segment == s).collect()
    };
    let share = |vs: &[&SimulatedVisitor], f: &dyn Fn(&SimulatedVisitor) -> bool| {
        vs.iter().filter(|v| f(v)).count() as f64 / vs.len() as f64
    };
    let mean = |vs: &[&SimulatedVisitor], f: &dyn Fn(&SimulatedVisitor) -> f64| {
        vs.iter().map(|v| f(v)).sum::<f64>() / vs.len() as f64
    };
    let (budget, premium, tablet, loyal, explorers) = (of(0), of(1), of(2), of(3), of(4));

    assert!((share(&budget, &|v| v.visitor.device == "mobile") - 0.8).abs() < 0.01);
    assert!((share(&budget, &|v| v.visitor.traffic_source == "affiliate") - 0.75).abs() < 0.01);
    assert!((share(&premium, &|v| v.visitor.device == "desktop") - 0.85).abs() < 0.01);
    assert!(share(&premium, &|v| (8.0..18.0).contains(&v.visitor.hour)) > 0.7);
    assert!((share(&tablet, &|v| v.visitor.device == "tablet") - 0.75).abs() < 0.01);
    assert!(share(&tablet, &|v| v.visitor.hour >= 18.0) > 0.5);
    assert!((share(&loyal, &|v| v.visitor.returning) - 0.97).abs() < 0.01);
    assert!((share(&explorers, &|v| v.visitor.returning) - 0.05).abs() < 0.01);

    // Sessions: 1 + negative binomial, with the configured total mean.
    assert!((mean(&loyal, &|v| v.visitor.sessions) / 12.0 - 1.0).abs() < 0.02);
    assert!((mean(&explorers, &|v| v.visitor.sessions) / 1.3 - 1.0).abs() < 0.02);
    // Bounce rate: Beta(6, 2) has mean 0.75.
    assert!((mean(&explorers, &|v| v.visitor.bounce_rate) - 0.75).abs() < 0.005);
    // Log-normal: the median of seconds is the configured median.
    let mut seconds: Vec<f64> = premium
        .iter()
        .map(|v| v.visitor.avg_session_seconds)
        .collect();
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    assert!((median / 420.0 - 1.0).abs() < 0.02, "median {median}");
    Ok(())
}

#[test]
fn drift_raises_traffic_source_other_in_the_transform() -> Result<(), Box<dyn std::error::Error>> {
    let n = 50_000;
    let before = TrafficSimulator::default_segments().seed(8);
    let after = before.clone().drifted();
    let old = records(&before.simulate(n)?);
    let new_visitors = after.simulate(n)?;
    let new = records(&new_visitors);

    let transformer = web_visitor_schema().fit(&old)?;
    let names = transformer.feature_names();
    let other = names
        .iter()
        .position(|f| f == "traffic_source=<other>")
        .ok_or("no traffic_source=<other> column")?;
    let share = |x: &ndarray::Array2<f64>| x.column(other).sum() / x.nrows() as f64;
    let (old_share, new_share) = (
        share(&transformer.transform(&old)?),
        share(&transformer.transform(&new)?),
    );
    assert!(
        new_share > old_share + 0.15,
        "<other>: {old_share:.3} before, {new_share:.3} after"
    );

    let tiktok = new_visitors
        .iter()
        .filter(|v| v.visitor.traffic_source == "tiktok")
        .count();
    assert_proportion(tiktok, n, 0.3, 4.0, "tiktok");

    let (old_shares, new_shares) = (before.segment_shares()?, after.segment_shares()?);
    assert!(new_shares[4] > old_shares[4] && new_shares[1] < old_shares[1]);
    // The configured segments are untouched by drift.
    assert_eq!(before.segments(), after.segments());
    assert_eq!(after.drift_scenario(), Some(&Drift::tiktok()));
    Ok(())
}

#[test]
fn same_seed_same_visitors_other_seed_other_visitors() -> Result<()> {
    let sim = TrafficSimulator::default_segments().seed(10);
    let a = sim.simulate(10_000)?;
    assert_eq!(a, sim.clone().simulate(10_000)?);
    let streamed: Vec<_> = sim.stream()?.take(10_000).collect();
    assert_eq!(a, streamed);
    assert_ne!(a, sim.clone().seed(11).simulate(10_000)?);
    Ok(())
}

#[test]
fn added_and_replaced_segments_are_simulated() -> Result<()> {
    let bots = Segment::new("bots")
        .share(1.0)
        .devices(&[("desktop", 1.0)])
        .traffic_sources(&[("direct", 1.0)])
        .sessions(NegativeBinomial {
            mean: 50.0,
            dispersion: 10.0,
        })
        .pages_per_session(LogNormal {
            median: 30.0,
            sigma: 0.1,
        })
        .avg_session_seconds(LogNormal {
            median: 2.0,
            sigma: 0.1,
        })
        .bounce_rate(Beta {
            alpha: 1.0,
            beta: 50.0,
        })
        .conversion(&[0.0, 0.0]);
    let sim = TrafficSimulator::default_segments().add_segment(bots.clone());
    assert_eq!(sim.segments().len(), 6);
    let visitors = sim.simulate(20_000)?;
    let bot_visits: Vec<_> = visitors.iter().filter(|v| v.segment == 5).collect();
    assert!(!bot_visits.is_empty());
    assert!(
        bot_visits
            .iter()
            .all(|v| !v.converted && v.visitor.device == "desktop")
    );

    let only_bots = TrafficSimulator::default_segments().replace_segments(vec![bots]);
    assert!(only_bots.simulate(1_000)?.iter().all(|v| v.segment == 0));
    Ok(())
}

/// The segment, parameter and element of an `InvalidSegment` error.
fn invalid_segment(sim: &TrafficSimulator) -> (usize, String, &'static str, Option<String>) {
    match sim.simulate(1) {
        Err(DatasetError::InvalidSegment {
            index,
            segment,
            parameter,
            element,
            ..
        }) => (index, segment, parameter, element),
        other => panic!("expected InvalidSegment, got {other:?}"),
    }
}

fn with_segment(i: usize, edit: impl FnOnce(&mut Segment)) -> TrafficSimulator {
    let mut sim = TrafficSimulator::default_segments();
    edit(&mut sim.segments_mut()[i]);
    sim
}

#[test]
fn invalid_segment_parameters_name_the_segment_and_parameter() {
    let cases: Vec<(TrafficSimulator, &str, Option<&str>)> = vec![
        (with_segment(2, |s| s.share = -1.0), "share", None),
        (with_segment(2, |s| s.share = f64::NAN), "share", None),
        (with_segment(2, |s| s.devices.clear()), "devices", None),
        (
            with_segment(2, |s| s.devices[0].1 = -0.5),
            "devices",
            Some("tablet"),
        ),
        (
            with_segment(2, |s| s.browsers = vec![("", 1.0)]),
            "browsers",
            Some("0"),
        ),
        (
            with_segment(2, |s| s.countries = vec![("us", 0.0)]),
            "countries",
            Some("sum"),
        ),
        (
            with_segment(2, |s| s.traffic_sources.push(("<missing>", 1.0))),
            "traffic_sources",
            Some("4"),
        ),
        (with_segment(2, |s| s.returning = 1.5), "returning", None),
        (
            with_segment(2, |s| s.sessions.mean = 0.5),
            "sessions.mean",
            None,
        ),
        (
            with_segment(2, |s| s.sessions.dispersion = 0.0),
            "sessions.dispersion",
            None,
        ),
        (
            with_segment(2, |s| s.pages_per_session.median = 0.0),
            "pages_per_session.median",
            None,
        ),
        (
            with_segment(2, |s| s.avg_session_seconds.sigma = -1.0),
            "avg_session_seconds.sigma",
            None,
        ),
        (
            with_segment(2, |s| s.bounce_rate.alpha = f64::INFINITY),
            "bounce_rate.alpha",
            None,
        ),
        (
            with_segment(2, |s| s.bounce_rate.beta = 0.0),
            "bounce_rate.beta",
            None,
        ),
        (
            with_segment(2, |s| s.hours = [0.0; 24]),
            "hours",
            Some("sum"),
        ),
        (
            with_segment(2, |s| s.weekdays[6] = f64::NAN),
            "weekdays",
            Some("6"),
        ),
        (
            with_segment(2, |s| s.conversion = vec![0.1]),
            "conversion",
            None,
        ),
        (
            with_segment(2, |s| s.conversion[1] = -0.1),
            "conversion",
            Some("1"),
        ),
    ];
    for (sim, parameter, element) in cases {
        assert_eq!(
            invalid_segment(&sim),
            (
                2,
                "tablet browsers".to_owned(),
                parameter,
                element.map(str::to_owned)
            )
        );
    }
}

#[test]
fn simulator_level_errors() {
    let sim = TrafficSimulator::default_segments();
    assert_eq!(
        sim.clone().allocation(&[1.0]).simulate(1),
        Err(DatasetError::LengthMismatch {
            parameter: "allocation",
            expected: 2,
            got: 1
        })
    );
    assert!(matches!(
        sim.clone().allocation(&[0.0, 0.0]).simulate(1),
        Err(DatasetError::InvalidParameter {
            parameter: "allocation",
            ..
        })
    ));
    assert!(matches!(
        sim.clone().allocation(&[1.0, -1.0]).simulate(1),
        Err(DatasetError::InvalidParameter {
            parameter: "allocation",
            ..
        })
    ));
    assert_eq!(
        sim.clone().shares(&[1.0; 4]).simulate(1),
        Err(DatasetError::LengthMismatch {
            parameter: "shares",
            expected: 5,
            got: 4
        })
    );
    assert!(matches!(
        sim.clone().shares(&[1.0, 1.0, 1.0, 1.0, -1.0]).simulate(1),
        Err(DatasetError::InvalidSegment { index: 4, .. })
    ));
    assert!(matches!(
        sim.clone()
            .drift(Drift::new().scale_share(5, 2.0))
            .simulate(1),
        Err(DatasetError::InvalidDrift { .. })
    ));
    assert!(matches!(
        sim.clone()
            .drift(Drift::new().scale_share(0, f64::NAN))
            .simulate(1),
        Err(DatasetError::InvalidDrift { .. })
    ));
    assert!(matches!(
        sim.clone()
            .drift(Drift::new().new_traffic_source("<other>", 0.1))
            .simulate(1),
        Err(DatasetError::InvalidDrift { .. })
    ));
    // Drift that scales every share to 0 leaves nothing to draw.
    let all_zero = (0..5).fold(Drift::new(), |d, i| d.scale_share(i, 0.0));
    assert!(matches!(
        sim.clone().drift(all_zero).simulate(1),
        Err(DatasetError::InvalidParameter {
            parameter: "shares",
            ..
        })
    ));
    // The same checks guard the stream and the shares.
    assert!(sim.clone().allocation(&[1.0]).stream().is_err());
    assert!(sim.allocation(&[1.0]).segment_shares().is_err());
}

#[test]
fn error_messages_are_readable() {
    let sim = with_segment(3, |s| s.returning = 2.0);
    assert_eq!(
        sim.simulate(1).unwrap_err().to_string(),
        "segment 3 (`loyal members`): invalid returning = 2: a probability must be in [0, 1]"
    );
    let sim = TrafficSimulator::default_segments().drift(Drift::new().scale_share(9, 1.0));
    assert_eq!(
        sim.simulate(1).unwrap_err().to_string(),
        "drift: invalid scale_share.segment = 9: no segment at this position"
    );
    let sim = with_segment(1, |s| s.devices[1].1 = -1.0);
    assert_eq!(
        sim.simulate(1).unwrap_err().to_string(),
        "segment 1 (`premium shoppers`): invalid devices[mobile] = -1: \
         a weight must be finite and >= 0"
    );
    let sim = with_segment(0, |s| s.hours = [0.0; 24]);
    assert_eq!(
        sim.simulate(1).unwrap_err().to_string(),
        "segment 0 (`budget hunters`): invalid hours[sum] = 0: weights must have a finite sum > 0"
    );
}

#[test]
fn simulating_nothing_gives_nothing() -> Result<()> {
    assert!(TrafficSimulator::default_segments().simulate(0)?.is_empty());
    Ok(())
}
