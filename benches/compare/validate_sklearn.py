"""Times scikit-learn's exact silhouette, Davies-Bouldin and
Calinski-Harabasz on the data of `cargo bench --bench validate`.

Optional and outside the test suite. Run from this folder:

    pip install numpy scikit-learn
    python validate_sklearn.py
    cargo bench -p segmentation-benches --bench validate

and compare the medians printed here with criterion's. The script also
prints the scores so that both sides can be checked to agree.
"""
import statistics
import time

import sklearn
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from blobs import blobs


def median_seconds(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), value


print(f"scikit-learn {sklearn.__version__}")
for n in (10_000, 20_000):
    x, labels = blobs(n, 16, 8)
    t, s = median_seconds(lambda: silhouette_score(x, labels), 5)
    print(f"silhouette_exact/n{n}_d16_k8: median {t * 1e3:.1f} ms (score {s:.15f})")
for n in (100_000, 1_000_000):
    x, labels = blobs(n, 16, 8)
    t, s = median_seconds(lambda: davies_bouldin_score(x, labels), 10)
    print(f"davies_bouldin/n{n}_d16_k8: median {t * 1e3:.2f} ms (score {s:.15f})")
    t, s = median_seconds(lambda: calinski_harabasz_score(x, labels), 10)
    print(f"calinski_harabasz/n{n}_d16_k8: median {t * 1e3:.2f} ms (score {s:.9f})")
