#!/usr/bin/env bash
# The two-host lab (tools/lab.sh), set up and used for real:
#  1. at two tbf rates, bulk downloads from `hcbench serve` across the link run within 10% of
#     the configured rate, the veth counters show the bytes crossed the link, and tbf shaped
#     them (overlimits);
#  2. a small `hcbench run` matrix (native rows, HTTP and HTTPS, 4 B and 64 KiB) runs across the
#     link without a failed request, and its traffic crosses the veth;
#  3. a lab stopped by SIGTERM in the middle of its client still tears everything down;
# and no namespace, interface or process of the lab is left behind after any of them.
#
# Root only (network namespaces, veth, tc): skipped with exit 77 otherwise.
set -euo pipefail
source_dir=${HCBENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
hcbench=${HCBENCH_BINARY:-$source_dir/build/hcbench}
lab=$source_dir/tools/lab.sh

skip() { echo "SKIP: $*"; exit 77; }
((EUID == 0)) || skip "the lab test needs root (network namespaces, veth pairs, tc)"
for tool in ip tc curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed: run tools/setup.sh"
done
ip netns add "hcbench-lab-probe-$$" 2>/dev/null || skip "network namespaces are not available here"
ip netns del "hcbench-lab-probe-$$"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "lab_test: [$SECONDS s] $*"; }

# Reads one value from a lab summary: json_get FILE 'python expression over s'.
json_get() { python3 -c "import json, sys; s = json.load(open(sys.argv[1])); print($2)" "$1"; }

# Nothing of lab PID may survive: namespaces, interfaces (in any namespace left), processes.
assert_torn_down() {
  local pid=$1
  ! ip netns list | grep -q -- "-$pid\b" || fail "namespaces of lab $pid left behind: $(ip netns list)"
  ! ip -o link show | grep -q "hlab$pid" || fail "an interface of lab $pid is left in the root namespace"
  [[ -z "$(ip netns pids "hcbench-lab-server-$pid" 2>/dev/null)" ]] || fail "processes of lab $pid left"
}

server="exec '$hcbench' serve --bind \$LAB_SERVER_ADDRESS --http-port \$LAB_HTTP_PORT --https-port off --max-length 32M"

# --- 1. the rate limit is the ceiling -------------------------------------------------------
for case in "517mbit 16" "100mbit 4"; do
  read -r rate mib <<<"$case"
  url="\$LAB_HTTP_URL/length/$((mib * 1048576))"
  # Three downloads of the same body on one connection; the first also makes the payload, so
  # the rate is taken from the last two.
  client="curl -sS --fail -o /dev/null -o /dev/null -o /dev/null -w '%{size_download} %{time_total}\n' $url $url $url"
  "$lab" --rate "$rate" --server "$server" --client "$client" --summary "$work/summary.json" \
    >"$work/client.out" 2>"$work/lab.err" & pid=$!
  wait "$pid" || { cat "$work/lab.err" "$work/client.out" >&2; fail "lab at $rate failed"; }
  assert_torn_down "$pid"
  rate_bytes=$(json_get "$work/summary.json" 's["rate"]["bytes_per_second"]')
  measured=$(tail -n 2 "$work/client.out" | awk '{ bytes += $1; seconds += $2 } END { printf "%.0f", bytes / seconds }')
  ratio=$(awk -v m="$measured" -v r="$rate_bytes" 'BEGIN { printf "%.3f", m / r }')
  crossed=$(json_get "$work/summary.json" 's["server_to_client_bytes"]')
  overlimits=$(json_get "$work/summary.json" 's["tbf"]["server"]["overlimits"]')
  log "rate $rate: body throughput $measured B/s = $ratio of the rate; $crossed bytes crossed the veth; tbf overlimits $overlimits"
  awk -v x="$ratio" 'BEGIN { exit !(x >= 0.90 && x <= 1.02) }' ||
    fail "at $rate the body throughput is $ratio of the configured rate (expected 0.90 to 1.02)"
  ((crossed >= 3 * mib * 1048576)) || fail "only $crossed bytes crossed the veth at $rate"
  ((overlimits > 0)) || fail "tbf never held a packet back at $rate"
done

# --- 2. a small matrix across the link -------------------------------------------------------
"$lab" --rate 517mbit --hcbench "$hcbench" --summary "$work/summary.json" -- \
  --clients native --cycles 20 --sizes 4,64k --no-progress --json "$work/run.json" \
  >"$work/client.out" 2>"$work/lab.err" & pid=$!
wait "$pid" || { cat "$work/lab.err" "$work/client.out" >&2; fail "hcbench run across the lab failed"; }
assert_torn_down "$pid"
[[ -s "$work/run.json" ]] || fail "hcbench run wrote no results"
grep -q '10\.77\.0\.1' "$work/run.json" || fail "the results do not name the lab's server address"
crossed=$(json_get "$work/summary.json" 's["server_to_client_bytes"]')
# At least the 65536-byte bodies of 20 requests must have crossed, whatever the matrix.
((crossed >= 20 * 65536)) || fail "only $crossed bytes crossed the veth during the matrix"
log "matrix: hcbench run succeeded, $crossed bytes crossed the veth"

# --- 3. teardown when stopped in the middle --------------------------------------------------
"$lab" --rate 517mbit --server "$server" --client "sleep 60" 2>"$work/lab.err" & pid=$!
for _ in $(seq 100); do
  [[ -n "$(ip netns pids "hcbench-lab-client-$pid" 2>/dev/null)" ]] && break
  sleep 0.1
done
[[ -n "$(ip netns pids "hcbench-lab-client-$pid" 2>/dev/null)" ]] ||
  { cat "$work/lab.err" >&2; fail "the interrupted lab never started its client"; }
inside=$(ip netns pids "hcbench-lab-server-$pid"; ip netns pids "hcbench-lab-client-$pid")
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
((status == 143)) || { cat "$work/lab.err" >&2; fail "a lab stopped by SIGTERM exited with $status"; }
assert_torn_down "$pid"
# A process counts as alive while it can run: a zombie waiting for its reaper does not.
running() { [[ -r "/proc/$1/stat" && "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
for p in $inside; do
  ! running "$p" || fail "process $p ($(cat "/proc/$p/comm" 2>/dev/null)) outlived its lab"
done
log "SIGTERM in the middle: exit 143, everything torn down"
echo "PASS"
