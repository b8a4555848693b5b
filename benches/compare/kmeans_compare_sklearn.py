"""Times scikit-learn's k-means on the data of `cargo bench --bench
cluster`'s `kmeans_compare` group: n in {10,000, 100,000, 1,000,000},
d in {16, 20}, k = 8, overlapping blobs of spread 1.8 sqrt(d) (`blobs.py`),
whole fits from greedy k-means++ (`random_state=0`, `n_init=1`) with
`algorithm="lloyd"`, `algorithm="elkan"` and `MiniBatchKMeans`
(`batch_size=1024`, its defaults otherwise).

Prints medians, inertia and iterations. Optional and outside the test
suite. Run from this folder:

    pip install numpy scikit-learn threadpoolctl
    python kmeans_compare_sklearn.py --threads 2
"""
import argparse
import math

import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from threadpoolctl import threadpool_limits

from blobs import blobs
from kmeans_sklearn import median_seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"scikit-learn {sklearn.__version__}, threads: {args.threads or 'all'}")
    k = 8
    for n in [10_000, 100_000, 1_000_000]:
        for d in [16, 20]:
            x, _ = blobs(n, d, k, 1.8 * math.sqrt(d))
            case = f"n{n}_d{d}_k{k}"
            fits = {
                "lloyd": lambda: KMeans(k, n_init=1, random_state=0, algorithm="lloyd").fit(x),
                "elkan": lambda: KMeans(k, n_init=1, random_state=0, algorithm="elkan").fit(x),
                "minibatch": lambda: MiniBatchKMeans(
                    k, n_init=1, random_state=0, batch_size=1024
                ).fit(x),
            }
            with threadpool_limits(limits=args.threads):
                for name, fit in fits.items():
                    t, model = median_seconds(fit, args.repeats)
                    print(f"{name}/{case}: median {t * 1e3:.2f} ms, "
                          f"inertia {model.inertia_:.10e}, iterations {model.n_iter_}")


if __name__ == "__main__":
    main()
