#!/usr/bin/env bash
# Coordinated omission, measured against the real simulator (docs/load-driver.md "Coordinated omission"):
# the same open-model runs with and without correction, side by side, printing p50/p99/max of both.
#
#   load/bench/coordinated-omission.sh
#
# Two situations, each run twice (corrected, then --no-co-correction):
#   slow:     a chaos rest.latency fault makes every REST answer take 20 ms; with 32 connections the simulator then
#             serves at most 1,600 requests/s. 1,000/s for 15 s (sustainable), then 2,000/s for 15 s (not).
#   overload: no fault; 256 connections and an arrival rate far above what this machine serves (default 60,000/s;
#             RATE=...), for 15 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-5383} RATE=${RATE:-60000} TOKEN=coordinated-omission-bench-token

if [[ -z "${NO_BUILD:-}" ]]; then
  dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
  dotnet build -c Release -v q --nologo load/MrdSimulator.Load >/dev/null
fi

WORK=$(mktemp -d) SERVER=
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
source load/bench/simulator.sh
start_simulator "$WORK/simulator.log" --urls "http://127.0.0.1:$PORT" --xmpp-port -1 --admin-token "$TOKEN"

printf 'name: slow-rest\nseed: 1\nfaults:\n  - { kind: rest.latency, latency: 20ms }\n' >"$WORK/slow-plan.yaml"
scenario() { # name connections load
  printf 'name: %s\ntarget:\n  baseUrl: http://127.0.0.1:%s\n  notifications: none\n  maxConnections: %s\nsettings:\n  reportFormats: [json]\n  reportFolder: %s\n  maxFailCount: 0\nscenarios:\n  - name: put\n    type: http\n    path: /finesse/api/User/1000/Media/5000\n    load: [%s]\n' \
    "$1" "$PORT" "$2" "$WORK/reports" "$3" >"$WORK/$1.yaml"
}
scenario slow 32 "inject 1000/s 15s, inject 2000/s 15s"
scenario overload 256 "inject $RATE/s 15s"

run() { # scenario extra-args...
  local name=$1; shift
  dotnet load/MrdSimulator.Load/bin/Release/net10.0/mrdload.dll run "$WORK/$name.yaml" --plain "$@" >"$WORK/out.txt" 2>&1 || true
  grep -q '^put/request' "$WORK/out.txt" || { echo "the run failed:"; tail -5 "$WORK/out.txt"; return; }
  awk '/^put\/request/ { printf "%-8s p50 %10s ms   p99 %10s ms   max %10s ms   rps %s\n", "", $5, $7, $9, $4 }
       /^generator:/ { print "         " $0 }' "$WORK/out.txt"
}

echo "== slow: 20 ms per answer, 32 connections (capacity ~1,600/s); 1,000/s then 2,000/s"
echo "corrected (from the intended send time):"; run slow --chaos-plan "$WORK/slow-plan.yaml" --admin-token "$TOKEN"
echo "not corrected (--no-co-correction):";       run slow --chaos-plan "$WORK/slow-plan.yaml" --admin-token "$TOKEN" --no-co-correction
echo "== overload: no fault, 256 connections, $RATE/s"
echo "corrected:";     run overload
echo "not corrected:"; run overload --no-co-correction
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
