#!/usr/bin/env bash
# The price of the network hop: state-change PUT throughput and p99 of one gateway in front of two silos (a local
# cluster on Redis, no nginx in the path) against the embedded single process, same wrk settings, rounds alternated.
# Then, optionally, memory per silo with PAIRS pairs signed in through the gateway over three silos.
# Usage: [ROUNDS=3] [PAIRS=300000] load/bench/cluster-vs-embedded.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
duration=${1:-10}
connections=${2:-64}
rounds=${ROUNDS:-3}
agents=1000
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null

state=$(mktemp -d)
export MRDSIM_CLUSTER_DIR=$state/cluster MRDSIM_CLUSTER_NO_BUILD=1 MRDSIM_CLUSTER_CONFIGURATION=Release
source load/bench/simulator.sh
cleanup() { kill "${SERVER:-}" 2>/dev/null || true; deploy/local/cluster down >/dev/null 2>&1 || true; }
trap cleanup EXIT

deploy/local/cluster up --silos 2 --gateways 1 -- --telemetry off >"$state/up.txt"
gateway=$(awk '$1 == "gateway-1" {print $2}' "$state/up.txt")
start_simulator "$state/embedded.log" --urls http://127.0.0.1:5094 --xmpp-port -1 --telemetry off
embedded=http://127.0.0.1:5094
python3 load/bench/sign-in.py "$gateway" "$agents" >/dev/null
python3 load/bench/sign-in.py "$embedded" "$agents" >/dev/null

out=$state/wrk
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for target in embedded cluster; do
    url=$embedded; [ "$target" = cluster ] && url=$gateway
    (cd load/bench && AGENTS=$agents wrk -t1 -c"$connections" -d"${duration}s" --latency -s state-changes.lua "$url") > "$out/$target-$round.txt"
    echo "round $round $target: $(awk '/^Requests\/sec/ {print $2}' "$out/$target-$round.txt") req/s, p99 $(awk '$1 == "99%" {print $2}' "$out/$target-$round.txt")"
  done
done

median() { for f in "$out/$1"-*.txt; do awk "$2" "$f"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) { sub("ms", "", v) } else if (v ~ /s$/) { sub("s", "", v); v *= 1000 } print v }'; }
e=$(median embedded '/^Requests\/sec/ {print $2}')
c=$(median cluster '/^Requests\/sec/ {print $2}')
ep=$(for f in "$out"/embedded-*.txt; do ms < "$f"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
cp=$(for f in "$out"/cluster-*.txt; do ms < "$f"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
awk -v e="$e" -v c="$c" -v ep="$ep" -v cp="$cp" -v r="$rounds" 'BEGIN { printf "median of %d rounds\nembedded:              %.0f req/s, p99 %.2f ms\n1 gateway + 2 silos:   %.0f req/s, p99 %.2f ms\nratio cluster/embedded: %.2f\n", r, e, ep, c, cp, c / e }'

if [ -n "${PAIRS:-}" ]; then
  # Memory per silo: a fresh cluster of 3 silos, PAIRS pairs signed in through its gateway (REST).
  kill "$SERVER" 2>/dev/null || true
  deploy/local/cluster down >/dev/null
  agents=$(( (PAIRS + 2) / 3 ))
  deploy/local/cluster up --silos 3 --gateways 1 --agents "$agents" -- --telemetry off >"$state/up.txt"
  gateway=$(awk '$1 == "gateway-1" {print $2}' "$state/up.txt")
  dotnet build -c Release -v q --nologo load/bench/MemoryBench >/dev/null
  dotnet load/bench/MemoryBench/bin/Release/net10.0/MemoryBench.dll "$gateway" "$(cat "$MRDSIM_CLUSTER_DIR/procs/silo-1/pid")" "$PAIRS" | tail -2
  for name in silo-1 silo-2 silo-3 gateway-1; do
    pid=$(cat "$MRDSIM_CLUSTER_DIR/procs/$name/pid")
    echo "$name: RSS $(awk '/^VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status"), peak $(awk '/^VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")"
  done
fi
