#!/usr/bin/env bash
# Orleans' memory grain storage against the simulator's in-process storage: state-writing Media grain calls per
# second and managed bytes per signed-in pair, alternated in one run (load/bench/StorageBench).
# Usage: load/bench/grain-storage.sh [pairs] [rounds]
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -v q --nologo StorageBench >/dev/null
dotnet StorageBench/bin/Release/net10.0/StorageBench.dll "${1:-60000}" "${2:-3}"
