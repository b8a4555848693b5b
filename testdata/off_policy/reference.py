"""Reference values of off-policy evaluation for seg-bandit-state.

Implements the estimators of the Open Bandit Pipeline (obp, Saito et al.,
https://github.com/st-tech/zr-obp, `obp.ope.estimators`) from their
documented formulas, with numpy only:

- InverseProbabilityWeighting: mean_i  w_i r_i,  w_i = pi_e(a_i|x_i) / pscore_i
- SelfNormalizedInverseProbabilityWeighting: mean_i w_i r_i / mean(w)
- DirectMethod: mean_i  sum_a pi_e(a|x_i) q_hat(x_i, a)
  (obp: np.average(q_hat, weights=action_dist, axis=1))
- DoublyRobust: DM's round term + w_i (r_i - q_hat(x_i, a_i))

with the position dimension trivial (len_list = 1), the context x the
segment, and q_hat(x, a) the mean reward of the log's rows with segment x
and variant a (the per-(segment, variant) mean: a tabular regression
model). Every estimator is computed per row ("round rewards"), as obp
does, and its interval by the contract of `seg evaluate`:
value +/- z(1 - alpha/2) * sd(round rewards, ddof=1) / sqrt(n), z from
Python's statistics.NormalDist.

Run from the repository root: python3 testdata/off_policy/reference.py
(numpy 2.x; the logs are drawn with numpy's PCG64 from fixed seeds).
"""

import json
import math
import statistics
from pathlib import Path

import numpy as np

SEGMENTS = ["mobile", "desktop", "tablet"]
VARIANTS = ["a", "b", "c"]


def obp_round_rewards(action, reward, pscore, action_dist, q_hat):
    """The per-row terms of obp's IPW, SNIPW, DM and DR estimators.

    action_dist and q_hat have obp's shape (n_rounds, n_actions, len_list)
    with len_list = 1 (position 0 for every round).
    """
    n = action.shape[0]
    rows = np.arange(n)
    position = np.zeros(n, dtype=int)
    iw = action_dist[rows, action, position] / pscore
    ipw = reward * iw
    snipw = reward * iw / iw.mean()
    q_at_position = q_hat[rows, :, position]
    pi_at_position = action_dist[rows, :, position]
    dm = np.average(q_at_position, weights=pi_at_position, axis=1)
    q_factual = q_hat[rows, action, position]
    dr = dm + iw * (reward - q_factual)
    return {"ipw": ipw, "snipw": snipw, "dm": dm, "dr": dr}, iw


def evaluate(log, policy_rows, alpha):
    seg = np.array([SEGMENTS.index(s) for s in log["segment"]])
    act = np.array([VARIANTS.index(v) for v in log["variant"]])
    pscore = np.array(log["propensity"], dtype=float)
    reward = np.array(log["reward"], dtype=float)
    n = seg.shape[0]
    pi = np.zeros((len(SEGMENTS), len(VARIANTS)))
    for s, v, p in policy_rows:
        pi[SEGMENTS.index(s), VARIANTS.index(v)] = p
    q = np.zeros((len(SEGMENTS), len(VARIANTS)))
    for s in range(len(SEGMENTS)):
        for a in range(len(VARIANTS)):
            mask = (seg == s) & (act == a)
            if mask.any():
                q[s, a] = reward[mask].mean()
            else:
                # The contract refuses such a policy: check none is used.
                assert pi[s, a] == 0.0 or not (seg == s).any(), (s, a)
    action_dist = pi[seg][:, :, None]
    q_hat = q[seg][:, :, None]
    terms, iw = obp_round_rewards(act, reward, pscore, action_dist, q_hat)
    z = statistics.NormalDist().inv_cdf(1.0 - alpha / 2.0)
    estimators = {}
    for name, t in terms.items():
        # Each value is the mean of obp's round rewards (for snipw,
        # w_i r_i / mean(w), whose mean is sum(w r) / sum(w)).
        value = float(t.mean())
        if name == "snipw":
            # The contract's per-row terms of the snipw interval (the
            # linearisation of the ratio): w_i (r_i - snipw) / mean(w).
            t = iw * (reward - value) / iw.mean()
        se = float(t.std(ddof=1) / math.sqrt(n))
        estimators[name] = {
            "value": value,
            "ci_low": value - z * se,
            "ci_high": value + z * se,
            "std_error": se,
        }
    return {
        "n": int(n),
        "logged_value": float(reward.mean()),
        "effective_sample_size": float(iw.sum() ** 2 / (iw**2).sum()),
        "estimators": estimators,
    }


def draw_log(seed, n, kind):
    """A log of n decisions from a logging policy whose allocation changes
    every 50 rows (fresh Dirichlet allocations per segment, floored at 5%),
    with binary ("binary"), revenue-like ("revenue": a conversion times a
    lognormal basket, in cents) or offset rewards ("offset": 1e4 plus a
    normal noise, where naive sums of squares lose their digits)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    rates = np.array([[0.10, 0.14, 0.08], [0.20, 0.15, 0.25], [0.05, 0.06, 0.12]])
    segment_share = np.array([0.5, 0.3, 0.2])
    log = {"segment": [], "variant": [], "propensity": [], "reward": []}
    alloc = None
    for i in range(n):
        if i % 50 == 0:
            alloc = rng.dirichlet(np.ones(3), size=3)
            alloc = 0.05 + (1 - 3 * 0.05) * alloc
        s = int(rng.choice(3, p=segment_share))
        a = int(rng.choice(3, p=alloc[s] / alloc[s].sum()))
        p = float(alloc[s, a])
        if kind == "binary":
            r = float(rng.random() < rates[s, a])
        elif kind == "revenue":
            r = 0.0
            if rng.random() < rates[s, a]:
                r = round(float(rng.lognormal(3.5 + 0.2 * a, 0.8)), 2)
        else:
            r = 1e4 + float(rng.normal(0.5 * a + 0.2 * s, 1.0))
        log["segment"].append(SEGMENTS[s])
        log["variant"].append(VARIANTS[a])
        log["propensity"].append(p)
        log["reward"].append(r)
    return log


POLICIES = {
    "uniform": [(s, v, 1.0 / 3.0) for s in SEGMENTS for v in VARIANTS],
    "best_per_segment": [("mobile", "b", 1.0), ("desktop", "c", 1.0), ("tablet", "c", 1.0)],
    "everyone_b": [(s, "b", 1.0) for s in SEGMENTS],
    # "desktop" has no row for "c": probability 0.
    "stochastic": [
        ("mobile", "a", 0.2),
        ("mobile", "b", 0.5),
        ("mobile", "c", 0.3),
        ("desktop", "a", 0.625),
        ("desktop", "b", 0.375),
        ("tablet", "a", 0.125),
        ("tablet", "b", 0.125),
        ("tablet", "c", 0.75),
    ],
}


def main():
    logs = {
        "binary": draw_log(20240601, 900, "binary"),
        "revenue": draw_log(20240602, 1200, "revenue"),
        "offset": draw_log(20240603, 600, "offset"),
    }
    cases = []
    for log_name, log in logs.items():
        for policy_name, rows in POLICIES.items():
            for alpha in (0.05, 0.1):
                cases.append(
                    {
                        "log": log_name,
                        "policy": policy_name,
                        "alpha": alpha,
                        "expected": evaluate(log, rows, alpha),
                    }
                )
    out = {
        "source": "testdata/off_policy/reference.py: obp's IPW, SNIPW, DM and DR "
        "formulas in numpy " + np.__version__,
        "logs": logs,
        "policies": {k: [list(r) for r in v] for k, v in POLICIES.items()},
        "cases": cases,
    }
    path = Path(__file__).with_name("reference.json")
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
