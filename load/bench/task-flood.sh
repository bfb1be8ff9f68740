#!/usr/bin/env bash
# Resident memory of the Release simulator under a flood of unauthenticated CCP task submissions (issue 11, item 4):
# CONNECTIONS connections (wrk, one thread each) POST ~60 KB tasks to feed 100 for SECONDS seconds, rotating over
# SELECTORS (default: every demo script selector plus an unknown one, which CCP accepts and discards). Prints the
# process's VmRSS before and after and its VmHWM (peak), read from /proc, and the growth; target: peak growth < 1 GiB.
# Usage: load/bench/task-flood.sh [seconds] [connections] [selectors] [extra simulator switches...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-25}
connections=${2:-3}
selectors=${3:-Chat_SS,Email_SS,Task_SS,No_Such_DN}
shift $(( $# < 3 ? $# : 3 ))
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
source load/bench/simulator.sh
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
log=$(mktemp)
url=http://127.0.0.1:5194
start_simulator "$log" --urls "$url" --xmpp-port -1 "$@"

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER/status"; }
sleep 2
before=$(kib VmRSS)
SELECTORS=$selectors wrk -t"$connections" -c"$connections" -d"${seconds}s" --timeout 30s -s load/bench/task-flood.lua "$url/"
kill -0 "$SERVER" 2>/dev/null || { echo "the simulator exited during the flood:" >&2; tail -20 "$log" >&2; exit 1; }
after=$(kib VmRSS)
peak=$(kib VmHWM)
awk -v b="$before" -v a="$after" -v p="$peak" 'BEGIN {
  printf "VmRSS before: %d MiB\nVmRSS after:  %d MiB\nVmHWM (peak): %d MiB\n", b / 1024, a / 1024, p / 1024
  printf "growth: %d MiB at the end, %d MiB at the peak (target < 1024 MiB)\n", (a - b) / 1024, (p - b) / 1024
}'
