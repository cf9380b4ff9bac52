#!/usr/bin/env python3
"""Independent oracle for the zoo corpus: ablations of real exporters' graphs, evaluated WITHOUT the engine.

    /usr/bin/python3 tools/corpus_oracle_zoo.py [NAME ...]      (default: all ten models)

Models: the nine Caffe2 exports materialised by tools/corpus_zoo.py (.cache/corpus/zoo/<name>.onnx, seeded weights)
and CNTK's ImageNet ResNet-18 backbone from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0
(~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/0.24.0/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx,
fetched by `dotnet restore tests/OnnxAblation.Tests` through a PackageDownload).  Evaluation: tools/zoo_interp.py,
a PyTorch interpreter of the ONNX ops these graphs use (not ONNX Runtime, not the C# engine).

DATA: tests/OnnxAblation.Tests/Fixtures/corpus/zoo_inputs.npy (uint8 [8,3,224,224]: the first 8 Fashion-MNIST t10k
images, each pixel repeated 8x8, copied to 3 channels) and zoo_labels.npy (their Fashion-MNIST labels).
Preprocessing, one per family, written as the engine's data-spec options (x <- (x*scale - mean[c]) / std[c], float32):
  * zoo (Caffe2): none - float = pixel, 0..255 (the seeded weights were calibrated on these inputs);
  * cntk (ResNet-18): mean=103.06262,115.902885,123.15163 - CNTK expects BGR 0..255 minus its mean image
    (ResNetPreprocess.onnx in the same package); these are that image's per-channel means; the images are gray, so
    the channel order does not matter.
Every model has a fixed batch-1 input: each sample runs alone.

UNITS: unit j of weight layer L (Conv: output channel j, Gemm: output neuron j).  `layer` = L's node name, or the
name of its weight input (input[1]) where the node has none.
  * zero-in: channel j of L's "unit tensor" is set to exactly 0.0 for every sample.  The unit tensor is L's output,
    or, where L's output is read only by a BatchNormalization and/or a Mul then Add by per-channel constants (Caffe's
    BatchNorm + Scale, e.g. DenseNet-121 and Inception-v2: BatchNormalization -> Mul(Unsqueeze(w)) -> Add(Unsqueeze(b))),
    the output of that affine chain (recorded as `unit_tensor`).
  * zero-out: the elements that carry channel j of the unit tensor are set to exactly 0.0 at the data input of every
    weight layer that reads them (followed through Relu, Dropout, LRN - as the channel itself -, per-channel affine
    ops by constants, pooling, Concat at its offset, Reshape/Transpose/Flatten - the block of features -, channel
    shuffle).  Where the channel is added (Add/Sum) to another tensor first, zero-out is not defined: such a case is
    recorded with `expect: "refused"` and the reason (the engine must refuse it).
Cases per model: 3-4 layers spread over the network (early, middle, late, a layer feeding a Concat, a layer before
Reshape -> Gemm, a Gemm of a classifier); units drawn by numpy default_rng([SEED, crc32(model)]); per layer 1-2
single units and 1 pair with zero-in, and 1 single + the pair with zero-out (VGG-19: 1 single + 1 pair zero-in,
1 single zero-out).

RECORDED per case and sample (classifiers, 1000 outputs): `predictions` (argmax, first index among equal maxima),
`top5` indices and `top5_values`, `l2` (L2 norm of the output vector), and `near_ties`: samples whose top-1 minus
top-2 output is below 1e-4 x (max - min of that sample's outputs) - for Softmax outputs the spread is about the top
probability, so this is a relative 1e-4 on the logit scale.  CNTK ResNet-18 (512 pooled features, no classes):
`features` per sample rounded to 6 significant digits, and `l2`.  Each model's file SHA-256 is recorded so a test can
tell a stale corpus from an engine bug.

Writes tests/OnnxAblation.Tests/Oracle/corpus_zoo.json.  Measured on the project's 2-core machine (torch 1 thread,
nice): about 7 minutes for all ten models (VGG-19 the largest part).
"""
import argparse
import hashlib
import json
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import onnx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo_interp as Z  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests/OnnxAblation.Tests/Fixtures/corpus"
OUT = ROOT / "tests/OnnxAblation.Tests/Oracle/corpus_zoo.json"
SEED = 20260902
TIE_EPS = 1e-4
NUGET_RESNET18 = "microsoft.ml.dnnimagefeaturizer.resnet18/0.24.0/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"
CNTK_MEAN = "103.06262,115.902885,123.15163"
BUILD_ZOO = "bash tools/setup.sh zoo"
BUILD_CNTK = "dotnet restore tests/OnnxAblation.Tests"

# layer selector (weight input name, or node name) -> (singles zero-in, pair, zero-out)
FULL = (2, True, True)
LAYERS = {
    "bvlc_alexnet": [("conv1_w_0", FULL), ("conv3_w_0", FULL), ("conv5_w_0", FULL), ("fc6_w_0", FULL)],
    "zfnet512": [("gpu_0/conv1_w_0", FULL), ("gpu_0/conv5_w_0", FULL), ("gpu_0/fc7_w_0", FULL)],
    "vgg19": [("conv1_1_w_0", (1, True, True)), ("conv5_4_w_0", (1, True, True)), ("fc6_w_0", (1, True, True))],
    "squeezenet": [("conv1_w_0", FULL), ("fire5/expand3x3_w_0", FULL), ("fire9/expand1x1_w_0", FULL)],
    "inception_v1": [("conv1/7x7_s2_w_0", FULL), ("inception_4c/3x3_w_0", FULL), ("inception_5b/pool_proj_w_0", FULL)],
    "inception_v2": [("conv1/7x7_s2_w_0", FULL), ("inception_4c/3x3_w_0", FULL), ("inception_5b/pool_proj_w_0", FULL)],
    "resnet50": [("gpu_0/conv1_w_0", FULL), ("gpu_0/res3_1_branch2a_w_0", FULL), ("gpu_0/res4_2_branch2c_w_0", FULL),
                 ("gpu_0/res5_2_branch2b_w_0", FULL)],
    "shufflenet": [("gpu_0/conv3_0_w_0", FULL), ("gpu_0/gconv1_0_w_0", FULL), ("gpu_0/gconv3_6_w_0", FULL),
                   ("gpu_0/gconv1_30_w_0", FULL)],
    "densenet121": [("conv1_w_0", FULL), ("conv2_3/x1_w_0", FULL), ("conv3_5/x2_w_0", FULL),
                    ("conv5_16/x2_w_0", FULL)],
    "cntk_resnet18": [("Convolution249", FULL), ("Convolution257", FULL), ("Convolution317", FULL),
                      ("Convolution387", FULL)],
}
MODELS = list(LAYERS)


def nuget_root():
    return Path(os.environ.get("NUGET_PACKAGES") or Path.home() / ".nuget/packages")


def model_path(name):
    if name == "cntk_resnet18":
        return nuget_root() / NUGET_RESNET18, "nuget:" + NUGET_RESNET18
    rel = f".cache/corpus/zoo/{name}.onnx"
    return ROOT / rel, rel


def sig(v, digits=6):
    return float(f"{float(v):.{digits - 1}e}")


def summarise(outputs, features):
    o = np.stack([np.asarray(v, dtype=np.float32).reshape(-1) for v in outputs])
    res = {"l2": [float(np.linalg.norm(r.astype(np.float64))) for r in o]}
    if features:
        res["features"] = [[sig(v) for v in r] for r in o]
        return res
    order = np.argsort(-o, axis=1, kind="stable")
    srt = np.sort(o, axis=1)
    gap = srt[:, -1] - srt[:, -2]
    spread = srt[:, -1] - srt[:, 0]
    res["predictions"] = [int(np.argmax(r)) for r in o]
    res["near_ties"] = [int(i) for i in np.nonzero(gap < TIE_EPS * spread)[0]]
    res["top5"] = [[int(i) for i in r[:5]] for r in order]
    res["top5_values"] = [[float(o[s, i]) for i in order[s, :5]] for s in range(len(o))]
    return res


def evaluate(graph, xs, zero_after=None, input_masks=None):
    return [graph.run(torch.from_numpy(xs[s:s + 1]), zero_after, input_masks)[0].numpy() for s in range(len(xs))]


def oracle(name):
    t0 = time.time()
    path, rel = model_path(name)
    if not path.exists():
        sys.exit(f"corpus_oracle_zoo: {path} missing; run: {BUILD_CNTK if name == 'cntk_resnet18' else BUILD_ZOO}")
    model = onnx.load(str(path))
    graph = Z.Graph(model)
    xs = np.load(FIXTURES / "zoo_inputs.npy").astype(np.float32)
    labels = np.load(FIXTURES / "zoo_labels.npy")
    options = ""
    if name == "cntk_resnet18":
        options = "mean=" + CNTK_MEAN
        mean = np.array([float(m) for m in CNTK_MEAN.split(",")], dtype=np.float32)
        xs = (xs * np.float32(1) - mean[None, :, None, None]) / np.float32(1)
    features = name == "cntk_resnet18"
    shapes = Z.shapes_of(graph, torch.from_numpy(xs[:1]))
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode())])

    layers, cases = [], []
    for selector, (n_single, pair, zero_out) in LAYERS[name]:
        hits = [i for i, n in enumerate(graph.nodes) if n.op_type in Z.WEIGHT_OPS and selector in (n.name, n.input[1])]
        if len(hits) != 1:
            raise SystemExit(f"{name}: selector {selector} matches nodes {hits}")
        i = hits[0]
        node = graph.nodes[i]
        lname = Z.layer_name(node)
        unit_t, chain = Z.unit_tensor(graph, i)
        n_units = shapes[node.output[0]][1]
        probe_masks, problem = Z.zero_out_masks(graph, unit_t, [0], shapes)
        if problem is None and not probe_masks:
            problem = "no weight layer reads its units"
        consumers = sorted({Z.layer_name(graph.nodes[k]) for k, _ in probe_masks})
        layers.append({"layer": lname, "op": node.op_type, "weight": node.input[1], "units": n_units,
                       "unit_tensor": unit_t, "affine_after": [graph.nodes[k].op_type for k in chain],
                       "zero_out_consumers": consumers, "zero_out_problem": problem})
        singles = sorted(int(u) for u in rng.choice(n_units, n_single, replace=False))
        the_pair = sorted(int(u) for u in rng.choice(n_units, 2, replace=False)) if pair else None
        plan = [([u], "zero-in") for u in singles] + ([(the_pair, "zero-in")] if pair else [])
        if zero_out:
            plan += [([singles[0]], "zero-out")] + ([(the_pair, "zero-out")] if pair else [])
        for units, mode in plan:
            case = {"layer": lname, "units": units, "mode": mode}
            if mode == "zero-in":
                case["expect"] = "outputs"
                case.update(summarise(evaluate(graph, xs, zero_after={unit_t: units}), features))
            elif problem is not None:
                case["expect"] = "refused"
                case["reason"] = problem
                if any(c["layer"] == lname and c.get("expect") == "refused" for c in cases):
                    continue
            else:
                masks, _ = Z.zero_out_masks(graph, unit_t, units, shapes)
                case["expect"] = "outputs"
                case.update(summarise(evaluate(graph, xs, input_masks=masks), features))
            cases.append(case)
        print(f"  {name}: {lname} ({node.op_type}, {n_units} units, unit tensor {unit_t}) "
              f"zero-out: {problem or ', '.join(consumers)}", flush=True)

    baseline = summarise(evaluate(graph, xs), features)
    entry = {"name": name, "file": rel, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
             "build": BUILD_CNTK if features else BUILD_ZOO, "data_options": options,
             "kind": "features" if features else "classifier", "n_samples": int(len(xs)),
             "labels": [int(v) for v in labels], "layers": layers, "baseline": baseline, "cases": cases,
             "seconds": round(time.time() - t0, 1)}
    print(f"  {name}: {len(cases)} cases, baseline predictions {baseline.get('predictions')}, "
          f"{entry['seconds']} s", flush=True)
    return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", default=MODELS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    previous = json.loads(OUT.read_text())["models"] if OUT.exists() else []
    entries = {e["name"]: e for e in previous}
    for name in args.names:
        entries[name] = oracle(name)
    doc = {
        "generator": "tools/corpus_oracle_zoo.py",
        "interpreter": "tools/zoo_interp.py (PyTorch, float32)",
        "inputs": "tests/OnnxAblation.Tests/Fixtures/corpus/zoo_inputs.npy",
        "labels": "tests/OnnxAblation.Tests/Fixtures/corpus/zoo_labels.npy",
        "tie_eps": TIE_EPS,
        "tie_rule": "top1 - top2 < tie_eps * (max - min) of the sample's outputs",
        "models": [entries[m] for m in MODELS if m in entries],
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"corpus_oracle_zoo: {OUT} ({OUT.stat().st_size // 1024} KB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
