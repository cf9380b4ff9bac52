#!/usr/bin/env bash
# CI check of the GPU variant; no GPU needed (tools/test.sh runs it before the CPU build and tests).
# - `-p:OnnxRuntimeGpu=true` restores and builds the CLI with no warnings, into out/gpu (its own bin/ and obj/ through
#   --artifacts-path, so the CPU build's bin/ and obj/ are not touched);
# - only the Linux natives of ONNX Runtime are copied (Microsoft.ML.OnnxRuntime.Gpu.Linux), the CUDA provider among them;
# - the GPU build evaluates a reference model with --device cpu;
# - --device cuda either evaluates (a machine with CUDA 13 + cuDNN 9) or exits 2 with an error that names what is
#   missing and says to use --device cpu.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=out/gpu
bin=$out/bin/OnnxAblation.Cli/release
model=models/fmnist-mlp/model.onnx
data=idx:/usr/share/datasets/fashion-mnist/t10k
fail() { echo "gpu-build: FAILED: $*" >&2; exit 1; }
mkdir -p "$out"

log=$out/build.log
if ! dotnet build src/OnnxAblation.Cli/OnnxAblation.Cli.csproj -c Release -p:OnnxRuntimeGpu=true --artifacts-path "$out" \
     --verbosity minimal -nologo >"$log" 2>&1; then
  grep -E ": (error|warning) " "$log" | sort -u >&2 || true
  fail "dotnet build -p:OnnxRuntimeGpu=true did not build (log: $log)"
fi
if grep -E ": warning [A-Z]+[0-9]+" "$log" | grep -v NU1603 | sort -u | grep . >&2; then fail "the GPU build has warnings"; fi
[ -x "$bin/onnx-ablate" ] || fail "no $bin/onnx-ablate"
[ -f "$bin/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so" ] || fail "the CUDA provider library is not in the output"
if find "$bin/runtimes" -path '*win-*' -iname '*onnxruntime*' | grep -q .; then fail "Windows natives of ONNX Runtime were copied"; fi
echo "gpu-build: built $bin ($(du -sh "$bin" | cut -f1); ONNX Runtime natives $(find "$bin" -name '*onnxruntime*.so' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f MB", s/1048576}'))"

"$bin/onnx-ablate" eval "$model" --data "$data" --limit 500 --device cpu --json "$out/eval-cpu.json" >/dev/null 2>"$out/eval-cpu.err" \
  || fail "the GPU build does not evaluate with --device cpu"
echo "gpu-build: --device cpu evaluates ($(grep -o '"accuracy": *[0-9.]*' "$out/eval-cpu.json" | head -n 1))"

set +e
"$bin/onnx-ablate" eval "$model" --data "$data" --limit 500 --device cuda >/dev/null 2>"$out/cuda.err"
rc=$?
set -e
if [ $rc = 0 ]; then
  echo "gpu-build: --device cuda evaluates on this machine (CUDA present)"
else
  msg=$(grep '^error:' "$out/cuda.err" || true)
  [ $rc = 2 ] || fail "--device cuda without CUDA exited $rc, not 2: $(cat "$out/cuda.err")"
  [[ "$msg" == *"CUDA provider cannot be used"* ]] || fail "--device cuda error does not say the CUDA provider is unusable: $msg"
  [[ "$msg" == *".so"* ]] || fail "--device cuda error names no library: $msg"
  [[ "$msg" == *"--device cpu"* ]] || fail "--device cuda error does not say to use --device cpu: $msg"
  echo "gpu-build: --device cuda without CUDA exits 2 with: $msg"
fi
echo "gpu-build: ok"
