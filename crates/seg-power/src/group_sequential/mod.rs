//! Group-sequential designs: classical Pocock / O'Brien-Fleming constants
//! and Lan-DeMets error-spending boundaries, computed by the numerical
//! integration recursion of Armitage, McPherson & Rowe (1969) on the grid
//! of Jennison & Turnbull (2000, ch. 19).

mod builder;
mod design;
mod recursion;
mod spending;

pub use builder::{ClassicalDesign, DEFAULT_GRID, GroupSequential, MAX_GRID, MAX_LOOKS};
pub use design::{Crossing, GroupSequentialDesign, LookDecision, PowerCharacteristics};
pub use spending::{SpendingFunction, TwoSidedSpending};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::Alternative;
    use crate::dist::norm_isf;
    use crate::error::PowerError;

    #[test]
    fn one_look_is_the_fixed_design() {
        let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 1)
            .design()
            .unwrap();
        assert!((d.upper()[0] - norm_isf(0.025)).abs() < 1e-15);
        let p = d.solve_power(0.8).unwrap();
        assert!((p.inflation_factor - 1.0).abs() < 1e-9);
    }

    #[test]
    fn jennison_turnbull_constants() {
        // Jennison & Turnbull (2000) Tables 2.1 and 2.3, two-sided α = 0.05.
        let pocock = [2.178, 2.289, 2.361, 2.413];
        let obf = [1.977, 2.004, 2.024, 2.040];
        for (i, k) in (2..=5).enumerate() {
            let p = GroupSequential::classical(ClassicalDesign::Pocock, k)
                .design()
                .unwrap();
            assert!(
                (p.constant().unwrap_or(0.0) - pocock[i]).abs() < 5e-4,
                "Pocock K = {k}"
            );
            let o = GroupSequential::classical(ClassicalDesign::ObrienFleming, k)
                .design()
                .unwrap();
            assert!(
                (o.constant().unwrap_or(0.0) - obf[i]).abs() < 5e-4,
                "OBF K = {k}"
            );
        }
    }

    #[test]
    fn spending_is_respected_look_by_look() {
        let d = GroupSequential::spending(SpendingFunction::HwangShihDeCani { gamma: -2.0 }, 4)
            .information_fractions(vec![0.2, 0.5, 0.75, 1.0])
            .design()
            .unwrap();
        for (a, s) in d
            .cumulative_alpha()
            .iter()
            .zip(d.cumulative_spend().unwrap_or(&[]))
        {
            assert!((a - s).abs() < 1e-9, "{a} vs {s}");
        }
    }

    #[test]
    fn futility_boundary_meets_efficacy_and_keeps_power() {
        let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 4)
            .alternative(Alternative::OneSided)
            .alpha(0.025)
            .futility(SpendingFunction::HwangShihDeCani { gamma: -2.0 }, 0.9)
            .design()
            .unwrap();
        let fut = d.futility().unwrap().to_vec();
        assert!((fut[3] - d.upper()[3]).abs() < 1e-12);
        for k in 0..3 {
            assert!(fut[k] < d.upper()[k]);
            assert!(fut[k] < fut[k + 1]);
        }
        let theta = d.futility_theta().unwrap();
        let c = d.crossing(theta);
        assert!((c.power - 0.9).abs() < 1e-8, "{}", c.power);
        // β is spent as scheduled.
        let f = SpendingFunction::HwangShihDeCani { gamma: -2.0 };
        assert!((c.cumulative_lower[1] - f.spend(0.5, 0.1)).abs() < 1e-8);
        // Non-binding: efficacy boundaries are those of the design without futility.
        let plain = GroupSequential::spending(SpendingFunction::ObrienFleming, 4)
            .alternative(Alternative::OneSided)
            .alpha(0.025)
            .design()
            .unwrap();
        assert_eq!(plain.upper(), d.upper());
        assert!(d.expected_t_h0() < plain.expected_t_h0());
    }

    #[test]
    fn invalid_designs_are_errors() {
        let e = GroupSequential::spending(SpendingFunction::Pocock, 0)
            .design()
            .unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidCount {
                parameter: "looks",
                ..
            }
        ));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .information_fractions(vec![0.6, 0.5])
            .design()
            .unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { .. }));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .information_fractions(vec![0.3, 0.9])
            .design()
            .unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { index: 1, .. }));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .futility(SpendingFunction::Pocock, 0.8)
            .design()
            .unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "futility",
                ..
            }
        ));
        let d = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .design()
            .unwrap();
        assert!(d.decide(3, 1.0).is_err());
        assert!(d.decide(1, f64::NAN).is_err());
    }
}
