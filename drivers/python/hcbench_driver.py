"""hcbench driver for Python HTTP clients (the protocol is in docs/drivers.md).

Reads one JSON object with the cell's settings on stdin, runs the warm-up and then the timed
loop with the client it names, and prints one JSON report line on stdout. Diagnostics go to
stderr. hcbench runs it with Debian's /usr/bin/python3 in isolated mode (-I -B).

The clients are the original python-client-benchmarks rows (requests, pycurl, urllib3,
urllib) set up the way the original set them up, plus httpx and aiohttp. Unlike the original,
every response is checked (status, body length, and the SHA-256 of the body when asked), and
a response that fails a check is counted as a failure, never timed as a success.
"""

import base64
import gc
import hashlib
import json
import os
import platform
import resource
import sys
import time

PROTOCOL = 1

# The benchmark talks to loopback servers only; a proxy from the environment would measure
# the proxy. Removing them here also hides them from libcurl (pycurl).
for _name in list(os.environ):
    if _name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        del os.environ[_name]


# Connections opened, counted for the report's connections_opened (reset when the timed loop
# starts). Every library here except pycurl connects through socket.socket.connect (asyncio
# included), so one wrapper counts them all at the cost of a counter per new connection;
# pycurl's libcurl connects in C and reports its own count (CURLINFO_NUM_CONNECTS).
CONNECTIONS = [0]


def _count_connections():
    import socket

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        CONNECTIONS[0] += 1
        return real_connect(self, address)

    def connect_ex(self, address):
        CONNECTIONS[0] += 1
        return real_connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


_count_connections()


class Skip(Exception):
    """The client cannot run here (a module is missing): reported as skipped, not as an error."""


class Settings:
    def __init__(self, cell):
        self.client = cell["client"]
        self.url = cell["url"]
        self.cycles = int(cell["cycles"])
        self.warmup = int(cell.get("warmup", 0))
        self.duration_seconds = float(cell.get("duration_seconds", 0))
        self.concurrency = int(cell.get("concurrency", 1))
        self.verify = cell.get("verify", "length")
        self.expected_status = int(cell.get("expected_status", 200))
        self.expected_length = int(cell.get("expected_length", 0))
        self.insecure = bool(cell.get("insecure", True))
        self.cacert = cell.get("cacert") or None
        self.timeout = float(cell.get("request_timeout_seconds", 30))
        self.want_digest = self.verify == "digest"
        self.expected_digest = None
        if self.want_digest:
            self.expected_digest = parse_repr_digest(cell.get("expected_digest", ""))

    def requests_verify(self):
        """The `verify` argument of requests and httpx: False, a CA file, or True."""
        if self.insecure:
            return False
        return self.cacert or True

    def ssl_context(self):
        import ssl

        if self.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        return ssl.create_default_context(cafile=self.cacert)


def parse_repr_digest(value):
    """'sha-256=:<base64>:' (the Repr-Digest header form) -> the 32 raw bytes."""
    prefix = "sha-256=:"
    if not value.startswith(prefix) or not value.endswith(":") or len(value) <= len(prefix) + 1:
        raise ValueError("expected_digest is not of the form sha-256=:<base64>:")
    return base64.b64decode(value[len(prefix):-1], validate=True)


def need(module_name):
    """Imports a client module; a missing one makes the row skipped with the reason."""
    import importlib

    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise Skip(f"Python module '{module_name}' is not installed for {sys.executable} ({error})")


def body_summary(settings):
    """The function that turns a body into (length, digest-or-None) for the checks."""
    if settings.want_digest:
        return lambda body: (len(body), hashlib.sha256(body).digest())
    return lambda body: (len(body), None)


# --- the clients --------------------------------------------------------------------------
# Each factory does the untimed setup (imports, sessions, handles, prepared requests) and
# returns (fetch, close, library_version). fetch() performs one request and returns
# (status, body_length, body_sha256_or_None); it raises on a transport error.


def requests_no_reuse(s):
    requests = need("requests")
    quiet_urllib3(s)
    verify, timeout, summary = s.requests_verify(), s.timeout, body_summary(s)

    # The original's row 1: requests.get() builds a new Session, hence a new connection.
    def fetch():
        response = requests.get(s.url, verify=verify, timeout=timeout)
        return (response.status_code, *summary(response.content))

    return fetch, None, requests.__version__


def requests_session(s):
    requests = need("requests")
    quiet_urllib3(s)
    verify, timeout, summary = s.requests_verify(), s.timeout, body_summary(s)
    # The original's row 2: one Session and one prepared request, sent again and again.
    session = requests.Session()
    prepared = requests.Request("GET", s.url).prepare()

    def fetch():
        response = session.send(prepared, verify=verify, timeout=timeout)
        return (response.status_code, *summary(response.content))

    return fetch, session.close, requests.__version__


def quiet_urllib3(s):
    if s.insecure:
        need("urllib3").disable_warnings()


def curl_handle(pycurl, s):
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, s.url)
    handle.setopt(pycurl.NOSIGNAL, 1)
    handle.setopt(pycurl.TIMEOUT_MS, int(s.timeout * 1000))
    if s.insecure:
        handle.setopt(pycurl.SSL_VERIFYPEER, 0)
        handle.setopt(pycurl.SSL_VERIFYHOST, 0)
    elif s.cacert:
        handle.setopt(pycurl.CAINFO, s.cacert)
    return handle


def pycurl_discard_body(s):
    pycurl = need("pycurl")
    handle = curl_handle(pycurl, s)
    # The original's row 3: the body goes to `lambda x: None`; libcurl counts its bytes.
    if s.want_digest:
        hasher = [hashlib.sha256()]
        handle.setopt(pycurl.WRITEFUNCTION, lambda data: hasher[0].update(data))
    else:
        hasher = None
        handle.setopt(pycurl.WRITEFUNCTION, lambda data: None)

    def fetch():
        if hasher:
            hasher[0] = hashlib.sha256()
        try:
            handle.perform()
        finally:
            CONNECTIONS[0] += handle.getinfo(pycurl.NUM_CONNECTS)
        length = int(handle.getinfo(pycurl.SIZE_DOWNLOAD))
        return handle.getinfo(pycurl.RESPONSE_CODE), length, hasher[0].digest() if hasher else None

    return fetch, handle.close, pycurl.version


def pycurl_save_body(s, forbid_reuse=False):
    import io

    pycurl = need("pycurl")
    handle = curl_handle(pycurl, s)
    if forbid_reuse:  # the original's row 5
        handle.setopt(pycurl.FORBID_REUSE, 1)
    summary = body_summary(s)

    # The original's row 4: a new buffer per request (cStringIO then, BytesIO in Python 3).
    def fetch():
        body = io.BytesIO()
        handle.setopt(pycurl.WRITEFUNCTION, body.write)
        try:
            handle.perform()
        finally:
            CONNECTIONS[0] += handle.getinfo(pycurl.NUM_CONNECTS)
        data = body.getvalue()
        body.close()
        return (handle.getinfo(pycurl.RESPONSE_CODE), *summary(data))

    return fetch, handle.close, pycurl.version


def pycurl_forbid_reuse(s):
    return pycurl_save_body(s, forbid_reuse=True)


def pycurl_new_handle(s):
    import io

    pycurl = need("pycurl")
    summary = body_summary(s)

    # The original's row 6: a new Curl() per request. It also set DNS_USE_GLOBAL_CACHE, a
    # workaround for an old resolver slowness; libcurl ignores that option since 7.62.
    def fetch():
        handle = curl_handle(pycurl, s)
        body = io.BytesIO()
        handle.setopt(pycurl.WRITEFUNCTION, body.write)
        try:
            handle.perform()
            status = handle.getinfo(pycurl.RESPONSE_CODE)
        finally:
            CONNECTIONS[0] += handle.getinfo(pycurl.NUM_CONNECTS)
            handle.close()
        data = body.getvalue()
        body.close()
        return (status, *summary(data))

    return fetch, None, pycurl.version


def urllib3_pool(s):
    urllib3 = need("urllib3")
    quiet_urllib3(s)
    # The original's row 7 used PoolManager() for HTTP and an HTTPSConnectionPool with
    # CERT_NONE for HTTPS; a PoolManager with the same certificate settings is equivalent.
    # retries=False: a failed request is counted, not silently retried (urllib3 retries 3x).
    options = {"retries": False, "timeout": s.timeout}
    if not s.url.startswith("https:"):
        pass  # the certificate options are not accepted by plain HTTP pools
    elif s.insecure:
        options.update(cert_reqs="CERT_NONE", assert_hostname=False)
    elif s.cacert:
        options.update(cert_reqs="CERT_REQUIRED", ca_certs=s.cacert)
    pool = urllib3.PoolManager(**options)
    summary = body_summary(s)

    def fetch():
        response = pool.urlopen("GET", s.url)
        return (response.status, *summary(response.data))

    return fetch, pool.clear, urllib3.__version__


def urllib_request(s):
    import urllib.error
    import urllib.request

    # The original's row 8 was Python 2's urllib.urlopen(url).read(), with one module-level
    # opener; here Python 3's urllib.request with one opener, built once.
    handlers = [urllib.request.ProxyHandler({})]
    if s.url.startswith("https:"):
        handlers.append(urllib.request.HTTPSHandler(context=s.ssl_context()))
    opener = urllib.request.build_opener(*handlers)
    summary, timeout = body_summary(s), s.timeout

    def fetch():
        try:
            with opener.open(s.url, timeout=timeout) as response:
                return (response.status, *summary(response.read()))
        except urllib.error.HTTPError as error:  # a non-2xx status: a status failure
            with error:
                return (error.code, *summary(error.read()))

    return fetch, None, platform.python_version()


def httpx_client(s):
    httpx = need("httpx")
    client = httpx.Client(verify=s.requests_verify(), timeout=s.timeout, trust_env=False)
    summary = body_summary(s)

    def fetch():
        response = client.get(s.url)
        return (response.status_code, *summary(response.content))

    return fetch, client.close, httpx.__version__


def aiohttp_session(s):
    aiohttp = need("aiohttp")
    summary = body_summary(s)
    state = {}

    # Sequential requests over one ClientSession in one event loop: the timed loop itself
    # runs inside the loop (see run_async), so no per-request event loop start-up is timed.
    async def open_session():
        ssl_setting = False if s.insecure else s.ssl_context()
        connector = aiohttp.TCPConnector(ssl=ssl_setting)
        state["session"] = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=s.timeout))

    async def fetch():
        async with state["session"].get(s.url) as response:
            return (response.status, *summary(await response.read()))

    async def close():
        await state["session"].close()

    return (open_session, fetch, close), None, aiohttp.__version__


CLIENTS = {
    "requests.no-reuse": requests_no_reuse,
    "requests.session": requests_session,
    "pycurl.reuse-handle.discard-body": pycurl_discard_body,
    "pycurl.reuse-handle.save-body": pycurl_save_body,
    "pycurl.forbid-reuse.save-body": pycurl_forbid_reuse,
    "pycurl.new-handle.save-body": pycurl_new_handle,
    "urllib3.pool": urllib3_pool,
    "urllib": urllib_request,
    "httpx.client": httpx_client,
    "aiohttp.session": aiohttp_session,
}
ASYNC_CLIENTS = {"aiohttp.session"}


# --- failures -------------------------------------------------------------------------------

# libcurl error codes (curl/curl.h) by failure kind.
CURL_KINDS = {
    "connect": {5, 6, 7, 52, 55, 56},
    "timeout": {28},
    "tls": {35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98},
    "length": {18},
    "protocol": {8, 61, 100},
}

# Exception class names, checked along each exception's MRO, most specific class first;
# within one name the first matching rule wins.
NAME_RULES = (
    ("tls", ("SSL", "Certificate")),
    ("timeout", ("Timeout",)),
    ("length", ("IncompleteRead", "ContentLength", "PayloadError")),
    ("protocol", ("Protocol", "BadStatusLine", "LineTooLong", "InvalidChunk")),
    ("connect", ("Connect", "Connection", "Disconnected", "Refused", "Reset", "BrokenPipe")),
)


def exception_chain(error):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        reason = getattr(error, "reason", None)  # urllib.error.URLError keeps its cause here
        error = reason if isinstance(reason, BaseException) else (error.__cause__ or error.__context__)


# A bug in a client's set-up or in this driver, not a failed request: it ends the cell.
PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, AssertionError, ImportError)


def failure_kind(error):
    """The failure kind of a client library's exception. Libraries wrap the root cause
    (httpx.ConnectError around ssl.SSLError, requests around urllib3 around socket errors),
    so the innermost exception in the chain that names a kind decides."""
    if isinstance(error, PROGRAMMING_ERRORS):
        raise error
    found = "other"
    for item in exception_chain(error):
        kind = kind_of_one(item)
        if kind is not None:
            found = kind
    return found


def kind_of_one(item):
    if type(item).__module__ == "pycurl" and type(item).__name__ == "error" and item.args:
        for kind, codes in CURL_KINDS.items():
            if item.args[0] in codes:
                return kind
        return "other"
    for cls in type(item).__mro__:
        for kind, words in NAME_RULES:
            if any(word in cls.__name__ for word in words):
                return kind
    return None


# --- the loop -----------------------------------------------------------------------------


class Tally:
    """What the timed loop counts: one latency per checked success, failures by kind."""

    def __init__(self, settings):
        self.s = settings
        self.latencies = []
        self.failures = {}
        self.body_bytes = 0

    def check(self, status, length, digest):
        s = self.s
        if status != s.expected_status:
            return "status"
        if s.verify != "none" and length != s.expected_length:
            return "length"
        if s.want_digest and digest != s.expected_digest:
            return "digest"
        return None

    def fail(self, kind):
        self.failures[kind] = self.failures.get(kind, 0) + 1

    def settle(self, kind, elapsed_ns, length):
        """Counts one finished request: timed if it passed its checks, else a failure."""
        if kind is None:
            self.latencies.append(elapsed_ns)
            self.body_bytes += length
        else:
            self.fail(kind)


def run_sync(fetch, count, settings, deadline_ns=0):
    tally = Tally(settings)
    clock, check, settle = time.perf_counter_ns, tally.check, tally.settle
    for _ in range(count):
        length = 0
        started = clock()
        try:
            status, length, digest = fetch()
            kind = check(status, length, digest)
        except Exception as error:  # a transport error of the client library: counted by kind
            kind = failure_kind(error)
        finished = clock()
        settle(kind, finished - started, length)
        if deadline_ns and finished >= deadline_ns:
            break
    return tally


async def run_async(fetch, count, settings, deadline_ns=0):
    tally = Tally(settings)
    clock, check, settle = time.perf_counter_ns, tally.check, tally.settle
    for _ in range(count):
        length = 0
        started = clock()
        try:
            status, length, digest = await fetch()
            kind = check(status, length, digest)
        except Exception as error:
            kind = failure_kind(error)
        finished = clock()
        settle(kind, finished - started, length)
        if deadline_ns and finished >= deadline_ns:
            break
    return tally


class Window:
    """The measured window: wall clock and this process's CPU (all threads), with the
    garbage collector off as timeit had it."""

    def __enter__(self):
        gc.collect()
        gc.disable()
        self.usage = resource.getrusage(resource.RUSAGE_SELF)
        CONNECTIONS[0] = 0
        self.started = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        self.wall_ns = time.perf_counter_ns() - self.started
        self.connections = CONNECTIONS[0]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        gc.enable()
        self.user = max(0.0, usage.ru_utime - self.usage.ru_utime)
        self.system = max(0.0, usage.ru_stime - self.usage.ru_stime)
        return False

    def deadline_ns(self, duration_seconds):
        return self.started + int(duration_seconds * 1e9) if duration_seconds > 0 else 0


def measure(settings):
    factory = CLIENTS.get(settings.client)
    if factory is None:
        raise ValueError(f"unknown client '{settings.client}' (known: {', '.join(CLIENTS)})")
    if settings.concurrency != 1:
        raise ValueError("these Python clients run sequentially (concurrency 1 only)")
    fetch, close, version = factory(settings)
    if settings.client in ASYNC_CLIENTS:
        import asyncio

        open_session, fetch, close_async = fetch

        async def whole():
            await open_session()
            try:
                await run_async(fetch, settings.warmup, settings)
                with Window() as window:
                    tally = await run_async(fetch, settings.cycles, settings,
                                            window.deadline_ns(settings.duration_seconds))
                return tally, window
            finally:
                await close_async()

        tally, window = asyncio.run(whole())
    else:
        try:
            run_sync(fetch, settings.warmup, settings)
            with Window() as window:
                tally = run_sync(fetch, settings.cycles, settings,
                                 window.deadline_ns(settings.duration_seconds))
        finally:
            if close:
                close()
    return {
        "protocol": PROTOCOL,
        "status": "ok",
        "requests": len(tally.latencies),
        "failures": tally.failures,
        "wall_seconds": window.wall_ns / 1e9,
        "cpu": {"user_seconds": window.user, "system_seconds": window.system},
        "latencies_ns": tally.latencies,
        "body_bytes": tally.body_bytes,
        "connections_opened": window.connections,
        "client": {"name": settings.client, "version": str(version),
                   "runtime": f"{platform.python_implementation()} {platform.python_version()}"},
    }


def main():
    try:
        cell = json.load(sys.stdin)
        if cell.get("protocol") != PROTOCOL:
            raise ValueError(f"hcbench speaks protocol {cell.get('protocol')}, this driver {PROTOCOL}")
        report = measure(Settings(cell))
    except Skip as skip:
        report = {"protocol": PROTOCOL, "status": "skipped", "reason": str(skip)}
    except Exception as error:  # set-up failed: the cell fails with the reason, the run goes on
        report = {"protocol": PROTOCOL, "status": "error",
                  "reason": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(report, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
