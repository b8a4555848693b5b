"""The benches' deterministic Gaussian blobs (SplitMix64 + Box-Muller), bit
for bit the data of `benches/src/lib.rs`'s `blobs` and `blobs_with_spread`."""
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def uniforms(count, state=0x5EED):
    """SplitMix64 outputs as doubles in [0, 1), vectorised (uint64 wraps)."""
    with np.errstate(over="ignore"):
        z = np.uint64(state) + GOLDEN * np.arange(1, count + 1, dtype=np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = (z ^ (z >> np.uint64(31))) >> np.uint64(11)
    return z.astype(np.float64) / float(1 << 53)


def blobs(n, d, k, spread=1.0):
    """`k` centres uniform in [-10, 10]^d, Gaussian noise of standard
    deviation `spread`, labels round-robin (i % k)."""
    u = uniforms(k * d + 2 * n * d)
    centres = u[: k * d] * 20.0 - 10.0
    labels = np.arange(n) % k
    pairs = u[k * d :].reshape(n * d, 2)
    u1 = np.maximum(pairs[:, 0], np.finfo(float).tiny)
    noise = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * pairs[:, 1])
    if spread != 1.0:
        noise = noise * spread
    x = centres.reshape(k, d)[labels] + noise.reshape(n, d)
    return x, labels
