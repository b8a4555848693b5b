"""Times scikit-learn's k-means on the data of `cargo bench --bench
cluster`'s `kmeans_realistic` group: 100,000 × 20 and 1,000,000 × 16
overlapping blobs (k = 8, spread 8) and 1,000,000 × 16 blobs of spread 1.5
(`blobs.py`).

- `kmeanspp_lloyd`, `kmeanspp_elkan`: whole fits, greedy k-means++
  (`random_state=0`, `n_init=1`);
- `lloyd_from_centres`, `elkan_from_centres`: from the first k rows.

Prints medians, inertia and n_iter (equal inertia to rounding from the same
centres is the check that both sides do the same work). Optional and
outside the test suite. Run from this folder:

    pip install numpy scikit-learn threadpoolctl
    python kmeans_realistic_sklearn.py --threads 2
"""
import argparse
import sklearn
from sklearn.cluster import KMeans
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
    for n, d, spread in [(100_000, 20, 8.0), (1_000_000, 16, 8.0), (1_000_000, 16, 1.5)]:
        x, _ = blobs(n, d, k, spread)
        first = x[:k].copy()
        case = f"n{n}_d{d}_k{k}_s{spread}"
        with threadpool_limits(limits=args.threads):
            for algorithm in ["lloyd", "elkan"]:
                runs = [
                    (f"kmeanspp_{algorithm}", dict(init="k-means++", random_state=0)),
                    (f"{algorithm}_from_centres", dict(init=first)),
                ]
                for name, kw in runs:
                    def fit():
                        return KMeans(k, n_init=1, algorithm=algorithm, **kw).fit(x)

                    t, model = median_seconds(fit, args.repeats)
                    print(f"{name}/{case}: median {t * 1e3:.2f} ms, "
                          f"inertia {model.inertia_:.10e}, n_iter {model.n_iter_}")


if __name__ == "__main__":
    main()
