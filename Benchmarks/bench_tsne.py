#!/usr/bin/env python3
"""Python peer of bench_tsne.sh: MNIST data preparation, openTSNE / sklearn timed fits, common scores.

  python bench_tsne.py prepare OUTDIR                   MNIST t10k -> OUTDIR/images.npy (N,1,28,28 /255), labels.npy
  python bench_tsne.py subset X.npy Y.npy N OUTX OUTY   first N rows
  python bench_tsne.py penultimate MODEL.onnx           name of the tensor feeding the model's last Gemm/MatMul
  python bench_tsne.py fit METHOD X.npy SEED OUT.npy    METHOD: opentsne-{auto,bh,fft}-j2 (openTSNE, n_jobs=2;
                                                        auto = BH below 10,000 points, FFT from there) |
                                                        sklearn-bh (2 threads, max_iter 750 = openTSNE's 250 + 500) |
                                                        loupe (runs $LOUPE embed with --gradient auto; wall_s = its
                                                        own fit time, cpu_s = the child's user+sys);
                                                        prints {"wall_s", "cpu_s", "kl_reported"} JSON
  python bench_tsne.py table RESULTS.jsonl              the comparison table with ratios (min wall over repeats)
  python bench_tsne.py score X.npy EMB.npy [LABELS.npy] exact KL vs the dense perplexity-30 P (sklearn exact
                                                        calibration, docs/embeddings.md#reference-timings), trustworthiness(10),
                                                        kNN(10) accuracy in 2-D
Run in a venv with scikit-learn 1.9.1 and openTSNE 1.0.4.
"""
import gzip
import json
import os
import sys
import time

import numpy as np

EPS = np.finfo(np.double).eps


def prepare(outdir, mnist=None):
    """MNIST from $MNIST_DIR, else ../shared/data/mnist beside the checkout."""
    here = os.path.dirname(os.path.abspath(__file__))
    mnist = mnist or os.environ.get("MNIST_DIR") or os.path.join(here, "..", "..", "shared", "data", "mnist")
    os.makedirs(outdir, exist_ok=True)
    with gzip.open(os.path.join(mnist, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    np.save(os.path.join(outdir, "images.npy"), (images / 255.0).astype(np.float32))
    np.save(os.path.join(outdir, "labels.npy"), labels.astype(np.int64))


def fit(method, x, seed):
    x = x.reshape(x.shape[0], -1).astype(np.float64)
    if method == "sklearn-bh":
        from threadpoolctl import threadpool_limits
        from sklearn.manifold import TSNE
        with threadpool_limits(2):
            model = TSNE(random_state=seed, n_jobs=2, max_iter=750)
            y = model.fit_transform(x)
        return y, float(model.kl_divergence_)
    import openTSNE
    _, grad, jobs = method.split("-")
    emb = openTSNE.TSNE(random_state=seed, n_jobs=int(jobs[1:]), negative_gradient_method=grad).fit(x)
    return np.asarray(emb), float(emb.kl_divergence)


def penultimate(path):
    import onnx
    nodes = [n for n in onnx.load(path).graph.node if n.op_type in ("Gemm", "MatMul")]
    return nodes[-1].input[0]


def table(path):
    rows = [json.loads(line) for line in open(path)]
    methods = ["loupe", "opentsne-auto-j2", "sklearn-bh"]
    print(f"{'N':>6} {'method':<17} {'gradient':<18} {'wall s':>7} {'CPU s':>7} {'KL dense':>9} {'T(10)':>7} "
          f"{'kNN2D':>6} {'wall / Loupe':>12} {'KL vs Loupe':>11}")
    for n in sorted({r["fit"]["n"] for r in rows}):
        best = {}
        for m in methods:
            rs = [r for r in rows if r["fit"]["n"] == n and r["fit"]["method"] == m]
            if rs:
                best[m] = min(rs, key=lambda r: r["fit"]["wall_s"])
        base = best.get("loupe")
        for m, r in best.items():
            f, sc = r["fit"], r["score"]
            ratio = f["wall_s"] / base["fit"]["wall_s"] if base else float("nan")
            kl = (sc["kl_exact_dense"] / base["score"]["kl_exact_dense"] - 1) * 100 if base else float("nan")
            print(f"{n:>6} {m:<17} {f.get('gradient', ''):<18} {f['wall_s']:>7.2f} {f['cpu_s']:>7.2f} "
                  f"{sc['kl_exact_dense']:>9.4f} {sc['trust10']:>7.4f} {sc.get('knn_2d', float('nan')):>6.4f} "
                  f"{ratio:>11.2f}x {kl:>+10.2f}%")


def score(x, y, labels=None, cache=None):
    from scipy.spatial.distance import pdist
    from sklearn.manifold import trustworthiness
    from sklearn.manifold._t_sne import _joint_probabilities
    from sklearn.metrics import pairwise_distances
    from sklearn.neighbors import KNeighborsClassifier
    x = x.reshape(x.shape[0], -1).astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    if cache and os.path.exists(cache):
        p = np.load(cache)
    else:
        p = _joint_probabilities(pairwise_distances(x, squared=True), 30.0, 0)
        if cache:
            np.save(cache, p)
    d = pdist(y, "sqeuclidean")
    w = 1.0 / (1.0 + d)
    q = np.maximum(w / (2.0 * w.sum()), EPS)
    out = {"kl_exact_dense": float(2.0 * np.dot(p, np.log(np.maximum(p, EPS) / q))),
           "trust10": float(trustworthiness(x, y, n_neighbors=10))}
    if labels is not None:
        from sklearn.neighbors import NearestNeighbors
        idx = NearestNeighbors(n_neighbors=11).fit(y).kneighbors(y, return_distance=False)[:, 1:]
        votes = np.array([np.bincount(labels[r], minlength=labels.max() + 1).argmax() for r in idx])
        out["knn_2d"] = float((votes == labels).mean())
    return out


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "prepare":
        prepare(sys.argv[2])
    elif cmd == "penultimate":
        print(penultimate(sys.argv[2]))
    elif cmd == "table":
        table(sys.argv[2])
    elif cmd == "subset":
        n = int(sys.argv[4])
        np.save(sys.argv[5], np.load(sys.argv[2])[:n])
        np.save(sys.argv[6], np.load(sys.argv[3])[:n])
    elif cmd == "fit" and sys.argv[2] == "loupe":
        import resource
        import subprocess
        out = sys.argv[5]
        subprocess.run([os.environ.get("LOUPE", "loupe"), "embed", "--input", sys.argv[3], "--method", "tsne",
                        "--seed", sys.argv[4], "--gradient", "auto", "--output", out, "--json", out + ".json"], check=True,
                       stderr=subprocess.DEVNULL)
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        q = json.load(open(out + ".json"))
        print(json.dumps({"method": "loupe", "n": q["points"], "wall_s": q["seconds"], "cpu_s": r.ru_utime + r.ru_stime,
                          "kl_reported": q["kl_divergence_approximate"], "kl_exact_own_p": q["kl_divergence"],
                          "gradient": q.get("gradient_method", "")}), flush=True)
    elif cmd == "fit":
        import resource
        x = np.load(sys.argv[3])
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        y, kl = fit(sys.argv[2], x, int(sys.argv[4]))
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        np.save(sys.argv[5], y.astype(np.float32))
        grad = sys.argv[2].split("-")[1] if sys.argv[2].startswith("opentsne") else "bh"
        if grad == "auto":
            grad = "bh" if x.shape[0] < 10000 else "fft"
        print(json.dumps({"method": sys.argv[2], "n": int(x.shape[0]), "wall_s": wall, "cpu_s": cpu, "kl_reported": kl,
                          "gradient": grad}), flush=True)
    elif cmd == "score":
        labels = np.load(sys.argv[4]) if len(sys.argv) > 4 else None
        print(json.dumps(score(np.load(sys.argv[2]), np.load(sys.argv[3]), labels, cache=sys.argv[2] + ".pdense.npy")),
              flush=True)
