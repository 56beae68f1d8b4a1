//! Connections opened, for the report's connections_opened.
//!
//! Every client here connects through the C library's connect(): std's TcpStream (ureq),
//! and mio and socket2 under tokio (hyper, reqwest). Defining `connect` in this executable
//! makes the linker bind all of those calls to the definition below, which counts stream
//! sockets and makes the system call itself: one wrapper counts every library, as the Python
//! driver's socket.connect wrapper and the Node.js driver's net.Socket.connect wrapper do.

use std::sync::atomic::{AtomicU64, Ordering};

static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

pub fn reset() {
    CONNECTIONS.store(0, Ordering::Relaxed);
}

pub fn count() -> u64 {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// # Safety
/// The same contract as connect(2): `address` points to `length` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn connect(
    fd: libc::c_int,
    address: *const libc::sockaddr,
    length: libc::socklen_t,
) -> libc::c_int {
    let mut kind: libc::c_int = 0;
    let mut size = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    let is_stream = libc::getsockopt(
        fd,
        libc::SOL_SOCKET,
        libc::SO_TYPE,
        (&mut kind as *mut libc::c_int).cast(),
        &mut size,
    ) == 0
        && kind == libc::SOCK_STREAM;
    if is_stream {
        CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    }
    libc::syscall(libc::SYS_connect, fd, address, length) as libc::c_int
}
