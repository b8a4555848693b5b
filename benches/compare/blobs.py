"""The benches' deterministic Gaussian blobs (SplitMix64 + Box-Muller), bit
for bit the data of `benches/benches/validate.rs`'s `blobs`."""
import numpy as np

MASK = (1 << 64) - 1


def uniforms(count, state=0x5EED):
    out = np.empty(count)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out[i] = ((z ^ (z >> 31)) >> 11) / float(1 << 53)
    return out


def blobs(n, d, k):
    u = uniforms(k * d + 2 * n * d)
    centres = u[: k * d] * 20.0 - 10.0
    labels = np.arange(n) % k
    pairs = u[k * d :].reshape(n * d, 2)
    u1 = np.maximum(pairs[:, 0], np.finfo(float).tiny)
    noise = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * pairs[:, 1])
    x = centres.reshape(k, d)[labels] + noise.reshape(n, d)
    return x, labels
