//! Gauss–Legendre rules on [−1, 1] with their cumulative (spectral
//! integration) weights, computed once per order.
//!
//! Besides the nodes `z_i` and weights `w_i` of the n-point rule, each rule
//! keeps the matrix `S_ij = ∫_{−1}^{z_i} L_j(t) dt` of the Lagrange basis `L_j`
//! on the nodes, so that `Σ_j S_ij f(z_j)` integrates the interpolant of `f`
//! from −1 to every node: one panel of an indefinite integral (a CDF) at the
//! cost of the density values alone. With the discrete orthogonality of the
//! nodes, `L_j(t) = w_j Σ_{k<n} (k + ½) P_k(z_j) P_k(t)`, and
//! `∫_{−1}^{z} P_k = (P_{k+1}(z) − P_{k−1}(z))/(2k + 1)` (`z + 1` for k = 0).

use std::sync::OnceLock;

/// The orders available, smallest first.
pub(crate) const ORDERS: [usize; 6] = [6, 8, 10, 12, 16, 20];

/// One n-point Gauss–Legendre rule with its cumulative weights.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Nodes `z_i`, increasing.
    pub(crate) nodes: Vec<f64>,
    /// Weights `w_i`.
    pub(crate) weights: Vec<f64>,
    /// Row-major `n × n`: row i holds `S_ij`, the weights of `∫_{−1}^{z_i}`.
    pub(crate) cumulative: Vec<f64>,
}

/// The rule of order `ORDERS[index]`.
pub(crate) fn rule(index: usize) -> &'static Rule {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    let rules = RULES.get_or_init(|| ORDERS.iter().map(|&n| build(n)).collect());
    &rules[index.min(ORDERS.len() - 1)]
}

/// Legendre polynomials `P_0(z) … P_n(z)`.
fn legendre_all(n: usize, z: f64) -> Vec<f64> {
    let mut p = Vec::with_capacity(n + 1);
    p.push(1.0);
    if n >= 1 {
        p.push(z);
    }
    for k in 1..n {
        let k_f = k as f64;
        p.push(((2.0 * k_f + 1.0) * z * p[k] - k_f * p[k - 1]) / (k_f + 1.0));
    }
    p
}

fn build(n: usize) -> Rule {
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    for i in 0..n.div_ceil(2) {
        // Newton on P_n from the classical starting value
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut derivative = 1.0;
        for _ in 0..100 {
            let p = legendre_all(n, z);
            derivative = n as f64 * (z * p[n] - p[n - 1]) / (z * z - 1.0);
            let dz = p[n] / derivative;
            z -= dz;
            if dz.abs() < 1e-16 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - z * z) * derivative * derivative);
        nodes[i] = -z;
        weights[i] = w;
        nodes[n - 1 - i] = z;
        weights[n - 1 - i] = w;
    }
    let at_nodes: Vec<Vec<f64>> = nodes.iter().map(|&z| legendre_all(n, z)).collect();
    let mut cumulative = vec![0.0; n * n];
    for (i, &zi) in nodes.iter().enumerate() {
        let p = &at_nodes[i];
        // ∫_{−1}^{z_i} P_k for k < n
        let integral: Vec<f64> = (0..n)
            .map(|k| {
                if k == 0 {
                    zi + 1.0
                } else {
                    (p[k + 1] - p[k - 1]) / (2.0 * k as f64 + 1.0)
                }
            })
            .collect();
        for j in 0..n {
            let sum: f64 = (0..n)
                .map(|k| (k as f64 + 0.5) * at_nodes[j][k] * integral[k])
                .sum();
            cumulative[i * n + j] = weights[j] * sum;
        }
    }
    Rule {
        nodes,
        weights,
        cumulative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_integrate_polynomials_exactly() {
        for (index, &n) in ORDERS.iter().enumerate() {
            let r = rule(index);
            // ∫_{−1}^{1} z^(2n−2) = 2/(2n−1)
            let got: f64 = r
                .nodes
                .iter()
                .zip(&r.weights)
                .map(|(z, w)| w * z.powi(2 * n as i32 - 2))
                .sum();
            assert!(
                (got - 2.0 / (2.0 * n as f64 - 1.0)).abs() < 1e-14,
                "n = {n}: {got}"
            );
        }
    }

    #[test]
    fn cumulative_weights_integrate_up_to_each_node() {
        for (index, &n) in ORDERS.iter().enumerate() {
            let r = rule(index);
            for (i, &zi) in r.nodes.iter().enumerate() {
                // ∫_{−1}^{z_i} (3t² + 2t + 1) dt = z³ + z² + z + 1
                let got: f64 = (0..n)
                    .map(|j| {
                        let t = r.nodes[j];
                        r.cumulative[i * n + j] * (3.0 * t * t + 2.0 * t + 1.0)
                    })
                    .sum();
                let want = zi * zi * zi + zi * zi + zi + 1.0;
                assert!(
                    (got - want).abs() < 1e-13,
                    "n = {n}, node {i}: {got} vs {want}"
                );
                // the last row of cumulative weights never exceeds the full weights
                let row: f64 = (0..n).map(|j| r.cumulative[i * n + j]).sum();
                assert!((row - (zi + 1.0)).abs() < 1e-13);
            }
        }
    }
}
