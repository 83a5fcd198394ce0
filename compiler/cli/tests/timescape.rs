//! Timescape from the command line: `gatic release` and its frozen
//! snapshots, `gatic check` against them, `gatic check --against` a git
//! revision or a file, `gatic diff`, exit codes and output formats.

mod common;

use common::{gatic, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder under the target directory.
fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("timescape")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn evolution(case: &str, which: &str) -> String {
    std::fs::read_to_string(common::root().join(format!("specs/evolution/{case}/{which}.gati")))
        .expect("evolution case")
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=gatic",
            "-c",
            "user.email=gatic@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
}

const SMALL: &str = r#"service s { title "S" }

/// A user.
type User { id: uuid, name: string }

/// Fetch a user.
route get_user GET /users/{id: uuid} -> User

versions {
  2025-01-01 "Initial release"
}
"#;

#[test]
fn release_writes_stable_json_and_releasing_again_is_a_no_op() {
    let dir = temp("release");
    std::fs::copy(
        common::root().join("specs/valid/versions.gati"),
        dir.join("api.gati"),
    )
    .expect("copy");
    let first = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let path = dir.join(".gati/versions/2025-03-01.json");
    let frozen = std::fs::read_to_string(&path).expect("snapshot written");
    assert!(frozen.ends_with("}\n"));
    let value: serde_json::Value = serde_json::from_str(&frozen).expect("valid JSON");
    assert_eq!(value["format"], 1);
    assert_eq!(value["date"], "2025-03-01");
    assert_eq!(value["service"], "crm");
    let modified = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    let again = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again).contains("up to date"), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), frozen);
    assert_eq!(
        std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime"),
        modified
    );
    // The frozen head matches the rebuilt head.
    let check = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn release_refuses_to_overwrite_a_different_release_without_force() {
    let dir = temp("release-force");
    std::fs::write(dir.join("api.gati"), SMALL).expect("write");
    assert_eq!(gatic(&dir, &["release", "api.gati"]).status.code(), Some(0));
    std::fs::write(
        dir.join("api.gati"),
        SMALL.replace("name: string", "name: string, age?: int32"),
    )
    .expect("write");
    let refused = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("response-field-added User.age"),
        "{}",
        text(&refused)
    );
    let forced = gatic(&dir, &["release", "api.gati", "--force"]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    let without = temp("release-unversioned");
    std::fs::write(
        without.join("api.gati"),
        SMALL.split("versions").next().unwrap_or(SMALL),
    )
    .expect("write");
    let none = gatic(&without, &["release", "api.gati"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none).contains("no `versions` block"),
        "{}",
        text(&none)
    );
}

#[test]
fn check_reports_drift_from_a_frozen_version_with_a_suggested_entry() {
    let dir = temp("drift");
    std::fs::write(dir.join("api.gati"), SMALL).expect("write");
    assert_eq!(gatic(&dir, &["release", "api.gati"]).status.code(), Some(0));
    // Tamper with the frozen snapshot: the released `User` also had an
    // `email`, which clients pinned to 2025-01-01 read.
    let path = dir.join(".gati/versions/2025-01-01.json");
    let frozen = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, with_released_email(&frozen)).expect("write");
    let out = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("error[E0402]: the history no longer rebuilds version 2025-01-01"),
        "{t}"
    );
    assert!(
        t.contains("response-required-field-removed User.email"),
        "{t}"
    );
    assert!(t.contains("YYYY-MM-DD \"Describe the change\" {"), "{t}");
    assert!(t.contains("User.email: string removed default"), "{t}");
    let github = gatic(&dir, &["check", "api.gati", "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&github.stdout).starts_with("::error file=api.gati"));

    // A head change recorded in a new version is explained.
    let recorded = SMALL
        .replace("name: string", "name: string, age?: int32")
        .replace(
            "  2025-01-01 \"Initial release\"\n",
            "  2025-01-01 \"Initial release\"\n  2025-02-01 \"Ages\" {\n    User.age added\n  }\n",
        );
    std::fs::write(&path, &frozen).expect("restore");
    std::fs::write(dir.join("api.gati"), &recorded).expect("write");
    let ok = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    // The same change without a version is compatible: it applies to every
    // version, and the check says so without failing.
    std::fs::write(
        dir.join("api.gati"),
        SMALL.replace("name: string", "name: string, age?: int32"),
    )
    .expect("write");
    let compatible = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(compatible.status.code(), Some(0), "{}", text(&compatible));
    assert!(
        text(&compatible).contains("note: version 2025-01-01 has 1 compatible difference"),
        "{}",
        text(&compatible)
    );
    // A frozen version the history lost, and a broken file.
    std::fs::write(dir.join("api.gati"), SMALL).expect("write");
    std::fs::write(
        dir.join(".gati/versions/2024-01-01.json"),
        frozen.replace("2025-01-01", "2024-01-01"),
    )
    .expect("write");
    std::fs::write(dir.join(".gati/versions/notes.txt"), "hello").expect("write");
    let lost = text(&gatic(&dir, &["check", "api.gati"]));
    assert!(
        lost.contains("version 2024-01-01 was released but is no longer in the `versions` block"),
        "{lost}"
    );
    assert!(lost.contains("`notes.txt` is not named"), "{lost}");
}

#[test]
fn check_against_a_git_revision() {
    let dir = temp("git");
    std::fs::create_dir_all(dir.join("api")).expect("mkdir");
    let old = evolution("covered_history", "old");
    // Split the old spec over two files, to read a `use`d file from git too.
    let (head, tail) = old.split_at(old.find("/// A customer.").unwrap_or(0));
    let (doc, head) = head.split_at(head.find('\n').map_or(0, |i| i + 1));
    std::fs::write(
        dir.join("api/types.gati"),
        tail.split("/// Fetch").next().unwrap_or(""),
    )
    .expect("write");
    let routes: String = tail
        .find("/// Fetch")
        .map(|i| tail[i..].to_string())
        .unwrap_or_default();
    let main = format!("{doc}use \"types.gati\"\n{head}{routes}");
    std::fs::write(dir.join("api/main.gati"), &main).expect("write");
    let first = gatic(&dir, &["check", "api/main.gati"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    git(&dir, &["init", "-q", "."]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "old"]);
    std::fs::remove_file(dir.join("api/types.gati")).expect("rm");
    std::fs::write(
        dir.join("api/main.gati"),
        evolution("covered_history", "new"),
    )
    .expect("write");

    let out = gatic(&dir, &["check", "api/main.gati", "--against", "HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "uncovered   breaking  request   request-required-field-added  NewCustomer.region"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("covered     breaking  request   route-moved  route get_customer"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("17 changes: 7 compatible, 9 breaking and covered, 1 breaking and uncovered"),
        "{stdout}"
    );

    let github = gatic(
        &dir,
        &[
            "check",
            "api/main.gati",
            "--against",
            "HEAD",
            "--format",
            "github",
        ],
    );
    let lines = String::from_utf8_lossy(&github.stdout).into_owned();
    assert!(lines.lines().all(|l| l.starts_with("::")), "{lines}");
    // Each annotation sits on the line that declares the change's subject:
    // a field of a derived record on the field in its base record.
    assert!(lines.contains("::error file=api/main.gati,line=13,title=uncovered request-required-field-added (request)::NewCustomer.region: "), "{lines}");
    assert!(
        lines.contains("::notice file=api/main.gati,line=21,title=covered route-moved (request)::"),
        "{lines}"
    );

    let json = gatic(
        &dir,
        &[
            "check",
            "api/main.gati",
            "--against",
            "HEAD",
            "--format",
            "json",
        ],
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(value["against"], "HEAD:api/main.gati");
    assert_eq!(value["changes"]["summary"]["uncovered"], 1);
    assert_eq!(value["changes"]["summary"]["failed"], true);

    // Recording the last break makes the check pass.
    let fixed =
        evolution("covered_history", "new").replace("  region: string\n", "  region?: string\n");
    std::fs::write(dir.join("api/main.gati"), fixed).expect("write");
    let ok = gatic(
        &dir,
        &[
            "check",
            "api/main.gati",
            "--against",
            "HEAD",
            "--format",
            "text",
        ],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    // A revision that does not exist, and `REV:path` in `gatic diff`.
    let bad = gatic(
        &dir,
        &["check", "api/main.gati", "--against", "no-such-branch"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("neither a file nor a git revision"),
        "{}",
        text(&bad)
    );
    let diff = gatic(&dir, &["diff", "HEAD:api/main.gati", "api/main.gati"]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    assert!(String::from_utf8_lossy(&diff.stdout).contains("route-renamed  route list_customers"));
}

#[test]
fn check_against_a_file_and_diff() {
    let root = common::root();
    let case = |c: &str| format!("specs/evolution/{c}");
    let uncovered = gatic(
        &root,
        &[
            "check",
            &format!("{}/new.gati", case("route_lifecycle")),
            "--against",
            &format!("{}/old.gati", case("route_lifecycle")),
        ],
    );
    assert_eq!(uncovered.status.code(), Some(1), "{}", text(&uncovered));
    let covered = gatic(
        &root,
        &[
            "check",
            &format!("{}/new.gati", case("multi_version_history")),
            "--against",
            &format!("{}/old.gati", case("multi_version_history")),
        ],
    );
    assert_eq!(covered.status.code(), Some(0), "{}", text(&covered));
    assert!(String::from_utf8_lossy(&covered.stdout).contains("covered by version 2025-01-01"));
    // Warnings and infos never fail.
    let compatible = gatic(
        &root,
        &[
            "check",
            &format!("{}/new.gati", case("renamed_type_same_shape")),
            "--against",
            &format!("{}/old.gati", case("renamed_type_same_shape")),
        ],
    );
    assert_eq!(compatible.status.code(), Some(0));
    // `gatic diff` lists changes and succeeds even when some break.
    let diff = gatic(
        &root,
        &[
            "diff",
            &format!("{}/old.gati", case("params")),
            &format!("{}/new.gati", case("params")),
            "--format",
            "json",
        ],
    );
    assert_eq!(diff.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&diff.stdout).expect("json");
    let rules: Vec<&str> = value["changes"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        rules.contains(&"request-param-location-changed"),
        "{rules:?}"
    );
    // A spec that does not compile.
    let broken = gatic(
        &root,
        &[
            "diff",
            "specs/invalid/syntax_many_errors.gati",
            &format!("{}/new.gati", case("params")),
        ],
    );
    assert_eq!(broken.status.code(), Some(1));
}

/// A suggested `default …` pasted without filling in the value is a syntax
/// error that says the value is missing, and where.
#[test]
fn a_pasted_placeholder_default_says_the_value_is_missing() {
    let dir = temp("placeholder");
    let spec = evolution("derived_record_field", "new").replace(
        "  2024-01-01 \"Initial release\"\n",
        "  2024-01-01 \"Initial release\"\n  2025-01-01 \"Receipts\" {\n    Charge.receipt_email added default …\n  }\n",
    );
    std::fs::write(dir.join("api.gati"), spec).expect("write spec");
    let out = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(out.status.code(), Some(1));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::snapshots("cli"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!("placeholder_default", text(&out));
    });
}

/// `text`, a frozen version, as if the released `User` also had a required
/// `email` (a copy of its `name`), which the rebuilt version lacks.
fn with_released_email(text: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(text).expect("json");
    if let Some(types) = value["api"]["types"].as_array_mut() {
        for t in types.iter_mut().filter(|t| t["name"] == "User") {
            if let Some(fields) = t["kind"]["fields"].as_array_mut() {
                let mut email = fields
                    .iter()
                    .find(|f| f["name"] == "name")
                    .cloned()
                    .expect("User.name");
                email["name"] = "email".into();
                fields.push(email);
            }
        }
    }
    let mut out = serde_json::to_string_pretty(&value).expect("json");
    out.push('\n');
    out
}

/// A released API whose request type is derived from its response type, so
/// suggestions must name the declaring record (`User`).
const USERS: &str = r#"service s { title "S" }

/// A user.
type User { id: uuid, name: string, nickname?: string }

/// A new user.
type NewUser = User without { id }

/// Fetch a user.
route get_user GET /users/{id: uuid} -> User

/// Create a user.
route create_user POST /users {
  body NewUser
  returns 201 User
}

versions {
  2025-01-01 "Initial release"
}
"#;

/// USERS after changes every client of 2025-01-01 accepts: an optional
/// request field (also a response field) and a route, with no version entry.
fn users_compatible() -> String {
    with_list_users(&USERS.replace("nickname?: string }", "nickname?: string, bio?: string }"))
}

/// `spec` with a new route, `list_users`, before its `versions` block.
fn with_list_users(spec: &str) -> String {
    spec.replace(
        "\nversions {",
        "/// List users.\nroute list_users GET /users -> [User]\n\nversions {",
    )
}

/// `USERS` released in a fresh folder `name`.
fn released_users(name: &str) -> PathBuf {
    let dir = temp(name);
    std::fs::write(dir.join("api.gati"), USERS).expect("write");
    let released = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(released.status.code(), Some(0), "{}", text(&released));
    dir
}

fn assert_cli_snapshot(name: &str, value: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::snapshots("cli"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(name, value);
    });
}

/// Stripe's rule: additive changes apply to every version and need no
/// entry. The frozen check names them, says how to record them, and passes.
#[test]
fn compatible_changes_after_a_release_pass_with_a_note() {
    let dir = released_users("frozen-compatible");
    std::fs::write(dir.join("api.gati"), users_compatible()).expect("write");
    let out = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    for expected in [
        "route-added route list_users",
        "request-optional-field-added NewUser.bio",
        "response-field-added User.bio",
        "`gatic release --refresh` records them",
    ] {
        assert!(t.contains(expected), "{expected}: {t}");
    }
    assert!(!t.contains("E0402"), "{t}");
    assert_cli_snapshot("frozen_compatible", &t);
    let github = gatic(&dir, &["check", "api.gati", "--format", "github"]);
    assert_eq!(github.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&github.stdout).starts_with(
            "::notice file=api.gati,title=compatible changes since a release::version 2025-01-01"
        ),
        "{}",
        text(&github)
    );
    // `--against` agrees: only uncovered breaks fail, and there are none.
    let against = gatic(&dir, &["check", "api.gati", "--against", "old.gati"]);
    assert_eq!(against.status.code(), Some(2), "old.gati does not exist");
    std::fs::write(dir.join("old.gati"), USERS).expect("write");
    let against = gatic(&dir, &["check", "api.gati", "--against", "old.gati"]);
    assert_eq!(against.status.code(), Some(0), "{}", text(&against));
}

/// What breaks a client pinned to a released version is still `E0402`,
/// with the entry that records it (naming the declaring record).
#[test]
fn breaking_changes_after_a_release_fail_with_a_suggestion() {
    let dir = released_users("frozen-breaking");
    let cases = [
        // A response field disappears (and a request field old clients send).
        (
            "frozen_response_field_removed",
            USERS.replace("name: string, ", ""),
            "User.name: string removed default",
        ),
        // An optional request field becomes required.
        (
            "frozen_request_field_required",
            USERS.replace("nickname?: string", "nickname: string"),
            "User.nickname made required default",
        ),
        // A renamed optional field: old clients still send and read the old
        // name, so it is breaking, recorded as `renamed from`.
        (
            "frozen_optional_field_renamed",
            USERS.replace("nickname?: string", "handle?: string"),
            "User.handle renamed from nickname",
        ),
    ];
    for (name, spec, suggestion) in cases {
        std::fs::write(dir.join("api.gati"), &spec).expect("write");
        let out = gatic(&dir, &["check", "api.gati"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        let t = text(&out);
        assert!(
            t.contains("error[E0402]: the history no longer rebuilds version 2025-01-01"),
            "{name}: {t}"
        );
        assert!(t.contains(suggestion), "{name}: {t}");
        // The suggested entry names the declaring record, not `NewUser`.
        assert!(!t.contains("  NewUser."), "{name}: {t}");
        assert_cli_snapshot(name, &t);
    }
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .expect("mtime")
}

/// `gatic release --refresh` records compatible changes in the released
/// snapshots; a second run is a no-op.
#[test]
fn release_refresh_records_compatible_changes() {
    let dir = released_users("refresh");
    let path = dir.join(".gati/versions/2025-01-01.json");
    let released = std::fs::read_to_string(&path).expect("read");
    std::fs::write(dir.join("api.gati"), users_compatible()).expect("write");
    // Releasing again refuses, and points at `--refresh`.
    let again = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("every difference is compatible: `gatic release --refresh`"),
        "{}",
        text(&again)
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), released);
    let both = gatic(&dir, &["release", "api.gati", "--refresh", "--force"]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));

    let refreshed = gatic(&dir, &["release", "api.gati", "--refresh"]);
    assert_eq!(refreshed.status.code(), Some(0), "{}", text(&refreshed));
    assert_eq!(
        text(&refreshed),
        "gatic: refreshed .gati/versions/2025-01-01.json\n"
    );
    let bytes = std::fs::read_to_string(&path).expect("read");
    assert_ne!(bytes, released);
    assert!(bytes.contains("\"list_users\"") && bytes.contains("\"bio\""));
    // The snapshot is now what `gatic release` writes for this head.
    let written = mtime(&path);
    let release = gatic(&dir, &["release", "api.gati"]);
    assert!(
        text(&release).contains("is up to date"),
        "{}",
        text(&release)
    );
    let check = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(!text(&check).contains("note:"), "{}", text(&check));
    // A second refresh changes nothing.
    let second = gatic(&dir, &["release", "api.gati", "--refresh"]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert_eq!(
        text(&second),
        "gatic: every released snapshot is up to date\n"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), bytes);
    assert_eq!(mtime(&path), written);
}

/// A refresh where one released version would break its pinned clients
/// refuses with `E0402` and writes nothing, not even the versions whose
/// differences are compatible.
#[test]
fn release_refresh_refuses_a_breaking_change_and_writes_nothing() {
    let dir = released_users("refresh-refused");
    // A second release, so there are two snapshots.
    let v2 = USERS.replace(
        "  2025-01-01 \"Initial release\"\n",
        "  2025-01-01 \"Initial release\"\n  2025-02-01 \"Avatars\" {\n    User.avatar added\n  }\n",
    );
    let v2 = v2.replace(
        "nickname?: string }",
        "nickname?: string, avatar?: string }",
    );
    std::fs::write(dir.join("api.gati"), &v2).expect("write");
    let second = gatic(&dir, &["release", "api.gati"]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    // 2025-01-01 as released had an `email` the history no longer rebuilds
    // (breaking), and both versions gain a route (compatible).
    let first = dir.join(".gati/versions/2025-01-01.json");
    let tampered = with_released_email(&std::fs::read_to_string(&first).expect("read"));
    std::fs::write(&first, &tampered).expect("write");
    std::fs::write(dir.join("api.gati"), with_list_users(&v2)).expect("write");
    let later = dir.join(".gati/versions/2025-02-01.json");
    let later_bytes = std::fs::read_to_string(&later).expect("read");
    let check = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check).contains("note: version 2025-02-01 has 1 compatible difference"),
        "{}",
        text(&check)
    );

    let refused = gatic(&dir, &["release", "api.gati", "--refresh"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let t = text(&refused);
    assert!(t.contains("nothing was refreshed"), "{t}");
    assert!(!t.contains("2025-02-01"), "{t}");
    assert_eq!(std::fs::read_to_string(&first).expect("read"), tampered);
    assert_eq!(std::fs::read_to_string(&later).expect("read"), later_bytes);
    assert_cli_snapshot("refresh_refused", &t);
}

/// The header clients name their version in is part of what a release
/// pins: renaming it after a release fails the frozen check, and a release
/// with a custom header records it (a default one is left out, so older
/// snapshots read the same).
#[test]
fn a_version_header_renamed_after_a_release_fails_the_frozen_check() {
    let dir = temp("frozen-version-header");
    std::fs::write(dir.join("api.gati"), SMALL).expect("write");
    assert_eq!(gatic(&dir, &["release", "api.gati"]).status.code(), Some(0));
    let path = dir.join(".gati/versions/2025-01-01.json");
    let frozen = std::fs::read_to_string(&path).expect("read");
    assert!(!frozen.contains("version_header"), "{frozen}");

    let renamed = SMALL.replace(
        "service s { title \"S\" }",
        "service s {\n  title \"S\"\n  version_header \"Api-Version\"\n}",
    );
    std::fs::write(dir.join("api.gati"), &renamed).expect("write");
    let out = gatic(&dir, &["check", "api.gati"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("error[E0402]: the history no longer rebuilds version 2025-01-01"),
        "{t}"
    );
    assert!(
        t.contains("version-header-changed service s: version header"),
        "{t}"
    );
    // Refreshing cannot paper over it.
    let refresh = gatic(&dir, &["release", "api.gati", "--refresh"]);
    assert_eq!(refresh.status.code(), Some(1), "{}", text(&refresh));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), frozen);

    // A release made with the custom header records it, and checks cleanly.
    let fresh = temp("frozen-version-header-custom");
    std::fs::write(fresh.join("api.gati"), &renamed).expect("write");
    assert_eq!(
        gatic(&fresh, &["release", "api.gati"]).status.code(),
        Some(0)
    );
    let custom =
        std::fs::read_to_string(fresh.join(".gati/versions/2025-01-01.json")).expect("read");
    assert!(
        custom.contains("\"version_header\": \"Api-Version\""),
        "{custom}"
    );
    let checked = gatic(&fresh, &["check", "api.gati"]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
}
