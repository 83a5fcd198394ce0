//! The admission queue: a bounded number of requests in handlers, a bounded
//! number waiting for a slot, and load shedding past either bound.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};
use tokio::time::Instant;

use super::metrics::Histogram;

/// Why a request was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shed {
    /// The wait queue was full on arrival.
    QueueFull,
    /// The request waited past its queue deadline.
    Expired,
}

/// One admission gate: at most `limit` holders at once and at most `queue`
/// waiters; waiters are served first come, first served.
#[derive(Debug)]
pub(super) struct Gate {
    permits: Semaphore,
    limit: u32,
    queue: u32,
    waiting: AtomicU32,
    shed: AtomicU64,
    /// How long requests that found no free slot waited, admitted or shed
    /// (the uncontended path records nothing).
    waits: Histogram,
}

impl Gate {
    /// A gate with `limit` slots (at least 1) and room for `queue` waiters.
    pub(super) fn new(limit: u32, queue: u32) -> Gate {
        let limit = limit.max(1);
        Gate {
            permits: Semaphore::new(limit as usize),
            limit,
            queue,
            waiting: AtomicU32::new(0),
            shed: AtomicU64::new(0),
            waits: Histogram::default(),
        }
    }

    /// Takes a slot if one is free now: the uncontended path, which touches
    /// neither the wait queue nor a timer.
    pub(super) fn try_enter(&self) -> Option<SemaphorePermit<'_>> {
        self.permits.try_acquire().ok()
    }

    /// Takes a slot, waiting in line until `deadline` if none is free. The
    /// slot is released when the permit is dropped.
    pub(super) async fn enter(&self, deadline: Instant) -> Result<SemaphorePermit<'_>, Shed> {
        match self.permits.try_acquire() {
            Ok(permit) => return Ok(permit),
            // The semaphore is never closed, so this is "no permits".
            Err(TryAcquireError::NoPermits | TryAcquireError::Closed) => {}
        }
        let joined = self
            .waiting
            .fetch_update(Relaxed, Relaxed, |n| (n < self.queue).then_some(n + 1));
        if joined.is_err() {
            self.shed.fetch_add(1, Relaxed);
            return Err(Shed::QueueFull);
        }
        let _in_line = InLine(&self.waiting);
        let since = Instant::now();
        let entered = tokio::time::timeout_at(deadline, self.permits.acquire()).await;
        self.waits.observe(since.elapsed());
        match entered {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => {
                self.shed.fetch_add(1, Relaxed);
                Err(Shed::Expired)
            }
        }
    }

    /// The waits of requests that found no free slot.
    pub(super) fn waits(&self) -> &Histogram {
        &self.waits
    }

    /// Requests holding a slot now.
    pub(super) fn in_flight(&self) -> u64 {
        u64::from(self.limit).saturating_sub(self.permits.available_permits() as u64)
    }

    /// Requests waiting for a slot now.
    pub(super) fn queued(&self) -> u64 {
        u64::from(self.waiting.load(Relaxed))
    }

    /// Requests turned away so far.
    pub(super) fn shed(&self) -> u64 {
        self.shed.load(Relaxed)
    }
}

/// Leaves the wait queue when dropped, whether the wait ended in a slot, a
/// timeout or a cancelled request.
struct InLine<'a>(&'a AtomicU32);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn admits_queues_and_sheds() {
        let gate = Gate::new(1, 1);
        let far = Instant::now() + Duration::from_secs(5);
        let first = gate.enter(far).await;
        assert!(first.is_ok());
        assert_eq!((gate.in_flight(), gate.queued()), (1, 0));
        // A free slot is not a wait.
        assert_eq!(gate.waits().count(), 0);

        // The second waits in line; the third finds the line full.
        let mut second = Box::pin(gate.enter(far));
        assert!(futures_poll(&mut second).is_none());
        assert_eq!(gate.queued(), 1);
        assert_eq!(gate.enter(far).await.err(), Some(Shed::QueueFull));
        assert_eq!(gate.shed(), 1);

        drop(first);
        let second = second.await;
        assert!(second.is_ok());
        assert_eq!((gate.in_flight(), gate.queued()), (1, 0));
        // The second's wait is observed; the third, shed at once because
        // the line was full, never waited.
        assert_eq!(gate.waits().count(), 1);

        // A waiter whose deadline passes is shed before it gets a slot.
        let soon = Instant::now() + Duration::from_millis(20);
        assert_eq!(gate.enter(soon).await.err(), Some(Shed::Expired));
        assert_eq!((gate.queued(), gate.shed()), (0, 2));
        // An expired wait is observed too, and lasted its 20 ms.
        assert_eq!(gate.waits().count(), 2);
        assert!(gate.waits().sum_seconds() >= 0.02);
        drop(second);
        assert_eq!(gate.in_flight(), 0);
    }

    #[tokio::test]
    async fn zero_queue_sheds_at_once() {
        let gate = Gate::new(0, 0);
        let far = Instant::now() + Duration::from_secs(5);
        let held = gate.enter(far).await;
        assert!(held.is_ok());
        assert_eq!(gate.enter(far).await.err(), Some(Shed::QueueFull));
    }

    /// Polls a future once.
    fn futures_poll<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::Pin::new(f).poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }
}
