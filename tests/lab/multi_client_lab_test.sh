#!/usr/bin/env bash
# The multi-client lab (tools/lab.sh --clients K), set up and used for real with K = 3 and
# client commands that need nothing new from hcbench:
#  1. three clients downloading at once: each link is its own ceiling (tbf shaped each one, the
#     body throughput of each client stays within its link's rate), the bytes crossed each
#     client's own link, every client saw its own index, address and result path and the same
#     start time, a few seconds ahead, and the server's /stats count read by the lab equals the
#     requests the clients made, exactly;
#  2. three `hcbench run --clients floor` processes across the bridge, each writing its JSON;
#  3. a K = 3 lab stopped by SIGTERM while its clients run exits 143;
# and no namespace, interface or process of the lab is left behind after any of them.
# The synchronized run and the merge (--start-at, report --merge) are multi_client_merge_test.sh.
#
# Root only (network namespaces, veth, bridges, tc): skipped with exit 77 otherwise.
set -euo pipefail
source_dir=${HCBENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
hcbench=${HCBENCH_BINARY:-$source_dir/build/hcbench}
lab=$source_dir/tools/lab.sh

skip() { echo "SKIP: $*"; exit 77; }
((EUID == 0)) || skip "the lab test needs root (network namespaces, veth pairs, bridges, tc)"
for tool in ip tc curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed: run tools/setup.sh"
done
ip netns add "hcbench-lab-probe-$$" 2>/dev/null || skip "network namespaces are not available here"
ip -n "hcbench-lab-probe-$$" link add probe type bridge 2>/dev/null ||
  { ip netns del "hcbench-lab-probe-$$"; skip "this kernel cannot make a bridge"; }
ip netns del "hcbench-lab-probe-$$"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "multi_client_lab_test: [$SECONDS s] $*"; }
json_get() { python3 -c "import json, sys; s = json.load(open(sys.argv[1])); print($2)" "$1"; }

# Nothing of lab PID may survive: namespaces, interfaces (in the root namespace), processes.
assert_torn_down() {
  local pid=$1 ns
  ! ip netns list | grep -q -- "-$pid\b" || fail "namespaces of lab $pid left behind: $(ip netns list)"
  ! ip -o link show | grep -q "hlab$pid" || fail "an interface of lab $pid is left in the root namespace"
  for ns in server-$pid client-$pid-1 client-$pid-2 client-$pid-3; do
    [[ -z "$(ip netns pids "hcbench-lab-$ns" 2>/dev/null)" ]] || fail "processes of lab $pid left in $ns"
  done
}

server="exec '$hcbench' serve --bind \$LAB_SERVER_ADDRESS --http-port \$LAB_HTTP_PORT --https-port off --max-length 32M"

# --- 1. three links, each its own ceiling ----------------------------------------------------
rate=100mbit mib=4
url="\$LAB_HTTP_URL/length/$((mib * 1048576))"
# Each client notes what the lab told it and when it started, then downloads the same body
# three times on one connection (the first also makes the payload on the server).
client="out=\${LAB_RESULT_JSON%.json}; date +%s%3N >\$out.started
env | grep '^LAB_' | sort >\$out.env
curl -sS --fail -o /dev/null -o /dev/null -o /dev/null -w '%{size_download} %{time_total}\n' $url $url $url >\$out.curl"
mkdir "$work/downloads"
"$lab" --clients 3 --rate "$rate" --server "$server" --client "$client" --results-dir "$work/downloads" \
  --summary "$work/summary.json" >"$work/lab.out" 2>"$work/lab.err" & pid=$!
wait "$pid" || { cat "$work/lab.err" "$work/downloads"/*.log >&2; fail "the K = 3 lab at $rate failed"; }
assert_torn_down "$pid"
grep -q 'nothing to merge' "$work/lab.err" || fail "the lab did not say that there was nothing to merge"
rate_bytes=$(json_get "$work/summary.json" 's["rate"]["bytes_per_second"]')
start_ms=$(json_get "$work/summary.json" 's["start_at_ms"]')
for n in 1 2 3; do
  out=$work/downloads/client-$n
  [[ -s $out.curl && -s $out.env ]] || { cat "$work/lab.err" >&2; fail "client $n left no output"; }
  grep -qx "LAB_CLIENT_INDEX=$n" "$out.env" || fail "client $n was not told its index: $(cat "$out.env")"
  grep -qx "LAB_CLIENT_ADDRESS=10.77.0.$((n + 1))" "$out.env" || fail "client $n was not told its address"
  grep -qx "LAB_HOST_LABEL=client-$n" "$out.env" || fail "client $n was not told its host label"
  grep -qx "LAB_CLIENTS=3" "$out.env" || fail "client $n was not told that there are 3 clients"
  grep -qx "LAB_START_AT_MS=$start_ms" "$out.env" || fail "client $n was told another start time"
  grep -qx "LAB_RESULT_JSON=$work/downloads/client-$n.json" "$out.env" || fail "client $n was told another result path"
  ahead=$((start_ms - $(cat "$out.started")))
  ((ahead > 0 && ahead <= 5000)) || fail "client $n started ${ahead} ms before the start time (expected 1 to 5000)"
  measured=$(tail -n 2 "$out.curl" | awk '{ bytes += $1; seconds += $2 } END { printf "%.0f", bytes / seconds }')
  ratio=$(awk -v m="$measured" -v r="$rate_bytes" 'BEGIN { printf "%.3f", m / r }')
  crossed=$(json_get "$work/summary.json" "s['links'][$((n - 1))]['server_to_client_bytes']")
  overlimits=$(json_get "$work/summary.json" "s['links'][$((n - 1))]['tbf']['server']['overlimits']")
  log "client $n: body throughput $ratio of its link's rate, $crossed bytes on its link, tbf overlimits $overlimits, started $ahead ms ahead"
  # Three links of the same rate run at once: each is limited by its own tbf, not by a shared one.
  awk -v x="$ratio" 'BEGIN { exit !(x >= 0.80 && x <= 1.02) }' ||
    fail "client $n's body throughput is $ratio of its link's rate (expected 0.80 to 1.02)"
  ((crossed >= 3 * mib * 1048576)) || fail "only $crossed bytes crossed client $n's link"
  ((overlimits > 0)) || fail "tbf never held a packet back on client $n's link"
done
server_requests=$(json_get "$work/summary.json" 's["server_requests"]')
((server_requests == 9)) || fail "the server counted $server_requests requests while the clients ran, not 3 x 3"
log "K = 3 at $rate: three links shaped separately, the server counted exactly 9 requests"

# --- 2. hcbench run in every client namespace ------------------------------------------------
client="exec '$hcbench' run \$LAB_HTTP_URL --clients floor --endpoints ping --cycles 200 --no-progress --json \${LAB_RESULT_JSON%.json}.run.json"
mkdir "$work/runs"
"$lab" --clients 3 --rate 517mbit --server "$server" --client "$client" --results-dir "$work/runs" \
  --summary "$work/summary.json" >"$work/lab.out" 2>"$work/lab.err" & pid=$!
wait "$pid" || { cat "$work/lab.err" "$work/runs"/*.log >&2; fail "hcbench run in the K = 3 lab failed"; }
assert_torn_down "$pid"
for n in 1 2 3; do
  file=$work/runs/client-$n.run.json
  [[ -s "$file" ]] || fail "client $n's hcbench run wrote no results"
  requests=$(json_get "$file" 'sum(c["summary"]["requests"] for c in s["cells"])')
  ((requests == 200)) || fail "client $n measured $requests requests, not 200"
  grep -q '10\.77\.0\.1' "$file" || fail "client $n's results do not name the lab's server address"
done
server_requests=$(json_get "$work/summary.json" 's["server_requests"]')
((server_requests >= 600)) || fail "the server counted only $server_requests requests from three clients of 200"
log "three hcbench run processes across the bridge: 200 requests each, the server counted $server_requests"

# --- 3. teardown when stopped in the middle --------------------------------------------------
"$lab" --clients 3 --rate 517mbit --server "$server" --client "sleep 60" 2>"$work/lab.err" & pid=$!
for _ in $(seq 100); do
  [[ -n "$(ip netns pids "hcbench-lab-client-$pid-3" 2>/dev/null)" ]] && break
  sleep 0.1
done
[[ -n "$(ip netns pids "hcbench-lab-client-$pid-3" 2>/dev/null)" ]] ||
  { cat "$work/lab.err" >&2; fail "the interrupted lab never started its third client"; }
inside=$(for ns in server-$pid client-$pid-1 client-$pid-2 client-$pid-3; do ip netns pids "hcbench-lab-$ns"; done)
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
((status == 143)) || { cat "$work/lab.err" >&2; fail "a K = 3 lab stopped by SIGTERM exited with $status"; }
assert_torn_down "$pid"
running() { [[ -r "/proc/$1/stat" && "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
for p in $inside; do
  ! running "$p" || fail "process $p ($(cat "/proc/$p/comm" 2>/dev/null)) outlived its lab"
done
log "SIGTERM in the middle: exit 143, everything torn down"
echo "PASS"
