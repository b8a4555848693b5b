"""Reference values for describing segments in original units.

Writes, next to this script:

- data.csv: 120 seeded visitors with a numeric count (`pages`, some
  missing), a numeric duration (`seconds`), a category (`device`, some
  missing), a flag (`returning`, some missing), an hour of the day (a cyclic
  field, left out of descriptions) and the visitor's `segment` (0, 1 or 2;
  the description asks for k = 4, so segment 3 is empty);
- reference.json: each segment's size, share and traits computed with
  pandas and numpy:
  - numeric: the segment's median and the overall median
    (`Series.median()`, missing values skipped), scored by their absolute
    difference over the overall interquartile range
    (`Series.quantile(0.75) - Series.quantile(0.25)`, linear interpolation;
    over 1 when that range is 0);
  - categorical: among the categories present in the segment (a missing
    value is a category of its own, `null`), the one whose share rises most
    from the whole population to the segment (the last one in byte order,
    missing first, among equal rises); shares over every record; scored by
    twice the rise;
  - boolean: the share of true in the segment and overall (missing counts
    as not true), scored by twice the absolute difference;
  traits sorted by score, largest first, equal scores in the order of the
  fields.

Run from the repository root: python3 testdata/describe/make_reference.py
The output is deterministic (regenerating gives the same bytes).
"""
import json
import os
import sys

import numpy as np
import pandas as pd

SEED = 20261207
K = 4
N = 120


def data():
    r = np.random.default_rng([SEED, 1])
    segment = r.choice(3, N, p=[0.5, 0.3, 0.2])
    pages = r.poisson(np.array([3.0, 8.0, 4.0])[segment]).astype(float)
    pages[r.random(N) < 0.1] = np.nan
    seconds = np.round(r.lognormal(np.array([4.0, 5.5, 4.2])[segment], 0.6), 1)
    probs = np.array([[0.2, 0.7, 0.1], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    device = np.array(
        [r.choice(["desktop", "mobile", "tablet"], p=probs[s]) for s in segment], dtype=object
    )
    device[r.random(N) < 0.05] = None
    returning = np.where(r.random(N) < np.array([0.3, 0.8, 0.5])[segment], "true", "false")
    returning = returning.astype(object)
    returning[r.random(N) < 0.05] = None
    hour = r.integers(0, 24, N)
    return pd.DataFrame(
        {
            "pages": pages,
            "seconds": seconds,
            "device": device,
            "returning": returning,
            "hour": hour,
            "segment": segment,
        }
    )


def describe(df):
    n = len(df)
    out = []
    device = df["device"]
    overall_shares = device.value_counts(dropna=False) / n
    overall_true = (df["returning"] == "true").sum() / n
    for s in range(K):
        part = df[df["segment"] == s]
        size = len(part)
        traits = []
        if size > 0:
            for field in ["pages", "seconds"]:
                column = df[field]
                median = column.median()
                iqr = column.quantile(0.75) - column.quantile(0.25)
                spread = iqr if iqr > 0 else 1.0
                m = part[field].median()
                if not np.isnan(m):
                    traits.append(
                        {
                            "field": field,
                            "kind": "median",
                            "category": None,
                            "segment": float(m),
                            "overall": float(median),
                            "score": float(abs(m - median) / spread),
                        }
                    )
            shares = part["device"].value_counts(dropna=False) / size
            # Missing first, then categories in byte order; the last of the
            # largest rises wins.
            order = sorted(shares.index, key=lambda c: (c is not None and c == c, str(c)))
            best = None
            for c in order:
                rise = shares[c] - overall_shares[c]
                if best is None or rise >= best[1]:
                    best = (c, rise)
            c = best[0]
            category = None if (c is None or c != c) else c
            traits.append(
                {
                    "field": "device",
                    "kind": "category_share",
                    "category": category,
                    "segment": float(shares[c]),
                    "overall": float(overall_shares[c]),
                    "score": float(2.0 * best[1]),
                }
            )
            share = (part["returning"] == "true").sum() / size
            traits.append(
                {
                    "field": "returning",
                    "kind": "true_share",
                    "category": None,
                    "segment": float(share),
                    "overall": float(overall_true),
                    "score": float(2.0 * abs(share - overall_true)),
                }
            )
        # Python's sort is stable: equal scores keep the fields' order.
        traits.sort(key=lambda t: -t["score"])
        out.append({"segment": s, "size": size, "share": size / n, "traits": traits})
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    df = data()
    df.to_csv(
        os.path.join(here, "data.csv"),
        index=False,
        na_rep="",
        float_format="%.10g",
        lineterminator="\n",
    )
    # Read back what was written, so that the reference describes the file.
    df = pd.read_csv(
        os.path.join(here, "data.csv"),
        dtype={"device": object, "returning": object},
        keep_default_na=False,
        na_values={"pages": [""], "seconds": [""], "device": [""], "returning": [""]},
    )
    df["device"] = df["device"].where(df["device"].notna(), None)
    reference = {
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "seed": SEED,
        "k": K,
        "segments": describe(df),
    }
    with open(os.path.join(here, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
