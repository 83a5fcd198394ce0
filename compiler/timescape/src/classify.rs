//! Coverage: which breaking changes between two specs the new spec's version
//! history explains, so the generated transformers keep old clients working.
//!
//! The old spec's head was released as some date D (its newest version). The
//! new spec rebuilds D from its own history (its version dated D, else the
//! newest one before D): that rebuilt API, R, is what the new spec promises
//! clients of D. Then, for every breaking finding of `diff(old head, new head)`:
//!
//! - in `diff(R, new head)` and not in `diff(old head, R)`: **covered**, by the
//!   first version after R whose own step shows it;
//! - otherwise **uncovered**: either the history rebuilds D with the change
//!   already in it (an unrecorded head change, or a rewritten history), or
//!   there is no history to rebuild D from.
//!
//! Rebuilding is lossy in one way: `route r removed` cannot bring the route
//! back (the head no longer describes it), so before comparing, R gets the
//! routes that later versions removed, copied from the old head.

use gatic_ir::{Api, Change, Spec, TypeDefKind, Version};

use crate::diff::{Context, Finding, diff_in};
use crate::origins::Origins;
use crate::rules::{self, Severity};

/// How a change affects old clients, given the new spec's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not breaking.
    Compatible,
    /// Breaking, but a version change records it, so old clients keep working.
    Covered {
        /// The version whose changes record it.
        version: String,
    },
    /// Breaking and not recorded: old clients break. Fails `gatic check --against`.
    Uncovered {
        /// Why the history does not cover it.
        reason: String,
    },
}

impl Verdict {
    /// `compatible`, `covered` or `uncovered`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Compatible => "compatible",
            Verdict::Covered { .. } => "covered",
            Verdict::Uncovered { .. } => "uncovered",
        }
    }
}

/// A finding with its verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    /// What changed.
    pub finding: Finding,
    /// What it means for old clients.
    pub verdict: Verdict,
}

/// The result of comparing two specs.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The old spec's head version, if it has a history.
    pub old_version: Option<String>,
    /// The new spec's head version, if it has a history.
    pub new_version: Option<String>,
    /// The new spec's version that was rebuilt to stand for the old head.
    pub baseline: Option<String>,
    /// Every change, in diff order.
    pub changes: Vec<Classified>,
}

impl Report {
    /// Whether some break is uncovered: `gatic check --against` exits 1.
    pub fn failed(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c.verdict, Verdict::Uncovered { .. }))
    }

    /// How many changes have each verdict: (compatible, covered, uncovered).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s: &str| {
            self.changes
                .iter()
                .filter(|c| c.verdict.as_str() == s)
                .count()
        };
        (count("compatible"), count("covered"), count("uncovered"))
    }

    /// The `versions` changes that would record every uncovered break, deduplicated.
    pub fn suggestions(&self) -> Vec<String> {
        dedupe(self.changes.iter().filter_map(|c| match c.verdict {
            Verdict::Uncovered { .. } => c.finding.suggestion.as_deref(),
            Verdict::Compatible | Verdict::Covered { .. } => None,
        }))
    }
}

/// Suggested change lines without repeats: one record's field reached from
/// both sides (or through several derived records) is one change. The same
/// change with and without a `default` (a field added to a type both sent,
/// where it needs one, and received, where it does not) is kept once, with
/// the default: two lines on one field would be `E0404`.
pub(crate) fn dedupe<'s>(suggestions: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in suggestions {
        match out
            .iter_mut()
            .find(|o| without_default(o) == without_default(s))
        {
            Some(o) if !o.contains(" default ") && s.contains(" default ") => *o = s.to_string(),
            Some(_) => {}
            None => out.push(s.to_string()),
        }
    }
    out
}

/// A change line up to its ` default` clause, which comes last.
fn without_default(s: &str) -> &str {
    s.find(" default ").map_or(s, |at| &s[..at])
}

/// Fills in what rebuilding cannot know, from `donor` (the version as
/// released): the flags of each field a version in `later` removed
/// (`T.f: Type removed default v` brings back only the type, with `v` as its
/// default). Removed routes need nothing: their change lines carry their
/// declarations, so the rebuilt versions serve them again.
pub(crate) fn complete(api: &Api, donor: &Api, later: &[Version]) -> Api {
    let mut api = api.clone();
    for change in later.iter().flat_map(|v| &v.changes) {
        if let Change::FieldRemoved { field, .. } = change {
            restore_field(&mut api, donor, field);
        }
    }
    api
}

/// Gives every field the history restored as `restored` the flags the
/// same record's field has in `donor`.
fn restore_field(api: &mut Api, donor: &Api, restored: &gatic_ir::Field) {
    for t in &mut api.types {
        let TypeDefKind::Record { fields } = &mut t.kind else {
            continue;
        };
        let Some(f) = fields.iter_mut().find(|f| f == &restored) else {
            continue;
        };
        let Some(TypeDefKind::Record { fields: old }) = donor.ty(&t.name).map(|d| &d.kind) else {
            continue;
        };
        if let Some(o) = old.iter().find(|o| o.name == f.name) {
            f.optional = o.optional;
            f.default.clone_from(&o.default);
            f.readonly = o.readonly;
            f.write_only = o.write_only;
        }
    }
    for e in &mut api.errors {
        let Some(f) = e.fields.iter_mut().find(|f| f == &restored) else {
            continue;
        };
        if let Some(o) = donor
            .error(&e.name)
            .and_then(|d| d.fields.iter().find(|o| o.name == f.name))
        {
            f.optional = o.optional;
            f.default.clone_from(&o.default);
            f.readonly = o.readonly;
            f.write_only = o.write_only;
        }
    }
}

/// Compares `old` (a previous revision of the spec) with `new` and classifies
/// every change. See the module documentation for the algorithm. Suggestions
/// name the record a field is found in; [`compare_with`] follows
/// derivations to the record that declares it.
pub fn compare(old: &Spec, new: &Spec) -> Report {
    compare_with(old, new, &Origins::default())
}

/// [`compare`], with suggestions that name the record declaring each field
/// (`origins`: the derivations of `new`'s source, where they are pasted).
pub fn compare_with(old: &Spec, new: &Spec, origins: &Origins) -> Report {
    let cx = Context::new(origins, &new.versions);
    let service = service_findings(old, new);
    let full = diff_in(&old.head, &new.head, &cx);
    let old_date = old.versions.last().map(|v| v.date.clone());
    let versions = &new.versions;
    let baseline = match &old_date {
        Some(d) => versions.iter().rposition(|v| v.date <= *d),
        // An old spec without a history: its head stands for the new
        // spec's first version.
        None => (!versions.is_empty()).then_some(0),
    };
    let rebuilt = baseline.and_then(|i| {
        let v = versions.get(i)?;
        let later = versions.get(i + 1..).unwrap_or_default();
        let api = complete(&v.api, &old.head, later);
        Some((
            i,
            diff_in(&old.head, &api, &cx),
            diff_in(&api, &new.head, &cx),
        ))
    });
    let service = service.into_iter().map(|finding| Classified {
        finding,
        verdict: Verdict::Uncovered {
            reason: "the history cannot record it: every version is served under one header name, and old clients send the old one".to_string(),
        },
    });
    let changes = service
        .chain(full.into_iter().map(|finding| {
            let verdict = if finding.rule.severity != Severity::Breaking {
                Verdict::Compatible
            } else {
                verdict(
                    &finding,
                    old,
                    new,
                    rebuilt.as_ref(),
                    old_date.as_deref(),
                    &cx,
                )
            };
            Classified { finding, verdict }
        }))
        .collect();
    Report {
        old_version: old_date,
        new_version: versions.last().map(|v| v.date.clone()),
        baseline: baseline
            .and_then(|i| versions.get(i))
            .map(|v| v.date.clone()),
        changes,
    }
}

/// Service-level differences, which no [`Api`] holds: the header clients
/// name their version in. Only between versioned specs: an unversioned
/// server reads no version header, so its clients pin nothing. Header names
/// are case-insensitive, so only a change of letters counts.
fn service_findings(old: &Spec, new: &Spec) -> Vec<Finding> {
    if old.versions.is_empty() || new.versions.is_empty() {
        return Vec::new();
    }
    let (o, n) = (old.service.version_header(), new.service.version_header());
    version_header_finding(&new.service.name, o, n)
        .into_iter()
        .collect()
}

/// The finding for a version header that changed from `o` to `n` (letters,
/// not case), if it did.
pub(crate) fn version_header_finding(service: &str, o: &str, n: &str) -> Option<Finding> {
    if o.eq_ignore_ascii_case(n) {
        return None;
    }
    Some(Finding {
        rule: &rules::VERSION_HEADER_CHANGED,
        location: format!("service {service}: version header"),
        message: format!(
            "the version header changed from `{o}` to `{n}`: the SDKs of every released version send `{o}`, which the server no longer reads, so pinned clients silently get the default version; keep `version_header \"{o}\"`"
        ),
        suggestion: None,
    })
}

fn verdict(
    finding: &Finding,
    old: &Spec,
    new: &Spec,
    rebuilt: Option<&(usize, Vec<Finding>, Vec<Finding>)>,
    old_date: Option<&str>,
    cx: &Context<'_>,
) -> Verdict {
    let versions = &new.versions;
    let Some((i, before, after)) = rebuilt else {
        return Verdict::Uncovered {
            reason: match (old_date, versions.first()) {
                (_, None) => "the new spec has no `versions` block to record it in".to_string(),
                (Some(d), Some(first)) => format!(
                    "the new spec's history starts at {}, after the old head {d}",
                    first.date
                ),
                (None, Some(_)) => "the new spec's history does not record it".to_string(),
            },
        };
    };
    let key = finding.key();
    let base = versions.get(*i).map_or("", |v| v.date.as_str());
    if after.iter().any(|f| f.key() == key) && !before.iter().any(|f| f.key() == key) {
        // The first version whose own step shows the change.
        let version = (i + 1..versions.len())
            .find(|&j| {
                let (Some(prev), Some(v)) = (versions.get(j - 1), versions.get(j)) else {
                    return false;
                };
                let from = complete(&prev.api, &old.head, versions.get(j..).unwrap_or_default());
                let to = complete(&v.api, &old.head, versions.get(j + 1..).unwrap_or_default());
                diff_in(&from, &to, cx).iter().any(|f| f.key() == key)
            })
            .or_else(|| versions.len().checked_sub(1))
            .and_then(|j| versions.get(j))
            .map_or_else(String::new, |v| v.date.clone());
        return Verdict::Covered { version };
    }
    // Released versions whose entries the new spec changed.
    let rewritten: Vec<&str> = old
        .versions
        .iter()
        .filter(|o| {
            versions
                .iter()
                .find(|n| n.date == o.date)
                .is_some_and(|n| n.changes != o.changes)
        })
        .map(|o| o.date.as_str())
        .collect();
    let reason = if !rewritten.is_empty() {
        format!(
            "the new spec edits the history of released version {} instead of recording the change in a new version",
            rewritten.join(", ")
        )
    } else if *i + 1 == versions.len() {
        format!("no version after {base} records it")
    } else {
        format!(
            "the new spec's history rebuilds {base} with this change already made: record it in a version after {base}"
        )
    };
    Verdict::Uncovered { reason }
}
