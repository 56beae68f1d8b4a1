//! The bare loop beside hcbench's rust.reqwest.blocking.keep-alive.discard-body row
//! (bench/overhead_drivers.sh).
//!
//! The same requests as the driver's row, with nothing around them: one blocking reqwest
//! Client, the body copied into `std::io::sink()`, the status checked and nothing else; no
//! clock per request, one clock read at the start of the timed loop and one at its end. The
//! client is set up as the driver sets it up (drivers/rust/src/clients.rs: no proxy, HTTP/1.1
//! only, the request timeout, one parsed Url cloned per request) and built by the driver's
//! build.sh with the same crates and profile, so that what differs between the two is the
//! driver's measuring alone.
//!
//! Usage: hcbench-bare-rust URL CYCLES WARMUP   (prints requests/s)

use std::time::{Duration, Instant};

/// hcbench run's default --timeout, which the driver's row gives its Client.
const TIMEOUT: Duration = Duration::from_secs(30);

/// URL, CYCLES and WARMUP from the command line.
fn arguments() -> Option<(reqwest::Url, u64, u64)> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return None;
    }
    let url = reqwest::Url::parse(&args[1]).ok()?;
    Some((url, args[2].parse().ok()?, args[3].parse().ok()?))
}

fn main() {
    let (url, cycles, warmup) = arguments().unwrap_or_else(|| {
        eprintln!("usage: hcbench-bare-rust URL CYCLES WARMUP");
        std::process::exit(2);
    });
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .http1_only()
        .timeout(TIMEOUT)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("reqwest: {}", e);
            std::process::exit(2);
        });
    let fetch = || -> bool {
        match client.get(url.clone()).send() {
            Ok(mut response) => {
                let status = response.status().as_u16();
                response.copy_to(&mut std::io::sink()).is_ok() && status == 200
            }
            Err(_) => false,
        }
    };
    let run = |count: u64| (0..count).filter(|_| !fetch()).count();

    let mut failures = run(warmup);
    let started = Instant::now();
    failures += run(cycles);
    let wall = started.elapsed();
    if failures > 0 {
        eprintln!("{} requests failed", failures);
        std::process::exit(1);
    }
    println!("{:.1}", cycles as f64 / wall.as_secs_f64());
    // Exit at once, as the driver does: the pooled connection and reqwest's runtime thread
    // have nothing left to do.
    std::process::exit(0);
}
