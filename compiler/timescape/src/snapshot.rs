//! Frozen versions: `gatic release` writes the head's IR to
//! `.gati/versions/<date>.json`, and `gatic check` compares every frozen
//! version with the one the history rebuilds.
//!
//! The comparison uses the rule catalogue, with the frozen version as the
//! old side and the rebuilt one as the new side. What would break a client
//! pinned to the version (a `breaking` or `warning` rule) is drift the
//! history must explain; what every such client accepts (an `info` rule:
//! an added route, an optional request field, a response field, limits,
//! deprecation) applies to every version without an entry, as Stripe's
//! compatible changes do, and [`refresh`] records it in the snapshots.

use gatic_ir::{Api, OutputFile, Spec};
use serde::{Deserialize, Serialize};

use crate::classify::{complete, dedupe};
use crate::diff::{Context, Finding, diff_in};
use crate::origins::Origins;
use crate::rules::Severity;

/// The folder, beside the spec, that holds the frozen versions.
pub const DIR: &str = ".gati/versions";

/// The snapshot format this compiler writes and reads.
pub const FORMAT: u32 = 1;

/// One frozen version, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frozen {
    /// The snapshot format ([`FORMAT`]).
    pub format: u32,
    /// The service's name.
    pub service: String,
    /// The version's date.
    pub date: String,
    /// The version's title.
    pub title: String,
    /// The header clients named the version in, when not the default
    /// `Gati-Version` (left out then, so older snapshots read the same).
    #[serde(
        default = "default_version_header",
        skip_serializing_if = "is_default_version_header"
    )]
    pub version_header: String,
    /// The API as released.
    pub api: Api,
}

/// The version header a snapshot without one was released with.
fn default_version_header() -> String {
    gatic_ir::DEFAULT_VERSION_HEADER.to_string()
}

/// Whether `header` is the default, which snapshots leave out.
fn is_default_version_header(header: &str) -> bool {
    header.eq_ignore_ascii_case(gatic_ir::DEFAULT_VERSION_HEADER)
}

/// The head of `spec` frozen as its newest version's snapshot: the file
/// `.gati/versions/<date>.json` (relative to the spec's folder), pretty JSON
/// with a final newline, so the same spec always gives the same bytes.
pub fn freeze(spec: &Spec) -> Result<OutputFile, String> {
    let Some(head) = spec.versions.last() else {
        return Err(
            "the spec has no `versions` block: add one with the date of this release".to_string(),
        );
    };
    snapshot(spec, &head.date, &head.title, &spec.head)
}

/// Version `date` of `spec`, titled `title`, with the API `api`, as the
/// bytes of its snapshot file.
fn snapshot(spec: &Spec, date: &str, title: &str, api: &Api) -> Result<OutputFile, String> {
    let frozen = Frozen {
        format: FORMAT,
        service: spec.service.name.clone(),
        date: date.to_string(),
        title: title.to_string(),
        version_header: spec.service.version_header().to_string(),
        api: api.clone(),
    };
    let mut contents = serde_json::to_string_pretty(&frozen).map_err(|e| e.to_string())?;
    contents.push('\n');
    Ok(OutputFile {
        path: format!("{DIR}/{date}.json"),
        contents,
    })
}

/// Reads a frozen version.
pub fn parse(text: &str) -> Result<Frozen, String> {
    let frozen: Frozen =
        serde_json::from_str(text).map_err(|e| format!("not a frozen version: {e}"))?;
    if frozen.format != FORMAT {
        return Err(format!(
            "snapshot format {} is not the format {FORMAT} this gatic reads",
            frozen.format
        ));
    }
    Ok(frozen)
}

/// How one frozen version differs from the version the history rebuilds.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// The file's name, such as `2025-01-01.json`.
    pub file: String,
    /// The version's date, from the file name.
    pub date: String,
    /// A problem with the file itself or the history, when there is one.
    pub problem: Option<String>,
    /// The differences that break a client pinned to the version (rules of
    /// severity `breaking` or `warning`, on the wire): `old` is the frozen
    /// version, `new` the rebuilt one. Each is `E0402` until a version
    /// entry explains it.
    pub findings: Vec<Finding>,
    /// The differences every client pinned to the version accepts (rules
    /// of severity `info`, deprecation and limits included). They apply to
    /// every version and need no entry; [`refresh`] records them.
    pub compatible: Vec<Finding>,
    /// The snapshot [`refresh`] would write: the rebuilt version frozen,
    /// when its bytes differ from the file's (also for differences outside
    /// the contract, such as docs). `None` when there is a problem.
    pub refreshed: Option<OutputFile>,
}

impl Drift {
    /// Whether the version breaks its pinned clients, or the file or the
    /// history has a problem: `gatic check` fails with `E0402`.
    pub fn breaks(&self) -> bool {
        self.problem.is_some() || !self.findings.is_empty()
    }

    /// The `versions` changes that would explain the breaking differences,
    /// deduplicated. Compatible differences need none.
    pub fn suggestions(&self) -> Vec<String> {
        dedupe(self.findings.iter().filter_map(|f| f.suggestion.as_deref()))
    }
}

/// Whether a finding breaks a client pinned to the version it was found
/// in: a `breaking` rule, or a `warning` one (a request field or parameter
/// the client sends is ignored, an optional response field it reads is
/// gone). Only `info` rules are compatible.
fn breaks_pinned(f: &Finding) -> bool {
    match f.rule.severity {
        Severity::Breaking | Severity::Warning => f.rule.wire,
        Severity::Info => false,
    }
}

/// Compares every frozen version (`files`: file name and text, as found in
/// [`DIR`]) with the version `spec`'s history rebuilds, with the rule
/// catalogue (the frozen version is the old side), and returns those that
/// differ in any way, breaking or not ([`Drift::breaks`] tells). Suggestions
/// name the record that declares each field, as `origins` (the derivations
/// of `spec`'s source) tell.
pub fn verify(spec: &Spec, files: &[(String, String)], origins: &Origins) -> Vec<Drift> {
    let cx = Context::new(origins, &spec.versions);
    let mut out = Vec::new();
    for (file, text) in files {
        let date = file.strip_suffix(".json").unwrap_or(file).to_string();
        let drift = |problem: String| Drift {
            file: file.clone(),
            date: date.clone(),
            problem: Some(problem),
            findings: Vec::new(),
            compatible: Vec::new(),
            refreshed: None,
        };
        if !file.ends_with(".json") || !is_date(&date) {
            out.push(drift(format!(
                "`{file}` is not named `<YYYY-MM-DD>.json`; only frozen versions belong in {DIR}"
            )));
            continue;
        }
        let frozen = match parse(text) {
            Ok(f) => f,
            Err(e) => {
                out.push(drift(e));
                continue;
            }
        };
        if frozen.date != date {
            out.push(drift(format!(
                "`{file}` holds version {}, not {date}",
                frozen.date
            )));
            continue;
        }
        let Some(i) = spec.versions.iter().position(|v| v.date == date) else {
            out.push(drift(format!(
                "version {date} was released but is no longer in the `versions` block: put `{date} {}` back",
                gatic_ir::display::string(&frozen.title)
            )));
            continue;
        };
        let Some(version) = spec.versions.get(i) else {
            continue;
        };
        let later = spec.versions.get(i + 1..).unwrap_or_default();
        let rebuilt = complete(&version.api, &frozen.api, later);
        // The header the version's clients send is part of what they pin.
        let header = crate::classify::version_header_finding(
            &spec.service.name,
            &frozen.version_header,
            spec.service.version_header(),
        );
        let (findings, compatible): (Vec<Finding>, Vec<Finding>) = header
            .into_iter()
            .chain(diff_in(&frozen.api, &rebuilt, &cx))
            .partition(breaks_pinned);
        let refreshed = match snapshot(spec, &date, &version.title, &rebuilt) {
            Ok(f) if f.contents != *text => Some(f),
            Ok(_) => None,
            Err(e) => {
                out.push(drift(e));
                continue;
            }
        };
        if !findings.is_empty() || !compatible.is_empty() || refreshed.is_some() {
            out.push(Drift {
                file: file.clone(),
                date,
                problem: None,
                findings,
                compatible,
                refreshed,
            });
        }
    }
    out
}

/// The snapshots `gatic release --refresh` rewrites: each frozen version
/// (the head's too, when it was released) as the history rebuilds it now,
/// where its bytes differ from the file's. It refuses, returning the
/// versions that break their pinned clients or have a problem, when there
/// is any: then nothing may be written, so a refresh never records a break
/// in one version while refusing another.
pub fn refresh(
    spec: &Spec,
    files: &[(String, String)],
    origins: &Origins,
) -> Result<Vec<OutputFile>, Vec<Drift>> {
    let (broken, fine): (Vec<Drift>, Vec<Drift>) = verify(spec, files, origins)
        .into_iter()
        .partition(Drift::breaks);
    if broken.is_empty() {
        Ok(fine.into_iter().filter_map(|d| d.refreshed).collect())
    } else {
        Err(broken)
    }
}

/// Whether `s` looks like `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A `versions` entry holding `changes`, to paste at the end of the block.
pub fn suggested_entry(changes: &[String]) -> String {
    let mut out = String::from("YYYY-MM-DD \"Describe the change\" {\n");
    // A suggestion may be several lines: a removed item's doc comment,
    // then its change line.
    for line in changes.iter().flat_map(|c| c.lines()) {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('}');
    out
}
