#!/usr/bin/env bash
# What hcbench's concurrent and open-loop rows cost, measured side by side against one
# `hcbench serve` with the same placement, round after round, alternating which goes first:
#  1. the concurrent raw-socket floor (floor.raw-socket at concurrency N, epoll) against wrk
#     with N connections (goal: the floor at >= 0.9x wrk's requests/s);
#  2. the native "Reuse handle, don't save body" row at concurrency N (the curl multi
#     interface) against a bare libcurl multi loop (bench/bare_curl_multi_loop.c; goal: within 5%);
#  3. the same row in open loop (--rate) at half of its closed-loop median from part 2 (goal:
#     the rate held, under 1% of requests started late).
# Usage: bench/overhead_concurrent.sh [BUILD_DIR] [ROUNDS] [CYCLES] [N] [PATH]
#   defaults: build 5 50000 64 /ping.  CLIENT_CPU / SERVER_CPU set the placement (default 0 / 1).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-5}
cycles=${3:-50000}
n=${4:-64}
path=${5:-/ping}
warmup=1000
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

bare="$build/bare_curl_multi_loop"
cc -O2 -o "$bare" bench/bare_curl_multi_loop.c $(pkg-config --cflags --libs libcurl)

source bench/lib.sh
start_server "$build"

# hcbench's median requests/s for one row (extra options after the row id); the run's own
# placement options keep it on the client CPU and leave the external server alone.
hcbench_run() {
  local row=$1; shift
  taskset -c "$client_cpu" "$build/hcbench" run "$base" --clients "$row" --endpoints "$path" \
    --concurrency "$n" --warmup "$warmup" --no-progress \
    --json "$work/run.json" "$@" > /dev/null || true
  python3 - "$work/run.json" <<'PY'
import json, sys
cell = json.load(open(sys.argv[1]))["cells"][0]
run = cell["runs"][0]
failures = run["failures"]["total"]
open_loop = run.get("open_loop") or {}
late = open_loop.get("late_starts", 0)
print(f'{run["rps"]:.1f} {failures} {late} {run["requests"]}')
PY
}
wrk_rps() {
  taskset -c "$client_cpu" wrk -t1 -c"$n" -d3s "$base$path" |
    awk '/^Requests\/sec:/ { print $2 }'
}
bare_rps() { taskset -c "$client_cpu" "$bare" "$base$path" "$cycles" "$n" "$warmup"; }
floor_rps() { read -r rps failures _ _ < <(hcbench_run floor.raw-socket --cycles "$cycles"); echo "$rps"; }
curl_rps() { read -r rps failures _ _ < <(hcbench_run curl.reuse-handle.discard-body --cycles "$cycles"); echo "$rps"; }

echo "client on CPU $client_cpu, server on CPU $server_cpu, $cycles requests of $path per run, $n in flight"
printf '%-6s %12s %12s %14s %14s\n' round "floor rps" "wrk rps" "curl multi rps" "bare multi rps"
fl=() wr=() cm=() bm=()
for round in $(seq "$rounds"); do
  if ((round % 2)); then
    a=$(floor_rps); b=$(wrk_rps); c=$(curl_rps); d=$(bare_rps)
  else
    b=$(wrk_rps); a=$(floor_rps); d=$(bare_rps); c=$(curl_rps)
  fi
  fl+=("$a") wr+=("$b") cm+=("$c") bm+=("$d")
  printf '%-6s %12s %12s %14s %14s\n' "$round" "$a" "$b" "$c" "$d"
done

# Part 3: open loop at half of the closed-loop median, for about 3 s a run.
closed=$(python3 -c 'import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "${cm[@]}")
rate=$(python3 -c "print(int(float('$closed') / 2))")
open_cycles=$((rate * 3))
echo
echo "open loop: --rate $rate (half of the closed-loop median $closed), $open_cycles requests a run"
printf '%-6s %14s %10s %12s\n' round "achieved rps" "late" "late %"
ol=()
for round in $(seq "$rounds"); do
  read -r rps failures late requests < <(hcbench_run curl.reuse-handle.discard-body \
    --cycles "$open_cycles" --rate "$rate" --max-in-flight "$n")
  pct=$(python3 -c "print(f'{100 * $late / max(1, $requests):.2f}')")
  ol+=("$rps:$late:$requests")
  printf '%-6s %14s %10s %12s\n' "$round" "$rps" "$late" "$pct"
done

python3 - "${fl[*]}" "${wr[*]}" "${cm[*]}" "${bm[*]}" "$rate" "${ol[*]}" <<'PY'
import statistics as st, sys
fl, wr, cm, bm = ([float(x) for x in a.split()] for a in sys.argv[1:5])
rate = float(sys.argv[5])
ol = [tuple(float(v) for v in x.split(":")) for x in sys.argv[6].split()]
def spread(v): return f"{st.median(v):,.0f} ({min(v):,.0f}–{max(v):,.0f})"
def paired(a, b): return st.median(x / y for x, y in zip(a, b))
print()
print("| comparison | hcbench, median (min–max) | reference, median (min–max) | ratio of medians | median of paired ratios | goal |")
print("|---|--:|--:|--:|--:|---|")
print(f"| concurrent floor vs wrk | {spread(fl)} | {spread(wr)} | {st.median(fl) / st.median(wr):.3f} | {paired(fl, wr):.3f} | ≥ 0.9 |")
print(f"| curl multi row vs bare multi loop | {spread(cm)} | {spread(bm)} | {st.median(cm) / st.median(bm):.3f} | {paired(cm, bm):.3f} | ≥ 0.95 |")
achieved = [r for r, _, _ in ol]
late = [100 * l / max(1, n) for _, l, n in ol]
print(f"| open loop at {rate:,.0f}/s | achieved {spread(achieved)} | late starts {st.median(late):.2f}% ({min(late):.2f}–{max(late):.2f}%) | {st.median(achieved) / rate:.3f} of the rate | | ≥ 0.99, < 1% late |")
PY
