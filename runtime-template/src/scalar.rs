//! Scalar types with a string wire format: UUID, date, date-time, decimal,
//! ISO 8601 duration and base64 bytes, each validated when parsed.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::codec::FromParam;

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

/// Implements serde (as a JSON string) and `FromParam` through `Display` and
/// `FromStr`.
macro_rules! string_scalar {
    ($t:ident, $expecting:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$t, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$t, E> {
                        text.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }

        impl FromParam for $t {
            fn from_param(text: &str) -> Result<$t, String> {
                text.parse().map_err(|e: ScalarError| e.to_string())
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
        let local = date.days_since_epoch() * SECS_PER_DAY + i64::from(h * 3600 + m * 60 + s);
        Some(DateTime {
            secs: local - i64::from(offset_minutes) * 60,
            nanos,
            offset_minutes,
        })
    }
}

impl FromStr for DateTime {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<DateTime, ScalarError> {
        DateTime::parse_bytes(text.as_bytes()).ok_or_else(|| {
            ScalarError::new("expected an RFC 3339 date-time like 2024-02-29T12:30:00Z")
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.local_secs();
        let date = self.local_date().ok_or(fmt::Error)?;
        let t = local.rem_euclid(SECS_PER_DAY);
        write!(f, "{date}T{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)?;
        if self.nanos != 0 {
            let mut fraction = format!("{:09}", self.nanos);
            while fraction.ends_with('0') {
                fraction.pop();
            }
            write!(f, ".{fraction}")?;
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

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

string_scalar!(DateTime, "an RFC 3339 date-time string");

// ---------------------------------------------------------------------------
// Decimal

/// An exact decimal number, such as `-12.50`, kept as the text it was written
/// in (without a leading `+`). Equality, hashing and ordering are numeric, so
/// `1.5 == 1.50`. No exponent is accepted. The default is `0`.
#[derive(Clone)]
pub struct Decimal {
    text: String,
}

impl Default for Decimal {
    fn default() -> Decimal {
        Decimal {
            text: "0".to_owned(),
        }
    }
}

impl Decimal {
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

impl From<i64> for Decimal {
    fn from(n: i64) -> Decimal {
        Decimal {
            text: n.to_string(),
        }
    }
}

impl FromStr for Decimal {
    type Err = ScalarError;
    fn from_str(text: &str) -> Result<Decimal, ScalarError> {
        let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (int, frac) = match unsigned.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || !frac.is_none_or(all_digits) {
            return Err(ScalarError::new("expected a decimal number like -12.50"));
        }
        Ok(Decimal {
            text: text.strip_prefix('+').unwrap_or(text).to_owned(),
        })
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
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

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl serde::Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Accepts a string, or a JSON number (integers exactly; other numbers through
/// their shortest round-trip text).
impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Decimal, E> {
                text.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Decimal, E> {
                Ok(Decimal {
                    text: n.to_string(),
                })
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Decimal, E> {
                Ok(Decimal {
                    text: n.to_string(),
                })
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Decimal, E> {
                if n.is_finite() {
                    n.to_string().parse().map_err(E::custom)
                } else {
                    Err(E::custom("not a finite number"))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl FromParam for Decimal {
    fn from_param(text: &str) -> Result<Decimal, String> {
        text.parse().map_err(|e: ScalarError| e.to_string())
    }
}

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
        let mut buf = [0u8; 4];
        for chunk in self.0.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for (i, slot) in buf.iter_mut().enumerate() {
                *slot = if i <= chunk.len() {
                    ALPHABET[(n >> (18 - 6 * i)) as usize & 63]
                } else {
                    b'='
                };
            }
            f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

string_scalar!(Base64, "a base64 string");

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
        check::<Decimal>(
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
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(d("1.5"), d("01.50"));
        assert_eq!(d("-0.0"), d("0"));
        let ordered = [
            "-100", "-99.99", "-1", "-0.5", "0", "0.05", "0.5", "1", "1.0001", "9", "10", "123.4",
        ];
        for pair in ordered.windows(2) {
            assert!(d(pair[0]) < d(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        use std::collections::HashSet;
        let set: HashSet<Decimal> = ["1.5", "1.50", "-0", "0.0"].iter().map(|s| d(s)).collect();
        assert_eq!(set.len(), 2);
        assert_eq!(serde_json::from_str::<Decimal>("12").ok(), Some(d("12")));
        assert_eq!(
            serde_json::from_str::<Decimal>("-0.25").ok(),
            Some(d("-0.25"))
        );
        assert_eq!(Decimal::from(-7).as_str(), "-7");
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
}
