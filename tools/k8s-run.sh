#!/usr/bin/env bash
# K synchronized client hosts on Kubernetes, one merged result: applies docs/k8s/ to the
# current kubectl context (the server's Deployment and Service, then an Indexed Job of K client
# pods that all run `hcbench run --start-at T --run-id ID`), waits for the Job, collects every
# pod's result JSON (the log of its `results` container), merges them with the local
# `hcbench report --merge`, prints the merged table, and deletes what it created, also on
# failure or Ctrl-C. See docs/deploy.md.
#
# Usage: tools/k8s-run.sh [options] [-- hcbench run options...]
#   --clients K         client pods (default 3)
#   --image IMAGE       the hcbench image the cluster pulls (default hcbench:0.1.0)
#   --start-delay S     seconds from applying the Job to the common start T (default 180): every
#                       pod must be scheduled, have pulled the image and be running by then (a
#                       pod that starts after T exits with an error: raise the delay)
#   --timeout S         how long the Job may run after T (default 1800; then it is stopped)
#   --run-id ID         recorded in every result and labelled on the Job (default k8s-UTC time)
#   --namespace NS      (default: the context's)
#   --results-dir DIR   where pod-N.json, pod-N.log and merged.json go (default results/RUN_ID)
#   --hcbench PATH      the local hcbench that merges (default: build/hcbench of this repository)
#   --keep-server       leave the server running afterwards (one that existed before is never
#                       deleted, nor re-applied)
#   --dry-run           print the rendered manifests on stdout and the kubectl commands on
#                       stderr, then exit; contacts nothing (kubectl is not even run)
# Options after -- replace the Job's run options (default: --clients native,floor).
# Needs kubectl and python3 with yaml (Debian python3-yaml), which renders the manifests.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
clients=3
image=hcbench:0.1.0
start_delay=180
timeout=1800
run_id=k8s-$(date -u +%Y%m%d-%H%M%S)
namespace=
results_dir=
hcbench=$repo/build/hcbench
keep_server=false
dry_run=false
job=hcbench-clients
server=hcbench-server

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --clients) clients=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --start-delay) start_delay=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --run-id) run_id=$2; shift 2 ;;
    --namespace) namespace=$2; shift 2 ;;
    --results-dir) results_dir=$2; shift 2 ;;
    --hcbench) hcbench=$2; shift 2 ;;
    --keep-server) keep_server=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "k8s-run: unknown option $1 (tools/k8s-run.sh --help)" >&2; exit 2 ;;
  esac
done
run_options=("$@")

say() { echo "k8s-run: $*" >&2; }
die() { say "$*"; exit 1; }
usage_error() { say "$*"; exit 2; }

[[ "$clients" =~ ^[0-9]+$ ]] && ((clients >= 1 && clients <= 1000)) || usage_error "--clients takes a number from 1 to 1000"
[[ "$start_delay" =~ ^[0-9]+$ ]] && ((start_delay >= 10)) || usage_error "--start-delay takes whole seconds, at least 10"
[[ "$timeout" =~ ^[0-9]+$ ]] && ((timeout >= 1)) || usage_error "--timeout takes whole seconds"
# The run id is also a label value: at most 63 characters, alphanumeric at both ends.
[[ "$run_id" =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$ ]] ||
  usage_error "--run-id must be a Kubernetes label value (letters, digits, . _ -; at most 63)"
python3 -c 'import yaml' 2>/dev/null || die "python3 with yaml is missing: install python3-yaml (tools/setup.sh)"
: "${results_dir:=$repo/results/$run_id}"

ns_args=()
[[ -n "$namespace" ]] && ns_args=(--namespace "$namespace")
# Every kubectl call goes through here, so that --dry-run shows each one instead of running it.
k() {
  if $dry_run; then
    say "would run: kubectl${ns_args[*]:+ ${ns_args[*]}} $*"
  else
    kubectl "${ns_args[@]}" "$@"
  fi
}

# One start for every pod, far enough ahead for all of them to be running by then (computed
# again just before the Job is applied).
start_seconds=$(($(date +%s) + start_delay))
start_at=$(date -u -d "@$start_seconds" +%Y-%m-%dT%H:%M:%SZ)
work=$(mktemp -d)
render() {
  python3 "$repo/tools/k8s_render.py" --manifests "$repo/docs/k8s" --image "$image" \
    --clients "$clients" --start-at "$start_at" --run-id "$run_id" \
    --deadline $((start_delay + timeout)) ${run_options[@]+-- "${run_options[@]}"}
}
render >"$work/all.yaml"
# The server's objects and the Job apart, so that the server can be left alone if it exists.
python3 - "$work" <<'PY'
import sys, yaml
work = sys.argv[1]
docs = list(yaml.safe_load_all(open(f"{work}/all.yaml")))
yaml.safe_dump_all([d for d in docs if d["kind"] != "Job"], open(f"{work}/server.yaml", "w"), sort_keys=False)
yaml.safe_dump_all([d for d in docs if d["kind"] == "Job"], open(f"{work}/job.yaml", "w"), sort_keys=False)
PY

if $dry_run; then
  cat "$work/all.yaml"
  say "dry run: $clients clients, image $image, start at $start_at (in ${start_delay} s), run id $run_id"
  k apply -f server.yaml
  k rollout status "deployment/$server" --timeout=300s
  k apply -f job.yaml
  k get job "$job" -o "jsonpath={.status.succeeded}/{.status.failed}"
  for ((i = 0; i < clients; i++)); do k logs "POD-$i" -c results; done
  say "would run: hcbench report --merge $results_dir/pod-{0..$((clients - 1))}.json --json $results_dir/merged.json"
  k delete job "$job" --ignore-not-found --wait=false
  k delete -f server.yaml --ignore-not-found --wait=false
  rm -rf "$work"
  exit 0
fi

command -v kubectl >/dev/null || die "kubectl is missing"
[[ -x "$hcbench" ]] || die "$hcbench not found: it merges the results (build it, or pass --hcbench)"
"$hcbench" report --help 2>&1 | grep -q -- --merge || die "$hcbench cannot merge (no report --merge): rebuild it"
context=$(kubectl config current-context) || die "no current kubectl context"
say "context $context${namespace:+, namespace $namespace}: $clients clients, image $image, run id $run_id"

job_applied=false
server_applied=false
# Deletes what this run created, whatever happened. Job pods go with their Job (background
# propagation); a server that existed before the run stays.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if $job_applied; then
    kubectl "${ns_args[@]}" delete job "$job" --ignore-not-found --wait=false --cascade=background >/dev/null
    say "deleted job/$job"
  fi
  if $server_applied && ! $keep_server; then
    kubectl "${ns_args[@]}" delete -f "$work/server.yaml" --ignore-not-found --wait=false >/dev/null
    say "deleted deployment/$server and service/$server"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if k get job "$job" >/dev/null 2>&1; then
  die "job/$job exists already (another run, or a leftover): kubectl ${ns_args[*]} delete job $job"
fi
if k get deployment "$server" >/dev/null 2>&1; then
  say "deployment/$server exists: using it as it is"
else
  server_applied=true
  k apply -f "$work/server.yaml" >&2
fi
k rollout status "deployment/$server" --timeout=300s >&2

# The server's request count through the API server's service proxy (no port-forward); it is
# the cross-check of the merged count. Empty when it cannot be read.
ns_name=${namespace:-$(kubectl config view --minify -o 'jsonpath={..namespace}')}
ns_name=${ns_name:-default}
server_requests() {
  kubectl get --raw "/api/v1/namespaces/$ns_name/services/$server:http/proxy/stats" 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"]["total"])' 2>/dev/null || true
}
requests_before=$(server_requests)

# The start time counts from now, not from the first rendering: the server's rollout may
# have taken a while.
start_seconds=$(($(date +%s) + start_delay))
start_at=$(date -u -d "@$start_seconds" +%Y-%m-%dT%H:%M:%SZ)
render | python3 -c 'import sys, yaml; yaml.safe_dump_all([d for d in yaml.safe_load_all(sys.stdin) if d["kind"] == "Job"], sys.stdout, sort_keys=False)' >"$work/job.yaml"
job_applied=true
k apply -f "$work/job.yaml" >&2
say "job/$job: $clients pods start measuring at $start_at ($((start_seconds - $(date +%s))) s from now)"

# Wait for the Job: all K succeeded, or one failed, or the deadline passed. Polling the
# status (rather than `kubectl wait` on one condition) sees a failure as soon as it happens.
deadline=$((start_seconds + timeout + 60))
while :; do
  # An empty count is 0; a status that cannot be read now (the API server busy) is read again.
  counts=$(k get job "$job" -o 'jsonpath={.status.succeeded}/{.status.failed}' 2>/dev/null) || counts=/
  IFS=/ read -r succeeded failed <<<"$counts"
  [[ "$succeeded" =~ ^[0-9]+$ ]] || succeeded=0
  [[ "$failed" =~ ^[0-9]+$ ]] || failed=0
  ((succeeded == clients)) && break
  if ((failed > 0)); then
    say "job/$job: $failed pod(s) failed; the benchmark's last lines:"
    for pod in $(k get pods -l "job-name=$job" --field-selector=status.phase=Failed -o name); do
      k logs "$pod" -c benchmark --tail=20 >&2 || true
    done
    die "job/$job failed (a pod that started after $start_at cannot join: raise --start-delay)"
  fi
  (($(date +%s) < deadline)) || die "job/$job has not finished $timeout s after the start ($succeeded of $clients done)"
  sleep 5
done
requests_after=$(server_requests)

# Collect each index's JSON from its `results` container, and the benchmark's own output.
# Pods are found by the Job's job-name label and their completion-index annotation (set by
# every Kubernetes with Indexed Jobs).
mkdir -p "$results_dir"
k get pods -l "job-name=$job" --field-selector=status.phase=Succeeded \
  -o 'jsonpath={range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index} {.metadata.name}{"\n"}{end}' \
  >"$work/pods"
files=()
for ((i = 0; i < clients; i++)); do
  pod=$(awk -v i="$i" '$1 == i { print $2; exit }' "$work/pods")
  [[ -n "$pod" ]] || die "no succeeded pod of index $i"
  k logs "$pod" -c results >"$results_dir/pod-$i.json"
  k logs "$pod" -c benchmark >"$results_dir/pod-$i.log" 2>&1 || true
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$results_dir/pod-$i.json" ||
    die "pod $pod printed no valid JSON ($results_dir/pod-$i.json)"
  files+=("$results_dir/pod-$i.json")
done
say "collected ${#files[@]} results in $results_dir"
if [[ -n "$requests_before" && -n "$requests_after" ]]; then
  # One of the two reads falls between the counts.
  say "the server counted $((requests_after - requests_before - 1)) requests during the run (its /stats)"
fi
"$hcbench" report --merge "${files[@]}" --json "$results_dir/merged.json"
