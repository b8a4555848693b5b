"""Times scikit-learn's k-means on the data of `cargo bench --bench cluster`
(the same deterministic blobs, 16 features, k = 8, from the same initial
centres: the first k rows).

Optional and outside the test suite. Run from this folder:

    pip install numpy scikit-learn threadpoolctl
    python kmeans_sklearn.py            # all cores
    python kmeans_sklearn.py --threads 1
    cargo bench -p segmentation-benches --bench cluster

and compare the medians printed here with criterion's (same ids). Also
prints inertia and n_iter so that both sides can be checked to agree.
"""
import argparse
import statistics
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense
from threadpoolctl import threadpool_limits

from blobs import blobs


def median_seconds(f, repeats):
    times = []
    value = None
    for _ in range(repeats):
        t = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    threads = args.threads
    print(f"scikit-learn {sklearn.__version__}, threads: {threads or 'all'}")
    d, k = 16, 8
    for n in [int(s) for s in args.sizes.split(",")]:
        x, _ = blobs(n, d, k)
        first = x[:k].copy()
        case = f"n{n}_d{d}_k{k}"
        repeats = 20 if n <= 100_000 else 5
        with threadpool_limits(limits=threads):
            n_threads = threads or len(__import__("os").sched_getaffinity(0))
            # One Lloyd iteration: assignment and new centres (the private
            # Cython kernel that KMeans loops over).
            weights = np.ones(n)
            labels = np.full(n, -1, dtype=np.int32)
            centres_new = np.zeros_like(first)
            weight_in = np.zeros(k)
            shift = np.zeros(k)

            def one_iteration():
                lloyd_iter_chunked_dense(
                    x, weights, first, centres_new, weight_in, labels, shift, n_threads
                )
                return centres_new[0, 0]

            t, _ = median_seconds(one_iteration, repeats * 5)
            print(f"lloyd_iteration/{case}: median {t * 1e3:.3f} ms")
            for name, algorithm in [("lloyd", "lloyd"), ("hamerly", "elkan")]:
                t, m = median_seconds(
                    lambda: KMeans(k, init=first, n_init=1, algorithm=algorithm).fit(x), repeats
                )
                print(
                    f"{name}/{case} (sklearn {algorithm}, from first k rows): median "
                    f"{t * 1e3:.2f} ms (inertia {m.inertia_:.6f}, n_iter {m.n_iter_})"
                )
            t, m = median_seconds(
                lambda: KMeans(k, n_init=1, random_state=0).fit(x), repeats
            )
            print(
                f"kmeanspp_hamerly/{case} (sklearn k-means++ + lloyd): median {t * 1e3:.2f} ms "
                f"(inertia {m.inertia_:.6f}, n_iter {m.n_iter_})"
            )
            t, m = median_seconds(
                lambda: MiniBatchKMeans(
                    k, batch_size=1024, max_iter=1, max_no_improvement=None, n_init=1,
                    random_state=0,
                ).fit(x),
                max(3, repeats // 4),
            )
            print(
                f"minibatch_epoch/{case} ({m.n_steps_} steps of 1024): median {t * 1e3:.1f} ms "
                f"(inertia {m.inertia_:.6f})"
            )
            model = KMeans(k, init=first, n_init=1).fit(x)
            visitor = x[12_345:12_346]
            t, _ = median_seconds(lambda: model.predict(visitor), 200)
            print(f"predict_one/{case}: median {t * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
