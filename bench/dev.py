#!/usr/bin/env python3
"""The `gatic dev` benchmark (run it through bench/dev.sh).

On the `gatic new` starter, served by `gatic dev` (release gatic, the
handler crate in debug as `gatic dev` builds it):

- regeneration: `gatic dev`'s own "checked and generated in" time for a
  spec edit (check, every target, write the changed files), and `gatic
  build` on the same spec as a whole command;
- spec edit -> new code serving: from writing the spec (the text's
  length limit toggled) to the first answer with the new limit, probed
  every 5 ms on new connections;
- handler edit -> serving: from writing src/main.rs (the word a `ping`
  route answers) to the first answer with the new word;
- failed requests during swaps: clients sending `GET /notes` on a new
  connection each, without pause, while spec and handler edits swap the
  server; every refused connection, error or non-200 answer counts.

Edits are timed with no load first, then repeated under the load. Only
loopback is used, every wait is bounded, and the process group of `gatic
dev` is killed at the end. Results: a Markdown table on stdout and JSON in
target/bench/dev.json.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

HELLO = '{"text":"hello","tags":[]}'
PING_SPEC = (
    "\n/// A word back.\ntype Pong {\n  /// The word.\n  word: string\n}\n\n"
    "/// Answers with a word.\nroute ping GET /ping -> Pong\n"
)
PING_HANDLER = (
    "    async fn ping(\n        &self,\n        _: &Ctx,\n"
    "        _: notes_api::PingRequest,\n"
    "    ) -> Result<Reply<notes_api::Pong>, notes_api::PingError> {\n"
    '        Ok(notes_api::Pong { word: "pong 0".into() }.into())\n    }\n\n'
    "    async fn list_notes("
)


def request(address, method, path, body="", timeout=10.0):
    """One HTTP/1.1 request on a new connection: (status, body); raises on
    any failure."""
    with socket.create_connection(address, timeout=timeout) as s:
        s.settimeout(timeout)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        s.sendall(head.encode() + body.encode())
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    text = b"".join(chunks).decode("utf-8", "replace")
    status_line, _, rest = text.partition("\r\n")
    parts = status_line.split(" ")
    if len(parts) < 2 or not parts[1].isdigit():
        raise RuntimeError(f"no status in {text[:80]!r}")
    _, _, payload = rest.partition("\r\n\r\n")
    return int(parts[1]), payload


class Dev:
    """`gatic dev` in its own process group, its output gathered."""

    def __init__(self, gatic, project, target):
        env = dict(os.environ)
        env["CARGO_TARGET_DIR"] = target
        env.pop("RUSTFLAGS", None)
        env.pop("PORT", None)
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [gatic, "dev", "notes.gati", "--port", "0"],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            with self.lock:
                self.lines.append(line)
            if os.environ.get("BENCH_VERBOSE"):
                print(line, file=sys.stderr)

    def mark(self):
        with self.lock:
            return len(self.lines)

    def wait_for(self, pattern, since=0, timeout=900.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for i in range(since, len(self.lines)):
                    if pattern in self.lines[i]:
                        return i, self.lines[i]
            if self.proc.poll() is not None:
                raise RuntimeError(f"gatic dev exited ({self.proc.returncode})")
            time.sleep(0.02)
        raise RuntimeError(f"no {pattern!r} in {timeout} s:\n" + "\n".join(self.lines[-40:]))

    def step_times(self, since):
        """The step times gatic dev printed since line `since`: (generate
        ms or None, build s or None, ready ms or None)."""
        generate = build = ready = None
        with self.lock:
            lines = self.lines[since:]
        for line in lines:
            m = re.search(r"checked and generated in ([\d.]+) (ms|s)", line)
            if m:
                generate = seconds(m.group(1), m.group(2)) * 1000
            m = re.search(r"built in ([\d.]+) (ms|s)", line)
            if m:
                build = seconds(m.group(1), m.group(2))
            m = re.search(r"ready ([\d.]+) (ms|s) after it started", line)
            if m:
                ready = seconds(m.group(1), m.group(2)) * 1000
        return generate, build, ready

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def seconds(value, unit):
    return float(value) / (1000 if unit == "ms" else 1)


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if text.count(old) != 1:
        raise RuntimeError(f"{old!r} is not once in {path}")
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


class Probe:
    """Counts the probes' own failures (they are requests during swaps too)."""

    def __init__(self):
        self.failures = 0


def served_after(address, check, probe, timeout=300.0):
    """Polls every 5 ms until `check(status, body)`; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            status, body = request(address, *check[0])
            if check[1](status, body):
                return time.monotonic() - start
        except OSError:
            probe.failures += 1
        except RuntimeError:
            probe.failures += 1
        time.sleep(0.005)
    raise RuntimeError(f"not served in {timeout} s")


class Load:
    """`clients` threads sending GET /notes on new connections without pause."""

    def __init__(self, address, clients):
        self.address = address
        self.running = True
        self.ok = 0
        self.refused = 0
        self.failed = 0
        self.examples = []
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self):
        while self.running:
            try:
                status, _ = request(self.address, "GET", "/notes")
                with self.lock:
                    if status == 200:
                        self.ok += 1
                    else:
                        self.failed += 1
                        if len(self.examples) < 5:
                            self.examples.append(f"status {status}")
            except (OSError, RuntimeError) as e:
                with self.lock:
                    if isinstance(e, ConnectionRefusedError):
                        self.refused += 1
                    else:
                        self.failed += 1
                    if len(self.examples) < 5:
                        self.examples.append(repr(e))

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=30)
        elapsed = time.monotonic() - self.started
        return {
            "ok": self.ok,
            "refused": self.refused,
            "failed": self.failed,
            "per_second": round((self.ok + self.failed) / elapsed, 1),
            "examples": self.examples,
        }


def summary(values):
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gatic", default=os.path.join(ROOT, "target/release/gatic"))
    parser.add_argument("--rounds", type=int, default=5, help="timed edits of each kind")
    parser.add_argument("--clients", type=int, default=2, help="load threads")
    parser.add_argument(
        "--target",
        default=os.environ.get(
            "GATIC_GENERATED_TARGET_DIR", os.path.join(ROOT, "target/gatic-generated-target")
        ),
        help="CARGO_TARGET_DIR for the handler crate (the tests' shared one by default)",
    )
    args = parser.parse_args()
    args.gatic = os.path.abspath(args.gatic)
    args.target = os.path.abspath(args.target)

    project = os.path.join(ROOT, "target/bench/dev/notes")
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run([args.gatic, "new", project], check=True, stderr=subprocess.DEVNULL)
    spec = os.path.join(project, "notes.gati")
    main_rs = os.path.join(project, "src/main.rs")

    # `gatic build` as a whole command, on the starter.
    builds = []
    for _ in range(10):
        start = time.monotonic()
        subprocess.run(
            [args.gatic, "build", "notes.gati"], cwd=project, check=True, stderr=subprocess.DEVNULL
        )
        builds.append((time.monotonic() - start) * 1000)

    dev = Dev(args.gatic, project, args.target)
    results = {"rounds": args.rounds, "clients": args.clients}
    try:
        _, line = dev.wait_for("on http://", timeout=60)
        host, port = re.search(r"on http://([\d.]+):(\d+)", line).groups()
        address = (host, int(port))
        dev.wait_for("serving with pid", timeout=1800)

        # Warm-up, not counted: the route `ping` in the spec, then in the
        # handlers (the build fails in between), and one edit of each kind.
        probe = Probe()
        with open(spec, "a") as f:
            f.write(PING_SPEC)
        mark = dev.mark()
        dev.wait_for("the build failed", since=mark, timeout=300)
        edit(main_rs, "    async fn list_notes(", PING_HANDLER)
        served_after(address, (("GET", "/ping"), lambda s, b: "pong 0" in b), probe)

        limit = {"value": 1000}
        word = {"value": 0}

        def spec_edit():
            old = limit["value"]
            new = 4 if old == 1000 else 1000
            expect = 422 if new == 4 else 201
            mark = dev.mark()
            edit(spec, f"text: string @len(1..={old})", f"text: string @len(1..={new})")
            took = served_after(address, (("POST", "/notes", HELLO), lambda s, b: s == expect), probe)
            limit["value"] = new
            dev.wait_for("serving with pid", since=mark, timeout=60)
            return took, dev.step_times(mark)

        def handler_edit():
            old = word["value"]
            new = old + 1
            mark = dev.mark()
            edit(main_rs, f'"pong {old}"', f'"pong {new}"')
            took = served_after(
                address, (("GET", "/ping"), lambda s, b: s == 200 and f"pong {new}" in b), probe
            )
            word["value"] = new
            dev.wait_for("serving with pid", since=mark, timeout=60)
            return took, dev.step_times(mark)

        spec_edit()
        handler_edit()

        def rounds(n):
            spec_times, handler_times, generate, spec_build, handler_build, ready = (
                [], [], [], [], [], []
            )
            for _ in range(n):
                took, (g, b, r) = spec_edit()
                spec_times.append(took)
                generate.append(g)
                spec_build.append(b)
                ready.append(r)
                took, (_, b, r) = handler_edit()
                handler_times.append(took)
                handler_build.append(b)
                ready.append(r)
            return {
                "spec_edit_to_serving_s": summary(spec_times),
                "handler_edit_to_serving_s": summary(handler_times),
                "regeneration_ms": summary([g for g in generate if g is not None]),
                "spec_build_s": summary([b for b in spec_build if b is not None]),
                "handler_build_s": summary([b for b in handler_build if b is not None]),
                "ready_ms": summary([r for r in ready if r is not None]),
            }

        probe.failures = 0
        results["quiet"] = rounds(args.rounds)
        results["quiet"]["probe_failures"] = probe.failures
        load = Load(address, args.clients)
        probe.failures = 0
        results["loaded"] = rounds(args.rounds)
        results["loaded"]["probe_failures"] = probe.failures
        results["loaded"]["load"] = load.stop()
        results["loaded"]["swaps"] = 2 * args.rounds
        results["gatic_build_ms"] = summary(builds)
    finally:
        dev.stop()

    out = os.path.join(ROOT, "target/bench/dev.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    report(results)


def report(r):
    def ms(s):
        return f"{s:.0f} ms"

    def sec(s):
        return f"{s:.2f} s"

    def cell(summary_, fmt):
        if not summary_:
            return "-"
        return f"{fmt(summary_['median'])} ({fmt(summary_['min'])}–{fmt(summary_['max'])})"

    q, l = r["quiet"], r["loaded"]
    load = l["load"]
    print("| measure | target | no load | under load |")
    print("| --- | --- | --- | --- |")
    print(f"| regeneration (check, every target, write), in `gatic dev` | < 50 ms | {cell(q['regeneration_ms'], ms)} | {cell(l['regeneration_ms'], ms)} |")
    print(f"| `gatic build` on the starter, as a command | | {cell(r['gatic_build_ms'], ms)} | |")
    print(f"| spec edit → new code serving | < 2 s | {cell(q['spec_edit_to_serving_s'], sec)} | {cell(l['spec_edit_to_serving_s'], sec)} |")
    print(f"| of which `cargo build` | | {cell(q['spec_build_s'], sec)} | {cell(l['spec_build_s'], sec)} |")
    print(f"| handler edit → serving | < 1.5 s | {cell(q['handler_edit_to_serving_s'], sec)} | {cell(l['handler_edit_to_serving_s'], sec)} |")
    print(f"| of which `cargo build` | | {cell(q['handler_build_s'], sec)} | {cell(l['handler_build_s'], sec)} |")
    print(f"| new server: start → ready | | {cell(q['ready_ms'], ms)} | {cell(l['ready_ms'], ms)} |")
    print(
        f"| failed requests during {l['swaps']} swaps under load | 0 | | "
        f"{load['failed']} failed, {load['refused']} refused of {load['ok'] + load['failed'] + load['refused']} "
        f"({load['per_second']}/s, {r['clients']} clients) |"
    )
    print(f"| probes failed (the timing requests) | 0 | {q['probe_failures']} | {l['probe_failures']} |")
    print(f"\nmedian (min–max) of {r['rounds']} edits of each kind; JSON in target/bench/dev.json")
    if load["examples"]:
        print("failures seen:", load["examples"])


if __name__ == "__main__":
    main()
