# Sourced by the bench scripts: start_simulator LOG ARGS... starts the Release gateway with ARGS, logging to LOG,
# sets SERVER to its pid and returns once it listens (prints the log and fails if it exits first).
# Set the caller's EXIT trap (kill "$SERVER") before calling it.
start_simulator() {
  local log=$1
  shift
  dotnet src/MrdSimulator.Gateway/bin/Release/net10.0/MrdSimulator.Gateway.dll "$@" >"$log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 200); do
    grep -q "MRD Simulator listening" "$log" && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$log"; return 1; }
    sleep 0.1
  done
  echo "the simulator did not start within 20 s" >&2
  return 1
}
