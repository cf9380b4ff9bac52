#!/usr/bin/env python3
"""Adaptive sample sizes vs the exact sweep, measured in one run (tools/benchmarks/adaptive-sweep.tsv).

For each model: a single-unit zero-in sweep of every hidden unit on all 10,000 Fashion-MNIST test images, exact
(no --adaptive) and with --adaptive EPS for each EPS, each into a new store, timed as whole `onnx-ablate sweep`
processes (start-up, model and data loading included), one after another; load_before is the 1-minute load
average when each started (the machine is shared: wall times are only comparable at similar load; cpu_seconds, the process's user + system
time, is less sensitive to it). Compared from the JSON exports: the
accuracy change of every ablation against the exact sweep's.

Usage: python3 tools/bench_adaptive.py [OUT.tsv]   (build OnnxAblation.sln -c Release first)
"""
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = ["dotnet", os.path.join(ROOT, "src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll")]
DATA = "idx:/usr/share/datasets/fashion-mnist/t10k"
MODELS = [("fmnist-mlp", "models/fmnist-mlp/model.onnx"), ("fmnist-vgg", "models/fmnist-vgg/model-folded.onnx")]
EPS = [None, 2.0, 1.0, 0.5]
MIN_SLICE = 256


def sweep(model, eps, work):
    name = "exact" if eps is None else f"eps{eps}"
    store, out = os.path.join(work, name + ".db"), os.path.join(work, name + ".json")
    args = CLI + ["sweep", os.path.join(ROOT, model), "--data", DATA, "--store", store, "--json", out]
    if eps is not None:
        args += ["--adaptive", str(eps)]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(out, encoding="utf-8") as f:
        return json.load(f), seconds, load, cpu


def stages(total):
    s, n = [], MIN_SLICE
    while n < total:
        s.append(n)
        n *= 2
    return s + [total]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tools/benchmarks/adaptive-sweep.tsv")
    rows = []
    today = datetime.date.today().isoformat()
    for label, model in MODELS:
        with tempfile.TemporaryDirectory() as work:
            exact, exact_seconds = None, None
            for eps in EPS:
                result, seconds, load, cpu = sweep(model, eps, work)
                total = result["samples"]
                abl = result["ablations"]
                if eps is None:
                    exact, exact_seconds, exact_cpu = {(a["layer"], tuple(a["units"])): a["delta_accuracy"] for a in abl}, seconds, cpu
                    in_results = evaluated = total * len(abl)
                    diffs, covered, early = [0.0], 0, 0
                else:
                    st = stages(total)
                    in_results = sum(a["samples"] for a in abl)
                    # a slice evaluates only the samples it adds; all samples are evaluated again from the first
                    evaluated = sum(a["samples"] if a["samples"] < total else (st[-2] if len(st) > 1 else 0) + total for a in abl)
                    diffs = [abs(a["delta_accuracy"] - exact[(a["layer"], tuple(a["units"]))]) for a in abl]
                    early = sum(1 for a in abl if a["samples"] < total)
                    covered = sum(1 for a, d in zip(abl, diffs) if a["samples"] < total and d <= a["interval"] + 1e-12)
                rows.append({
                    "model": label, "samples": total, "eps_points": "exact" if eps is None else eps, "ablations": len(abl),
                    "stopped_early": early, "samples_in_results": in_results, "samples_evaluated": evaluated,
                    "evaluated_share": round(evaluated / (total * len(abl)), 4), "seconds": round(seconds, 2),
                    "speedup": round(exact_seconds / seconds, 2), "cpu_seconds": round(cpu, 2), "cpu_speedup": round(exact_cpu / cpu, 2),
                    "max_abs_diff_points": round(max(diffs) * 100, 3), "mean_abs_diff_points": round(sum(diffs) / len(diffs) * 100, 3),
                    "coverage_of_early": "" if eps is None else round(covered / max(1, early), 4),
                    "load_before": round(load, 2), "date": today,
                })
                print("\t".join(str(v) for v in rows[-1].values()), flush=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\t".join(rows[0].keys()) + "\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r.values()) + "\n")


if __name__ == "__main__":
    main()
