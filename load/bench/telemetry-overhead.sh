#!/usr/bin/env bash
# Telemetry overhead on state-change throughput: the simulator with telemetry off (--telemetry off) versus on
# (OTLP metrics+traces exported to a local sink, /metrics scraped every second), each driven by wrk rotating
# READY / NOT_READY PUTs over 1,000 signed-in agents. Runs alternate off/on ROUNDS times; prints the ratio.
#
#   load/bench/telemetry-overhead.sh            # DURATION=20 WARMUP=5 ROUNDS=2 THREADS=2 CONNECTIONS=32
#   ON_ENV="OTEL_TRACES_EXPORTER=none" load/bench/telemetry-overhead.sh   # extra variables for the "on" run
# Needs: dotnet SDK, wrk, curl, python3.
set -euo pipefail

DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
AGENTS=1000
FIRST_AGENT=1000
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk curl python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y wrk curl python3)" >&2; exit 2; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "building Release…" >&2
dotnet build -c Release -v quiet -nologo "$ROOT/src/MrdSimulator.Gateway" >/dev/null
DLL="$ROOT/src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll"

# wrk script: each thread owns the agents i ≡ thread (mod THREADS) and flips each between READY and NOT_READY.
{
  echo "local auth = {"
  for ((i = 0; i < AGENTS; i++)); do
    id=$((FIRST_AGENT + i))
    printf '  "Basic %s",\n' "$(printf '%s:password' "$id" | base64 -w0)"
  done
  echo "}"
  cat <<LUA
local first, count, threads = $FIRST_AGENT, $AGENTS, $THREADS
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local i, flip = nil, {}
function request()
  if i == nil then i = tid end
  local agent = i
  i = i + threads
  if i >= count then i = tid end
  flip[agent] = not flip[agent]
  local body
  if flip[agent] then
    body = "<Media><state>READY</state></Media>"
  else
    body = "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>"
  end
  return wrk.format("PUT", "/finesse/api/User/" .. (first + agent) .. "/Media/5000",
    { ["Authorization"] = auth[agent + 1], ["Content-Type"] = "application/xml" }, body)
end
function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format("RESULT rps=%.1f requests=%d non2xx=%d p50_ms=%.3f p99_ms=%.3f\n",
    summary.requests / (summary.duration / 1e6), summary.requests, non2xx,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
} > "$WORK/rotate.lua"

RPS=0
run_once() { # mode → sets RPS
  local mode=$1 port sink_port scraper="" sink=""
  port=$(free_port)
  local env=()
  local args=(--urls "http://127.0.0.1:$port" --agents $AGENTS)
  if [[ $mode == off ]]; then
    args+=(--telemetry off)
  else
    sink_port=$(free_port)
    while [[ $sink_port == "$port" ]]; do sink_port=$(free_port); done
    python3 "$ROOT/load/bench/otlp-sink.py" "$sink_port" & sink=$!; PIDS+=($sink)
    env=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_METRIC_EXPORT_INTERVAL=5000)
    # shellcheck disable=SC2206 # ON_ENV="OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.1" tries other settings
    env+=(${ON_ENV:-})
  fi
  env "${env[@]}" dotnet "$DLL" "${args[@]}" > "$WORK/sim-$mode.log" 2>&1 & local sim=$!; PIDS+=($sim)
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1 && break; sleep 0.1; done
  # Sign the 1,000 agents in to chat (8 at a time).
  if ! seq $FIRST_AGENT $((FIRST_AGENT + AGENTS - 1)) | xargs -P 8 -I{} curl -fsS --retry 5 --retry-connrefused --retry-delay 1 -o /dev/null -X PUT -u "{}:password" \
    -H 'Content-Type: application/xml' \
    --data '<Media><maxDialogLimit>3</maxDialogLimit><state>LOGIN</state><interruptAction>ACCEPT</interruptAction></Media>' \
    "http://127.0.0.1:$port/finesse/api/User/{}/Media/5000"; then
    echo "sign-in failed (telemetry $mode); simulator log:" >&2; tail -20 "$WORK/sim-$mode.log" >&2; exit 1
  fi
  if [[ $mode == on ]]; then
    ( while curl -fs -o /dev/null "http://127.0.0.1:$port/metrics"; do sleep 1; done ) & scraper=$!; PIDS+=($scraper)
  fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$WORK/rotate.lua" "http://127.0.0.1:$port" >/dev/null
  local result
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/rotate.lua" "http://127.0.0.1:$port" > "$WORK/wrk-$mode.txt" 2>&1 || true
  result=$(grep '^RESULT' "$WORK/wrk-$mode.txt" || true)
  if [[ -z $result ]]; then
    echo "wrk failed (telemetry $mode):" >&2; cat "$WORK/wrk-$mode.txt" >&2; tail -20 "$WORK/sim-$mode.log" >&2; exit 1
  fi
  echo "telemetry $mode: ${result#RESULT }" >&2
  for pid in $scraper $sim $sink; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  local rps=${result#*rps=}; RPS=${rps%% *}
}

off_total=0; on_total=0
for ((r = 1; r <= ROUNDS; r++)); do
  run_once off; off=$RPS
  run_once on; on=$RPS
  off_total=$(python3 -c "print($off_total + $off)"); on_total=$(python3 -c "print($on_total + $on)")
done
python3 - "$off_total" "$on_total" "$ROUNDS" <<'PY'
import sys
off, on, rounds = float(sys.argv[1]) / int(sys.argv[3]), float(sys.argv[2]) / int(sys.argv[3]), int(sys.argv[3])
ratio = on / off
print(f"state changes/s  off: {off:,.0f}  on: {on:,.0f}  on/off: {ratio:.3f}  overhead: {(1 - ratio) * 100:.1f} %  (budget 10 %)")
sys.exit(0 if ratio >= 0.90 else 1)
PY
