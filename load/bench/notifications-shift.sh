#!/usr/bin/env bash
# agent-shift through one notification transport (docs/load-driver.md "XMPP vs SSE"): starts the simulator
# (Release) with enough agents, runs mrdload's agent-shift in the closed model with --notifications sse|xmpp,
# samples both processes every second and prints mrdload's summary plus peak RSS and mean CPU of each.
#
#   load/bench/notifications-shift.sh [--transport xmpp] [--agents 2000] [--ramp 10s] [--duration 50s] [--mrds 5000,5001,5002]
#                                     [--think-time 0ms] [--notification-timeout 5s]
#   (--agents N: agents 1000..1000+N-1, one closed virtual user each; --think-time paces every action of an agent)
set -euo pipefail
cd "$(dirname "$0")/../.."

TRANSPORT=xmpp AGENTS=2000 RAMP=10s DURATION=50s MRDS=5000,5001,5002 THINK=0ms TIMEOUT=5s HTTP_PORT=${HTTP_PORT:-5291} XMPP_PORT=${XMPP_PORT:-5299}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --transport) TRANSPORT=$2; shift 2 ;;
    --agents) AGENTS=$2; shift 2 ;;
    --ramp) RAMP=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --mrds) MRDS=$2; shift 2 ;;
    --think-time) THINK=$2; shift 2 ;;
    --notification-timeout) TIMEOUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Two sockets per agent on this machine (driver and simulator side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ -z "${NO_BUILD:-}" ]]; then
  dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
  dotnet build -c Release -v q --nologo load/MrdSimulator.Load >/dev/null
fi

LOG=$(mktemp) SAMPLES=$(mktemp) SCENARIO=$(mktemp --suffix=.yaml)
# Think time has no command-line switch: a one-scenario file carries it; the command line sets the rest.
printf 'scenarios:\n  - name: agent-shift\n    type: agent-shift\n    thinkTime: %s\n    load: [keep-constant 1 1s]\nthresholds: [lost_notifications = 0]\n' "$THINK" >"$SCENARIO"
SERVER=
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG" "$SAMPLES" "$SCENARIO"' EXIT
source load/bench/simulator.sh
start_simulator "$LOG" --urls "http://127.0.0.1:${HTTP_PORT}" --xmpp-port "$XMPP_PORT" --agents "$AGENTS" \
  --xmpp-max-connections $((AGENTS + 1000))

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

dotnet load/MrdSimulator.Load/bin/Release/net10.0/mrdload.dll run "$SCENARIO" --notification-timeout "$TIMEOUT" \
  -u "http://127.0.0.1:${HTTP_PORT}" --notifications "$TRANSPORT" --xmpp-port "$XMPP_PORT" \
  --agents "1000-$((1000 + AGENTS - 1))" --mrds "$MRDS" --copies "$AGENTS" --ramp "$RAMP" -d "$DURATION" \
  --max-fail-count 0 --plain --report-formats json -o "${REPORTS:-/tmp/mrdload-reports}" --name "shift-$TRANSPORT-$AGENTS" &
DRIVER=$!
START=$(date +%s.%N) S0=$(ticks "$SERVER") D0=$(ticks "$DRIVER")
while kill -0 "$DRIVER" 2>/dev/null; do
  echo "$(rss "$SERVER") $(rss "$DRIVER") $(ticks "$SERVER") $(ticks "$DRIVER") $(date +%s.%N)" >>"$SAMPLES"
  sleep 1
done
wait "$DRIVER" && CODE=0 || CODE=$?
awk -v s0="$S0" -v d0="$D0" -v t0="$START" -v hz="$HZ" '
  NF == 5 && $3 > 0 && $4 > 0 { if ($1 > ps) ps = $1; if ($2 > pd) pd = $2; s = $3; d = $4; t = $5 }
  END {
    el = t - t0;
    printf "simulator: peak RSS %.0f MiB, mean CPU %.0f %% of one core\n", ps / 1024, 100 * (s - s0) / hz / el;
    printf "mrdload:   peak RSS %.0f MiB, mean CPU %.0f %% of one core (over %.0f s, includes ramp, drain and clean)\n", pd / 1024, 100 * (d - d0) / hz / el, el;
  }' "$SAMPLES"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); mrdload exit code $CODE"
exit "$CODE"
