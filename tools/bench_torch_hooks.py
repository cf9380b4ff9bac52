#!/usr/bin/env python3
"""Baseline for the engine benchmark: what a PyTorch user writes instead of OnnxAblation.

    /usr/bin/python3 tools/bench_torch_hooks.py [--model fmnist-vgg] [--json PATH] [--samples 1000]
        [--layers L1,L2] [--units-per-layer N] [--batch auto|N] [--whole-process]

A single-unit zero-in sweep: one forward pass over the N images per ablation (batch N, or chunks of 250), with a
forward hook that sets the unit's activation to 0 in place, under torch.no_grad(); per ablation the accuracy is
computed (argmax vs labels), as a user would.  torch.set_num_threads(2).  "--batch auto" times both batchings on the
baseline pass and uses the faster for the sweep; "--whole-process" skips warm-up and that timing (batch N), so the
process does only what a user's script does: import torch, load the model and data, sweep.

Models and what is zeroed (the ONNX graphs' zero-in units: the unit's output after its BatchNorm is exactly 0):
  fmnist-vgg          models/fmnist-vgg/model.pt; the ReLU after each hidden layer (conv1..conv5, fc1: 288 units)
  fmnist-resnet-tiny  models/fmnist-resnet-tiny/model.pt; the hook points of tools/ablation_oracle.py (72 units)
  resnet18-224        .cache/resnet18-224/model.pt (tools/resnet18_224.py); the BatchNorm after each named conv;
                      data .cache/resnet18-224/t10k-x.npy (x * float32(1/255), as the engine's npy spec feeds it);
                      default layers: conv1 of the first block of each stage
Fashion-MNIST models use the first N t10k images.  --layers takes the ONNX node names the engine uses
(e.g. /layer1/layer1.0/conv1/Conv); --units-per-layer N ablates only the first N units of each layer (the rate is per
ablation: every ablation is one full pass, whatever the layer).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference_models as R  # noqa: E402

VGG = [("conv1", "relu1", 16), ("conv2", "relu2", 16), ("conv3", "relu3", 32), ("conv4", "relu4", 32),
       ("conv5", "relu5", 64), ("fc1", "relu_fc1", 128)]
RESNET18_DEFAULT = ["/layer1/layer1.0/conv1/Conv", "/layer2/layer2.0/conv1/Conv",
                    "/layer3/layer3.0/conv1/Conv", "/layer4/layer4.0/conv1/Conv"]


@torch.no_grad()
def accuracy(model, x, y, batch):
    correct = 0
    for s in range(0, len(x), batch):
        correct += int((model(x[s:s + batch]).argmax(1) == y[s:s + batch]).sum())
    return correct / len(x)


def module(model, dotted):
    m = model
    for part in dotted.split("."):
        m = getattr(m, part)
    return m


def torch_name(onnx_node):
    """'/layer1/layer1.0/conv1/Conv' -> 'layer1.0.conv1'; '/conv1/Conv' -> 'conv1'."""
    parts = [p for p in onnx_node.split("/") if p][:-1]
    return parts[-2] + "." + parts[-1] if len(parts) >= 2 else parts[-1]


def resnet_hook(conv):
    """The BatchNorm after a torchvision resnet conv: convN -> bnN, downsample.0 -> downsample.1."""
    head, _, last = conv.rpartition(".")
    if last == "0" and head.endswith("downsample"):
        return head + ".1"
    assert last.startswith("conv"), conv
    return (head + "." if head else "") + "bn" + last[4:]


def points(name, model, layers):
    """[(hook module, channel offset, units)] of the layers to sweep."""
    if name == "fmnist-vgg":
        chosen = [v for v in VGG if layers is None or any(f"/{v[0]}/" in l for l in layers)]
        return [(module(model, relu), 0, n) for _, relu, n in chosen]
    if name == "fmnist-resnet-tiny":
        import ablation_oracle as O
        hidden = O.HIDDEN[name]
        if layers is not None:
            hidden = [h for h in hidden if any(f"/{h[0]}/" in l for l in layers)]
        return [(module(model, hook), off, O.n_units(model, mod)) for mod, hook, off, _ in hidden]
    if name == "resnet18-224":
        out = []
        for l in layers or RESNET18_DEFAULT:
            conv = torch_name(l)
            out.append((module(model, resnet_hook(conv)), 0, module(model, conv).out_channels))
        return out
    sys.exit(f"unknown model {name}: fmnist-vgg, fmnist-resnet-tiny, resnet18-224")


def load(name, samples):
    if name == "resnet18-224":
        import resnet18_224 as N
        model = N.load()
        x = np.load(N.DEFAULT_OUT / "t10k-x.npy", mmap_mode="r")[:samples]
        y = np.load(N.DEFAULT_OUT / "t10k-y.npy")[:samples]
        return model, N.to_float(np.ascontiguousarray(x)), torch.from_numpy(y)
    model = R.load_trained(name)
    x, y = R.load_fmnist("t10k")
    return model, torch.from_numpy(x[:samples]), torch.from_numpy(y[:samples])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fmnist-vgg")
    ap.add_argument("--json", help="write the results to this JSON file")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--batch", default="auto", help="auto, or a batch size")
    ap.add_argument("--layers", help="comma-separated ONNX node names (default: every hidden layer; resnet18-224: one per stage)")
    ap.add_argument("--units-per-layer", type=int, help="only the first N units of each layer")
    ap.add_argument("--whole-process", action="store_true", help="no warm-up, no batch timing: batch = samples")
    args = ap.parse_args()
    t_start = time.perf_counter()
    torch.set_num_threads(2)
    load_start = os.getloadavg()[0]
    model, x, y = load(args.model, args.samples)
    hooks = points(args.model, model, args.layers.split(",") if args.layers else None)

    timings = {}
    if args.whole_process:
        batch = len(x) if args.batch == "auto" else int(args.batch)
        base_acc = None
    else:
        with torch.no_grad():
            for _ in range(2):  # warm-up
                model(x[:250])
        cands = [len(x), 250] if args.batch == "auto" else [int(args.batch)]
        for b in cands:
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                base_acc = accuracy(model, x, y, b)
                best = min(best, time.perf_counter() - t)
            timings[b] = best
        batch = min(timings, key=timings.get)

    accs = []
    t0 = time.perf_counter()
    for mod, off, n in hooks:
        for j in range(min(n, args.units_per_layer or n)):
            def hook(_m, _i, out, c=off + j):
                out[:, c] = 0.0  # in place: the zeroed tensor flows on
            h = mod.register_forward_hook(hook)
            accs.append(accuracy(model, x, y, batch))
            h.remove()
    sweep_s = time.perf_counter() - t0
    n_abl = len(accs)
    res = {
        "tool": "pytorch forward hooks (tools/bench_torch_hooks.py)",
        "model": args.model,
        "layers": args.layers.split(",") if args.layers else None,
        "units_per_layer": args.units_per_layer,
        "ablations": n_abl,
        "samples": int(len(x)),
        "batch_size": batch,
        "seconds": sweep_s,
        "ablations_per_s": n_abl / sweep_s,
        "samples_per_s": n_abl * len(x) / sweep_s,
        "baseline_seconds": timings.get(batch),
        "baseline_seconds_by_batch": {str(k): v for k, v in timings.items()},
        "baseline_accuracy": base_acc,
        "ablation_accuracy_min": min(accs),
        "ablation_accuracy_mean": float(np.mean(accs)),
        "in_process_seconds": time.perf_counter() - t_start,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "loadavg_1min_start": load_start,
        "loadavg_1min_end": os.getloadavg()[0],
    }
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
