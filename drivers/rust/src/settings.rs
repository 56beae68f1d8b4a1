//! The cell's settings (docs/drivers.md, section 2) and the checks every response passes.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub struct Settings {
    pub protocol: u64,
    pub client: String,
    pub url: String,
    pub cycles: u64,
    pub warmup: u64,
    pub duration_seconds: f64,
    pub concurrency: u64,
    pub http_version: String,
    pub verify: String,
    pub expected_status: u16,
    pub expected_length: u64,
    pub expected_digest: Option<[u8; 32]>,
    pub insecure: bool,
    pub cacert: Option<String>,
    pub timeout: Duration,
}

fn parse_repr_digest(value: &str) -> Result<[u8; 32], String> {
    let inner = value
        .strip_prefix("sha-256=:")
        .and_then(|rest| rest.strip_suffix(':'))
        .ok_or_else(|| "expected_digest is not of the form sha-256=:<base64>:".to_string())?;
    let bytes = base64::decode(inner).map_err(|e| format!("expected_digest: {}", e))?;
    bytes
        .try_into()
        .map_err(|_| "expected_digest is not 32 bytes".to_string())
}

impl Settings {
    pub fn parse(input: &str) -> Result<Settings, String> {
        let cell: Value =
            serde_json::from_str(input).map_err(|e| format!("the cell is not JSON: {}", e))?;
        let text = |name: &str, default: &str| cell[name].as_str().unwrap_or(default).to_string();
        let unsigned = |name: &str, default: u64| cell[name].as_u64().unwrap_or(default);
        let verify = text("verify", "length");
        let expected_digest = if verify == "digest" {
            Some(parse_repr_digest(
                cell["expected_digest"].as_str().unwrap_or(""),
            )?)
        } else {
            None
        };
        let cacert = text("cacert", "");
        Ok(Settings {
            protocol: unsigned("protocol", 0),
            client: text("client", ""),
            url: cell["url"]
                .as_str()
                .ok_or("the cell has no url")?
                .to_string(),
            cycles: unsigned("cycles", 0),
            warmup: unsigned("warmup", 0),
            duration_seconds: cell["duration_seconds"].as_f64().unwrap_or(0.0),
            concurrency: unsigned("concurrency", 1),
            http_version: text("http_version", "1.1"),
            verify,
            expected_status: unsigned("expected_status", 200) as u16,
            expected_length: unsigned("expected_length", 0),
            expected_digest,
            insecure: cell["insecure"].as_bool().unwrap_or(true),
            cacert: (!cacert.is_empty()).then(|| cacert),
            timeout: Duration::from_secs_f64(
                cell["request_timeout_seconds"].as_f64().unwrap_or(30.0),
            ),
        })
    }

    /// HTTP/2 asked: h2 by ALPN over https, h2c with prior knowledge over http.
    pub fn http2(&self) -> bool {
        self.http_version == "2"
    }

    pub fn want_digest(&self) -> bool {
        self.expected_digest.is_some()
    }

    /// Ok, or the failure kind of a response that arrived whole but is not the one expected.
    pub fn check(
        &self,
        status: u16,
        length: u64,
        digest: Option<[u8; 32]>,
    ) -> Result<(), &'static str> {
        if status != self.expected_status {
            return Err("status");
        }
        if self.verify != "none" && length != self.expected_length {
            return Err("length");
        }
        if self.expected_digest.is_some() && digest != self.expected_digest {
            return Err("digest");
        }
        Ok(())
    }

    /// Length and digest (when asked) of a saved body.
    pub fn summary(&self, body: &[u8]) -> (u64, Option<[u8; 32]>) {
        (
            body.len() as u64,
            self.want_digest().then(|| Sha256::digest(body).into()),
        )
    }

    /// The TLS settings every client uses: no verification when insecure, else the CA file
    /// or the system's roots. native-tls (OpenSSL) is the backend of all of them. Over
    /// HTTP/2, ALPN offers h2 alone (the clients then speak HTTP/2 only, with no fallback);
    /// over HTTP/1.1 no ALPN is sent, as before HTTP/2 existed here.
    pub fn tls_connector(&self) -> Result<native_tls::TlsConnector, String> {
        let mut builder = native_tls::TlsConnector::builder();
        if self.http2() {
            builder.request_alpns(&["h2"]);
        }
        if self.insecure {
            builder
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true);
        } else if let Some(path) = &self.cacert {
            builder.add_root_certificate(self.ca_certificate(path)?);
        }
        builder.build().map_err(|e| format!("TLS set-up: {}", e))
    }

    pub fn ca_certificate(&self, path: &str) -> Result<native_tls::Certificate, String> {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {}", path, e))?;
        native_tls::Certificate::from_pem(&pem).map_err(|e| format!("{}: {}", path, e))
    }
}

/// A body read without being kept: counted, and hashed when a digest is asked.
pub struct BodySink {
    hasher: Option<Sha256>,
    pub length: u64,
}

impl BodySink {
    pub fn new(s: &Settings) -> BodySink {
        BodySink {
            hasher: s.want_digest().then(Sha256::new),
            length: 0,
        }
    }

    pub fn update(&mut self, chunk: &[u8]) {
        self.length += chunk.len() as u64;
        if let Some(hasher) = &mut self.hasher {
            hasher.update(chunk);
        }
    }

    pub fn finish(self) -> (u64, Option<[u8; 32]>) {
        (self.length, self.hasher.map(|h| h.finalize().into()))
    }
}

impl std::io::Write for BodySink {
    fn write(&mut self, chunk: &[u8]) -> std::io::Result<usize> {
        self.update(chunk);
        Ok(chunk.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
