#!/usr/bin/env bash
# The container image, built and run for real: builds the Containerfile with buildah (vfs
# storage, chroot isolation: no container engine or daemon needed), runs the image's default
# command (`hcbench serve --bind 0.0.0.0`) with host networking inside a network namespace of
# its own (so the default ports 8080 and 4443 never clash with anything on this machine),
# checks /ping over HTTP and HTTPS, and stops it.
#
# Skipped (exit 77) when not root or when buildah or debootstrap are missing
# (tools/setup.sh --container installs them).
#
# The base image and buildah's layer cache stay in hcbench's buildah storage between runs
# (tools/container-env.sh): the first run debootstraps and installs the build packages,
# later runs only copy the sources and compile.
set -euo pipefail
source_dir=${HCBENCH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$source_dir"

skip() { echo "SKIP: $*"; exit 77; }
((EUID == 0)) || skip "the container test needs root (buildah with vfs storage, network namespaces)"
for tool in buildah debootstrap ip curl; do
  command -v "$tool" >/dev/null || skip "$tool is not installed: run tools/setup.sh --container"
done

source tools/container-env.sh
image=hcbench:test
build_image=hcbench-build:cache
netns=hcbench-ctr-$$
work=$(mktemp -d)
container=
server_pid=

log() { echo "container_test: [$SECONDS s] $*"; }

cleanup() {
  local status=$?
  set +e
  if [[ -n "$server_pid" ]]; then
    # Everything in the namespace is ours: the buildah run process and hcbench under it.
    ip netns pids "$netns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  [[ -n "$container" ]] && "${buildah[@]}" rm "$container" >/dev/null 2>&1
  ip netns del "$netns" 2>/dev/null
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

log "base image"
tools/container-base.sh

# The build stage is tagged on its own first: it anchors the layer cache of the package
# step, which the prune below would otherwise remove as an untagged intermediate image.
log "building the build stage"
"${buildah[@]}" bud --layers --pull=never --quiet -f Containerfile --target build \
  -t "$build_image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "build stage"; }
log "building the image"
"${buildah[@]}" bud --layers --pull=never --quiet -f Containerfile \
  -t "$image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "image build"; }
# What the previous run left: its source and compile layers, now untagged.
"${buildah[@]}" rmi --prune >/dev/null 2>&1 || true

# The image's own default command, exactly as `podman run` would start it.
config() { "${buildah[@]}" inspect --type image --format "{{range .OCIv1.Config.$1}}{{.}} {{end}}" "$image"; }
read -r -a command <<<"$(config Entrypoint) $(config Cmd)"
user=$("${buildah[@]}" inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
ports=$("${buildah[@]}" inspect --type image --format '{{range $p, $_ := .OCIv1.Config.ExposedPorts}}{{$p}} {{end}}' "$image")
log "image command: ${command[*]}; user: $user; exposed: $ports"
[[ "${command[*]}" == "hcbench serve --bind 0.0.0.0" ]] || fail "default command is '${command[*]}'"
[[ -n "$user" && "$user" != root && "$user" != 0 ]] || fail "the image runs as root"
[[ "$ports" == *8080/tcp* && "$ports" == *4443/tcp* ]] || fail "exposed ports are '$ports'"

ip netns add "$netns"
ip -n "$netns" link set lo up
container=$("${buildah[@]}" from --pull-never --name "hcbench-test-$$" "$image")
mkfifo "$work/stdout"
ip netns exec "$netns" "${buildah[@]}" run --network host "$container" -- "${command[@]}" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!

# The ready line is the first line of stdout; a server that dies or hangs fails here.
exec {ready_fd}<"$work/stdout"
if ! IFS= read -r -t 60 -u "$ready_fd" ready; then
  cat "$work/stderr" >&2
  fail "no ready line from the server within 60 s"
fi
log "ready: $ready"
[[ "$ready" == *'"event":"ready"'* && "$ready" == *'"address":"0.0.0.0"'* ]] ||
  fail "unexpected ready line"
# Keep draining stdout so the server never blocks on a full pipe.
cat <&"$ready_fd" >/dev/null &

in_netns() { ip netns exec "$netns" "$@"; }
http=$(in_netns curl -sS --max-time 10 http://127.0.0.1:8080/ping) || fail "HTTP request failed"
[[ "$http" == pong ]] || fail "HTTP /ping answered '$http'"
log "HTTP /ping: $http"
# Verified against the repository's CA: the image serves the default certificate.
https=$(in_netns curl -sS --max-time 10 --cacert certs/ca.crt https://127.0.0.1:4443/ping) ||
  fail "HTTPS request failed"
[[ "$https" == pong ]] || fail "HTTPS /ping answered '$https'"
log "HTTPS /ping: $https"

# The server process runs as the image's non-root user.
hcbench_pids=$(ip netns pids "$netns" | while read -r p; do
  [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == hcbench ]] && echo "$p"; done)
[[ -n "$hcbench_pids" ]] || fail "no hcbench process in the namespace"
for p in $hcbench_pids; do
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$p/status")
  ((uid != 0)) || fail "hcbench runs as root in the container"
  log "hcbench pid $p runs as uid $uid"
done

# A clean stop: SIGTERM to hcbench, which exits 0, and buildah run returns its status.
kill -TERM $hcbench_pids
status=0
wait "$server_pid" || status=$?
server_pid=
((status == 0)) || { cat "$work/stderr" >&2; fail "the server exited with status $status after SIGTERM"; }
log "stopped cleanly"
echo "PASS"
