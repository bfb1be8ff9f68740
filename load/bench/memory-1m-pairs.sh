#!/usr/bin/env bash
# Resident memory of the embedded simulator with 1,000,000 agent×MRD pairs signed in through its REST API
# (333,334 generated agents × 3 MRDs); target: at most 3 GiB, every sign-in answered 202.
# Usage: load/bench/memory-1m-pairs.sh [pairs] [extra simulator switches...]
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-1000000}
shift || true
agents=$(( (pairs + 2) / 3 ))
dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
dotnet build -c Release -v q --nologo load/bench/MemoryBench >/dev/null
source load/bench/simulator.sh
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
log=$(mktemp)
start_simulator "$log" --urls http://127.0.0.1:5093 --xmpp-port -1 --telemetry off --agents "$agents" "$@"
dotnet load/bench/MemoryBench/bin/Release/net10.0/MemoryBench.dll http://127.0.0.1:5093 "$SERVER" "$pairs"
