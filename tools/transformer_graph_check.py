#!/usr/bin/env python3
"""Cross-check tools/transformer_oracle.py against the ONNX graphs by weight surgery + the C# engine.

    /usr/bin/python3 tools/transformer_graph_check.py [path/to/onnx-ablate]

For a few ablations of each reference transformer, writes an ablated copy of models/<name>/model.onnx
(in a temp dir) by editing initializers only, using the names in Oracle/transformers.json "graph",
then runs `onnx-ablate eval <copy> --data idx:/usr/share/datasets/fashion-mnist/t10k --limit 1000`
and compares its accuracy with the oracle's.  The edits document how (layer, head) / MLP units /
blocks map onto graph tensors:

  head h of layer L (context channels c in [h*d, (h+1)*d)), out_proj weight W, bias b:
    ViT  out_proj = Gemm transB=1, W is [out, in] (torch layout): context channel c = COLUMN c
    BERT out_proj = MatMul,        W is [in, out] (transposed):   context channel c = ROW c
    zero: those columns/rows := 0;  mean: b += W[.., c] * mean_context[L][c] summed over c, then := 0
  MLP unit j of layer L (fc1 = MatMul [in, out] + Add bias): column j of the weight := 0 and
    bias[j] := 0 (zero) or mean_mlp_pre[L][j] (mean)
  attn_block L: out_proj weight and bias := 0;  mlp_block L: fc2 weight and bias := 0
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper as nh

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "OnnxAblation.Tests" / "Oracle" / "transformers.json"
CLI = ROOT / "src" / "OnnxAblation.Cli" / "bin" / "Release" / "net10.0" / "onnx-ablate"


def edit(model, m, ab):
    inits = {i.name: i for i in model.graph.initializer}

    def get(n):
        return nh.to_array(inits[n]).astype(np.float32).copy()

    def put(n, a):
        inits[n].CopyFrom(nh.from_array(a.astype(np.float32), n))

    d = m["head_size"]
    if ab["target"] == "heads":
        for li, h in ab["units"]:
            op = m["graph"][li]["out_proj"]
            W, b = get(op["weight"]), get(op["bias"])
            sl = slice(h * d, (h + 1) * d)
            mu = np.asarray(m["means"]["context"][li], dtype=np.float32)[sl]
            if op["op"] == "Gemm":
                if ab["mode"] == "mean":
                    b = b + W[:, sl] @ mu
                W[:, sl] = 0
            else:
                if ab["mode"] == "mean":
                    b = b + mu @ W[sl, :]
                W[sl, :] = 0
            put(op["weight"], W)
            put(op["bias"], b)
    elif ab["target"] == "mlp_units":
        for li, j in ab["units"]:
            op = m["graph"][li]["fc1"]
            W, b = get(op["weight"]), get(op["bias"])
            W[:, j] = 0
            b[j] = 0 if ab["mode"] == "zero" else m["means"]["mlp_pre"][li][j]
            put(op["weight"], W)
            put(op["bias"], b)
    else:
        for li in ab["units"]:
            op = m["graph"][li]["out_proj" if ab["target"] == "attn_block" else "fc2"]
            put(op["weight"], 0 * get(op["weight"]))
            put(op["bias"], 0 * get(op["bias"]))


def main():
    cli = Path(sys.argv[1]) if len(sys.argv) > 1 else CLI
    doc = json.loads(ORACLE.read_text())
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for m in doc["models"]:
            picks = [a for a in m["ablations"] if a["group"] == "pair"][:2]
            picks += [a for a in m["ablations"] if a["group"] == "block"]
            picks += [a for a in m["ablations"] if a["group"] == "single"][::9]
            picks += [a for a in m["ablations"] if a["group"] == "cumulative"][-1:]
            for ab in picks:
                g = onnx.load(str(ROOT / m["onnx"]))
                edit(g, m, ab)
                p = Path(tmp) / "m.onnx"
                onnx.save(g, str(p))
                out = subprocess.run([str(cli), "eval", str(p), "--data", doc["data"], "--limit",
                                      str(doc["n_samples"])], capture_output=True, text=True).stdout
                acc = float(re.search(r"samples \d+, accuracy ([0-9.]+)%", out).group(1)) / 100
                ok = abs(acc - ab["accuracy"]) <= 1.5 / doc["n_samples"]
                bad += not ok
                print(f"{m['model']:12s} {ab['name']:30s} oracle {ab['accuracy']:.3f} engine {acc:.3f} "
                      f"{'ok' if ok else 'MISMATCH'}", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
