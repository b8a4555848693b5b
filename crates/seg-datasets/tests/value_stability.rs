//! Value stability: pinned outputs for fixed seeds.
//!
//! The generators use the portable PCG RNG (`rand_pcg::Pcg64Mcg`), so these
//! values hold on every platform for the locked versions of `rand` and
//! `rand_distr`. Changing a seeded output is a CHANGELOG entry.
//!
//! Integers, categories and values computed by plain IEEE arithmetic
//! (uniform centres) are compared exactly. Values that go through `ln`,
//! `exp` or `sqrt` of the platform's maths library are compared to 1e-12
//! relative, since those functions may differ in the last bit between
//! platforms.

use seg_datasets::{Blobs, Result, TrafficSimulator};

fn assert_close(got: f64, expected: f64) {
    assert!(
        (got - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "got {got:?}, expected {expected:?}"
    );
}

#[test]
fn blobs_seed_42() -> Result<()> {
    let blobs = Blobs::params(5, 2).centres(2).seed(42).generate()?;
    assert_eq!(
        blobs.centres.as_slice(),
        Some(
            &[
                1.4718316181634812,
                -7.333867349912111,
                -2.881283194310962,
                -5.491867173588121
            ][..]
        )
    );
    assert_eq!(blobs.labels, vec![0, 1, 1, 0, 0]);
    let expected = [
        0.9691247156485197,
        -7.095764789916115,
        -4.794824114242633,
        -5.800243005095678,
        -1.7333311239542122,
        -5.388644419230309,
        1.476411608183557,
        -7.492179225466201,
        0.3972471954224315,
        -7.660768139448131,
    ];
    for (&got, &want) in blobs.x.iter().zip(&expected) {
        assert_close(got, want);
    }
    Ok(())
}

#[test]
fn first_visitors_of_seed_42() -> Result<()> {
    let visitors = TrafficSimulator::default_segments().seed(42).simulate(3)?;
    let categories: Vec<_> = visitors
        .iter()
        .map(|v| {
            let w = &v.visitor;
            (
                v.segment,
                v.variant,
                v.converted,
                w.device,
                w.browser,
                w.country,
                w.traffic_source,
                w.returning,
                w.sessions,
                w.hour,
                w.weekday,
            )
        })
        .collect();
    assert_eq!(
        categories,
        vec![
            (
                2, 0, false, "tablet", "safari", "us", "social", true, 5.0, 19.0, 0.0
            ),
            (
                4, 1, false, "mobile", "chrome", "us", "social", false, 1.0, 11.0, 2.0
            ),
            (
                0, 1, false, "mobile", "chrome", "us", "direct", true, 2.0, 17.0, 6.0
            ),
        ]
    );
    let continuous = [
        (12.022004101655364, 554.3375057685207, 0.08140852752725747),
        (1.5731157665096822, 40.23500405863566, 0.8191011891916896),
        (3.534143226046809, 78.84351475030624, 0.4909724961660461),
    ];
    for (v, &(pages, seconds, bounce)) in visitors.iter().zip(&continuous) {
        assert_close(v.visitor.pages_per_session, pages);
        assert_close(v.visitor.avg_session_seconds, seconds);
        assert_close(v.visitor.bounce_rate, bounce);
    }
    Ok(())
}

#[test]
fn totals_of_100k_visitors_of_seed_42() -> Result<()> {
    let visitors = TrafficSimulator::default_segments()
        .seed(42)
        .simulate(100_000)?;
    let conversions = visitors.iter().filter(|v| v.converted).count();
    let per_segment: Vec<usize> = (0..5)
        .map(|s| visitors.iter().filter(|v| v.segment == s).count())
        .collect();
    let sessions: f64 = visitors.iter().map(|v| v.visitor.sessions).sum();
    assert_eq!(conversions, 3870);
    assert_eq!(per_segment, vec![25018, 19949, 14913, 20130, 19990]);
    assert_eq!(sessions, 467864.0);
    Ok(())
}
