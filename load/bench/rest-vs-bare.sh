#!/usr/bin/env bash
# State-change PUT throughput of the simulator against a bare Kestrel endpoint that only reads the body
# and answers 202, measured in one run with the same wrk settings (target: ratio >= 0.6).
# Usage: load/bench/rest-vs-bare.sh [seconds] [connections]
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
run_wrk() {
  echo "== $1 =="
  AGENTS=$agents wrk -t1 -c"$connections" -d"${duration}s" --latency -s state-changes.lua "$2" | tee "$out/$1.txt"
}

dotnet BareServer/bin/Release/net10.0/bareserver.dll --urls http://127.0.0.1:5091 >/dev/null 2>&1 & pids+=($!)
dotnet "$root/src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll" --urls http://127.0.0.1:5092 >/dev/null 2>&1 & pids+=($!)
wait_for http://127.0.0.1:5091/
wait_for http://127.0.0.1:5092/
python3 sign-in.py http://127.0.0.1:5092 "$agents"

run_wrk "bare Kestrel (reads the body, answers 202)" http://127.0.0.1:5091
run_wrk "simulator (auth, XML validation, grain turn, state write, notification)" http://127.0.0.1:5092
bare=$(awk '/^Requests\/sec/ {print $2}' "$out/bare Kestrel (reads the body, answers 202).txt")
sim=$(awk '/^Requests\/sec/ {print $2}' "$out/simulator (auth, XML validation, grain turn, state write, notification).txt")
awk -v b="$bare" -v s="$sim" 'BEGIN { printf "bare Kestrel: %.0f req/s\nsimulator:    %.0f req/s\nratio:        %.2f (target >= 0.60)\n", b, s, s / b }'
