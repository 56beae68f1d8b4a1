#!/usr/bin/env bash
# Two builds of `hcbench serve` side by side: for a change to the server, its before/after.
# Each round starts A, then B (the order alternates), pinned to SERVER_CPU, drives each with the
# same wrk command pinned to CLIENT_CPU, and reads the server's user + system time from
# /proc/PID/stat over the run. Prints every run, then the medians of requests/s and of server
# CPU per request, and B/A for both.
# Usage: bench/ab_serve.sh BINARY_A BINARY_B [ROUNDS] [URL_PATH] [-- WRK_ARGS...]
#   defaults: 5 rounds, /ping, wrk -t1 -c64 -d3s; `-- -H 'Connection: close'` for a new
#   connection per request, `-- -c1` for one connection (later wrk options win). Loopback only.
#   HTTPS: set SCHEME=https.
set -euo pipefail
usage() { sed -n 's/^# \{0,1\}//p' "$0" | sed -n '2,10p' >&2; exit 2; }
[[ $# -ge 2 ]] || usage
binaries=("$1" "$2")
shift 2
rounds=5
path=/ping
if [[ $# -gt 0 && $1 != -- ]]; then rounds=$1; shift; fi
if [[ $# -gt 0 && $1 != -- ]]; then path=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
wrk_args=("$@")
scheme=${SCHEME:-http}
client_cpu=${CLIENT_CPU:-0}
server_cpu=${SERVER_CPU:-1}
port=${PORT:-28700}
for b in "${binaries[@]}"; do [[ -x $b ]] || { echo "not an executable: $b" >&2; exit 2; }; done

server_pid=
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; true; }
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run_one BINARY -> prints "requests_per_second microseconds_of_server_cpu_per_request"
run_one() {
  local listeners
  if [[ $scheme == https ]]; then
    listeners=(--http-port off --https-port "$port")
  else
    listeners=(--http-port "$port" --https-port off)
  fi
  taskset -c "$server_cpu" "$1" serve --bind 127.0.0.1 "${listeners[@]}" --threads 1 >/dev/null &
  server_pid=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  local before after out requests errors
  before=$(cpu_ticks "$server_pid")
  out=$(taskset -c "$client_cpu" wrk -t1 -c64 -d3s "${wrk_args[@]}" "$scheme://127.0.0.1:$port$path")
  after=$(cpu_ticks "$server_pid")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  [[ -z $errors ]] || echo "  wrk reported errors: $errors" >&2
  python3 -c "import sys; r=int(sys.argv[1]); t=int(sys.argv[2]); hz=int(sys.argv[3]);
print(f'{r / 3:.0f} {t / hz * 1e6 / r:.2f}')" "$requests" $((after - before)) "$(getconf CLK_TCK)"
}

declare -a rps_a rps_b cpu_a cpu_b
echo "A = ${binaries[0]}, B = ${binaries[1]}; server on CPU $server_cpu, wrk on CPU $client_cpu:" \
     "wrk -t1 -c64 -d3s ${wrk_args[*]} $scheme://127.0.0.1:$port$path"
for ((round = 0; round < rounds; round++)); do
  order=(0 1); ((round % 2)) && order=(1 0)
  for i in "${order[@]}"; do
    read -r rps cpu < <(run_one "${binaries[$i]}")
    label=$([[ $i == 0 ]] && echo A || echo B)
    printf '  round %d %s: %8s requests/s, %6s us of server CPU per request\n' $((round + 1)) "$label" "$rps" "$cpu"
    if [[ $i == 0 ]]; then rps_a+=("$rps"); cpu_a+=("$cpu"); else rps_b+=("$rps"); cpu_b+=("$cpu"); fi
  done
done
python3 - "${rps_a[*]}" "${rps_b[*]}" "${cpu_a[*]}" "${cpu_b[*]}" <<'EOF'
import statistics, sys
ra, rb, ca, cb = ([float(x) for x in arg.split()] for arg in sys.argv[1:5])
ma, mb, na, nb = map(statistics.median, (ra, rb, ca, cb))
print(f"medians: A {ma:.0f} requests/s, {na:.2f} us/request; B {mb:.0f} requests/s, {nb:.2f} us/request")
print(f"B/A: requests/s x{mb / ma:.3f}, server CPU per request x{nb / na:.3f}")
EOF
