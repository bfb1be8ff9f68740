#!/usr/bin/env bash
# A short load run against the real simulator with pass/fail thresholds: the load driver's exit code is the verdict.
# Usage: scripts/ci-load-run.sh [seconds] [virtual users]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
users=${2:-50}
port=5181
dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
dotnet build -c Release -v q --nologo load/MrdSimulator.Load >/dev/null

dotnet src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll --urls "http://127.0.0.1:$port" --xmpp-port -1 >/tmp/ci-load-simulator.log 2>&1 &
simulator=$!
trap 'kill $simulator 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done

reports=$(mktemp -d)
dotnet load/MrdSimulator.Load/bin/Release/net10.0/mrdload.dll run --builtin agent-shift \
  -u "http://127.0.0.1:$port" --agents 1000-1199 --copies "$users" -d "${seconds}s" --plain -o "$reports" \
  -t "lost_notifications = 0" -t "duplicate_notifications = 0" -t "out_of_order_notifications = 0" -t "contradicting_notifications = 0" -t "fail% < 0.1"
echo "load run reports: $reports"
