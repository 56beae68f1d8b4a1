#!/usr/bin/env python3
"""Offline checks of the Kubernetes manifests (docs/k8s/) and of tools/k8s-run.sh --dry-run.

No cluster is contacted: kubectl runs only with --local, with KUBECONFIG an empty file, and
k8s-run.sh runs with a kubectl on its PATH that records any call and fails. What is checked
(docs/deploy.md says the same):
  1. every file parses as YAML and holds the objects, names, labels and fields that
     tools/k8s-run.sh and docs/deploy.md rely on: selectors that match, Service ports that name
     container ports, Guaranteed QoS with whole CPUs, the Indexed Job's shape, the $(VAR)s of its
     args all defined, the results container printing what the benchmark writes;
  2. k8s-run.sh --dry-run renders valid YAML with K pods, the image, one start time ahead, the
     run id and the run options, and runs no kubectl; expanding the args as the Job controller
     and the kubelet would gives K distinct host labels and one start time;
  3. with kubectl (1.24 or later) on the PATH, every object decodes into kubectl's own typed
     Kubernetes API objects: known kinds, fields of the right types, quantities that parse, and
     no field that the typed object drops (a misspelt or unknown field);
  4. k8s-run.sh's own path, against a simulated kubectl and hcbench: it applies the server and
     then the Job, collects each index's JSON, merges them, prints the table, and deletes what
     it created, also when the Job fails.
Not checked: the API server's validation and defaulting, admission, scheduling, the image,
the CPU manager policy of real nodes, and any field value the typed objects do not constrain.
Skipped (77) when python3-yaml is missing; part 3 alone is skipped without kubectl.
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: python3 has no yaml module: install python3-yaml (tools/setup.sh)")
    sys.exit(77)

SOURCE = os.environ.get("HCBENCH_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
K8S = os.path.join(SOURCE, "docs", "k8s")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def load(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def find(docs, kind, name):
    found = [d for d in docs if d.get("kind") == kind and d.get("metadata", {}).get("name") == name]
    check(len(found) == 1, f"expected one {kind} {name}, found {len(found)}")
    return found[0] if found else None


def pod_containers(pod_spec):
    return pod_spec.get("initContainers", []) + pod_spec.get("containers", [])


def check_guaranteed(where, pod_spec):
    """Guaranteed QoS with whole CPUs: what the static CPU manager policy pins to cores."""
    for c in pod_containers(pod_spec):
        r = c.get("resources", {})
        requests, limits = r.get("requests", {}), r.get("limits", {})
        check(requests and requests == limits, f"{where}/{c['name']}: requests must equal limits (Guaranteed QoS)")
        check({"cpu", "memory"} <= set(limits), f"{where}/{c['name']}: needs CPU and memory limits")
        check(re.fullmatch(r"[1-9][0-9]*", str(limits.get("cpu", ""))) is not None,
              f"{where}/{c['name']}: the CPU limit must be a whole number of CPUs")


def check_results_container(where, pod_spec):
    """The `benchmark` init container writes the JSON, the `results` container prints it."""
    init = {c["name"]: c for c in pod_spec.get("initContainers", [])}
    main = {c["name"]: c for c in pod_spec.get("containers", [])}
    if not check("benchmark" in init and "results" in main, f"{where}: needs init container benchmark and container results"):
        return None
    args = init["benchmark"]["args"]
    check(args[0] == "run", f"{where}: benchmark must run `hcbench run`")
    check("--json" in args and args[args.index("--json") + 1] == "/results/run.json", f"{where}: benchmark must write /results/run.json")
    check(main["results"].get("command") == ["cat", "/results/run.json"], f"{where}: results must print /results/run.json")
    volumes = {v["name"] for v in pod_spec.get("volumes", []) if "emptyDir" in v}
    for c in (init["benchmark"], main["results"]):
        mounts = {(m["name"], m["mountPath"]) for m in c.get("volumeMounts", [])}
        check(any(name in volumes and path == "/results" for name, path in mounts), f"{where}/{c['name']}: /results must be the shared emptyDir")
    check(pod_spec.get("restartPolicy") == "Never", f"{where}: restartPolicy must be Never")
    check("http://hcbench-server:8080" in args and "https://hcbench-server:4443" in args, f"{where}: must target the hcbench-server Service")
    return init["benchmark"]


def check_avoids_server(where, pod_spec, server_labels):
    terms = pod_spec.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])
    check(any(t["labelSelector"].get("matchLabels", {}).items() <= server_labels.items() and t["topologyKey"] == "kubernetes.io/hostname"
              for t in terms), f"{where}: must never be scheduled on the server's node")


def check_server(docs):
    deployment = find(docs, "Deployment", "hcbench-server")
    service = find(docs, "Service", "hcbench-server")
    if not (deployment and service):
        return {}
    template = deployment["spec"]["template"]
    labels = template["metadata"]["labels"]
    check(deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the Deployment's selector must match its pods")
    check(service["spec"]["selector"].items() <= labels.items(), "the Service's selector must match the server pods")
    (server,) = template["spec"]["containers"]
    check(server["args"][:1] == ["serve"], "the server container must run `hcbench serve`")
    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    check(ports == {"http": 8080, "https": 4443}, f"the server ports must be http 8080 and https 4443, not {ports}")
    for p in service["spec"]["ports"]:
        check(p["targetPort"] in ports and ports[p["targetPort"]] == p["port"], f"Service port {p['name']} must name a container port")
    check("readinessProbe" in server, "the server needs a readiness probe (k8s-run.sh waits for the rollout)")
    check_guaranteed("hcbench-server", template["spec"])
    threads = server["args"][server["args"].index("--threads") + 1] if "--threads" in server["args"] else None
    check(threads == str(server["resources"]["limits"]["cpu"]), "the server's --threads must equal its CPUs")
    return labels


def expand(value, env):
    """$(VAR) as Kubernetes expands it in args: defined variables only, $$ escapes."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def check_indexed_job(docs, server_labels, where):
    job = find(docs, "Job", "hcbench-clients")
    if not job:
        return None
    spec = job["spec"]
    check(spec.get("completionMode") == "Indexed", f"{where}: completionMode must be Indexed")
    check(spec.get("completions") == spec.get("parallelism"), f"{where}: completions must equal parallelism (every host at once)")
    check(spec.get("backoffLimit") == 0, f"{where}: backoffLimit must be 0 (a retried pod would miss the start)")
    check(isinstance(spec.get("activeDeadlineSeconds"), int), f"{where}: needs activeDeadlineSeconds (bounded in time)")
    pod = spec["template"]["spec"]
    check(spec["template"]["metadata"]["labels"].items() >= {"app": "hcbench", "role": "client"}.items(), f"{where}: pods need app=hcbench, role=client")
    check_guaranteed(where, pod)
    check_avoids_server(where, pod, server_labels)
    benchmark = check_results_container(where, pod)
    if not benchmark:
        return job
    args = benchmark["args"]
    for option, value in (("--start-at", "$(HCBENCH_START_AT)"), ("--run-id", "$(HCBENCH_RUN_ID)"), ("--host-label", "$(JOB_COMPLETION_INDEX)")):
        check(option in args and args[args.index(option) + 1] == value, f"{where}: benchmark needs {option} {value}")
    check("--no-progress" in args, f"{where}: the run options follow --no-progress (k8s_render.py replaces them)")
    env = {e["name"] for e in benchmark.get("env", [])} | {"JOB_COMPLETION_INDEX"}
    for arg in args:
        for name in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
            check(name in env, f"{where}: $({name}) in the args is not defined in the container's env")
    return job


# --- 1. the files as they are ----------------------------------------------------------------
files = {name: load(os.path.join(K8S, name)) for name in sorted(os.listdir(K8S)) if name.endswith(".yaml")}
for name, docs in files.items():
    for d in docs:
        check({"apiVersion", "kind", "metadata"} <= set(d), f"{name}: an object without apiVersion, kind or metadata")
server_labels = check_server(files.get("hcbench-server.yaml", []))
single = find(files.get("hcbench-client-job.yaml", []), "Job", "hcbench-client")
if single:
    pod = single["spec"]["template"]["spec"]
    check_guaranteed("hcbench-client", pod)
    check_avoids_server("hcbench-client", pod, server_labels)
    check_results_container("hcbench-client", pod)
check_indexed_job(files.get("hcbench-clients-indexed-job.yaml", []), server_labels, "hcbench-clients-indexed-job.yaml")
print(f"parsed and checked {', '.join(files)}")

# --- 2. k8s-run.sh --dry-run ------------------------------------------------------------------
work = tempfile.mkdtemp()
try:
    fake_bin = os.path.join(work, "bin")
    os.mkdir(fake_bin)
    calls = os.path.join(work, "kubectl-calls")
    with open(os.path.join(fake_bin, "kubectl"), "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" >>'{calls}'\nexit 1\n")
    os.chmod(os.path.join(fake_bin, "kubectl"), 0o755)
    empty_config = os.path.join(work, "kubeconfig")
    open(empty_config, "w").close()
    env = dict(os.environ, PATH=fake_bin + os.pathsep + os.environ["PATH"], KUBECONFIG=empty_config)
    script = os.path.join(SOURCE, "tools", "k8s-run.sh")
    k, delay = 3, 240
    before = datetime.datetime.now(datetime.timezone.utc)
    run = subprocess.run([script, "--dry-run", "--clients", str(k), "--image", "registry.invalid/hcbench:test",
                          "--start-delay", str(delay), "--run-id", "offline-1", "--",
                          "--clients", "floor", "--cycles", "100"],
                         env=env, capture_output=True, text=True, timeout=60)
    after = datetime.datetime.now(datetime.timezone.utc)
    if check(run.returncode == 0, f"k8s-run.sh --dry-run exited {run.returncode}: {run.stderr}"):
        rendered = [d for d in yaml.safe_load_all(run.stdout) if d]
        check(sorted(d["kind"] for d in rendered) == ["Deployment", "Job", "Service"], "the dry run must render the server, its Service and the Job")
        check_server(rendered)
        job = check_indexed_job(rendered, server_labels, "dry run")
        for d in rendered:
            if d["kind"] in ("Deployment", "Job"):
                for c in pod_containers(d["spec"]["template"]["spec"]):
                    check(c["image"] == "registry.invalid/hcbench:test", f"dry run: {d['kind']}/{c['name']} has image {c['image']}")
        if job:
            check(job["spec"]["completions"] == k and job["spec"]["parallelism"] == k, f"dry run: the Job must have {k} pods")
            check(job["metadata"]["labels"].get("hcbench/run-id") == "offline-1", "dry run: the Job must carry the run id")
            (benchmark,) = job["spec"]["template"]["spec"]["initContainers"]
            variables = {e["name"]: e["value"] for e in benchmark["env"]}
            start = datetime.datetime.strptime(variables["HCBENCH_START_AT"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
            check(before + datetime.timedelta(seconds=delay - 2) <= start <= after + datetime.timedelta(seconds=delay + 2),
                  f"dry run: the start {start} is not {delay} s after the run")
            check(benchmark["args"][benchmark["args"].index("--no-progress") + 1:] == ["--clients", "floor", "--cycles", "100"],
                  "dry run: the run options must follow --no-progress")
            # Each pod as the Job controller makes it (JOB_COMPLETION_INDEX) and the kubelet
            # expands its args.
            pods = [[expand(a, dict(variables, JOB_COMPLETION_INDEX=str(i))) for a in benchmark["args"]] for i in range(k)]
            labels = [p[p.index("--host-label") + 1] for p in pods]
            starts = {p[p.index("--start-at") + 1] for p in pods}
            check(labels == [str(i) for i in range(k)], f"dry run: host labels {labels}")
            check(starts == {variables["HCBENCH_START_AT"]}, f"dry run: the pods' start times {starts}")
            check(not any("$(" in a for p in pods for a in p), "dry run: an argument is left unexpanded")
    check(not os.path.exists(calls), f"the dry run ran kubectl: {open(calls).read() if os.path.exists(calls) else ''}")
    bad = subprocess.run([script, "--dry-run", "--clients", "0"], env=env, capture_output=True, text=True, timeout=60)
    check(bad.returncode == 2, f"k8s-run.sh --clients 0 exited {bad.returncode}, not 2")
    print(f"k8s-run.sh --dry-run rendered {k} indexed pods without running kubectl")

    # --- 3. kubectl's typed objects, offline ------------------------------------------------
    kubectl = shutil.which("kubectl")
    version = None
    if kubectl:
        out = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True,
                             env=dict(os.environ, KUBECONFIG=empty_config), timeout=60)
        try:
            client = json.loads(out.stdout)["clientVersion"]
            version = (int(client["major"]), int(re.match(r"\d+", client["minor"]).group()))
        except (ValueError, KeyError, AttributeError):
            version = None
    if not kubectl or not version or version < (1, 24):
        print(f"part 3 skipped: {'no kubectl' if not kubectl else f'kubectl {version} is older than 1.24 (Indexed Jobs)'}")
    else:
        def paths(value, prefix=()):
            if isinstance(value, dict):
                for key, item in value.items():
                    yield from paths(item, prefix + (key,))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    yield from paths(item, prefix + (index,))
            else:
                yield prefix, value

        def typed(obj):
            """The object after a round trip through kubectl's typed API objects, or an error."""
            path = os.path.join(work, "object.yaml")
            with open(path, "w") as f:
                yaml.safe_dump(obj, f)
            if obj["kind"] == "Service":
                selector = ",".join(f"{k}={v}" for k, v in obj["spec"]["selector"].items())
                command = [kubectl, "set", "selector", "--local", "-f", path, selector, "-o", "json"]
            else:
                command = [kubectl, "set", "image", "--local", "-f", path, "*=hcbench-validate:0", "-o", "json"]
            out = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, KUBECONFIG=empty_config))
            return (json.loads(out.stdout), None) if out.returncode == 0 else (None, out.stderr.strip())

        checked = 0
        sources = [(name, d) for name, docs in files.items() for d in docs] + [("dry run", d) for d in rendered]
        for name, obj in sources:
            result, error = typed(obj)
            where = f"{name}: {obj['kind']}/{obj['metadata']['name']}"
            if not check(error is None, f"{where}: kubectl cannot decode it: {error}"):
                continue
            kept = dict(paths(result))
            for path, value in paths(obj):
                if path and path[-1] == "image":
                    continue
                # Quantities and ports may come back as other scalars of the same value ("2" CPUs).
                check(path in kept and str(kept[path]) == str(value),
                      f"{where}: {'.'.join(map(str, path))} = {value!r} does not survive kubectl's typed object (unknown or mistyped field)")
            checked += 1
        print(f"kubectl {version[0]}.{version[1]} decoded {checked} objects into its typed API objects")

    # --- 4. the script's real path, against a simulated cluster ------------------------------
    # A kubectl that answers as a cluster would for a Job whose pods all succeed (or, with
    # FAKE_FAILED=1, one failed), and an hcbench whose merge lists its inputs: the script must
    # apply the server and the Job, collect each index's JSON, merge them, and delete what it
    # created, also when the Job fails.
    state = os.path.join(work, "cluster")
    os.mkdir(state)
    with open(os.path.join(fake_bin, "kubectl"), "w") as f:
        f.write(f"""#!/bin/sh
state='{state}'
echo "$*" >>"$state/calls"
case "$*" in
  "config current-context") echo fake-context ;;
  "config view"*) ;;
  "get job hcbench-clients -o jsonpath="*) if [ -n "$FAKE_FAILED" ]; then echo "/1"; else echo "{k}/"; fi ;;
  "get job"*|"get deployment"*|"get --raw"*) exit 1 ;;
  "apply -f "*) cp "$3" "$state/applied-$(grep -c . "$state/calls")" ;;
  "rollout status"*|"delete "*) ;;
  "get pods -l job-name=hcbench-clients --field-selector=status.phase=Failed"*) echo pod/p0 ;;
  "get pods -l job-name=hcbench-clients --field-selector=status.phase=Succeeded"*) printf '2 p2\\n0 p0\\n1 p1\\n' ;;
  "logs p"?" -c results") echo "{{\\"pod\\": \\"$2\\"}}" ;;
  "logs p"*) echo "output of $2" ;;
  *) echo "fake kubectl: unexpected $*" >&2; exit 3 ;;
esac
""")
    hcbench_stub = os.path.join(work, "hcbench")
    with open(hcbench_stub, "w") as f:
        f.write("""#!/bin/sh
[ "$2" = --help ] && { echo "--merge FILES"; exit 0; }
shift 2
files=""
while [ "$1" != --json ]; do files="$files $1"; shift; done
echo "$files" >"$2"
echo "merged table of$files"
""")
    os.chmod(hcbench_stub, 0o755)
    results = os.path.join(work, "results")
    flow = [script, "--clients", str(k), "--image", "registry.invalid/hcbench:test", "--start-delay", "10",
            "--timeout", "20", "--run-id", "offline-2", "--results-dir", results, "--hcbench", hcbench_stub, "--", "--cycles", "10"]
    run = subprocess.run(flow, env=env, capture_output=True, text=True, timeout=120)
    calls = open(os.path.join(state, "calls")).read().splitlines()
    applied = sorted(f for f in os.listdir(state) if f.startswith("applied-"))
    kinds = [sorted(d["kind"] for d in yaml.safe_load_all(open(os.path.join(state, f))) if d) for f in applied]
    if check(run.returncode == 0, f"k8s-run.sh against a simulated cluster exited {run.returncode}: {run.stderr}"):
        check(kinds == [["Deployment", "Service"], ["Job"]], f"the script must apply the server, then the Job: {kinds}")
        for i in range(k):
            check(json.load(open(os.path.join(results, f"pod-{i}.json"))) == {"pod": f"p{i}"}, f"pod-{i}.json is not index {i}'s JSON")
        merged = open(os.path.join(results, "merged.json")).read().split()
        check(merged == [os.path.join(results, f"pod-{i}.json") for i in range(k)], f"the merge got {merged}")
        check("merged table of" in run.stdout, "the script must print the merged table")
    check("delete job hcbench-clients --ignore-not-found --wait=false --cascade=background" in calls, "the script must delete its Job")
    check(any(c.startswith("delete -f ") for c in calls), "the script must delete the server it created")
    open(os.path.join(state, "calls"), "w").close()
    failed = subprocess.run(flow, env=dict(env, FAKE_FAILED="1"), capture_output=True, text=True, timeout=120)
    calls = open(os.path.join(state, "calls")).read().splitlines()
    check(failed.returncode == 1 and "failed" in failed.stderr, f"a failed Job must fail the script: {failed.returncode} {failed.stderr}")
    check("logs pod/p0 -c benchmark --tail=20" in calls, "the script must show the failed pod's output")
    check(any(c.startswith("delete job") for c in calls) and any(c.startswith("delete -f ") for c in calls),
          "a failed run must still delete the Job and the server")
    print("k8s-run.sh against a simulated cluster: applied, collected, merged, cleaned up (also on failure)")
finally:
    shutil.rmtree(work)

for f in failures:
    print("FAIL:", f)
print("FAIL" if failures else "PASS")
sys.exit(1 if failures else 0)
