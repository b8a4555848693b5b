"""Reference values of the drift statistics of seg-cluster.

Writes reference.json next to this script; README.md describes every case.
Run from the repository root:

    python3 testdata/drift/make_reference.py
    # optional cross-check against evidently's own binning code:
    pip download evidently==0.7.23 --no-deps -d /tmp/evidently
    python3 testdata/drift/make_reference.py --evidently-wheel /tmp/evidently/evidently-0.7.23-py3-none-any.whl

Four families of cases, every sample drawn with numpy's PCG64
(np.random.default_rng) from a fixed seed:

- "psi": the population stability index of explicit histograms (counts or
  weights), from its definition with the epsilon floor of seg-cluster:
      e_i = E_i / sum E,  a_i = A_i / sum A,
      e'_i = max(e_i, 1e-4),  a'_i = max(a_i, 1e-4)   (no renormalisation),
      PSI = sum_i (a'_i - e'_i) ln(a'_i / e'_i),
  summed with math.fsum (correctly rounded sum of the rounded terms).
- "evidently_psi": evidently's PSI stat test (`psi_stat_test`, function
  `_psi` and `get_binned_data` of evidently.legacy.calculations.stattests)
  written out below from its source, on seeded samples; stores the
  histogram counts so that the Rust test can recompute the index from them.
- "ks_2samp": scipy.stats.ks_2samp with method="exact" and "asymp", and
  Kolmogorov's limit scipy.special.kolmogorov(sqrt(n m / (n + m)) D).
- "baseline_bins": the quantile bins of seg-cluster's drift baseline:
  edges at the inverted-CDF quantiles b/B, b = 1..B-1 (repeats collapsed),
  or one edge per distinct value when there are at most B - 1 of them,
  and the shares of np.digitize(v, edges, right=True).
"""

import argparse
import json
import math
import re
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import scipy
from scipy import special, stats

EPSILON = 1e-4
HERE = Path(__file__).resolve().parent


def floats(a):
    return [float(x) for x in np.asarray(a, dtype=float).ravel()]


# ---------------------------------------------------------------- PSI ----


def psi_terms(expected, actual):
    """The terms of seg-cluster's PSI, straight from the definition."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e = np.maximum(e / e.sum(), EPSILON)
    a = np.maximum(a / a.sum(), EPSILON)
    return (a - e) * np.log(a / e)


def psi_case(case_id, what, expected, actual):
    terms = psi_terms(expected, actual)
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e_share, a_share = e / e.sum(), a / a.sum()
    return {
        "id": case_id,
        "what": what,
        "bins": len(expected),
        "expected": floats(expected),
        "actual": floats(actual),
        "expected_shares": floats(e_share),
        "actual_shares": floats(a_share),
        "floored_bins": [
            int(i)
            for i in np.flatnonzero((e_share < EPSILON) | (a_share < EPSILON))
        ],
        "terms": floats(terms),
        "psi": math.fsum(terms),
    }


def psi_cases(rng):
    cases = []
    cases.append(
        psi_case(
            "two_bins_counts",
            "2 bins, counts, no empty bin",
            [300, 700],
            [450, 550],
        )
    )
    cases.append(
        psi_case(
            "two_bins_empty_actual",
            "2 bins, the actual histogram empty in bin 1: a'_1 = 1e-4",
            [999, 1],
            [5000, 0],
        )
    )
    p10 = rng.dirichlet(np.full(10, 5.0))
    cases.append(
        psi_case(
            "ten_bins_multinomial_same",
            "10 bins, both histograms multinomial draws from the same shares",
            rng.multinomial(10_000, p10),
            rng.multinomial(2_000, p10),
        )
    )
    q10 = 0.7 * p10 + 0.3 * rng.dirichlet(np.full(10, 1.0))
    cases.append(
        psi_case(
            "ten_bins_multinomial_shifted",
            "10 bins, the actual histogram drawn from shifted shares",
            rng.multinomial(10_000, p10),
            rng.multinomial(2_000, q10),
        )
    )
    p50 = rng.dirichlet(np.full(50, 2.0))
    q50 = rng.dirichlet(np.full(50, 2.0))
    cases.append(
        psi_case(
            "fifty_bins_multinomial",
            "50 bins, counts from two different share vectors (some small)",
            rng.multinomial(20_000, p50),
            rng.multinomial(3_000, q50),
        )
    )
    cases.append(
        psi_case(
            "empty_expected_bin",
            "10 bins, the expected (baseline) histogram empty in bins 0 and 9",
            [0, 120, 95, 110, 101, 99, 130, 88, 105, 0],
            [7, 118, 90, 100, 104, 97, 121, 90, 99, 12],
        )
    )
    cases.append(
        psi_case(
            "empty_bins_both_sides",
            "6 bins: bin 2 empty on both sides (term 0), bin 4 empty in "
            "expected only, bin 5 empty in actual only",
            [40, 25, 0, 20, 0, 15],
            [35, 30, 0, 20, 5, 0],
        )
    )
    cases.append(
        psi_case(
            "shares_given",
            "5 bins given as shares summing to 1 (as a baseline stores them)",
            [0.1, 0.2, 0.3, 0.25, 0.15],
            [0.12, 0.18, 0.31, 0.24, 0.15],
        )
    )
    cases.append(
        psi_case(
            "weights_not_summing_to_one",
            "4 bins of non-integer weights; each normalised by its own total",
            [2.5, 7.25, 1.125, 0.5],
            [3.0, 6.0, 2.0, 1.5],
        )
    )
    cases.append(
        psi_case(
            "share_below_epsilon_nonzero",
            "5 bins: expected share 3e-5 (3 of 100,000) and actual share "
            "5e-5 in bin 0, both floored to 1e-4 (term 0)",
            [3, 24_997, 30_000, 25_000, 20_000],
            [1, 4_000, 6_500, 5_000, 4_499],
        )
    )
    cases.append(
        psi_case(
            "share_below_epsilon_one_side",
            "4 bins: expected share 2e-5 floored to 1e-4 against an actual "
            "share of 0.01",
            [2, 39_998, 30_000, 30_000],
            [100, 3_900, 3_000, 3_000],
        )
    )
    cases.append(
        psi_case(
            "identical_shares",
            "10 bins, proportional histograms: index 0",
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            [3, 6, 9, 12, 15, 18, 21, 24, 27, 30],
        )
    )
    p100 = rng.dirichlet(np.full(100, 0.5))
    cases.append(
        psi_case(
            "hundred_bins_sparse",
            "100 bins from sparse shares: many empty and tiny bins",
            rng.multinomial(5_000, p100),
            rng.multinomial(5_000, p100),
        )
    )
    return cases


# ------------------------------------------------------ evidently PSI ----
#
# evidently 0.7.23, evidently/legacy/calculations/stattests/psi.py and
# utils.py (the same code in 0.4.40, under evidently/calculations/):
#
#   def get_binned_data(reference_data, current_data, feature_type, n, feel_zeroes=True):
#       n_vals = reference_data.nunique()
#       if feature_type == ColumnType.Numerical and n_vals > 20:
#           combined = np.asarray(pd.concat([reference_data, current_data], axis=0).values)
#           bins = np.histogram_bin_edges(combined, bins="sturges")
#           reference_percents = np.histogram(reference_data, bins)[0] / len(reference_data)
#           current_percents = np.histogram(current_data, bins)[0] / len(current_data)
#       else:
#           (one bin per distinct value of either sample)
#       if feel_zeroes:
#           np.place(reference_percents, reference_percents == 0,
#                    min(reference_percents[reference_percents != 0]) / 10**6
#                    if min(reference_percents[reference_percents != 0]) <= 0.0001
#                    else 0.0001)
#           (the same for current_percents)
#       return reference_percents, current_percents
#
#   def _psi(reference_data, current_data, feature_type, threshold, n_bins=30):
#       reference_percents, current_percents = get_binned_data(...)
#       psi_values = (reference_percents - current_percents) * np.log(reference_percents / current_percents)
#       return np.sum(psi_values), ...
#
# Note that n_bins is not used for numerical features: the bins are the
# equal-width "sturges" bins of the combined sample. Evidently 0.2.8
# replaces zero shares by the constant 0.0001
# (`np.place(reference_percents, reference_percents == 0, 0.0001)`).
# Both fill rules are computed here; `bins` may also be an integer
# (equal-width bins of the combined sample, np.histogram_bin_edges(.., bins=n)).


def evidently_binned_counts(reference, current, bins):
    combined = np.concatenate([reference, current])
    edges = np.histogram_bin_edges(combined, bins=bins)
    ref_counts = np.histogram(reference, edges)[0]
    cur_counts = np.histogram(current, edges)[0]
    assert ref_counts.sum() == len(reference) and cur_counts.sum() == len(current)
    return edges, ref_counts, cur_counts


def evidently_fill(percents, rule):
    p = percents.copy()
    nonzero_min = p[p != 0].min()
    if rule == "adaptive":
        fill = nonzero_min / 10**6 if nonzero_min <= 0.0001 else 0.0001
    else:
        fill = 0.0001
    np.place(p, p == 0, fill)
    return p


def evidently_psi_terms(ref_percents, cur_percents):
    return (ref_percents - cur_percents) * np.log(ref_percents / cur_percents)


def evidently_case_of(case_id, what, reference, current, bins):
    assert len(np.unique(reference)) > 20, "numerical branch of evidently"
    edges, ref_counts, cur_counts = evidently_binned_counts(reference, current, bins)
    ref_share = ref_counts / len(reference)
    cur_share = cur_counts / len(current)
    ours = psi_terms(ref_counts, cur_counts)
    out = {
        "id": case_id,
        "what": what,
        "bins_rule": bins if isinstance(bins, str) else int(bins),
        "n_reference": len(reference),
        "n_current": len(current),
        "edges": floats(edges),
        "reference_counts": [int(c) for c in ref_counts],
        "current_counts": [int(c) for c in cur_counts],
        "below_epsilon_nonzero_bins": [
            int(i)
            for i in np.flatnonzero(
                ((ref_share > 0) & (ref_share < EPSILON))
                | ((cur_share > 0) & (cur_share < EPSILON))
            )
        ],
        "psi_ours": math.fsum(ours),
    }
    for rule in ("constant", "adaptive"):
        rp = evidently_fill(ref_share, rule)
        cp = evidently_fill(cur_share, rule)
        terms = evidently_psi_terms(rp, cp)
        # The bins where evidently's shares are not seg-cluster's floored ones.
        differing = np.flatnonzero(
            (rp != np.maximum(ref_share, EPSILON))
            | (cp != np.maximum(cur_share, EPSILON))
        )
        out[rule] = {
            "reference_percents": floats(rp),
            "current_percents": floats(cp),
            "terms": floats(terms),
            "psi": float(np.sum(terms)),
            "differing_bins": [int(i) for i in differing],
            "difference_ours_minus_evidently": math.fsum(ours[differing])
            - math.fsum(terms[differing]),
        }
    return out


def evidently_cases(rng):
    """The cases, and their samples (for the cross-check)."""
    cases, samples = [], []

    def evidently_case(case_id, what, reference, current, bins):
        samples.append((reference, current))
        return evidently_case_of(case_id, what, reference, current, bins)

    ref = rng.normal(0.0, 1.0, 2_000)
    cur = rng.normal(0.0, 1.0, 1_000)
    cases.append(
        evidently_case(
            "normal_same_sturges",
            "N(0,1) 2,000 against N(0,1) 1,000, sturges bins; shares are "
            "multiples of 1/2,000 and 1/1,000, none in (0, 1e-4)",
            ref,
            cur,
            "sturges",
        )
    )
    ref = rng.normal(0.0, 1.0, 5_000)
    cur = rng.normal(0.5, 1.2, 3_000)
    cases.append(
        evidently_case(
            "normal_shifted_sturges",
            "N(0,1) 5,000 against N(0.5,1.2) 3,000, sturges bins; empty "
            "tail bins on one side",
            ref,
            cur,
            "sturges",
        )
    )
    ref = rng.exponential(1.0, 4_000)
    cur = rng.exponential(1.3, 4_000)
    cases.append(
        evidently_case(
            "exponential_ten_bins",
            "Exp(1) against Exp(1/1.3), 4,000 each, 10 equal-width bins",
            ref,
            cur,
            10,
        )
    )
    ref = rng.uniform(0.0, 1.0, 1_000)
    cur = rng.uniform(0.2, 1.4, 800)
    cases.append(
        evidently_case(
            "uniform_disjoint_tails_thirty_bins",
            "U(0,1) 1,000 against U(0.2,1.4) 800, 30 equal-width bins: "
            "bins empty in one sample or the other",
            ref,
            cur,
            30,
        )
    )
    ref = rng.normal(0.0, 1.0, 50_000)
    ref[:2] = [7.5, 7.9]
    cur = rng.normal(0.3, 1.0, 5_000)
    cur[0] = 7.7
    cases.append(
        evidently_case(
            "large_reference_tail_below_epsilon",
            "N(0,1) 50,000 with 2 rows set to 7.5 and 7.9 against N(0.3,1) "
            "5,000 with 1 row set to 7.7, sturges bins: the top bin holds "
            "2 reference rows (share 4e-5), kept by evidently, floored to "
            "1e-4 by seg-cluster",
            ref,
            cur,
            "sturges",
        )
    )
    ref = rng.standard_t(3, 30_000)
    cur = rng.standard_t(3, 20_000)
    cases.append(
        evidently_case(
            "heavy_tails_both_below_epsilon",
            "Student t(3), 30,000 against 20,000, 20 equal-width bins: "
            "tiny nonzero shares on both sides",
            ref,
            cur,
            20,
        )
    )
    return cases, samples


def cross_check_evidently(wheel, cases_input):
    """Runs evidently's own get_binned_data and _psi formula (from the
    wheel's source, with a stub for its ColumnType) on the same samples."""
    import enum
    import types

    import pandas as pd

    with zipfile.ZipFile(wheel) as z:
        source = z.read(
            "evidently/legacy/calculations/stattests/utils.py"
        ).decode()
        version = next(
            n.split("/")[0].removesuffix(".dist-info").split("-")[1]
            for n in z.namelist()
            if n.endswith(".dist-info/METADATA")
        )

    class ColumnType(enum.Enum):
        Numerical = "num"
        Categorical = "cat"

    core = types.ModuleType("evidently.legacy.core")
    core.ColumnType = ColumnType
    for name in ("evidently", "evidently.legacy"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["evidently.legacy.core"] = core
    namespace = {}
    exec(compile(source, "evidently_utils.py", "exec"), namespace)
    get_binned_data = namespace["get_binned_data"]
    worst = 0.0
    for case, (ref, cur) in zip(cases_input["cases"], cases_input["samples"]):
        if case["bins_rule"] != "sturges":
            continue
        rp, cp = get_binned_data(
            pd.Series(ref), pd.Series(cur), ColumnType.Numerical, 30
        )
        value = float(np.sum((rp - cp) * np.log(rp / cp)))
        want = case["adaptive"]["psi"]
        err = abs(value - want) / abs(want)
        worst = max(worst, err)
        assert err < 1e-15, (case["id"], value, want)
    return {"evidently_version": version, "largest_relative_error": worst}


# ------------------------------------------------------------------ KS ----


def ks_case(case_id, what, x, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exact = stats.ks_2samp(x, y, method="exact")
    fell_back = any("Switching to method" in str(w.message) for w in caught)
    assert not fell_back, f"{case_id}: scipy left the exact method"
    asymp = stats.ks_2samp(x, y, method="asymp")
    n, m = len(x), len(y)
    en = n * m / (n + m)
    return {
        "id": case_id,
        "what": what,
        "n": n,
        "m": m,
        "ties": bool(len(np.unique(np.concatenate([x, y]))) < n + m),
        "x": floats(x),
        "y": floats(y),
        "statistic": float(exact.statistic),
        "statistic_location": float(exact.statistic_location),
        "statistic_sign": int(exact.statistic_sign),
        "pvalue_exact": float(exact.pvalue),
        # scipy's exact method returns D = h / lcm(n, m) (h = round(D lcm)),
        # the asymptotic one the difference of the two ECDFs, i / n - j / m:
        # they may differ in the last bits.
        "statistic_asymp": float(asymp.statistic),
        "pvalue_asymp": float(asymp.pvalue),
        "pvalue_kolmogorov_limit": float(special.kolmogorov(np.sqrt(en) * exact.statistic)),
    }


def ks_cases(rng):
    cases = []
    cases.append(
        ks_case(
            "n5_m7_continuous",
            "5 x 7, N(0,1) both",
            rng.normal(size=5),
            rng.normal(size=7),
        )
    )
    cases.append(
        ks_case(
            "n5_m7_shifted",
            "5 x 7, the second shifted by 2",
            rng.normal(size=5),
            rng.normal(2.0, 1.0, size=7),
        )
    )
    cases.append(
        ks_case(
            "n12_m12_ties",
            "12 x 12, integers 0..5 (heavy ties), equal sizes",
            rng.integers(0, 6, 12).astype(float),
            rng.integers(0, 6, 12).astype(float),
        )
    )
    cases.append(
        ks_case(
            "n30_m45_rounded_shifted",
            "30 x 45, N(0,1) and N(0.8,1) rounded to 0.5 (ties)",
            np.round(rng.normal(0.0, 1.0, 30) * 2) / 2,
            np.round(rng.normal(0.8, 1.0, 45) * 2) / 2,
        )
    )
    cases.append(
        ks_case(
            "n60_m80_strong_shift",
            "60 x 80, N(0,1) against N(2,1): a p-value far in the tail",
            rng.normal(0.0, 1.0, 60),
            rng.normal(2.0, 1.0, 80),
        )
    )
    cases.append(
        ks_case(
            "n100_m80_continuous",
            "100 x 80, exponential both",
            rng.exponential(1.0, 100),
            rng.exponential(1.0, 80),
        )
    )
    cases.append(
        ks_case(
            "n200_m200_shifted",
            "200 x 200, N(0,1) against N(0.3,1)",
            rng.normal(0.0, 1.0, 200),
            rng.normal(0.3, 1.0, 200),
        )
    )
    cases.append(
        ks_case(
            "n400_m300_integer_ties",
            "400 x 300, Poisson(4) against Poisson(4.3) (integer ties)",
            rng.poisson(4.0, 400).astype(float),
            rng.poisson(4.3, 300).astype(float),
        )
    )
    cases.append(
        ks_case(
            "n1000_m1000_unshifted",
            "1,000 x 1,000, N(0,1) both",
            rng.normal(size=1000),
            rng.normal(size=1000),
        )
    )
    cases.append(
        ks_case(
            "n2000_m3000_unshifted",
            "2,000 x 3,000, U(0,1) both",
            rng.uniform(size=2000),
            rng.uniform(size=3000),
        )
    )
    cases.append(
        ks_case(
            "n2000_m3000_shifted_ties",
            "2,000 x 3,000, N(0,1) against N(0.1,1), rounded to 0.01",
            np.round(rng.normal(0.0, 1.0, 2000), 2),
            np.round(rng.normal(0.1, 1.0, 3000), 2),
        )
    )
    return cases


# ------------------------------------------------------- baseline bins ----


def baseline_bins(v, bins):
    """Edges and shares of seg-cluster's baseline binning of v."""
    distinct = np.unique(v)
    n = len(v)
    p = np.arange(1, bins) / bins
    numpy_quantiles = np.quantile(v, p, method="inverted_cdf")
    # The inverted-CDF quantile at exactly b / B: the order statistic of
    # rank ceil(b n / B), in integer arithmetic.
    s = np.sort(v)
    exact_quantiles = np.array([s[-(-b * n // bins) - 1] for b in range(1, bins)])
    if len(distinct) <= bins - 1:
        rule = "distinct_values"
        edges = distinct
    else:
        rule = "quantiles"
        edges = np.unique(exact_quantiles)  # sorted, repeats collapsed
    idx = np.digitize(v, edges, right=True)
    counts = np.bincount(idx, minlength=len(edges) + 1)
    return {
        "rule": rule,
        "numpy_quantiles": floats(numpy_quantiles),
        "numpy_quantiles_differ_from_exact": [
            int(i) for i in np.flatnonzero(numpy_quantiles != exact_quantiles)
        ],
        "edges": floats(edges),
        "counts": [int(c) for c in counts],
        "shares": floats(counts / n),
    }


def baseline_cases(rng):
    specs = [
        ("normal_n1000_b10", "N(0,1), 1,000 rows, 10 bins", rng.normal(size=1000), 10),
        ("lognormal_n537_b7", "lognormal, 537 rows (not a multiple of B), 7 bins",
         rng.lognormal(0.0, 1.0, 537), 7),
        ("uniform_n100_b20", "U(0,1), 100 rows, 20 bins: np.quantile at "
         "0.55 = 11/20 picks rank 56, not ceil(100 * 11 / 20) = 55",
         rng.uniform(size=100), 20),
        ("atom_at_zero_n800_b10", "45% zeros then exponential, 800 rows, 10 "
         "bins: the edges at 0.1..0.4 collapse into one",
         np.where(rng.uniform(size=800) < 0.45, 0.0, rng.exponential(1.0, 800)), 10),
        ("atoms_rounded_n1500_b10", "N(0,1) rounded to 0.5 (about 13 values), "
         "1,500 rows, 10 bins: quantiles with repeats",
         np.round(rng.normal(size=1500) * 2) / 2, 10),
        ("integers_0_to_5_b10", "integers 0..5 (6 distinct values <= B-1), "
         "300 rows, 10 bins: one edge per value",
         rng.integers(0, 6, 300).astype(float), 10),
        ("integers_0_to_14_b10", "integers 0..14 (15 distinct values > B-1), "
         "600 rows, 10 bins: quantile edges",
         rng.integers(0, 15, 600).astype(float), 10),
        ("binary_b10", "0/1 feature, 250 rows, 10 bins: edges {0, 1}, the "
         "bin above 1 empty", (rng.uniform(size=250) < 0.3).astype(float), 10),
        ("constant_b10", "a constant column, 50 rows: one edge, shares [1, 0]",
         np.full(50, 3.25), 10),
        ("two_bins_n999", "N(0,1), 999 rows, 2 bins: the median edge",
         rng.normal(size=999), 2),
        ("fewer_rows_than_bins", "5 distinct continuous values, 10 bins: "
         "one edge per value", rng.normal(size=5), 10),
        ("heavy_tail_n2000_b50", "Student t(2), 2,000 rows, 50 bins",
         rng.standard_t(2, 2000), 50),
    ]
    cases = []
    for case_id, what, v, b in specs:
        c = {"id": case_id, "what": what, "bins": b, "values": floats(v)}
        c.update(baseline_bins(np.asarray(v, dtype=float), b))
        cases.append(c)
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidently-wheel", type=Path, default=None)
    args = parser.parse_args()

    seed = 20261207
    rng_psi = np.random.default_rng([seed, 1])
    rng_ev = np.random.default_rng([seed, 2])
    rng_ks = np.random.default_rng([seed, 3])
    rng_bl = np.random.default_rng([seed, 4])

    evidently, samples = evidently_cases(rng_ev)
    cross_check = None
    if args.evidently_wheel is not None:
        cross_check = cross_check_evidently(
            args.evidently_wheel, {"cases": evidently, "samples": samples}
        )

    out = {
        "source": "testdata/drift/make_reference.py",
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "seed": seed,
        "epsilon": EPSILON,
        "evidently_cross_check": cross_check,
        "psi": psi_cases(rng_psi),
        "evidently_psi": evidently,
        "ks_2samp": ks_cases(rng_ks),
        "baseline_bins": baseline_cases(rng_bl),
    }
    path = HERE / "reference.json"
    text = json.dumps(out, indent=1)
    # Arrays of numbers on one line each.
    text = re.sub(
        r"\[\s*([-0-9.eE+,\s]+?)\s*\]",
        lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]",
        text,
    )
    assert json.loads(text) == out
    path.write_text(text + "\n")
    print(f"wrote {path}")
    if cross_check:
        print("evidently cross-check:", cross_check)


if __name__ == "__main__":
    main()
