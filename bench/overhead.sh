#!/usr/bin/env bash
# What hcbench's measuring costs: its native "Reuse handle, don't save body" row against a bare
# libcurl loop doing the same requests (bench/bare_curl_loop.c), alternated in one run against
# one `hcbench serve`, with the same placement. Prints each round and the ratio of the medians
# (hcbench requests/s over the bare loop's); the goal is a cost under 2%.
# Usage: bench/overhead.sh [BUILD_DIR] [ROUNDS] [CYCLES] [PATH]
#   defaults: build 5 20000 /ping.  CLIENT_CPU / SERVER_CPU set the placement (default 0 / 1
#   on a machine with 2 CPUs or more, else both 0).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-5}
cycles=${3:-20000}
path=${4:-/ping}
warmup=200

bare="$build/bare_curl_loop"
cc -O2 -o "$bare" bench/bare_curl_loop.c $(pkg-config --cflags --libs libcurl)

source bench/lib.sh
start_server "$build"

hcbench_rps() {
  taskset -c "$client_cpu" "$build/hcbench" run "$base" --clients curl.reuse-handle.discard-body \
    --endpoints "$path" --cycles "$cycles" --warmup "$warmup" --no-progress \
    --json "$work/run.json" > /dev/null
  python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["cells"][0]["summary"]["rps"]["median"])' \
    "$work/run.json"
}
bare_rps() { taskset -c "$client_cpu" "$bare" "$base$path" "$cycles" "$warmup"; }

echo "client on CPU $client_cpu, server on CPU $server_cpu, $cycles requests of $path per round"
printf '%-6s %14s %14s\n' round "hcbench rps" "bare loop rps"
hc=() bl=()
for round in $(seq "$rounds"); do
  # Alternate which goes first, so drift in the machine's load falls on both.
  if ((round % 2)); then a=$(hcbench_rps); b=$(bare_rps); else b=$(bare_rps); a=$(hcbench_rps); fi
  hc+=("$a") bl+=("$b")
  printf '%-6s %14s %14s\n' "$round" "$a" "$b"
done
python3 - "${hc[*]}" "${bl[*]}" <<'PY'
import statistics, sys
hc = [float(x) for x in sys.argv[1].split()]
bl = [float(x) for x in sys.argv[2].split()]
ratio = statistics.median(hc) / statistics.median(bl)
# Each round's pair ran back to back, so its ratio cancels most of the machine's drift.
paired = statistics.median(a / b for a, b in zip(hc, bl))
print(f"median: hcbench {statistics.median(hc):.1f} rps, bare loop {statistics.median(bl):.1f} rps")
print(f"ratio of medians hcbench/bare = {ratio:.4f} (measuring cost {100 * (1 - ratio):+.2f}%)")
print(f"median of paired ratios       = {paired:.4f} (measuring cost {100 * (1 - paired):+.2f}%)")
PY
