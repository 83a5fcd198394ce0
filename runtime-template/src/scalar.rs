//! Scalar types with a string wire format: UUID, date, date-time, decimal,
//! ISO 8601 duration and base64 bytes, each validated when parsed; and the
//! same wire formats for the ecosystem's types that generated fields use
//! (`uuid::Uuid`, `time::Date`, `time::OffsetDateTime`,
//! `rust_decimal::Decimal`, `bytes::Bytes`), through [`Scalar`].

// The ecosystem's types are behind the features of the crates they come
// from (`uuid`, `time`, `rust_decimal`), and a generated crate declares only
// those its spec uses, so the others are names its `cfg`s do not know.
#![allow(unexpected_cfgs)]

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use bytes::Bytes;
use serde::de::{Deserializer, Visitor};
use serde::ser::Serializer;

use super::codec::FromParam;
use super::problem::Violations;
use super::validate::{Pointer, Validate};

/// Why a scalar's text could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarError {
    message: String,
}

impl ScalarError {
    fn new(message: impl Into<String>) -> ScalarError {
        ScalarError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ScalarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScalarError {}

/// A scalar with one strict wire format, which the runtime reads and
/// writes itself: the runtime's own types here, and the ecosystem's types
/// that generated fields use, whose crates' serde impls are lenient
/// (`uuid` takes braced, URN and simple forms) or another format (`time`'s
/// is not RFC 3339; `bytes::Bytes` is an array of numbers). Generated code
/// reaches it through the `Wire<T>` shape and `FromParam`.
pub trait Scalar: Sized {
    /// What a JSON value of another type is told it should be.
    const EXPECTING: &'static str;

    /// The value `text` writes, by the runtime's grammar for the type.
    fn parse(text: &str) -> Result<Self, ScalarError>;

    /// Writes the value's text as a string; an error (never a panic) for a
    /// value the wire format cannot write, such as a date before year 0.
    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// What a default whose text does not parse stands for: zero, nil, the
    /// epoch or nothing. The compiler checks defaults, so this only keeps
    /// generated code total.
    fn zero() -> Self;

    /// Decodes a JSON value: a string, parsed.
    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Text::<Self>(PhantomData))
    }
}

/// The value a default's text writes, else [`Scalar::zero`]: what a
/// generated field's default function returns.
pub fn parse_default<T: Scalar>(text: &str) -> T {
    T::parse(text).unwrap_or_else(|_| T::zero())
}

/// A visitor that takes a string and parses it as `T`.
struct Text<T>(PhantomData<T>);

impl<T: Scalar> Visitor<'_> for Text<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        T::parse(text).map_err(E::custom)
    }
}

/// A visitor for decimals: a string, or a JSON number (integers exactly,
/// others through their shortest round-trip text, which never has an
/// exponent).
struct Number<T>(PhantomData<T>);

impl<T: Scalar> Visitor<'_> for Number<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        T::parse(text).map_err(E::custom)
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<T, E> {
        T::parse(&n.to_string()).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<T, E> {
        T::parse(&n.to_string()).map_err(E::custom)
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<T, E> {
        if n.is_finite() {
            T::parse(&n.to_string()).map_err(E::custom)
        } else {
            Err(E::custom("not a finite number"))
        }
    }
}

/// Implements [`Scalar`] through `Display` and `FromStr`, and serde (as a
/// JSON string) and `FromParam` through [`Scalar`].
macro_rules! string_scalar {
    ($t:ident, $expecting:literal) => {
        impl Scalar for $t {
            const EXPECTING: &'static str = $expecting;

            fn parse(text: &str) -> Result<$t, ScalarError> {
                text.parse()
            }

            fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }

            fn zero() -> $t {
                $t::default()
            }
        }

        scalar_serde!($t);
    };
}

/// serde and `FromParam` for a type of this file, through its [`Scalar`] impl.
macro_rules! scalar_serde {
    ($t:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Scalar::encode(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$t, D::Error> {
                <$t as Scalar>::decode(deserializer)
            }
        }

        impl FromParam for $t {
            fn from_param(text: &str) -> Result<$t, String> {
                <$t as Scalar>::parse(text).map_err(|e| e.to_string())
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Uuid

/// A UUID, written as 36 characters of hyphenated hex (any case on input,
/// lowercase on output). The default is the nil UUID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// The UUID with these bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(bytes)
    }

    /// The 16 bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// A random (version 4) UUID. Unique, but drawn from std's hash keys, so
    /// not suitable for secrets.
    pub fn new_v4() -> Uuid {
        let hi = random_u64().to_be_bytes();
        let lo = random_u64().to_be_bytes();
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&hi);
        bytes[8..].copy_from_slice(&lo);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Uuid(bytes)
    }
}

/// 64 unpredictable-enough bits from std's randomly keyed SipHash.
pub(super) fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(t.as_nanos());
    }
    hasher.finish()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl FromStr for Uuid {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<Uuid, ScalarError> {
        let error =
            || ScalarError::new("expected a UUID like 123e4567-e89b-12d3-a456-426614174000");
        let b = text.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
            return Err(error());
        }
        let mut bytes = [0u8; 16];
        let mut digits = b.iter().filter(|&&c| c != b'-');
        for byte in &mut bytes {
            let hi = digits
                .next()
                .and_then(|&c| hex_value(c))
                .ok_or_else(error)?;
            let lo = digits
                .next()
                .and_then(|&c| hex_value(c))
                .ok_or_else(error)?;
            *byte = (hi << 4) | lo;
        }
        // Only the four hyphens may be something other than hex digits.
        if digits.next().is_some() {
            return Err(error());
        }
        Ok(Uuid(bytes))
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 36];
        let mut i = 0;
        for (n, byte) in self.0.iter().enumerate() {
            if matches!(n, 4 | 6 | 8 | 10) {
                out[i] = b'-';
                i += 1;
            }
            out[i] = HEX[usize::from(byte >> 4)];
            out[i + 1] = HEX[usize::from(byte & 0xf)];
            i += 2;
        }
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

string_scalar!(Uuid, "a UUID string");

// ---------------------------------------------------------------------------
// Date

/// A calendar date, `YYYY-MM-DD` (years 0000 to 9999, proleptic Gregorian).
/// The default is 1970-01-01.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Default for Date {
    fn default() -> Date {
        Date {
            year: 1970,
            month: 1,
            day: 1,
        }
    }
}

fn is_leap(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses exactly `N` ASCII digits.
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() != N {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

impl Date {
    /// The date, if it exists.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = year <= 9999
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        ok.then_some(Date { year, month, day })
    }

    /// The year, 0 to 9999.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if it is within years 0 to 9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Howard Hinnant's civil_from_days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::from_ymd(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    fn parse_bytes(b: &[u8]) -> Option<Date> {
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = u16::try_from(digits::<4>(&b[..4])?).ok()?;
        let month = u8::try_from(digits::<2>(&b[5..7])?).ok()?;
        let day = u8::try_from(digits::<2>(&b[8..])?).ok()?;
        Date::from_ymd(year, month, day)
    }
}

impl FromStr for Date {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<Date, ScalarError> {
        Date::parse_bytes(text.as_bytes())
            .ok_or_else(|| ScalarError::new("expected a date like 2024-02-29"))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

string_scalar!(Date, "a date string (YYYY-MM-DD)");

// ---------------------------------------------------------------------------
// DateTime

/// An RFC 3339 timestamp such as `2024-02-29T12:30:00.25+01:00`, keeping its
/// offset. Two values are equal when instant and offset are; ordering is by
/// instant first. Leap seconds (`:60`) are not representable. The default is
/// 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DateTime {
    secs: i64,
    nanos: u32,
    offset_minutes: i16,
}

const SECS_PER_DAY: i64 = 86_400;

impl DateTime {
    /// The UTC instant `secs` seconds and `nanos` nanoseconds after the Unix
    /// epoch, if it falls within years 0 to 9999 and `nanos` is below 1e9.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<DateTime> {
        let value = DateTime {
            secs,
            nanos,
            offset_minutes: 0,
        };
        (nanos < 1_000_000_000
            && Date::from_days_since_epoch(secs.div_euclid(SECS_PER_DAY)).is_some())
        .then_some(value)
    }

    /// The current time, in UTC.
    pub fn now() -> DateTime {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(since.as_secs()).unwrap_or(0);
        DateTime::from_unix(secs, since.subsec_nanos()).unwrap_or_default()
    }

    /// Whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// The nanoseconds past `unix_seconds`.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The offset from UTC it was written with, in minutes.
    pub fn offset_minutes(&self) -> i16 {
        self.offset_minutes
    }

    /// The same instant written with another offset (minutes, within ±23:59).
    pub fn with_offset(self, offset_minutes: i16) -> Option<DateTime> {
        let local = DateTime {
            offset_minutes,
            ..self
        };
        (offset_minutes.unsigned_abs() < 24 * 60 && local.local_date().is_some()).then_some(local)
    }

    fn local_secs(&self) -> i64 {
        self.secs + i64::from(self.offset_minutes) * 60
    }

    fn local_date(&self) -> Option<Date> {
        Date::from_days_since_epoch(self.local_secs().div_euclid(SECS_PER_DAY))
    }

    fn parse_bytes(b: &[u8]) -> Option<DateTime> {
        let written = Written::parse(b)?;
        let local = written.date.days_since_epoch() * SECS_PER_DAY
            + i64::from(written.hour) * 3600
            + i64::from(written.minute) * 60
            + i64::from(written.second);
        Some(DateTime {
            secs: local - i64::from(written.offset_minutes) * 60,
            nanos: written.nanos,
            offset_minutes: written.offset_minutes,
        })
    }

    /// The date-time as it is written: local date and time, and offset.
    fn written(&self) -> Option<Written> {
        let t = self.local_secs().rem_euclid(SECS_PER_DAY);
        Some(Written {
            date: self.local_date()?,
            hour: u8::try_from(t / 3600).ok()?,
            minute: u8::try_from(t / 60 % 60).ok()?,
            second: u8::try_from(t % 60).ok()?,
            nanos: self.nanos,
            offset_minutes: self.offset_minutes,
        })
    }
}

/// An RFC 3339 date-time as written: the local date and time of day, and
/// the offset from UTC (within ±23:59). Every value writes valid text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Written {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    nanos: u32,
    offset_minutes: i16,
}

impl Written {
    /// The parts of `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (`t` and `z` too);
    /// fraction digits past nanoseconds are dropped.
    fn parse(b: &[u8]) -> Option<Written> {
        if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::parse_bytes(&b[..10])?;
        let (h, m, s) = (
            digits::<2>(&b[11..13])?,
            digits::<2>(&b[14..16])?,
            digits::<2>(&b[17..19])?,
        );
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let Some(fraction) = rest.strip_prefix(b".") {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            // Digits past nanoseconds are accepted and dropped.
            for i in 0..9 {
                let digit = fraction
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| u32::from(c - b'0'));
                nanos = nanos * 10 + digit;
            }
            rest = &fraction[n..];
        }
        let offset_minutes = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
                let (oh, om) = (digits::<2>(hh)?, digits::<2>(&[*m1, *m2])?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let minutes = i16::try_from(oh * 60 + om).ok()?;
                if *sign == b'-' { -minutes } else { minutes }
            }
            _ => return None,
        };
        Some(Written {
            date,
            hour: u8::try_from(h).ok()?,
            minute: u8::try_from(m).ok()?,
            second: u8::try_from(s).ok()?,
            nanos,
            offset_minutes,
        })
    }
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}T{:02}:{:02}:{:02}",
            self.date, self.hour, self.minute, self.second
        )?;
        if self.nanos != 0 {
            // Nine digits without the zeros that end them.
            let mut digits = [b'0'; 9];
            let mut n = self.nanos;
            for slot in digits.iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
            let end = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
            f.write_str(".")?;
            f.write_str(std::str::from_utf8(&digits[..end]).map_err(|_| fmt::Error)?)?;
        }
        match self.offset_minutes {
            0 => f.write_str("Z"),
            m => write!(
                f,
                "{}{:02}:{:02}",
                if m < 0 { '-' } else { '+' },
                m.unsigned_abs() / 60,
                m.unsigned_abs() % 60
            ),
        }
    }
}

impl FromStr for DateTime {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<DateTime, ScalarError> {
        DateTime::parse_bytes(text.as_bytes()).ok_or_else(datetime_error)
    }
}

fn datetime_error() -> ScalarError {
    ScalarError::new("expected an RFC 3339 date-time like 2024-02-29T12:30:00Z")
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.written().ok_or(fmt::Error)?.fmt(f)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

string_scalar!(DateTime, "an RFC 3339 date-time string");

// ---------------------------------------------------------------------------
// ExactDecimal

/// An exact decimal number of any size, such as `-12.50`, kept as the text
/// it was written in (without a leading `+`). Equality, hashing and ordering
/// are numeric, so `1.5 == 1.50`. No exponent is accepted. The default is
/// `0`. It is [`Decimal`] unless the `rust_decimal` feature is on.
#[derive(Clone)]
pub struct ExactDecimal {
    text: String,
}

impl Default for ExactDecimal {
    fn default() -> ExactDecimal {
        ExactDecimal {
            text: "0".to_owned(),
        }
    }
}

impl ExactDecimal {
    /// The text, as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nearest `f64` (lossy).
    pub fn to_f64(&self) -> f64 {
        self.text.parse().unwrap_or(0.0)
    }

    /// (negative, integer digits, fraction digits), without insignificant
    /// zeros, so equal numbers have equal keys.
    fn key(&self) -> (bool, &str, &str) {
        let (negative, unsigned) = match self.text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.text.as_str()),
        };
        let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
        (negative && !(int.is_empty() && frac.is_empty()), int, frac)
    }
}

impl From<i64> for ExactDecimal {
    fn from(n: i64) -> ExactDecimal {
        ExactDecimal {
            text: n.to_string(),
        }
    }
}

impl FromStr for ExactDecimal {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<ExactDecimal, ScalarError> {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || !frac.is_none_or(all_digits) {
            return Err(ScalarError::new("expected a decimal number like -12.50"));
        }
        Ok(ExactDecimal {
            text: text.strip_prefix('+').unwrap_or(text).to_owned(),
        })
    }
}

impl PartialEq for ExactDecimal {
    fn eq(&self, other: &ExactDecimal) -> bool {
        self.key() == other.key()
    }
}

impl Eq for ExactDecimal {}

impl Hash for ExactDecimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl Ord for ExactDecimal {
    fn cmp(&self, other: &ExactDecimal) -> Ordering {
        let (an, ai, af) = self.key();
        let (bn, bi, bf) = other.key();
        // Without insignificant zeros, a longer integer part is larger, and
        // fraction digits compare as strings.
        let magnitude = ai
            .len()
            .cmp(&bi.len())
            .then_with(|| ai.cmp(bi))
            .then_with(|| af.cmp(bf));
        match (an, bn) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for ExactDecimal {
    fn partial_cmp(&self, other: &ExactDecimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExactDecimal({self})")
    }
}

/// Accepts a string, or a JSON number (integers exactly; other numbers
/// through their shortest round-trip text).
impl Scalar for ExactDecimal {
    const EXPECTING: &'static str = "a decimal string";

    fn parse(text: &str) -> Result<ExactDecimal, ScalarError> {
        text.parse()
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }

    fn zero() -> ExactDecimal {
        ExactDecimal::default()
    }

    fn decode<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ExactDecimal, D::Error> {
        deserializer.deserialize_any(Number::<ExactDecimal>(PhantomData))
    }
}

scalar_serde!(ExactDecimal);

// ---------------------------------------------------------------------------
// Duration

/// An ISO 8601 duration such as `P1Y2M3DT4H5M6.5S` or `P2W`. Years and months
/// have no fixed length, so components are kept as written: `PT60M` and
/// `PT1H` are different values, and there is no ordering. The default is
/// `PT0S`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Years.
    pub years: u64,
    /// Months.
    pub months: u64,
    /// Weeks.
    pub weeks: u64,
    /// Days.
    pub days: u64,
    /// Hours.
    pub hours: u64,
    /// Minutes.
    pub minutes: u64,
    /// Whole seconds.
    pub seconds: u64,
    /// Nanoseconds past `seconds` (a fraction of the seconds component).
    pub nanos: u32,
}

impl Duration {
    /// The fixed length, treating a week as 7 days and a day as 24 hours;
    /// `None` with years or months, or on overflow.
    pub fn to_std(self) -> Option<std::time::Duration> {
        if self.years != 0 || self.months != 0 {
            return None;
        }
        let days = self.weeks.checked_mul(7)?.checked_add(self.days)?;
        let secs = days
            .checked_mul(86_400)?
            .checked_add(self.hours.checked_mul(3600)?)?
            .checked_add(self.minutes.checked_mul(60)?)?
            .checked_add(self.seconds)?;
        std::time::Duration::from_secs(secs)
            .checked_add(std::time::Duration::from_nanos(self.nanos.into()))
    }

    /// `d` as hours, minutes and seconds.
    pub fn from_std(d: std::time::Duration) -> Duration {
        let s = d.as_secs();
        Duration {
            hours: s / 3600,
            minutes: s / 60 % 60,
            seconds: s % 60,
            nanos: d.subsec_nanos(),
            ..Duration::default()
        }
    }
}

impl FromStr for Duration {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<Duration, ScalarError> {
        let error = || ScalarError::new("expected an ISO 8601 duration like P1DT2H30M");
        let rest = text.strip_prefix('P').ok_or_else(error)?;
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => return Err(error()),
            Some((date, time)) => (date, Some(time)),
            None => (rest, None),
        };
        let mut d = Duration::default();
        let mut seen = false;
        // Each part is a run of components whose designators must appear in
        // this order; only seconds may have a fraction.
        let mut parse = |part: &str, designators: &[u8]| -> Option<()> {
            let mut next = 0;
            let mut s = part.as_bytes();
            while !s.is_empty() {
                let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
                let whole: u64 = std::str::from_utf8(&s[..n]).ok()?.parse().ok()?;
                s = &s[n..];
                let mut nanos = 0;
                let mut has_fraction = false;
                if let [b'.' | b',', fraction @ ..] = s {
                    has_fraction = true;
                    let k = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
                    if k == 0 {
                        return None;
                    }
                    for i in 0..9 {
                        let digit = fraction
                            .get(i)
                            .filter(|_| i < k)
                            .map_or(0, |c| u32::from(c - b'0'));
                        nanos = nanos * 10 + digit;
                    }
                    s = &fraction[k..];
                }
                let (&designator, after) = s.split_first()?;
                let at = next + designators[next..].iter().position(|&c| c == designator)?;
                if has_fraction && designator != b'S' {
                    return None;
                }
                let slot = match (designators.len(), designator) {
                    (4, b'Y') => &mut d.years,
                    (4, b'M') => &mut d.months,
                    (4, b'W') => &mut d.weeks,
                    (4, b'D') => &mut d.days,
                    (3, b'H') => &mut d.hours,
                    (3, b'M') => &mut d.minutes,
                    (3, b'S') => {
                        d.nanos = nanos;
                        &mut d.seconds
                    }
                    _ => return None,
                };
                *slot = whole;
                seen = true;
                next = at + 1;
                s = after;
            }
            Some(())
        };
        parse(date, b"YMWD").ok_or_else(error)?;
        if let Some(time) = time {
            parse(time, b"HMS").ok_or_else(error)?;
        }
        if !seen {
            return Err(error());
        }
        Ok(d)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self
            .seconds
            .saturating_add(u64::from(self.nanos / 1_000_000_000));
        let nanos = self.nanos % 1_000_000_000;
        f.write_str("P")?;
        for (n, unit) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if n != 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        let date_empty = self.years == 0 && self.months == 0 && self.weeks == 0 && self.days == 0;
        let time_empty = self.hours == 0 && self.minutes == 0 && seconds == 0 && nanos == 0;
        if time_empty && !date_empty {
            return Ok(());
        }
        f.write_str("T")?;
        if self.hours != 0 {
            write!(f, "{}H", self.hours)?;
        }
        if self.minutes != 0 {
            write!(f, "{}M", self.minutes)?;
        }
        if seconds != 0 || nanos != 0 || time_empty {
            write!(f, "{seconds}")?;
            if nanos != 0 {
                let fraction = format!("{nanos:09}");
                write!(f, ".{}", fraction.trim_end_matches('0'))?;
            }
            f.write_str("S")?;
        }
        Ok(())
    }
}

string_scalar!(Duration, "an ISO 8601 duration string");

// ---------------------------------------------------------------------------
// Base64

/// Bytes written as standard (RFC 4648 §4) base64. Input may omit the `=`
/// padding but must otherwise be canonical: no whitespace, no URL-safe
/// alphabet, no stray bits in the last character.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Base64(pub Vec<u8>);

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl Base64 {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, owned.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Base64 {
    fn from(bytes: Vec<u8>) -> Base64 {
        Base64(bytes)
    }
}

fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

impl FromStr for Base64 {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<Base64, ScalarError> {
        let error = || ScalarError::new("expected standard base64");
        let b = text.as_bytes();
        let data = if b.len().is_multiple_of(4) {
            b.strip_suffix(b"==")
                .or_else(|| b.strip_suffix(b"="))
                .unwrap_or(b)
        } else {
            b
        };
        if data.len() % 4 == 1 {
            return Err(error());
        }
        let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
        for chunk in data.chunks(4) {
            let mut n = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                n |= sextet(c).ok_or_else(error)? << (18 - 6 * i);
            }
            let bytes = n.to_be_bytes();
            let keep = chunk.len() - 1;
            out.extend_from_slice(&bytes[1..1 + keep]);
            // Bits below the kept bytes must be zero, so each byte string has
            // exactly one encoding.
            if n & (0xff_ffff >> (8 * keep)) != 0 {
                return Err(error());
            }
        }
        Ok(Base64(out))
    }
}

impl fmt::Display for Base64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Base64Text(&self.0).fmt(f)
    }
}

string_scalar!(Base64, "a base64 string");

/// Bytes written as padded standard base64, a kilobyte of text at a time.
struct Base64Text<'a>(&'a [u8]);

impl fmt::Display for Base64Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 1024];
        let mut len = 0;
        for chunk in self.0.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for (i, slot) in buf[len..len + 4].iter_mut().enumerate() {
                *slot = if i <= chunk.len() {
                    ALPHABET[(n >> (18 - 6 * i)) as usize & 63]
                } else {
                    b'='
                };
            }
            len += 4;
            if len == buf.len() {
                f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)?;
                len = 0;
            }
        }
        f.write_str(std::str::from_utf8(&buf[..len]).map_err(|_| fmt::Error)?)
    }
}

// ---------------------------------------------------------------------------
// The ecosystem's types, read and written by the grammars above

/// The decimal type of generated fields: `rust_decimal::Decimal` with the
/// `rust_decimal` feature (96 bits of digits, at most 28 after the point; a
/// value beyond that is refused, never rounded), else [`ExactDecimal`].
#[cfg(feature = "rust_decimal")]
pub type Decimal = rust_decimal::Decimal;

/// The decimal type of generated fields: `rust_decimal::Decimal` with the
/// `rust_decimal` feature (96 bits of digits, at most 28 after the point; a
/// value beyond that is refused, never rounded), else [`ExactDecimal`].
#[cfg(not(feature = "rust_decimal"))]
pub type Decimal = ExactDecimal;

/// `FromParam` (the type's wire text) and `Validate` (no refinements of
/// its own) for an ecosystem type, through its [`Scalar`] impl.
macro_rules! ecosystem_scalar {
    ($t:ty) => {
        impl FromParam for $t {
            fn from_param(text: &str) -> Result<$t, String> {
                <$t as Scalar>::parse(text).map_err(|e| e.to_string())
            }
        }

        impl Validate for $t {
            fn validate(&self, _: &Pointer<'_>, _: &mut Violations) {}
        }
    };
}

/// `uuid`: the hyphenated form only (braced, URN and simple forms are
/// refused), written lowercase.
#[cfg(feature = "uuid")]
impl Scalar for uuid::Uuid {
    const EXPECTING: &'static str = "a UUID string";

    fn parse(text: &str) -> Result<uuid::Uuid, ScalarError> {
        text.parse::<Uuid>().map(uuid::Uuid::from)
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Uuid::from(*self))
    }

    fn zero() -> uuid::Uuid {
        uuid::Uuid::nil()
    }
}

#[cfg(feature = "uuid")]
ecosystem_scalar!(uuid::Uuid);

#[cfg(feature = "uuid")]
impl From<Uuid> for uuid::Uuid {
    fn from(value: Uuid) -> uuid::Uuid {
        uuid::Uuid::from_bytes(value.0)
    }
}

#[cfg(feature = "uuid")]
impl From<uuid::Uuid> for Uuid {
    fn from(value: uuid::Uuid) -> Uuid {
        Uuid(value.into_bytes())
    }
}

/// `date`: `YYYY-MM-DD`, years 0000 to 9999; a date outside them (which
/// `time` can hold) cannot be written.
#[cfg(feature = "time")]
impl Scalar for time::Date {
    const EXPECTING: &'static str = "a date string (YYYY-MM-DD)";

    fn parse(text: &str) -> Result<time::Date, ScalarError> {
        let date: Date = text.parse()?;
        time_date(date).ok_or_else(|| ScalarError::new("expected a date like 2024-02-29"))
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match date_of(*self) {
            Some(date) => serializer.collect_str(&date),
            None => Err(<S::Error as serde::ser::Error>::custom(OUT_OF_YEARS)),
        }
    }

    fn zero() -> time::Date {
        time::OffsetDateTime::UNIX_EPOCH.date()
    }
}

#[cfg(feature = "time")]
ecosystem_scalar!(time::Date);

/// `datetime`: RFC 3339, keeping the offset it was written with. An offset
/// with seconds (a historical local mean time) has no RFC 3339 form, so
/// such a value is written as the same instant in UTC; a date outside years
/// 0000 to 9999 cannot be written.
#[cfg(feature = "time")]
impl Scalar for time::OffsetDateTime {
    const EXPECTING: &'static str = "an RFC 3339 date-time string";

    fn parse(text: &str) -> Result<time::OffsetDateTime, ScalarError> {
        let written = Written::parse(text.as_bytes()).ok_or_else(datetime_error)?;
        let date = time_date(written.date).ok_or_else(datetime_error)?;
        let time =
            time::Time::from_hms_nano(written.hour, written.minute, written.second, written.nanos)
                .map_err(|_| datetime_error())?;
        let offset = time::UtcOffset::from_whole_seconds(i32::from(written.offset_minutes) * 60)
            .map_err(|_| datetime_error())?;
        Ok(time::PrimitiveDateTime::new(date, time).assume_offset(offset))
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut value = *self;
        let mut offset = value.offset().whole_seconds();
        if offset % 60 != 0 {
            value = value
                .checked_to_offset(time::UtcOffset::UTC)
                .ok_or_else(|| <S::Error as serde::ser::Error>::custom(OUT_OF_YEARS))?;
            offset = 0;
        }
        let written = date_of(value.date()).map(|date| Written {
            date,
            hour: value.hour(),
            minute: value.minute(),
            second: value.second(),
            nanos: value.nanosecond(),
            // A `UtcOffset` is within ±25:59:59, so its minutes fit.
            offset_minutes: i16::try_from(offset / 60).unwrap_or(0),
        });
        match written {
            Some(written) if written.offset_minutes.unsigned_abs() < 24 * 60 => {
                serializer.collect_str(&written)
            }
            Some(_) => Err(<S::Error as serde::ser::Error>::custom(
                "an offset of 24 hours or more has no RFC 3339 form",
            )),
            None => Err(<S::Error as serde::ser::Error>::custom(OUT_OF_YEARS)),
        }
    }

    fn zero() -> time::OffsetDateTime {
        time::OffsetDateTime::UNIX_EPOCH
    }
}

#[cfg(feature = "time")]
ecosystem_scalar!(time::OffsetDateTime);

/// Why a date or date-time from a handler cannot be written.
#[cfg(feature = "time")]
const OUT_OF_YEARS: &str = "a date outside the years 0000 to 9999 has no RFC 3339 form";

/// A date of the wire format as a `time::Date` (every one is one).
#[cfg(feature = "time")]
fn time_date(date: Date) -> Option<time::Date> {
    let month = time::Month::try_from(date.month).ok()?;
    time::Date::from_calendar_date(i32::from(date.year), month, date.day).ok()
}

/// A `time::Date` as a date of the wire format, if its year is 0 to 9999.
#[cfg(feature = "time")]
fn date_of(date: time::Date) -> Option<Date> {
    let year = u16::try_from(date.year()).ok()?;
    Date::from_ymd(year, u8::from(date.month()), date.day())
}

/// `decimal` with the `rust_decimal` feature: the same grammar as
/// [`ExactDecimal`] (a string, or a JSON number), refused with a 400 or 422
/// when the number does not fit `rust_decimal` exactly, never rounded.
#[cfg(feature = "rust_decimal")]
impl Scalar for rust_decimal::Decimal {
    const EXPECTING: &'static str = "a decimal string";

    fn parse(text: &str) -> Result<rust_decimal::Decimal, ScalarError> {
        let exact: ExactDecimal = text.parse()?;
        rust_decimal::Decimal::from_str_exact(exact.as_str()).map_err(|_| {
            ScalarError::new(
                "expected a decimal number with at most 28 digits after the point, \
                 within ±79228162514264337593543950335 (96 bits of digits)",
            )
        })
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }

    fn zero() -> rust_decimal::Decimal {
        rust_decimal::Decimal::ZERO
    }

    fn decode<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<rust_decimal::Decimal, D::Error> {
        deserializer.deserialize_any(Number::<rust_decimal::Decimal>(PhantomData))
    }
}

#[cfg(feature = "rust_decimal")]
ecosystem_scalar!(rust_decimal::Decimal);

/// `bytes`: standard base64 as [`Base64`] reads it (padding optional,
/// canonical), written padded. Decoding copies nothing past the decoded
/// bytes themselves.
impl Scalar for Bytes {
    const EXPECTING: &'static str = "a base64 string";

    fn parse(text: &str) -> Result<Bytes, ScalarError> {
        text.parse::<Base64>().map(|b| Bytes::from(b.0))
    }

    fn encode<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Base64Text(self))
    }

    fn zero() -> Bytes {
        Bytes::new()
    }
}

ecosystem_scalar!(Bytes);

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses each valid text and checks its canonical display, and rejects
    /// each invalid one, directly, through serde and through `FromParam`.
    fn check<T>(valid: &[(&str, &str)], invalid: &[&str])
    where
        T: FromStr<Err = ScalarError> + FromParam + fmt::Display + fmt::Debug + PartialEq,
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        for (text, canonical) in valid {
            let value: T = match text.parse() {
                Ok(v) => v,
                Err(e) => panic!("{text:?} rejected: {e}"),
            };
            assert_eq!(value.to_string(), *canonical, "{text:?}");
            assert_eq!(
                canonical.parse::<T>().as_ref(),
                Ok(&value),
                "{canonical:?} round trip"
            );
            let json = serde_json::to_string(&value).unwrap_or_default();
            assert_eq!(json, format!("\"{canonical}\""));
            assert_eq!(serde_json::from_str::<T>(&json).ok().as_ref(), Some(&value));
            assert_eq!(T::from_param(text).ok().as_ref(), Some(&value));
        }
        for text in invalid {
            assert!(
                text.parse::<T>().is_err(),
                "{text:?} accepted as {:?}",
                text.parse::<T>()
            );
            assert!(T::from_param(text).is_err());
            let json = serde_json::to_string(text).unwrap_or_default();
            assert!(
                serde_json::from_str::<T>(&json).is_err(),
                "{text:?} accepted through serde"
            );
        }
        assert!(serde_json::from_str::<T>("[]").is_err());
        assert!(serde_json::from_str::<T>("true").is_err());
    }

    #[test]
    fn uuid() {
        check::<Uuid>(
            &[
                (
                    "123e4567-e89b-12d3-a456-426614174000",
                    "123e4567-e89b-12d3-a456-426614174000",
                ),
                (
                    "123E4567-E89B-12D3-A456-42661417400A",
                    "123e4567-e89b-12d3-a456-42661417400a",
                ),
                (
                    "00000000-0000-0000-0000-000000000000",
                    "00000000-0000-0000-0000-000000000000",
                ),
            ],
            &[
                "",
                "123e4567e89b12d3a456426614174000",
                "123e4567-e89b-12d3-a456-42661417400",
                "123e4567-e89b-12d3-a456-4266141740000",
                "123e4567-e89b-12d3-a456_426614174000",
                "g23e4567-e89b-12d3-a456-426614174000",
                "{123e4567-e89b-12d3-a456-426614174000}",
                "123e4567-e89b-12d3-a456-4266141740é",
                "------------------------------------",
                "+23e4567-e89b-12d3-a456-426614174000",
            ],
        );
        assert_eq!(
            Uuid::default().to_string(),
            "00000000-0000-0000-0000-000000000000"
        );
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_ne!(a, b);
        let text = a.to_string();
        assert_eq!(&text[14..15], "4");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
        assert!(Uuid::from_bytes([0; 16]) < Uuid::from_bytes([1; 16]));
    }

    #[test]
    fn date() {
        check::<Date>(
            &[
                ("2024-02-29", "2024-02-29"),
                ("0000-01-01", "0000-01-01"),
                ("9999-12-31", "9999-12-31"),
            ],
            &[
                "",
                "2023-02-29",
                "1900-02-29",
                "2024-13-01",
                "2024-00-10",
                "2024-04-31",
                "2024-01-00",
                "24-01-01",
                "2024-1-01",
                "2024/01/01",
                "+2024-01-01",
                "2024-01-01T00:00:00Z",
                "２０２４-01-01",
                "-001-01-01",
            ],
        );
        assert_eq!(Date::default().to_string(), "1970-01-01");
        let days: &[(&str, i64)] = &[
            ("1970-01-01", 0),
            ("2000-03-01", 11_017),
            ("1969-12-31", -1),
            ("0000-01-01", -719_528),
        ];
        for (text, n) in days {
            let date: Date = text.parse().unwrap_or_default();
            assert_eq!(date.days_since_epoch(), *n, "{text}");
            assert_eq!(Date::from_days_since_epoch(*n), Some(date));
        }
        assert_eq!(Date::from_days_since_epoch(-719_529), None);
        assert_eq!(Date::from_days_since_epoch(i64::MAX), None);
        assert_eq!(Date::from_days_since_epoch(i64::MIN), None);
        assert!("2024-01-02".parse::<Date>().ok() > "2023-12-31".parse::<Date>().ok());
    }

    #[test]
    fn datetime() {
        check::<DateTime>(
            &[
                ("2024-02-29T12:30:00Z", "2024-02-29T12:30:00Z"),
                ("2024-02-29t12:30:00z", "2024-02-29T12:30:00Z"),
                (
                    "2024-02-29T12:30:00.250+01:00",
                    "2024-02-29T12:30:00.25+01:00",
                ),
                ("2024-02-29T12:30:00-00:00", "2024-02-29T12:30:00Z"),
                (
                    "1969-12-31T23:59:59.999999999-23:59",
                    "1969-12-31T23:59:59.999999999-23:59",
                ),
                (
                    "2024-01-01T00:00:00.1234567891234Z",
                    "2024-01-01T00:00:00.123456789Z",
                ),
                ("0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00+01:00"),
                ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
            ],
            &[
                "",
                "2024-02-29",
                "2024-02-29T12:30:00",
                "2024-02-29 12:30:00Z",
                "2024-02-29T24:00:00Z",
                "2024-02-29T12:60:00Z",
                "2024-02-29T12:30:60Z",
                "2024-02-30T12:30:00Z",
                "2024-02-29T12:30:00.Z",
                "2024-02-29T12:30:00+24:00",
                "2024-02-29T12:30:00+01:60",
                "2024-02-29T12:30:00+0100",
                "2024-02-29T12:30:00+1:00",
                "2024-02-29T12:30:00ZZ",
                "2024-02-29T12:30Z",
                "2024-02-29T1a:30:00Z",
                "2024-02-29T12:30:00.5é",
            ],
        );
        let a: DateTime = "2024-02-29T12:30:00+01:00".parse().unwrap_or_default();
        let b: DateTime = "2024-02-29T11:30:00Z".parse().unwrap_or_default();
        assert_eq!(a.unix_seconds(), b.unix_seconds());
        assert_ne!(a, b);
        assert_eq!(b.with_offset(60), Some(a));
        assert_eq!(a.offset_minutes(), 60);
        assert_eq!(DateTime::default().to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            DateTime::from_unix(1_709_209_800, 5)
                .map(|d| d.to_string())
                .as_deref(),
            Some("2024-02-29T12:30:00.000000005Z")
        );
        assert_eq!(DateTime::from_unix(i64::MAX, 0), None);
        assert_eq!(DateTime::from_unix(0, 1_000_000_000), None);
        let before: DateTime = "2024-02-29T12:00:00+05:00".parse().unwrap_or_default();
        assert!(before < b);
        assert!(DateTime::now().unix_seconds() > 1_700_000_000);
    }

    #[test]
    fn decimal() {
        check::<ExactDecimal>(
            &[
                ("-12.50", "-12.50"),
                ("+3", "3"),
                ("0", "0"),
                ("007.100", "007.100"),
                ("12345678901234567890.0001", "12345678901234567890.0001"),
            ],
            &[
                "", "-", "1.", ".5", "1e5", "1.2.3", "--1", " 1", "1 ", "NaN", "inf", "0x10", "١",
            ],
        );
        let d = |s: &str| s.parse::<ExactDecimal>().unwrap_or_default();
        assert_eq!(d("1.5"), d("01.50"));
        assert_eq!(d("-0.0"), d("0"));
        let ordered = [
            "-100", "-99.99", "-1", "-0.5", "0", "0.05", "0.5", "1", "1.0001", "9", "10", "123.4",
        ];
        for pair in ordered.windows(2) {
            assert!(d(pair[0]) < d(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        use std::collections::HashSet;
        let set: HashSet<ExactDecimal> =
            ["1.5", "1.50", "-0", "0.0"].iter().map(|s| d(s)).collect();
        assert_eq!(set.len(), 2);
        assert_eq!(
            serde_json::from_str::<ExactDecimal>("12").ok(),
            Some(d("12"))
        );
        assert_eq!(
            serde_json::from_str::<ExactDecimal>("-0.25").ok(),
            Some(d("-0.25"))
        );
        assert_eq!(ExactDecimal::from(-7).as_str(), "-7");
        assert_eq!(d("2.5").to_f64(), 2.5);
    }

    #[test]
    fn duration() {
        check::<Duration>(
            &[
                ("P1Y2M3DT4H5M6.5S", "P1Y2M3DT4H5M6.5S"),
                ("P2W", "P2W"),
                ("PT0S", "PT0S"),
                ("P0D", "PT0S"),
                ("PT36H", "PT36H"),
                ("PT1,25S", "PT1.25S"),
                ("P1M", "P1M"),
                ("PT1M", "PT1M"),
                ("P1DT0S", "P1D"),
            ],
            &[
                "",
                "P",
                "PT",
                "P1",
                "1D",
                "P1H",
                "PT1D",
                "P1D2Y",
                "PT1S1M",
                "P1DT",
                "P1.5D",
                "PT1.5M",
                "PT.5S",
                "PT1.S",
                "P-1D",
                "P1YY",
                "pt1s",
                "P99999999999999999999D",
                "PT1.5S2",
                "P1D T1H",
                "PT1H1H",
            ],
        );
        let d: Duration = "P1W1DT1H1M1.5S".parse().unwrap_or_default();
        assert_eq!(
            d.to_std(),
            Some(std::time::Duration::from_millis(8 * 86_400_000 + 3_661_500))
        );
        assert_eq!(
            "P1M".parse::<Duration>().ok().and_then(|d| d.to_std()),
            None
        );
        assert_eq!(
            Duration::from_std(std::time::Duration::from_millis(5_400_250)).to_string(),
            "PT1H30M0.25S"
        );
        let odd = Duration {
            nanos: 2_500_000_000,
            ..Duration::default()
        };
        assert_eq!(odd.to_string(), "PT2.5S");
    }

    #[test]
    fn base64() {
        check::<Base64>(
            &[
                ("", ""),
                ("Zg==", "Zg=="),
                ("Zg", "Zg=="),
                ("Zm8=", "Zm8="),
                ("Zm8", "Zm8="),
                ("Zm9v", "Zm9v"),
                ("+/+/", "+/+/"),
            ],
            &[
                "Z", "Zh==", "Zm9=", "Zm9v=", "Zg=a", "====", "Zg===", "Z===", "Zm9v\n", "Zm 9v",
                "-_-_", "Zm9vé", "=Zg=",
            ],
        );
        let cases: &[&[u8]] = &[
            b"",
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0, 255, 128, 7],
        ];
        for bytes in cases {
            let encoded = Base64(bytes.to_vec()).to_string();
            assert_eq!(
                encoded.parse::<Base64>().map(Base64::into_vec).as_deref(),
                Ok(*bytes)
            );
        }
        assert_eq!(Base64(b"foobar".to_vec()).to_string(), "Zm9vYmFy");
    }

    /// A value serialized through its [`Scalar`] impl, as the `Wire` shape does.
    struct Wired<'a, T>(&'a T);

    impl<T: Scalar> serde::Serialize for Wired<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.0.encode(serializer)
        }
    }

    /// `value`'s JSON through its [`Scalar`] impl, or why it has none.
    fn wire_json<T: Scalar>(value: &T) -> Result<String, String> {
        serde_json::to_string(&Wired(value)).map_err(|e| e.to_string())
    }

    /// `json` decoded through `T`'s [`Scalar`] impl.
    fn wire_decode<T: Scalar>(json: &str) -> Result<T, String> {
        T::decode(&mut serde_json::Deserializer::from_str(json)).map_err(|e| e.to_string())
    }

    /// [`check`] for a type whose serde impls are not the wire format: each
    /// valid text parses (as text, JSON and a parameter) and is written back
    /// canonically; each invalid one is refused all three ways.
    fn check_wire<T>(valid: &[(&str, &str)], invalid: &[&str])
    where
        T: Scalar + FromParam + Validate + fmt::Debug + PartialEq,
    {
        for (text, canonical) in valid {
            let value = match T::parse(text) {
                Ok(v) => v,
                Err(e) => panic!("{text:?} rejected: {e}"),
            };
            assert_eq!(
                wire_json(&value),
                Ok(format!("\"{canonical}\"")),
                "{text:?}"
            );
            let json = serde_json::to_string(text).unwrap_or_default();
            assert_eq!(wire_decode::<T>(&json).as_ref(), Ok(&value), "{text:?}");
            assert_eq!(T::from_param(text).as_ref(), Ok(&value), "{text:?}");
            assert_eq!(T::parse(canonical).as_ref(), Ok(&value), "{canonical:?}");
            let mut out = Violations::new();
            value.validate(&Pointer::Root, &mut out);
            assert!(out.is_empty());
        }
        for text in invalid {
            assert!(T::parse(text).is_err(), "{text:?} accepted");
            assert!(
                T::from_param(text).is_err(),
                "{text:?} accepted as a parameter"
            );
            let json = serde_json::to_string(text).unwrap_or_default();
            assert!(
                wire_decode::<T>(&json).is_err(),
                "{text:?} accepted as JSON"
            );
        }
        for json in ["[]", "true", "null", "{}"] {
            assert!(wire_decode::<T>(json).is_err(), "{json} accepted");
        }
    }

    #[cfg(feature = "uuid")]
    #[test]
    fn ecosystem_uuid_keeps_the_hyphenated_form_only() {
        check_wire::<uuid::Uuid>(
            &[
                (
                    "123e4567-e89b-12d3-a456-426614174000",
                    "123e4567-e89b-12d3-a456-426614174000",
                ),
                (
                    "123E4567-E89B-12D3-A456-42661417400A",
                    "123e4567-e89b-12d3-a456-42661417400a",
                ),
            ],
            &[
                // The forms `uuid`'s own parser (and serde impl) accepts.
                "{123e4567-e89b-12d3-a456-426614174000}",
                "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
                "123e4567e89b12d3a456426614174000",
                "",
                "123e4567-e89b-12d3-a456-42661417400",
                "g23e4567-e89b-12d3-a456-426614174000",
            ],
        );
        assert_eq!(
            wire_decode::<uuid::Uuid>("12"),
            Err("invalid type: integer `12`, expected a UUID string at line 1 column 2".to_owned())
        );
        let own = Uuid::new_v4();
        assert_eq!(Uuid::from(uuid::Uuid::from(own)), own);
        assert_eq!(<uuid::Uuid as Scalar>::zero(), uuid::Uuid::nil());
        assert_eq!(parse_default::<uuid::Uuid>("not a uuid"), uuid::Uuid::nil());
    }

    #[cfg(feature = "time")]
    #[test]
    fn ecosystem_dates_are_calendar_dates_of_years_0_to_9999() {
        check_wire::<time::Date>(
            &[
                ("2024-02-29", "2024-02-29"),
                ("0000-01-01", "0000-01-01"),
                ("9999-12-31", "9999-12-31"),
            ],
            &[
                "2023-02-29",
                "2024-1-01",
                "+2024-01-01",
                "-0001-01-01",
                "2024-01-01T00:00:00Z",
                "20240101",
                "2024-060",
            ],
        );
        // `time` holds years before 0000, which RFC 3339 cannot write: an
        // error to serialize (a 500 for a response), never a panic.
        let before = time::Date::from_calendar_date(-1, time::Month::December, 31);
        let before = before.unwrap_or(time::OffsetDateTime::UNIX_EPOCH.date());
        assert!(wire_json(&before).is_err_and(|e| e.contains("0000 to 9999")));
        assert_eq!(
            parse_default::<time::Date>("1970-01-01"),
            <time::Date as Scalar>::zero()
        );
    }

    #[cfg(feature = "time")]
    #[test]
    fn ecosystem_datetimes_keep_their_offset() {
        check_wire::<time::OffsetDateTime>(
            &[
                ("2024-02-29T12:30:00Z", "2024-02-29T12:30:00Z"),
                ("2024-02-29t12:30:00z", "2024-02-29T12:30:00Z"),
                (
                    "2024-02-29T12:30:00.250+01:00",
                    "2024-02-29T12:30:00.25+01:00",
                ),
                ("2024-02-29T12:30:00-00:00", "2024-02-29T12:30:00Z"),
                (
                    "1969-12-31T23:59:59.999999999-23:59",
                    "1969-12-31T23:59:59.999999999-23:59",
                ),
                (
                    "2024-01-01T00:00:00.1234567891234Z",
                    "2024-01-01T00:00:00.123456789Z",
                ),
                ("0000-01-01T00:00:00+01:00", "0000-01-01T00:00:00+01:00"),
                // In UTC this instant is in year 10000; written, it is not.
                ("9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59-23:59"),
            ],
            &[
                "2024-02-29 12:30:00Z",
                "2024-02-29T12:30:00",
                "2024-02-29",
                "2024-02-29T24:00:00Z",
                "2024-02-29T12:30:60Z",
                "2024-02-29T12:30:00+0100",
                "2024-02-29T12:30:00+24:00",
                "2024-02-29T12:30Z",
                "2024-02-29T12:30:00.Z",
                "2024-02-29T12:30:00 +01:00",
                "Thu, 29 Feb 2024 12:30:00 GMT",
            ],
        );
        let parse = |text: &str| {
            <time::OffsetDateTime as Scalar>::parse(text)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        };
        let local = parse("2024-02-29T12:30:00.5+05:30");
        assert_eq!(local.offset().whole_minutes(), 330);
        assert_eq!((local.hour(), local.minute()), (12, 30));
        assert_eq!(local, parse("2024-02-29T07:00:00.5Z"), "the same instant");
        assert_eq!(
            local.unix_timestamp(),
            parse("2024-02-29T07:00:00Z").unix_timestamp()
        );
        // An offset with seconds has no RFC 3339 form: the same instant in UTC.
        let lmt = time::UtcOffset::from_hms(0, 9, 21).unwrap_or(time::UtcOffset::UTC);
        let paris = parse("1900-01-01T00:09:21Z").to_offset(lmt);
        assert_eq!(wire_json(&paris), Ok("\"1900-01-01T00:09:21Z\"".to_owned()));
        // Offsets of a day or more, and years outside 0000 to 9999, cannot be written.
        let far = time::UtcOffset::from_hms(25, 0, 0).unwrap_or(time::UtcOffset::UTC);
        assert!(wire_json(&parse("2024-02-29T12:30:00Z").to_offset(far)).is_err());
        let early = parse("0000-01-01T00:00:00+01:00").to_offset(time::UtcOffset::UTC);
        assert!(wire_json(&early).is_err_and(|e| e.contains("0000 to 9999")));
    }

    #[cfg(feature = "rust_decimal")]
    #[test]
    fn ecosystem_decimals_are_refused_rather_than_rounded() {
        check_wire::<rust_decimal::Decimal>(
            &[
                ("-12.50", "-12.50"),
                ("+3", "3"),
                ("007.100", "7.100"),
                ("12345678901234567890.0001", "12345678901234567890.0001"),
                (
                    "79228162514264337593543950335",
                    "79228162514264337593543950335",
                ),
                (
                    "0.0000000000000000000000000001",
                    "0.0000000000000000000000000001",
                ),
            ],
            &[
                "",
                "1.",
                ".5",
                "1e5",
                "1E-3",
                "--1",
                " 1",
                "NaN",
                "inf",
                "0x10",
                // Past what `rust_decimal` holds: refused, not rounded.
                "79228162514264337593543950336",
                "0.00000000000000000000000000001",
                "7922816251426433759354395033.55",
            ],
        );
        let too_big = <rust_decimal::Decimal as Scalar>::parse("79228162514264337593543950336");
        assert!(too_big.is_err_and(|e| e.to_string().contains("at most 28 digits")));
        // JSON numbers, as the runtime's own decimal takes them.
        let number = |json: &str| wire_decode::<rust_decimal::Decimal>(json).map(|d| d.to_string());
        assert_eq!(number("12"), Ok("12".to_owned()));
        assert_eq!(number("-0.25"), Ok("-0.25".to_owned()));
        assert_eq!(
            number("18446744073709551615"),
            Ok("18446744073709551615".to_owned())
        );
        assert!(number("1e300").is_err());
        assert!(number("1e-30").is_err());
    }

    #[test]
    fn ecosystem_bytes_are_canonical_standard_base64() {
        check_wire::<Bytes>(
            &[
                ("", ""),
                ("Zg==", "Zg=="),
                ("Zg", "Zg=="),
                ("Zm9v", "Zm9v"),
                ("+/+/", "+/+/"),
            ],
            &[
                // URL-safe, whitespace, stray bits, extra padding.
                "-_-_", "Zm9v\n", "Zm 9v", "Zh==", "Zm9v=", "Z===", "Zg===",
            ],
        );
        // Longer than the kilobyte written at a time.
        let long: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
        let text = Base64(long.clone()).to_string();
        assert_eq!(
            wire_json(&Bytes::from(long.clone())),
            Ok(format!("\"{text}\""))
        );
        assert_eq!(
            <Bytes as Scalar>::parse(&text).map(|b| b.to_vec()),
            Ok(long)
        );
        assert_eq!(<Bytes as Scalar>::zero(), Bytes::new());
    }
}
