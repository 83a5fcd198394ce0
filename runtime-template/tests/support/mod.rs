//! The HTTP/1.1 test client the runtime's end-to-end tests share: raw
//! requests over a real loopback socket, responses read by hand.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A socket connected to `addr` from the loopback address `local`.
pub async fn stream_from(local: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind(SocketAddr::from((local, 0)))
        .expect("bind a loopback address");
    tokio::time::timeout(STEP, socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect")
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Every client step is bounded, so a hung server fails the test quickly.
pub const STEP: Duration = Duration::from_secs(5);

pub struct Client {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
    /// How long a response may take.
    pub step: Duration,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        Client {
            stream,
            buf: Vec::new(),
            step: STEP,
        }
    }

    /// A connection from another loopback address (`127.0.0.2`, say): the
    /// server sees another client.
    pub async fn connect_from(local: [u8; 4], addr: SocketAddr) -> Client {
        Client {
            stream: stream_from(local, addr).await,
            buf: Vec::new(),
            step: STEP,
        }
    }

    pub async fn send_raw(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).await.expect("write");
    }

    /// Reads one response (the body by Content-Length, else to end of stream).
    pub async fn read_reply(&mut self) -> Reply {
        self.read_reply_to(false).await
    }

    /// Reads one response; a response to HEAD has no body whatever its headers say.
    pub async fn read_reply_to(&mut self, head: bool) -> Reply {
        tokio::time::timeout(self.step, self.read_reply_inner(head))
            .await
            .expect("response in time")
    }

    async fn read_reply_inner(&mut self, is_head: bool) -> Reply {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            assert!(
                self.fill().await > 0,
                "connection closed before a response: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let length = if is_head { Some(0) } else { length };
        match length {
            Some(n) => {
                while self.buf.len() < n {
                    assert!(self.fill().await > 0, "connection closed inside a body");
                }
            }
            None => while self.fill().await > 0 {},
        }
        let n = length.unwrap_or(self.buf.len());
        let body = String::from_utf8_lossy(&self.buf[..n]).into_owned();
        self.buf.drain(..n);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await.unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    pub async fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        self.send_raw(raw_request(method, target, headers, body).as_bytes())
            .await;
        self.read_reply_to(method == "HEAD").await
    }
}

pub fn raw_request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut raw = format!("{method} {target} HTTP/1.1\r\nhost: test\r\n");
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        raw.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    raw.push_str(body);
    raw
}

pub async fn fetch(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    Client::connect(addr)
        .await
        .request(method, target, headers, body)
        .await
}

pub fn is_problem(reply: &Reply) -> bool {
    let json = reply.json();
    reply.header("content-type") == Some("application/problem+json")
        && json["status"] == reply.status
        && json["type"] == "about:blank"
        && json["title"].is_string()
}
