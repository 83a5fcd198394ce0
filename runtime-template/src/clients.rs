//! Per-client fairness: open connections and requests in flight per client,
//! token-bucket rate limits, and the budget of rejected credentials.
//!
//! A client is its credential on routes that authenticate (a hash of the
//! secret, never the secret itself), else its IP address; IPv6 addresses
//! count by their /64, the smallest block one subscriber usually gets.
//! Entries live in a sharded table and are swept once nothing holds them
//! and their buckets are full again, so the table's size follows the live
//! clients, and it never grows past a fixed bound: past it, new clients
//! share one overflow entry (tight limits for everyone new, rather than
//! unbounded memory during a flood from many addresses).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::config::RateLimit;

/// Who a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum ClientKey {
    /// An IPv4 address, or the /64 of an IPv6 address, as 128 bits.
    Address(u128),
    /// A hash of an accepted credential.
    Credential(u64),
}

impl ClientKey {
    /// The key of a peer address.
    pub(super) fn address(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::Address(u128::from(u32::from(v4))),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::Address(u128::from(u32::from(v4))),
                None => ClientKey::Address(u128::from(v6) & !u128::from(u64::MAX)),
            },
        }
    }
}

/// One client's counters and buckets.
#[derive(Debug, Default)]
pub(super) struct Client {
    connections: AtomicU32,
    in_flight: AtomicU32,
    /// The service-wide rate limit's bucket (or a route's, for route entries).
    rate: Bucket,
    /// The bucket of rejected credentials (address entries only).
    failures: Bucket,
}

impl Client {
    /// Counts a request as in flight, unless the client already has `cap`
    /// (0 = no cap); the guard ends the count.
    pub(super) fn enter(&self, cap: u32) -> Option<InFlight<'_>> {
        let now = self.in_flight.fetch_add(1, Relaxed);
        let guard = InFlight(&self.in_flight);
        (cap == 0 || now < cap).then_some(guard)
    }
}

/// A request counted as in flight for its client, until dropped.
pub(super) struct InFlight<'a>(&'a AtomicU32);

impl Client {
    /// Counts one more request in flight, whatever the cap, until the guard
    /// is dropped: for an event stream, which goes on after its request was
    /// admitted (under the cap) and returned.
    pub(super) fn hold(self: &Arc<Client>) -> Held {
        self.in_flight.fetch_add(1, Relaxed);
        Held(self.clone())
    }
}

/// A stream counted as in flight for its client, until dropped.
pub(super) struct Held(Arc<Client>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// An open connection counted for its client, until dropped.
pub(super) struct Connection(Arc<Client>);

impl Connection {
    /// The connection's client.
    pub(super) fn client(&self) -> &Arc<Client> {
        &self.0
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Relaxed);
    }
}

/// A token bucket kept as one number, the "theoretical arrival time" of the
/// generic cell rate algorithm: a request is allowed when the bucket's time
/// is not more than `burst` intervals ahead of now, and moves it one interval
/// on. Nanoseconds since the table's epoch.
#[derive(Debug, Default)]
struct Bucket(AtomicU64);

impl Bucket {
    /// Takes one token, or says how long until one is there.
    fn take(&self, limit: &RateLimit, now: u64) -> Result<(), Duration> {
        let interval = limit.interval_nanos();
        let tolerance = interval.saturating_mul(u64::from(limit.burst));
        let mut current = self.0.load(Relaxed);
        loop {
            let next = current.max(now).saturating_add(interval);
            if next - now > tolerance {
                return Err(Duration::from_nanos(next - now - tolerance));
            }
            match self
                .0
                .compare_exchange_weak(current, next, Relaxed, Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// How long until a token is there (zero when one is).
    fn wait(&self, limit: &RateLimit, now: u64) -> Duration {
        let interval = limit.interval_nanos();
        let tolerance = interval.saturating_mul(u64::from(limit.burst));
        let next = self.0.load(Relaxed).max(now).saturating_add(interval);
        Duration::from_nanos((next - now).saturating_sub(tolerance))
    }

    /// Whether the bucket is full (its time is not in the future).
    fn is_full(&self, now: u64) -> bool {
        self.0.load(Relaxed) <= now
    }
}

/// Which bucket of a client an entry holds: the client's own entry, or its
/// bucket for one route's rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Scope {
    key: ClientKey,
    /// 0 for the client's own entry, else the route's index plus one.
    route: u32,
}

/// Shards of the table: enough that two cores rarely wait on one lock.
const SHARDS: usize = 16;

/// The most entries one shard holds (so at most 16 × 8192 in all).
const SHARD_ENTRIES: usize = 8192;

/// One shard of the table.
type Shard = Mutex<HashMap<Scope, Arc<Client>>>;

/// Every client the server knows now.
pub(super) struct Clients {
    shards: Box<[Shard]>,
    /// Where new clients go when their shard is full.
    overflow: Arc<Client>,
    /// Hashes credentials into keys (random per process).
    hasher: std::collections::hash_map::RandomState,
    epoch: Instant,
    /// Connections per address; 0 = no cap.
    pub(super) connection_cap: u32,
    /// Requests in flight per client; 0 = no cap.
    pub(super) in_flight_cap: u32,
    /// Rejected credentials per address.
    pub(super) failure_rate: RateLimit,
}

impl Clients {
    /// An empty table with these caps.
    pub(super) fn new(connection_cap: u32, in_flight_cap: u32, failure_rate: RateLimit) -> Clients {
        Clients {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            overflow: Arc::default(),
            hasher: std::collections::hash_map::RandomState::new(),
            epoch: Instant::now(),
            connection_cap,
            in_flight_cap,
            failure_rate,
        }
    }

    /// Nanoseconds since the table's epoch.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The key of a credential's secret.
    pub(super) fn credential(&self, secret: &str) -> ClientKey {
        ClientKey::Credential(self.hasher.hash_one(secret))
    }

    fn entry(&self, scope: Scope) -> Arc<Client> {
        let shard = &self.shards[(self.hasher.hash_one(scope) as usize) % SHARDS];
        let mut map = shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = map.get(&scope) {
            return client.clone();
        }
        if map.len() >= SHARD_ENTRIES {
            let now = self.now();
            map.retain(|_, c| !is_idle(c, now));
            if map.len() >= SHARD_ENTRIES {
                return self.overflow.clone();
            }
        }
        map.entry(scope).or_default().clone()
    }

    /// The client behind `key`.
    pub(super) fn client(&self, key: ClientKey) -> Arc<Client> {
        self.entry(Scope { key, route: 0 })
    }

    /// Counts a connection from `ip` however many the address has (an
    /// in-process caller, which opens no socket).
    pub(super) fn attach(&self, ip: IpAddr) -> Connection {
        let client = self.client(ClientKey::address(ip));
        client.connections.fetch_add(1, Relaxed);
        Connection(client)
    }

    /// Counts a new connection from `ip`, unless the address already has
    /// as many as it may.
    pub(super) fn connect(&self, ip: IpAddr) -> Option<Connection> {
        let client = self.client(ClientKey::address(ip));
        let open = client.connections.fetch_add(1, Relaxed);
        let connection = Connection(client);
        (self.connection_cap == 0 || open < self.connection_cap).then_some(connection)
    }

    /// Takes a token from `client`'s service-wide bucket.
    pub(super) fn take(&self, client: &Client, limit: &RateLimit) -> Result<(), Duration> {
        client.rate.take(limit, self.now())
    }

    /// Takes a token from the bucket of `key` for route `route`.
    pub(super) fn take_route(
        &self,
        key: ClientKey,
        route: usize,
        limit: &RateLimit,
    ) -> Result<(), Duration> {
        let route = u32::try_from(route).unwrap_or(u32::MAX - 1) + 1;
        self.entry(Scope { key, route })
            .rate
            .take(limit, self.now())
    }

    /// How long `client` (an address) must wait before presenting another
    /// credential; zero when it may now.
    pub(super) fn failure_wait(&self, client: &Client) -> Duration {
        if self.failure_rate.is_off() {
            return Duration::ZERO;
        }
        client.failures.wait(&self.failure_rate, self.now())
    }

    /// Records a rejected credential from `client` (an address).
    pub(super) fn failed(&self, client: &Client) {
        if !self.failure_rate.is_off() {
            let _ = client.failures.take(&self.failure_rate, self.now());
        }
    }

    /// Drops entries that nothing holds and whose buckets are full.
    pub(super) fn sweep(&self) {
        let now = self.now();
        for shard in &self.shards {
            let mut map = shard
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.retain(|_, c| !is_idle(c, now));
        }
    }

    /// Entries in the table (for metrics and tests).
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |m| m.len()))
            .sum()
    }
}

/// Whether an entry can go: nothing counts on it and it has forgotten every
/// request (so dropping it loses no limit).
fn is_idle(client: &Arc<Client>, now: u64) -> bool {
    Arc::strong_count(client) == 1
        && client.connections.load(Relaxed) == 0
        && client.in_flight.load(Relaxed) == 0
        && client.rate.is_full(now)
        && client.failures.is_full(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_PER_SECOND: RateLimit = RateLimit {
        requests: 10,
        per_ms: 1000,
        burst: 3,
    };

    #[test]
    fn buckets_allow_a_burst_then_the_rate() {
        let bucket = Bucket::default();
        let start = 1_000_000_000;
        for _ in 0..3 {
            assert_eq!(bucket.take(&TEN_PER_SECOND, start), Ok(()));
        }
        let wait = bucket.take(&TEN_PER_SECOND, start);
        assert_eq!(wait, Err(Duration::from_millis(100)));
        assert_eq!(
            bucket.wait(&TEN_PER_SECOND, start),
            Duration::from_millis(100)
        );
        // One interval later, one more request fits.
        let later = start + 100_000_000;
        assert_eq!(bucket.take(&TEN_PER_SECOND, later), Ok(()));
        assert!(bucket.take(&TEN_PER_SECOND, later).is_err());
        assert!(!bucket.is_full(later));
        assert!(bucket.is_full(later + 1_000_000_000));
    }

    #[test]
    fn connections_and_requests_are_capped_per_client() {
        let clients = Clients::new(2, 1, TEN_PER_SECOND);
        let ip: IpAddr = [127, 0, 0, 2].into();
        let a = clients.connect(ip);
        let b = clients.connect(ip);
        assert!(a.is_some() && b.is_some());
        assert!(
            clients.connect(ip).is_none(),
            "a third connection is refused"
        );
        assert!(clients.connect([127, 0, 0, 3].into()).is_some());
        drop(a);
        let c = clients.connect(ip);
        assert!(c.is_some(), "a closed connection frees its place");

        let client = clients.client(ClientKey::address(ip));
        let first = client.enter(clients.in_flight_cap);
        assert!(first.is_some());
        assert!(client.enter(clients.in_flight_cap).is_none());
        drop(first);
        assert!(client.enter(clients.in_flight_cap).is_some());
    }

    #[test]
    fn ipv6_counts_by_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        let b: IpAddr = "2001:db8:1:2:ffff::9"
            .parse()
            .unwrap_or(IpAddr::from([0u8; 4]));
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        assert_eq!(ClientKey::address(a), ClientKey::address(b));
        assert_ne!(ClientKey::address(a), ClientKey::address(c));
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap_or(IpAddr::from([0u8; 4]));
        assert_eq!(
            ClientKey::address(mapped),
            ClientKey::address([127, 0, 0, 1].into())
        );
    }

    #[test]
    fn idle_entries_are_swept() {
        let clients = Clients::new(0, 0, TEN_PER_SECOND);
        let key = clients.credential("token");
        assert_eq!(key, clients.credential("token"));
        assert_ne!(key, clients.credential("other"));
        let held = clients.client(key);
        assert!(clients.take_route(key, 3, &TEN_PER_SECOND).is_ok());
        clients.sweep();
        assert_eq!(clients.len(), 2, "held, and a bucket still refilling");
        drop(held);
        std::thread::sleep(Duration::from_millis(120));
        clients.sweep();
        assert_eq!(clients.len(), 0);
    }

    #[test]
    fn failures_are_budgeted() {
        let clients = Clients::new(0, 0, TEN_PER_SECOND);
        let client = clients.client(ClientKey::address([10, 0, 0, 1].into()));
        for _ in 0..3 {
            assert_eq!(clients.failure_wait(&client), Duration::ZERO);
            clients.failed(&client);
        }
        assert!(clients.failure_wait(&client) > Duration::ZERO);
    }
}
