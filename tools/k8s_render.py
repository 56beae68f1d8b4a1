#!/usr/bin/env python3
"""Renders the Kubernetes manifests of docs/k8s/ for one run of tools/k8s-run.sh.

Reads hcbench-server.yaml and hcbench-clients-indexed-job.yaml, sets what changes from run to
run, and prints both as one multi-document YAML stream (server objects first). Nothing else is
changed, so the files stay what a reader applies by hand. Needs python3-yaml (Debian).

  tools/k8s_render.py --manifests docs/k8s --image IMAGE --clients K --start-at T
                      --run-id ID [--deadline SECONDS] [-- hcbench run options...]

What is set:
  - every container's image;
  - the Job's completions and parallelism (both K: all pods run at once);
  - the benchmark container's HCBENCH_START_AT and HCBENCH_RUN_ID, which its args reference
    as $(HCBENCH_START_AT) and $(HCBENCH_RUN_ID) (Kubernetes expands them);
  - the run options: the args after "--no-progress" are replaced when options are given;
  - the run id as the label hcbench/run-id on the Job and its pods;
  - activeDeadlineSeconds of the Job, when --deadline is given.
"""
import argparse
import sys

import yaml

SERVER_FILE = "hcbench-server.yaml"
CLIENTS_FILE = "hcbench-clients-indexed-job.yaml"
RUN_ID_LABEL = "hcbench/run-id"
OPTIONS_AFTER = "--no-progress"


def load(path):
    with open(path, encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def containers(obj):
    spec = pod_spec(obj)
    return spec.get("initContainers", []) + spec.get("containers", [])


def set_env(container, name, value):
    for entry in container.setdefault("env", []):
        if entry["name"] == name:
            entry["value"] = value
            return
    container["env"].append({"name": name, "value": value})


def benchmark_container(job):
    """The container that runs `hcbench run`: the one whose args start with "run"."""
    for container in containers(job):
        if container.get("args", [None])[0] == "run":
            return container
    raise SystemExit(f"{CLIENTS_FILE}: no container runs `hcbench run`")


def render(args, run_options):
    server = load(f"{args.manifests}/{SERVER_FILE}")
    clients = load(f"{args.manifests}/{CLIENTS_FILE}")
    jobs = [o for o in clients if o.get("kind") == "Job"]
    if len(jobs) != 1:
        raise SystemExit(f"{CLIENTS_FILE}: expected one Job, found {len(jobs)}")
    job = jobs[0]
    for obj in server + clients:
        if obj.get("kind") in ("Deployment", "Job"):
            for container in containers(obj):
                container["image"] = args.image
    job["spec"]["completions"] = args.clients
    job["spec"]["parallelism"] = args.clients
    if args.deadline:
        job["spec"]["activeDeadlineSeconds"] = args.deadline
    for labels in (job["metadata"].setdefault("labels", {}),
                   job["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {})):
        labels[RUN_ID_LABEL] = args.run_id
    benchmark = benchmark_container(job)
    set_env(benchmark, "HCBENCH_START_AT", args.start_at)
    set_env(benchmark, "HCBENCH_RUN_ID", args.run_id)
    if run_options:
        run_args = benchmark["args"]
        if OPTIONS_AFTER not in run_args:
            raise SystemExit(f"{CLIENTS_FILE}: the benchmark args have no {OPTIONS_AFTER} to put options after")
        benchmark["args"] = run_args[: run_args.index(OPTIONS_AFTER) + 1] + list(run_options)
    return server + clients


def main():
    argv = sys.argv[1:]
    run_options = []
    if "--" in argv:
        run_options = argv[argv.index("--") + 1:]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifests", required=True, help="the folder of the manifests (docs/k8s)")
    parser.add_argument("--image", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--start-at", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--deadline", type=int, default=0)
    args = parser.parse_args(argv)
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    # Strings stay strings in the output ("2" CPUs, "$(...)" args): safe_dump quotes what needs it.
    yaml.safe_dump_all(render(args, run_options), sys.stdout, sort_keys=False, width=100)


if __name__ == "__main__":
    main()
