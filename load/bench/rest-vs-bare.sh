#!/usr/bin/env bash
# State-change PUT throughput of the simulator against a bare Kestrel endpoint that only reads the body
# and answers 202, measured in one run with the same wrk settings (target: ratio >= 0.6).
# Usage: [ROUNDS=3] [SIM_ARGS="--telemetry off"] load/bench/rest-vs-bare.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
duration=${1:-10}
connections=${2:-64}
agents=1000
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

dotnet build -c Release -v q --nologo BareServer >/dev/null
dotnet build -c Release -v q --nologo "$root/src/MrdSimulator.Gateway" >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_for() { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

out=$(mktemp -d)
rounds=${ROUNDS:-3}
run_wrk() {
  echo "== $1 round $3 =="
  AGENTS=$agents wrk -t1 -c"$connections" -d"${duration}s" --latency -s state-changes.lua "$2" | tee "$out/$1-$3.txt"
}

# SIM_ARGS: extra simulator switches (for example "--telemetry off").
dotnet BareServer/bin/Release/net10.0/bareserver.dll --urls http://127.0.0.1:5091 >/dev/null 2>&1 & pids+=($!)
# shellcheck disable=SC2086
dotnet "$root/src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll" --urls http://127.0.0.1:5092 --xmpp-port -1 ${SIM_ARGS:-} >/dev/null 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5091/
wait_for http://127.0.0.1:5092/
python3 sign-in.py http://127.0.0.1:5092 "$agents"

# A/B alternated, so that both see the same share of whatever else the machine is doing.
for round in $(seq 1 "$rounds"); do
  run_wrk bare http://127.0.0.1:5091 "$round"
  run_wrk simulator http://127.0.0.1:5092 "$round"
done

median() { for f in "$out/$1"-*.txt; do awk '/^Requests\/sec/ {print $2}' "$f"; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bare=$(median bare)
sim=$(median simulator)
awk -v b="$bare" -v s="$sim" -v r="$rounds" 'BEGIN { printf "median of %d rounds\nbare Kestrel: %.0f req/s\nsimulator:    %.0f req/s\nratio:        %.2f (target >= 0.60)\n", r, b, s, s / b }'
