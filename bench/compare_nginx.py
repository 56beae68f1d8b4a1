#!/usr/bin/python3
"""hcbench serve against nginx, side by side in one run (issue 5).

Starts nginx (one worker, access log off, the same responses, certificate and TLS settings)
and `hcbench serve --threads 1`, both pinned to the server CPU, drives each with wrk, h2load
and ab pinned to the client CPU, in alternating rounds, and reports per scenario the medians of
requests/s and of the server's CPU time per request (user + system of every task of the server
process, from /proc/<pid>/task/<tid>/schedstat over the measured window), the two ratios
(throughput hcbench/nginx, efficiency nginx CPU per request / hcbench CPU per request) and
which side was saturated. Then memory per idle keep-alive connection (HTTP and HTTPS) and per
idle HTTP/2 connection (h2c), the cost of a cold /length/<n>, and `--threads 2`.

HTTP/2 scenarios (names starting h2- over TLS by ALPN, h2c- with prior knowledge) use h2load:
64 connections x 16 streams and 1 connection x 100 streams. hcbench serves both on its usual
two ports; nginx on two more listeners with `http2` (nginx 1.22 has no per-connection choice
on one plain port), so its HTTP/1.1 listeners are unchanged.

Loopback only, bounded in time (--seconds per measurement, --rounds rounds). Python stdlib only.
Usage: bench/compare_nginx.py [--hcbench build/hcbench] [--rounds 3] [--seconds 3] [--quick]
       [--only NAME,...] [--json results.json] [--markdown table.md] [--tls-engine openssl]
       [--idle-h2c 1000]
--only takes scenario-name prefixes: "h2" for every HTTP/2 scenario, "h2c-" or "h2-" for one
transport, "idle" for the idle-connection and cold-payload part, "idle-h2c" for the idle
HTTP/2 connections alone.
"""

import argparse
import json
import os
import re
import shlex
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HC_HTTP, HC_HTTPS = 28080, 28081
NG_HTTP, NG_HTTPS = 28090, 28091
# nginx's HTTP/2 listeners: h2 over TLS (ALPN) and h2c with prior knowledge.
NG_H2, NG_H2C = 28092, 28093
SERVER_CPU, CLIENT_CPU = "1", "0"
# A side is called saturated above this share of the CPUs it may use over the window.
SATURATED = 0.90
LENGTHS = {"1k": 1024, "128k": 131072, "1M": 1048576}
# A load generator still running this long after its duration is killed (see run_one).
TOOL_MARGIN_SECONDS = 30


# ---------------------------------------------------------------------------------------------
# /proc readings


def task_ids(pid):
    try:
        return os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []


def cpu_ns(pids):
    """CPU time (user + system, ns) of every thread of the given processes."""
    total = 0
    for pid in pids:
        for tid in task_ids(pid):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid):
    out = []
    for tid in task_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def tool_version(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=5)
        text = (out.stdout + out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "?"


# ---------------------------------------------------------------------------------------------
# Servers


def wait_port(port, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Server:
    name = "?"

    def __init__(self, cpus):
        self.cpus = cpus
        self.process = None

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def cpu_ns(self):
        return cpu_ns(self.pids())

    def port(self, scheme):
        """The port a scenario's scheme is served on: http, https, h2 (TLS) or h2c."""
        return {"http": self.http, "https": self.https, "h2": self.h2, "h2c": self.h2c}[scheme]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Hcbench(Server):
    name = "hcbench"

    def __init__(self, binary, cpus, threads, http_port, https_port, tls_engine):
        super().__init__(cpus)
        self.command = ["taskset", "-c", cpus, binary, "serve", "--bind", "127.0.0.1",
                        "--http-port", str(http_port), "--https-port", str(https_port),
                        "--threads", str(threads), "--tls-engine", tls_engine]
        self.http, self.https = http_port, https_port
        # HTTP/2 on the same ports: ALPN h2 over HTTPS, the preface recognised over HTTP.
        self.h2, self.h2c = https_port, http_port

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline()
        if '"ready"' not in ready:
            raise RuntimeError("hcbench serve did not start: " + ready)
        self.process.stdout.close()

    def memory_pid(self):
        return self.process.pid

    def stats(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/stats", timeout=5) as r:
            return json.load(r)


class Nginx(Server):
    name = "nginx"

    def __init__(self, workdir, cpus, workers, http_port, https_port, documents, h2_port=NG_H2,
                 h2c_port=NG_H2C):
        super().__init__(cpus)
        self.prefix = os.path.join(workdir, f"nginx-{workers}")
        os.makedirs(self.prefix, exist_ok=True)
        self.config = os.path.join(self.prefix, "nginx.conf")
        with open(self.config, "w") as f:
            f.write(nginx_config(self.prefix, workers, http_port, https_port, h2_port, h2c_port,
                                 documents))
        self.command = ["taskset", "-c", cpus, "nginx", "-p", self.prefix, "-c", self.config,
                        "-e", os.path.join(self.prefix, "error.log")]
        self.http, self.https = http_port, https_port
        self.h2, self.h2c = h2_port, h2c_port

    def start(self):
        self.process = subprocess.Popen(self.command)
        for port in (self.http, self.https, self.h2, self.h2c):
            wait_port(port)

    def memory_pid(self):
        return children(self.process.pid)[0]  # the (single) worker

    def worker_rss_kib(self):
        """RSS of every worker process (the master holds no connection)."""
        return sum(rss_kib(pid) for pid in children(self.process.pid))


def nginx_config(prefix, workers, http_port, https_port, h2_port, h2c_port, documents):
    """The nginx twin of hcbench serve: same bodies, Repr-Digest headers, certificate, TLS."""
    www = documents["root"]
    digests = "\n".join(f'    {uri} "{d}";' for uri, d in documents["digests"].items())
    cert = os.path.join(REPO, "certs", "localhost.crt")
    key = os.path.join(REPO, "certs", "localhost.key")
    return f"""
daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile 20000;
pid {prefix}/nginx.pid;
events {{
  worker_connections 16384;
  use epoll;
}}
http {{
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 1000000000;
  keepalive_timeout 65s;
  etag off;
  # Static files as a tuned nginx serves them: descriptors and sizes cached, no open() and
  # fstat() per request (without it nginx pays ~3 system calls more per /bigger or /length).
  open_file_cache max=64 inactive=60s;
  open_file_cache_valid 3600s;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  map $uri $repr_digest {{
{digests}
  }}
  server {{
    listen 127.0.0.1:{http_port} backlog=4096 deferred;
    listen 127.0.0.1:{https_port} ssl backlog=4096 deferred;
    # HTTP/2 (nginx 1.22: `http2` on the listen line): h2 by ALPN, and h2c with prior knowledge
    # on a plain listener of its own; the same server block, so the same tuning and responses.
    listen 127.0.0.1:{h2_port} ssl http2 backlog=4096 deferred;
    listen 127.0.0.1:{h2c_port} http2 backlog=4096 deferred;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2;
    ssl_ecdh_curve X25519:prime256v1;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384;
    ssl_prefer_server_ciphers on;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 1h;
    ssl_session_tickets on;
    root {www};
    location = /ping {{
      default_type text/plain;
      add_header Repr-Digest $repr_digest;
      return 200 "pong";
    }}
    location = /bigger {{
      default_type application/json;
      add_header Repr-Digest $repr_digest;
    }}
    location /length/ {{
      default_type application/octet-stream;
      add_header Repr-Digest $repr_digest;
    }}
  }}
}}
"""


def fetch_documents(hcbench, workdir):
    """The bytes nginx serves, fetched from hcbench itself so they are identical."""
    root = os.path.join(workdir, "www")
    os.makedirs(os.path.join(root, "length"), exist_ok=True)
    digests = {}
    for uri in ["/ping", "/bigger"] + [f"/length/{n}" for n in LENGTHS.values()]:
        with urllib.request.urlopen(f"http://127.0.0.1:{hcbench.http}{uri}", timeout=10) as r:
            body = r.read()
            digests[uri] = r.headers["Repr-Digest"]
        if uri != "/ping":
            with open(root + uri, "wb") as f:
                f.write(body)
    for path in [workdir, root, os.path.join(root, "length")]:
        os.chmod(path, 0o755)  # an nginx started as root reads as its unprivileged worker user
    for name in os.listdir(os.path.join(root, "length")):
        os.chmod(os.path.join(root, "length", name), 0o644)
    os.chmod(os.path.join(root, "bigger"), 0o644)
    return {"root": root, "digests": digests}


# ---------------------------------------------------------------------------------------------
# Load generators: each returns the command and a parser of its output into (requests, seconds)


def wrk(url, connections, seconds, close=False):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if close:
        command += ["-H", "Connection: close"]
    return command + [url], parse_wrk


def parse_wrk(text):
    m = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
    if not m:
        raise RuntimeError("wrk output not understood:\n" + text)
    seconds = float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)
    errors = 0
    for pattern in [r"Non-2xx or 3xx responses: (\d+)",
                    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"]:
        for e in re.findall(pattern, text):
            errors += sum(int(x) for x in (e if isinstance(e, tuple) else (e,)))
    return int(m.group(1)), seconds, errors


def h2load(url, connections, seconds, depth, rate=None):
    """rate: requests/s per connection (h2load --rps), for a load both servers can carry."""
    limit = [f"--rps={rate}"] if rate else []
    return ["h2load", "--h1", "-t1", f"-c{connections}", f"-m{depth}", f"-D{seconds}",
            "--warm-up-time=500ms"] + limit + [url], parse_h2load


def h2load_h2(url, connections, seconds, streams):
    """HTTP/2: h2 by ALPN for https:// URLs, prior knowledge (h2c) for http:// ones."""
    expected = "h2" if url.startswith("https://") else "h2c"
    command = ["h2load", "-t1", f"-c{connections}", f"-m{streams}", f"-D{seconds}",
               "--warm-up-time=500ms", url]
    return command, lambda text: parse_h2load(text, protocol=expected)


def parse_h2load(text, protocol=None):
    """protocol: the application protocol h2load must report (a server that fell back to
    HTTP/1.1 would otherwise be measured under an HTTP/2 label)."""
    if protocol:
        p = re.search(r"Application protocol: (\S+)", text)
        if not p or p.group(1) != protocol:
            raise RuntimeError(f"h2load did not speak {protocol}:\n" + text)
    m = re.search(r"finished in ([\d.]+)(m?s)", text)
    r = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored", text)
    s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    if not (m and r and s):
        raise RuntimeError("h2load output not understood:\n" + text)
    seconds = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    # With a warm-up, "succeeded" counts the measured window only; status codes count all.
    errors = int(r.group(2)) + int(r.group(3)) + sum(int(s.group(i)) for i in (2, 3, 4))
    return int(r.group(1)), seconds, errors


def ab(url, connections, seconds):
    # No -k: a new connection (and, over HTTPS, a full handshake: ab never resumes) per request.
    return ["ab", "-q", "-r", "-c", str(connections), "-t", str(seconds), "-n", "1000000",
            url], parse_ab


def parse_ab(text):
    c = re.search(r"Complete requests:\s+(\d+)", text)
    t = re.search(r"Time taken for tests:\s+([\d.]+) seconds", text)
    f = re.search(r"Failed requests:\s+(\d+)", text)
    n = re.search(r"Non-2xx responses:\s+(\d+)", text)
    if not (c and t and f):
        raise RuntimeError("ab output not understood:\n" + text)
    errors = int(f.group(1)) + (int(n.group(1)) if n else 0)
    return int(c.group(1)) - errors, float(t.group(1)), errors


# ---------------------------------------------------------------------------------------------
# Scenarios


class Scenario:
    def __init__(self, name, what, scheme, path, make, client_cpus=CLIENT_CPU, target=None):
        self.name, self.what, self.scheme, self.path = name, what, scheme, path
        self.make = make  # (url, seconds) -> (command, parser)
        self.client_cpus = client_cpus
        self.target = target  # text of the target for this row


def scenarios():
    ka = lambda c: (lambda url, s: wrk(url, c, s))
    pipe = lambda url, s: h2load(url, 64, s, 16)
    close = lambda url, s: wrk(url, 64, s, close=True)
    out = []
    for label, path in [("/ping", "/ping"), ("/bigger", "/bigger"), ("/length/1k", "/length/1024"),
                        ("/length/128k", "/length/131072"), ("/length/1M", "/length/1048576")]:
        short = path in ("/ping", "/bigger", "/length/1024")
        target = "eff >= 1.25, thr >= 1.0" if short else (
            "thr >= 0.9" if label == "/length/1M" else "thr >= 1.0")
        out.append(Scenario(f"ka64 {label}", "keep-alive, 64 conns (wrk)", "http", path, ka(64),
                            target=target))
        if short:
            out.append(Scenario(f"pipe16 {label}", "pipelined 16 deep, 64 conns (h2load)", "http",
                                path, pipe, target="eff >= 1.25, thr >= 1.0"))
    # The same offered load for both servers (64 x 1000 requests/s, below what either carries):
    # CPU per request compared at equal load, without one server sleeping more than the other.
    out.append(Scenario("rate64k /ping", "keep-alive, 64 conns at 64k requests/s (h2load --rps)",
                        "http", "/ping", lambda url, s: h2load(url, 64, s, 1, rate=1000),
                        target="report"))
    out.append(Scenario("ka1 /ping", "keep-alive, 1 conn, separate cores (wrk)", "http", "/ping",
                        ka(1), target="thr >= 1.0"))
    out.append(Scenario("ka1-same /ping", "keep-alive, 1 conn, client on the server's core",
                        "http", "/ping", ka(1), client_cpus=SERVER_CPU, target="thr >= 1.1"))
    out.append(Scenario("close /ping", "new connection per request, 64 conns (wrk)", "http",
                        "/ping", close, target="eff >= 1.1, thr >= 1.0"))
    out.append(Scenario("tls-ka64 /ping", "HTTPS keep-alive, 64 conns (wrk)", "https", "/ping",
                        ka(64), target="eff >= 1.0"))
    out.append(Scenario("tls-ka64 /length/128k", "HTTPS keep-alive, 64 conns (wrk)", "https",
                        "/length/131072", ka(64), target="eff >= 1.0"))
    out.append(Scenario("tls-resume /ping", "HTTPS new conn per request, resumed (wrk)", "https",
                        "/ping", close, target="eff >= 1.0"))
    out.append(Scenario("tls-full /ping", "HTTPS new conn per request, full handshake (ab -c16)",
                        "https", "/ping", lambda url, s: ab(url, 16, s), target="report"))
    out += http2_scenarios()
    return out


def http2_scenarios():
    """h2load over TLS (h2) and h2c: 64 connections x 16 streams, 1 connection x 100 streams."""
    out = []
    for scheme, over in [("h2", "HTTP/2 over TLS"), ("h2c", "h2c")]:
        for connections, streams in [(64, 16), (1, 100)]:
            for label, path in [("/ping", "/ping"), ("/bigger", "/bigger"),
                                ("/length/1k", "/length/1024"), ("/length/1M", "/length/1048576")]:
                target = "eff >= 1.0, thr >= 1.0" if label == "/length/1M" else \
                    "eff >= 1.25, thr >= 1.0"
                make = (lambda c, m: lambda url, s: h2load_h2(url, c, s, m))(connections, streams)
                out.append(Scenario(f"{scheme}-c{connections}m{streams} {label}",
                                    f"{over}, {connections} conns x {streams} streams (h2load)",
                                    scheme, path, make, target=target))
    return out


def run_one(server, scenario, seconds):
    port = server.port(scenario.scheme)
    url_scheme = "https" if scenario.scheme in ("https", "h2") else "http"
    url = f"{url_scheme}://127.0.0.1:{port}{scenario.path}"
    command, parse = scenario.make(url, seconds)
    command = ["taskset", "-c", scenario.client_cpus] + command
    before_server = server.cpu_ns()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Bounded in time whatever the load generator waits for (a connection the server never
    # finishes): killed after its duration and a margin, the run counted as one error.
    timed_out = threading.Event()
    killer = threading.Timer(seconds + TOOL_MARGIN_SECONDS,
                             lambda: (timed_out.set(), process.kill()))
    killer.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    killer.cancel()
    wall = time.monotonic() - started
    server_ns = server.cpu_ns() - before_server
    if timed_out.is_set():
        print(f"  {server.name}: {scenario.name}: the load generator did not finish within "
              f"{seconds + TOOL_MARGIN_SECONDS} s and was killed", flush=True)
        requests, tool_seconds, errors = 0, wall, 1
    else:
        requests, tool_seconds, errors = parse(output)
    client_ns = (usage.ru_utime + usage.ru_stime) * 1e9
    return {
        "command": shlex.join(command),
        "requests": requests,
        "errors": errors,
        "rps": requests / tool_seconds if tool_seconds else 0,
        "server_us_per_request": server_ns / 1000 / requests if requests else float("inf"),
        "server_load": server_ns / 1e9 / wall,
        "client_load": client_ns / 1e9 / wall,
    }


def saturation(server_load, client_load, server_cpus, same_core):
    if same_core:
        return "shared core" if server_load + client_load >= SATURATED else "neither"
    sides = []
    if server_load >= SATURATED * server_cpus:
        sides.append("server")
    if client_load >= SATURATED:
        sides.append("client")
    return "+".join(sides) if sides else "neither"


def summarize(results, server_cpus=1, same_core=False):
    med = lambda key: statistics.median(r[key] for r in results)
    out = {k: med(k) for k in ("rps", "server_us_per_request", "server_load", "client_load")}
    out["errors"] = sum(r["errors"] for r in results)
    out["saturated"] = saturation(out["server_load"], out["client_load"], server_cpus, same_core)
    out["command"] = results[0]["command"]
    return out


def compare(servers, chosen, rounds, seconds, server_cpus=1, log=print):
    rows = []
    for scenario in chosen:
        runs = {s.name: [] for s in servers}
        for round_index in range(rounds):
            order = servers if round_index % 2 == 0 else list(reversed(servers))
            for server in order:
                runs[server.name].append(run_one(server, scenario, seconds))
        same_core = scenario.client_cpus == SERVER_CPU
        summary = {name: summarize(r, server_cpus, same_core) for name, r in runs.items()}
        hc, ng = summary["hcbench"], summary["nginx"]
        row = {
            "scenario": scenario.name, "what": scenario.what, "target": scenario.target,
            "hcbench": hc, "nginx": ng, "runs": runs,
            "throughput_ratio": hc["rps"] / ng["rps"] if ng["rps"] else 0,
            "efficiency_ratio": ng["server_us_per_request"] / hc["server_us_per_request"],
        }
        rows.append(row)
        log(format_row(row))
    return rows


# ---------------------------------------------------------------------------------------------
# Idle connections and cold payloads


def hold_idle(port, count, tls_context=None):
    """Opens `count` keep-alive connections, one /ping each, and keeps them open."""
    sockets = []
    session = None
    request = f"GET /ping HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        # Without it, Nagle holds the request behind the client's unacknowledged Finished
        # message until the server's delayed ACK (40 ms) on every resumed handshake.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls_context:
            s = tls_context.wrap_socket(s, server_hostname="localhost", session=session)
            session = session or s.session
        s.sendall(request)
        received = b""
        while b"pong" not in received:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("connection closed while holding idle connections")
            received += chunk
        sockets.append(s)
    return sockets


def idle_memory(server, count, log=print):
    """RSS per idle keep-alive connection, each scheme measured on a freshly started server:
    memory freed by earlier connections would otherwise be reused and hide the cost."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(REPO, "certs", "ca.crt"))
    out = {}
    for scheme, context in [("http", None), ("https", ctx)]:
        server.stop()
        server.start()
        port = server.http if scheme == "http" else server.https
        for warm in hold_idle(port, 20, context):
            warm.close()
        time.sleep(0.3)
        before = rss_kib(server.memory_pid())
        started = time.monotonic()
        held = hold_idle(port, count, context)
        opened = time.monotonic() - started
        time.sleep(0.5)
        after = rss_kib(server.memory_pid())
        for s in held:
            s.close()
        out[scheme] = {"connections": count, "rss_before_kib": before, "rss_after_kib": after,
                       "bytes_per_connection": (after - before) * 1024 / count,
                       "seconds_to_open": opened}
        log(f"  {server.name:8} idle {scheme:5}: {count} connections, RSS {before} -> {after} KiB, "
            f"{out[scheme]['bytes_per_connection']:.0f} B per connection")
    server.stop()
    server.start()
    return out


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_SETTINGS, H2_ACK = 4, 1


def h2_frame(kind, flags, stream=0, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + \
        payload


def hold_idle_h2c(port, count):
    """Opens `count` h2c connections (prior knowledge) and keeps them open once the SETTINGS
    exchange is done both ways: the client's preface and SETTINGS, the server's SETTINGS
    acknowledged, and the server's acknowledgement of ours read. No stream is opened."""
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(H2_PREFACE + h2_frame(H2_SETTINGS, 0))
        received, server_settings, acknowledged = b"", False, False
        while not (server_settings and acknowledged):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("connection closed during the HTTP/2 SETTINGS exchange")
            received += chunk
            while len(received) >= 9:
                length = int.from_bytes(received[:3], "big")
                if len(received) < 9 + length:
                    break
                kind, flags = received[3], received[4]
                received = received[9 + length:]
                if kind == H2_SETTINGS and flags & H2_ACK:
                    acknowledged = True
                elif kind == H2_SETTINGS:
                    server_settings = True
                    s.sendall(h2_frame(H2_SETTINGS, H2_ACK))
        sockets.append(s)
    return sockets


def idle_h2c_memory(server, count, log=print):
    """RSS per idle HTTP/2 connection (h2c, after the SETTINGS exchange), on a freshly started
    server as idle_memory() does: hcbench's process, nginx's worker processes."""
    rss = server.worker_rss_kib if isinstance(server, Nginx) else \
        (lambda: rss_kib(server.memory_pid()))
    server.stop()
    server.start()
    for warm in hold_idle_h2c(server.h2c, 20):
        warm.close()
    time.sleep(0.3)
    before = rss()
    started = time.monotonic()
    held = hold_idle_h2c(server.h2c, count)
    opened = time.monotonic() - started
    time.sleep(0.5)
    after = rss()
    for s in held:
        s.close()
    out = {"connections": count, "rss_before_kib": before, "rss_after_kib": after,
           "bytes_per_connection": (after - before) * 1024 / count, "seconds_to_open": opened}
    log(f"  {server.name:8} idle h2c  : {count} connections, RSS {before} -> {after} KiB, "
        f"{out['bytes_per_connection']:.0f} B per connection")
    server.stop()
    server.start()
    return out


def cold_payloads(server, sizes, log=print):
    """Server CPU and latency of the first request of a /length/<n> (generated) and the second."""
    out = []
    for n in sizes:
        row = {"length": n}
        for label in ("cold", "warm"):
            before = server.cpu_ns()
            started = time.monotonic()
            with urllib.request.urlopen(f"http://127.0.0.1:{server.http}/length/{n}", timeout=30) as r:
                body = r.read()
            row[label + "_ms"] = (time.monotonic() - started) * 1000
            row[label + "_server_cpu_ms"] = (server.cpu_ns() - before) / 1e6
            assert len(body) == n
        out.append(row)
        log(f"  /length/{n}: cold {row['cold_ms']:.2f} ms ({row['cold_server_cpu_ms']:.2f} ms server "
            f"CPU), warm {row['warm_ms']:.2f} ms ({row['warm_server_cpu_ms']:.2f} ms)")
    return out


# ---------------------------------------------------------------------------------------------
# Output


def fmt_rps(x):
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"


def format_row(row):
    hc, ng = row["hcbench"], row["nginx"]
    err = f"  ERRORS hc={hc['errors']} nginx={ng['errors']}" if hc["errors"] or ng["errors"] else ""
    return (f"| {row['scenario']:22} | {fmt_rps(hc['rps']):>7} | {fmt_rps(ng['rps']):>7} | "
            f"{row['throughput_ratio']:5.2f} | {hc['server_us_per_request']:7.2f} | "
            f"{ng['server_us_per_request']:7.2f} | {row['efficiency_ratio']:5.2f} | "
            f"{hc['saturated']:>13} | {ng['saturated']:>13} | {row['target'] or ''} |{err}")


TABLE_HEAD = ("| scenario               | hcbench | nginx   | thr × | hc µs/r | ng µs/r | eff × |"
              "   hc saturated | ng saturated | target |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def markdown(report):
    lines = [f"Run {report['date']} on {report['cpu']} ({report['cpus']} CPUs), kernel "
             f"{report['kernel']}; {report['rounds']} rounds of {report['seconds']} s, medians.",
             f"Server on CPU {SERVER_CPU}, load generator on CPU {CLIENT_CPU} (except `ka1-same`). "
             f"Load average (1, 5, 15 min) before the run {report['load_before']}, after "
             f"{report['load_after']}: other processes share the machine unless it is near 0.",
             "Tools: " + "; ".join(report["versions"]), "",
             "thr × = requests/s hcbench / nginx; eff × = nginx server CPU per request / hcbench "
             "server CPU per request (µs/r, user + system of the whole server process); "
             f"saturated = which side used more than {SATURATED:.0%} of its CPU.", "",
             TABLE_HEAD]
    lines += [format_row(r) for r in report["rows"]]
    if report.get("threads2"):
        lines += ["", "With `--threads 2` / `worker_processes 2`, nothing pinned (both servers may "
                  "use both CPUs, shared with the load generator):", "", TABLE_HEAD]
        lines += [format_row(r) for r in report["threads2"]]
    if report.get("idle"):
        lines += ["", "| idle keep-alive connections | connections | hcbench B/conn | nginx B/conn |",
                  "|---|---:|---:|---:|"]
        for scheme in ("http", "https"):
            hc, ng = report["idle"]["hcbench"][scheme], report["idle"]["nginx"][scheme]
            lines.append(f"| {scheme.upper()} | {hc['connections']} | "
                         f"{hc['bytes_per_connection']:.0f} | {ng['bytes_per_connection']:.0f} |")
    if report.get("idle_h2c"):
        hc, ng = report["idle_h2c"]["hcbench"], report["idle_h2c"]["nginx"]
        lines += ["", "| idle HTTP/2 connections (h2c, after SETTINGS) | connections | "
                  "hcbench B/conn | nginx B/conn |", "|---|---:|---:|---:|",
                  f"| h2c | {hc['connections']} | {hc['bytes_per_connection']:.0f} | "
                  f"{ng['bytes_per_connection']:.0f} |"]
    if report.get("cold"):
        lines += ["", "| hcbench cold /length/<n> | first request ms (server CPU ms) | "
                  "second request ms (server CPU ms) |", "|---|---:|---:|"]
        for c in report["cold"]:
            lines.append(f"| {c['length']} | {c['cold_ms']:.2f} ({c['cold_server_cpu_ms']:.2f}) | "
                         f"{c['warm_ms']:.2f} ({c['warm_server_cpu_ms']:.2f}) |")
    if report.get("hcbench_tls_stats"):
        lines += ["", f"hcbench's /stats over the run, TLS: {json.dumps(report['hcbench_tls_stats'])} "
                  "(wrk resumes with tickets, ab never resumes)."]
    lines += ["", "Commands, per scenario (client side; `HOST` is 127.0.0.1 and the server's port):", ""]
    for r in report["rows"] + report.get("threads2", []):
        c = re.sub(r"127\.0\.0\.1:\d+", "HOST", r["hcbench"]["command"])
        lines.append(f"    {r['scenario']:22} {c}")
    # Paths shown relative to the repository and the run's temporary directory.
    hide = lambda c: c.replace(REPO + os.sep, "").replace(report["workdir"], "WORKDIR")
    lines += ["", "Servers:", "", "    " + hide(report["hcbench_command"]),
              "    " + hide(report["nginx_command"]) + "   (config: nginx_config() in "
              "bench/compare_nginx.py)"]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hcbench", default=os.path.join(REPO, "build", "hcbench"))
    parser.add_argument("--tls-engine", choices=["mbedtls", "openssl"], default="mbedtls",
                        help="hcbench serve's TLS engine (docs/tls.md)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round of 1 s, 2000 idle conns")
    parser.add_argument("--only", default="", help="comma-separated scenario names (prefixes); "
                        "\"idle\" for the idle-connection and cold-payload part")
    parser.add_argument("--idle", type=int, default=10000, help="idle connections (0: skip)")
    parser.add_argument("--idle-h2c", type=int, default=1000,
                        help="idle HTTP/2 (h2c) connections (0: skip)")
    parser.add_argument("--no-threads2", action="store_true", help="skip the --threads 2 part")
    parser.add_argument("--json", help="write every measurement here")
    parser.add_argument("--markdown", help="write the report table here")
    parser.add_argument("--serve", type=float, metavar="SECONDS",
                        help="only start both servers, print their pids and URLs, stop after "
                             "SECONDS (for profiling them by hand)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.idle = 1, 1, min(args.idle, 2000)
        args.idle_h2c = min(args.idle_h2c, 1000)
    for tool in ("nginx", "wrk", "h2load", "ab", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run tools/setup.sh --bench")
    if os.cpu_count() < 2:
        sys.exit("needs at least 2 CPUs (server on CPU 1, load generator on CPU 0)")

    # 10,000 idle connections need as many descriptors here and in the servers (which
    # inherit the limit): raise the soft limit to the hard one, and hold fewer if that is low.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.idle > hard - 200:
        args.idle = max(hard - 200, 0)
        print(f"open-file limit {hard}: holding {args.idle} idle connections")
    args.idle_h2c = min(args.idle_h2c, max(hard - 200, 0))

    chosen = scenarios()
    wanted = args.only.split(",") if args.only else []
    if args.only:
        # "idle-h2c" names a part, not a scenario ("idle" was never a scenario prefix either).
        chosen = [s for s in chosen if any(s.name.startswith(w) for w in wanted if w != "idle-h2c")]
    idle_part = not args.only or "idle" in wanted
    idle_h2c_part = not args.only or "idle" in wanted or "idle-h2c" in wanted

    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so the servers are always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    workdir = tempfile.mkdtemp(prefix="hcbench-vs-nginx-")
    servers = []
    try:
        hc = Hcbench(args.hcbench, SERVER_CPU, 1, HC_HTTP, HC_HTTPS, args.tls_engine)
        hc.start()
        servers.append(hc)
        documents = fetch_documents(hc, workdir)
        ng = Nginx(workdir, SERVER_CPU, 1, NG_HTTP, NG_HTTPS, documents)
        ng.start()
        servers.append(ng)
        if args.serve:
            for s in servers:
                print(json.dumps({"server": s.name, "pids": s.pids(), "http": s.http,
                                  "https": s.https}), flush=True)
            time.sleep(args.serve)
            return
        report = {
            "date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu_model(), "cpus": os.cpu_count(),
            "kernel": os.uname().release, "rounds": args.rounds, "seconds": args.seconds,
            "load_before": load_average(),
            "versions": [tool_version(["nginx", "-v"]), tool_version(["wrk", "--version"]),
                         tool_version(["h2load", "--version"]), tool_version(["ab", "-V"]),
                         f"hcbench serve --tls-engine {args.tls_engine}"],
            "hcbench_command": shlex.join(hc.command), "nginx_command": shlex.join(ng.command),
            "workdir": workdir,
        }
        print(f"workdir {workdir}", flush=True)
        if args.idle and idle_part:
            # First, on servers that have served nothing else yet: memory freed by the load
            # scenarios would otherwise be reused and hide what connections cost.
            print("idle connections:")
            report["idle"] = {s.name: idle_memory(s, args.idle) for s in servers}
        if args.idle_h2c and idle_h2c_part:
            print("idle HTTP/2 connections:")
            report["idle_h2c"] = {s.name: idle_h2c_memory(s, args.idle_h2c) for s in servers}
        if args.idle and idle_part:
            print("cold payloads:")
            report["cold"] = cold_payloads(hc, [1048576 + 1, 4194304 + 1, 16777216 + 1])
        if chosen:
            print(TABLE_HEAD, flush=True)
        report["rows"] = compare(servers, chosen, args.rounds, args.seconds,
                                 log=lambda line: print(line, flush=True))
        if "tls-resume /ping" in [s.name for s in chosen] or "tls-full /ping" in [s.name for s in chosen]:
            tls = hc.stats()["tls"]
            report["hcbench_tls_stats"] = tls
            print(f"hcbench TLS handshakes over the run: {tls}")
        for s in servers:
            s.stop()
        servers = []
        if not args.no_threads2 and not args.only:
            hc2 = Hcbench(args.hcbench, "0,1", 2, HC_HTTP, HC_HTTPS, args.tls_engine)
            ng2 = Nginx(workdir, "0,1", 2, NG_HTTP, NG_HTTPS, documents)
            hc2.start()
            servers.append(hc2)
            ng2.start()
            servers.append(ng2)
            two = [s for s in scenarios() if s.name in ("ka64 /ping", "pipe16 /ping", "tls-full /ping")]
            for s in two:
                s.client_cpus = "0,1"
            print("--threads 2, unpinned:")
            report["threads2"] = compare(servers, two, args.rounds, args.seconds, server_cpus=2,
                                         log=lambda line: print(line, flush=True))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    report["load_after"] = load_average()
    text = markdown(report)
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
