#!/usr/bin/python3
"""Golden SciPy values for OnnxAblation.Importance tests.

Writes tests/OnnxAblation.Tests/Oracle/stats_golden_importance.json:
  - "stats": fixed vectors (with and without ties) and SciPy's mannwhitneyu (asymptotic with
    continuity correction, and exact where there are no ties), pearsonr and spearmanr;
  - "weights": per hidden unit of models/mnist-mlp-20-10 (trained vs init.onnx): incoming and
    outgoing weight statistics and mannwhitneyu(trained incoming, initial incoming);
    plus the analytic comparison of the trained incoming weights with U(-b, b), b = 1/sqrt(fan_in).

Run with /usr/bin/python3 (numpy, scipy, onnx) from the repository root.
"""
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from scipy import stats

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "OnnxAblation.Tests", "Oracle", "stats_golden_importance.json")


def f(v):
    v = float(v)
    return None if math.isnan(v) else v


def stat_cases():
    rng = np.random.default_rng(20190101)
    cases = [
        ("small-no-ties", [1.1, 2.3, 3.7, 4.2, 5.9], [0.5, 2.9, 6.1, 7.4]),
        ("small-ties", [1, 2, 2, 3, 5, 5, 5], [2, 3, 3, 4, 6, 7]),
        ("separated", [10, 11, 12, 13, 14, 15], [1, 2, 3, 4, 5, 6]),
        ("equal-medians-ties", [1, 1, 2, 2, 3, 3, 4, 4], [1, 2, 2, 3, 3, 4, 4, 4]),
        ("normal-30-25", list(np.round(rng.normal(0, 1, 30), 6)), list(np.round(rng.normal(0.4, 1.5, 25), 6))),
        ("rounded-ties-40", list(np.round(rng.normal(0, 1, 40), 1)), list(np.round(rng.normal(0.3, 1, 40), 1))),
        ("exact-9-11", list(np.round(rng.uniform(0, 10, 9), 4)), list(np.round(rng.uniform(2, 12, 11), 4))),
    ]
    out = []
    for name, x, y in cases:
        x = [float(v) for v in x]
        y = [float(v) for v in y]
        a = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True, method="asymptotic")
        case = {"name": name, "x": x, "y": y,
                "mwu_asymptotic": {"U": f(a.statistic), "p": f(a.pvalue)}}
        if len(set(x + y)) == len(x) + len(y):
            e = stats.mannwhitneyu(x, y, alternative="two-sided", method="exact")
            case["mwu_exact"] = {"U": f(e.statistic), "p": f(e.pvalue)}
        if len(x) == len(y):
            pr = stats.pearsonr(x, y)
            sr = stats.spearmanr(x, y)
            case["pearson"] = {"r": f(pr.statistic), "p": f(pr.pvalue)}
            case["spearman"] = {"r": f(sr.correlation), "p": f(sr.pvalue)}
        out.append(case)
    # correlation-only cases (paired vectors of equal length)
    n = 25
    x = np.round(rng.normal(0, 1, n), 5)
    corr = [
        ("linear-noise", x, np.round(0.6 * x + rng.normal(0, 0.8, n), 5)),
        ("monotone-nonlinear", x, np.round(np.exp(2 * x), 5)),
        ("ties-in-both", np.round(x, 0), np.round(x + rng.normal(0, 1, n), 0)),
        ("uncorrelated", x, np.round(rng.normal(0, 1, n), 5)),
        ("n3", np.array([1.0, 2.0, 4.0]), np.array([2.0, 1.0, 5.0])),
    ]
    for name, a, b in corr:
        pr = stats.pearsonr(a, b)
        sr = stats.spearmanr(a, b)
        out.append({"name": name, "x": [float(v) for v in a], "y": [float(v) for v in b],
                    "pearson": {"r": f(pr.statistic), "p": f(pr.pvalue)},
                    "spearman": {"r": f(sr.correlation), "p": f(sr.pvalue)}})
    return out


def wstats(w, threshold):
    w = np.asarray(w, dtype=np.float64)
    return {"l1": float(np.abs(w).sum()), "l2": float(np.sqrt((w * w).sum())), "mean": float(w.mean()),
            "std": float(w.std()), "maxAbs": float(np.abs(w).max()),
            "nearZero": float((np.abs(w) < threshold).mean()), "count": int(w.size)}


def weight_cases():
    def load(p):
        m = onnx.load(os.path.join(ROOT, p))
        return {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    trained = load("models/mnist-mlp-20-10/model.onnx")
    init = load("models/mnist-mlp-20-10/init.onnx")
    names = ["onnx::MatMul_17", "onnx::MatMul_18", "onnx::MatMul_19"]
    layers = []
    for li, (name, layer) in enumerate([(names[0], "/fc1/MatMul"), (names[1], "/fc2/MatMul")]):
        W = trained[name]          # [in, out]: unit j's incoming weights are column j
        W0 = init[name]
        Wn = trained[names[li + 1]]  # next layer [units, out]: unit j's outgoing weights are row j
        fan_in = W.shape[0]
        b = 1.0 / math.sqrt(fan_in)
        units = []
        for j in range(W.shape[1]):
            wi = W[:, j]
            mw = stats.mannwhitneyu(wi, W0[:, j], alternative="two-sided", use_continuity=True, method="asymptotic")
            n = wi.size
            F = np.clip((wi + b) / (2 * b), 0.0, 1.0)
            s = F.sum()
            z = (s - n / 2) / math.sqrt(n / 12)
            units.append({
                "unit": j,
                "incoming": wstats(wi, 1e-3 * np.abs(W).max()),
                "outgoing": wstats(Wn[j, :], 1e-3 * np.abs(Wn).max()),
                "mwu_init": {"U": f(mw.statistic), "p": f(mw.pvalue),
                             "r": f(2 * mw.statistic / (n * n) - 1)},
                "uniform_analytic": {"b": b, "U": float(n * s), "z": float(z),
                                     "p": float(2 * stats.norm.sf(abs(z))), "r": float(2 * s / n - 1)},
            })
        layers.append({"layer": layer, "weight": name, "units": units})
    return layers


def main():
    doc = {"generator": "tools/stats_golden_extra.py", "scipy": __import__("scipy").__version__,
           "numpy": np.__version__, "stats": stat_cases(), "weights": weight_cases()}
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
