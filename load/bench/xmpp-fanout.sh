#!/usr/bin/env bash
# XMPP fan-out benchmark (docs/xmpp.md "Benchmarks"): starts the gateway with a generated directory, signs
# every agent in, opens one XMPP session per agent, then drives REST state changes at a fixed rate and
# prints sent / received / lost and the PUT→event latency percentiles, plus server RSS per idle session.
#
#   load/bench/xmpp-fanout.sh [--sessions 10000] [--rate 5000] [--duration 20]
set -euo pipefail
cd "$(dirname "$0")/../.."

SESSIONS=10000 RATE=5000 DURATION=20 HTTP_PORT=${HTTP_PORT:-5180} XMPP_PORT=${XMPP_PORT:-5322}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sessions) SESSIONS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# Two sockets per session on this machine (client and server side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
dotnet build -c Release -v q --nologo load/bench/XmppFanout >/dev/null

LOG=$(mktemp) SERVER=
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG"' EXIT
source load/bench/simulator.sh
start_simulator "$LOG" --urls "http://127.0.0.1:${HTTP_PORT}" --xmpp-port "$XMPP_PORT" --agents "$SESSIONS" \
  --xmpp-max-connections $((SESSIONS + 100))

echo "gateway pid $SERVER: $(grep -h 'listening' "$LOG" | tr '\n' ' ')"
dotnet load/bench/XmppFanout/bin/Release/net10.0/XmppFanout.dll \
  --http "http://127.0.0.1:${HTTP_PORT}" --xmpp-port "$XMPP_PORT" --sessions "$SESSIONS" \
  --rate "$RATE" --duration "$DURATION" --server-pid "$SERVER"
