#!/usr/bin/env bash
# The test command (README.md, .ci/run): set-up on a fresh Debian 12 machine, then every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup.sh data torchsharp
dotnet restore OnnxAblation.sln --verbosity quiet
dotnet build OnnxAblation.sln -c Release --no-restore --verbosity quiet -nologo
dotnet test OnnxAblation.sln -c Release --no-build --verbosity quiet --logger "console;verbosity=normal" 2>&1 | tee .cache/test-output.txt
# One plain closing line over both test projects, for CI readers.
passed=$(grep -oE 'Passed: +[0-9]+' .cache/test-output.txt | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' .cache/test-output.txt | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' .cache/test-output.txt | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
