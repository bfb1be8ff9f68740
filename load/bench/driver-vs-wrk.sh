#!/usr/bin/env bash
# Compares mrdload's request rate with wrk's on the same bare Kestrel endpoint (load/bench/BareServer), in one run.
# Both generators get the same closed-model setup: C connections, PUT with the same XML body, D seconds each.
# With PIN=1 (default) the server runs on CPU 0 and each generator on CPU 1, so neither starves the other.
# The server's JIT keeps improving for several seconds, so it is warmed up first (WARMUP) and the generators then
# alternate for ROUNDS rounds; the means are compared.
# Usage: load/bench/driver-vs-wrk.sh    (DURATION=10s ROUNDS=2 WARMUP=10s CONNECTIONS=64 PORT=5099 PIN=1)
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-2}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-5099}"
PIN="${PIN:-1}"
URL="http://127.0.0.1:${PORT}"
PATH_="/finesse/api/User/1000/Media/5000"
BODY='<Media><state>READY</state></Media>'
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

if [[ "$PIN" == "1" && "$(nproc)" -ge 2 ]] && command -v taskset >/dev/null; then
  ON_SERVER=(taskset -c 0)
  ON_CLIENT=(taskset -c 1)
else
  ON_SERVER=()
  ON_CLIENT=()
fi

echo "building (Release)..."
dotnet build load/bench/BareServer/BareServer.csproj -c Release -nologo -v q >/dev/null
dotnet build load/MrdSimulator.Load/MrdSimulator.Load.csproj -c Release -nologo -v q >/dev/null

"${ON_SERVER[@]}" dotnet load/bench/BareServer/bin/Release/net10.0/bareserver.dll --urls "$URL" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do
  curl -s -o /dev/null "$URL/" 2>/dev/null && break
  sleep 0.2
done

cat >"$WORK/put.lua" <<LUA
wrk.method = "PUT"
wrk.body = "${BODY}"
wrk.headers["Content-Type"] = "application/xml"
wrk.headers["requestId"] = "bench"
LUA

echo "warming the server up ($WARMUP, discarded)..."
"${ON_CLIENT[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/put.lua" "$URL$PATH_" >/dev/null

WRK_ALL=()
DRIVER_ALL=()
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: wrk -t1 -c$CONNECTIONS -d$DURATION --latency -s put.lua $URL$PATH_"
  "${ON_CLIENT[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/put.lua" "$URL$PATH_" | tee "$WORK/wrk.txt"
  WRK_ALL+=("$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.txt")")

  echo "round $round: mrdload run --builtin http --copies $CONNECTIONS -d $DURATION --max-connections $CONNECTIONS"
  "${ON_CLIENT[@]}" dotnet load/MrdSimulator.Load/bin/Release/net10.0/mrdload.dll run --builtin http -u "$URL" --path "$PATH_" \
    --body "$BODY" --copies "$CONNECTIONS" -d "$DURATION" --max-connections "$CONNECTIONS" \
    --report-formats none --plain | tee "$WORK/mrdload.txt"
  DRIVER_ALL+=("$(awk '$1 == "http/request" {print $4}' "$WORK/mrdload.txt")")
done

mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.1f", s / NR }'; }
WRK_RPS="$(mean "${WRK_ALL[@]}")"
DRIVER_RPS="$(mean "${DRIVER_ALL[@]}")"
echo
echo "wrk      rounds: ${WRK_ALL[*]}  mean ${WRK_RPS} req/s"
echo "mrdload  rounds: ${DRIVER_ALL[*]}  mean ${DRIVER_RPS} req/s"
RATIO="$(awk -v d="$DRIVER_RPS" -v w="$WRK_RPS" 'BEGIN { printf "%.2f", d / w }')"
echo "ratio mrdload/wrk: ${RATIO}x (target >= 0.80x)"
awk -v r="$RATIO" 'BEGIN { exit (r >= 0.8 ? 0 : 1) }' || { echo "below target" >&2; exit 1; }
