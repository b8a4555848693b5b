"""Times statsmodels on the jobs of `cargo bench --bench power`:

- `ttest_n/d0.2`: sample size of a two-sample t-test, d = 0.2, power 0.8
  (`TTestIndPower.solve_power`);
- `proportions_n/pooled`: sample size for 5 % → 5.5 % with power 0.8,
  pooled variance under H0 (`samplesize_proportions_2indep_onetail`);
- `proportions_n/cohen_h`: the same on Cohen's h (`NormalIndPower` with
  `proportion_effectsize`);
- `adjust/hommel_m100`: Hommel's adjustment of 100 p-values
  (`multipletests(method="hommel")`).

Prints medians and the values (the sample sizes agree with ours to the
reference tolerances). Optional and outside the test suite. Run from this
folder:

    pip install statsmodels
    python power_statsmodels.py
"""
import statistics
import time

import numpy as np
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import (
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)


def median_seconds(f, repeats):
    times = []
    value = None
    for _ in range(repeats):
        t = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def main():
    print(f"statsmodels {statsmodels.__version__}")
    jobs = {
        "ttest_n/d0.2": lambda: TTestIndPower().solve_power(
            effect_size=0.2, power=0.8, alpha=0.05
        ),
        "proportions_n/pooled": lambda: samplesize_proportions_2indep_onetail(
            diff=0.005, prop2=0.05, power=0.8, alpha=0.05, alternative="two-sided"
        ),
        "proportions_n/cohen_h": lambda: NormalIndPower().solve_power(
            effect_size=proportion_effectsize(0.055, 0.05), power=0.8, alpha=0.05
        ),
        "adjust/hommel_m100": lambda: multipletests(
            np.arange(1, 101) / 101.0, alpha=0.05, method="hommel"
        )[1][0],
    }
    for name, job in jobs.items():
        t, value = median_seconds(job, 200)
        print(f"{name}: median {t * 1e6:.1f} us, value {float(value):.10g}")


if __name__ == "__main__":
    main()
