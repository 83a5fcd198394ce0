//! Reports as text for people, JSON for tools, and GitHub workflow
//! commands for CI annotations.

use serde_json::json;

use crate::classify::{Report, Verdict};
use crate::origins::Origins;
use crate::snapshot::suggested_entry;

/// How to print a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations, one per change.
    Github,
}

/// Renders `report`; `file` is the spec's path as the user gave it, for
/// GitHub annotations.
pub fn render(report: &Report, format: Format, file: &str) -> String {
    render_at(report, format, file, &Origins::default())
}

/// [`render`], with GitHub annotations placed at the line (and file) where
/// `origins` says each change's subject is declared in the new spec.
pub fn render_at(report: &Report, format: Format, file: &str, origins: &Origins) -> String {
    match format {
        Format::Text => text(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(report)).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Github => github(report, file, origins),
    }
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "unversioned".to_string());
    out.push_str(&format!(
        "Changes from {} (old head) to {} (new head)",
        show(&report.old_version),
        show(&report.new_version)
    ));
    match &report.baseline {
        Some(b) => out.push_str(&format!(
            "; the new history rebuilds the old head as {b}.\n"
        )),
        None => out.push_str("; the new history has no version for the old head.\n"),
    }
    if report.changes.is_empty() {
        out.push_str("\nNo changes.\n");
        return out;
    }
    for c in &report.changes {
        let f = &c.finding;
        out.push_str(&format!(
            "\n{:<10}  {:<8}  {:<8}  {}  {}\n    {}\n",
            c.verdict.as_str(),
            f.rule.severity.as_str(),
            f.rule.side.as_str(),
            f.rule.id,
            f.location,
            f.message
        ));
        match &c.verdict {
            Verdict::Compatible => {}
            Verdict::Covered { version } => {
                out.push_str(&format!("    covered by version {version}\n"));
            }
            Verdict::Uncovered { reason } => {
                out.push_str(&format!("    {reason}\n"));
                if let Some(s) = &f.suggestion {
                    out.push_str(&format!("    record it: {}\n", change_line(s)));
                } else if f.rule != &crate::rules::VERSION_HEADER_CHANGED {
                    // A service-level change: its reason says what to do,
                    // and no new route would help.
                    out.push_str("    the history cannot record this change: keep the old shape, or add a new route beside the old one\n");
                }
            }
        }
    }
    let (compatible, covered, uncovered) = report.counts();
    out.push_str(&format!(
        "\n{} change{}: {compatible} compatible, {covered} breaking and covered, {uncovered} breaking and uncovered\n",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" }
    ));
    let suggestions = report.suggestions();
    if !suggestions.is_empty() {
        out.push_str("\nTo cover them, add a version at the end of the `versions` block:\n");
        for line in suggested_entry(&suggestions).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// The report as a JSON value.
pub fn to_json(report: &Report) -> serde_json::Value {
    let (compatible, covered, uncovered) = report.counts();
    let changes: Vec<serde_json::Value> = report
        .changes
        .iter()
        .map(|c| {
            let f = &c.finding;
            let mut v = json!({
                "rule": f.rule.id,
                "side": f.rule.side,
                "severity": f.rule.severity,
                "location": f.location,
                "message": f.message,
                "verdict": c.verdict.as_str(),
            });
            if let Some(obj) = v.as_object_mut() {
                match &c.verdict {
                    Verdict::Compatible => {}
                    Verdict::Covered { version } => {
                        obj.insert("version".into(), json!(version));
                    }
                    Verdict::Uncovered { reason } => {
                        obj.insert("reason".into(), json!(reason));
                    }
                }
                if let Some(s) = &f.suggestion {
                    obj.insert("suggestion".into(), json!(s));
                }
            }
            v
        })
        .collect();
    json!({
        "old_version": report.old_version,
        "new_version": report.new_version,
        "baseline": report.baseline,
        "changes": changes,
        "summary": {
            "compatible": compatible,
            "covered": covered,
            "uncovered": uncovered,
            "failed": report.failed(),
        },
    })
}

/// Escapes a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A suggestion's change line without the doc comment above it (which the
/// suggested `versions` entry shows in full).
fn change_line(suggestion: &str) -> &str {
    suggestion.lines().last().unwrap_or(suggestion)
}

fn github(report: &Report, file: &str, origins: &Origins) -> String {
    let mut out = String::new();
    for c in &report.changes {
        let f = &c.finding;
        let place = match origins.locate(&f.location) {
            Some((path, line)) => format!("file={},line={line}", escape_property(&path)),
            None => format!("file={}", escape_property(file)),
        };
        let (level, tail) = match &c.verdict {
            Verdict::Uncovered { reason } => (
                "error",
                match &f.suggestion {
                    Some(s) => format!(" ({reason}; record it: {})", change_line(s)),
                    None => format!(" ({reason})"),
                },
            ),
            Verdict::Covered { version } => ("notice", format!(" (covered by version {version})")),
            Verdict::Compatible if f.rule.severity == crate::Severity::Warning => {
                ("warning", String::new())
            }
            Verdict::Compatible => ("notice", String::new()),
        };
        out.push_str(&format!(
            "::{level} {place},title={}::{}{}\n",
            escape_property(&format!(
                "{} {} ({})",
                c.verdict.as_str(),
                f.rule.id,
                f.rule.side.as_str()
            )),
            escape_data(&format!("{}: {}", f.location, f.message)),
            escape_data(&tail)
        ));
    }
    out
}
