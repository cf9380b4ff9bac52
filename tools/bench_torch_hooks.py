#!/usr/bin/env python3
"""Baseline for the engine benchmark: what a PyTorch user writes instead of OnnxAblation.

    /usr/bin/python3 tools/bench_torch_hooks.py [--json PATH] [--samples 1000] [--batch auto|1000|250]

Loads fmnist-vgg (models/fmnist-vgg/model.pt, eval mode, torch.set_num_threads(2)), takes the
first N Fashion-MNIST t10k images and runs a full single-unit zero-in sweep of EVERY hidden
unit (channels of conv1..conv5 = 16+16+32+32+64 and the 128 fc1 neurons = 288 ablations):
one forward pass over the N images per ablation (batch N, or chunks of 250), with a forward
hook on the ReLU after the unit's layer that sets the unit's activation to 0 in place, under
torch.no_grad(); per ablation the accuracy is computed (argmax vs labels), as a user would.
"--batch auto" times both batchings on the baseline pass and uses the faster for the sweep.
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

LAYERS = [("relu1", 16), ("relu2", 16), ("relu3", 32), ("relu4", 32), ("relu5", 64), ("relu_fc1", 128)]


@torch.no_grad()
def accuracy(model, x, y, batch):
    correct = 0
    for s in range(0, len(x), batch):
        correct += int((model(x[s:s + batch]).argmax(1) == y[s:s + batch]).sum())
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="write the results to this JSON file")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--batch", default="auto", help="auto, or a batch size")
    args = ap.parse_args()
    torch.set_num_threads(2)
    load_start = os.getloadavg()[0]
    model = R.load_trained("fmnist-vgg")
    x, y = R.load_fmnist("t10k")
    x, y = torch.from_numpy(x[:args.samples]), torch.from_numpy(y[:args.samples])

    with torch.no_grad():
        for _ in range(2):  # warm-up
            model(x)
    timings = {}
    cands = [args.samples, 250] if args.batch == "auto" else [int(args.batch)]
    for b in cands:
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            base_acc = accuracy(model, x, y, b)
            best = min(best, time.perf_counter() - t)
        timings[b] = best
    batch = min(timings, key=timings.get)
    baseline_s = timings[batch]

    accs = []
    t0 = time.perf_counter()
    for relu, n in LAYERS:
        mod = getattr(model, relu)
        for j in range(n):
            def hook(_m, _i, out, j=j):
                out[:, j] = 0.0  # in place: the zeroed tensor flows on
            h = mod.register_forward_hook(hook)
            accs.append(accuracy(model, x, y, batch))
            h.remove()
    sweep_s = time.perf_counter() - t0
    n_abl = len(accs)
    res = {
        "tool": "pytorch forward hooks (tools/bench_torch_hooks.py)",
        "model": "models/fmnist-vgg (torch module from model.pt, eval mode)",
        "ablations": n_abl,
        "samples": int(len(x)),
        "batch_size": batch,
        "seconds": sweep_s,
        "ablations_per_s": n_abl / sweep_s,
        "samples_per_s": n_abl * len(x) / sweep_s,
        "baseline_seconds": baseline_s,
        "baseline_seconds_by_batch": {str(k): v for k, v in timings.items()},
        "baseline_accuracy": base_acc,
        "ablation_accuracy_min": min(accs),
        "ablation_accuracy_mean": float(np.mean(accs)),
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
