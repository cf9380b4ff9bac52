#!/usr/bin/env python3
"""Independent oracle for the effects of an ablation against the intact model (agreement, KL, drift ...).

    /usr/bin/python3 tools/effect_oracle.py      # writes tests/OnnxAblation.Tests/Oracle/effects.json

For mnist-mlp-20-10 (LogSoftmax output, 2,000 test digits) and fmnist-vgg (logits, first 300 test images), a few
single units and a pair are zeroed with PyTorch forward hooks exactly as tools/ablation_oracle.py does (the ReLU
after the unit's layer returns a copy with the channel set to 0), and the outputs are compared with the intact
model's in float64 with NumPy:
  agreement        mean over samples of [argmax y' == argmax y]
  class_agreement  the same per class predicted by the intact model (null where it predicts none)
  kl               mean KL(softmax(y) || softmax(y')) in nats (log-softmax of the raw outputs)
  top_score_change mean of y'[t] - y[t], t = argmax y
  drift            mean of ||y' - y|| / ||y||
  cosine           mean of <y, y'> / (||y|| ||y'||)
The C# engine must equal these within 1e-5 relative (EffectOracleTests).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_models as R  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "OnnxAblation.Tests" / "Oracle" / "effects.json"
CASES = {
    "mnist-mlp-20-10": dict(n=2000, onnx="model.onnx", hooks=[("fc1", "relu1", [18]), ("fc1", "relu1", [3, 8]), ("fc2", "relu2", [5])]),
    "fmnist-vgg": dict(n=300, onnx="model-folded.onnx", hooks=[("conv2", "relu2", [3]), ("conv1", "relu1", [0, 5]), ("fc1", "relu_fc1", [7])]),
}


@torch.no_grad()
def outputs(model, x, hook_mod=None, chans=()):
    handle = None
    if hook_mod is not None:
        idx = torch.tensor(sorted(chans), dtype=torch.long)

        def hook(_m, _i, out):
            out = out.clone()
            out[:, idx] = 0.0
            return out
        handle = getattr(model, hook_mod).register_forward_hook(hook)
    try:
        return model(torch.from_numpy(x)).double().numpy()
    finally:
        if handle is not None:
            handle.remove()


def log_softmax(z):
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def effects(y, y2):
    t, t2 = y.argmax(1), y2.argmax(1)
    k = y.shape[1]
    lp, lq = log_softmax(y), log_softmax(y2)
    norm = np.linalg.norm(y, axis=1)
    norm2 = np.linalg.norm(y2, axis=1)
    cls = []
    for c in range(k):
        sel = t == c
        cls.append(float((t2[sel] == c).mean()) if sel.any() else None)
    return {
        "agreement": float((t == t2).mean()),
        "class_agreement": cls,
        "kl": float((np.exp(lp) * (lp - lq)).sum(axis=1).mean()),
        "top_score_change": float((y2[np.arange(len(t)), t] - y[np.arange(len(t)), t]).mean()),
        "drift": float((np.linalg.norm(y2 - y, axis=1) / norm).mean()),
        "cosine": float(((y * y2).sum(axis=1) / (norm * norm2)).mean()),
    }


def main():
    torch.set_num_threads(2)
    doc = {"tolerance_relative": 1e-5, "models": []}
    for name, spec in CASES.items():
        model = R.load_trained(name)
        x, y = R.load_test_data(name)
        x = x[:spec["n"]]
        intact = outputs(model, x)
        nodes = [n for n, _, _ in R.onnx_weight_nodes(R.MODELS / name / spec["onnx"])]
        cases = []
        for mod, hook_mod, chans in spec["hooks"]:
            layer = [n for n in nodes if n.split("/")[1] == mod]
            assert len(layer) == 1, (mod, nodes)
            cases.append({"layer": layer[0], "units": chans, **effects(intact, outputs(model, x, hook_mod, chans))})
        doc["models"].append({"name": name, "onnx": f"models/{name}/{spec['onnx']}", "n_samples": spec["n"], "cases": cases})
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
