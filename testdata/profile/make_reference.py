"""Reference values for profiling segments against an outcome.

Writes reference.json next to this script: seeded segment labels with a
binary or a numeric outcome per row, and what scipy and statsmodels say
about them.

- binary: per segment n, rate and the Wilson score interval
  (statsmodels `proportion_confint(method="wilson")`); the chi-square test
  of the segments x outcome table without continuity correction
  (`scipy.stats.chi2_contingency(correction=False)`) and Cramér's V
  (`scipy.stats.contingency.association(method="cramer")`).
- numeric: per segment n, mean and the Student t interval
  (`scipy.stats.t.interval(confidence, n - 1, loc=mean, scale=sem)`, with
  `scipy.stats.sem`, ddof = 1); the one-way ANOVA (`scipy.stats.f_oneway`)
  and eta squared, SSB / SST with the sums taken by `math.fsum`.

Run from the repository root: python3 testdata/profile/make_reference.py
The output is deterministic (regenerating gives the same bytes).
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.proportion import proportion_confint

SEED = 20261207


def rng(family):
    return np.random.default_rng([SEED, family])


def binary_case(name, labels, outcomes, confidence=0.95):
    labels = np.asarray(labels, dtype=int)
    outcomes = np.asarray(outcomes, dtype=bool)
    ids = sorted(set(labels.tolist()))
    table = np.array(
        [[int(outcomes[labels == g].sum()), int((~outcomes[labels == g]).sum())] for g in ids]
    )
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    v = association(table, method="cramer", correction=False)
    segments = []
    for g, (s, f) in zip(ids, table):
        n = int(s + f)
        lo, hi = proportion_confint(int(s), n, alpha=1 - confidence, method="wilson")
        segments.append(
            {"segment": g, "n": n, "mean": s / n, "ci_low": float(lo), "ci_high": float(hi)}
        )
    return {
        "name": name,
        "confidence": confidence,
        "labels": labels.tolist(),
        "outcomes": [int(o) for o in outcomes],
        "segments": segments,
        "chi2": float(chi2),
        "df": int(dof),
        "p_value": float(p),
        "cramers_v": float(v),
    }


def numeric_case(name, labels, values, confidence=0.95):
    labels = np.asarray(labels, dtype=int)
    values = np.asarray(values, dtype=float)
    ids = sorted(set(labels.tolist()))
    groups = [values[labels == g] for g in ids]
    f, p = stats.f_oneway(*groups)
    grand = math.fsum(values) / len(values)
    means = [math.fsum(x) / len(x) for x in groups]
    ssb = math.fsum(len(x) * (m - grand) ** 2 for x, m in zip(groups, means))
    ssw = math.fsum(math.fsum((x - m) ** 2) for x, m in zip(groups, means))
    segments = []
    for g, x in zip(ids, groups):
        n = len(x)
        lo, hi = stats.t.interval(confidence, n - 1, loc=np.mean(x), scale=stats.sem(x))
        segments.append(
            {
                "segment": g,
                "n": n,
                "mean": float(np.mean(x)),
                "ci_low": float(lo),
                "ci_high": float(hi),
            }
        )
    return {
        "name": name,
        "confidence": confidence,
        "labels": labels.tolist(),
        "outcomes": values.tolist(),
        "segments": segments,
        "anova_f": float(f),
        "df_between": len(ids) - 1,
        "df_within": len(values) - len(ids),
        "p_value": float(p),
        "eta_squared": ssb / (ssb + ssw),
    }


def binary_cases():
    out = []
    r = rng(1)
    labels = r.integers(0, 3, 120)
    rates = np.array([0.1, 0.3, 0.5])
    out.append(binary_case("three_segments_120_rows", labels, r.random(120) < rates[labels]))
    r = rng(2)
    labels = r.integers(0, 2, 400)
    rates = np.array([0.2, 0.25])
    out.append(binary_case("two_segments_df_1", labels, r.random(400) < rates[labels]))
    r = rng(3)
    labels = r.integers(0, 6, 3000)
    rates = np.array([0.02, 0.05, 0.15, 0.03, 0.4, 0.08])
    out.append(
        binary_case("six_segments_tiny_p_value", labels, r.random(3000) < rates[labels])
    )
    r = rng(4)
    labels = r.choice([0, 2, 7], 500)
    out.append(
        binary_case("sparse_ids_no_effect_90_percent", labels, r.random(500) < 0.12, 0.90)
    )
    # A segment without any purchase and one where everyone buys.
    labels = [0] * 30 + [1] * 25 + [2] * 40
    outcomes = [0] * 30 + [1] * 25 + [i % 3 == 0 for i in range(40)]
    out.append(binary_case("rates_of_zero_and_one", labels, outcomes))
    return out


def numeric_cases():
    out = []
    r = rng(11)
    labels = r.integers(0, 3, 90)
    centres = np.array([10.0, 12.0, 11.0])
    out.append(
        numeric_case("three_normal_segments", labels, r.normal(centres[labels], 3.0))
    )
    r = rng(12)
    labels = r.integers(0, 4, 5000)
    scale = np.array([0.0, 0.3, -0.2, 0.8])
    out.append(
        numeric_case(
            "lognormal_revenue_5000_rows",
            labels,
            np.round(r.lognormal(3.0 + scale[labels], 1.2), 2),
        )
    )
    r = rng(13)
    labels = r.integers(0, 2, 300)
    out.append(numeric_case("two_segments_no_effect", labels, r.normal(0.0, 1.0, 300)))
    r = rng(14)
    labels = np.concatenate([np.zeros(2, int), np.ones(50, int), np.full(60, 2)])
    out.append(
        numeric_case(
            "segment_of_two_rows_99_percent",
            labels,
            np.round(r.normal(5.0 + labels, 2.0), 3),
            0.99,
        )
    )
    r = rng(15)
    labels = r.integers(0, 5, 2000)
    out.append(
        numeric_case(
            "strong_effect_tiny_p_value", labels, r.normal(labels * 0.4, 1.0)
        )
    )
    # Integer counts (pages per session) with ties.
    r = rng(16)
    labels = r.integers(0, 3, 600)
    out.append(
        numeric_case(
            "integer_counts", labels, r.poisson(np.array([3.0, 3.5, 6.0])[labels]).astype(float)
        )
    )
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    reference = {
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
        },
        "seed": SEED,
        "binary": binary_cases(),
        "numeric": numeric_cases(),
    }
    with open(os.path.join(here, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
