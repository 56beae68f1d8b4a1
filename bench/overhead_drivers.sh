#!/usr/bin/env bash
# What each driver's measuring costs: for one keep-alive, sequential, body-dropping row per
# ecosystem, `hcbench run --clients ROW` against a bare loop in the same language with the same
# library doing the same requests (bench/bare/<language>/: GET /ping, the body read and
# dropped, the status checked, one clock read at the start and one at the end), alternated
# round after round against one `hcbench serve`, with the same placement (overhead.sh does the
# same for the native libcurl row). Prints each round, then per language the ratio of the
# medians (hcbench requests/s over the bare loop's) and the range of the per-round ratios; the
# goal is a cost under 3% (docs/overhead.md).
# Usage: bench/overhead_drivers.sh [BUILD_DIR] [ROUNDS] [CYCLES] [WARMUP] [LANGUAGES]
#   defaults: build 5 5000 200 python,node,go,java,rust (a warm-up of 200, as overhead.sh).
#   Node.js and Java warm up at least 2000 and 5000 requests, as their rows do (both sides).
#   CLIENT_CPU / SERVER_CPU set the placement (default 0 / 1 on a machine with 2 CPUs or
#   more, else both 0).
# A language whose toolchain, library or driver is missing is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-5}
cycles=${3:-5000}
warmup=${4:-200}
languages=${5:-python,node,go,java,rust}
# The runtimes hcbench starts its drivers with (src/client/driver_rows.cpp), by absolute path.
python=/usr/bin/python3
node=/usr/bin/node
java_home=/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture 2>/dev/null || echo amd64)
bare_dir=$build/bench/bare

[[ -x $build/hcbench ]] || { echo "$build/hcbench is missing: build it first (tools/build.sh)" >&2; exit 1; }
source bench/lib.sh

# Each language: the row compared, its minimum warm-up (driver_rows.cpp's min_warmup; the
# script checks it against what hcbench reports), and prepare_<language>, which builds the
# bare loop and sets `bare` (its command), or prints why the language is skipped and returns
# 1. A bare loop that does not build ends the script.
declare -A row=(
  [python]=python.requests.session
  [node]=node.http.keep-alive.discard-body
  [go]=go.net-http.keep-alive.discard-body
  [java]=java.httpclient.discard-body
  [rust]=rust.reqwest.blocking.keep-alive.discard-body)
declare -A min_warmup=([node]=2000 [java]=5000)
bare=()

built_or_exit() { # WHAT COMMAND...
  local what=$1
  shift
  "$@" || { echo "building the bare $what loop failed" >&2; exit 1; }
}

prepare_python() {
  [[ -x $python ]] || { echo "$python is not installed"; return 1; }
  "$python" -I -c 'import requests' 2>/dev/null ||
    { echo "requests is not installed for $python (python3-requests)"; return 1; }
  # -I -B as hcbench runs its driver (driver_rows.cpp).
  bare=("$python" -I -B bench/bare/python/requests_session_loop.py)
}

prepare_node() {
  [[ -x $node ]] || { echo "$node is not installed (nodejs)"; return 1; }
  bare=("$node" bench/bare/node/http_keep_alive_loop.mjs)
}

prepare_go() {
  drivers/go/build.sh --check || return 1
  [[ -x $build/drivers/go/hcbench-go-driver ]] ||
    { echo "the Go driver is not built in $build (meson setup --reconfigure, meson compile)"; return 1; }
  # Built as the driver is built (the same Go in GOPATH mode, the same flags): build.sh with
  # the bare loop's package.
  built_or_exit Go drivers/go/build.sh "$bare_dir/hcbench-bare-go" "$build/drivers/go/go-cache" \
    bench/bare/go
  bare=("$bare_dir/hcbench-bare-go")
}

prepare_java() {
  [[ -x $java_home/bin/javac ]] || { echo "$java_home has no javac (openjdk-17-jdk-headless)"; return 1; }
  [[ -f $build/drivers/java/hcbench-driver.jar ]] ||
    { echo "the Java driver is not built in $build (meson setup --reconfigure, meson compile)"; return 1; }
  # The bare loop needs only the JDK's java.net.http, so no jar on its class path. Compiled
  # as the driver is (drivers/java/build_jar.sh); both JVMs run with the default options.
  mkdir -p "$bare_dir/java"
  built_or_exit Java "$java_home/bin/javac" --release 17 -Xlint:all -Werror -d "$bare_dir/java" \
    bench/bare/java/BareHttpClientLoop.java
  bare=("$java_home/bin/java" -cp "$bare_dir/java" BareHttpClientLoop)
}

prepare_rust() {
  drivers/rust/build.sh --check || return 1
  [[ -x $build/drivers/rust/hcbench-rust-driver ]] ||
    { echo "the Rust driver is not built in $build (meson setup --reconfigure, meson compile)"; return 1; }
  # Built by the driver's build.sh into the driver's target directory: the crates they
  # share (reqwest, hyper, tokio, native-tls) are compiled once, with the same profile.
  built_or_exit Rust drivers/rust/build.sh "$bare_dir/hcbench-bare-rust" \
    "$build/drivers/rust/target" bench/bare/rust
  bare=("$bare_dir/hcbench-bare-rust")
}

IFS=, read -r -a wanted <<< "$languages"
for language in "${wanted[@]}"; do
  [[ -n ${row[$language]:-} ]] ||
    { echo "unknown language '$language' (known: python, node, go, java, rust)" >&2; exit 2; }
done

start_server "$build"

# One hcbench cell of ROW: sets `rps`, or `rps` to the reason the cell was not run (skipped,
# not applicable) and returns 1. A run that fails (a failed request, a driver error) ends
# the script.
hcbench_rps() { # ROW WARMUP
  if ! taskset -c "$client_cpu" "$build/hcbench" run "$base" --clients "$1" --endpoints ping \
    --cycles "$cycles" --warmup "$warmup" --no-progress --json "$work/run.json" \
    > /dev/null 2> "$work/run.err"; then
    echo "hcbench run --clients $1 failed:" >&2
    tail -n 20 "$work/run.err" >&2
    exit 1
  fi
  local status=0
  rps=$("$python" - "$work/run.json" "$2" <<'PY'
import json, sys
cell = json.load(open(sys.argv[1]))["cells"][0]
run = (cell.get("runs") or [{}])[0]
if cell["status"] != "ok":
    reason = cell.get("not_applicable") or cell["summary"].get("skipped") or run.get("error")
    print(f"{cell['status']}: {reason}")
    sys.exit(1)
if run["warmup"] != int(sys.argv[2]):
    # The bare loop must warm up as the row did: a changed minimum in driver_rows.cpp shows here.
    print(f"the row warmed up {run['warmup']} requests, the bare loop {sys.argv[2]}: update min_warmup")
    sys.exit(3)
print("%.1f" % cell["summary"]["rps"]["median"])
PY
  ) || status=$?
  ((status == 0)) && return 0
  ((status == 1)) && return 1
  echo "$rps" >&2
  exit 1
}

# The bare loop once: sets `rps`. A failed request (or any failure) ends the script.
bare_rps() { # WARMUP
  rps=$(taskset -c "$client_cpu" "${bare[@]}" "$base/ping" "$cycles" "$1") ||
    { echo "the bare loop ${bare[*]} failed" >&2; exit 1; }
}

echo "client on CPU $client_cpu, server on CPU $server_cpu, $rounds rounds of $cycles requests" \
  "of /ping per side, warm-up $warmup (Node.js at least 2000, Java 5000)"
# One line per language: LANGUAGE ROW measured HCBENCH_RPS,... BARE_RPS,...
#                    or: LANGUAGE ROW skipped REASON (tab-separated).
: > "$work/results"
for language in "${wanted[@]}"; do
  echo
  if ! "prepare_$language" > "$work/why"; then
    why=$(tail -n 1 "$work/why")
    echo "== $language: skipped: $why"
    printf '%s\t%s\tskipped\t%s\n' "$language" "${row[$language]}" "$why" >> "$work/results"
    continue
  fi
  lang_warmup=${min_warmup[$language]:-0}
  ((warmup > lang_warmup)) && lang_warmup=$warmup
  echo "== $language: ${row[$language]} against ${bare[*]} (warm-up $lang_warmup)"
  printf '%-6s %14s %14s %8s\n' round "hcbench rps" "bare loop rps" ratio
  hc=() bl=() skipped=
  for round in $(seq "$rounds"); do
    # Alternate which goes first, so drift in the machine's load falls on both.
    if ((round % 2)); then
      hcbench_rps "${row[$language]}" "$lang_warmup" || { skipped=$rps; break; }
      a=$rps
      bare_rps "$lang_warmup"
      b=$rps
    else
      bare_rps "$lang_warmup"
      b=$rps
      hcbench_rps "${row[$language]}" "$lang_warmup" || { skipped=$rps; break; }
      a=$rps
    fi
    hc+=("$a") bl+=("$b")
    printf '%-6s %14s %14s %8s\n' "$round" "$a" "$b" "$(awk "BEGIN { printf \"%.4f\", $a / $b }")"
  done
  if [[ -n $skipped ]]; then
    echo "$language: not measured: $skipped"
    printf '%s\t%s\tskipped\t%s\n' "$language" "${row[$language]}" "$skipped" >> "$work/results"
    continue
  fi
  printf '%s\t%s\tmeasured\t%s\t%s\n' "$language" "${row[$language]}" \
    "$(IFS=,; echo "${hc[*]}")" "$(IFS=,; echo "${bl[*]}")" >> "$work/results"
done

echo
# The table, in the layout of docs/overhead.md.
"$python" - "$work/results" <<'PY'
import statistics, sys

def span(values, digits):
    return f"{min(values):.{digits}f}–{max(values):.{digits}f}"

print("| Language | Row | hcbench rps, median (min–max) | bare loop rps, median (min–max) "
      "| ratio of medians | per-round ratios, median (min–max) | measuring cost |")
print("|---|---|---:|---:|---:|---:|---:|")
for line in open(sys.argv[1]):
    language, row, status, *rest = line.rstrip("\n").split("\t")
    if status == "skipped":
        print(f"| {language} | `{row}` | skipped: {rest[0]} | | | | |")
        continue
    hc = [float(x) for x in rest[0].split(",")]
    bl = [float(x) for x in rest[1].split(",")]
    ratio = statistics.median(hc) / statistics.median(bl)
    # Each round's pair ran back to back, so its ratio cancels most of the machine's drift.
    paired = [a / b for a, b in zip(hc, bl)]
    print(f"| {language} | `{row}` | {statistics.median(hc):.1f} ({span(hc, 1)}) "
          f"| {statistics.median(bl):.1f} ({span(bl, 1)}) | {ratio:.4f} "
          f"| {statistics.median(paired):.4f} ({span(paired, 4)}) | {100 * (1 - ratio):+.2f}% |")
PY
