"""Reference values of P(p_B > p_A) and the expected losses of two Beta
posteriors, computed with mpmath at 25 significant digits.

P(p_B > p_A)     = integral of f_B(x) F_A(x) dx
E[(p_B - p_A)+]  = integral of F_A(y) (1 - F_B(y)) dy   (loss of choosing A)
E[(p_A - p_B)+]  = integral of F_B(y) (1 - F_A(y)) dy   (loss of choosing B)

When both posteriors hold their mass near 1 the integrals run over the
reflections 1 - p ~ Beta(beta, alpha), so that every value is resolved.
Writes beta_pairs_mpmath.json next to this folder.
"""
import json
import mpmath as mp

mp.mp.dps = 25

CASES = [
    # (alpha_A, beta_A, alpha_B, beta_B): non-integer alpha_B takes the quadrature
    ("121.3", "881.7", "141.2", "861.1"),
    ("121.3", "12300", "12.83", "1230.9"),
    ("1", "0.3", "0.8", "1.25"),
    ("12.5", "0.3", "1.95", "0.93"),
    ("0.5", "0.5", "0.7", "0.6"),
    ("3.2", "1.7", "0.45", "2.5"),
    ("1e7", "0.3", "1.010000037e7", "0.4085"),
    ("1e5", "1", "1.0100037e5", "1.105"),
    ("20.5", "1e6", "25.25", "1e6"),
    ("2.5", "3.5", "2.5", "3.5"),
    ("44.685", "0.315", "882.2", "0.4"),
]


def density(a, b):
    lnb = mp.log(mp.beta(a, b))
    # 0 at the end points themselves (quadrature nodes that round onto them
    # carry no weight)
    return lambda x: (
        mp.exp((a - 1) * mp.log(x) + (b - 1) * mp.log1p(-x) - lnb) if 0 < x < 1 else mp.mpf(0)
    )


def cdf(a, b):
    return lambda x: mp.betainc(a, b, 0, x, regularized=True)


def upper_end(*shapes):
    """Above this point both distributions hold no mass (60 standard
    deviations above both means): the integrands vanish there."""
    top = mp.mpf(0)
    for a, b in shapes:
        m = a / (a + b)
        sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        top = max(top, m + 60 * sd)
    return min(top, mp.mpf(1))


def breakpoints(*shapes):
    hi = upper_end(*shapes)
    pts = set()
    for a, b in shapes:
        m = a / (a + b)
        sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        for k in range(-12, 13, 2):
            x = m + k * sd
            if 0 < x < 1:
                pts.add(x)
        for e in range(2, 19, 4):
            pts.add(m * mp.mpf(10) ** (-e))
            pts.add(1 - (1 - m) * mp.mpf(10) ** (-e))
    return [mp.mpf(0)] + sorted(p for p in pts if p < hi) + [hi]


def compare(aa, ba, ab, bb):
    if aa > ba and ab > bb:
        # reflections: P(B > A) = P(T_A > T_B), T ~ Beta(beta, alpha); losses unchanged
        return compare(bb, ab, ba, aa)
    fb = density(ab, bb)
    fa_cdf, fb_cdf = cdf(aa, ba), cdf(ab, bb)
    pts = breakpoints((aa, ba), (ab, bb))
    p = mp.quad(lambda x: fb(x) * fa_cdf(x), pts)
    loss_a = mp.quad(lambda y: fa_cdf(y) * (1 - fb_cdf(y)), pts)
    loss_b = mp.quad(lambda y: fb_cdf(y) * (1 - fa_cdf(y)), pts)
    return p, loss_a, loss_b


out = []
for case in CASES:
    aa, ba, ab, bb = map(mp.mpf, case)
    p, la, lb = compare(aa, ba, ab, bb)
    out.append({
        "a": [float(aa), float(ba)],
        "b": [float(ab), float(bb)],
        "prob_b_beats_a": float(p),
        "expected_loss_choosing_a": float(la),
        "expected_loss_choosing_b": float(lb),
    })
    print(case, mp.nstr(p, 17), mp.nstr(la, 17), mp.nstr(lb, 17), flush=True)

with open(__file__.replace("scripts/beta_pairs_mpmath.py", "beta_pairs_mpmath.json"), "w") as f:
    json.dump({"versions": {"mpmath": mp.__version__, "dps": mp.mp.dps}, "cases": out}, f, indent=1)
    f.write("\n")
