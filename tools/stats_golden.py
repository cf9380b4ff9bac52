#!/usr/bin/env python3
"""Golden values from SciPy for the C# statistics code.

    /usr/bin/python3 tools/stats_golden.py   ->  tests/OnnxAblation.Tests/Oracle/stats_golden.json

(i)  fixed small vectors (written into the JSON): Mann-Whitney U (two-sided; asymptotic with
     continuity correction; plus exact for no-ties cases), rank-biserial r = 2*U/(n1*n2) - 1
     (U = statistic for x), Spearman and Pearson r with two-sided p.
(ii) models/mnist-mlp-20-10: for each hidden unit of the first two layers (/fc1/MatMul: 20 units,
     /fc2/MatMul: 10 units), Mann-Whitney U test of the unit's TRAINED incoming weights (x, from
     model.onnx) vs the SAME unit's INITIAL incoming weights (y, from init.onnx), two-sided,
     asymptotic, continuity-corrected; plus L1, L2, mean, std (population, ddof=0), max|w| of
     the trained and of the initial incoming weights.  Weights are read from the ONNX
     initializers as float32 and converted to float64 before any computation.
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_models as R  # noqa: E402


def mwu(x, y, method="asymptotic"):
    r = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True, method=method)
    u = float(r.statistic)
    return {"U": u, "p": float(r.pvalue), "rank_biserial": 2.0 * u / (len(x) * len(y)) - 1.0}


def desc(w):
    w = np.asarray(w, dtype=np.float64)
    return {"l1": float(np.abs(w).sum()), "l2": float(np.sqrt((w * w).sum())), "mean": float(w.mean()),
            "std": float(w.std(ddof=0)), "max_abs": float(np.abs(w).max()), "n": int(w.size)}


def vector_cases():
    rng = np.random.default_rng(7)
    cases = [
        ("small_no_ties", [1.1, 2.3, 0.7, 4.5, 3.2, 5.6], [5.1, 6.0, 2.9, 7.4, 6.6], True),
        ("small_no_ties_2", [0.12, 0.45, 0.33, 0.91], [0.05, 0.51, 0.60, 0.72, 0.88, 0.99, 0.41], True),
        ("with_ties", [1, 2, 2, 3, 3, 3, 4, 7], [2, 3, 3, 5, 5, 6, 8], False),
        ("ties_across_and_within", [0.5, 0.5, 1.0, 1.0, 1.0, 2.0, 3.5, 3.5, 4.0, 9.0],
         [1.0, 2.0, 2.0, 3.5, 5.0, 5.0, 6.0, 7.5, 9.0, 9.0, 10.0, 11.0], False),
        ("medium_random", [float(v) for v in np.round(rng.normal(0.0, 1.0, 25), 4)],
         [float(v) for v in np.round(rng.normal(0.4, 1.2, 30), 4)], False),
    ]
    out = []
    for name, x, y, exact in cases:
        c = {"name": name, "x": x, "y": y,
             "mannwhitneyu_asymptotic_continuity": mwu(x, y)}
        if exact:
            c["mannwhitneyu_exact"] = mwu(x, y, "exact")
        out.append(c)
    corr_cases = [
        ("paired_no_ties", [1.0, 2.5, 3.1, 4.8, 5.0, 6.2, 7.7, 8.1],
         [2.1, 2.0, 3.9, 4.1, 6.5, 5.9, 8.8, 7.9]),
        ("paired_with_ties", [1, 2, 2, 3, 4, 4, 4, 5, 6, 7],
         [3, 1, 2, 2, 5, 4, 6, 6, 6, 9]),
        ("paired_negative", [0.1, 0.4, 0.35, 0.8, 0.95, 1.3, 1.6],
         [9.0, 7.5, 8.1, 4.2, 5.0, 1.1, 0.3]),
        ("paired_random_30", [float(v) for v in np.round(rng.normal(0, 1, 30), 4)], None),
    ]
    corr = []
    for name, x, y in corr_cases:
        if y is None:
            y = [float(v) for v in np.round(0.5 * np.asarray(x) + rng.normal(0, 1, len(x)), 4)]
        s = stats.spearmanr(x, y)
        p = stats.pearsonr(x, y)
        corr.append({"name": name, "x": x, "y": y,
                     "spearman": {"r": float(s.correlation), "p": float(s.pvalue)},
                     "pearson": {"r": float(p[0]), "p": float(p[1])}})
    return out, corr


def weight_cases():
    import onnx
    from onnx import numpy_helper
    import torch
    name = "mnist-mlp-20-10"
    d = R.MODELS / name

    def inits(f):
        g = onnx.load(str(d / f)).graph
        return g, {i.name: numpy_helper.to_array(i) for i in g.initializer}

    gt, wt = inits("model.onnx")
    gi, wi = inits("init.onnx")
    sd_t = torch.load(d / "model.pt")
    sd_i = torch.load(d / "init.pt")
    layers = []
    for torch_name, node_name in (("fc1", "/fc1/MatMul"), ("fc2", "/fc2/MatMul")):
        nt = next(n for n in gt.node if n.name == node_name)
        ni = next(n for n in gi.node if n.name == node_name)
        assert nt.op_type == "MatMul" and ni.op_type == "MatMul"
        bt, bi = wt[nt.input[1]], wi[ni.input[1]]  # [in, out]
        # cross-check against torch weights ([out, in]): unit j's incoming weights = column j of B
        assert np.array_equal(bt, sd_t[f"{torch_name}.weight"].numpy().T)
        assert np.array_equal(bi, sd_i[f"{torch_name}.weight"].numpy().T)
        units = []
        for j in range(bt.shape[1]):
            x = bt[:, j].astype(np.float64)
            y = bi[:, j].astype(np.float64)
            units.append({"unit": j, "mannwhitneyu_trained_vs_init": mwu(x, y),
                          "trained": desc(x), "init": desc(y)})
        layers.append({"onnx_node": node_name, "op_type": "MatMul",
                       "initializer_trained": nt.input[1], "initializer_init": ni.input[1],
                       "initializer_shape": list(bt.shape),
                       "incoming_weights_of_unit_j": "column j of the MatMul B initializer [in, out], i.e. B[:, j] "
                                                     "(= row j of the torch weight [out, in])",
                       "units": units})
    return {"model": f"models/{name}/model.onnx", "init_model": f"models/{name}/init.onnx", "layers": layers}


def main():
    mw, corr = vector_cases()
    doc = {
        "scipy": scipy.__version__,
        "conventions": {
            "mannwhitneyu": "scipy.stats.mannwhitneyu(x, y, alternative='two-sided', use_continuity=True, "
                            "method='asymptotic' or 'exact'); U = statistic for x = R_x - n1(n1+1)/2 "
                            "(midranks for ties; asymptotic variance tie-corrected)",
            "rank_biserial": "2*U/(n1*n2) - 1 (positive when x tends to be larger than y)",
            "spearman": "scipy.stats.spearmanr(x, y): r and two-sided p (t-distribution, n-2 dof)",
            "pearson": "scipy.stats.pearsonr(x, y): r and two-sided p (exact beta distribution)",
            "std": "population standard deviation (ddof=0)",
            "weights": "float32 initializers converted to float64 before computing",
        },
        "mannwhitneyu_cases": mw,
        "correlation_cases": corr,
        "mnist_mlp_weights_trained_vs_init": weight_cases(),
    }
    R.ORACLE.mkdir(parents=True, exist_ok=True)
    out = R.ORACLE / "stats_golden.json"
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {out.relative_to(R.ROOT)}")
    for c in mw:
        print(f"  {c['name']}: {c['mannwhitneyu_asymptotic_continuity']}")
    for layer in doc["mnist_mlp_weights_trained_vs_init"]["layers"]:
        ps = [u["mannwhitneyu_trained_vs_init"]["p"] for u in layer["units"]]
        print(f"  {layer['onnx_node']}: {len(ps)} units, p min {min(ps):.3g} max {max(ps):.3g}")


if __name__ == "__main__":
    main()
