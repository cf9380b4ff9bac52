#!/usr/bin/env bash
# The test command (README.md, .ci/run): set-up on a fresh Debian 12 machine, then every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup.sh data torchsharp corpus zoo browser slurm docker
# The seeded corpus files depend on this CPU's float rounding; where they differ from those the committed PyTorch
# oracles were computed on, PyTorch recomputes the oracles here (a no-op where every hash matches).
/usr/bin/python3 tools/corpus_oracle_refresh.py
# The GPU variant (-p:OnnxRuntimeGpu=true) must restore and build; it builds into out/gpu, apart from the CPU build.
gpu=ok
bash tools/gpu-build.sh || gpu=FAILED
dotnet restore OnnxAblation.sln --verbosity quiet
dotnet build OnnxAblation.sln -c Release --no-restore --verbosity quiet -nologo
dotnet test OnnxAblation.sln -c Release --no-build --verbosity quiet --logger "console;verbosity=normal" 2>&1 | tee .cache/test-output.txt
# One plain closing line over both test projects, for CI readers.
count() { awk -v k="$1:" '$1 == k && $2 ~ /^[0-9]+$/ {s+=$2} END {print s+0}' .cache/test-output.txt; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped; GPU build check (tools/gpu-build.sh): $gpu"
[ "$failed" = 0 ] && [ "$gpu" = ok ]
