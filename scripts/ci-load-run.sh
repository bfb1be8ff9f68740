#!/usr/bin/env bash
# A short load run against the real simulator with pass/fail thresholds: the load driver's exit code is the verdict.
# Usage: scripts/ci-load-run.sh [pass] [seconds] [virtual users]
#   pass: shift-sse    agent-shift, notifications over the server-sent events stream (default)
#         shift-xmpp   agent-shift, notifications over one XMPP session per agent
#         tasks        task-handling: a CCP task feed and agents working the tasks, every task accounted for
set -euo pipefail
cd "$(dirname "$0")/.."
pass=${1:-shift-sse}
seconds=${2:-15}
users=${3:-50}
port=5181
xmpp_port=5182
dotnet build -c Release -v q --nologo src/MrdSimulator.Gateway >/dev/null
dotnet build -c Release -v q --nologo load/MrdSimulator.Load >/dev/null

dotnet src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll --urls "http://127.0.0.1:$port" --xmpp-port "$xmpp_port" >/tmp/ci-load-simulator.log 2>&1 &
simulator=$!
trap 'kill $simulator 2>/dev/null || true; wait $simulator 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done

notifications=(-t "lost_notifications = 0" -t "duplicate_notifications = 0" -t "out_of_order_notifications = 0" -t "contradicting_notifications = 0")
case "$pass" in
  shift-sse) args=(--builtin agent-shift --agents 1000-1199 --notifications sse "${notifications[@]}" -t "fail% < 0.1") ;;
  shift-xmpp) args=(--builtin agent-shift --agents 1000-1199 --notifications xmpp --xmpp-port "$xmpp_port" "${notifications[@]}" -t "fail% < 0.1") ;;
  tasks) args=(--builtin task-handling --agents 1000-1049 --task-rate 10 --tasks-per-shift 5 --transfer-share 0.2
               -t "lost_tasks = 0" -t "unresolved_tasks = 0" -t "lost_notifications = 0" -t "duplicate_notifications = 0" -t "fail% = 0") ;;
  *) echo "unknown pass '$pass' (shift-sse, shift-xmpp, tasks)" >&2; exit 2 ;;
esac

reports=$(mktemp -d)
echo "load run '$pass': ${seconds}s, $users virtual users"
dotnet load/MrdSimulator.Load/bin/Release/net10.0/mrdload.dll run "${args[@]}" \
  -u "http://127.0.0.1:$port" --copies "$users" -d "${seconds}s" --plain -o "$reports"
echo "load run reports: $reports"
