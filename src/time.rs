//! Times and quantities as people and agents read them. Every tool result formats through here:
//! times as ISO 8601 with the offset of the server's zone (`PLEX_MCP_TZ`, else the system's),
//! lengths in whole minutes, sizes in GB or MB.

use std::sync::OnceLock;

use chrono::{DateTime, Local, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone results are written in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Named(Tz),
    /// The system's zone when it has no IANA name we know (chrono reads it from the OS).
    System,
}

impl Zone {
    /// An IANA name such as "Europe/Berlin" (or "UTC").
    pub fn parse(name: &str) -> Result<Self, String> {
        name.trim().parse::<Tz>().map(Zone::Named).map_err(|_| {
            format!("PLEX_MCP_TZ={name:?} is not a time zone name; use an IANA name such as Europe/Berlin or UTC")
        })
    }

    /// The system's zone: `TZ`, else the OS setting.
    pub fn system() -> Self {
        std::env::var("TZ")
            .ok()
            .map(|tz| tz.trim_start_matches(':').to_string())
            .or_else(|| iana_time_zone::get_timezone().ok())
            .and_then(|name| name.parse::<Tz>().ok())
            .map_or(Zone::System, Zone::Named)
    }

    fn offset_at(self, utc: DateTime<Utc>) -> chrono::FixedOffset {
        match self {
            Zone::Named(tz) => tz.offset_from_utc_datetime(&utc.naive_utc()).fix(),
            Zone::System => Local.offset_from_utc_datetime(&utc.naive_utc()).fix(),
        }
    }

    /// "Europe/Berlin", or "local" for an unnamed system zone.
    pub fn name(self) -> String {
        match self {
            Zone::Named(tz) => tz.name().to_string(),
            Zone::System => "local".into(),
        }
    }
}

/// A time in a result: ISO 8601 in the server's zone, typed so its schema says `date-time`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Iso(String);

impl Iso {
    pub fn unix(unix: i64) -> Self {
        Self(iso(unix))
    }

    pub fn utc(utc: DateTime<Utc>) -> Self {
        Self(local(utc))
    }

    /// A backend's RFC 3339 text; kept as given when it does not parse.
    pub fn rfc3339(text: &str) -> Self {
        Self(reformat(text))
    }
}

impl schemars::JsonSchema for Iso {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Iso".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

static ZONE: OnceLock<Zone> = OnceLock::new();

/// Sets the zone of every formatted time; the first call wins (the process serves one user).
pub fn set_zone(zone: Zone) {
    let _ = ZONE.set(zone);
}

pub fn zone() -> Zone {
    *ZONE.get_or_init(Zone::system)
}

/// A UTC instant in the server's zone, e.g. `2026-11-29T21:46:04+01:00`.
pub fn local(utc: DateTime<Utc>) -> String {
    utc.with_timezone(&zone().offset_at(utc))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The wall-clock time of unix seconds in the server's zone, for tallies by day, month, weekday
/// or hour (no text per play; format once per key).
pub fn wall_clock(unix: i64) -> chrono::NaiveDateTime {
    let utc = DateTime::from_timestamp(unix, 0).unwrap_or_default();
    utc.with_timezone(&zone().offset_at(utc)).naive_local()
}

/// Unix seconds in the server's zone.
pub fn iso(unix: i64) -> String {
    local(DateTime::from_timestamp(unix, 0).unwrap_or_default())
}

/// An RFC 3339 time from a backend, re-expressed in the server's zone; unparsable text is kept.
pub fn reformat(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| local(t.to_utc()))
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The start of a calendar day in the server's zone, as unix seconds (the first instant after
/// midnight when the day starts in a DST gap).
pub fn day_start(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..3)
        .map(|h| midnight + chrono::Duration::hours(h))
        .find_map(|t| match zone() {
            Zone::Named(tz) => tz.from_local_datetime(&t).earliest().map(|t| t.timestamp()),
            Zone::System => Local
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.timestamp()),
        })
        .unwrap_or_else(|| midnight.and_utc().timestamp())
}

/// Today in the server's zone, with its offset: "2026-11-30 Monday (Europe/Berlin, UTC+01:00)".
pub fn today() -> String {
    let now = Utc::now();
    let offset = zone().offset_at(now);
    format!(
        "{} ({}, UTC{offset})",
        now.with_timezone(&offset).format("%Y-%m-%d %A"),
        zone().name()
    )
}

/// A calendar day a backend wrote as a UTC midnight (release dates): its date part, unshifted.
pub fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_string()
}

/// A .NET time span ("1.02:03:04" or "02:03:04", as Sonarr and Radarr write time left) in whole
/// minutes, rounded.
pub fn span_minutes(span: &str) -> Option<i64> {
    let (days, clock) = match span.split_once('.') {
        Some((d, rest)) if !d.contains(':') => (d.parse::<i64>().ok()?, rest),
        _ => (0, span),
    };
    let mut parts = clock.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next().unwrap_or("0"));
    let seconds: f64 = s.parse().ok()?;
    Some(
        days * 1440
            + h.parse::<i64>().ok()? * 60
            + m.parse::<i64>().ok()?
            + (seconds / 60.0).round() as i64,
    )
}

/// Milliseconds as whole minutes, rounded.
pub fn minutes(ms: i64) -> i64 {
    (ms + 30_000).div_euclid(60_000)
}

/// Bytes as gigabytes (10^9), two decimals.
pub fn gb(bytes: f64) -> f64 {
    (bytes / 1e7).round() / 100.0
}

/// Hours, one decimal, from milliseconds.
pub fn hours(ms: i64) -> f64 {
    (ms as f64 / 360_000.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_zones_carry_their_offset_and_dst() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let winter = DateTime::from_timestamp(1_796_075_164, 0).unwrap();
        assert_eq!(berlin.offset_at(winter).local_minus_utc(), 3600);
        let summer = DateTime::from_timestamp(1_782_000_000, 0).unwrap();
        assert_eq!(berlin.offset_at(summer).local_minus_utc(), 7200);
        assert!(
            Zone::parse("Mars/Olympus")
                .unwrap_err()
                .contains("PLEX_MCP_TZ")
        );
    }

    #[test]
    fn units_round_sensibly() {
        assert_eq!(minutes(5_400_000), 90);
        assert_eq!(minutes(89_999), 1);
        assert_eq!(minutes(29_999), 0);
        assert_eq!(gb(4_213_000_000.0), 4.21);
        assert_eq!(hours(5_400_000), 1.5);
        assert_eq!(span_minutes("00:12:40"), Some(13));
        assert_eq!(span_minutes("1.02:03:04"), Some(1563));
        assert_eq!(span_minutes("02:03:04.5000000"), Some(123));
        assert_eq!(span_minutes("soon"), None);
        assert_eq!(day("2026-12-04T00:00:00Z"), "2026-12-04");
        assert_eq!(hours(3_600_000 * 100 + 100_000), 100.0);
    }
}
