//! Watching the files a server is built from: the spec's files (through
//! their folders, since editors often save by renaming a new file over the
//! old one) and the handler crate's `Cargo.toml`, `build.rs` and `src/`.
//! Events are gathered until the files have been quiet for a moment, so an
//! editor's several writes of one save are one change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// How long the files must be quiet before a change is taken.
const QUIET: Duration = Duration::from_millis(25);

/// The longest a change is gathered, however busy the files stay.
const GATHER_AT_MOST: Duration = Duration::from_millis(300);

/// What changed.
#[derive(Debug, Default)]
pub(super) struct Changes {
    /// The spec's files (or a new `.gati` file beside them) that changed.
    pub spec: BTreeSet<PathBuf>,
    /// The handler crate's files that changed.
    pub handler: BTreeSet<PathBuf>,
    /// When the first of them was seen.
    pub first_seen: Option<Instant>,
}

impl Changes {
    /// Whether nothing relevant changed.
    pub(super) fn is_empty(&self) -> bool {
        self.spec.is_empty() && self.handler.is_empty()
    }
}

/// The watcher and what it watches.
pub(super) struct Watch {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<Event>>,
    /// The handler crate's folder, resolved.
    crate_dir: PathBuf,
    /// The spec's files, resolved.
    sources: BTreeSet<PathBuf>,
    /// Their folders.
    spec_dirs: BTreeSet<PathBuf>,
    /// The folders watched without their subfolders.
    watched: BTreeSet<PathBuf>,
}

impl Watch {
    /// Watches the handler crate in `crate_dir`: its folder (for
    /// `Cargo.toml` and `build.rs`) and its `src/`, recursively.
    pub(super) fn new(crate_dir: &Path) -> Result<Watch, String> {
        let (sender, events) = channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        })
        .map_err(|e| format!("cannot watch files: {e}"))?;
        watcher
            .watch(crate_dir, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", crate_dir.display()))?;
        let src = crate_dir.join("src");
        if src.is_dir() {
            watcher
                .watch(&src, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch {}: {e}", src.display()))?;
        }
        Ok(Watch {
            watcher,
            events,
            crate_dir: crate_dir.to_path_buf(),
            sources: BTreeSet::new(),
            spec_dirs: BTreeSet::new(),
            watched: BTreeSet::from([crate_dir.to_path_buf()]),
        })
    }

    /// Follows the spec's files (resolved paths): their folders are watched
    /// from now on. Folders no longer needed stay watched, but their events
    /// are no longer taken for changes.
    pub(super) fn follow(&mut self, sources: &[PathBuf]) {
        self.sources = sources.iter().cloned().collect();
        self.spec_dirs = sources
            .iter()
            .filter_map(|s| s.parent())
            .map(Path::to_path_buf)
            .collect();
        for dir in &self.spec_dirs {
            if !self.watched.contains(dir) {
                match self.watcher.watch(dir, RecursiveMode::NonRecursive) {
                    Ok(()) => {
                        self.watched.insert(dir.clone());
                    }
                    Err(e) => eprintln!("warning: cannot watch {}: {e}", dir.display()),
                }
            }
        }
    }

    /// Waits up to `timeout` for a change, then gathers events until the
    /// files are quiet; `None` when nothing relevant changed meanwhile.
    pub(super) fn next(&mut self, timeout: Duration) -> Option<Changes> {
        let mut changes = Changes::default();
        let deadline = Instant::now() + timeout;
        // The first relevant event.
        while changes.is_empty() {
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.events.recv_timeout(left) {
                Ok(event) => self.take(event, &mut changes),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
        // Then the rest of the save.
        let first = changes.first_seen.unwrap_or_else(Instant::now);
        while first.elapsed() < GATHER_AT_MOST {
            match self.events.recv_timeout(QUIET) {
                Ok(event) => self.take(event, &mut changes),
                Err(_) => break,
            }
        }
        Some(changes)
    }

    /// Adds what `event` changed to `changes`.
    fn take(&self, event: notify::Result<Event>, changes: &mut Changes) {
        let Ok(event) = event else {
            return;
        };
        // Opening and reading change nothing; closing a file written is
        // the end of a write.
        if let EventKind::Access(kind) = event.kind
            && kind != AccessKind::Close(AccessMode::Write)
        {
            return;
        }
        for path in event.paths {
            let side = if self.is_spec(&path) {
                &mut changes.spec
            } else if self.is_handler(&path) {
                &mut changes.handler
            } else {
                continue;
            };
            side.insert(path);
            changes.first_seen.get_or_insert_with(Instant::now);
        }
    }

    /// A spec file, or a `.gati` file in a folder of the spec's (one that a
    /// save renames over a spec file, or that a new `use` will name).
    fn is_spec(&self, path: &Path) -> bool {
        self.sources.contains(path)
            || (path.extension().is_some_and(|e| e == "gati")
                && path.parent().is_some_and(|p| self.spec_dirs.contains(p)))
    }

    /// A file the handler crate is built from: its manifest, its build
    /// script, or Rust source under `src/`.
    fn is_handler(&self, path: &Path) -> bool {
        path == self.crate_dir.join("Cargo.toml")
            || path == self.crate_dir.join("build.rs")
            || (path.starts_with(self.crate_dir.join("src"))
                && path.extension().is_some_and(|e| e == "rs"))
    }
}
