#!/usr/bin/env bash
# The two-host lab on one machine: two network namespaces ("server" and "client") joined by a
# veth pair, each end rate-limited with tbf (default 517mbit, the original's AWS link).
# `hcbench serve` runs in the server namespace, `hcbench run` in the client namespace, and
# everything is torn down afterwards, also on failure or Ctrl-C. Needs root.
#
# Usage: tools/lab.sh [options] [-- hcbench run options...]
#   --rate RATE     tbf rate of each direction of the link, in tc units: 517mbit, 1gbit,
#                   200mbit... "off" leaves the link unlimited (veth speed). Default 517mbit.
#   --hcbench PATH  the hcbench binary (default: build/hcbench of this repository)
#   --server CMD    shell command run in the server namespace instead of hcbench serve
#   --client CMD    shell command run in the client namespace instead of hcbench run
#   --summary FILE  also write the link's summary (counters, tbf statistics) as JSON to FILE
#   --server-cpus CPUS, --client-cpus CPUS   run that side on these CPUs only (taskset lists:
#                   0, 1, 0-1), like two hosts that do not share cores. Default: unpinned.
#   --ready-timeout SECONDS   how long the server has to listen (default 30)
#   --clients K     K client namespaces (default 1). With K > 1 the server namespace holds a
#                   bridge and each client has its own rate-limited link to it; the K clients
#                   start together with one `hcbench run --start-at`, write their JSON to
#                   --results-dir, and `hcbench report --merge` of the K files is the lab's stdout.
#   --results-dir DIR   (K > 1) where client-N.json, client-N.log and merged.json are written
#                   (created if missing). Default: a temporary directory removed at the end.
#   --start-delay SECONDS   (K > 1) how far ahead of launching the clients --start-at is (default 3)
#   --run-id ID     (K > 1) the --run-id given to every client (default lab-PID)
#
# Both commands see LAB_SERVER_ADDRESS, LAB_HTTP_URL, LAB_HTTPS_URL, LAB_HTTP_PORT and
# LAB_HTTPS_PORT in their environment. The defaults are, with the server at 10.77.0.1:
#   server: hcbench serve --bind 10.77.0.1 --http-port 8080 --https-port 4443
#   client: hcbench run http://10.77.0.1:8080 --https-url https://10.77.0.1:4443 [options]
# The client's stdout is the lab's stdout; the lab's own messages go to stderr, ending with
# the bytes that crossed the link and their average rate over the client's run.
#
# With K > 1 each client command also sees LAB_CLIENTS (K), LAB_CLIENT_INDEX (1..K),
# LAB_CLIENT_ADDRESS, LAB_HOST_LABEL (client-N), LAB_RUN_ID, LAB_START_AT (RFC 3339, UTC, whole
# seconds), LAB_START_AT_MS (the same in Unix milliseconds) and LAB_RESULT_JSON (where its JSON
# belongs), and the default client of namespace N is
#   hcbench run URLS --start-at $LAB_START_AT --run-id $LAB_RUN_ID --host-label client-N
#               --json DIR/client-N.json [options]
# with its stdout and stderr in DIR/client-N.log. When every client wrote its LAB_RESULT_JSON
# the lab merges them (`hcbench report --merge ... --json DIR/merged.json`); a --client command
# that writes none is not merged. The lab reads the server's /stats just before the clients
# start and after the last one ends, and reports what it counted in between.
#
# Addresses exist only inside the namespaces the lab creates (10.77.0.0/30 on the veth pair;
# with K > 1, 10.77.0.0/24 on the bridge: the server 10.77.0.1, client N 10.77.0.(N+1)), nothing
# in the machine's own namespace, no routes out. Names end in the lab's PID, so several labs
# can run at once.
set -euo pipefail

lab_dir=$(cd "$(dirname "$0")/.." && pwd)
rate=517mbit
hcbench=$lab_dir/build/hcbench
server_command=
client_command=
summary_file=
ready_timeout=30
server_cpus=
client_cpus=
clients=1
results_dir=
start_delay=3
run_id=

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --hcbench) hcbench=$2; shift 2 ;;
    --server) server_command=$2; shift 2 ;;
    --client) client_command=$2; shift 2 ;;
    --summary) summary_file=$2; shift 2 ;;
    --server-cpus) server_cpus=$2; shift 2 ;;
    --client-cpus) client_cpus=$2; shift 2 ;;
    --ready-timeout) ready_timeout=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --results-dir) results_dir=$2; shift 2 ;;
    --start-delay) start_delay=$2; shift 2 ;;
    --run-id) run_id=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "lab: unknown option $1 (tools/lab.sh --help)" >&2; exit 2 ;;
  esac
done
run_options=("$@")

say() { echo "lab: $*" >&2; }
die() { say "$*"; exit 1; }

usage_error() { say "$* (tools/lab.sh --help)"; exit 2; }
[[ "$clients" =~ ^[0-9]+$ ]] && ((clients >= 1 && clients <= 64)) ||
  usage_error "--clients takes a number from 1 to 64, not '$clients'"
[[ "$start_delay" =~ ^[0-9]+$ ]] || usage_error "--start-delay takes whole seconds, not '$start_delay'"
if ((clients == 1)) && [[ -n "$results_dir$run_id" ]]; then
  usage_error "--results-dir and --run-id are for --clients K > 1 (with one client, pass --json to hcbench run after --)"
fi
((EUID == 0)) || die "needs root (network namespaces, veth, tc)"
command -v ip >/dev/null && command -v tc >/dev/null || die "ip and tc are missing: install iproute2"
if [[ -z "$server_command" || -z "$client_command" ]]; then
  [[ -x "$hcbench" ]] || die "$hcbench not found: build it (tools/build.sh) or pass --hcbench"
fi

# Rate in bytes per second, from tc's units (bit-based: bit kbit mbit gbit; byte-based: bps
# kbps mbps gbps), for the tbf burst and the final report.
rate_bytes_per_second() {
  awk -v r="$1" 'BEGIN {
    if (!match(r, /^[0-9]+(\.[0-9]+)?/)) exit 1
    n = substr(r, 1, RLENGTH); u = tolower(substr(r, RLENGTH + 1))
    f["bit"] = 1/8; f["kbit"] = 1e3/8; f["mbit"] = 1e6/8; f["gbit"] = 1e9/8
    f["bps"] = 1; f["kbps"] = 1e3; f["mbps"] = 1e6; f["gbps"] = 1e9
    if (!(u in f)) exit 1
    printf "%.0f\n", n * f[u] }'
}
if [[ "$rate" != off ]]; then
  rate_bytes=$(rate_bytes_per_second "$rate") || die "cannot read the rate '$rate' (e.g. 517mbit, 1gbit)"
  ((rate_bytes >= 125000)) || die "rate $rate is below 1mbit"
fi

id=$$
server_ns=hcbench-lab-server-$id
server_address=10.77.0.1
# One client: a veth pair between the two namespaces (the original's two hosts). K clients:
# a bridge in the server namespace (the switch) and one veth pair per client, its server end a
# port of the bridge. Either way client N's link is client_ifs[N] (in client_namespaces[N]) to
# server_ifs[N] (in the server namespace), and tbf shapes both ends.
client_namespaces=() client_ifs=() server_ifs=() client_addresses=()
if ((clients == 1)); then
  client_namespaces=("hcbench-lab-client-$id") client_ifs=("hlab${id}c") server_ifs=("hlab${id}s")
  client_addresses=(10.77.0.2)
  prefix=30
else
  bridge=hlab${id}b
  for ((i = 1; i <= clients; i++)); do
    client_namespaces+=("hcbench-lab-client-$id-$i")
    client_ifs+=("hlab${id}c$i") server_ifs+=("hlab${id}s$i")
    client_addresses+=("10.77.0.$((i + 1))")
  done
  prefix=24
fi
namespaces=("$server_ns" "${client_namespaces[@]}")
export LAB_SERVER_ADDRESS=$server_address LAB_HTTP_PORT=8080 LAB_HTTPS_PORT=4443
export LAB_HTTP_URL=http://$server_address:$LAB_HTTP_PORT
export LAB_HTTPS_URL=https://$server_address:$LAB_HTTPS_PORT
: "${server_command:=exec \"$hcbench\" serve --bind $server_address --http-port $LAB_HTTP_PORT --https-port $LAB_HTTPS_PORT}"
work=$(mktemp -d)
server_pid=

# Teardown, whatever happened: stop every process left in the lab's namespaces (only this lab
# started any), then delete the namespaces, which deletes the veth pairs and the bridge with them.
teardown() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  local ns pids
  lab_pids() { for ns in "${namespaces[@]}"; do ip netns pids "$ns" 2>/dev/null; done; }
  pids=$(lab_pids)
  [[ -n "$pids" ]] && kill -TERM $pids 2>/dev/null
  # Up to 3 s to exit, then SIGKILL; only then reap our own children, so that a command that
  # ignores SIGTERM cannot hold the teardown.
  for _ in {1..30}; do
    [[ -z "$(lab_pids)" ]] && break
    sleep 0.1
  done
  pids=$(lab_pids)
  [[ -n "$pids" ]] && kill -KILL $pids 2>/dev/null
  wait 2>/dev/null
  for ((ns = ${#namespaces[@]} - 1; ns >= 0; ns--)); do
    ip netns del "${namespaces[ns]}" 2>/dev/null
  done
  rm -rf "$work"
  local names
  printf -v names '%s, ' "${namespaces[@]}"
  say "torn down (${names%, })"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- topology --------------------------------------------------------------------------------
for ns in "${namespaces[@]}"; do ip netns add "$ns"; done
server_device=${server_ifs[0]}
if ((clients > 1)); then
  ip -n "$server_ns" link add "$bridge" type bridge
  ip -n "$server_ns" addr add "$server_address/$prefix" dev "$bridge"
  ip -n "$server_ns" link set "$bridge" up
  server_device=$bridge
fi
for ((i = 0; i < clients; i++)); do
  # Both ends are created directly inside their namespaces: nothing ever appears in the
  # machine's own namespace.
  ip link add "${server_ifs[i]}" netns "$server_ns" type veth peer name "${client_ifs[i]}" \
    netns "${client_namespaces[i]}"
  ip -n "${client_namespaces[i]}" addr add "${client_addresses[i]}/$prefix" dev "${client_ifs[i]}"
  if ((clients > 1)); then
    ip -n "$server_ns" link set "${server_ifs[i]}" master "$bridge"
  fi
done
((clients == 1)) && ip -n "$server_ns" addr add "$server_address/$prefix" dev "${server_ifs[0]}"
ends=("$server_ns:lo")
for ((i = 0; i < clients; i++)); do
  ends+=("$server_ns:${server_ifs[i]}" "${client_namespaces[i]}:lo" "${client_namespaces[i]}:${client_ifs[i]}")
done
for end in "${ends[@]}"; do
  ns=${end%%:*} dev=${end#*:}
  ip -n "$ns" link set "$dev" up
  if [[ "$rate" != off && "$dev" != lo ]]; then
    # tbf needs a bucket of at least rate/HZ to reach its rate: 10 ms of traffic covers any
    # kernel HZ down to 100, and at least 64 KB holds one whole GSO packet. The queue holds
    # 20 ms more; deeper queues only add delay (no added delay here: netem is not available).
    burst=$((rate_bytes / 100 > 65536 ? rate_bytes / 100 : 65536))
    tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst "$burst" latency 20ms
  fi
done
if ((clients == 1)); then
  say "link $server_ns/${server_ifs[0]} $server_address <-> ${client_namespaces[0]}/${client_ifs[0]} ${client_addresses[0]}, rate ${rate}"
else
  say "bridge $server_ns/$bridge $server_address, $clients links of rate $rate each:"
  for ((i = 0; i < clients; i++)); do
    say "  $server_ns/${server_ifs[i]} <-> ${client_namespaces[i]}/${client_ifs[i]} ${client_addresses[i]}"
  done
fi
[[ -n "$server_cpus$client_cpus" ]] && say "CPUs: server ${server_cpus:-any}, client ${client_cpus:-any}"

# --- server ----------------------------------------------------------------------------------
# Runs a command in a namespace, on the given CPUs if any.
in_namespace() {
  local ns=$1 cpus=$2
  shift 2
  if [[ -n "$cpus" ]]; then
    ip netns exec "$ns" taskset -c "$cpus" "$@"
  else
    ip netns exec "$ns" "$@"
  fi
}
in_namespace "$server_ns" "$server_cpus" sh -c "$server_command" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
listening() { [[ -n "$(ip netns exec "$server_ns" ss -Hltn "sport = :$LAB_HTTP_PORT")" ]]; }
deadline=$((SECONDS + ready_timeout))
until listening; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.err" >&2
    die "the server exited before listening on $LAB_HTTP_PORT"
  fi
  ((SECONDS < deadline)) || die "the server is not listening on $LAB_HTTP_PORT after ${ready_timeout} s"
  sleep 0.1
done
ready=$(head -n 1 "$work/server.out")
say "server ready${ready:+: $ready}"

# --- clients ---------------------------------------------------------------------------------
counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
# Client N's link as seen from the server's end: "tx rx" bytes.
link_counters() {
  echo "$(counter "$server_ns" "${server_ifs[$1]}" tx_bytes) $(counter "$server_ns" "${server_ifs[$1]}" rx_bytes)"
}
tx_before=() rx_before=()
for ((i = 0; i < clients; i++)); do read -r "tx_before[i]" "rx_before[i]" < <(link_counters "$i"); done

# The server's request count from its /stats (hcbench serve's), or nothing when the server has
# none (or curl or python3 is missing); the read itself is one request.
server_requests() {
  ip netns exec "$server_ns" curl -s --max-time 5 "$LAB_HTTP_URL/stats" 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"]["total"])' 2>/dev/null || true
}
client_statuses=()
if ((clients == 1)); then
  started=$(date +%s.%N)
  if [[ -n "$client_command" ]]; then
    in_namespace "${client_namespaces[0]}" "$client_cpus" sh -c "$client_command" &
  else
    in_namespace "${client_namespaces[0]}" "$client_cpus" "$hcbench" run "$LAB_HTTP_URL" --https-url "$LAB_HTTPS_URL" \
      "${run_options[@]}" &
  fi
  # Waiting on a background job (not a foreground one) lets INT and TERM reach the traps at once.
  client_status=0
  wait $! || client_status=$?
  finished=$(date +%s.%N)
else
  if [[ -z "$results_dir" ]]; then
    results_dir=$work/results
  fi
  mkdir -p "$results_dir"
  results_dir=$(cd "$results_dir" && pwd)
  export LAB_CLIENTS=$clients LAB_RUN_ID=${run_id:-lab-$id}
  requests_before=$(server_requests)
  # One start for every client, a little ahead so that all K processes are up and warmed by
  # then: each derives the same schedule of measured windows from it and the options.
  start_seconds=$(($(date +%s) + 1 + start_delay))
  export LAB_START_AT_MS=$((start_seconds * 1000))
  LAB_START_AT=$(date -u -d "@$start_seconds" +%Y-%m-%dT%H:%M:%SZ)
  export LAB_START_AT
  say "$clients clients start at $LAB_START_AT, run id $LAB_RUN_ID, results in $results_dir"
  client_pids=()
  started=$(date +%s.%N)
  for ((i = 0; i < clients; i++)); do
    n=$((i + 1))
    # Each client's own variables, set in a subshell so that they do not leak to the next.
    (
      export LAB_CLIENT_INDEX=$n LAB_CLIENT_ADDRESS=${client_addresses[i]} LAB_HOST_LABEL=client-$n
      export LAB_RESULT_JSON=$results_dir/client-$n.json
      if [[ -n "$client_command" ]]; then
        in_namespace "${client_namespaces[i]}" "$client_cpus" sh -c "$client_command"
      else
        in_namespace "${client_namespaces[i]}" "$client_cpus" "$hcbench" run "$LAB_HTTP_URL" --https-url "$LAB_HTTPS_URL" --start-at "$LAB_START_AT" \
        --run-id "$LAB_RUN_ID" --host-label "$LAB_HOST_LABEL" --json "$LAB_RESULT_JSON" "${run_options[@]}"
      fi
    ) >"$results_dir/client-$n.log" 2>&1 &
    client_pids+=($!)
  done
  # Waiting on background jobs lets INT and TERM reach the traps at once.
  client_status=0
  for ((i = 0; i < clients; i++)); do
    client_statuses[i]=0
    wait "${client_pids[i]}" || client_statuses[i]=$?
    ((client_status != 0)) || client_status=${client_statuses[i]}
  done
  finished=$(date +%s.%N)
  requests_after=$(server_requests)
  server_requests_json=null
  if [[ -n "$requests_before" && -n "$requests_after" ]]; then
    # One of the lab's two reads falls between the two counts.
    server_requests_json=$((requests_after - requests_before - 1))
  fi
fi

# --- what crossed the links ------------------------------------------------------------------
server_tx=0 server_rx=0 link_tx=() link_rx=()
for ((i = 0; i < clients; i++)); do
  read -r tx rx < <(link_counters "$i")
  link_tx[i]=$((tx - tx_before[i])) link_rx[i]=$((rx - rx_before[i]))
  server_tx=$((server_tx + link_tx[i])) server_rx=$((server_rx + link_rx[i]))
done
seconds=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.3f", b - a }')
mbit() { awk -v b="$1" -v s="$seconds" 'BEGIN { printf "%.1f", (s > 0 ? b * 8 / s / 1e6 : 0) }'; }
if ((clients == 1)); then
  say "client ran ${seconds} s (exit status $client_status)"
else
  say "clients ran ${seconds} s (exit statuses ${client_statuses[*]})"
  for ((i = 0; i < clients; i++)); do
    say "  client-$((i + 1)): server -> client ${link_tx[i]} bytes, average $(mbit "${link_tx[i]}") Mbit/s"
  done
  [[ "$server_requests_json" != null ]] && say "server counted $server_requests_json requests while the clients ran"
fi
say "server -> client: $server_tx bytes, average $(mbit "$server_tx") Mbit/s"
say "client -> server: $server_rx bytes, average $(mbit "$server_rx") Mbit/s"
# tbf's own statistics: "Sent B bytes P pkt (dropped D, overlimits O requeues R)".
qdisc_stats() {
  [[ "$rate" == off ]] && { echo null; return; }
  tc -n "$1" -s qdisc show dev "$2" | awk '/Sent/ { gsub(/[(),]/, "")
    printf "{\"sent_bytes\":%s,\"sent_packets\":%s,\"dropped\":%s,\"overlimits\":%s}", $2, $4, $7, $9 }'
}

# --- merge (K > 1) ---------------------------------------------------------------------------
merged_json=null
if ((clients > 1)); then
  written=()
  for ((n = 1; n <= clients; n++)); do
    [[ -s "$results_dir/client-$n.json" ]] && written+=("$results_dir/client-$n.json")
  done
  if ((${#written[@]} == clients)); then
    [[ -x "$hcbench" ]] || die "$hcbench not found: it merges the results (pass --hcbench)"
    merge_status=0
    "$hcbench" report --merge "${written[@]}" --json "$results_dir/merged.json" || merge_status=$?
    ((client_status != 0)) || client_status=$merge_status
    ((merge_status == 0)) && merged_json="\"$results_dir/merged.json\""
  elif [[ -z "$client_command" || ${#written[@]} -gt 0 ]]; then
    for ((n = 1; n <= clients; n++)); do
      [[ -s "$results_dir/client-$n.json" ]] || { say "client-$n wrote no results; its log:"; tail -n 20 "$results_dir/client-$n.log" >&2; }
    done
    ((client_status != 0)) || client_status=1
  else
    say "the clients wrote no results to \$LAB_RESULT_JSON: nothing to merge"
  fi
fi

if [[ -n "$summary_file" ]]; then
  rate_json=null
  [[ "$rate" != off ]] && rate_json="{\"tc\":\"$rate\",\"bytes_per_second\":$rate_bytes}"
  if ((clients == 1)); then
    cat >"$summary_file" <<JSON
{"rate":$rate_json,"client_seconds":$seconds,"client_status":$client_status,
 "namespaces":["$server_ns","${client_namespaces[0]}"],"interfaces":["${server_ifs[0]}","${client_ifs[0]}"],
 "server_to_client_bytes":$server_tx,"client_to_server_bytes":$server_rx,
 "tbf":{"server":$(qdisc_stats "$server_ns" "${server_ifs[0]}"),"client":$(qdisc_stats "${client_namespaces[0]}" "${client_ifs[0]}")}}
JSON
  else
    links=
    for ((i = 0; i < clients; i++)); do
      links+="${links:+,
  }{\"client\":$((i + 1)),\"namespace\":\"${client_namespaces[i]}\",\"address\":\"${client_addresses[i]}\","
      links+="\"interfaces\":[\"${server_ifs[i]}\",\"${client_ifs[i]}\"],\"status\":${client_statuses[i]},"
      links+="\"server_to_client_bytes\":${link_tx[i]},\"client_to_server_bytes\":${link_rx[i]},"
      links+="\"tbf\":{\"server\":$(qdisc_stats "$server_ns" "${server_ifs[i]}"),\"client\":$(qdisc_stats "${client_namespaces[i]}" "${client_ifs[i]}")}}"
    done
    namespaces_json=$(printf '"%s",' "${namespaces[@]}")
    cat >"$summary_file" <<JSON
{"rate":$rate_json,"clients":$clients,"client_seconds":$seconds,"client_status":$client_status,
 "start_at":"$LAB_START_AT","start_at_ms":$LAB_START_AT_MS,"run_id":"$LAB_RUN_ID",
 "namespaces":[${namespaces_json%,}],"bridge":"$bridge",
 "server_to_client_bytes":$server_tx,"client_to_server_bytes":$server_rx,
 "server_requests":$server_requests_json,"results_dir":"$results_dir","merged":$merged_json,
 "links":[$links]}
JSON
  fi
fi
exit "$client_status"
