"""Times the scikit-learn loop that does the job of `seg_cluster::AutoK`
(automatic choice of k in 2..=8) on the data of `cargo bench --bench
cluster`'s `auto_k` group: deterministic blobs (`blobs.py`), 1,000,000 × 20,
6 true clusters of spread 1.5.

For each k: `KMeans(k, n_init=3)`, `silhouette_score(sample_size=20000)`,
`davies_bouldin_score`, `calinski_harabasz_score`; k chosen by the best
silhouette. Optional and outside the test suite. Run from this folder:

    pip install numpy scikit-learn threadpoolctl
    python auto_k_sklearn.py --threads 2
    /usr/bin/time -v python auto_k_sklearn.py --threads 2   # peak memory

and compare with `cargo bench -p segmentation-benches --bench cluster --
auto_k` (same data) run side by side.
"""
import argparse
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from threadpoolctl import threadpool_limits

from blobs import blobs


def search(x, seed):
    table = []
    for k in range(2, 9):
        model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(x)
        labels = model.labels_
        table.append(
            {
                "k": k,
                "silhouette": silhouette_score(x, labels, sample_size=20_000, random_state=seed),
                "davies_bouldin": davies_bouldin_score(x, labels),
                "calinski_harabasz": calinski_harabasz_score(x, labels),
                "inertia": model.inertia_,
                "n_iter": model.n_iter_,
            }
        )
    best = max(table, key=lambda row: row["silhouette"])
    return best["k"], table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=20)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--spread", type=float, default=1.5)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    x, _ = blobs(args.n, args.d, args.k, args.spread)
    print(f"scikit-learn {sklearn.__version__}, threads: {args.threads or 'all'}, "
          f"data {args.n} x {args.d} ({x.nbytes / 1e6:.0f} MB), true k {args.k}, spread {args.spread}")
    times = []
    with threadpool_limits(limits=args.threads):
        for r in range(args.repeats):
            start = time.perf_counter()
            k, table = search(x, seed=r)
            times.append(time.perf_counter() - start)
    for row in table:
        print("  k={k}: silhouette {silhouette:.4f}  DB {davies_bouldin:.4f}  CH {calinski_harabasz:.1f}  "
              "inertia {inertia:.6e}  n_iter {n_iter}".format(**row))
    print(f"auto_k n{args.n}_d{args.d}: chosen k {k}, median {np.median(times):.3f} s over {len(times)} run(s)")


if __name__ == "__main__":
    main()
