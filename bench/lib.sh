# Sourced by the bench scripts that measure clients against one `hcbench serve`: the
# placement (CLIENT_CPU / SERVER_CPU, default 0 / 1 on a machine with 2 CPUs or more, else
# both 0), a scratch directory, and the server started on its CPU, stopped on exit.
# After `start_server BUILD_DIR`: $base is the server's HTTP base URL, $work the scratch dir.
cpus=$(nproc)
client_cpu=${CLIENT_CPU:-0}
server_cpu=${SERVER_CPU:-$((cpus > 1 ? 1 : 0))}
work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# HTTP only: over one kept connection, TLS would add the same work per request to both sides
# of a comparison. The server's ready line gives the port.
start_server() {
  taskset -c "$server_cpu" "$1/hcbench" serve --bind 127.0.0.1 --http-port 0 --https-port off \
    > "$work/ready" &
  server_pid=$!
  for _ in $(seq 100); do [[ -s "$work/ready" ]] && break; sleep 0.05; done
  base=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"]["url"])' \
    "$work/ready")
}
