#!/usr/bin/env python3
"""Whole-process speed against the PyTorch forward-hook loop, measured in one run (tools/benchmarks/whole-process.tsv).

For each model: the single-unit zero-in sweep of every hidden unit on the first N Fashion-MNIST test images, as a
whole `onnx-ablate sweep` process (start-up, model and data loading, baseline, store writes and report included) and
as a whole `tools/bench_torch_hooks.py --whole-process` process (Debian's PyTorch with OpenBLAS, 2 threads: import
torch, load the model and data, one forward pass with a zeroing hook per ablation), one after the other. Ratio = PyTorch
wall seconds / engine wall seconds. load_before is the 1-minute load average when each started (a shared machine).

Usage: python3 tools/bench_whole_process.py [SAMPLES] [OUT.tsv]   (build OnnxAblation.sln -c Release first)
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = ["dotnet", os.path.join(ROOT, "src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll")]
DATA = "idx:/usr/share/datasets/fashion-mnist/t10k"
MODELS = [("fmnist-vgg", "models/fmnist-vgg/model-folded.onnx"), ("fmnist-resnet-tiny", "models/fmnist-resnet-tiny/model-folded.onnx")]


def timed(args):
    load = os.getloadavg()[0]
    start = time.monotonic()
    out = subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout
    return time.monotonic() - start, load, out


def main():
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tools/benchmarks/whole-process.tsv")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, model in MODELS:
            export = os.path.join(work, name + ".json")
            engine_s, engine_load, _ = timed(CLI + ["sweep", os.path.join(ROOT, model), "--data", DATA, "--limit", str(samples),
                                                    "--store", os.path.join(work, name + ".db"), "--json", export])
            with open(export, encoding="utf-8") as f:
                engine_n = sum(1 for r in json.load(f)["ablations"] if r["study"] == "single")
            torch_s, torch_load, out = timed(["/usr/bin/python3", os.path.join(ROOT, "tools/bench_torch_hooks.py"), "--model", name,
                                              "--samples", str(samples), "--whole-process"])
            torch_n = json.loads(out)["ablations"]
            if torch_n != engine_n:
                sys.exit(f"{name}: the engine swept {engine_n} units, PyTorch {torch_n}: not the same sweep")
            rows.append([name, samples, engine_n, f"{engine_s:.1f}", f"{engine_load:.2f}", f"{torch_s:.1f}", f"{torch_load:.2f}",
                         f"{torch_s / engine_s:.1f}", datetime.date.today().isoformat()])
            print("\t".join(map(str, rows[-1])), flush=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("model\tsamples\tablations\tengine_seconds\tengine_load_before\ttorch_seconds\ttorch_load_before\tratio\tdate\n")
        for r in rows:
            f.write("\t".join(map(str, r)) + "\n")
    print("wrote " + path)


if __name__ == "__main__":
    main()
