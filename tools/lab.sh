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
#
# Both commands see LAB_SERVER_ADDRESS, LAB_HTTP_URL, LAB_HTTPS_URL, LAB_HTTP_PORT and
# LAB_HTTPS_PORT in their environment. The defaults are, with the server at 10.77.0.1:
#   server: hcbench serve --bind 10.77.0.1 --http-port 8080 --https-port 4443
#   client: hcbench run http://10.77.0.1:8080 --https-url https://10.77.0.1:4443 [options]
# The client's stdout is the lab's stdout; the lab's own messages go to stderr, ending with
# the bytes that crossed the link and their average rate over the client's run.
#
# Addresses exist only inside the two namespaces the lab creates (10.77.0.0/30 on the veth
# pair, nothing in the machine's own namespace, no routes out). Names end in the lab's PID,
# so several labs can run at once.
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
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "lab: unknown option $1 (tools/lab.sh --help)" >&2; exit 2 ;;
  esac
done
run_options=("$@")

say() { echo "lab: $*" >&2; }
die() { say "$*"; exit 1; }

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
client_ns=hcbench-lab-client-$id
server_if=hlab${id}s
client_if=hlab${id}c
server_address=10.77.0.1
client_address=10.77.0.2
export LAB_SERVER_ADDRESS=$server_address LAB_HTTP_PORT=8080 LAB_HTTPS_PORT=4443
export LAB_HTTP_URL=http://$server_address:$LAB_HTTP_PORT
export LAB_HTTPS_URL=https://$server_address:$LAB_HTTPS_PORT
: "${server_command:=exec \"$hcbench\" serve --bind $server_address --http-port $LAB_HTTP_PORT --https-port $LAB_HTTPS_PORT}"
work=$(mktemp -d)
server_pid=

# Teardown, whatever happened: stop every process left in the two namespaces (only this lab
# started any), then delete the namespaces, which deletes the veth pair with them.
teardown() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  local ns pids
  lab_pids() { ip netns pids "$client_ns" 2>/dev/null; ip netns pids "$server_ns" 2>/dev/null; }
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
  for ns in "$client_ns" "$server_ns"; do
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$work"
  say "torn down ($server_ns, $client_ns)"
  exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- topology --------------------------------------------------------------------------------
ip netns add "$server_ns"
ip netns add "$client_ns"
# Both ends are created directly inside their namespaces: nothing ever appears in the
# machine's own namespace.
ip link add "$server_if" netns "$server_ns" type veth peer name "$client_if" netns "$client_ns"
ip -n "$server_ns" addr add "$server_address/30" dev "$server_if"
ip -n "$client_ns" addr add "$client_address/30" dev "$client_if"
for end in "$server_ns:$server_if" "$client_ns:$client_if"; do
  ns=${end%%:*} dev=${end#*:}
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" up
  if [[ "$rate" != off ]]; then
    # tbf needs a bucket of at least rate/HZ to reach its rate: 10 ms of traffic covers any
    # kernel HZ down to 100, and at least 64 KB holds one whole GSO packet. The queue holds
    # 20 ms more; deeper queues only add delay (no added delay here: netem is not available).
    burst=$((rate_bytes / 100 > 65536 ? rate_bytes / 100 : 65536))
    tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst "$burst" latency 20ms
  fi
done
say "link $server_ns/$server_if $server_address <-> $client_ns/$client_if $client_address, rate ${rate}"
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

# --- client ----------------------------------------------------------------------------------
counter() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
link_counters() {
  echo "$(counter "$server_ns" "$server_if" tx_bytes) $(counter "$server_ns" "$server_if" rx_bytes)"
}
read -r server_tx_before server_rx_before < <(link_counters)
started=$(date +%s.%N)
if [[ -n "$client_command" ]]; then
  in_namespace "$client_ns" "$client_cpus" sh -c "$client_command" &
else
  in_namespace "$client_ns" "$client_cpus" "$hcbench" run "$LAB_HTTP_URL" --https-url "$LAB_HTTPS_URL" \
    "${run_options[@]}" &
fi
# Waiting on a background job (not a foreground one) lets INT and TERM reach the traps at once.
client_status=0
wait $! || client_status=$?
finished=$(date +%s.%N)

# --- what crossed the link -------------------------------------------------------------------
read -r server_tx server_rx < <(link_counters)
server_tx=$((server_tx - server_tx_before)) server_rx=$((server_rx - server_rx_before))
seconds=$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.3f", b - a }')
mbit() { awk -v b="$1" -v s="$seconds" 'BEGIN { printf "%.1f", (s > 0 ? b * 8 / s / 1e6 : 0) }'; }
say "client ran ${seconds} s (exit status $client_status)"
say "server -> client: $server_tx bytes, average $(mbit "$server_tx") Mbit/s"
say "client -> server: $server_rx bytes, average $(mbit "$server_rx") Mbit/s"
# tbf's own statistics: "Sent B bytes P pkt (dropped D, overlimits O requeues R)".
qdisc_stats() {
  [[ "$rate" == off ]] && { echo null; return; }
  tc -n "$1" -s qdisc show dev "$2" | awk '/Sent/ { gsub(/[(),]/, "")
    printf "{\"sent_bytes\":%s,\"sent_packets\":%s,\"dropped\":%s,\"overlimits\":%s}", $2, $4, $7, $9 }'
}
if [[ -n "$summary_file" ]]; then
  rate_json=null
  [[ "$rate" != off ]] && rate_json="{\"tc\":\"$rate\",\"bytes_per_second\":$rate_bytes}"
  cat >"$summary_file" <<EOF
{"rate":$rate_json,"client_seconds":$seconds,"client_status":$client_status,
 "namespaces":["$server_ns","$client_ns"],"interfaces":["$server_if","$client_if"],
 "server_to_client_bytes":$server_tx,"client_to_server_bytes":$server_rx,
 "tbf":{"server":$(qdisc_stats "$server_ns" "$server_if"),"client":$(qdisc_stats "$client_ns" "$client_if")}}
EOF
fi
exit "$client_status"
