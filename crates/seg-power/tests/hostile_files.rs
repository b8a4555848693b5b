//! Hostile saved state: every file either fails to load or loads a value
//! whose main methods run without panicking, and which saves and loads
//! back unchanged.
//!
//! One fuzz-style property per loadable type, fed by
//! `seg_testdata::hostile_json` from a valid saved instance, then the
//! hand-written hostile files of issue 11 as named tests.

use proptest::prelude::*;
use seg_power::{
    Alternative, AsymptoticCs, ClassicalDesign, Correction, ExperimentPlan, GroupSequential,
    GroupSequentialDesign, Mde, MeanTest, Msprt, PowerError, ProportionTest, SequentialSrm,
    SpendingFunction, Traffic, plan_means, plan_proportions,
};
use seg_testdata::hostile_json;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Saves `value`, loads it back and checks that nothing changed.
fn round_trip<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let saved = serde_json::to_string(value).expect("a loaded value saves");
    let back: T = serde_json::from_str(&saved)
        .unwrap_or_else(|e| panic!("a saved value loads back: {e}\n{saved}"));
    assert_eq!(&back, value, "{saved}");
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("a valid value saves")
}

// ----------------------------------------------------------------- Traffic

fn valid_traffic() -> Value {
    to_value(&Traffic::new(10_000.0, vec![0.5, 0.25, 0.25], vec![0.6, 0.3]).unwrap())
}

fn exercise_traffic(traffic: &Traffic) {
    assert!(traffic.allocation().len() >= 2);
    assert_eq!(
        traffic.comparisons(),
        traffic.variants() * traffic.segment_shares().len()
    );
    let _ = traffic.daily_units(0, traffic.smallest_segment());
    let _ = traffic.daily_units(usize::MAX, usize::MAX);
    let test = ProportionTest::new(0.05);
    let _ = plan_proportions(
        &test,
        Mde::Relative(0.1),
        0.8,
        Correction::Holm,
        traffic,
        Some(30.0),
    );
    let _ = plan_means(
        &MeanTest::new(),
        Mde::Absolute(0.1),
        0.8,
        Correction::Bonferroni,
        traffic,
        None,
    );
    round_trip(traffic);
}

// ------------------------------------------------- GroupSequentialDesign

fn valid_designs() -> Vec<Value> {
    let two_sided = GroupSequential::spending(SpendingFunction::ObrienFleming, 3)
        .design()
        .unwrap();
    let futility = GroupSequential::spending(SpendingFunction::Pocock, 3)
        .alternative(Alternative::OneSided)
        .alpha(0.025)
        .futility(SpendingFunction::HwangShihDeCani { gamma: -2.0 }, 0.9)
        .design()
        .unwrap();
    let classical = GroupSequential::classical(ClassicalDesign::Pocock, 2)
        .design()
        .unwrap();
    vec![
        to_value(&two_sided),
        to_value(&futility),
        to_value(&classical),
    ]
}

fn exercise_design(design: &GroupSequentialDesign) {
    let k = design.information_fractions().len();
    assert!(k >= 1);
    assert_eq!(design.upper().len(), k);
    assert_eq!(design.nominal_p().len(), k);
    for look in 0..=k + 1 {
        for z in [-3.0, 0.0, 1.96, 1e308] {
            match design.decide(look, z) {
                Ok(d) => assert!((1..=k).contains(&look) && d.look == look),
                Err(_) => assert!(look == 0 || look > k),
            }
        }
    }
    for theta in [0.0, 1.5, -2.0, 1e308, f64::NAN] {
        let c = design.crossing(theta);
        assert_eq!(c.cumulative_upper.len(), k);
        assert_eq!(c.cumulative_lower.len(), k);
    }
    let _ = design.solve_power(0.8);
    round_trip(design);
}

// ---------------------------------------------------------- GroupSequential

fn valid_builder() -> Value {
    to_value(
        &GroupSequential::spending(SpendingFunction::HwangShihDeCani { gamma: -4.0 }, 3)
            .information_fractions(vec![0.3, 0.6, 1.0])
            .alpha(0.05),
    )
}

fn exercise_builder(builder: &GroupSequential) {
    if let Ok(design) = builder.design() {
        exercise_design(&design);
    }
    round_trip(builder);
}

// ----------------------------------------------------------- SequentialSrm

fn valid_srm() -> Value {
    let mut srm = SequentialSrm::builder(&[0.5, 0.3, 0.2]).build().unwrap();
    srm.update(&[500, 310, 190]).unwrap();
    to_value(&srm)
}

fn exercise_srm(srm: &SequentialSrm) {
    round_trip(srm);
    let mut srm = srm.clone();
    for counts in [
        vec![600, 400, 250],
        vec![10_000, 6_000, 4_000],
        vec![u64::MAX, 1, 1],
        vec![1, 2],
        vec![],
    ] {
        let _ = srm.log_bayes_factor(&counts);
        if let Ok(look) = srm.update(&counts) {
            assert!((0.0..=1.0).contains(&look.p_value));
        }
        assert!((0.0..=1.0).contains(&srm.p_value()));
        round_trip(&srm);
    }
}

// ------------------------------------------------------------------ Msprt

fn valid_msprts() -> Vec<Value> {
    let fresh = Msprt::new(0.5, 0.05).unwrap();
    let mut used = fresh.clone();
    used.update_mean(100.0, 0.2, 1.0).unwrap();
    vec![to_value(&fresh), to_value(&used)]
}

fn exercise_msprt(m: &Msprt) {
    round_trip(m);
    let mut m = m.clone();
    let _ = m.update(0.1, 0.01);
    let _ = m.update(1e308, 1e308);
    let _ = m.update_mean(50.0, -0.3, 2.0);
    let _ = m.update_means((100.0, 0.1, 1.0), (120.0, 0.3, 1.5));
    let _ = m.update_proportions((1_000, 50), (1_000, 70));
    assert!((0.0..=1.0).contains(&m.p_value()));
    round_trip(&m);
}

// ------------------------------------------------------------ AsymptoticCs

fn valid_cs() -> Value {
    to_value(&AsymptoticCs::tuned(0.05, 1_000.0).unwrap())
}

fn exercise_cs(cs: &AsymptoticCs) {
    for (n, sigma2) in [(1.0, 1.0), (1_000.0, 2.0), (1e308, 0.0), (1e-300, 1e300)] {
        if let Ok(i) = cs.interval(n, 0.1, sigma2) {
            assert!(i.half_width.is_finite() && i.low <= i.high);
        }
    }
    let _ = cs.interval_difference((100.0, 0.1, 1.0), (100.0, 0.2, 1.0));
    round_trip(cs);
}

// ----------------------------------------------------- calculators and plans

fn valid_mean_test() -> Value {
    to_value(&MeanTest::new().sd(20.0).baseline_mean(50.0).cuped_rho(0.3))
}

fn exercise_mean_test(t: &MeanTest) {
    let _ = t.sample_size(Mde::Relative(0.02), 0.8);
    let _ = t.power(Mde::Absolute(1.0), 500.0);
    let _ = t.mde(500.0, 0.8);
    round_trip(t);
}

fn valid_proportion_test() -> Value {
    to_value(&ProportionTest::new(0.05).alpha(0.01).ratio(2.0))
}

fn exercise_proportion_test(t: &ProportionTest) {
    let _ = t.sample_size(Mde::Relative(0.1), 0.8);
    let _ = t.power(Mde::Absolute(0.01), 5_000.0);
    let _ = t.mde(5_000.0, 0.8);
    round_trip(t);
}

fn valid_plan() -> Value {
    json!({
        "baseline": 0.05, "mde": {"kind": "relative", "value": 0.1},
        "daily_traffic": 5000, "max_days": 30, "planned_looks": 3,
        "allocation": [0.5, 0.5],
        "segments": [{"name": "desktop", "share": 0.6}, {"name": "mobile", "share": 0.4}]
    })
}

fn exercise_plan(plan: &ExperimentPlan) {
    let report = plan.validate();
    assert_eq!(
        report.can_launch,
        !report
            .issues
            .iter()
            .any(|i| i.severity == seg_power::Severity::Error)
    );
    round_trip(plan);
}

/// Loads `text` as `T` and, when it loads, exercises it.
fn check<T: DeserializeOwned>(text: &str, exercise: impl Fn(&T)) {
    if let Ok(value) = serde_json::from_str::<T>(text) {
        exercise(&value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_traffic_files_load_checked_or_not_at_all(text in hostile_json(valid_traffic())) {
        check(&text, exercise_traffic);
    }

    #[test]
    fn hostile_design_files_load_checked_or_not_at_all(
        text in prop::sample::select(valid_designs()).prop_flat_map(hostile_json)
    ) {
        check(&text, exercise_design);
    }

    #[test]
    fn hostile_group_sequential_files_load_checked_or_not_at_all(
        text in hostile_json(valid_builder())
    ) {
        check(&text, exercise_builder);
    }

    #[test]
    fn hostile_sequential_srm_files_load_checked_or_not_at_all(text in hostile_json(valid_srm())) {
        check(&text, exercise_srm);
    }

    #[test]
    fn hostile_msprt_files_load_checked_or_not_at_all(
        text in prop::sample::select(valid_msprts()).prop_flat_map(hostile_json)
    ) {
        check(&text, exercise_msprt);
    }

    #[test]
    fn hostile_asymptotic_cs_files_load_checked_or_not_at_all(text in hostile_json(valid_cs())) {
        check(&text, exercise_cs);
    }

    #[test]
    fn hostile_mean_test_files_load_or_not_at_all(text in hostile_json(valid_mean_test())) {
        check(&text, exercise_mean_test);
    }

    #[test]
    fn hostile_proportion_test_files_load_or_not_at_all(
        text in hostile_json(valid_proportion_test())
    ) {
        check(&text, exercise_proportion_test);
    }

    #[test]
    fn hostile_experiment_plan_files_load_or_not_at_all(text in hostile_json(valid_plan())) {
        check(&text, exercise_plan);
    }
}

// ------------------------------------------------- valid files round trip

#[test]
fn valid_files_load_and_round_trip() {
    let traffic: Traffic = serde_json::from_value(valid_traffic()).unwrap();
    exercise_traffic(&traffic);
    for v in valid_designs() {
        let d: GroupSequentialDesign = serde_json::from_value(v).unwrap();
        exercise_design(&d);
    }
    let b: GroupSequential = serde_json::from_value(valid_builder()).unwrap();
    exercise_builder(&b);
    let srm: SequentialSrm = serde_json::from_value(valid_srm()).unwrap();
    exercise_srm(&srm);
    for v in valid_msprts() {
        let m: Msprt = serde_json::from_value(v).unwrap();
        exercise_msprt(&m);
    }
    let cs: AsymptoticCs = serde_json::from_value(valid_cs()).unwrap();
    exercise_cs(&cs);
    let plan: ExperimentPlan = serde_json::from_value(valid_plan()).unwrap();
    exercise_plan(&plan);
}

// ------------------------------------------- the hostile files of issue 11

fn load<T: DeserializeOwned>(v: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(v)
}

#[test]
fn traffic_with_empty_allocation_is_rejected() {
    let mut v = valid_traffic();
    v["allocation"] = json!([]);
    assert!(load::<Traffic>(v.clone()).is_err());
    v["allocation"] = json!([1.0]);
    assert!(load::<Traffic>(v).is_err());
}

#[test]
fn traffic_with_empty_segment_shares_is_rejected() {
    let mut v = valid_traffic();
    v["segment_shares"] = json!([]);
    assert!(load::<Traffic>(v).is_err());
}

#[test]
fn design_with_vectors_shorter_than_its_looks_is_rejected() {
    for key in ["upper", "nominal_p", "cumulative_alpha", "cumulative_spend"] {
        let mut v = valid_designs().remove(0);
        v[key].as_array_mut().unwrap().pop();
        let e = load::<GroupSequentialDesign>(v).unwrap_err().to_string();
        assert!(e.contains(key), "{key}: {e}");
    }
    let mut v = valid_designs().remove(1);
    v["futility"].as_array_mut().unwrap().truncate(1);
    assert!(load::<GroupSequentialDesign>(v).is_err());
}

#[test]
fn design_with_vectors_longer_than_its_looks_is_rejected() {
    for key in ["upper", "nominal_p", "cumulative_alpha"] {
        let mut v = valid_designs().remove(0);
        let arr = v[key].as_array_mut().unwrap();
        let last = arr.last().cloned().unwrap();
        arr.push(last);
        assert!(load::<GroupSequentialDesign>(v).is_err(), "{key}");
    }
}

#[test]
fn design_with_an_absurd_grid_is_a_bounded_error() {
    for grid in [
        json!(1_000_000_000_000u64),
        json!(u64::MAX),
        json!(1001),
        json!(7),
    ] {
        let mut v = valid_designs().remove(0);
        v["grid"] = grid.clone();
        let e = load::<GroupSequentialDesign>(v).unwrap_err().to_string();
        assert!(e.contains("grid"), "{grid}: {e}");
    }
    let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
        .grid(1_000_000_000_000)
        .design()
        .unwrap_err();
    assert!(matches!(
        e,
        PowerError::InvalidCount {
            parameter: "grid",
            ..
        }
    ));
}

#[test]
fn group_sequential_with_usize_max_looks_is_an_error() {
    let e = GroupSequential::spending(SpendingFunction::ObrienFleming, usize::MAX)
        .design()
        .unwrap_err();
    assert!(matches!(
        e,
        PowerError::InvalidCount {
            parameter: "looks",
            ..
        }
    ));
    let e = GroupSequential::classical(ClassicalDesign::Pocock, 101)
        .design()
        .unwrap_err();
    assert!(matches!(
        e,
        PowerError::InvalidCount {
            parameter: "looks",
            value: 101,
            ..
        }
    ));
}

#[test]
fn design_with_a_boundary_of_1e_320_does_not_panic() {
    let mut v = valid_designs().remove(0);
    v["upper"][0] = json!(1e-320);
    v["nominal_p"][0] = json!(1.0);
    let d: GroupSequentialDesign = load(v).unwrap();
    exercise_design(&d);
    let c = d.crossing(0.0);
    assert!(c.cumulative_upper[0] + c.cumulative_lower[0] > 0.99);
}

#[test]
fn design_with_futility_on_a_two_sided_design_is_rejected() {
    let mut v = valid_designs().remove(0);
    v["futility"] = json!([-1.0, 0.0, 1.9]);
    assert!(load::<GroupSequentialDesign>(v).is_err());
}

#[test]
fn design_with_futility_above_efficacy_is_rejected() {
    let mut v = valid_designs().remove(1);
    v["futility"][0] = json!(10.0);
    assert!(load::<GroupSequentialDesign>(v).is_err());
}

#[test]
fn design_with_edited_nominal_p_is_rejected() {
    let mut v = valid_designs().remove(0);
    v["nominal_p"][1] = json!(0.5);
    assert!(load::<GroupSequentialDesign>(v).is_err());
}

#[test]
fn design_with_a_never_crossed_boundary_round_trips() {
    // O'Brien-Fleming spends nothing (in double precision) at t = 1e-4: the
    // first boundary is +∞, saved as null.
    let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 2)
        .information_fractions(vec![1e-4, 1.0])
        .design()
        .unwrap();
    assert_eq!(d.upper()[0], f64::INFINITY);
    let saved = serde_json::to_value(&d).unwrap();
    assert_eq!(saved["upper"][0], Value::Null);
    round_trip(&d);
    exercise_design(&d);
}

#[test]
fn sequential_srm_with_last_and_prior_of_different_lengths_is_rejected() {
    let mut v = valid_srm();
    v["last"] = json!([500, 310]);
    assert!(load::<SequentialSrm>(v.clone()).is_err());
    v["last"] = json!([500, 310, 190, 7]);
    assert!(load::<SequentialSrm>(v).is_err());
}

#[test]
fn sequential_srm_with_inconsistent_prior_is_rejected() {
    let mut v = valid_srm();
    v["prior"][0] = json!(0.0);
    assert!(load::<SequentialSrm>(v.clone()).is_err());
    let mut v = valid_srm();
    v["ln_p0"][1] = json!(-0.1);
    assert!(load::<SequentialSrm>(v).is_err());
    let mut v = valid_srm();
    v["ln_p0"].as_array_mut().unwrap().pop();
    assert!(load::<SequentialSrm>(v).is_err());
    let mut v = valid_srm();
    v["prior"] = json!([50.0]);
    v["ln_p0"] = json!([0.0]);
    v["last"] = json!([3]);
    assert!(load::<SequentialSrm>(v).is_err());
}

#[test]
fn sequential_srm_with_bad_counts_or_ratios_is_rejected() {
    for (key, value) in [
        ("concentration", json!(0.0)),
        ("concentration", json!(-1.0)),
        ("threshold", json!(1.5)),
        ("p_value", json!(2.0)),
        ("p_value", json!(-0.5)),
    ] {
        let mut v = valid_srm();
        v[key] = value;
        assert!(load::<SequentialSrm>(v).is_err(), "{key}");
    }
}

#[test]
fn sequential_srm_counts_totalling_more_than_u64_max_are_an_error() {
    let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build().unwrap();
    let before = srm.clone();
    assert!(srm.update(&[u64::MAX, 2]).is_err());
    assert_eq!(srm, before);
}

#[test]
fn msprt_with_nan_producing_numbers_is_rejected() {
    for (key, value) in [
        ("tau2", json!(0.0)),
        ("tau2", json!(-1.0)),
        ("alpha", json!(0.0)),
        ("alpha", json!(1.5)),
        ("p_value", json!(1.5)),
        ("p_value", json!(-1.0)),
    ] {
        let mut v = valid_msprts().remove(1);
        v[key] = value;
        assert!(load::<Msprt>(v).is_err(), "{key}");
    }
}

#[test]
fn look_after_usize_max_looks_is_an_error() {
    let mut v = valid_msprts().remove(1);
    v["looks"] = json!(u64::MAX);
    let mut m: Msprt = load(v).unwrap();
    assert!(matches!(
        m.update(0.1, 0.01),
        Err(PowerError::InvalidCount {
            parameter: "looks",
            ..
        })
    ));
    let mut v = valid_srm();
    v["looks"] = json!(u64::MAX);
    let mut srm: SequentialSrm = load(v).unwrap();
    assert!(matches!(
        srm.update(&[600, 400, 250]),
        Err(PowerError::InvalidCount {
            parameter: "looks",
            ..
        })
    ));
}

#[test]
fn fresh_msprt_round_trips_with_unbounded_ends_as_null() {
    let m = Msprt::new(0.5, 0.05).unwrap();
    let saved = serde_json::to_value(&m).unwrap();
    assert_eq!(saved["ci_low"], Value::Null);
    assert_eq!(saved["ci_high"], Value::Null);
    round_trip(&m);
}

#[test]
fn msprt_update_overflowing_double_precision_is_an_error() {
    let mut m = Msprt::new(1e308, 0.05).unwrap();
    let before = m.clone();
    assert!(matches!(
        m.update(1e308, 1e308),
        Err(PowerError::NoSolution { .. })
    ));
    assert_eq!(m, before);
}

#[test]
fn asymptotic_cs_with_invalid_numbers_is_rejected() {
    for (alpha, rho2) in [(0.0, 1.0), (1.0, 1.0), (0.05, 0.0), (0.05, -1.0)] {
        let v = json!({"alpha": alpha, "rho2": rho2});
        assert!(load::<AsymptoticCs>(v).is_err(), "{alpha} {rho2}");
    }
    assert!(load::<AsymptoticCs>(json!({"alpha": 0.05})).is_err());
}

#[test]
fn asymptotic_cs_interval_overflowing_is_an_error() {
    let cs = AsymptoticCs::new(0.05, 1e308).unwrap();
    assert!(matches!(
        cs.interval(1e308, 0.0, 0.0),
        Err(PowerError::NoSolution { .. })
    ));
}

#[test]
fn mean_test_with_standard_deviation_1e308_does_not_panic() {
    let t = MeanTest::new().sd(1e308);
    let _ = t.sample_size(Mde::Absolute(1.0), 0.8);
    let _ = t.power(Mde::Absolute(1.0), 100.0);
    let _ = t.mde(100.0, 0.8);
    let z = MeanTest::new().sd(1e308).test(seg_power::MeanTestKind::Z);
    let _ = z.sample_size(Mde::Absolute(1.0), 0.8);
    let _ = z.power(Mde::Absolute(1.0), 100.0);
}

#[test]
fn srm_ratios_summing_to_infinity_are_an_error() {
    assert!(seg_power::srm_test(&[10, 10], &[1e308, 1e308]).is_err());
    assert!(SequentialSrm::builder(&[1e308, 1e308]).build().is_err());
}
