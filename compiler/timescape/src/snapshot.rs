//! Frozen versions: `gatic release` writes the head's IR to
//! `.gati/versions/<date>.json`, and `gatic check` compares every frozen
//! version with the one the history rebuilds.

use gatic_ir::{Api, OutputFile, Spec};
use serde::{Deserialize, Serialize};

use crate::classify::{complete, dedupe};
use crate::diff::{Context, Finding, diff_in};
use crate::origins::Origins;

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
    /// The API as released.
    pub api: Api,
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
    let frozen = Frozen {
        format: FORMAT,
        service: spec.service.name.clone(),
        date: head.date.clone(),
        title: head.title.clone(),
        api: spec.head.clone(),
    };
    let mut contents = serde_json::to_string_pretty(&frozen).map_err(|e| e.to_string())?;
    contents.push('\n');
    Ok(OutputFile {
        path: format!("{DIR}/{}.json", head.date),
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

/// What is wrong with one frozen version.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    /// The file's name, such as `2025-01-01.json`.
    pub file: String,
    /// The version's date, from the file name.
    pub date: String,
    /// A problem with the file itself or the history, when there is one.
    pub problem: Option<String>,
    /// How the rebuilt version differs from the frozen one: `old` is the
    /// frozen version, `new` the rebuilt one.
    pub findings: Vec<Finding>,
}

impl Drift {
    /// The `versions` changes that would explain the differences, deduplicated.
    pub fn suggestions(&self) -> Vec<String> {
        dedupe(self.findings.iter().filter_map(|f| f.suggestion.as_deref()))
    }
}

/// Compares every frozen version (`files`: file name and text, as found in
/// [`DIR`]) with the version `spec`'s history rebuilds, and returns those
/// that differ on the wire. Deprecation and limits are not compared: they
/// apply to every version and change without a version entry. Suggestions
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
                crate::gati::string(&frozen.title)
            )));
            continue;
        };
        let Some(version) = spec.versions.get(i) else {
            continue;
        };
        let later = spec.versions.get(i + 1..).unwrap_or_default();
        let rebuilt = complete(&version.api, &frozen.api, later);
        let findings: Vec<Finding> = diff_in(&frozen.api, &rebuilt, &cx)
            .into_iter()
            .filter(|f| f.rule.wire)
            .collect();
        if !findings.is_empty() {
            out.push(Drift {
                file: file.clone(),
                date,
                problem: None,
                findings,
            });
        }
    }
    out
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
