//! Server-sent events: a route declared `returns stream NoteEvent` answers
//! with [`Events`], fed through an [`EventSender`] by any task, and the
//! runtime writes each event as `text/event-stream` (`id:` if it has one,
//! then its JSON on one `data:` line).
//!
//! The stream is bounded at every step: the channel holds at most its
//! capacity (a sender waits while the client is slow to read), an open
//! stream counts against its client's requests in flight and the server's
//! `max_event_streams`, and it ends when the sender is dropped, the client
//! goes away (sends then fail, so the producer stops) or the server drains.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use tokio::sync::mpsc;

use super::body::{Frames, ResponseBody};
use super::problem::Problem;
use super::server::Response;

/// One event: a value of the route's event type and an optional id (which
/// a browser's `EventSource` sends back as `Last-Event-ID` when it
/// reconnects).
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T> {
    value: T,
    id: Option<String>,
}

impl<T> Event<T> {
    /// An event without an id.
    pub fn new(value: T) -> Event<T> {
        Event { value, id: None }
    }

    /// The event with an id: any text without a line break or NUL (the
    /// event-stream format cannot carry those in an id). A bad id gives the
    /// event back, without one.
    pub fn with_id(self, id: impl Into<String>) -> Result<Event<T>, BadEventId<T>> {
        let id = id.into();
        if id.contains(['\r', '\n', '\0']) {
            return Err(BadEventId(self));
        }
        Ok(Event {
            value: self.value,
            id: Some(id),
        })
    }

    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The id, if the event has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl<T> From<T> for Event<T> {
    fn from(value: T) -> Event<T> {
        Event::new(value)
    }
}

/// An event id with a line break or a NUL in it; holds the event, without
/// the id.
#[derive(Clone, Debug, PartialEq)]
pub struct BadEventId<T>(pub Event<T>);

impl<T> BadEventId<T> {
    /// The event, without an id.
    pub fn into_event(self) -> Event<T> {
        self.0
    }
}

impl<T> fmt::Display for BadEventId<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event id cannot contain a line break or NUL")
    }
}

impl<T: fmt::Debug> std::error::Error for BadEventId<T> {}

/// The events a stream route answers with, in the order they are sent.
///
/// Made with [`Events::channel`] (the handler returns the `Events` and
/// keeps sending through the [`EventSender`] from a task of its own) or
/// [`Events::from_iter`] for events known at once. `Events::default()` is a
/// stream that ends at once.
pub struct Events<T> {
    receiver: Option<mpsc::Receiver<Event<T>>>,
}

impl<T> Default for Events<T> {
    fn default() -> Events<T> {
        Events { receiver: None }
    }
}

impl<T> fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Events")
    }
}

impl<T: Send + 'static> Events<T> {
    /// A stream fed by the returned sender, holding at most `capacity`
    /// events not yet written (at least one): a sender waits while it is
    /// full. The stream ends once every sender is dropped.
    pub fn channel(capacity: usize) -> (EventSender<T>, Events<T>) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        (
            EventSender { sender },
            Events {
                receiver: Some(receiver),
            },
        )
    }
}

impl<T: Send + 'static, E: Into<Event<T>>> FromIterator<E> for Events<T> {
    /// A stream of these events, which then ends.
    fn from_iter<I: IntoIterator<Item = E>>(events: I) -> Events<T> {
        let events: Vec<Event<T>> = events.into_iter().map(Into::into).collect();
        let (sender, receiver) = mpsc::channel(events.len().max(1));
        for event in events {
            // The channel has room for every event, and its receiver is here.
            let _ = sender.try_send(event);
        }
        Events {
            receiver: Some(receiver),
        }
    }
}

impl<T> Events<T> {
    /// The next event, `None` once the stream has ended: for tests, and for
    /// code that reads a stream itself.
    pub async fn next(&mut self) -> Option<Event<T>> {
        self.receiver.as_mut()?.recv().await
    }
}

/// Sends events to a stream; cheap to clone (every clone feeds the same
/// stream, which ends when all are dropped).
pub struct EventSender<T> {
    sender: mpsc::Sender<Event<T>>,
}

impl<T> Clone for EventSender<T> {
    fn clone(&self) -> EventSender<T> {
        EventSender {
            sender: self.sender.clone(),
        }
    }
}

impl<T> fmt::Debug for EventSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventSender")
    }
}

/// The stream has ended: its client went away or the server drained.
/// Stop producing its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamClosed;

impl fmt::Display for StreamClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event stream has ended")
    }
}

impl std::error::Error for StreamClosed {}

impl<T> EventSender<T> {
    /// Sends an event, waiting while the stream's channel is full (the
    /// client reads slower than events come).
    pub async fn send(&self, event: impl Into<Event<T>>) -> Result<(), StreamClosed> {
        self.sender
            .send(event.into())
            .await
            .map_err(|_| StreamClosed)
    }

    /// Whether the stream has ended.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Resolves once the stream has ended: for a producer that waits on
    /// something else (a broadcast, a timer) between events.
    pub async fn closed(&self) {
        self.sender.closed().await;
    }
}

/// The frames of a stream: each event encoded by `encode`; an event that
/// cannot be encoded (an old version cannot represent it, say) is written
/// as an `error` event carrying the problem, and ends the stream.
struct EventFrames<T, F> {
    receiver: Option<mpsc::Receiver<Event<T>>>,
    encode: F,
}

impl<T, F> Frames for EventFrames<T, F>
where
    T: Send + 'static,
    F: FnMut(T) -> Result<Vec<u8>, Problem> + Send + Unpin + 'static,
{
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        let this = self.get_mut();
        let Some(receiver) = &mut this.receiver else {
            return Poll::Ready(None);
        };
        let Some(event) = std::task::ready!(receiver.poll_recv(cx)) else {
            this.receiver = None;
            return Poll::Ready(None);
        };
        let mut frame = Vec::new();
        if let Some(id) = &event.id {
            frame.extend_from_slice(b"id: ");
            frame.extend_from_slice(id.as_bytes());
            frame.push(b'\n');
        }
        match (this.encode)(event.value) {
            Ok(data) => {
                frame.extend_from_slice(b"data: ");
                frame.extend_from_slice(&data);
                frame.extend_from_slice(b"\n\n");
            }
            Err(problem) => {
                frame.extend_from_slice(b"event: error\ndata: ");
                frame.extend_from_slice(&problem.to_json());
                frame.extend_from_slice(b"\n\n");
                // Nothing after an error: the receiver is dropped, so the
                // producer's next send fails.
                this.receiver = None;
            }
        }
        Poll::Ready(Some(Bytes::from(frame)))
    }
}

/// The `text/event-stream` response of `events`, each event's data
/// written by `encode` (JSON on one line: serde_json escapes line breaks).
pub fn event_stream<T, F>(events: Events<T>, encode: F) -> Response
where
    T: Send + 'static,
    F: FnMut(T) -> Result<Vec<u8>, Problem> + Send + Unpin + 'static,
{
    let body = ResponseBody::stream(EventFrames {
        receiver: events.receiver,
        encode,
    });
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies such as nginx otherwise buffer the stream.
    headers.insert(
        hyper::header::HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// Encodes one event's value as JSON.
pub fn event_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(value)
        .map_err(|_| Problem::new(500, "the event could not be written as JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn text(response: Response) -> String {
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("the body")
            .to_bytes();
        String::from_utf8(bytes.to_vec()).expect("UTF-8")
    }

    #[tokio::test]
    async fn events_are_written_in_order_with_their_ids() {
        let events: Events<serde_json::Value> = [
            Event::new(serde_json::json!({"n": 1})),
            Event::new(serde_json::json!("two\nlines"))
                .with_id("7")
                .expect("a valid id"),
        ]
        .into_iter()
        .collect();
        let response = event_stream(events, |v| event_json(&v));
        assert_eq!(response.headers()[CONTENT_TYPE], "text/event-stream");
        assert_eq!(
            text(response).await,
            "data: {\"n\":1}\n\nid: 7\ndata: \"two\\nlines\"\n\n"
        );
    }

    #[tokio::test]
    async fn a_failed_encoding_is_an_error_event_and_the_end() {
        let (sender, events) = Events::channel(4);
        sender.send(1).await.expect("the stream is open");
        sender.send(2).await.expect("the stream is open");
        sender.send(3).await.expect("the stream is open");
        let response = event_stream(events, |n: i32| {
            if n == 2 {
                Err(Problem::new(500, "no"))
            } else {
                event_json(&n)
            }
        });
        let body = text(response).await;
        assert!(
            body.starts_with("data: 1\n\nevent: error\ndata: {"),
            "{body}"
        );
        assert!(!body.contains("data: 3"), "{body}");
        // The stream's end reaches the producer.
        assert_eq!(sender.send(4).await, Err(StreamClosed));
    }

    #[tokio::test]
    async fn a_dropped_response_closes_the_sender() {
        let (sender, events) = Events::<i32>::channel(1);
        let response = event_stream(events, |n| event_json(&n));
        assert!(!sender.is_closed());
        drop(response);
        assert!(sender.is_closed());
        assert_eq!(sender.send(1).await, Err(StreamClosed));
    }

    #[test]
    fn ids_with_line_breaks_are_refused() {
        assert_eq!(
            Event::new(1).with_id("a\nb"),
            Err(BadEventId(Event::new(1)))
        );
        assert_eq!(Event::new(1).with_id("a\r"), Err(BadEventId(Event::new(1))));
        assert_eq!(
            Event::new(1)
                .with_id("ok")
                .map(|e| e.id().map(str::to_owned)),
            Ok(Some("ok".to_owned()))
        );
    }
}
