"""Reference values for `segment_outcomes` (scipy / statsmodels).

Writes outcome_reference.json: for each case the per-segment counts
(n, successes), Pearson's chi-square without continuity correction
(scipy.stats.chi2_contingency(correction=False)), its p-value, Cramér's V
(scipy.stats.contingency.association(method="cramer")) and 95% Wilson
intervals (statsmodels proportion_confint(method="wilson")).

Run from this folder: python generate_outcome_reference.py [path/to/online_shoppers_intention.csv]
"""
import json
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association
from statsmodels.stats.proportion import proportion_confint


def case(name, counts):
    table = np.array([[s, n - s] for n, s in counts])
    chi2, p, dof, _ = chi2_contingency(table, correction=False)
    v = association(table, method="cramer", correction=False)
    ci = [proportion_confint(s, n, alpha=0.05, method="wilson") for n, s in counts]
    return {
        "name": name,
        "counts": [[int(n), int(s)] for n, s in counts],
        "chi_square": float(chi2),
        "df": int(dof),
        "p_value": float(p),
        "cramers_v": float(v),
        "ci_low": [float(a) for a, _ in ci],
        "ci_high": [float(b) for _, b in ci],
    }


cases = [
    case("two_segments", [(400, 40), (600, 90)]),
    case("four_segments_one_rare", [(5000, 100), (3000, 150), (1500, 30), (40, 9)]),
    case("equal_rates", [(1000, 100), (2000, 200), (500, 50)]),
    case("strong_separation", [(200, 190), (200, 10)]),
]
if len(sys.argv) > 1:
    df = pd.read_csv(sys.argv[1])
    for column in ["VisitorType", "TrafficType", "Month"]:
        grouped = df.groupby(column)["Revenue"]
        counts = [(int(g.size), int(g.sum())) for _, g in sorted(grouped, key=lambda kv: str(kv[0]))]
        cases.append(case(f"online_shoppers_{column}_x_Revenue", counts))

out = {
    "versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__, "numpy": np.__version__},
    "cases": cases,
}
with open("outcome_reference.json", "w") as f:
    json.dump(out, f, indent=1)
