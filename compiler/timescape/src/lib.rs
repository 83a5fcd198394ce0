//! Timescape at build time: what changed between two versions of an API,
//! which of those changes break old clients, and whether the version history
//! covers them.
//!
//! Everything here is a pure function of IR values: the CLI reads the specs
//! (from disk or from git) and the frozen snapshots, and writes the files.
//!
//! - [`diff_api`] walks two APIs route by route and names every difference
//!   with a rule of the catalogue ([`rules`], documented in `specs/RULES.md`).
//! - [`compare`] classifies each difference between two specs as compatible,
//!   breaking but covered by the new spec's history, or breaking and uncovered.
//! - [`freeze`] and [`verify`] write and check `.gati/versions/<date>.json`;
//!   [`refresh`] records compatible changes in them.
//! - [`render`] prints a report as text, JSON or GitHub annotations.

mod classify;
mod diff;
mod gati;
mod origins;
mod render;
pub mod rules;
mod snapshot;

pub use classify::{Classified, Report, Verdict, compare, compare_with};
pub use diff::{Finding, diff_api, diff_api_with};
pub use origins::Origins;
pub use render::{Format, render, render_at, to_json};
pub use rules::{Rule, Severity, Side};
pub use snapshot::{DIR, Drift, FORMAT, Frozen, freeze, parse, refresh, suggested_entry, verify};
