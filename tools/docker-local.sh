#!/usr/bin/env bash
# A private Docker engine (Debian's docker.io: tools/setup.sh docker) for tests/OnnxAblation.Tests/Scheduling/
# IndexedJobTests.cs, started only where no engine answers already. It touches nothing outside its own folder:
# its own socket, data and exec roots, and no bridge, iptables rules or IP forwarding (builds use --network=host).
#
#   tools/docker-local.sh up      print the DOCKER_HOST to use: an engine that already answers, else start one
#   tools/docker-local.sh down    stop the engine this script started (by its pid); an engine it found is left alone
#
# The folder is ONNX_ABLATION_DOCKER_DIR, else /tmp/onnx-ablation-docker-<hash of this checkout's path>.
# `up` exits 3 when no engine answers and dockerd is not installed, 1 with dockerd's log tail when it cannot start.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${ONNX_ABLATION_DOCKER_DIR:-/tmp/onnx-ablation-docker-$(printf %s "$here" | md5sum | cut -c1-8)}"
own="unix://$dir/docker.sock"

answers() { DOCKER_HOST="$1" timeout 20 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

alive() { [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; }

up() {
  command -v docker >/dev/null || { echo "docker-local: no docker client: run bash tools/setup.sh docker" >&2; exit 3; }
  local h
  for h in "${DOCKER_HOST:-}" unix:///var/run/docker.sock "$own"; do
    [ -n "$h" ] && answers "$h" && { echo "$h"; return 0; }
  done
  command -v dockerd >/dev/null || { echo "docker-local: no Docker engine answers and dockerd is not installed: run bash tools/setup.sh docker" >&2; exit 3; }
  mkdir -p "$dir"
  alive && kill "$(cat "$dir/dockerd.pid")" 2>/dev/null && sleep 2
  setsid dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" --host "$own" \
    --bridge=none --iptables=false --ip-forward=false --ip-masq=false >"$dir/dockerd.log" 2>&1 < /dev/null &
  local i
  for i in $(seq 1 60); do
    answers "$own" && { echo "$own"; return 0; }
    kill -0 $! 2>/dev/null || break
    sleep 1
  done
  tail -n 15 "$dir/dockerd.log" >&2 || true
  echo "docker-local: dockerd could not start on this machine (its log above)" >&2
  exit 1
}

down() {
  if alive; then
    local pid i
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  # dockerd leaves its default network namespace bind-mounted under its exec root
  if mountpoint -q "$dir/exec/netns/default" 2>/dev/null; then umount "$dir/exec/netns/default" || true; fi
  echo "docker-local: down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
