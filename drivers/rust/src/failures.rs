//! Failure kinds (docs/drivers.md, section 4) of the errors reqwest, ureq and hyper return.
//!
//! The libraries wrap the root cause (reqwest around hyper around io::Error, hyper-tls and
//! ureq around native-tls), so the innermost error in the source chain that names a kind
//! decides, as in the Python driver.

use std::error::Error;
use std::io::ErrorKind;

pub fn kind_of(error: &(dyn Error + 'static)) -> &'static str {
    let mut found = None;
    let mut item = Some(error);
    for _ in 0..16 {
        let e = match item {
            Some(e) => e,
            None => break,
        };
        found = kind_of_one(e).or(found);
        item = e.source();
    }
    found.unwrap_or_else(|| {
        // A TLS failure can reach us only as text (ureq turns native-tls's handshake error,
        // which is generic over the stream, into an io::Error of kind Other).
        let text = format!("{:?}", error).to_lowercase();
        if ["ssl", "tls", "certificate", "handshake"]
            .iter()
            .any(|w| text.contains(w))
        {
            "tls"
        } else {
            "other"
        }
    })
}

/// The kind of an error met while reading the body, after the status and headers arrived:
/// a connection closed or reset there is a body cut short, which is a length failure.
pub fn body_kind_of(error: &(dyn Error + 'static)) -> &'static str {
    match kind_of(error) {
        "connect" => "length",
        kind => kind,
    }
}

fn kind_of_one(e: &(dyn Error + 'static)) -> Option<&'static str> {
    if e.is::<native_tls::Error>() {
        return Some("tls");
    }
    if e.is::<tokio::time::error::Elapsed>() {
        return Some("timeout");
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Some("timeout"),
            ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::NotConnected
            | ErrorKind::AddrNotAvailable
            | ErrorKind::UnexpectedEof => Some("connect"),
            ErrorKind::InvalidData => Some("protocol"),
            _ => None,
        };
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>() {
        if h.is_timeout() {
            return Some("timeout");
        }
        if h.is_parse() || h.is_parse_status() || h.is_user() {
            return Some("protocol");
        }
        if h.is_incomplete_message() || h.is_closed() || h.is_connect() || h.is_canceled() {
            return Some("connect");
        }
        return None;
    }
    if let Some(r) = e.downcast_ref::<reqwest::Error>() {
        if r.is_timeout() {
            return Some("timeout");
        }
        if r.is_connect() {
            return Some("connect");
        }
        return None;
    }
    if let Some(t) = e.downcast_ref::<ureq::Transport>() {
        return match t.kind() {
            ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Dns => Some("connect"),
            ureq::ErrorKind::BadStatus | ureq::ErrorKind::BadHeader => Some("protocol"),
            _ => None,
        };
    }
    None
}
