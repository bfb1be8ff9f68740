#!/usr/bin/env bash
# Resident memory of 1,000,000 signed-in agent×MRD pairs in one process (target: under 1.5 GB).
# Usage: load/bench/memory-1m-pairs.sh [pairs]
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -v q --nologo MemoryBench >/dev/null
dotnet MemoryBench/bin/Release/net10.0/MemoryBench.dll "${1:-1000000}"
