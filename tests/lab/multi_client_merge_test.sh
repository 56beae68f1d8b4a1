#!/usr/bin/env bash
# Three synchronized client hosts and one exact merge, in the lab (tools/lab.sh --clients 3):
# three `hcbench run --start-at T` processes in their own namespaces, each behind its own
# 50mbit link to the server's bridge, then `hcbench report --merge` of their three files.
#  - the merged request count is the sum of the hosts' counts, and the server's /stats count
#    over the clients' run equals it exactly, once each client's own extra requests (its /stats
#    reads and warm-up, measured by one calibration run of the same command alone) are added;
#  - and so, cell by cell, does the merge's own check (the server's totals read by the hosts
#    around their runs of the cell: from the earliest reading to the latest);
#  - the hosts' measured windows of each cell overlap;
#  - the aggregate rate respects the links' capacity: no host's body throughput exceeds its
#    link's rate, and the merged throughput does not exceed three links' worth;
#  - the merged p50 lies between the hosts' p50s (a merged distribution, not an average of
#    figures outside it), and the run id and host labels are recorded;
#  - nothing is left behind.
# Root only; skipped (exit 77) until hcbench has `run --start-at` and `report --merge`.
set -euo pipefail
source_dir=${HCBENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
hcbench=${HCBENCH_BINARY:-$source_dir/build/hcbench}
lab=$source_dir/tools/lab.sh

skip() { echo "SKIP: $*"; exit 77; }
((EUID == 0)) || skip "the lab test needs root (network namespaces, veth pairs, bridges, tc)"
for tool in ip tc curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed: run tools/setup.sh"
done
"$hcbench" run --help 2>&1 | grep -q -- --start-at || skip "hcbench run has no --start-at yet"
"$hcbench" report --help 2>&1 | grep -q -- --merge || skip "hcbench report has no --merge yet"
ip netns add "hcbench-lab-probe-$$" 2>/dev/null || skip "network namespaces are not available here"
ip netns del "hcbench-lab-probe-$$"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "multi_client_merge_test: [$SECONDS s] $*"; }
json_get() { python3 -c "import json, sys; s = json.load(open(sys.argv[1])); print($2)" "$1"; }
assert_torn_down() {
  ! ip netns list | grep -q -- "-$1\b" || fail "namespaces of lab $1 left behind: $(ip netns list)"
  ! ip -o link show | grep -q "hlab$1" || fail "an interface of lab $1 is left in the root namespace"
}

rate=50mbit
# Two cells: 4-byte bodies (the clients' own cost) and 64 KiB bodies (the links' bandwidth).
# Each window ends after 2 s, or 100000 requests: bounded in count and time.
# The lab's default server (HTTP and HTTPS), and HTTP only: the floor's protocol.
options=(--clients floor --protocols http --sizes 4,64k --cycles 100000 --duration 2 --warmup 5 --no-progress)

# --- calibration: what one client sends besides its measured requests ------------------------
# The same command alone, between two /stats reads of its own: the server's count minus the
# measured requests is the client's own overhead (its /stats reads around each cell, warm-up).
calibrate="before=\$(curl -s \$LAB_HTTP_URL/stats) &&
  '$hcbench' run \$LAB_HTTP_URL --start-at \$((\$(date +%s%3N) + 3000)) --run-id calibration \
    --host-label alone --json $work/alone.json ${options[*]} >$work/alone.log 2>&1 &&
  after=\$(curl -s \$LAB_HTTP_URL/stats) && echo \"\$before\" >$work/before.json && echo \"\$after\" >$work/after.json"
"$lab" --rate "$rate" --hcbench "$hcbench" --client "$calibrate" 2>"$work/lab.err" & pid=$!
wait "$pid" || { cat "$work/lab.err" "$work/alone.log" >&2; fail "the calibration run failed"; }
assert_torn_down "$pid"
alone_requests=$(json_get "$work/alone.json" 'sum(c["summary"]["requests"] for c in s["cells"])')
server_alone=$(($(json_get "$work/after.json" 's["requests"]["total"]') - $(json_get "$work/before.json" 's["requests"]["total"]') - 1))
overhead=$((server_alone - alone_requests))
log "calibration: one client measured $alone_requests requests, the server counted $server_alone: $overhead of the client's own"
((overhead >= 0 && overhead <= 100)) || fail "one client's own requests are $overhead (expected 0 to 100)"

# --- three synchronized clients --------------------------------------------------------------
mkdir "$work/hosts"
"$lab" --clients 3 --rate "$rate" --hcbench "$hcbench" --results-dir "$work/hosts" --run-id merge-test \
  --summary "$work/summary.json" -- "${options[@]}" >"$work/merged.out" 2>"$work/lab.err" & pid=$!
wait "$pid" || { cat "$work/lab.err" "$work/hosts"/*.log "$work/merged.out" >&2; fail "the K = 3 lab failed"; }
assert_torn_down "$pid"
[[ -s "$work/hosts/merged.json" ]] || fail "the lab wrote no merged.json"
[[ -s "$work/merged.out" ]] || fail "the lab printed no merged table"
server_requests=$(json_get "$work/summary.json" 's["server_requests"]')
rate_bytes=$(json_get "$work/summary.json" 's["rate"]["bytes_per_second"]')

python3 - "$work/hosts" "$server_requests" "$overhead" "$rate_bytes" <<'PY' || fail "the merged run does not hold (above)"
import json, sys

hosts_dir, server_requests, overhead, rate_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
hosts = [json.load(open(f"{hosts_dir}/client-{n}.json")) for n in (1, 2, 3)]
merged = json.load(open(f"{hosts_dir}/merged.json"))
texts = [open(f"{hosts_dir}/client-{n}.json").read() for n in (1, 2, 3)]
problems = []


def key(cell):
    return (cell["row_id"], cell["protocol"], cell["path"], cell["concurrency"])


def aggregate(doc):
    """The cells of a document, less any per-host rows a merged document keeps beside them."""
    return [c for c in doc["cells"] if not (c.get("host_label") or c.get("host"))]


def total(doc):
    return sum(cell["summary"]["requests"] for cell in aggregate(doc))


def window(doc, run):
    """The measured window in Unix seconds: the recorded one if the run has it, else from the
    run's start offset and wall time."""
    for name in ("window", "measured_window"):
        w = run.get(name)
        if isinstance(w, dict) and "start_unix_ms" in w and "end_unix_ms" in w:
            return w["start_unix_ms"] / 1000, w["end_unix_ms"] / 1000
    start = doc["started_unix_ms"] / 1000 + run["started_seconds"]
    return start, start + run["wall_seconds"]


def p50(run_or_cell):
    latency = run_or_cell.get("latency_us") or {}
    value = latency.get("p50")
    return value["median"] if isinstance(value, dict) else value


summed = sum(total(h) for h in hosts)
merged_total = total(merged)
print(f"hosts measured {[total(h) for h in hosts]}, merged {merged_total}, server {server_requests}")
if merged_total != summed:
    problems.append(f"merged requests {merged_total} != the hosts' sum {summed}")
if server_requests != merged_total + 3 * overhead:
    problems.append(f"the server counted {server_requests}, the clients {merged_total} + 3 x {overhead} of their own")
for n, text in enumerate(texts, 1):
    if f"client-{n}" not in text or "merge-test" not in text:
        problems.append(f"client-{n}.json does not record its host label and the run id")

merged_cells = {key(c): c for c in aggregate(merged)}
for cell in hosts[0]["cells"]:
    k = key(cell)
    same = [next(c for c in h["cells"] if key(c) == k) for h in hosts]
    runs = [c["runs"][0] for c in same]
    windows = [window(h, r) for h, r in zip(hosts, runs)]
    overlap = min(w[1] for w in windows) - max(w[0] for w in windows)
    print(f"{k}: windows {[(round(a, 3), round(b, 3)) for a, b in windows]}, overlap {overlap:.3f} s")
    if overlap <= 0:
        problems.append(f"{k}: the hosts' windows do not overlap")
    for n, run in enumerate(runs, 1):
        if run["wall_seconds"] > 0 and run["body_bytes"] / run["wall_seconds"] > rate_bytes * 1.02:
            problems.append(f"{k}: client-{n} received {run['body_bytes'] / run['wall_seconds']:.0f} B/s over a {rate_bytes} B/s link")
    if k not in merged_cells:
        problems.append(f"{k}: not in the merged results")
        continue
    mc = merged_cells[k]
    # The merge's own cross-check, cell by cell: the server's count over the hosts' runs (from
    # the earliest /stats reading to the latest) equals what the three hosts sent.
    server = (mc.get("runs") or [{}])[0].get("server") or {}
    print(f"{k}: the server counted {server.get('requests')} over the hosts' runs, expected {server.get('requests_expected')}")
    if server.get("requests_match") is not True:
        problems.append(f"{k}: the merged cell's server check does not match: {server}")
    throughput = mc["summary"]["throughput_mib_s"]
    throughput = throughput["median"] if isinstance(throughput, dict) else throughput
    if throughput is not None and throughput * 1048576 > 3 * rate_bytes * 1.02:
        problems.append(f"{k}: merged throughput {throughput * 1048576:.0f} B/s exceeds three links of {rate_bytes} B/s")
    merged_runs = mc.get("runs") or [mc["summary"]]
    p = p50(merged_runs[0]) if p50(merged_runs[0]) is not None else p50(mc["summary"])
    host_p50 = [p50(r) for r in runs]
    print(f"{k}: p50 hosts {host_p50}, merged {p}")
    if p is None or not (min(host_p50) * (1 - 1 / 64) <= p <= max(host_p50) * (1 + 1 / 64)):
        problems.append(f"{k}: the merged p50 {p} is not between the hosts' {host_p50}")
for p in problems:
    print("problem:", p)
sys.exit(1 if problems else 0)
PY
log "three synchronized clients merged: requests equal the server's count, windows overlap, links respected"
echo "PASS"
