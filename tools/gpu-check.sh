#!/usr/bin/env bash
# For a user with an NVIDIA GPU (CUDA 13 + cuDNN 9): builds the GPU variant (tools/gpu-build.sh), evaluates a
# reference model with --device cuda and --device cpu, checks that the two agree (same confusion matrix, the same
# per-sample correctness for the intact model and every single-unit ablation of a sweep), and times the sweep on both.
# On a machine without CUDA it runs the CPU half and says plainly why the CUDA half could not run.
# Usage: tools/gpu-check.sh [MODEL.onnx] [DATA-SPEC] [SAMPLES]      (default: fmnist-mlp, Fashion-MNIST test set, 2000)
# Output: out/gpu-check/ (evaluations, stores, summary.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model=${1:-models/fmnist-mlp/model.onnx}
data=${2:-idx:/usr/share/datasets/fashion-mnist/t10k}
limit=${3:-2000}
out=out/gpu-check
bin=out/gpu/bin/OnnxAblation.Cli/release/onnx-ablate
rm -rf "$out"; mkdir -p "$out"
say() { echo "gpu-check: $*" | tee -a "$out/summary.txt"; }

bash tools/gpu-build.sh
say "$(date -u +%Y-%m-%d) on $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
if command -v nvidia-smi >/dev/null; then
  say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
else
  say "GPU: none found (no nvidia-smi)"
fi
say "model $model, data $data, $limit samples"

# One device: evaluate (JSON), then a timed single-unit sweep of every hidden layer into its own store.
half() {
  local dev=$1 t0 t1
  "$bin" eval "$model" --data "$data" --limit "$limit" --device "$dev" --json "$out/eval-$dev.json" >/dev/null 2>"$out/eval-$dev.err" || return 1
  t0=$(date +%s.%N)
  "$bin" sweep "$model" --data "$data" --limit "$limit" --device "$dev" --store "$out/sweep-$dev.db" \
    >"$out/sweep-$dev.txt" 2>"$out/sweep-$dev.err" || return 1
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}' >"$out/sweep-$dev.seconds"
}

half cpu || { say "FAILED: the CPU half did not run: $(cat "$out/eval-cpu.err" "$out/sweep-cpu.err" 2>/dev/null | grep -m 1 . || true)"; exit 1; }
say "cpu:  accuracy $(python3 -c "import json;print(json.load(open('$out/eval-cpu.json'))['accuracy'])"), sweep $(cat "$out/sweep-cpu.seconds") s ($(sqlite3 "$out/sweep-cpu.db" 'select count(*) from ablations' 2>/dev/null || python3 -c "import sqlite3;print(sqlite3.connect('$out/sweep-cpu.db').execute('select count(*) from ablations').fetchone()[0])") records)"

if ! half cuda; then
  why=$(grep -h -m 1 '^error:' "$out/eval-cuda.err" "$out/sweep-cuda.err" 2>/dev/null || true)
  [ -n "$why" ] || why=$(cat "$out/eval-cuda.err" "$out/sweep-cuda.err" 2>/dev/null | tail -n 3)
  say "cuda: COULD NOT RUN on this machine, so nothing was compared or timed on a GPU. The GPU build said: $why"
  say "done: CPU half only"
  exit 0
fi
say "cuda: accuracy $(python3 -c "import json;print(json.load(open('$out/eval-cuda.json'))['accuracy'])"), sweep $(cat "$out/sweep-cuda.seconds") s"

# Agreement: confusion matrices equal; per-sample correctness bits of every stored record (intact + ablations).
python3 - "$out" <<'PY' | tee -a "$out/summary.txt"
import json, sqlite3, sys
out = sys.argv[1]
cpu, cuda = (json.load(open(f"{out}/eval-{d}.json")) for d in ("cpu", "cuda"))
same_confusion = cpu["confusion"] == cuda["confusion"]
print(f"gpu-check: eval: confusion matrices {'equal' if same_confusion else 'DIFFER'}, "
      f"mean loss cpu {cpu['mean_loss']:.6f} cuda {cuda['mean_loss']:.6f}")
rows = {d: dict(sqlite3.connect(f"{out}/sweep-{d}.db").execute("select key, correct from ablations")) for d in ("cpu", "cuda")}
keys = sorted(set(rows["cpu"]) & set(rows["cuda"]))
samples = cpu["samples"]
differ = sum(bin(a ^ b).count("1") for k in keys for a, b in zip(rows["cpu"][k], rows["cuda"][k]))
total = len(keys) * samples
missing = len(set(rows["cpu"]) ^ set(rows["cuda"]))
print(f"gpu-check: sweep: {len(keys)} records on both, {missing} on one only; per-sample correctness differs in {differ} of {total} (sample, record) pairs")
ok = same_confusion and missing == 0 and differ <= total // 1000
print("gpu-check: " + ("AGREE" if ok else "DISAGREE") + " (allowed: at most 0.1% of pairs, for ties that the two devices round differently)")
sys.exit(0 if ok else 1)
PY
say "speed-up of the sweep: $(echo "$(cat "$out/sweep-cpu.seconds") $(cat "$out/sweep-cuda.seconds")" | awk '{printf "%.1fx", $1 / $2}')"
say "done: both halves"
