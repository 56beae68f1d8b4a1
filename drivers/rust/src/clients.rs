//! The clients, in the original's terms: reuse connections (keep-alive) or not, reuse the
//! client or make a new one per request, save the body to a new buffer or stream it through
//! and discard it. A client name is LIBRARY.CONNECTIONS.BODY, for instance
//! `reqwest.blocking.keep-alive.save-body` or `hyper.new-client.save-body`.
//!
//! At concurrency N the blocking clients (reqwest's blocking Client, ureq's Agent) are
//! shared by N threads, and the async ones (reqwest's Client, hyper's) by N requests at once
//! on one current-thread runtime. Over HTTP/2 (the keep-alive rows of reqwest and hyper)
//! the client speaks HTTP/2 only: h2 offered alone by ALPN over https, prior knowledge over
//! http; the N requests are streams on one connection.

use crate::failures::{body_kind_of, kind_of};
use crate::settings::{BodySink, Settings};
use crate::{crate_version, measure_async, measure_sync, Measured, Outcome};
use hyper::body::HttpBody;
use std::io::Read;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    KeepAlive, // one client, idle connections kept in its pool
    NoReuse,   // one client whose pool keeps no idle connection: a connection per request
    NewClient, // a new client (pool, TLS context) per request, dropped after it
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Save,    // the whole body into a new buffer
    Discard, // streamed through the library's chunks into a counter (and hash), not kept
}

const LIBRARIES: [&str; 4] = ["reqwest.blocking", "reqwest.async", "ureq", "hyper"];

fn parse_client(name: &str) -> Option<(&str, Connections, Body)> {
    let (rest, body) = if let Some(rest) = name.strip_suffix(".save-body") {
        (rest, Body::Save)
    } else {
        (name.strip_suffix(".discard-body")?, Body::Discard)
    };
    let (library, connections) = if let Some(library) = rest.strip_suffix(".keep-alive") {
        (library, Connections::KeepAlive)
    } else if let Some(library) = rest.strip_suffix(".no-reuse") {
        (library, Connections::NoReuse)
    } else {
        (rest.strip_suffix(".new-client")?, Connections::NewClient)
    };
    LIBRARIES
        .contains(&library)
        .then(|| (library, connections, body))
}

/// Why this driver cannot run the cell (reported as skipped), or None when it can.
pub fn not_applicable(s: &Settings) -> Option<String> {
    let (library, connections, _) = parse_client(&s.client)?;
    if !s.http2() {
        None
    } else if library == "ureq" {
        Some("ureq 2.6 speaks HTTP/1.1 only: it has no HTTP/2 client".into())
    } else if connections != Connections::KeepAlive {
        Some(
            "this row runs HTTP/1.1 only: over HTTP/2 the client multiplexes one kept \
              connection (the keep-alive rows)"
                .into(),
        )
    } else {
        None
    }
}

/// A response that came over another HTTP version than the one asked is a protocol
/// failure, never a success (docs/drivers.md, section 4a).
fn check_version(s: &Settings, version: hyper::Version) -> Result<(), &'static str> {
    if s.http2() == (version == hyper::Version::HTTP_2) {
        Ok(())
    } else {
        Err("protocol")
    }
}

/// Runs the named client's warm-up and timed loop; returns its library label and figures.
pub fn measure(s: &Settings) -> Result<(String, Measured), String> {
    let (library, connections, body) = parse_client(&s.client).ok_or_else(|| {
        format!("unknown client '{}' (known: {}, each .keep-alive, .no-reuse or .new-client, then .save-body or .discard-body)",
                s.client, LIBRARIES.join(", "))
    })?;
    match library {
        "reqwest.blocking" => Ok((
            crate_version("reqwest") + " blocking",
            reqwest_blocking(s, connections, body)?,
        )),
        "reqwest.async" => Ok((
            crate_version("reqwest"),
            reqwest_async(s, connections, body)?,
        )),
        "ureq" => Ok((crate_version("ureq"), ureq(s, connections, body)?)),
        _ => Ok((crate_version("hyper"), hyper(s, connections, body)?)),
    }
}

fn current_thread_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {}", e))
}

// --- reqwest ------------------------------------------------------------------------------
// The version asked only (HTTP/1.1, or HTTP/2 with prior knowledge: no fallback), no proxy
// from the environment, the TLS connector every client here uses.

fn reqwest_blocking_client(
    s: &Settings,
    connections: Connections,
) -> Result<reqwest::blocking::Client, String> {
    let mut builder = reqwest::blocking::Client::builder().no_proxy();
    builder = if s.http2() {
        builder.http2_prior_knowledge()
    } else {
        builder.http1_only()
    };
    builder = builder
        .timeout(s.timeout)
        .use_preconfigured_tls(s.tls_connector()?);
    if connections == Connections::NoReuse {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder.build().map_err(|e| format!("reqwest: {}", e))
}

fn reqwest_blocking(
    s: &Settings,
    connections: Connections,
    body: Body,
) -> Result<Measured, String> {
    let url = reqwest::Url::parse(&s.url).map_err(|e| format!("url: {}", e))?;
    let shared = &reqwest_blocking_client(s, connections)?;
    let worker = || {
        let url = url.clone();
        move || -> Outcome {
            let per_request;
            let client = if connections == Connections::NewClient {
                // As reqwest::blocking::get() does: a client (and its runtime thread) per call.
                per_request = reqwest_blocking_client(s, connections).map_err(|_| "other")?;
                &per_request
            } else {
                shared
            };
            let response = client.get(url.clone()).send().map_err(|e| kind_of(&e))?;
            reqwest_blocking_read(s, response, body)
        }
    };
    Ok(measure_sync(worker, s))
}

fn reqwest_blocking_read(
    s: &Settings,
    mut response: reqwest::blocking::Response,
    body: Body,
) -> Outcome {
    check_version(s, response.version())?;
    let status = response.status().as_u16();
    let (length, digest) = match body {
        Body::Save => s.summary(&response.bytes().map_err(|e| body_kind_of(&e))?),
        Body::Discard => {
            let mut sink = BodySink::new(s);
            response.copy_to(&mut sink).map_err(|e| body_kind_of(&e))?;
            sink.finish()
        }
    };
    Ok((status, length, digest))
}

fn reqwest_async_client(s: &Settings, connections: Connections) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder().no_proxy();
    builder = if s.http2() {
        builder.http2_prior_knowledge()
    } else {
        builder.http1_only()
    };
    builder = builder
        .timeout(s.timeout)
        .use_preconfigured_tls(s.tls_connector()?);
    if connections == Connections::NoReuse {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder.build().map_err(|e| format!("reqwest: {}", e))
}

async fn reqwest_fetch(
    client: &reqwest::Client,
    url: reqwest::Url,
    s: &Settings,
    body: Body,
) -> Outcome {
    let mut response = client.get(url).send().await.map_err(|e| kind_of(&e))?;
    check_version(s, response.version())?;
    let status = response.status().as_u16();
    let (length, digest) = match body {
        Body::Save => s.summary(&response.bytes().await.map_err(|e| body_kind_of(&e))?),
        Body::Discard => {
            let mut sink = BodySink::new(s);
            while let Some(chunk) = response.chunk().await.map_err(|e| body_kind_of(&e))? {
                sink.update(&chunk);
            }
            sink.finish()
        }
    };
    Ok((status, length, digest))
}

fn reqwest_async(s: &Settings, connections: Connections, body: Body) -> Result<Measured, String> {
    let url = reqwest::Url::parse(&s.url).map_err(|e| format!("url: {}", e))?;
    let runtime = current_thread_runtime()?;
    let shared = reqwest_async_client(s, connections)?;
    let fetch = || {
        let (shared, url) = (&shared, url.clone());
        async move {
            if connections == Connections::NewClient {
                let client = reqwest_async_client(s, connections).map_err(|_| "other")?;
                reqwest_fetch(&client, url, s, body).await
            } else {
                reqwest_fetch(shared, url, s, body).await
            }
        }
    };
    Ok(measure_async(&runtime, fetch, s))
}

// --- ureq ---------------------------------------------------------------------------------
// Blocking, on std's TcpStream; no proxy unless one is configured (none is).

fn ureq_agent(s: &Settings, connections: Connections) -> Result<ureq::Agent, String> {
    let mut builder = ureq::AgentBuilder::new()
        .timeout(s.timeout)
        .tls_connector(Arc::new(s.tls_connector()?));
    if connections == Connections::KeepAlive {
        // ureq keeps one idle connection per host by default: N threads need N kept.
        let n = s.concurrency as usize;
        builder = builder
            .max_idle_connections(n.max(100))
            .max_idle_connections_per_host(n);
    } else if connections == Connections::NoReuse {
        builder = builder
            .max_idle_connections(0)
            .max_idle_connections_per_host(0);
    }
    Ok(builder.build())
}

fn ureq(s: &Settings, connections: Connections, body: Body) -> Result<Measured, String> {
    let shared = &ureq_agent(s, connections)?;
    let worker = || move || -> Outcome {
        let per_request;
        let agent = if connections == Connections::NewClient {
            // As ureq::get() does: a new Agent (and connection pool) per call.
            per_request = ureq_agent(s, connections).map_err(|_| "other")?;
            &per_request
        } else {
            shared
        };
        let response = match agent.get(&s.url).call() {
            Ok(response) => response,
            // ureq returns a status >= 400 as an error that still holds the response.
            Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(transport)) => return Err(kind_of(&transport)),
        };
        let status = response.status();
        let mut reader = response.into_reader();
        let (length, digest) = match body {
            Body::Save => {
                let mut saved = Vec::new();
                reader
                    .read_to_end(&mut saved)
                    .map_err(|e| body_kind_of(&e))?;
                s.summary(&saved)
            }
            Body::Discard => {
                let mut sink = BodySink::new(s);
                std::io::copy(&mut reader, &mut sink).map_err(|e| body_kind_of(&e))?;
                sink.finish()
            }
        };
        Ok((status, length, digest))
    };
    Ok(measure_sync(worker, s))
}

// --- hyper --------------------------------------------------------------------------------
// hyper's Client over HttpConnector and hyper-tls, on a current-thread tokio runtime.

type HyperClient = hyper::Client<hyper_tls::HttpsConnector<hyper::client::HttpConnector>>;

fn hyper_client(s: &Settings, connections: Connections) -> Result<HyperClient, String> {
    let mut http = hyper::client::HttpConnector::new();
    http.enforce_http(false); // https:// URLs are handed on to the TLS layer
    http.set_nodelay(true); // as reqwest sets it on the same connector
    http.set_connect_timeout(Some(s.timeout));
    let tls = tokio_native_tls::TlsConnector::from(s.tls_connector()?);
    let mut builder = hyper::Client::builder();
    builder.http2_only(s.http2());
    if connections == Connections::NoReuse {
        builder.pool_max_idle_per_host(0);
    }
    Ok(builder.build(hyper_tls::HttpsConnector::from((http, tls))))
}

async fn hyper_fetch(client: &HyperClient, uri: hyper::Uri, s: &Settings, body: Body) -> Outcome {
    let exchange = async {
        let response = client.get(uri).await.map_err(|e| kind_of(&e))?;
        check_version(s, response.version())?;
        let status = response.status().as_u16();
        let mut stream = response.into_body();
        let (length, digest) = match body {
            Body::Save => s.summary(
                &hyper::body::to_bytes(stream)
                    .await
                    .map_err(|e| body_kind_of(&e))?,
            ),
            Body::Discard => {
                let mut sink = BodySink::new(s);
                while let Some(chunk) = stream.data().await {
                    sink.update(&chunk.map_err(|e| body_kind_of(&e))?);
                }
                sink.finish()
            }
        };
        Ok((status, length, digest))
    };
    // hyper has no request timeout of its own.
    tokio::time::timeout(s.timeout, exchange)
        .await
        .unwrap_or(Err("timeout"))
}

fn hyper(s: &Settings, connections: Connections, body: Body) -> Result<Measured, String> {
    let uri: hyper::Uri = s.url.parse().map_err(|e| format!("url: {}", e))?;
    let runtime = current_thread_runtime()?;
    let shared = hyper_client(s, connections)?;
    let fetch = || {
        let (shared, uri) = (&shared, uri.clone());
        async move {
            if connections == Connections::NewClient {
                let client = hyper_client(s, connections).map_err(|_| "other")?;
                hyper_fetch(&client, uri, s, body).await
            } else {
                hyper_fetch(shared, uri, s, body).await
            }
        }
    };
    Ok(measure_async(&runtime, fetch, s))
}
