#!/usr/bin/env python3
"""Fast path against the reference path on every corpus model, per layer (issue: speed, part 7).

For every model of the real-graph corpus (tools/fast_coverage.sh: torchvision at 3x32x32, the ONNX zoo and the CNTK
ResNet-18 at 3x224x224) runs `onnx-ablate bench` once over its hidden layers with >= 16 units (from
tools/benchmarks/fast-coverage.tsv; heavy models: every Nth of them, see STRIDE), both paths with ONE ONNX Runtime
thread (so a build on the other core disturbs the ratio less), and writes per layer the seconds per ablation of each
path, timed in the same process run, and their ratio:

  tools/benchmarks/fast-vs-reference.tsv          one row per layer
  tools/benchmarks/fast-vs-reference-summary.tsv  one row per model: layers, min / median ratio, layers >= 5x

The fast path's rate per layer includes that layer's graph cut, session creation and prefix runs, spread over the
units it sweeps (FAST units: fewer units than the layer has make it look slower, not faster); the reference path's
is a model copy, a session and a full pass per ablation. bench checks that the fast path's predictions equal the
reference's on the units both timed. Needs the corpus (tools/setup.sh corpus zoo) and a Release build.

flop_bound: the ratio if both paths ran at the same FLOP rate without fixed costs (a full pass's FLOPs over the fast
path's per ablation). The stored data came from `python3 tools/bench_fast_vs_reference.py` (the models in STRIDE
sampled), `--only cntk/resnet18` (after bench learned to score a features output) and `--rest` (the layers STRIDE left
out); the first run's rows got their flop_bound afterwards, from the same models' forward MFLOP per sample (bench's
ForwardMflopPerSample) and their fast GFLOP/s × s/ablation as stored.

`--updated` (after the linear update of the first consumer and the ViT fold): runs again only the layers whose path or
suffix changed since their row was stored (fast-coverage.tsv's `update` column names a linear update, or its path
differs from the row's), replaces their rows and recomputes the summary; the `suffix` column says how each row's fast
path ran (mask / linear update).

usage: python3 tools/bench_fast_vs_reference.py [--only NAME ...] [--rest | --updated] [--dry-run]
"""
import argparse
import csv
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = ["dotnet", os.path.join(ROOT, "src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll")]
FIX = "tests/OnnxAblation.Tests/Fixtures/corpus"
FMNIST32 = f"npy:{FIX}/fmnist32-x.npy,{FIX}/fmnist32-y.npy?scale=0.00392156862745098"
ZOO = f"npy:{FIX}/zoo_inputs.npy,{FIX}/zoo_labels.npy"
CNTK_MEAN = "?mean=103.06262,115.902885,123.15163"  # the preprocessing of tests/Oracle/corpus_zoo.json
COVERAGE = os.path.join(ROOT, "tools/benchmarks/fast-coverage.tsv")
OUT = os.path.join(ROOT, "tools/benchmarks/fast-vs-reference.tsv")
SUMMARY = os.path.join(ROOT, "tools/benchmarks/fast-vs-reference-summary.tsv")
MIN_UNITS = 16
TARGET = 5.0
THREADS = 1

# Per model family: images, units per layer the fast path sweeps, units per layer the reference path times.
SMALL = dict(images=200, fast=16, reference=2)   # torchvision at 32x32
LARGE = dict(images=8, fast=8, reference=1)      # zoo and CNTK at 224x224 (the zoo data set has 8 images)
# Heavy models: every STRIDE-th of their layers with >= 16 units (the first, then every STRIDE-th), so the whole corpus
# run stays within about 40 minutes here. Every other model: all of its layers.
STRIDE = {"torchvision/densenet121": 2, "zoo/densenet121": 4, "zoo/vgg19": 3, "zoo/resnet50": 2, "zoo/inception_v1": 2,
          "zoo/inception_v2": 2}
OVERRIDES = {}
UPDATE = {}  # (model, layer) -> "mask" / "linear update", from fast-coverage.tsv's update column


def models():
    """(name, path, data spec, sample shape, settings) of every corpus model, in tools/fast_coverage.sh's order."""
    out = []
    for f in sorted(glob.glob(os.path.join(ROOT, ".cache/corpus/torchvision/*-distinct-default.onnx"))):
        out.append(("torchvision/" + os.path.basename(f)[: -len("-distinct-default.onnx")], f, FMNIST32, SMALL))
    for f in sorted(glob.glob(os.path.join(ROOT, ".cache/corpus/zoo/*.onnx"))):
        out.append(("zoo/" + os.path.basename(f)[: -len(".onnx")], f, ZOO, LARGE))
    cntk = sorted(glob.glob(os.path.expanduser(
        "~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/*/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx")))
    if cntk:
        out.append(("cntk/resnet18", cntk[0], ZOO + CNTK_MEAN, LARGE))
    return [(n, p, d, {**s, **OVERRIDES.get(n, {})}) for n, p, d, s in out]


def coverage():
    """model -> [(layer, units, path)] of fast-coverage.tsv, layers with >= MIN_UNITS units."""
    layers = {}
    with open(COVERAGE, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["units"]) >= MIN_UNITS:
                layers.setdefault(row["model"], []).append((row["layer"], int(row["units"]), row["path"]))
                UPDATE[(row["model"], row["layer"])] = "linear update" if row.get("update", "").startswith("linear") else "mask"
    return layers


def flop_bound(forward_mflop, samples, layer):
    """The ratio if both paths ran at the same FLOP rate without fixed costs: a full pass's FLOPs over the fast path's
    FLOPs per ablation (its prefix once per layer, spread over the units swept, plus the suffix)."""
    if not layer["FastAblations"]:
        return None
    full = forward_mflop * 1e6 * samples
    return full / (layer["FastGflopNeeded"] * 1e9 / layer["FastAblations"])


def ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def fmt(v, digits=4):
    return "" if v is None else f"{v:.{digits}f}"


HEAD = ["model", "layer", "units", "path", "fast_ablations", "fast_s_per_ablation", "reference_ablations",
        "reference_s_per_ablation", "ratio", "flop_bound", "fast_gflop_per_s", "images", "threads", "load_start", "load_end", "suffix"]
KEYS = ["model", "layers", "layers_with_16_units", "sampled", "min_ratio", "median_ratio", "layers_at_5x",
        "layers_below_5x", "images", "fast_units", "reference_units", "threads", "identical", "compared", "gemm_peak",
        "wall_s", "load", "note"]


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="model names (e.g. zoo/resnet50); default: all")
    ap.add_argument("--dry-run", action="store_true", help="print the commands only")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--summary", default=SUMMARY)
    ap.add_argument("--max-layers", type=int, help="calibration: only the first N of each model's layers (with --out/--summary elsewhere)")
    ap.add_argument("--updated", action="store_true",
                    help="run again only the layers whose fast path changed since stored (linear update, or another path); replace their rows")
    ap.add_argument("--rest", action="store_true",
                    help="a second run: the layers STRIDE left out of the models it samples, added to the stored rows (the summary then covers both runs)")
    args = ap.parse_args()
    cov = coverage()
    # rows and summaries of the models not run now are kept as stored
    rows = {}
    for row in read_tsv(args.out):
        row.setdefault("suffix", "")
        row["suffix"] = row["suffix"] or "mask"  # rows stored before the linear update existed
        rows.setdefault(row["model"], []).append(row)
    summary = {row["model"]: row for row in read_tsv(args.summary)}
    if args.rest and args.updated:
        sys.exit("--rest and --updated are separate runs: give one")
    if not args.rest and not args.updated and not args.only:
        rows, summary = {}, {}  # a whole run starts afresh; --only replaces the models named, --rest adds to them
    started = time.time()
    for name, path, data, s in models():
        if args.only and name not in args.only:
            continue
        all_layers = cov.get(name, [])
        stride = STRIDE.get(name, 1)
        if args.updated:
            stored = {x["layer"]: x for x in rows.get(name, [])}
            layers = [x for x in all_layers if UPDATE.get((name, x[0])) == "linear update"
                      or (x[0] in stored and stored[x[0]]["path"] != x[2])]
        elif args.rest:
            if stride == 1:
                continue
            taken = {l for l, _, _ in all_layers[::stride]}
            layers = [x for x in all_layers if x[0] not in taken]
        else:
            layers = all_layers[::stride]
        layers = layers[: args.max_layers]
        if not layers:
            print(f"{name}: no layers " + ("whose fast path changed" if args.updated else f"with >= {MIN_UNITS} units in {COVERAGE}"),
                  file=sys.stderr)
            continue
        fd, tmp = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        cmd = CLI + ["bench", path, "--data", data, "--limit", str(s["images"]), "--threads", str(THREADS),
                     "--fast-units", str(s["fast"]), "--slow-units", str(s["reference"]), "--no-overridable",
                     "--memory", "4G", "--layers", ",".join(l for l, _, _ in layers), "--json", tmp]
        if args.dry_run:
            print(" ".join(cmd[:14]), f"... ({len(layers)} layers)")
            continue
        t0 = time.time()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.time() - t0
        if not os.path.getsize(tmp):
            print(f"{name}: bench failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}", file=sys.stderr)
            summary[name] = dict(model=name, note=f"bench failed (exit {p.returncode})")
            continue
        with open(tmp) as f:
            r = json.load(f)
        os.remove(tmp)
        paths = {l: pth for l, _, pth in layers}
        new = [dict(zip(HEAD, [name, l["Layer"], l["Units"], paths.get(l["Layer"], "?"), l["FastAblations"],
                               fmt(l["FastSecondsPerAblation"], 5), l["ReferenceAblations"], fmt(l["ReferenceSecondsPerAblation"], 5),
                               fmt(l["FastVsReference"], 2), fmt(flop_bound(r["ForwardMflopPerSample"], r["Samples"], l), 2),
                               fmt(l["FastGflopPerSecond"], 1), r["Samples"], r["Threads"],
                               f"{r['LoadAverageStart']:.2f}", f"{r['LoadAverageEnd']:.2f}",
                               UPDATE.get((name, l["Layer"]), "mask")])) for l in r["PerLayer"]]
        old = summary.get(name) if args.rest or args.updated else None
        rerun = {x["layer"] for x in new}
        mine = ([x for x in rows.get(name, []) if x["layer"] not in rerun] if args.rest or args.updated else []) + new
        order = {l: i for i, (l, _, _) in enumerate(all_layers)}
        mine.sort(key=lambda x: order.get(x["layer"], len(order)))
        rows[name] = mine
        ratios = [float(x["ratio"]) for x in mine if x["ratio"] != ""]
        below = sum(1 for x in ratios if x < TARGET)
        load = f"{r['LoadAverageStart']:.2f}-{r['LoadAverageEnd']:.2f}"
        summary[name] = dict(
            model=name, layers=len(mine), layers_with_16_units=len(all_layers),
            sampled=(old["sampled"] + f"; {len(new)} run again (--updated)") if args.updated and old else
                    "all" if stride == 1 else (f"all, in two runs (every {ordinal(stride)}, then the rest)" if args.rest
                                               else f"every {ordinal(stride)} (the 1st, {ordinal(1 + stride)}, ...)"),
            min_ratio=fmt(min(ratios), 2), median_ratio=fmt(statistics.median(ratios), 2),
            layers_at_5x=len(ratios) - below, layers_below_5x=below,
            images=r["Samples"], fast_units=s["fast"], reference_units=s["reference"], threads=r["Threads"],
            identical="yes" if r["Identical"] and (old is None or old["identical"] == "yes") else "NO",
            compared=r["Compared"] + (int(old["compared"]) if old else 0),
            gemm_peak=fmt(r["GemmPeakGflopPerSecond"], 1) if old is None else f"{old['gemm_peak']}; {r['GemmPeakGflopPerSecond']:.1f}",
            wall_s=f"{wall:.0f}" if old is None else f"{old['wall_s']}+{wall:.0f}",
            load=load if old is None else f"{old['load']}; {load}", note="")
        print(f"{name}: {len(new)} layers run, {len(ratios)} in all, min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x, "
              f"{len(ratios) - below} >= {TARGET:g}x, identical {r['Identical']} ({r['Compared']} compared), {wall:.0f} s, "
              f"load {load}", flush=True)
        write(args, rows, summary)
    if not args.dry_run:
        write(args, rows, summary)
        print(f"wrote {args.out} and {args.summary} in {time.time() - started:.0f} s")


def write(args, rows, summary):
    names = [n for n, _, _, _ in models()]
    rank = {n: i for i, n in enumerate(names)}
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEAD, delimiter="\t", lineterminator="\n", restval="")
        w.writeheader()
        for n in sorted(rows, key=lambda m: rank.get(m, len(rank))):
            w.writerows(rows[n])
    with open(args.summary, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=KEYS, delimiter="\t", lineterminator="\n", restval="", extrasaction="ignore")
        w.writeheader()
        for n in sorted(summary, key=lambda m: rank.get(m, len(rank))):
            w.writerow(summary[n])


if __name__ == "__main__":
    main()
