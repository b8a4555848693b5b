"""Reference values of the sample-ratio-mismatch test under adaptive
allocation (seg-power `adaptive_srm_test_at`).

Per period t the counts o_t and the allocation weights w_t; p_t = w_t / sum(w_t),
N_t = sum(o_t), O = sum_t o_t, E = sum_t N_t p_t,
V = sum_t N_t (diag p_t - p_t p_t^T).

- "statistic": (O - E)_K^T V_KK^-1 (O - E)_K with K all groups but the last,
  computed EXACTLY in rational arithmetic (fractions.Fraction of the stored
  doubles, Gauss-Jordan elimination), then rounded to a double;
  cross-checked against numpy.linalg.solve to 1e-10.
- "p_value": scipy.stats.chi2.sf(statistic, G - 1).
- "pearson_statistic", "pearson_p_value": scipy.stats.chisquare(O, f_exp=E)
  (Pearson's chi-square against the adaptive expected counts).
- One-period cases also store scipy.stats.chisquare(o, f_exp=N p) as
  "scipy_chisquare_statistic" / "scipy_chisquare_p_value": the quadratic form
  equals Pearson's chi-square when the allocation never changes.

Cases: fixed ones (one period, constant allocation over periods, a moving
two- and three-group bandit-like split, a zero allocation with a zero count)
and multinomial draws (numpy PCG64, seed 20261207) with and without an
injected mismatch.

Writes srm_adaptive.json next to this script. Run: python3 srm_adaptive.py
"""
import json
import os
from fractions import Fraction

import numpy as np
import scipy
from scipy import stats


def exact_quadratic_form(observed, allocation):
    g = len(observed[0])
    o_tot = [Fraction(0)] * g
    e = [Fraction(0)] * g
    v = [[Fraction(0)] * g for _ in range(g)]
    for o_t, w_t in zip(observed, allocation):
        w = [Fraction(x) for x in w_t]
        s = sum(w)
        p = [x / s for x in w]
        n = sum(o_t)
        for i in range(g):
            o_tot[i] += o_t[i]
            e[i] += n * p[i]
            for j in range(g):
                v[i][j] += n * ((p[i] if i == j else 0) - p[i] * p[j])
    m = g - 1
    d = [o_tot[i] - e[i] for i in range(m)]
    a = [[v[i][j] for j in range(m)] + [d[i]] for i in range(m)]
    for c in range(m):
        piv = next(r for r in range(c, m) if a[r][c] != 0)
        a[c], a[piv] = a[piv], a[c]
        for r in range(m):
            if r != c and a[r][c] != 0:
                f = a[r][c] / a[c][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    x = [a[i][m] / a[i][i] for i in range(m)]
    q = sum(di * xi for di, xi in zip(d, x))
    return float(q), [float(x) for x in e], [int(x) for x in o_tot]


def numpy_quadratic_form(observed, allocation):
    o = np.asarray(observed, dtype=float)
    w = np.asarray(allocation, dtype=float)
    p = w / w.sum(axis=1, keepdims=True)
    n = o.sum(axis=1)
    e = (n[:, None] * p).sum(axis=0)
    v = sum(nt * (np.diag(pt) - np.outer(pt, pt)) for nt, pt in zip(n, p))
    d = (o.sum(axis=0) - e)[:-1]
    return float(d @ np.linalg.solve(v[:-1, :-1], d))


def case(cid, name, observed, allocation):
    stat, e, o_tot = exact_quadratic_form(observed, allocation)
    check = numpy_quadratic_form(observed, allocation)
    assert abs(check - stat) <= 1e-10 * max(1.0, stat), (name, check, stat)
    df = len(observed[0]) - 1
    pearson = stats.chisquare(o_tot, f_exp=e)
    out = {
        "id": f"srm-adaptive-{cid:03d}",
        "name": name,
        "observed": [list(map(int, r)) for r in observed],
        "allocation": [list(map(float, r)) for r in allocation],
        "expected": e,
        "statistic": stat,
        "df": df,
        "p_value": float(stats.chi2.sf(stat, df)),
        "pearson_statistic": float(pearson.statistic),
        "pearson_p_value": float(pearson.pvalue),
    }
    if len(observed) == 1:
        n = sum(observed[0])
        s = sum(allocation[0])
        one = stats.chisquare(observed[0], f_exp=[n * w / s for w in allocation[0]])
        out["scipy_chisquare_statistic"] = float(one.statistic)
        out["scipy_chisquare_p_value"] = float(one.pvalue)
    return out


def main():
    cases = []
    fixed = [
        ("one_period_even", [[5000, 5100]], [[0.5, 0.5]]),
        ("one_period_weights_1_1_2", [[2410, 2530, 5060]], [[1.0, 1.0, 2.0]]),
        ("one_period_four_arms_inflated", [[52945, 48829, 49210, 49016]], [[1.0, 1.0, 1.0, 1.0]]),
        ("constant_allocation_three_periods",
         [[120, 260, 20], [300, 590, 110], [51, 99, 50]], [[0.3, 0.6, 0.1]] * 3),
        ("two_groups_moving",
         [[500, 500], [310, 690], [148, 852], [90, 910]],
         [[0.5, 0.5], [0.3, 0.7], [0.15, 0.85], [0.1, 0.9]]),
        ("three_groups_moving",
         [[334, 330, 336], [250, 420, 330], [120, 700, 180], [70, 860, 70]],
         [[1.0, 1.0, 1.0], [0.25, 0.42, 0.33], [0.12, 0.7, 0.18], [0.07, 0.86, 0.07]]),
        ("three_groups_moving_shifted",
         [[334, 330, 336], [250, 420, 330], [120, 700, 180], [40, 860, 100]],
         [[1.0, 1.0, 1.0], [0.25, 0.42, 0.33], [0.12, 0.7, 0.18], [0.07, 0.86, 0.07]]),
        ("zero_allocation_zero_count",
         [[100, 100, 0], [50, 60, 90]], [[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]),
    ]
    for name, o, w in fixed:
        cases.append(case(len(cases), name, o, w))
    rng = np.random.Generator(np.random.PCG64(20261207))
    for k in range(8):
        g = int(rng.integers(2, 6))
        periods = int(rng.integers(2, 15))
        observed, allocation = [], []
        for _ in range(periods):
            w = rng.dirichlet(np.ones(g)) * 0.9 + 0.1 / g
            w = [float(x) for x in w]
            n = int(rng.integers(50, 5000))
            o = rng.multinomial(n, np.asarray(w) / sum(w))
            if k % 2 == 1:
                # drop 5 % of the first group's visitors
                o[0] = int(round(o[0] * 0.95))
            observed.append([int(x) for x in o])
            allocation.append(w)
        label = "draw_mismatch" if k % 2 == 1 else "draw"
        cases.append(case(len(cases), f"{label}_seed20261207_{k}", observed, allocation))
    doc = {
        "versions": {"scipy": scipy.__version__, "numpy": np.__version__},
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "srm_adaptive.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
