//! Kubernetes resource quantities (CPU and memory) and the byte sizes and
//! durations of the runtime's settings: parsing what a spec may write, and
//! printing one canonical form so generated files are deterministic.

/// Parses a CPU amount in millicores: `"250m"`, `"0.5"`, `"2"`.
pub(crate) fn parse_cpu(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Some(millis) = text.strip_suffix('m') {
        return digits(millis).filter(|m| *m > 0);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let whole = if whole.is_empty() { 0 } else { digits(whole)? };
    let fraction = if fraction.is_empty() {
        0
    } else {
        let padded = format!("{fraction:0<3}");
        digits(&padded)?
    };
    whole
        .checked_mul(1000)?
        .checked_add(fraction)
        .filter(|m| *m > 0)
}

/// Prints millicores the way Kubernetes does: `"1"`, `"250m"`.
pub(crate) fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// Parses a memory amount in bytes: `"128Mi"`, `"1Gi"`, `"512M"`, `"64KiB"`,
/// `"1048576"`.
pub(crate) fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim() {
        "" | "B" => 1,
        "k" | "K" | "KB" => 1000,
        "M" | "MB" => 1000_u64.pow(2),
        "G" | "GB" => 1000_u64.pow(3),
        "T" | "TB" => 1000_u64.pow(4),
        "Ki" | "KiB" => 1 << 10,
        "Mi" | "MiB" => 1 << 20,
        "Gi" | "GiB" => 1 << 30,
        "Ti" | "TiB" => 1 << 40,
        _ => return None,
    };
    digits(number)?.checked_mul(multiplier).filter(|b| *b > 0)
}

/// Prints bytes as a Kubernetes quantity: the largest binary unit that
/// divides it exactly (`"128Mi"`), else plain bytes.
pub(crate) fn format_memory(bytes: u64) -> String {
    for (shift, unit) in [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] {
        if bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

/// Parses a duration in milliseconds: `"500ms"`, `"2s"`, `"1m"`, `"1h"`.
pub(crate) fn parse_duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let multiplier: u64 = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    digits(number)?.checked_mul(multiplier)
}

/// A non-empty run of ASCII digits as a number.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu() {
        let cases = [
            ("250m", Some(250)),
            ("1", Some(1000)),
            ("0.5", Some(500)),
            (".25", Some(250)),
            ("1.5", Some(1500)),
            ("0", None),
            ("0m", None),
            ("1.2345", None),
            ("-1", None),
            ("m", None),
            ("1 core", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_cpu(text), want, "{text}");
        }
        assert_eq!(format_cpu(250), "250m");
        assert_eq!(format_cpu(2000), "2");
    }

    #[test]
    fn memory() {
        let cases = [
            ("128Mi", Some(128 << 20)),
            ("1Gi", Some(1 << 30)),
            ("64KiB", Some(64 << 10)),
            ("512M", Some(512_000_000)),
            ("1000", Some(1000)),
            ("0Mi", None),
            ("1.5Gi", None),
            ("12Xi", None),
            ("Mi", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_bytes(text), want, "{text}");
        }
        assert_eq!(format_memory(128 << 20), "128Mi");
        assert_eq!(format_memory(1536 << 20), "1536Mi");
        assert_eq!(format_memory(1000), "1000");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("2s"), Some(2000));
        assert_eq!(parse_duration_ms("1m"), Some(60_000));
        assert_eq!(parse_duration_ms("2"), None);
        assert_eq!(parse_duration_ms("s"), None);
    }
}
