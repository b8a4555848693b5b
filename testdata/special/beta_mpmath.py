"""Reference values of the Beta distribution (seg-special) and of the
two-variant comparison (seg-bandit-state), computed with mpmath at 40
significant digits.

- "tails": I_x(a, b), 1 - I_x(a, b) and the density on a grid of shapes from
  the smallest accepted (1e-6) to 1e9, at the mean, 3 standard deviations
  either side and 1e-6 times the mean;
- "quantiles": the x with I_x(a, b) = p (or 1 - I_x(a, b) = 1 - p for p > 1/2),
  including two posteriors whose 97.5% quantile used to stop short;
- "pairs": P(p_B > p_A) and both expected losses, including shapes below 1
  (mass piled at both ends) and a narrow posterior against such a one.

P(p_B > p_A)     = E_A[1 - F_B(p_A)]
E[(p_B - p_A)+]  = E_A[E[(p_B - x)+] at x = p_A]   (loss of choosing A)
E[(p_A - p_B)+]  = E_A[E[(x - p_B)+] at x = p_A]   (loss of choosing B)
with B's partial moments in closed form (see pair()).

Writes beta_mpmath.json next to this script. Run: python3 beta_mpmath.py
"""
import json
import mpmath as mp

mp.mp.dps = 40


def f(v):
    return float(v)


def lower(a, b, x):
    try:
        return mp.betainc(a, b, 0, x, regularized=True)
    except (mp.libmp.NoConvergence, ValueError):
        return by_quadrature(a, b, x)[0]


def upper(a, b, x):
    try:
        return mp.betainc(a, b, x, 1, regularized=True)
    except (mp.libmp.NoConvergence, ValueError):
        return by_quadrature(a, b, x)[1]


def by_quadrature(a, b, x):
    """Both tails by integrating the density where the hypergeometric series
    of betainc converges too slowly (large shapes): on the side of x away
    from the mean's bulk, with breakpoints every few standard deviations;
    the other tail is the complement (60 digits spare). Shapes below 1 are
    integrated in t = x^a (resp. (1-x)^b), where the density is smooth."""
    lnb = mp.log(mp.beta(a, b))
    m = a / (a + b)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))

    def dens(v):
        return mp.exp((a - 1) * mp.log(v) + (b - 1) * mp.log1p(-v) - lnb) if 0 < v < 1 else mp.mpf(0)

    def pts(lo, hi):
        inner = [m + k * sd for k in range(-80, 81, 2)]
        return [lo] + sorted(v for v in inner if lo < v < hi) + [hi]

    if x <= m:
        if a < 1:
            lo = mp.quad(lambda t: (1 - t ** (1 / a)) ** (b - 1) / a * mp.exp(-lnb), [0, x**a])
        else:
            lo = mp.quad(dens, pts(mp.mpf(0), x))
        return lo, 1 - lo
    if b < 1:
        up = mp.quad(lambda t: (1 - t ** (1 / b)) ** (a - 1) / b * mp.exp(-lnb), [0, (1 - x) ** b])
    else:
        up = mp.quad(dens, pts(x, mp.mpf(1)))
    return 1 - up, up


def quantile(a, b, p):
    """Closed forms when a shape is 1; otherwise bisection in log space on the tail that holds the answer: 200 steps
    resolve x far below double precision."""
    p = mp.mpf(p)
    if a == 1:
        return 1 - (1 - p) ** (1 / b)
    if b == 1:
        return p ** (1 / a)
    use_upper = p > 0.5
    target = 1 - p if use_upper else p
    lo, hi = mp.mpf(0), mp.mpf(1)

    def g(x):
        # increasing in x
        return target - upper(a, b, x) if use_upper else lower(a, b, x) - target

    # geometric bisection towards 0 first (tiny quantiles), then arithmetic
    x = mp.mpf("0.5")
    for _ in range(2000):
        if g(x) < 0:
            lo = x
        else:
            hi = x
        if lo == 0:
            x = hi / 2 if hi > mp.mpf(10) ** -300 else hi / mp.mpf(10) ** 10
        elif hi == 1:
            x = 1 - (1 - lo) / 2
        elif hi / lo > 2:
            x = mp.sqrt(lo * hi)
        else:
            x = (lo + hi) / 2
        if hi - lo < mp.mpf(10) ** -35 * hi:
            break
    return (lo + hi) / 2


TAIL_SHAPES = ["1e-6", "1e-3", "0.05", "0.5", "1", "2.5", "30", "1000", "1e5", "1e9"]

QUANTILE_CASES = [
    ("0.2996981428", "488566332.9", "0.975"),
    ("0.2069814512", "655833363.5", "0.975"),
    ("0.2996981428", "488566332.9", "0.025"),
    ("1e15", "1", "0.25"),
    ("1e15", "1", "0.75"),
    ("1", "1e15", "0.25"),
    ("1", "1e15", "0.75"),
    ("0.05", "0.05", "0.3"),
    ("1e-6", "1e-6", "0.5000001"),
    ("3", "1e9", "0.975"),
]

PAIR_CASES = [
    # (alpha_A, beta_A, alpha_B, beta_B)
    ("308.877709", "492935.5739", "0.05248958521", "0.1292655547"),
    ("2.5", "40.5", "0.1", "0.2"),
    ("0.02", "3.5", "0.07", "1.5"),
]


def density(a, b):
    lnb = mp.log(mp.beta(a, b))
    return lambda x: (
        mp.exp((a - 1) * mp.log(x) + (b - 1) * mp.log1p(-x) - lnb) if 0 < x < 1 else mp.mpf(0)
    )


def breakpoints(*shapes):
    pts = {mp.mpf(0), mp.mpf(1)}
    for a, b in shapes:
        m = a / (a + b)
        sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        for k in [-40, -20, -10, -6, -3, -1, 0, 1, 3, 6, 10, 20, 40]:
            x = m + k * sd
            if 0 < x < 1:
                pts.add(x)
        # decades towards the ends, where shapes below 1 pile their mass
        for e in range(1, 60, 3):
            pts.add(mp.mpf(10) ** -e)
            pts.add(1 - mp.mpf(10) ** -e)
    return sorted(pts)


def pair(aa, ba, ab, bb):
    """One-dimensional integrals over A's density (smooth between its
    breakpoints), with B's partial moments in closed form:
    P(p_B > p_A)    = E_A[1 - I_x(aB, bB)],
    E[(p_B - x)+]   = mu_B (1 - I_x(aB + 1, bB)) - x (1 - I_x(aB, bB)),
    E[(x - p_B)+]   = x I_x(aB, bB) - mu_B I_x(aB + 1, bB)."""
    dens_a = density(aa, ba)
    mu_b = ab / (ab + bb)
    m = aa / (aa + ba)
    sd = mp.sqrt(aa * ba / ((aa + ba) ** 2 * (aa + ba + 1)))
    pts = {mp.mpf(0), mp.mpf(1)}
    for k in range(-40, 41, 2):
        x = m + k * sd
        if 0 < x < 1:
            pts.add(x)
    pts = sorted(pts)

    def ib(a, x):
        return lower(a, bb, x)

    integrands = [
        lambda x: 1 - ib(ab, x),
        lambda x: mu_b * (1 - ib(ab + 1, x)) - x * (1 - ib(ab, x)),
        lambda x: x * ib(ab, x) - mu_b * ib(ab + 1, x),
    ]
    if aa >= 1:
        return tuple(mp.quad(lambda x, g=g: dens_a(x) * g(x), pts) for g in integrands)
    # A's density ~ x^(aA - 1) is barely integrable at 0: below c integrate
    # in t = x^aA, where A's mass is (1 - x)^(bA - 1) / (aA B(aA, bA)) dt
    c = min(m / 2, mp.mpf("0.25"))
    lnb = mp.log(mp.beta(aa, ba))
    out = []
    for g in integrands:
        head = mp.quad(
            lambda t, g=g: mp.exp((ba - 1) * mp.log1p(-(t ** (1 / aa))) - lnb) / aa * g(t ** (1 / aa))
            if t > 0
            else mp.mpf(0),
            [0, c**aa / 4, c**aa / 2, c**aa],
        )
        rest = mp.quad(lambda x, g=g: dens_a(x) * g(x), [c] + [v for v in pts if v > c])
        out.append(head + rest)
    return tuple(out)


def tails_section():
    tails = []
    for sa in TAIL_SHAPES:
        for sb in TAIL_SHAPES:
            a, b = mp.mpf(sa), mp.mpf(sb)
            m = a / (a + b)
            sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
            for x in [m * mp.mpf("1e-6"), m - 3 * sd, m, m + 3 * sd]:
                xd = f(x)
                if not (0 < xd < 1) or xd == 1 - 2**-53:
                    continue
                xm = mp.mpf(xd)
                tails.append(
                    {
                        "a": f(a),
                        "b": f(b),
                        "x": xd,
                        "lower": f(lower(a, b, xm)),
                        "upper": f(upper(a, b, xm)),
                        "pdf": f(density(a, b)(xm)),
                    }
                )
        print("tails", sa, flush=True)
    return tails


def quantiles_section():
    quantiles = []
    for sa, sb, sp in QUANTILE_CASES:
        a, b, p = mp.mpf(sa), mp.mpf(sb), mp.mpf(sp)
        quantiles.append({"a": f(a), "b": f(b), "p": f(p), "x": f(quantile(a, b, p))})
        print("quantile", sa, sb, sp, flush=True)
    return quantiles


def pairs_section():
    pairs = []
    for case in PAIR_CASES:
        aa, ba, ab, bb = map(mp.mpf, case)
        prob, la, lb = pair(aa, ba, ab, bb)
        pairs.append(
            {
                "a": [f(aa), f(ba)],
                "b": [f(ab), f(bb)],
                "prob_b_beats_a": f(prob),
                "expected_loss_choosing_a": f(la),
                "expected_loss_choosing_b": f(lb),
            }
        )
        print("pair", case, f(prob), f(la), f(lb), flush=True)
    return pairs


SECTIONS = {"tails": tails_section, "quantiles": quantiles_section, "pairs": pairs_section}


def main():
    """python3 beta_mpmath.py [section ...]: computes the sections named
    (all by default) and merges them into beta_mpmath.json."""
    import os
    import sys

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "beta_mpmath.json")
    for name in sys.argv[1:] or list(SECTIONS):
        section = SECTIONS[name]()
        out = {}
        if os.path.exists(path):
            with open(path) as fh:
                out = json.load(fh)
        out["versions"] = {"mpmath": mp.__version__, "dps": mp.mp.dps}
        out[name] = section
        with open(path, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
