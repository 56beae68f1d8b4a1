// hcbench driver for Node.js HTTP clients (the protocol is in docs/drivers.md).
//
// Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
// loop with the client it names, and prints one JSON report line on stdout. It speaks the
// same input and report as the Python driver.
// Clients: Node's built-ins (fetch, the http/https modules) and the libraries teams choose
// between (undici, axios, got, node-fetch), installed by `npm ci` from the committed
// package-lock.json into node_modules beside this file. A library that is not installed
// makes its rows skipped, with the reason.
//
// Concurrency: Node runs one event loop, so concurrency N means N requests in flight at once
// on that loop (N async workers taking requests from one counter), with the client's
// connection limit per origin set to N where it has one. At a rate, every client runs the open
// loop instead: requests start on a fixed schedule and are timed from their due times
// (openLoop).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import process from 'node:process';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';

const PROTOCOL = 1;

// The benchmark talks to loopback servers only; a proxy from the environment (axios honours
// http_proxy) would measure the proxy.
for (const name of Object.keys(process.env)) {
  if (/^(http_proxy|https_proxy|all_proxy|no_proxy)$/i.test(name)) delete process.env[name];
}

// Connections opened, for the report's connections_opened. Every client here (the http and
// https modules, undici and so fetch, and the libraries built on them) connects through
// net.Socket.prototype.connect (TLS sockets included), so one wrapper counts them all, at
// the cost of a counter per new connection.
let connections = 0;
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function countingConnect(...args) {
  connections++;
  return realConnect.apply(this, args);
};

// The client cannot run here (its npm package is not installed): the row is skipped.
class Skip extends Error {}

class Settings {
  constructor(cell) {
    this.client = cell.client;
    this.url = cell.url;
    this.cycles = Number(cell.cycles);
    this.warmup = Number(cell.warmup ?? 0);
    this.durationSeconds = Number(cell.duration_seconds ?? 0);
    this.concurrency = Number(cell.concurrency ?? 1);
    this.verify = cell.verify ?? 'length';
    this.expectedStatus = Number(cell.expected_status ?? 200);
    this.expectedLength = Number(cell.expected_length ?? 0);
    this.insecure = cell.insecure ?? true;
    this.cacert = cell.cacert || null;
    this.timeoutMs = Math.round(Number(cell.request_timeout_seconds ?? 30) * 1000);
    this.wantDigest = this.verify === 'digest';
    this.expectedDigest = this.wantDigest ? parseReprDigest(cell.expected_digest ?? '') : null;
    this.https = this.url.startsWith('https:');
    // '1.1', or '2': h2 by ALPN over https, prior knowledge (h2c) over http.
    this.httpVersion = String(cell.http_version ?? '1.1');
    // > 0: the open loop (docs/drivers.md, "Open loop"): requests/s on a fixed schedule, at
    // most maxInFlight started and not answered, `concurrency` in flight on the client.
    this.rate = Number(cell.rate ?? 0);
    this.maxInFlight = Number(cell.max_in_flight ?? 1000);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, not ${cell.concurrency}`);
    }
  }

  // TLS options of the http/https modules (and of the libraries that take an https.Agent).
  tlsOptions() {
    const options = { rejectUnauthorized: !this.insecure };
    if (!this.insecure && this.cacert) options.ca = readFileSync(this.cacert);
    return options;
  }
}

// 'sha-256=:<base64>:' (the Repr-Digest header form) -> the raw bytes.
function parseReprDigest(value) {
  const match = /^sha-256=:([A-Za-z0-9+/=]+):$/.exec(value);
  if (!match) throw new Error('expected_digest is not of the form sha-256=:<base64>:');
  return Buffer.from(match[1], 'base64');
}

function digestOf(settings, body) {
  return settings.wantDigest ? createHash('sha256').update(body).digest() : null;
}

// Where a streamed body goes: saved (chunks joined into one buffer, like the other "save
// body" rows) or discarded (counted, and hashed as it passes when a digest is asked, like
// pycurl writing to `lambda x: None`).
function bodySink(settings, save) {
  if (save) {
    const chunks = [];
    return {
      add: (chunk) => chunks.push(chunk),
      finish: () => {
        const body = Buffer.concat(chunks);
        return [body.length, digestOf(settings, body)];
      },
    };
  }
  const hash = settings.wantDigest ? createHash('sha256') : null;
  let length = 0;
  return {
    add: (chunk) => {
      length += chunk.length;
      if (hash) hash.update(chunk);
    },
    finish: () => [length, hash ? hash.digest() : null],
  };
}

// Imports an npm package from node_modules beside this file; a missing one skips the row.
async function need(name) {
  try {
    return await import(name);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') {
      throw new Skip(`npm package '${name}' is not installed (tools/setup.sh runs npm ci in drivers/node)`);
    }
    throw error;
  }
}

function packageVersion(name) {
  const file = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return `${name} ${JSON.parse(readFileSync(file, 'utf8')).version}`;
}

// Agents of the http/https modules for one cell: keep-alive with at most `concurrency`
// sockets, or a new connection for every request.
function nodeAgents(s, keepAlive) {
  const options = keepAlive ? { keepAlive: true, maxSockets: s.concurrency } : { keepAlive: false };
  const agents = { http: new http.Agent(options), https: new https.Agent({ ...options, ...s.tlsOptions() }) };
  agents.forUrl = s.https ? agents.https : agents.http;
  agents.destroy = () => {
    agents.http.destroy();
    agents.https.destroy();
  };
  return agents;
}

// --- the clients ------------------------------------------------------------------------
// Each factory does the untimed set-up and returns { fetch, close, version }; fetch()
// resolves to [status, bodyLength, sha256OrNull] and rejects on a transport error.

function builtinFetchClient(s) {
  // The built-in fetch has no per-request certificate option; Node reads this variable when
  // it opens each TLS connection. A CA file comes in through NODE_EXTRA_CA_CERTS (set by
  // hcbench). Its global dispatcher keeps connections alive, with no limit per origin: at
  // most `concurrency` are open since that many requests are in flight.
  if (s.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const fetch = async () => {
    const response = await globalThis.fetch(s.url, { signal: AbortSignal.timeout(s.timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return [response.status, body.length, digestOf(s, body)];
  };
  return { fetch, close: () => {}, version: `undici ${process.versions.undici} in Node.js ${process.version}` };
}

function httpClient({ keepAlive, save }) {
  return (s) => {
    const module = s.https ? https : http;
    const agents = nodeAgents(s, keepAlive);
    const options = { agent: agents.forUrl, timeout: s.timeoutMs };
    const fetch = () => new Promise((resolve, reject) => {
      const request = module.get(s.url, options, (response) => {
        const sink = bodySink(s, save);
        response.on('data', sink.add);
        response.on('end', () => {
          if (!response.complete) return reject(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
          resolve([response.statusCode, ...sink.finish()]);
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
    });
    return { fetch, close: agents.destroy, version: `Node.js ${process.version}` };
  };
}

function undiciClient({ keepAlive, save }) {
  return async (s) => {
    const undici = await need('undici');
    // One Agent (a pool per origin) with at most `concurrency` connections. Without reuse,
    // every request is sent with `reset: true`, which closes its connection afterwards.
    const connect = { rejectUnauthorized: !s.insecure };
    if (!s.insecure && s.cacert) connect.ca = readFileSync(s.cacert);
    const agent = new undici.Agent({ connections: s.concurrency, connect });
    const options = { dispatcher: agent, headersTimeout: s.timeoutMs, bodyTimeout: s.timeoutMs, reset: !keepAlive };
    const fetch = async () => {
      const { statusCode, body } = await undici.request(s.url, options);
      if (save) {
        const bytes = Buffer.from(await body.arrayBuffer());
        return [statusCode, bytes.length, digestOf(s, bytes)];
      }
      const sink = bodySink(s, false);
      for await (const chunk of body) sink.add(chunk);
      return [statusCode, ...sink.finish()];
    };
    return { fetch, close: () => agent.destroy(), version: packageVersion('undici') };
  };
}

async function undiciFetchClient(s) {
  const undici = await need('undici');
  const connect = { rejectUnauthorized: !s.insecure };
  if (!s.insecure && s.cacert) connect.ca = readFileSync(s.cacert);
  const agent = new undici.Agent({ connections: s.concurrency, connect });
  const fetch = async () => {
    const response = await undici.fetch(s.url, { dispatcher: agent, signal: AbortSignal.timeout(s.timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return [response.status, body.length, digestOf(s, body)];
  };
  return { fetch, close: () => agent.destroy(), version: packageVersion('undici') };
}

function axiosClient({ keepAlive }) {
  return async (s) => {
    const axios = (await need('axios')).default;
    const agents = nodeAgents(s, keepAlive);
    // One instance, as an application would make it. Every status resolves (it is checked
    // here), the body comes back as one buffer, and no proxy is looked up.
    const instance = axios.create({
      httpAgent: agents.http,
      httpsAgent: agents.https,
      timeout: s.timeoutMs,
      responseType: 'arraybuffer',
      decompress: false,
      proxy: false,
      maxRedirects: 0,
      validateStatus: () => true,
    });
    const fetch = async () => {
      const response = await instance.get(s.url);
      const body = Buffer.from(response.data);
      return [response.status, body.length, digestOf(s, body)];
    };
    return { fetch, close: agents.destroy, version: packageVersion('axios') };
  };
}

function gotClient({ keepAlive }) {
  return async (s) => {
    const got = (await need('got')).default;
    const agents = nodeAgents(s, keepAlive);
    // got retries twice and throws on a non-2xx status by default: a failure is counted
    // here instead, once.
    const instance = got.extend({
      agent: { http: agents.http, https: agents.https },
      https: { rejectUnauthorized: !s.insecure, certificateAuthority: s.tlsOptions().ca },
      timeout: { request: s.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      decompress: false,
      responseType: 'buffer',
    });
    const fetch = async () => {
      const response = await instance.get(s.url);
      return [response.statusCode, response.body.length, digestOf(s, response.body)];
    };
    return { fetch, close: agents.destroy, version: packageVersion('got') };
  };
}

function nodeFetchClient({ keepAlive }) {
  return async (s) => {
    const nodeFetch = (await need('node-fetch')).default;
    const agents = nodeAgents(s, keepAlive);
    const options = { agent: agents.forUrl, compress: false, redirect: 'manual' };
    const fetch = async () => {
      const response = await nodeFetch(s.url, { ...options, signal: AbortSignal.timeout(s.timeoutMs) });
      const body = Buffer.from(await response.arrayBuffer());
      return [response.status, body.length, digestOf(s, body)];
    };
    return { fetch, close: agents.destroy, version: packageVersion('node-fetch') };
  };
}

// Node's http2 module: one ClientHttp2Session (h2 by ALPN, or h2c with prior knowledge for
// an http URL), every request a stream on it, so at concurrency N there are N streams in
// flight on one connection. HTTP/2 only: the module speaks nothing else, and a session that
// negotiated anything but h2 fails before the first request.
function http2Client(s) {
  const origin = new URL(s.url).origin;
  const path = new URL(s.url).pathname + new URL(s.url).search;
  let session = null;
  const connect = () => new Promise((resolve, reject) => {
    const opened = http2.connect(origin, s.https ? s.tlsOptions() : {});
    opened.once('connect', () => {
      if (s.https && opened.alpnProtocol !== 'h2') {
        opened.destroy();
        return reject(Object.assign(new Error(`ALPN chose ${opened.alpnProtocol}, not h2`), { code: 'ERR_HTTP2_PROTOCOL' }));
      }
      // Once connected, each stream reports its own failure; the session's error must not
      // throw out of the event loop.
      opened.removeAllListeners('error');
      opened.on('error', () => {});
      resolve(opened);
    });
    opened.once('error', reject);
  });
  // A session the server closed (GOAWAY, idle timeout) is replaced on the next request.
  const usable = async () => {
    if (!session || session.closed || session.destroyed) {
      session = connect();
      session.catch(() => { session = null; });
    }
    return session;
  };
  const fetch = async () => {
    const current = await usable();
    return new Promise((resolve, reject) => {
      const stream = current.request({ ':path': path });
      const sink = bodySink(s, false);
      let status = 0;
      stream.setTimeout(s.timeoutMs, () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(Object.assign(new Error('request timed out'), { name: 'TimeoutError' }));
      });
      stream.on('response', (headers) => { status = headers[':status']; });
      stream.on('data', sink.add);
      stream.on('end', () => resolve([status, ...sink.finish()]));
      stream.on('error', reject);
    });
  };
  const close = async () => {
    if (session) (await session.catch(() => null))?.close();
  };
  return { fetch, close, version: `http2 (nghttp2 ${process.versions.nghttp2}) in Node.js ${process.version}` };
}

// The clients that speak HTTP/2 (docs/drivers.md, "HTTP versions"); the others HTTP/1.1 only.
const HTTP_VERSIONS = { 'http2': ['2'] };

const CLIENTS = {
  'http2': http2Client,
  'fetch': builtinFetchClient,
  'http.keep-alive': httpClient({ keepAlive: true, save: true }),
  'http.keep-alive.discard-body': httpClient({ keepAlive: true, save: false }),
  'http.no-reuse': httpClient({ keepAlive: false, save: true }),
  'undici.request': undiciClient({ keepAlive: true, save: true }),
  'undici.request.discard-body': undiciClient({ keepAlive: true, save: false }),
  'undici.no-reuse': undiciClient({ keepAlive: false, save: true }),
  'undici.fetch': undiciFetchClient,
  'axios': axiosClient({ keepAlive: true }),
  'axios.no-reuse': axiosClient({ keepAlive: false }),
  'got': gotClient({ keepAlive: true }),
  'got.no-reuse': gotClient({ keepAlive: false }),
  'node-fetch': nodeFetchClient({ keepAlive: true }),
  'node-fetch.no-reuse': nodeFetchClient({ keepAlive: false }),
};

// --- failures ---------------------------------------------------------------------------

const KIND_BY_CODE = [
  ['timeout', /^(ETIMEDOUT|ECONNABORTED|ESOCKETTIMEDOUT|UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT|ABORT_ERR|23)$/],
  ['tls', /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_OSSL_)/],
  ['length', /^(UND_ERR_RES_CONTENT_LENGTH_MISMATCH|ERR_STREAM_PREMATURE_CLOSE)$/],
  ['protocol', /^(HPE_|UND_ERR_INVALID_ARG$|ERR_INVALID_HTTP|ERR_HTTP2_)/],
  ['connect', /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|UND_ERR_SOCKET|UND_ERR_CLOSED)$/],
];

function kindOfOne(error) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') return 'timeout';
  const code = String(error?.code ?? '');
  for (const [kind, pattern] of KIND_BY_CODE) if (code && pattern.test(code)) return kind;
  if (/SSL|TLS|certificate/i.test(String(error?.message ?? ''))) return 'tls';
  return null;
}

// The libraries wrap the root cause (fetch's TypeError('fetch failed'), got's RequestError
// and axios's AxiosError keep it in a `cause` chain); the innermost error that names a kind
// decides. A bug of the driver or of a client's set-up is not a failed request: it ends the
// cell with the reason.
function failureKind(error) {
  if (error instanceof ReferenceError || error instanceof SyntaxError) throw error;
  let found = 'other';
  for (let item = error, depth = 0; item && depth < 10; item = item.cause, depth++) {
    const kind = kindOfOne(item);
    if (kind) found = kind;
  }
  return found;
}

// --- the loop ---------------------------------------------------------------------------

// One request, checked: [failure kind or null, body length].
async function attempt(fetch, s) {
  try {
    const [status, bodyLength, digest] = await fetch();
    if (status !== s.expectedStatus) return ['status', bodyLength];
    if (s.verify !== 'none' && bodyLength !== s.expectedLength) return ['length', bodyLength];
    if (s.wantDigest && !digest.equals(s.expectedDigest)) return ['digest', bodyLength];
    return [null, bodyLength];
  } catch (error) {
    return [failureKind(error), 0];
  }
}

function newTally() {
  return { latencies: [], failures: {}, bodyBytes: 0 };
}

function settle(tally, kind, elapsedNs, length) {
  if (kind === null) {
    tally.latencies.push(Number(elapsedNs));
    tally.bodyBytes += length;
  } else {
    tally.failures[kind] = (tally.failures[kind] ?? 0) + 1;
  }
}

// Runs `count` requests with `concurrency` of them in flight (N workers sharing a counter),
// each timed from its start to its checked end. With a deadline, no request starts after it.
async function loop(fetch, count, s, deadline = 0n) {
  const tally = newTally();
  let started = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && started < count) {
      started++;
      const begin = process.hrtime.bigint();
      const [kind, length] = await attempt(fetch, s);
      const finished = process.hrtime.bigint();
      settle(tally, kind, finished - begin, length);
      if (deadline && finished >= deadline) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(s.concurrency, Math.max(count, 0)) }, worker));
  return tally;
}

// The closed loop: the warm-up, then the measured window around the timed requests.
async function closedLoop(fetch, s) {
  await loop(fetch, s.warmup, s);
  connections = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = s.durationSeconds > 0 ? started + BigInt(Math.round(s.durationSeconds * 1e9)) : 0n;
  const tally = await loop(fetch, s.cycles, s, deadline);
  const wallNs = process.hrtime.bigint() - started;
  return { tally, wallNs, opened: connections, cpu: process.cpuUsage(cpuBefore), extra: {} };
}

// Wakes the event loop at each due time of the open loop. libuv's timers count whole
// milliseconds (setTimeout(f, 0.3) waits 1 ms), so a request woken by one would start up to
// 1 ms late, the late-start threshold itself, and finishing the wait with setImmediate would
// spin the loop between requests. This thread sleeps precisely in Atomics.wait and posts a
// message at each due time, which wakes the main loop at once (uv_async); it stops when the
// main thread sets shared[0]. shared[1] is the requests the main thread has started: when it
// is already past a due time (it starts requests as others end), no message is needed.
const TICKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { shared, rate, total } = workerData;
parentPort.once('message', (start) => {
  for (let index = 0; index < total; index++) {
    const due = start + BigInt(Math.floor((index * 1e9) / rate));
    for (;;) {
      const leftMs = Number(due - process.hrtime.bigint()) / 1e6;
      if (leftMs <= 0) break;
      if (Atomics.wait(shared, 0, 0, leftMs) !== 'timed-out') return;
    }
    if (Atomics.load(shared, 0) !== 0) return;
    if (Atomics.load(shared, 1) <= index) parentPort.postMessage(index);
  }
});
`;

const LATE_START_NS = 1_000_000n;

// The open loop (docs/drivers.md, "Open loop"; the native runners' src/client/multi_runner.cpp):
// request i, warm-up included, is due at the start + i / rate, whatever the responses do. It
// starts when due if fewer than maxInFlight are started and unanswered (a measured request
// that starts more than 1 ms after its due time is a late start), then waits in order until
// fewer than `concurrency` are in flight on the client, and its latency counts from its due
// time: a stall shows in the percentiles of every request it delayed (coordinated omission,
// corrected as wrk2 does). The measured window opens at the first measured request's due
// time and closes at the last one's end.
async function openLoop(fetch, s) {
  const total = s.warmup + s.cycles;
  const tally = newTally();
  const shared = new Int32Array(new SharedArrayBuffer(8)); // [stop, started]
  const ticker = new Worker(TICKER_SOURCE, { eval: true, workerData: { shared, rate: s.rate, total } });
  await once(ticker, 'online');
  const start = process.hrtime.bigint();
  const dueOf = (index) => start + BigInt(Math.floor((index * 1e9) / s.rate));
  let issued = 0; // started, warm-up included
  let inFlight = 0; // started and not answered
  let active = 0; // on the client
  const waiting = []; // started, waiting for room on the client, oldest first
  let lateStarts = 0;
  let maxLag = 0n;
  let windowStart = 0n;
  let lastEnd = 0n;
  let deadline = 0n;
  let cpuBefore = null;
  let opened = 0;
  try {
    await new Promise((resolve, reject) => {
      const more = (now) => issued < total && !(deadline && now >= deadline);
      const run = async ({ due, measured }) => {
        const [kind, length] = await attempt(fetch, s);
        const finished = process.hrtime.bigint();
        active--;
        inFlight--;
        if (measured) {
          settle(tally, kind, finished - due, length);
          lastEnd = finished;
        }
        pump();
      };
      const pump = () => {
        try {
          const now = process.hrtime.bigint();
          while (more(now) && inFlight < s.maxInFlight && dueOf(issued) <= now) {
            const due = dueOf(issued);
            const measured = issued >= s.warmup;
            if (measured) {
              if (!windowStart) {
                connections = 0;
                cpuBefore = process.cpuUsage();
                // At the first measured request's due time, not its start: a schedule already
                // behind would otherwise shorten the window and report more than the rate.
                windowStart = due;
                if (s.durationSeconds > 0) deadline = windowStart + BigInt(Math.round(s.durationSeconds * 1e9));
              }
              const lag = now - due;
              if (lag > LATE_START_NS) lateStarts++;
              if (lag > maxLag) maxLag = lag;
            }
            issued++;
            inFlight++;
            waiting.push({ due, measured });
          }
          Atomics.store(shared, 1, issued);
          while (waiting.length > 0 && active < s.concurrency) {
            active++;
            run(waiting.shift()).catch(reject); // a bug of the driver ends the cell
          }
          if (inFlight === 0 && !more(now)) resolve();
        } catch (error) {
          reject(error);
        }
      };
      ticker.on('message', pump);
      ticker.on('error', reject);
      ticker.postMessage(start);
      pump();
    });
  } finally {
    Atomics.store(shared, 0, 1);
    Atomics.notify(shared, 0);
    await ticker.terminate();
  }
  if (!windowStart) { // nothing measured (cycles 0): an empty window
    cpuBefore = process.cpuUsage();
    windowStart = lastEnd = process.hrtime.bigint();
  }
  opened = connections;
  return {
    tally,
    wallNs: (lastEnd > windowStart ? lastEnd : windowStart) - windowStart,
    opened,
    cpu: process.cpuUsage(cpuBefore),
    extra: { late_starts: lateStarts, max_start_lag_ns: Number(maxLag) },
  };
}

async function measure(s) {
  const factory = CLIENTS[s.client];
  if (!factory) throw new Error(`unknown client '${s.client}' (known: ${Object.keys(CLIENTS).join(', ')})`);
  const versions = HTTP_VERSIONS[s.client] ?? ['1.1'];
  if (!versions.includes(s.httpVersion)) {
    throw new Skip(`not applicable: ${s.client} speaks HTTP/${versions.join(' and HTTP/')} only`);
  }
  const { fetch, close, version } = await factory(s);
  try {
    const { tally, wallNs, opened, cpu, extra } = s.rate > 0 ? await openLoop(fetch, s) : await closedLoop(fetch, s);
    return {
      protocol: PROTOCOL,
      status: 'ok',
      requests: tally.latencies.length,
      failures: tally.failures,
      wall_seconds: Number(wallNs) / 1e9,
      // microseconds, all threads of the process
      cpu: { user_seconds: cpu.user / 1e6, system_seconds: cpu.system / 1e6 },
      latencies_ns: tally.latencies,
      body_bytes: tally.bodyBytes,
      connections_opened: opened,
      http_version: s.httpVersion,
      client: { name: s.client, version, runtime: `Node.js ${process.version}` },
      ...extra, // the open loop's late_starts and max_start_lag_ns
    };
  } finally {
    await close();
  }
}

async function main() {
  let report;
  try {
    const cell = JSON.parse(readFileSync(0, 'utf8'));
    if (cell.protocol !== PROTOCOL) throw new Error(`hcbench speaks protocol ${cell.protocol}, this driver ${PROTOCOL}`);
    report = await measure(new Settings(cell));
  } catch (error) {
    report = error instanceof Skip
      ? { protocol: PROTOCOL, status: 'skipped', reason: error.message }
      : { protocol: PROTOCOL, status: 'error', reason: `${error?.name ?? 'Error'}: ${error?.message ?? error}` };
  }
  // Exit explicitly: idle keep-alive sockets would otherwise keep the process alive.
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}

main();
