// The bare loop beside hcbench's node.http.keep-alive.discard-body row
// (bench/overhead_drivers.sh).
//
// The same requests as the driver's row, with nothing around them: http.get() through one
// keep-alive Agent with one socket, the body read chunk by chunk and dropped, the status
// checked and nothing else; no clock per request, one clock read at the start of the timed
// loop and one at its end. The client is set up as the driver sets it up
// (drivers/node/hcbench_driver.mjs, httpClient: the Agent, the request timeout and its
// handler, one request awaited at a time), so that what differs between the two is the
// driver's measuring alone. The warm-up lets V8 compile the request path first, as the
// driver's does.
//
// Usage: node http_keep_alive_loop.mjs URL CYCLES WARMUP   (prints requests/s)
import http from 'node:http';
import process from 'node:process';

// hcbench run's default --timeout, which the driver's row sets on every request.
const TIMEOUT_MS = 30_000;

const [url, cyclesText, warmupText] = process.argv.slice(2);
if (!url || cyclesText === undefined || warmupText === undefined) {
  process.stderr.write('usage: http_keep_alive_loop.mjs URL CYCLES WARMUP\n');
  process.exit(2);
}
const cycles = Number(cyclesText);
const warmup = Number(warmupText);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const options = { agent, timeout: TIMEOUT_MS };
const drop = () => {};

// One request: resolves to its status once the whole body has been read.
const get = () => new Promise((resolve, reject) => {
  const request = http.get(url, options, (response) => {
    response.on('data', drop);
    response.on('end', () => resolve(response.statusCode));
    response.on('error', reject);
  });
  request.on('timeout', () => request.destroy(new Error('request timed out')));
  request.on('error', reject);
});

async function run(count) {
  let failures = 0;
  for (let i = 0; i < count; i++) {
    if ((await get()) !== 200) failures++;
  }
  return failures;
}

let failures = await run(warmup);
const started = process.hrtime.bigint();
failures += await run(cycles);
const wallNs = process.hrtime.bigint() - started;
if (failures) {
  process.stderr.write(`${failures} requests failed\n`);
  process.exit(1);
}
// Exit explicitly: the idle keep-alive socket would otherwise keep the process alive.
process.stdout.write(`${(cycles / (Number(wallNs) / 1e9)).toFixed(1)}\n`, () => process.exit(0));
