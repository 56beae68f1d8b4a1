// hcbench driver for Node.js HTTP clients (the protocol is in docs/drivers.md).
//
// Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
// loop with the client it names, and prints one JSON report line on stdout. It is the
// second language of the protocol: the same input and report as the Python driver.
// Clients: the built-in fetch (undici, keep-alive by default) and the http/https modules,
// with a keep-alive Agent or with an Agent that closes every connection.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import process from 'node:process';

const PROTOCOL = 1;

// Connections opened, for the report's connections_opened. The http/https modules and
// fetch (undici) all connect through net.Socket.prototype.connect (TLS sockets included),
// so one wrapper counts them all, at the cost of a counter per new connection.
let connections = 0;
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function countingConnect(...args) {
  connections++;
  return realConnect.apply(this, args);
};

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

// --- the clients ------------------------------------------------------------------------
// Each factory does the untimed set-up and returns { fetch, close, version }; fetch()
// resolves to [status, bodyLength, sha256OrNull] and rejects on a transport error.

function fetchClient(s) {
  // fetch() has no per-request certificate option; Node reads this variable when it opens
  // each TLS connection. A CA file comes in through NODE_EXTRA_CA_CERTS (set by hcbench).
  if (s.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const fetch = async () => {
    const response = await globalThis.fetch(s.url, { signal: AbortSignal.timeout(s.timeoutMs) });
    const body = new Uint8Array(await response.arrayBuffer());
    return [response.status, body.length, digestOf(s, body)];
  };
  return { fetch, close: () => {}, version: `undici in Node.js ${process.version}` };
}

function httpClient(keepAlive) {
  return (s) => {
    const module = s.url.startsWith('https:') ? https : http;
    const agentOptions = keepAlive ? { keepAlive: true, maxSockets: 1 } : { keepAlive: false };
    const agent = new module.Agent(agentOptions);
    const options = { agent, timeout: s.timeoutMs };
    if (module === https) {
      options.rejectUnauthorized = !s.insecure;
      if (s.cacert) options.ca = readFileSync(s.cacert);
    }
    // The body is saved (chunks joined into one buffer), like the other "save body" rows.
    const fetch = () => new Promise((resolve, reject) => {
      const request = module.get(s.url, options, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          if (!response.complete) return reject(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
          const body = Buffer.concat(chunks);
          resolve([response.statusCode, body.length, digestOf(s, body)]);
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      request.on('error', reject);
    });
    return { fetch, close: () => agent.destroy(), version: `Node.js ${process.version}` };
  };
}

const CLIENTS = {
  'fetch': fetchClient,
  'http.keep-alive': httpClient(true),
  'http.no-reuse': httpClient(false),
};

// --- failures ---------------------------------------------------------------------------

const KIND_BY_CODE = [
  ['timeout', /^(ETIMEDOUT|UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT|ABORT_ERR|23)$/],
  ['tls', /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|ERR_OSSL_)/],
  ['length', /^UND_ERR_RES_CONTENT_LENGTH_MISMATCH$/],
  ['protocol', /^(HPE_|UND_ERR_INVALID_ARG$|ERR_INVALID_HTTP)/],
  ['connect', /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|UND_ERR_SOCKET|UND_ERR_CLOSED)$/],
];

function kindOfOne(error) {
  if (error?.name === 'TimeoutError') return 'timeout';
  const code = String(error?.code ?? '');
  for (const [kind, pattern] of KIND_BY_CODE) if (code && pattern.test(code)) return kind;
  if (/SSL|TLS|certificate/i.test(String(error?.message ?? ''))) return 'tls';
  return null;
}

// fetch() wraps the root cause (TypeError('fetch failed') with a cause chain); the
// innermost error that names a kind decides.
function failureKind(error) {
  let found = 'other';
  for (let item = error, depth = 0; item && depth < 10; item = item.cause, depth++) {
    const kind = kindOfOne(item);
    if (kind) found = kind;
  }
  return found;
}

// --- the loop ---------------------------------------------------------------------------

async function loop(fetch, count, s, deadline = 0n) {
  const tally = { latencies: [], failures: {}, bodyBytes: 0 };
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    let kind = null;
    let length = 0;
    try {
      const [status, bodyLength, digest] = await fetch();
      length = bodyLength;
      if (status !== s.expectedStatus) kind = 'status';
      else if (s.verify !== 'none' && bodyLength !== s.expectedLength) kind = 'length';
      else if (s.wantDigest && !digest.equals(s.expectedDigest)) kind = 'digest';
    } catch (error) {
      kind = failureKind(error);
    }
    const finished = process.hrtime.bigint();
    if (kind === null) {
      tally.latencies.push(Number(finished - started));
      tally.bodyBytes += length;
    } else {
      tally.failures[kind] = (tally.failures[kind] ?? 0) + 1;
    }
    if (deadline && finished >= deadline) break;
  }
  return tally;
}

async function measure(s) {
  const factory = CLIENTS[s.client];
  if (!factory) throw new Error(`unknown client '${s.client}' (known: ${Object.keys(CLIENTS).join(', ')})`);
  if (s.concurrency !== 1) throw new Error('these Node.js clients run sequentially (concurrency 1 only)');
  const { fetch, close, version } = factory(s);
  try {
    await loop(fetch, s.warmup, s);
    connections = 0;
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    const deadline = s.durationSeconds > 0 ? started + BigInt(Math.round(s.durationSeconds * 1e9)) : 0n;
    const tally = await loop(fetch, s.cycles, s, deadline);
    const wallNs = process.hrtime.bigint() - started;
    const opened = connections;
    const cpu = process.cpuUsage(cpuBefore); // microseconds, all threads of the process
    return {
      protocol: PROTOCOL,
      status: 'ok',
      requests: tally.latencies.length,
      failures: tally.failures,
      wall_seconds: Number(wallNs) / 1e9,
      cpu: { user_seconds: cpu.user / 1e6, system_seconds: cpu.system / 1e6 },
      latencies_ns: tally.latencies,
      body_bytes: tally.bodyBytes,
      connections_opened: opened,
      client: { name: s.client, version, runtime: `Node.js ${process.version}` },
    };
  } finally {
    close();
  }
}

async function main() {
  let report;
  try {
    const cell = JSON.parse(readFileSync(0, 'utf8'));
    if (cell.protocol !== PROTOCOL) throw new Error(`hcbench speaks protocol ${cell.protocol}, this driver ${PROTOCOL}`);
    report = await measure(new Settings(cell));
  } catch (error) {
    report = { protocol: PROTOCOL, status: 'error', reason: `${error?.name ?? 'Error'}: ${error?.message ?? error}` };
  }
  // Exit explicitly: idle keep-alive sockets would otherwise keep the process alive.
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(0));
}

main();
