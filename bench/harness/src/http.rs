//! A minimal HTTP/1.1 client over raw sockets: one blocking exchange for the
//! correctness checks, and a closed-loop load generator that keeps latencies
//! apart by status (wrk cannot), for the overload runs.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One request, as it goes on the wire.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

/// A response: status, headers (names lowercased) and body.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Reply {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the head of a response says about how to read the rest.
struct Head {
    status: u16,
    head_len: usize,
    body_len: usize,
    close: bool,
}

fn parse_head(buf: &[u8]) -> io::Result<Option<Head>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(io::Error::other)?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("bad status line"))?;
    let mut body_len = 0;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            body_len = value.parse().map_err(io::Error::other)?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(io::Error::other("chunked responses are not supported"));
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            close = true;
        }
    }
    Ok(Some(Head {
        status,
        head_len: end + 4,
        body_len,
        close,
    }))
}

/// Sends `raw` on a fresh connection and reads the response.
pub fn exchange(port: u16, raw: &[u8]) -> io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(raw)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        if let Some(head) = parse_head(&buf)?
            && buf.len() >= head.head_len + head.body_len
        {
            let text = String::from_utf8_lossy(&buf[..head.head_len]).into_owned();
            let headers = text
                .split("\r\n")
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            let body = &buf[head.head_len..head.head_len + head.body_len];
            return Ok(Reply {
                status: head.status,
                headers,
                body: String::from_utf8_lossy(body).into_owned(),
            });
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// What a load run measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct LoadResult {
    /// Seconds measured (after the warm-up).
    pub seconds: f64,
    /// 2xx responses.
    pub ok: u64,
    /// 503 responses.
    pub shed: u64,
    /// Other statuses.
    pub other: u64,
    /// Connection errors (refused, reset, closed early).
    pub errors: u64,
    /// Latency percentiles of 2xx responses, µs: p50, p99, max.
    pub ok_us: [u64; 3],
    /// Latency percentiles of 503 responses, µs: p50, p99, max.
    pub shed_us: [u64; 3],
}

#[derive(Default)]
struct Samples {
    ok: Vec<u32>,
    shed: Vec<u32>,
    other: u64,
    errors: u64,
}

/// Runs `connections` connections against `port` for `warmup` then
/// `measure`; only requests sent and answered within `measure` count. With
/// `rate` 0 each connection sends `raw` again as soon as the previous answer
/// arrived (closed loop); otherwise the connections share a constant offered
/// rate of `rate` requests per second, each on its own schedule, and latency
/// counts from the scheduled send (a late connection's wait included).
pub fn load(
    port: u16,
    raw: Vec<u8>,
    connections: usize,
    rate: f64,
    warmup: Duration,
    measure: Duration,
) -> io::Result<LoadResult> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let start = Instant::now() + warmup;
        let end = start + measure;
        let raw: &'static [u8] = Box::leak(raw.into_boxed_slice());
        let mut tasks = Vec::with_capacity(connections);
        let interval = (rate > 0.0).then(|| Duration::from_secs_f64(connections as f64 / rate));
        for i in 0..connections {
            // Spread the connections' schedules evenly over one interval.
            let phase = interval.map_or(Duration::ZERO, |iv| {
                iv.mul_f64(i as f64 / connections as f64)
            });
            tasks.push(tokio::spawn(connection(
                port, raw, start, end, interval, phase,
            )));
        }
        let mut all = Samples::default();
        for task in tasks {
            let s = task.await.map_err(io::Error::other)?;
            all.ok.extend(s.ok);
            all.shed.extend(s.shed);
            all.other += s.other;
            all.errors += s.errors;
        }
        Ok(LoadResult {
            seconds: measure.as_secs_f64(),
            ok: all.ok.len() as u64,
            shed: all.shed.len() as u64,
            other: all.other,
            errors: all.errors,
            ok_us: percentiles(&mut all.ok),
            shed_us: percentiles(&mut all.shed),
        })
    })
}

fn percentiles(v: &mut [u32]) -> [u64; 3] {
    if v.is_empty() {
        return [0; 3];
    }
    v.sort_unstable();
    let at = |q: f64| u64::from(v[((v.len() as f64 * q) as usize).min(v.len() - 1)]);
    [at(0.5), at(0.99), u64::from(v[v.len() - 1])]
}

async fn connection(
    port: u16,
    raw: &'static [u8],
    start: Instant,
    end: Instant,
    interval: Option<Duration>,
    phase: Duration,
) -> Samples {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut samples = Samples::default();
    let mut buf = vec![0u8; 16384];
    let mut next = Instant::now() + phase;
    'connect: while Instant::now() < end {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            samples.errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut filled = 0;
        while Instant::now() < end {
            let sent = match interval {
                None => Instant::now(),
                Some(interval) => {
                    if next > Instant::now() {
                        tokio::time::sleep_until(next.into()).await;
                    }
                    let scheduled = next;
                    // Behind by more than an interval: drop the backlog rather than burst.
                    next = (scheduled + interval).max(Instant::now());
                    if scheduled >= end {
                        break 'connect;
                    }
                    scheduled
                }
            };
            if stream.write_all(raw).await.is_err() {
                samples.errors += 1;
                continue 'connect;
            }
            let head = loop {
                match parse_head(&buf[..filled]) {
                    Ok(Some(head)) if filled >= head.head_len + head.body_len => break head,
                    Ok(_) => {}
                    Err(_) => {
                        samples.errors += 1;
                        continue 'connect;
                    }
                }
                if filled == buf.len() {
                    buf.resize(buf.len() * 2, 0);
                }
                match tokio::time::timeout_at(end.into(), stream.read(&mut buf[filled..])).await {
                    Ok(Ok(n)) if n > 0 => filled += n,
                    Ok(_) => {
                        samples.errors += 1;
                        continue 'connect;
                    }
                    // The run ended while this request was outstanding.
                    Err(_) => return samples,
                }
            };
            let done = Instant::now();
            if sent >= start && done <= end {
                let us = (done - sent).as_micros().min(u128::from(u32::MAX)) as u32;
                match head.status {
                    200..=299 => samples.ok.push(us),
                    503 => samples.shed.push(us),
                    _ => samples.other += 1,
                }
            }
            let used = head.head_len + head.body_len;
            buf.copy_within(used..filled, 0);
            filled -= used;
            if head.close {
                continue 'connect;
            }
        }
    }
    samples
}
