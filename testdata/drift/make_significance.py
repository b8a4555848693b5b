"""Reference values for `seg_cluster::psi_test`: the p-value and the
no-drift expectation of a PSI at a batch size.

Writes `significance.json` beside this script (deterministic output).

- `chi_square`: batches with every pooled expected count >= 10, where
  `psi_test` uses the chi-square distribution of Pearson's two-sample
  statistic of homogeneity: scipy.stats.chi2_contingency(correction=False)
  on the 2 x B table of baseline counts (m * share) and batch counts, and
  the expectation (B' - 1)(1/n + 1/m).
- `exact`: small batches (sparse bins) where `psi_test` simulates: the
  exact p-value by enumerating every pair of samples drawn from the pooled
  shares (multinomial, m baseline rows and n batch rows), and PSI's exact
  expectation under the pooled shares, bin by bin from the binomial
  marginals (scipy.stats.binom.pmf over the whole support).
"""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

EPS = 1e-4


def psi_term(e, a):
    e, a = max(e, EPS), max(a, EPS)
    return (a - e) * math.log(a / e)


def pearson(e, a, n, m):
    total = 0.0
    for ei, ai in zip(e, a):
        pooled = (n * ai + m * ei) / (n + m)
        if pooled > 0:
            total += (ai - ei) ** 2 / pooled
    return n * m / (n + m) * total


def psi(e, a):
    return sum(psi_term(x, y) for x, y in zip(e, a))


def compositions(total, bins):
    """Every vector of `bins` non-negative integers summing to `total`."""
    for cuts in itertools.combinations(range(total + bins - 1), bins - 1):
        prev, out = -1, []
        for c in cuts:
            out.append(c - prev - 1)
            prev = c
        out.append(total + bins - 1 - prev - 1)
        yield out


def multinomial_pmf(counts, shares):
    n = sum(counts)
    logp = math.lgamma(n + 1)
    for c, s in zip(counts, shares):
        if c > 0:
            if s <= 0:
                return 0.0
            logp += c * math.log(s) - math.lgamma(c + 1)
    return math.exp(logp)


def chi_square_cases():
    cases = []
    specs = [
        # baseline shares (exact in m rows), m, batch counts
        ([0.25, 0.25, 0.25, 0.25], 10_000, [260, 240, 255, 245]),
        ([0.1] * 10, 100_000, [100, 90, 110, 95, 105, 100, 100, 98, 102, 100]),
        ([0.5, 0.3, 0.2], 2_000, [450, 330, 220]),
        ([0.4, 0.4, 0.2], 5_000, [300, 500, 200]),
        ([0.2, 0.2, 0.2, 0.2, 0.2], 1_000, [200, 150, 250, 180, 220]),
        # a new category (baseline share 0) with enough rows for the chi-square
        ([0.6, 0.4, 0.0], 20_000, [420, 280, 300]),
    ]
    for shares, m, counts in specs:
        n = sum(counts)
        base = [round(s * m) for s in shares]
        used = [j for j in range(len(shares)) if base[j] + counts[j] > 0]
        table = np.array([[base[j] for j in used], [counts[j] for j in used]], dtype=float)
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        a = [c / n for c in counts]
        cases.append(
            {
                "baseline_shares": shares,
                "baseline_rows": m,
                "batch": counts,
                "batch_rows": n,
                "psi": psi(shares, a),
                "pearson": chi2,
                "p_value": p,
                "df": int(dof),
                "expected_psi": dof * (1 / n + 1 / m),
            }
        )
    return cases


def exact_cases():
    cases = []
    specs = [
        # baseline shares (exact in m rows), m, batch counts
        ([0.5, 0.3, 0.2], 20, [2, 1, 5]),
        ([0.5, 0.3, 0.2], 20, [4, 3, 1]),
        ([0.6, 0.4, 0.0], 30, [3, 2, 2]),
        ([0.25, 0.25, 0.5], 16, [0, 6, 2]),
    ]
    for shares, m, counts in specs:
        n = sum(counts)
        a = [c / n for c in counts]
        pooled = [(n * x + m * y) / (n + m) for x, y in zip(a, shares)]
        observed = pearson(shares, a, n, m)
        reach = observed - 1e-9 * max(abs(observed), 1e-12)
        p = 0.0
        batches = [(c, multinomial_pmf(c, pooled)) for c in compositions(n, len(shares))]
        for b in compositions(m, len(shares)):
            pb = multinomial_pmf(b, pooled)
            if pb == 0:
                continue
            e = [x / m for x in b]
            for c, pc in batches:
                if pc == 0:
                    continue
                if pearson(e, [x / n for x in c], n, m) >= reach:
                    p += pb * pc
        expected = 0.0
        for s in pooled:
            if s <= 0:
                continue
            kb = np.arange(m + 1)
            ka = np.arange(n + 1)
            pb = stats.binom.pmf(kb, m, s)
            pa = stats.binom.pmf(ka, n, s)
            for k, pk in zip(kb, pb):
                for l, pl in zip(ka, pa):
                    expected += pk * pl * psi_term(k / m, l / n)
        cases.append(
            {
                "baseline_shares": shares,
                "baseline_rows": m,
                "batch": counts,
                "batch_rows": n,
                "psi": psi(shares, a),
                "pearson": observed,
                "p_value": p,
                "expected_psi": expected,
            }
        )
    return cases


def main():
    out = {
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
        "chi_square": chi_square_cases(),
        "exact": exact_cases(),
    }
    path = Path(__file__).with_name("significance.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
