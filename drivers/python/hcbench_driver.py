"""hcbench driver for Python HTTP clients (the protocol is in docs/drivers.md).

Reads one JSON object with the cell's settings on stdin, runs the warm-up and then the timed
loop with the client it names, and prints one JSON report line on stdout. Diagnostics go to
stderr. hcbench runs it with Debian's /usr/bin/python3 in isolated mode (-I -B).

The clients are the original python-client-benchmarks rows (requests, pycurl, urllib3,
urllib) set up the way the original set them up, plus httpx (Client and AsyncClient) and
aiohttp. Unlike the original, every response is checked (status, body length, and the
SHA-256 of the body when asked), and a response that fails a check is counted as a failure,
never timed as a success. At concurrency N each client runs N requests at once the way its
library is meant to be used concurrently: threads, tasks on one asyncio event loop, or a
pycurl CurlMulti (see CLIENTS). At a rate, the asyncio and pycurl clients run the open loop
instead: requests start on a fixed schedule and are timed from their due times (OpenLoop).
"""

import base64
import gc
import hashlib
import io
import json
import os
import platform
import resource
import sys
import threading
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
# pycurl's libcurl connects in C and reports its own count (CURLINFO_NUM_CONNECTS). Threads
# connect at the same time at concurrency N, so the counter takes a lock (an uncontended lock
# costs far less than the connect it counts).
_connections = [0]
_connections_lock = threading.Lock()


def count_connections(count=1):
    with _connections_lock:
        _connections[0] += count


def connections_opened(reset=False):
    with _connections_lock:
        count = _connections[0]
        if reset:
            _connections[0] = 0
        return count


def _count_connections():
    import socket

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        count_connections()
        return real_connect(self, address)

    def connect_ex(self, address):
        count_connections()
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
        # "1.1", or "2": h2 by ALPN over https, prior knowledge (h2c) over http.
        self.http_version = str(cell.get("http_version", "1.1"))
        # > 0: the open loop (docs/drivers.md, "Open loop"): requests/s on a fixed schedule,
        # at most max_in_flight started and not answered, `concurrency` connections at most.
        self.rate = float(cell.get("rate", 0) or 0)
        self.max_in_flight = int(cell.get("max_in_flight", 1000) or 1000)
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
# Each factory does the untimed setup (imports, sessions, handles, prepared requests). How it
# hands out requests depends on how its library runs N requests at once (the row's MODEL):
#
#   THREADS: factory(s) -> (worker, close, library_version). worker() sets up one thread's
#            fetch (its own Session or opener, or the one shared thread-safe pool); fetch()
#            performs one request and returns (status, body_length, body_sha256_or_None), and
#            raises on a transport error. At concurrency 1 the one fetch runs on the main thread.
#   TASKS:   factory(s) -> ((open_session, fetch, close), None, library_version), coroutines:
#            N tasks on one event loop share the session.
#   MULTI:   factory(s) -> (new_transfer, None, library_version); new_transfer(in_multi) is one
#            CurlTransfer. At concurrency 1 its handle runs alone (perform()); at N, N
#            transfers run in one CurlMulti.

THREADS, TASKS, MULTI = "threads", "tasks", "multi"


def requests_no_reuse(s):
    requests = need("requests")
    quiet_urllib3(s)
    verify, timeout, summary = s.requests_verify(), s.timeout, body_summary(s)

    # The original's row 1: requests.get() builds a new Session, hence a new connection, in
    # whichever thread calls it.
    def fetch():
        response = requests.get(s.url, verify=verify, timeout=timeout)
        return (response.status_code, *summary(response.content))

    return lambda: fetch, None, requests.__version__


def requests_session(s):
    requests = need("requests")
    quiet_urllib3(s)
    verify, timeout, summary = s.requests_verify(), s.timeout, body_summary(s)
    sessions = []

    # The original's row 2: one Session and one prepared request, sent again and again. At
    # concurrency N each thread has its own Session: requests does not document a Session as
    # thread-safe, and one per thread is how it is used from a thread pool.
    def worker():
        session = requests.Session()
        sessions.append(session)
        prepared = requests.Request("GET", s.url).prepare()

        def fetch():
            response = session.send(prepared, verify=verify, timeout=timeout)
            return (response.status_code, *summary(response.content))

        return fetch

    def close():
        for session in sessions:
            session.close()

    return worker, close, requests.__version__


def quiet_urllib3(s):
    if s.insecure:
        need("urllib3").disable_warnings()


def curl_handle(pycurl, s):
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, s.url)
    handle.setopt(pycurl.NOSIGNAL, 1)
    handle.setopt(pycurl.TIMEOUT_MS, int(s.timeout * 1000))
    # libcurl offers h2 by ALPN over HTTPS by default; the pycurl rows are HTTP/1.1 rows (the
    # original's), so the version is pinned rather than left to what the server agrees to.
    handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
    if s.insecure:
        handle.setopt(pycurl.SSL_VERIFYPEER, 0)
        handle.setopt(pycurl.SSL_VERIFYHOST, 0)
    elif s.cacert:
        handle.setopt(pycurl.CAINFO, s.cacert)
    return handle


class CurlTransfer:
    """One pycurl transfer slot, set up as its row sets it up: a handle kept for every request
    or a new one per request, the body discarded or saved to a new buffer per request.
    fetch() runs the transfer alone (perform()); the CurlMulti loop calls begin() and end()."""

    def __init__(self, pycurl, s, keep_handle, save_body, forbid_reuse, in_multi):
        self.pycurl, self.s = pycurl, s
        self.keep_handle, self.save_body = keep_handle, save_body
        # Handles in a multi share its connection cache, so a new handle would silently reuse
        # another's connection: the new-handle row keeps its promise of new connections there.
        self.forbid_reuse = forbid_reuse or (in_multi and not keep_handle)
        self.summary = body_summary(s)
        self.hasher = None
        self.body = None
        self.handle = self.new_handle() if keep_handle else None
        if keep_handle and not save_body:
            # The original's row 3: the body goes to `lambda x: None`; libcurl counts its bytes.
            if s.want_digest:
                self.hasher = hashlib.sha256()
                self.handle.setopt(pycurl.WRITEFUNCTION, lambda data: self.hasher.update(data))
            else:
                self.handle.setopt(pycurl.WRITEFUNCTION, lambda data: None)

    def new_handle(self):
        handle = curl_handle(self.pycurl, self.s)
        if self.forbid_reuse:  # the original's row 5 (and the new-handle row in a multi)
            handle.setopt(self.pycurl.FORBID_REUSE, 1)
        return handle

    def begin(self):
        """Readies the next request and returns the handle that performs it."""
        if not self.keep_handle:
            # The original's row 6: a new Curl() per request. It also set
            # DNS_USE_GLOBAL_CACHE, a workaround for an old resolver slowness; libcurl ignores
            # that option since 7.62.
            self.handle = self.new_handle()
        if self.save_body:
            # The original's row 4: a new buffer per request (cStringIO then, BytesIO now).
            self.body = io.BytesIO()
            self.handle.setopt(self.pycurl.WRITEFUNCTION, self.body.write)
        elif self.hasher is not None:
            self.hasher = hashlib.sha256()
        return self.handle

    def end(self, completed):
        """After a transfer, completed or not: counts the connections it opened and, when it
        completed, returns (status, body_length, body_sha256_or_None)."""
        pycurl, handle = self.pycurl, self.handle
        try:
            count_connections(handle.getinfo(pycurl.NUM_CONNECTS))
            if not completed:
                return None
            status = handle.getinfo(pycurl.RESPONSE_CODE)
            if not self.save_body:
                length = int(handle.getinfo(pycurl.SIZE_DOWNLOAD))
                return status, length, self.hasher.digest() if self.hasher else None
            data = self.body.getvalue()
            return (status, *self.summary(data))
        finally:
            if self.body is not None:
                self.body.close()
                self.body = None
            if not self.keep_handle:
                handle.close()
                self.handle = None

    def fetch(self):
        handle = self.begin()
        try:
            handle.perform()
        except BaseException:
            self.end(False)
            raise
        return self.end(True)

    def close(self):
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def pycurl_row(keep_handle, save_body, forbid_reuse=False):
    def factory(s):
        pycurl = need("pycurl")

        def new_transfer(in_multi):
            return CurlTransfer(pycurl, s, keep_handle, save_body, forbid_reuse, in_multi)

        return new_transfer, None, pycurl.version

    return factory


pycurl_discard_body = pycurl_row(keep_handle=True, save_body=False)
pycurl_save_body = pycurl_row(keep_handle=True, save_body=True)
pycurl_forbid_reuse = pycurl_row(keep_handle=True, save_body=True, forbid_reuse=True)
pycurl_new_handle = pycurl_row(keep_handle=False, save_body=True)


def urllib3_pool(s):
    urllib3 = need("urllib3")
    quiet_urllib3(s)
    # The original's row 7 used PoolManager() for HTTP and an HTTPSConnectionPool with
    # CERT_NONE for HTTPS; a PoolManager with the same certificate settings is equivalent.
    # retries=False: a failed request is counted, not silently retried (urllib3 retries 3x).
    options = {"retries": False, "timeout": s.timeout}
    if s.concurrency > 1:
        # One pool shared by N threads: it keeps up to N connections (the default is 1, and
        # a connection beyond maxsize is closed after its request instead of kept).
        options["maxsize"] = s.concurrency
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

    return lambda: fetch, pool.clear, urllib3.__version__


def urllib_request(s):
    import urllib.error
    import urllib.request

    summary, timeout = body_summary(s), s.timeout

    # The original's row 8 was Python 2's urllib.urlopen(url).read(), with one module-level
    # opener; here Python 3's urllib.request with one opener per thread, built before the loop.
    def worker():
        handlers = [urllib.request.ProxyHandler({})]
        if s.url.startswith("https:"):
            handlers.append(urllib.request.HTTPSHandler(context=s.ssl_context()))
        opener = urllib.request.build_opener(*handlers)

        def fetch():
            try:
                with opener.open(s.url, timeout=timeout) as response:
                    return (response.status, *summary(response.read()))
            except urllib.error.HTTPError as error:  # a non-2xx status: a status failure
                with error:
                    return (error.code, *summary(error.read()))

        return fetch

    return worker, None, platform.python_version()


def httpx_limits(httpx, s):
    """httpx keeps at most 20 idle connections by default: at a higher concurrency it would
    close and reopen connections all the time, so the pool grows to N."""
    if s.concurrency == 1:
        return {}
    return {"limits": httpx.Limits(max_connections=max(100, s.concurrency),
                                   max_keepalive_connections=max(20, s.concurrency))}


class WrongProtocolVersion(Exception):
    """A response over another HTTP version than the cell asked: a protocol failure."""


def httpx_versions(s):
    """HTTP/2 only when asked: http1=False makes httpx offer only h2 by ALPN over https and
    speak h2c with prior knowledge over http, so it never falls back to HTTP/1.1 unseen."""
    if s.http_version != "2":
        return {}
    need("h2")
    return {"http1": False, "http2": True}


def checked_version(s, response):
    """Every response is checked for the version asked, as the status and length are."""
    expected = "HTTP/2" if s.http_version == "2" else "HTTP/1.1"
    if response.http_version != expected:
        raise WrongProtocolVersion(f"the response came over {response.http_version}, not {expected}")
    return response


def httpx_client(s):
    httpx = need("httpx")
    # One Client (its pool is thread-safe) shared by the N threads; over HTTP/2 its one
    # connection carries the N threads' requests as streams.
    client = httpx.Client(verify=s.requests_verify(), timeout=s.timeout, trust_env=False,
                          **httpx_limits(httpx, s), **httpx_versions(s))
    summary = body_summary(s)

    def fetch():
        response = checked_version(s, client.get(s.url))
        return (response.status_code, *summary(response.content))

    return lambda: fetch, client.close, httpx.__version__


def httpx_async_client(s):
    httpx = need("httpx")
    summary = body_summary(s)
    state = {}

    # One AsyncClient in one event loop, shared by the N tasks.
    async def open_session():
        state["client"] = httpx.AsyncClient(verify=s.requests_verify(), timeout=s.timeout,
                                            trust_env=False, **httpx_limits(httpx, s),
                                            **httpx_versions(s))

    async def fetch():
        response = checked_version(s, await state["client"].get(s.url))
        return (response.status_code, *summary(response.content))

    async def close():
        await state["client"].aclose()

    return (open_session, fetch, close), None, httpx.__version__


def aiohttp_session(s):
    aiohttp = need("aiohttp")
    summary = body_summary(s)
    state = {}

    # One ClientSession in one event loop, shared by the N tasks; the timed loop itself runs
    # inside the loop (see run_async), so no per-request event loop start-up is timed.
    async def open_session():
        ssl_setting = False if s.insecure else s.ssl_context()
        options = {"ssl": ssl_setting}
        if s.concurrency > 100:
            options["limit"] = s.concurrency  # the connector's default limit is 100
        connector = aiohttp.TCPConnector(**options)
        state["session"] = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=s.timeout))

    async def fetch():
        async with state["session"].get(s.url) as response:
            return (response.status, *summary(await response.read()))

    async def close():
        await state["session"].close()

    return (open_session, fetch, close), None, aiohttp.__version__


# Each client and how it runs N requests at once (docs/drivers.md lists the same).
CLIENTS = {
    "requests.no-reuse": (requests_no_reuse, THREADS),
    "requests.session": (requests_session, THREADS),
    "pycurl.reuse-handle.discard-body": (pycurl_discard_body, MULTI),
    "pycurl.reuse-handle.save-body": (pycurl_save_body, MULTI),
    "pycurl.forbid-reuse.save-body": (pycurl_forbid_reuse, MULTI),
    "pycurl.new-handle.save-body": (pycurl_new_handle, MULTI),
    "urllib3.pool": (urllib3_pool, THREADS),
    "urllib": (urllib_request, THREADS),
    "httpx.client": (httpx_client, THREADS),
    "httpx.async-client": (httpx_async_client, TASKS),
    "aiohttp.session": (aiohttp_session, TASKS),
}


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


def curl_failure_kind(code):
    """The failure kind of a libcurl error code."""
    for kind, codes in CURL_KINDS.items():
        if code in codes:
            return kind
    return "other"


def ended_transfer(transfer, error_code, check):
    """A finished pycurl transfer of a CurlMulti (error_code None when libcurl completed it):
    its failure kind (None for a success, as check() says) and its body length."""
    length = 0
    try:
        if error_code is None:
            status, length, digest = transfer.end(True)
            return check(status, length, digest), length
        transfer.end(False)
        return curl_failure_kind(error_code), length
    except Exception as error:
        return failure_kind(error), length


def kind_of_one(item):
    if type(item).__module__ == "pycurl" and type(item).__name__ == "error" and item.args:
        return curl_failure_kind(item.args[0])
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

    def fail(self, kind, count=1):
        self.failures[kind] = self.failures.get(kind, 0) + count

    def settle(self, kind, elapsed_ns, length):
        """Counts one finished request: timed if it passed its checks, else a failure."""
        if kind is None:
            self.latencies.append(elapsed_ns)
            self.body_bytes += length
        else:
            self.fail(kind)

    def add(self, other):
        """Adds another worker's counts to these."""
        self.latencies.extend(other.latencies)
        self.body_bytes += other.body_bytes
        for kind, count in other.failures.items():
            self.fail(kind, count)
        return self


class Tickets:
    """The requests of one phase (warm-up or timed loop), taken one at a time by N workers:
    the count is split across them exactly, and a worker whose requests are quicker takes
    more, so N stay in flight until the last few. Iterating takes one ticket."""

    def __init__(self, count):
        self.left = count
        self.lock = threading.Lock()

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            if self.left <= 0:
                raise StopIteration
            self.left -= 1

    def drain(self):
        with self.lock:
            self.left = 0


# turns: range(count) for one sequential worker, or Tickets shared by N workers. Latency runs
# from each request's own start to its end, the checks included.
def run_sync(fetch, turns, settings, deadline_ns=0):
    tally = Tally(settings)
    clock, check, settle = time.perf_counter_ns, tally.check, tally.settle
    for _ in turns:
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


async def run_async(fetch, turns, settings, deadline_ns=0):
    tally = Tally(settings)
    clock, check, settle = time.perf_counter_ns, tally.check, tally.settle
    for _ in turns:
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


async def run_tasks(fetch, count, settings, deadline_ns=0):
    """N tasks on this event loop sharing one session and the phase's requests."""
    import asyncio

    tickets = Tickets(count)
    tallies = await asyncio.gather(*(run_async(fetch, tickets, settings, deadline_ns)
                                     for _ in range(settings.concurrency)))
    total = Tally(settings)
    for tally in tallies:
        total.add(tally)
    return total


class Crew:
    """N threads, one fetch each, that run every phase together: they are started before the
    warm-up, wait at a barrier between phases, and all have finished a phase when run()
    returns, so the timed window covers every worker and nothing else."""

    def __init__(self, fetches, settings):
        self.settings = settings
        self.gate = threading.Barrier(len(fetches) + 1)
        self.phase = None  # (Tickets, deadline_ns) while a phase runs; None tells them to end
        self.tallies = [None] * len(fetches)
        self.error = None
        self.threads = [threading.Thread(target=self.work, args=(index, fetch), daemon=True)
                        for index, fetch in enumerate(fetches)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def work(self, index, fetch):
        try:
            while True:
                self.gate.wait()  # a phase starts
                if self.phase is None:
                    return
                tickets, deadline_ns = self.phase
                self.tallies[index] = run_sync(fetch, tickets, self.settings, deadline_ns)
                self.gate.wait()  # this worker is done with the phase
        except threading.BrokenBarrierError:
            return
        except BaseException as error:  # a bug (failure_kind re-raises those): end the cell
            self.error = error
            self.gate.abort()

    def run(self, count, deadline_ns=0):
        self.phase = (Tickets(count), deadline_ns)
        try:
            self.gate.wait()
            self.gate.wait()
        except threading.BrokenBarrierError:
            raise self.error or RuntimeError("a worker thread failed")
        total = Tally(self.settings)
        for tally in self.tallies:
            total.add(tally)
        return total

    def __exit__(self, exc_type, *exc):
        phase, self.phase = self.phase, None
        if exc_type is None and not self.gate.broken:
            self.gate.wait()  # the workers find no phase and end
            for thread in self.threads:
                thread.join()
        else:
            # The cell ends with an error: the workers take no more requests and, being
            # daemon threads, end with the process.
            if phase:
                phase[0].drain()
            self.gate.abort()
        return False


class CurlMultiLoop:
    """pycurl's concurrent interface: N transfers in one CurlMulti, each started again as
    soon as it ends while the phase has requests left. A request's latency runs from adding
    its handle to the multi until its completion is read and checked."""

    def __init__(self, pycurl, transfers, settings):
        self.pycurl, self.transfers, self.settings = pycurl, transfers, settings
        self.multi = pycurl.CurlMulti()

    def run(self, count, deadline_ns=0):
        pycurl, multi = self.pycurl, self.multi
        tally = Tally(self.settings)
        clock, check, settle = time.perf_counter_ns, tally.check, tally.settle
        left = count
        active = {}  # id(handle) -> (transfer, started_ns)

        def start(transfer):
            started = clock()  # a new handle per request is made inside the request, as at 1
            handle = transfer.begin()
            active[id(handle)] = (transfer, started)
            multi.add_handle(handle)

        def finish(handle, error_code):
            nonlocal left
            transfer, started = active.pop(id(handle))
            multi.remove_handle(handle)
            kind, length = ended_transfer(transfer, error_code, check)
            finished = clock()
            settle(kind, finished - started, length)
            if deadline_ns and finished >= deadline_ns:
                left = 0
            if left > 0:
                left -= 1
                start(transfer)

        for transfer in self.transfers:
            if left <= 0:
                break
            left -= 1
            start(transfer)
        while active:
            while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                pass
            while True:
                queued, done, failed = multi.info_read()
                for handle in done:
                    finish(handle, None)
                for handle, error_code, _message in failed:
                    finish(handle, error_code)
                if not queued:
                    break
            if active:
                multi.select(1.0)
        return tally

    def close(self):
        self.multi.close()


class Window:
    """The measured window: wall clock and this process's CPU (all threads), with the
    garbage collector off as timeit had it. The open loop opens it with open() when its first
    measured request starts (the wall clock from that request's due time) and closes it with
    close() at the last one's end."""

    def __enter__(self):
        gc.collect()
        gc.disable()
        self.open()
        return self

    def open(self):
        self.usage = resource.getrusage(resource.RUSAGE_SELF)
        connections_opened(reset=True)
        self.started = time.perf_counter_ns()

    def __exit__(self, *exc):
        self.close(time.perf_counter_ns())
        return False

    def close(self, ended_ns):
        self.wall_ns = ended_ns - self.started
        self.connections = connections_opened()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        gc.enable()
        self.user = max(0.0, usage.ru_utime - self.usage.ru_utime)
        self.system = max(0.0, usage.ru_stime - self.usage.ru_stime)

    def deadline_ns(self, duration_seconds):
        return self.started + int(duration_seconds * 1e9) if duration_seconds > 0 else 0


# --- the open loop (--rate) ---------------------------------------------------------------
# docs/drivers.md, "Open loop", and the native runners (src/client/multi_runner.cpp): request
# i, warm-up included, is due at the schedule's start + i / rate, whatever the responses do.
# It starts when due if fewer than max_in_flight are started and unanswered (a request held
# back by that limit starts late, and a measured one that starts more than 1 ms after its due
# time is a late start), then waits in order for one of the `concurrency` connections, and
# its latency counts from its due time: a stall shows in the percentiles of every request it
# delayed (coordinated omission, corrected as wrk2 does).

LATE_START_NS = 1_000_000


class OpenLoop:
    """The schedule and the counts of one open-loop cell, whatever runs its requests: which
    request is due, which may start, the late starts, and the measured window, which opens
    when the first measured request starts and closes at the last one's end."""

    def __init__(self, settings):
        self.s = settings
        self.total = settings.warmup + settings.cycles
        self.tally = Tally(settings)
        self.window = Window()
        self.window_open = False
        self.late_starts = 0
        self.max_start_lag_ns = 0
        self.issued = 0  # requests started, warm-up included
        self.in_flight = 0  # started and not answered (waiting for a connection or on one)
        self.deadline_ns = 0
        self.last_end_ns = 0
        self.start_ns = 0

    def begin(self):
        # The collector is off for the whole schedule, not from the window on: a collection
        # when the window opens would itself make the first measured requests start late.
        gc.collect()
        gc.disable()
        self.start_ns = time.perf_counter_ns()

    def due_ns(self, index):
        # From the start each time, never by adding intervals: rounding never accumulates.
        return self.start_ns + int(index * 1e9 / self.s.rate)

    def more(self, now):
        """Whether requests are left to start (the count, or the duration, not used up)."""
        return self.issued < self.total and not (self.deadline_ns and now >= self.deadline_ns)

    def next_due_ns(self):
        """When the next request may start: its due time, or None while it cannot start."""
        if self.in_flight >= self.s.max_in_flight:
            return None
        return self.due_ns(self.issued)

    def take(self, now):
        """Starts the next request if it is due and the limit allows: (due_ns, measured),
        or None."""
        if not self.more(now) or self.in_flight >= self.s.max_in_flight:
            return None
        due = self.due_ns(self.issued)
        if due > now:
            return None
        measured = self.issued >= self.s.warmup
        if measured:
            if not self.window_open:
                self.window_open = True
                self.window.open()
                # At the first measured request's due time, not its start: a schedule already
                # behind would otherwise shorten the window and report more than the rate.
                self.window.started = due
                if self.s.duration_seconds > 0:
                    self.deadline_ns = self.window.started + int(self.s.duration_seconds * 1e9)
            lag = now - due
            if lag > LATE_START_NS:
                self.late_starts += 1
            self.max_start_lag_ns = max(self.max_start_lag_ns, lag)
        self.issued += 1
        self.in_flight += 1
        return due, measured

    def finish(self, due, measured, kind, length, ended_ns):
        """One request answered (or failed): timed from its due time when it was measured."""
        self.in_flight -= 1
        if measured:
            self.tally.settle(kind, ended_ns - due, length)
            self.last_end_ns = ended_ns

    def done(self, now):
        return self.in_flight == 0 and not self.more(now)

    def close(self):
        if not self.window_open:  # nothing measured (cycles 0): an empty window
            self.window.open()
            self.last_end_ns = self.window.started
        self.window.close(max(self.last_end_ns, self.window.started))
        return self.tally, self.window

    def report(self):
        return {"late_starts": self.late_starts, "max_start_lag_ns": self.max_start_lag_ns}


class Ticker(threading.Thread):
    """Wakes the event loop at each due time. asyncio's own timers wait in epoll, whose
    timeout the selector rounds up to whole milliseconds, so a request woken by one would
    start up to 1 ms late, the late-start threshold itself; time.sleep (clock_nanosleep on the
    same monotonic clock) wakes within tens of microseconds, and call_soon_threadsafe wakes the
    loop at once through its self-pipe. The thread holds the GIL only to hand over the wake."""

    def __init__(self, open_loop, wake):
        super().__init__(daemon=True)
        self.open_loop, self.wake = open_loop, wake
        self.stopped = False

    def run(self):
        clock = time.perf_counter_ns
        for index in range(self.open_loop.total):
            delay = self.open_loop.due_ns(index) - clock()
            if delay > 0:
                time.sleep(delay / 1e9)
            if self.stopped:
                return
            if self.open_loop.issued > index:
                continue  # the loop started it already, as others ended: no wake needed
            try:
                self.wake()
            except RuntimeError:  # the loop has closed: the cell is over
                return

    def stop(self):
        self.stopped = True


async def run_open_tasks(fetch, settings):
    """The open loop on one event loop: a task per request, started when due (woken by the
    Ticker), each waiting its turn for one of `concurrency` connections (a semaphore)."""
    import asyncio

    loop = asyncio.get_running_loop()
    schedule = OpenLoop(settings)
    connections = asyncio.Semaphore(settings.concurrency)
    finished = loop.create_future()
    tasks = set()
    clock, check = time.perf_counter_ns, schedule.tally.check

    async def one(due, measured):
        length = 0
        try:
            try:
                async with connections:
                    status, length, digest = await fetch()
                kind = check(status, length, digest)
            except Exception as error:
                kind = failure_kind(error)
            schedule.finish(due, measured, kind, length, clock())
            admit()
        except BaseException as error:  # a bug (failure_kind re-raises those): end the cell
            if not finished.done():
                finished.set_exception(error)

    def admit():
        now = clock()
        while (started := schedule.take(now)) is not None:
            task = loop.create_task(one(*started))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if schedule.done(now) and not finished.done():
            finished.set_result(None)

    schedule.begin()
    ticker = Ticker(schedule, lambda: loop.call_soon_threadsafe(admit))
    ticker.start()
    try:
        admit()
        await finished
    finally:
        ticker.stop()
        for task in list(tasks):
            task.cancel()
    return schedule


def run_open_multi(pycurl, multi, transfers, settings):
    """The open loop on a CurlMulti: a request due starts as soon as one of the `concurrency`
    transfers is free (its handle added to the multi), due requests waiting in order. The
    multi's select() waits with microsecond timeouts, so the due times need no other timer."""
    from collections import deque

    schedule = OpenLoop(settings)
    clock, check = time.perf_counter_ns, schedule.tally.check
    free = list(transfers)
    waiting = deque()  # (due_ns, measured) started and waiting for a free transfer
    active = {}  # id(handle) -> (transfer, due_ns, measured)

    def finish(handle, error_code):
        transfer, due, measured = active.pop(id(handle))
        multi.remove_handle(handle)
        kind, length = ended_transfer(transfer, error_code, check)
        schedule.finish(due, measured, kind, length, clock())
        free.append(transfer)

    schedule.begin()
    while True:
        now = clock()
        while (started := schedule.take(now)) is not None:
            waiting.append(started)
        while waiting and free:
            transfer = free.pop()
            due, measured = waiting.popleft()
            handle = transfer.begin()
            active[id(handle)] = (transfer, due, measured)
            multi.add_handle(handle)
        if not active and schedule.done(now):
            break
        while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        ended = 0
        while True:
            queued, done, failed = multi.info_read()
            for handle in done:
                finish(handle, None)
            for handle, error_code, _message in failed:
                finish(handle, error_code)
            ended += len(done) + len(failed)
            if not queued:
                break
        if ended:
            continue  # free transfers: start what waits before waiting again
        wait = 1.0
        now = clock()
        next_due = schedule.next_due_ns() if schedule.more(now) else None
        if next_due is not None:
            wait = min(wait, max(0.0, (next_due - now) / 1e9))
        curl_wait_ms = multi.timeout()
        if curl_wait_ms >= 0:
            wait = min(wait, curl_wait_ms / 1000)
        if wait <= 0:
            continue
        if active:
            multi.select(wait)
        else:  # select() on a multi without descriptors returns at once
            time.sleep(wait)
    return schedule


def measure_threads(factory, s):
    worker, close, version = factory(s)
    try:
        if s.concurrency == 1:
            fetch = worker()
            run_sync(fetch, range(s.warmup), s)
            with Window() as window:
                tally = run_sync(fetch, range(s.cycles), s, window.deadline_ns(s.duration_seconds))
        else:
            with Crew([worker() for _ in range(s.concurrency)], s) as crew:
                crew.run(s.warmup)
                with Window() as window:
                    tally = crew.run(s.cycles, window.deadline_ns(s.duration_seconds))
    finally:
        if close:
            close()
    return tally, window, version, {}


def measure_tasks(factory, s):
    import asyncio

    (open_session, fetch, close), _, version = factory(s)

    async def whole():
        await open_session()
        try:
            if s.rate > 0:
                schedule = await run_open_tasks(fetch, s)
                return (*schedule.close(), schedule.report())
            if s.concurrency == 1:
                await run_async(fetch, range(s.warmup), s)
                with Window() as window:
                    tally = await run_async(fetch, range(s.cycles), s,
                                            window.deadline_ns(s.duration_seconds))
            else:
                await run_tasks(fetch, s.warmup, s)
                with Window() as window:
                    tally = await run_tasks(fetch, s.cycles, s,
                                            window.deadline_ns(s.duration_seconds))
            return tally, window, {}
        finally:
            await close()

    tally, window, extra = asyncio.run(whole())
    return tally, window, version, extra


def measure_multi(factory, s):
    new_transfer, _, version = factory(s)
    # The open loop always runs in a multi, even on one transfer: perform() blocks.
    in_multi = s.concurrency > 1 or s.rate > 0
    transfers = [new_transfer(in_multi) for _ in range(s.concurrency)]
    extra = {}
    try:
        if s.rate > 0:
            pycurl = need("pycurl")
            multi = pycurl.CurlMulti()
            try:
                schedule = run_open_multi(pycurl, multi, transfers, s)
            finally:
                multi.close()
            tally, window = schedule.close()
            extra = schedule.report()
        elif not in_multi:
            fetch = transfers[0].fetch
            run_sync(fetch, range(s.warmup), s)
            with Window() as window:
                tally = run_sync(fetch, range(s.cycles), s, window.deadline_ns(s.duration_seconds))
        else:
            loop = CurlMultiLoop(need("pycurl"), transfers, s)
            try:
                loop.run(s.warmup)
                with Window() as window:
                    tally = loop.run(s.cycles, window.deadline_ns(s.duration_seconds))
            finally:
                loop.close()
    finally:
        for transfer in transfers:
            transfer.close()
    return tally, window, version, extra


# The clients that speak HTTP/2 (docs/drivers.md, "HTTP versions"); the others HTTP/1.1 only.
HTTP_VERSIONS = {"httpx.client": ("1.1", "2"), "httpx.async-client": ("1.1", "2")}

MEASURE = {THREADS: measure_threads, TASKS: measure_tasks, MULTI: measure_multi}


def make_room(s, model):
    """At concurrency N the process holds about N sockets at once: raises the soft limit on
    open files to the hard one, and says (Skip) when N cannot run here."""
    wanted = s.concurrency + 64  # the interpreter's own files and a socket closing as one opens
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raise Skip(f"not applicable at concurrency {s.concurrency}: it needs about {wanted} "
                   f"open files and the limit here is {soft}")
    # CurlMulti.select() waits with select(2), which cannot watch a descriptor above 1023.
    if model == MULTI and wanted > 1024:
        raise Skip(f"not applicable at concurrency {s.concurrency}: pycurl's CurlMulti.select() "
                   "uses select(2), which watches at most 1024 descriptors")


def measure(settings):
    entry = CLIENTS.get(settings.client)
    if entry is None:
        raise ValueError(f"unknown client '{settings.client}' (known: {', '.join(CLIENTS)})")
    if settings.concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {settings.concurrency}")
    factory, model = entry
    if settings.http_version not in HTTP_VERSIONS.get(settings.client, ("1.1",)):
        raise Skip(f"not applicable: {settings.client} speaks HTTP/1.1 only here")
    if settings.rate > 0 and model == THREADS:
        raise Skip(f"not applicable: {settings.client} has no open-loop mode (its threads start a "
                   "request only when one ends)")
    if settings.concurrency > 1:
        make_room(settings, model)
    tally, window, version, extra = MEASURE[model](factory, settings)
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
        "http_version": settings.http_version,
        "client": {"name": settings.client, "version": str(version),
                   "runtime": f"{platform.python_implementation()} {platform.python_version()}"},
        **extra,  # the open loop's late_starts and max_start_lag_ns
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
