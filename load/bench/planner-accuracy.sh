#!/usr/bin/env bash
# The planner's validation table (issue 14): 20 agents, exponential handling of 300 s, 40,000 tasks per run (10 %
# warm-up), seed 49, Release build. Erlang C at 70/85/95 % load; Erlang A with exponential patience of 120 s at 95 and
# 110 %; the staffing search for 200/h, 300 s, 80 % in 30 s. Prints, per run, the real seconds it took (target < 10 s
# on a 2-core machine), the simulated figures with their 95 % half-widths, and the formula's.
# Usage: load/bench/planner-accuracy.sh [tasks] [seed]
set -euo pipefail
cd "$(dirname "$0")/../.."
tasks=${1:-40000}
seed=${2:-49}
command -v jq >/dev/null || { echo "jq is not installed (apt-get install -y jq)" >&2; exit 1; }
dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
plan() { dotnet src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll plan --json --tasks "$tasks" --seed "$seed" --handle-time 300 "$@" 2>/dev/null; }

printf '%-22s %7s %8s  %-22s %-8s  %-24s %-9s  %-18s %s\n' model tasks "real s" "P(wait) sim ±95%" formula "mean wait sim ±95%" formula "abandoned sim" formula
row() {
  jq -r --arg name "$1" '
    (if .erlangA then .erlangA else .erlangC end) as $f |
    [$name, (.offered + .warmUpTasks), .elapsedSeconds,
     "\(.pWait * 1000 | round / 1000) ±\(.confidenceIntervals.pWait.halfWidth * 1000 | round / 1000)", ($f.pWait * 1000 | round / 1000),
     "\(.meanWaitSeconds * 10 | round / 10) ±\(.confidenceIntervals.meanWaitSeconds.halfWidth * 10 | round / 10) s", "\($f.meanWaitSeconds * 10 | round / 10) s",
     "\(.abandonedShare * 1000 | round / 1000) ±\(.confidenceIntervals.abandonedShare.halfWidth * 1000 | round / 1000)", ($f.abandonedShare * 1000 | round / 1000)]
    | "\(.[0] | . + " " * (22 - length)) \(.[1] | tostring | " " * (7 - length) + .) \(.[2] | tostring | .[0:6] | " " * (8 - length) + .)  \(.[3] | . + " " * (22 - length)) \(.[4] | tostring | . + " " * (8 - length))  \(.[5] | . + " " * (24 - length)) \(.[6] | . + " " * (9 - length))  \(.[7] | . + " " * (18 - length)) \(.[8])"'
}
for load in 0.70 0.85 0.95; do
  rate=$(awk -v l="$load" 'BEGIN { printf "%.4f", l * 20 / 300 * 3600 }')
  plan --agents 20 --task-rate "$rate" | row "Erlang C, load $load"
done
for load in 0.95 1.10; do
  rate=$(awk -v l="$load" 'BEGIN { printf "%.4f", l * 20 / 300 * 3600 }')
  plan --agents 20 --task-rate "$rate" --patience 120 | row "Erlang A, load $load"
done
start=$(date +%s.%N)
plan --task-rate 200 --target-service-level 0.8 --threshold 30 | jq -r --arg s "$start" \
  '"staffing 200/h, 80 % in 30 s: \(.staffing.agents) agents by simulation, \(.staffing.erlangCAgents) by Erlang C; tried " + ([.staffing.tried[] | "\(.agents): SL \(.serviceLevel * 1000 | round / 10) %"] | join(", "))'
echo "staffing search took $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s (every candidate run included)"
