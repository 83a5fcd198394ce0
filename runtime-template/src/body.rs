//! The body of every response: one chunk of bytes (almost every answer), or
//! a stream of server-sent events that ends when its producer finishes, the
//! client goes away or the server drains.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// A response body: whole bytes, or a stream of frames.
///
/// A whole body has its exact length (so hyper sends `Content-Length`); a
/// stream is sent in chunks as its frames come.
pub struct ResponseBody(Inner);

enum Inner {
    /// The bytes, until they are taken.
    Full(Option<Bytes>),
    /// A stream of frames, with its keep-alive timer and what it holds.
    Stream(Box<Streaming>),
}

/// Produces a stream's frames: `None` when it has ended.
pub(super) trait Frames: Send {
    /// The next frame, if one is ready.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>>;
}

/// A stream and everything it needs while it is sent.
struct Streaming {
    frames: Pin<Box<dyn Frames>>,
    /// A comment is written when no frame has been written for
    /// [`KEEP_ALIVE`], so that proxies and load balancers do not close an
    /// idle stream. The timer starts when the stream first waits.
    keep_alive: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Resolves when the server drains: the stream then ends.
    stop: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// What the stream holds while open (its slot, its client's count),
    /// released when it ends or is dropped.
    held: Option<Box<dyn Send>>,
    ended: bool,
}

/// How long a stream may be idle before a keep-alive comment is written.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The keep-alive frame: an event-stream comment line.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

impl ResponseBody {
    /// A body of these bytes.
    pub fn full(bytes: impl Into<Bytes>) -> ResponseBody {
        let bytes: Bytes = bytes.into();
        ResponseBody(Inner::Full((!bytes.is_empty()).then_some(bytes)))
    }

    /// An empty body.
    pub fn empty() -> ResponseBody {
        ResponseBody(Inner::Full(None))
    }

    /// A stream of frames.
    pub(super) fn stream(frames: impl Frames + 'static) -> ResponseBody {
        ResponseBody(Inner::Stream(Box::new(Streaming {
            frames: Box::pin(frames),
            keep_alive: None,
            stop: None,
            held: None,
            ended: false,
        })))
    }

    /// Whether this is a stream (rather than whole bytes).
    pub fn is_stream(&self) -> bool {
        matches!(self.0, Inner::Stream(_))
    }

    /// The bytes of a whole body (empty for a stream, or once sent).
    pub fn bytes(&self) -> Bytes {
        match &self.0 {
            Inner::Full(bytes) => bytes.clone().unwrap_or_default(),
            Inner::Stream(_) => Bytes::new(),
        }
    }

    /// Makes a stream end when `stop` resolves, and keep `held` until it
    /// ends. Nothing for a whole body.
    pub(super) fn hold(
        &mut self,
        stop: impl Future<Output = ()> + Send + 'static,
        held: Box<dyn Send>,
    ) {
        if let Inner::Stream(streaming) = &mut self.0 {
            streaming.stop = Some(Box::pin(stop));
            streaming.held = Some(held);
        }
    }
}

impl Default for ResponseBody {
    fn default() -> ResponseBody {
        ResponseBody::empty()
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> ResponseBody {
        ResponseBody::full(bytes)
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> ResponseBody {
        ResponseBody::full(bytes)
    }
}

impl From<String> for ResponseBody {
    fn from(text: String) -> ResponseBody {
        ResponseBody::full(text)
    }
}

impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> ResponseBody {
        ResponseBody::full(Bytes::from_static(text.as_bytes()))
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Full(bytes) => f
                .debug_tuple("Full")
                .field(&bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Inner::Stream(_) => f.write_str("Stream"),
        }
    }
}

impl Streaming {
    /// Ends the stream, releasing what it held.
    fn end(&mut self) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.ended = true;
        self.stop = None;
        self.held = None;
        Poll::Ready(None)
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.get_mut().0 {
            Inner::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Inner::Stream(streaming) => {
                if streaming.ended {
                    return Poll::Ready(None);
                }
                if let Some(stop) = &mut streaming.stop
                    && stop.as_mut().poll(cx).is_ready()
                {
                    return streaming.end();
                }
                match streaming.frames.as_mut().poll_next(cx) {
                    Poll::Ready(Some(frame)) => {
                        // The idle time counts again from the next wait.
                        streaming.keep_alive = None;
                        Poll::Ready(Some(Ok(Frame::data(frame))))
                    }
                    Poll::Ready(None) => streaming.end(),
                    Poll::Pending => {
                        let timer = streaming
                            .keep_alive
                            .get_or_insert_with(|| Box::pin(tokio::time::sleep(KEEP_ALIVE)));
                        match timer.as_mut().poll(cx) {
                            Poll::Ready(()) => {
                                streaming.keep_alive = None;
                                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
                                    KEEP_ALIVE_FRAME,
                                )))))
                            }
                            Poll::Pending => Poll::Pending,
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Full(bytes) => bytes.is_none(),
            Inner::Stream(streaming) => streaming.ended,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Inner::Stream(_) => SizeHint::default(),
        }
    }
}
