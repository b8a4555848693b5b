//! Extreme parameters reach no panic: sizes beyond memory, and segment
//! distributions at the edges of their domains.

use proptest::prelude::*;
use seg_datasets::{
    Beta, Blobs, DatasetError, LogNormal, NegativeBinomial, Segment, TrafficSimulator,
};

fn too_large<T: std::fmt::Debug>(result: Result<T, DatasetError>) -> bool {
    matches!(
        result,
        Err(DatasetError::InvalidParameter {
            parameter: "n_samples" | "n",
            ..
        })
    )
}

#[test]
fn blobs_larger_than_the_address_space_are_an_error() {
    // More values than a `usize` counts, and more bytes than an allocation
    // may hold.
    assert!(too_large(Blobs::params(1 << 40, 1 << 40).generate()));
    assert!(too_large(Blobs::params(usize::MAX / 4, 1).generate()));
    assert!(too_large(
        Blobs::params(usize::MAX / 16, 3)
            .centres(usize::MAX / 16)
            .generate()
    ));
}

#[test]
fn simulating_more_visitors_than_memory_holds_is_an_error() {
    let sim = TrafficSimulator::default_segments();
    assert!(too_large(sim.simulate(usize::MAX)));
    assert!(too_large(sim.simulate(usize::MAX / 64)));
    // The stream has no such limit.
    assert_eq!(sim.stream().unwrap().take(3).count(), 3);
}

#[test]
fn distributions_at_the_edges_of_their_domains_give_values_in_the_schema() {
    let edge = Segment::new("edge")
        .sessions(NegativeBinomial {
            mean: 1e6,
            dispersion: 1e-300,
        })
        .pages_per_session(LogNormal {
            median: 1e-300,
            sigma: 10.0,
        })
        .avg_session_seconds(LogNormal {
            median: f64::MAX,
            sigma: 10.0,
        })
        .bounce_rate(Beta {
            alpha: 1e-300,
            beta: 1e-300,
        });
    let huge = Segment::new("huge")
        .sessions(NegativeBinomial {
            mean: 1e6,
            dispersion: f64::MAX,
        })
        .bounce_rate(Beta {
            alpha: f64::MAX,
            beta: f64::MAX,
        });
    for segment in [edge, huge] {
        let name = segment.name.clone();
        let sim = TrafficSimulator::new(vec![segment]).seed(3);
        match sim.simulate(2_000) {
            Ok(visitors) => {
                for v in visitors {
                    let w = v.visitor;
                    assert!(w.sessions >= 1.0 && w.sessions.is_finite(), "{name}: {w:?}");
                    assert!(w.pages_per_session >= 1.0, "{name}: {w:?}");
                    assert!(w.avg_session_seconds >= 0.0, "{name}: {w:?}");
                    assert!((0.0..=1.0).contains(&w.bounce_rate), "{name}: {w:?}");
                }
            }
            Err(e) => assert!(
                matches!(e, DatasetError::InvalidSegment { .. }),
                "{name}: {e}"
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_segment_parameters_never_panic(
        share in prop_oneof![Just(-1.0), 0.0..2.0f64, Just(f64::NAN)],
        returning in prop_oneof![0.0..=1.0f64, Just(1.5)],
        mean in prop_oneof![1.0..=1e6f64, Just(0.0), Just(f64::INFINITY)],
        dispersion in prop_oneof![1e-300..1e300f64, Just(0.0), Just(f64::MAX)],
        median in prop_oneof![1e-300..1e300f64, Just(f64::MAX), Just(0.0)],
        sigma in prop_oneof![0.0..=10.0f64, Just(11.0)],
        alpha in prop_oneof![1e-300..1e300f64, Just(f64::MAX)],
        beta in prop_oneof![1e-300..1e300f64, Just(f64::MAX)],
        conversion in prop::collection::vec(prop_oneof![0.0..=1.0f64, Just(2.0)], 0..4),
        variants in 0..4usize,
        seed in any::<u64>(),
    ) {
        let segment = Segment::new("s")
            .share(share)
            .returning(returning)
            .sessions(NegativeBinomial { mean, dispersion })
            .pages_per_session(LogNormal { median, sigma })
            .avg_session_seconds(LogNormal { median, sigma })
            .bounce_rate(Beta { alpha, beta })
            .conversion(&conversion);
        let names: Vec<String> = (0..variants).map(|v| v.to_string()).collect();
        let sim = TrafficSimulator::new(vec![segment, Segment::new("t")])
            .variants(&names)
            .seed(seed);
        if let Ok(visitors) = sim.simulate(50) {
            for v in visitors {
                prop_assert!((0.0..=1.0).contains(&v.visitor.bounce_rate));
                prop_assert!(v.visitor.sessions >= 1.0);
                prop_assert!(v.visitor.pages_per_session >= 1.0);
            }
        }
        let _ = sim.segment_shares();
    }
}
