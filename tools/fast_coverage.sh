#!/usr/bin/env bash
# Fast-path coverage of the real-graph corpus (issue: speed on real networks, part 1): for every corpus model, the path
# each hidden layer's single-unit zero-in ablations take (`onnx-ablate inspect --paths`), and why where it is not the
# fast one, and on the fast path whether the suffix masks or applies the linear update of the first consumer. Writes
# tools/benchmarks/fast-coverage.tsv (model, layer, units, path, reason, update). Needs the corpus
# (tools/setup.sh corpus zoo) and a Release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cli=(dotnet src/OnnxAblation.Cli/bin/Release/net10.0/onnx-ablate.dll)
out=tools/benchmarks/fast-coverage.tsv
tmp=$(mktemp)
echo -e "model\tlayer\tunits\tpath\treason\tupdate" > "$tmp"
run() { # NAME FILE SAMPLE_SHAPE
  local rows; rows=$(mktemp)
  "${cli[@]}" inspect "$2" --sample-shape "$3" --paths-tsv "$rows" > /dev/null
  tail -n +2 "$rows" | sed "s|^|$1\t|" >> "$tmp"
  rm -f "$rows"
  echo "$1: $(tail -n +2 "$tmp" | awk -F'\t' -v m="$1" '$1 == m && $3 >= 8 {n++; if ($4 == "fast") f++} END {print f+0 " of " n+0 " layers with >= 8 units fast"}')"
}
for f in .cache/corpus/torchvision/*-distinct-default.onnx; do
  run "torchvision/$(basename "$f" -distinct-default.onnx)" "$f" 3,32,32
done
for f in .cache/corpus/zoo/*.onnx; do
  run "zoo/$(basename "$f" .onnx)" "$f" 3,224,224
done
cntk=$(ls ~/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/*/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx 2>/dev/null | head -n 1 || true)
[ -n "$cntk" ] && run "cntk/resnet18" "$cntk" 3,224,224
mv "$tmp" "$out"
echo "wrote $out"
