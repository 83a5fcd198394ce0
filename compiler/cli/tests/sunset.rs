//! `gatic sunset-report`: who still calls each older version, read from an
//! access log, for the timescape example's three versions.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

/// Access lines as the runtime writes them (`GATI_ACCESS_LOG=on`), mixed
/// with a lifecycle line and a line of other output.
const LOG: &str = r#"{"time":"2026-12-01T10:00:00.000Z","level":"info","msg":"listening","port":8080}
{"time":"2026-12-01T10:00:01.000Z","level":"info","msg":"request","request_id":"a-1","method":"GET","path":"/tasks","route":"list_tasks","version":"2025-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.1"}
{"time":"2026-12-01T10:00:02.000Z","level":"info","msg":"request","request_id":"a-2","method":"GET","path":"/tasks","route":"all_tasks","version":"2024-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.7"}
{"time":"2026-12-01T10:00:03.000Z","level":"info","msg":"request","request_id":"a-3","method":"GET","path":"/task/1","route":"get_task","version":"2024-01-01","status":404,"latency_ms":0.2,"bytes_in":0,"bytes_out":80,"peer":"10.0.0.7"}
{"time":"2026-12-01T09:00:00.000Z","level":"info","msg":"request","request_id":"a-4","method":"GET","path":"/tasks","route":"all_tasks","version":"2024-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.9","principal":"acme-mobile"}
{"time":"2026-12-01T11:00:00.000Z","level":"info","msg":"request","request_id":"a-5","method":"GET","path":"/tasks","route":"all_tasks","version":"2024-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.9","principal":"acme-mobile"}
{"time":"2026-12-01T11:00:00.000Z","level":"info","msg":"request","request_id":"a-6","method":"GET","path":"/tasks","route":"all_tasks","version":"2024-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.9","principal":"acme-mobile"}
{"time":"2026-12-01T11:00:00.000Z","level":"info","msg":"request","request_id":"a-7","method":"GET","path":"/x","route":"list_tasks","version":"2023-01-01","status":200,"latency_ms":0.2,"bytes_in":0,"bytes_out":2,"peer":"10.0.0.3"}
not json at all
"#;

fn run(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatic"))
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gatic");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write the log");
    let out = child.wait_with_output().expect("gatic finishes");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_report_names_every_caller_of_each_older_version() {
    let spec = "examples/timescape/timescape.gati";
    let (code, text, stderr) = run(&["sunset-report", spec], LOG);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = "\
API versions other than the head (2025-01-01) in 7 access-log line(s) (2 other line(s) skipped):

2024-01-01 (deprecated, sunset 2030-12-31)
  5 request(s) from 2 caller(s)
  principal acme-mobile: 3 request(s), last seen 2026-12-01T11:00:00.000Z; all_tasks ×3
  peer 10.0.0.7: 2 request(s), last seen 2026-12-01T10:00:03.000Z; all_tasks ×1, get_task ×1

2024-06-01
  no requests: nobody to contact before it is sunset

2023-01-01 (not a version of this spec)
  1 request(s) from 1 caller(s)
  peer 10.0.0.3: 1 request(s), last seen 2026-12-01T11:00:00.000Z; list_tasks ×1
";
    assert_eq!(text, expected);

    // The same from a file, as JSON.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sunset");
    std::fs::create_dir_all(&dir).expect("a folder");
    let log = dir.join("access.log");
    std::fs::write(&log, LOG).expect("write the log");
    let (code, json, stderr) = run(
        &[
            "sunset-report",
            spec,
            &log.to_string_lossy(),
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(report["head"], "2025-01-01");
    assert_eq!(report["versions"][0]["version"], "2024-01-01");
    assert_eq!(report["versions"][0]["sunset"], "2030-12-31");
    assert_eq!(
        report["versions"][0]["callers"][0]["caller"],
        "principal acme-mobile"
    );
    assert_eq!(
        report["versions"][0]["callers"][0]["routes"]["all_tasks"],
        3
    );
    assert_eq!(report["versions"][1]["requests"], 0);
    assert_eq!(report["unknown_versions"][0], "2023-01-01");

    // A missing log file is an error naming it.
    let (code, _, stderr) = run(&["sunset-report", spec, "/nonexistent/access.log"], "");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("/nonexistent/access.log"), "{stderr}");
}
