//! hcbench driver for Rust HTTP clients (the protocol is in docs/drivers.md).
//!
//! Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
//! loop with the client it names, and prints one JSON report line on stdout. Clients:
//! reqwest (blocking and async), ureq and hyper's client (clients.rs), all over native-tls
//! (OpenSSL). At concurrency N the blocking clients run N threads sharing the client, the
//! async ones N requests at once on one current-thread tokio runtime. Built offline against
//! Debian's crates by drivers/rust/build.sh.

mod clients;
mod connections;
mod failures;
mod settings;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};
use settings::Settings;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

const PROTOCOL: u64 = 1;

/// What one request gave: status, body length and SHA-256 (when asked), or a failure kind.
pub type Outcome = Result<(u16, u64, Option<[u8; 32]>), &'static str>;

/// What the timed loop counts: one latency per checked success (with when it finished, to
/// put the workers' requests back in completion order), failures by kind.
struct Tally {
    samples: Vec<(Instant, u64)>,
    failures: BTreeMap<&'static str, u64>,
    body_bytes: u64,
}

impl Tally {
    fn new(capacity: usize) -> Tally {
        Tally {
            samples: Vec::with_capacity(capacity),
            failures: BTreeMap::new(),
            body_bytes: 0,
        }
    }

    /// Counts one finished request: timed if it passed its checks, else a failure.
    fn settle(&mut self, s: &Settings, outcome: Outcome, started: Instant) -> Instant {
        let kind = outcome
            .and_then(|(status, length, digest)| s.check(status, length, digest).map(|_| length));
        let finished = Instant::now();
        match kind {
            Ok(length) => {
                self.samples
                    .push((finished, (finished - started).as_nanos() as u64));
                self.body_bytes += length;
            }
            Err(kind) => *self.failures.entry(kind).or_insert(0) += 1,
        }
        finished
    }

    /// The workers' counts together, the latencies in the order the requests finished.
    fn merge(mut tallies: Vec<Tally>) -> Tally {
        if tallies.len() == 1 {
            return tallies.pop().unwrap();
        }
        let mut total = Tally::new(tallies.iter().map(|t| t.samples.len()).sum());
        for tally in tallies {
            total.samples.extend(tally.samples);
            total.body_bytes += tally.body_bytes;
            for (kind, count) in tally.failures {
                *total.failures.entry(kind).or_insert(0) += count;
            }
        }
        total.samples.sort_by_key(|&(finished, _)| finished);
        total
    }
}

/// The requests of one phase (warm-up or timed loop), taken one at a time by N workers: the
/// count splits across them exactly, and a worker whose requests are quicker takes more, so
/// N stay in flight until the last few (docs/drivers.md, section 3).
struct Tickets(AtomicI64);

impl Tickets {
    fn new(count: u64) -> Tickets {
        Tickets(AtomicI64::new(count as i64))
    }

    fn take(&self) -> bool {
        self.0.fetch_sub(1, Ordering::Relaxed) > 0
    }
}

fn run_sync(
    fetch: &mut dyn FnMut() -> Outcome,
    tickets: &Tickets,
    s: &Settings,
    deadline: Option<Instant>,
) -> Tally {
    let mut tally = Tally::new((s.cycles / s.concurrency) as usize + 1);
    while tickets.take() {
        let started = Instant::now();
        let outcome = fetch();
        let finished = tally.settle(s, outcome, started);
        if deadline.map_or(false, |d| finished >= d) {
            break;
        }
    }
    tally
}

/// The same loop for the async clients; it runs inside their event loop, so no per-request
/// runtime start-up is timed.
async fn run_async<F, Fut>(
    fetch: &F,
    tickets: &Tickets,
    s: &Settings,
    deadline: Option<Instant>,
) -> Tally
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let mut tally = Tally::new((s.cycles / s.concurrency) as usize + 1);
    while tickets.take() {
        let started = Instant::now();
        let outcome = fetch().await;
        let finished = tally.settle(s, outcome, started);
        if deadline.map_or(false, |d| finished >= d) {
            break;
        }
    }
    tally
}

/// N workers of an async client: N requests at once in this one task of the runtime, each
/// future polled when its I/O is ready (FuturesUnordered).
async fn run_concurrently<F, Fut>(
    fetch: &F,
    count: u64,
    s: &Settings,
    deadline: Option<Instant>,
) -> Vec<Tally>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let tickets = Tickets::new(count);
    let mut workers: FuturesUnordered<_> = (0..s.concurrency)
        .map(|_| run_async(fetch, &tickets, s, deadline))
        .collect();
    let mut tallies = Vec::new();
    while let Some(tally) = workers.next().await {
        tallies.push(tally);
    }
    tallies
}

/// The measured window: wall clock, this process's CPU (every thread: reqwest's blocking
/// client runs its I/O on a thread of its own) and the connections opened.
pub struct Window {
    started: Instant,
    deadline: Option<Instant>,
    usage: libc::rusage,
}

pub struct Measured {
    tally: Tally,
    wall: Duration,
    user_seconds: f64,
    system_seconds: f64,
    connections: u64,
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

fn seconds(time: libc::timeval) -> f64 {
    time.tv_sec as f64 + time.tv_usec as f64 / 1e6
}

impl Window {
    pub fn open(s: &Settings) -> Window {
        connections::reset();
        let usage = rusage();
        let started = Instant::now();
        let deadline = (s.duration_seconds > 0.0)
            .then(|| started + Duration::from_secs_f64(s.duration_seconds));
        Window {
            started,
            deadline,
            usage,
        }
    }

    /// Closes the window, then merges the workers' counts: sorting is not the client's work.
    fn close(self, tallies: Vec<Tally>) -> Measured {
        let wall = self.started.elapsed();
        let connections = connections::count();
        let usage = rusage();
        Measured {
            tally: Tally::merge(tallies),
            wall,
            user_seconds: (seconds(usage.ru_utime) - seconds(self.usage.ru_utime)).max(0.0),
            system_seconds: (seconds(usage.ru_stime) - seconds(self.usage.ru_stime)).max(0.0),
            connections,
        }
    }
}

/// Runs the warm-up and the timed loop of a blocking client: one request at a time on this
/// thread at concurrency 1, else N threads, each with its own fetch (made by `worker`, which
/// is called before the warm-up), sharing the client the fetches refer to. The threads run
/// both phases; they wait at a barrier between them while the window opens.
pub fn measure_sync<W, F>(worker: W, s: &Settings) -> Measured
where
    W: Fn() -> F,
    F: FnMut() -> Outcome + Send,
{
    if s.concurrency == 1 {
        let mut fetch = worker();
        run_sync(&mut fetch, &Tickets::new(s.warmup), s, None);
        let window = Window::open(s);
        let tally = run_sync(&mut fetch, &Tickets::new(s.cycles), s, window.deadline);
        return window.close(vec![tally]);
    }
    let fetches: Vec<F> = (0..s.concurrency).map(|_| worker()).collect();
    let warmup = Tickets::new(s.warmup);
    let timed = Tickets::new(s.cycles);
    let barrier = Barrier::new(fetches.len() + 1);
    let deadline = Mutex::new(None);
    std::thread::scope(|scope| {
        let threads: Vec<_> = fetches
            .into_iter()
            .map(|mut fetch| {
                let (warmup, timed, barrier, deadline) = (&warmup, &timed, &barrier, &deadline);
                scope.spawn(move || {
                    run_sync(&mut fetch, warmup, s, None);
                    barrier.wait(); // every worker has finished the warm-up
                    barrier.wait(); // the window is open
                    let deadline = *deadline.lock().unwrap();
                    run_sync(&mut fetch, timed, s, deadline)
                })
            })
            .collect();
        barrier.wait();
        let window = Window::open(s);
        *deadline.lock().unwrap() = window.deadline;
        barrier.wait();
        let tallies = threads
            .into_iter()
            .map(|thread| thread.join().expect("a worker thread panicked"))
            .collect();
        window.close(tallies)
    })
}

/// Runs the warm-up and the timed loop of an async client inside a current-thread runtime,
/// N requests at once (one at a time at concurrency 1).
pub fn measure_async<F, Fut>(runtime: &tokio::runtime::Runtime, fetch: F, s: &Settings) -> Measured
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    runtime.block_on(async {
        run_concurrently(&fetch, s.warmup, s, None).await;
        let window = Window::open(s);
        let tally = run_concurrently(&fetch, s.cycles, s, window.deadline).await;
        window.close(tally)
    })
}

/// The version of a crate as the Cargo.lock of this build recorded it (build.sh builds from a
/// copy of the crate, where cargo writes it).
pub fn crate_version(name: &str) -> String {
    let lock = include_str!("../Cargo.lock");
    let needle = format!("name = \"{}\"\nversion = \"", name);
    lock.find(&needle)
        .and_then(|at| lock[at + needle.len()..].split('"').next())
        .map(|version| format!("{} {}", name, version))
        .unwrap_or_else(|| name.to_string())
}

fn report(s: &Settings, library: &str, m: Measured) -> Value {
    let failures: Map<String, Value> = m
        .tally
        .failures
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "protocol": PROTOCOL,
        "status": "ok",
        "requests": m.tally.samples.len(),
        "failures": failures,
        "wall_seconds": m.wall.as_secs_f64(),
        "cpu": {"user_seconds": m.user_seconds, "system_seconds": m.system_seconds},
        "latencies_ns": m.tally.samples.iter().map(|&(_, latency)| latency).collect::<Vec<_>>(),
        "body_bytes": m.tally.body_bytes,
        "connections_opened": m.connections,
        // Every counted response was checked to have come over this version.
        "http_version": s.http_version,
        "client": {"name": s.client, "version": library,
                   "runtime": option_env!("HCBENCH_RUSTC_VERSION").unwrap_or("rustc")},
    })
}

fn run() -> Result<Value, String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("reading stdin: {}", e))?;
    let s = Settings::parse(&input)?;
    if s.protocol != PROTOCOL {
        return Err(format!(
            "hcbench speaks protocol {}, this driver {}",
            s.protocol, PROTOCOL
        ));
    }
    if s.concurrency < 1 {
        return Err("concurrency must be at least 1".into());
    }
    if s.http_version != "1.1" && s.http_version != "2" {
        return Err(format!(
            "http_version must be \"1.1\" or \"2\", not \"{}\"",
            s.http_version
        ));
    }
    if let Some(reason) = clients::not_applicable(&s) {
        return Ok(json!({"protocol": PROTOCOL, "status": "skipped", "reason": reason}));
    }
    let (library, measured) = clients::measure(&s)?;
    Ok(report(&s, &library, measured))
}

fn main() {
    let report = run().unwrap_or_else(
        |reason| json!({"protocol": PROTOCOL, "status": "error", "reason": reason}),
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", report);
    let _ = out.flush();
    // Exit at once: idle pooled connections and reqwest's blocking runtime thread have
    // nothing left to do, and tearing them down would only delay the report's end.
    std::process::exit(0);
}
