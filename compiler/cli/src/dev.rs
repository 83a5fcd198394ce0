//! `gatic dev`: serves the spec's handler crate, and on every change to the
//! spec (or a file it `use`s) or to the handler crate, re-checks,
//! regenerates, rebuilds and swaps the server without refusing a
//! connection.
//!
//! `gatic dev` binds the API's listening socket itself and keeps it open for
//! its whole run. Each server it starts (the handler crate's binary, built
//! in debug) is handed that socket by the systemd socket-activation
//! protocol (`LISTEN_FDS`, file descriptor 3; the runtime's
//! `inherited_listener`) and says when it accepts on it (`READY=1` on
//! `NOTIFY_SOCKET`). Only then is the server it replaces sent SIGTERM, and
//! that one drains (in-flight requests finish) while the new one serves.
//! Connections that arrive in between wait in the socket's queue, which
//! stays open, instead of being refused. A spec error, a build error or a
//! server that dies before it is ready leaves the last good server serving.
//!
//! The admin listener (probes, `/metrics` and the control panel at
//! `/_gati/`) is held the same way, as descriptor 4 (`GATI_ADMIN_PORT`'s
//! port, else one the system picks, printed at start): the panel keeps its
//! address across swaps. The servers' stdout (the access log) goes to
//! `gatic dev`'s stderr, with their other logs.
//!
//! The parts: `dev/watch.rs` watches the files and says which side
//! changed; `dev/build.rs` checks and regenerates (the library's
//! `compile_path`, `generate_all` and `write_outputs`, which writes only
//! changed files) and runs `cargo build`; `dev/server.rs` starts, swaps and
//! stops server processes; `dev/session.rs` is the loop, and prints each
//! step's time. Unix only: the socket is handed over by file descriptor.

#[cfg(unix)]
mod build;
#[cfg(unix)]
mod server;
#[cfg(unix)]
mod session;
#[cfg(unix)]
mod watch;

use std::path::Path;
use std::process::ExitCode;

/// Runs `gatic dev` on `spec` (the current folder's spec when `None`),
/// serving on `port` (else `PORT`, else 8080) until SIGINT, SIGTERM or
/// SIGHUP; exit 2 when it cannot start.
pub fn run(spec: Option<&Path>, port: Option<u16>) -> ExitCode {
    #[cfg(unix)]
    {
        match session::run(spec, port) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (spec, port);
        eprintln!(
            "error: gatic dev needs a Unix system: it hands its listening socket to each server by file descriptor"
        );
        ExitCode::from(2)
    }
}
