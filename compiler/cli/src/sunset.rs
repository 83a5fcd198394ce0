//! `gatic sunset-report SPEC [LOG…]`: who still calls each older API
//! version, and which routes they use, read from the server's access log
//! (`GATI_ACCESS_LOG=on`, one JSON line per request).
//!
//! Before a version is sunset the team needs to know whom to contact. The
//! access log names each request's version, route and caller: the
//! principal's id where the route authenticates (the `principal` member),
//! else the peer address. The report groups the requests of every version
//! but the head by caller, with their routes, request counts and when each
//! was last seen, beside the version's deprecation and sunset dates from
//! the spec. Lines that are not access lines (lifecycle lines, other
//! programs' output) are skipped and counted. Where the server samples
//! successes (`GATI_ACCESS_LOG_SAMPLE`), counts are lower bounds; every
//! caller still shows up unless all of its requests were sampled out.

use std::collections::BTreeMap;
use std::io::BufRead;

use gatic_ir::Spec;
use serde_json::{Value as Json, json};

/// One caller of one version.
#[derive(Default)]
struct Caller {
    requests: u64,
    last_seen: String,
    routes: BTreeMap<String, u64>,
}

/// What the access log says of one version.
#[derive(Default)]
struct VersionUse {
    requests: u64,
    callers: BTreeMap<String, Caller>,
}

/// The report, built from any number of access-log readers.
pub struct Report {
    head: String,
    versions: BTreeMap<String, VersionUse>,
    lines: u64,
    skipped: u64,
}

impl Report {
    /// An empty report for `spec`'s versions.
    pub fn new(spec: &Spec) -> Report {
        Report {
            head: spec
                .versions
                .last()
                .map(|v| v.date.clone())
                .unwrap_or_default(),
            versions: BTreeMap::new(),
            lines: 0,
            skipped: 0,
        }
    }

    /// Reads access lines until the end of `input`.
    pub fn read(&mut self, input: impl BufRead) -> std::io::Result<()> {
        for line in input.lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            self.line(&line);
        }
        Ok(())
    }

    /// Takes one line: an access line of a version other than the head
    /// counts; anything else is skipped.
    fn line(&mut self, line: &str) {
        let Ok(entry) = serde_json::from_str::<Json>(line) else {
            self.skipped += 1;
            return;
        };
        if entry["msg"] != "request" {
            self.skipped += 1;
            return;
        }
        self.lines += 1;
        let Some(version) = entry["version"].as_str() else {
            return;
        };
        if version == self.head {
            return;
        }
        let caller = match (entry["principal"].as_str(), entry["peer"].as_str()) {
            (Some(principal), _) => format!("principal {principal}"),
            (None, Some(peer)) => format!("peer {peer}"),
            (None, None) => "unknown caller".to_string(),
        };
        let route = entry["route"].as_str().unwrap_or("(no route)");
        let time = entry["time"].as_str().unwrap_or_default();
        let used = self.versions.entry(version.to_string()).or_default();
        used.requests += 1;
        let c = used.callers.entry(caller).or_default();
        c.requests += 1;
        if time > c.last_seen.as_str() {
            c.last_seen = time.to_string();
        }
        *c.routes.entry(route.to_string()).or_default() += 1;
    }

    /// Callers of each version, busiest first, then by name.
    fn ranked(used: &VersionUse) -> Vec<(&String, &Caller)> {
        let mut callers: Vec<(&String, &Caller)> = used.callers.iter().collect();
        callers.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0)));
        callers
    }

    /// The report as text, one block per version the spec declares (oldest
    /// first), then any version the log names that the spec does not.
    pub fn human(&self, spec: &Spec) -> String {
        let mut out = format!(
            "API versions other than the head ({}) in {} access-log line(s){}:\n",
            if self.head.is_empty() {
                "none declared"
            } else {
                &self.head
            },
            self.lines,
            if self.skipped > 0 {
                format!(" ({} other line(s) skipped)", self.skipped)
            } else {
                String::new()
            }
        );
        let mut shown = Vec::new();
        for v in &spec.versions {
            if v.date == self.head {
                continue;
            }
            shown.push(v.date.clone());
            let mut dates = Vec::new();
            if v.deprecated {
                dates.push(match &v.deprecated_since {
                    Some(d) => format!("deprecated since {d}"),
                    None => "deprecated".to_string(),
                });
            }
            if let Some(s) = &v.sunset {
                dates.push(format!("sunset {s}"));
            }
            let dates = if dates.is_empty() {
                String::new()
            } else {
                format!(" ({})", dates.join(", "))
            };
            out.push_str(&format!("\n{}{dates}\n", v.date));
            self.version_block(&mut out, self.versions.get(&v.date));
        }
        for (date, used) in &self.versions {
            if !shown.contains(date) {
                out.push_str(&format!("\n{date} (not a version of this spec)\n"));
                self.version_block(&mut out, Some(used));
            }
        }
        out
    }

    fn version_block(&self, out: &mut String, used: Option<&VersionUse>) {
        let Some(used) = used.filter(|u| u.requests > 0) else {
            out.push_str("  no requests: nobody to contact before it is sunset\n");
            return;
        };
        out.push_str(&format!(
            "  {} request(s) from {} caller(s)\n",
            used.requests,
            used.callers.len()
        ));
        for (name, c) in Self::ranked(used) {
            let routes: Vec<String> = c.routes.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
            out.push_str(&format!(
                "  {name}: {} request(s), last seen {}; {}\n",
                c.requests,
                if c.last_seen.is_empty() {
                    "never"
                } else {
                    &c.last_seen
                },
                routes.join(", ")
            ));
        }
    }

    /// The report as JSON.
    pub fn json(&self, spec: &Spec) -> Json {
        let versions: Vec<Json> = spec
            .versions
            .iter()
            .filter(|v| v.date != self.head)
            .map(|v| {
                let used = self.versions.get(&v.date);
                let callers: Vec<Json> = used
                    .map(|u| {
                        Self::ranked(u)
                            .into_iter()
                            .map(|(name, c)| {
                                json!({
                                    "caller": name,
                                    "requests": c.requests,
                                    "last_seen": c.last_seen,
                                    "routes": c.routes,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!({
                    "version": v.date,
                    "deprecated": v.deprecated,
                    "deprecated_since": v.deprecated_since,
                    "sunset": v.sunset,
                    "requests": used.map_or(0, |u| u.requests),
                    "callers": callers,
                })
            })
            .collect();
        let unknown: Vec<&String> = self
            .versions
            .keys()
            .filter(|d| !spec.versions.iter().any(|v| &v.date == *d))
            .collect();
        json!({
            "head": self.head,
            "lines": self.lines,
            "skipped": self.skipped,
            "versions": versions,
            "unknown_versions": unknown,
        })
    }
}
