//! Server processes: each one started on the listening socket `gatic dev`
//! owns, by the systemd socket-activation protocol, and known to be ready
//! when it says so by the notify protocol; stopped with SIGTERM, which the
//! runtime answers by draining.

use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

/// How long a new server may take to say it is ready before it is given
/// up on (and the old one kept).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts the server: `sh` moves its standard input (a descriptor of the
/// API's listening socket) to descriptor 3 and its standard output (the
/// admin listener's socket) to descriptor 4, sends the server's standard
/// output to its standard error, sets `LISTEN_FDS=2` and `LISTEN_PID` to
/// its own pid, and `exec`s the server, which keeps that pid. Standard
/// library processes cannot place descriptors at 3 and 4 without `unsafe`
/// code between fork and exec; the shell does it, and knows the pid the
/// server will have, which a parent cannot know before the fork.
const LAUNCH: &str = r#"exec 3<&0 4>&1 0</dev/null 1>&2; export LISTEN_FDS=2 LISTEN_FDNAMES=api:admin LISTEN_PID=$$; exec "$0""#;

/// A running server process.
pub(super) struct Server {
    child: Child,
    /// Its socket for notifications, removed when it is dropped.
    notify_path: PathBuf,
    notify: UnixDatagram,
}

/// Why a new server is not serving.
pub(super) enum StartFailed {
    /// It exited, failed to start or was not ready in time: the reason.
    Failed(String),
    /// `gatic dev` was told to stop meanwhile.
    Stopped,
}

impl Server {
    /// Starts `executable` in `dir` on `listener` (and `admin`, its admin
    /// listener, where the control panel is), with `PORT` set to the port
    /// it serves and `NOTIFY_SOCKET` to a new socket at `notify_path`, and
    /// waits until it says it is ready: the time that took. The server
    /// writes its logs (the access log too) to this process's stderr.
    pub(super) fn start(
        executable: &Path,
        dir: &Path,
        (listener, admin): (&TcpListener, &TcpListener),
        port: u16,
        notify_path: PathBuf,
        stop: &AtomicBool,
    ) -> Result<(Server, Duration), StartFailed> {
        let started = Instant::now();
        let _ = std::fs::remove_file(&notify_path);
        let notify = UnixDatagram::bind(&notify_path).map_err(|e| {
            StartFailed::Failed(format!(
                "cannot bind its notify socket {}: {e}",
                notify_path.display()
            ))
        })?;
        notify
            .set_read_timeout(Some(Duration::from_millis(10)))
            .map_err(|e| StartFailed::Failed(e.to_string()))?;
        let share = |socket: &TcpListener| {
            socket
                .try_clone()
                .map(OwnedFd::from)
                .map_err(|e| StartFailed::Failed(format!("cannot share the socket: {e}")))
        };
        let (socket, admin) = (share(listener)?, share(admin)?);
        let child = Command::new("sh")
            .args(["-c", LAUNCH])
            .arg(executable)
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("NOTIFY_SOCKET", &notify_path)
            .env_remove("LISTEN_FDS_FIRST_FD")
            // The admin listener is the one passed: a server binding
            // GATI_ADMIN_PORT while the one it replaces still holds it would
            // not start.
            .env_remove("GATI_ADMIN_PORT")
            .stdin(Stdio::from(socket))
            .stdout(Stdio::from(admin))
            .spawn()
            .map_err(|e| StartFailed::Failed(format!("cannot start it: {e}")))?;
        let mut server = Server {
            child,
            notify_path,
            notify,
        };
        let mut buf = [0u8; 512];
        loop {
            if let Ok(n) = server.notify.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]);
                if text.lines().any(|line| line == "READY=1") {
                    return Ok((server, started.elapsed()));
                }
            }
            if let Some(status) = server.exited() {
                return Err(StartFailed::Failed(format!(
                    "exited before it was ready ({status})"
                )));
            }
            if stop.load(Ordering::Relaxed) {
                server.kill();
                return Err(StartFailed::Stopped);
            }
            if started.elapsed() > READY_TIMEOUT {
                server.kill();
                return Err(StartFailed::Failed(format!(
                    "was not ready after {} s (gatic dev waits for the `READY=1` that the generated crate's `run` sends to NOTIFY_SOCKET once it serves the socket it was handed)",
                    READY_TIMEOUT.as_secs()
                )));
            }
        }
    }

    /// The process id.
    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to drain and stop (SIGTERM).
    pub(super) fn terminate(&self) {
        let _ = kill_process(Pid::from_child(&self.child), Signal::TERM);
    }

    /// Kills the server and reaps it.
    pub(super) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// How the server exited, once it has.
    pub(super) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.notify_path);
    }
}

/// A replaced server, draining since `since`.
pub(super) struct Draining {
    pub server: Server,
    pub since: Instant,
}
