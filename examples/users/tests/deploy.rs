//! The deploy files agree with the server: the example binary, started with
//! exactly the environment the generated ConfigMap sets, answers the probes
//! and Prometheus's scrape on the admin port and paths the generated
//! Deployment names, and no longer on the API port; and on SIGTERM it
//! finishes in-flight requests and exits well within the pod's grace period.
//!
//! Needs `gatic build users.gati` to have written `gen/deploy/`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn generated(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("gen/deploy")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| {
        panic!(
            "{} ({e}); run `gatic build users.gati` first",
            full.display()
        )
    })
}

/// The ConfigMap's data: `config.env`, which the kustomization turns into it.
fn configmap_env() -> Vec<(String, String)> {
    generated("k8s/base/config.env")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value after `key:` on the first line at or after `from` that has it.
fn yaml_value<'a>(yaml: &'a str, from: &str, key: &str) -> &'a str {
    let start = yaml
        .find(from)
        .unwrap_or_else(|| panic!("`{from}` in the Deployment"));
    yaml[start..]
        .lines()
        .find_map(|l| l.trim().strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
        .unwrap_or_else(|| panic!("`{key}` after `{from}` in the Deployment"))
}

/// The `containerPort` of the container port called `name`.
fn container_port(yaml: &str, name: &str) -> u16 {
    yaml_value(yaml, &format!("- name: {name}\n"), "containerPort")
        .parse()
        .unwrap_or_else(|e| panic!("the {name} port's containerPort is not a number: {e}"))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_with(env: &[(String, String)]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_users-example"))
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the example server");
    Server(child)
}

/// Sends a request and returns the status code.
fn get(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split(' ').nth(1)?.parse().ok()
}

/// Sends a JSON body with a bearer token and returns the status code.
fn post(port: u16, path: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer example-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .ok()?;
    // The server may answer from the head alone and close before the body is sent.
    let _ = stream.write_all(body);
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

fn wait_until_ready(port: u16, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if get(port, path) == Some(200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not become ready on port {port}");
}

/// One test, because both start the server on the Deployment's port.
#[test]
fn configmap_environment_probes_and_graceful_shutdown() {
    let deployment = generated("k8s/base/deployment.yaml");
    let port = container_port(&deployment, "http");
    let readiness = yaml_value(&deployment, "readinessProbe:", "path");
    let liveness = yaml_value(&deployment, "livenessProbe:", "path");
    // Both probes name the same container port; it is the admin port.
    let probe_port = yaml_value(&deployment, "readinessProbe:", "port");
    assert_eq!(
        yaml_value(&deployment, "livenessProbe:", "port"),
        probe_port
    );
    let admin = container_port(&deployment, probe_port);
    assert_ne!(admin, port, "the probes have a port of their own");
    assert_eq!(
        yaml_value(&deployment, "annotations:", "prometheus.io/port"),
        format!("\"{admin}\"")
    );
    assert_eq!(
        yaml_value(&deployment, "annotations:", "prometheus.io/path"),
        "/metrics"
    );
    let grace: u64 = yaml_value(
        &deployment,
        "spec:\n      ",
        "terminationGracePeriodSeconds",
    )
    .parse()
    .expect("a numeric grace period");
    let env = configmap_env();
    assert!(
        env.iter()
            .any(|(k, v)| k == "PORT" && v.parse() == Ok(port)),
        "the ConfigMap's PORT is the http containerPort"
    );
    assert!(
        env.iter()
            .any(|(k, v)| k == "GATI_ADMIN_PORT" && v.parse() == Ok(admin)),
        "the ConfigMap's GATI_ADMIN_PORT is the probes' containerPort"
    );
    // The Service exposes the API only.
    let service = generated("k8s/base/service.yaml");
    assert_eq!(service.matches("targetPort:").count(), 1, "{service}");
    assert_eq!(yaml_value(&service, "ports:", "targetPort"), "http");
    let drain_ms: u64 = env
        .iter()
        .find(|(k, _)| k == "GATI_DRAIN_TIMEOUT_MS")
        .and_then(|(_, v)| v.parse().ok())
        .expect("the ConfigMap sets the drain deadline");
    assert!(
        grace * 1000 > drain_ms,
        "the grace period outlasts the drain deadline"
    );

    let mut server = start_with(&env);
    wait_until_ready(admin, readiness);
    assert_eq!(get(admin, liveness), Some(200));
    assert_eq!(get(admin, "/metrics"), Some(200));
    // The probes and metrics have left the API port; the API has not.
    for path in [liveness, readiness, "/metrics"] {
        assert_eq!(get(port, path), Some(404), "{path} on the API port");
    }
    assert_eq!(get(port, "/openapi.json"), Some(200));
    // The ConfigMap leaves the spec's limits to the server: create_user keeps
    // its own 16KiB body limit, below the service's 64KiB.
    assert_eq!(post(port, "/users", &[b' '; 20 * 1024]), Some(413));

    // A client mid-upload when SIGTERM arrives: the request is admitted and
    // in flight, its body still coming.
    let body = br#"{"handle": "ada", "email": "ada@example.com", "display_name": "Ada"}"#;
    let mut slow = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        slow,
        "POST /users HTTP/1.1\r\nHost: test\r\nConnection: close\r\nAuthorization: Bearer example-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("send head");
    slow.write_all(&body[..10]).expect("send part of the body");
    std::thread::sleep(Duration::from_millis(300));

    let terminated = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));

    // Draining: new API connections are refused, readiness fails (a 503, or
    // no answer once the admin listener closes too), and the in-flight
    // request finishes.
    assert_eq!(
        get(port, "/openapi.json"),
        None,
        "a draining server accepts no new API connections"
    );
    let ready = get(admin, readiness);
    assert!(
        matches!(ready, None | Some(503)),
        "a draining server is not ready: {ready:?}"
    );
    slow.write_all(&body[10..])
        .expect("send the rest of the body");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reply = String::new();
    slow.read_to_string(&mut reply).expect("read the reply");
    assert!(
        reply.starts_with("HTTP/1.1 201"),
        "the in-flight request completes: {reply}"
    );

    let deadline = terminated + Duration::from_secs(grace);
    loop {
        if let Some(exit) = server.0.try_wait().expect("wait") {
            assert!(exit.success(), "a clean exit after draining: {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after the {grace} s grace period"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
