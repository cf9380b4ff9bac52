#!/usr/bin/env python3
"""The fast path's linear update against its masked fast path, measured in one run (tools/benchmarks/linear-update.tsv).

For each case, the same `onnx-ablate sweep` twice, one right after the other: with the default linear update (a layer
whose first consumer is a Conv, Gemm or MatMul after ReLU/pooling/Flatten is cut after that consumer and the ablated
units' contribution is subtracted from its intact output) and with `--no-linear-update` (the unit tensor is masked and
the consumer recomputed). Per layer: the sum of the store's per-ablation seconds, and whether every ablation's
per-sample correctness (the store's `correct` blob) and accuracy are identical between the two. Ratio = masked seconds /
linear-update seconds. One ONNX Runtime thread (a machine shared with other benchmarks disturbs the ratio
less). The run fails (exit 1) if any result differs.

Usage: python3 tools/bench_linear_update.py [OUT.tsv]   (Release build; the 0.96 GB wide model is made in .cache/wide-150000
by tools/make_wide_model.py with Debian's python3-onnx when missing; resnet18-224 needs tools/setup.sh resnet18-224)
"""
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = ["dotnet", os.path.join(ROOT, "src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll")]
FMNIST = "idx:/usr/share/datasets/fashion-mnist/t10k"
R224 = "npy:.cache/resnet18-224/t10k-x.npy,.cache/resnet18-224/t10k-y.npy?scale=0.00392156862745098"
WIDE = ".cache/wide-150000/wide.onnx"

# name, model, data, images, extra sweep arguments
CASES = [
    ("fmnist-mlp", "models/fmnist-mlp/model.onnx", FMNIST, 2000, []),
    ("fmnist-vgg", "models/fmnist-vgg/model-folded.onnx", FMNIST, 2000, []),
    ("fmnist-resnet-tiny", "models/fmnist-resnet-tiny/model-folded.onnx", FMNIST, 2000, []),
    ("resnet18-224", ".cache/resnet18-224/model.onnx", R224, 32, ["--layers", "/layer4/layer4.0/conv1/Conv", "--memory", "2G"]),
    ("wide-0.96GB", WIDE, FMNIST, 200, ["--layers", "none"] + sum((["--group", f"/fc1a/MatMul:{u}"] for u in range(0, 150000, 150000 // 32)), [])),
]

SHAPES = {"resnet18-224": "3,224,224", "wide-0.96GB": None}  # per-sample shape for `inspect` (default 1,28,28)


def sweep(model, data, images, extra, store, linear):
    args = CLI + ["sweep", os.path.join(ROOT, model), "--data", data, "--limit", str(images), "--store", store, "--threads", "1"] + extra
    if not linear:
        args.append("--no-linear-update")
    load = os.getloadavg()[0]
    start = time.monotonic()
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    with sqlite3.connect(store) as c:
        rows = c.execute("SELECT key, units, seconds, correct, accuracy FROM ablations WHERE study != 'baseline'").fetchall()
    return wall, load, {r[0]: r for r in rows}


def updates(model, shape, work):
    """Per layer, how the fast path applies an ablation by default (`inspect --paths-tsv`): mask or linear update."""
    tsv = os.path.join(work, "paths.tsv")
    subprocess.run(CLI + ["inspect", os.path.join(ROOT, model), "--paths-tsv", tsv] + (["--sample-shape", shape] if shape else []),
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with open(tsv, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return {r[0]: r[4] if len(r) > 4 else "" for r in rows}


def layer_of(units):
    return json.loads(units)[0]["layer"]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tools/benchmarks/linear-update.tsv")
    if not os.path.exists(os.path.join(ROOT, WIDE)):
        os.makedirs(os.path.join(ROOT, os.path.dirname(WIDE)), exist_ok=True)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools/make_wide_model.py"), "150000", os.path.join(ROOT, os.path.dirname(WIDE))], check=True)
    out = []
    bad = False
    with tempfile.TemporaryDirectory() as work:
        for name, model, data, images, extra in CASES:
            lin_wall, lin_load, lin = sweep(model, data, images, extra, os.path.join(work, name + "-linear.db"), True)
            mask_wall, mask_load, mask = sweep(model, data, images, extra, os.path.join(work, name + "-mask.db"), False)
            if set(lin) != set(mask):
                sys.exit(f"{name}: the two sweeps stored different ablations")
            update = updates(model, SHAPES.get(name, "1,28,28"), work)
            layers = {}
            for key, r in lin.items():
                m = mask[key]
                entry = layers.setdefault(layer_of(r[1]), [0, 0.0, 0.0, True])
                entry[0] += 1
                entry[1] += r[2] or 0.0
                entry[2] += m[2] or 0.0
                entry[3] &= r[3] == m[3] and r[4] == m[4]
            for layer, (n, lin_s, mask_s, same) in layers.items():
                bad |= not same
                out.append([name, layer, update.get(layer, "?"), n, images, f"{lin_s:.3f}", f"{mask_s:.3f}", f"{mask_s / lin_s:.2f}" if lin_s > 0 else "-",
                            "yes" if same else "NO", f"{lin_wall:.1f}", f"{mask_wall:.1f}", f"{lin_load:.2f}", f"{mask_load:.2f}",
                            datetime.date.today().isoformat()])
                print("\t".join(map(str, out[-1])), flush=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("model\tlayer\tupdate\tablations\timages\tlinear_update_seconds\tmask_seconds\tratio\tidentical\t"
                "linear_process_seconds\tmask_process_seconds\tload_before_linear\tload_before_mask\tdate\n")
        for r in out:
            f.write("\t".join(map(str, r)) + "\n")
    print("wrote " + path)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
