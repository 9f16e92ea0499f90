//! Argument types that carry their own constraints: each one writes the JSON Schema the client
//! sees and enforces exactly that schema when it is deserialized, so a schema and its check can
//! never disagree. A value that breaks one is refused before the tool runs, with the argument's
//! name (see `params`).

use std::{borrow::Cow, fmt};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, de::Error as _};

/// A Plex id (ratingKey, library key, playlist id): 1 to 20 ASCII digits, nothing else, so it
/// can never change the path it is put into.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlexId(String);

impl PlexId {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PlexId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for PlexId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlexId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        if !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err(format!(
                "must be a numeric Plex id such as \"12345\" (got {:?})",
                clip(&value)
            ))
        }
    }
}

impl<'de> Deserialize<'de> for PlexId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PlexId::try_from(String::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl JsonSchema for PlexId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "PlexId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": "^\\d{1,20}$" })
    }
}

/// A whole number in `MIN..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int<const MIN: u32, const MAX: u32>(u32);

impl<const MIN: u32, const MAX: u32> Int<MIN, MAX> {
    pub fn get(self) -> u32 {
        self.0
    }
}

/// An optional count with a default: `limit.value_or(50)`.
pub trait OrDefault {
    fn value_or(self, default: usize) -> usize;
}

impl<const MIN: u32, const MAX: u32> OrDefault for Option<Int<MIN, MAX>> {
    fn value_or(self, default: usize) -> usize {
        self.map_or(default, |v| v.0 as usize)
    }
}

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Int<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if (MIN..=MAX).contains(&v) {
            Ok(Self(v))
        } else if MAX == u32::MAX {
            Err(D::Error::custom(format!(
                "must be at least {MIN} (got {v})"
            )))
        } else {
            Err(D::Error::custom(format!(
                "must be between {MIN} and {MAX} (got {v})"
            )))
        }
    }
}

impl<const MIN: u32, const MAX: u32> JsonSchema for Int<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Int_{MIN}_{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut schema = json_schema!({ "type": "integer", "minimum": MIN });
        if MAX != u32::MAX {
            schema.insert("maximum".into(), MAX.into());
        }
        schema
    }
}

/// A number (fractions allowed) in `MIN..=MAX`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num<const MIN: u32, const MAX: u32>(f64);

impl<const MIN: u32, const MAX: u32> Num<MIN, MAX> {
    pub fn get(self) -> f64 {
        self.0
    }
}

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Num<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && (f64::from(MIN)..=f64::from(MAX)).contains(&v) {
            Ok(Self(v))
        } else {
            Err(D::Error::custom(format!(
                "must be between {MIN} and {MAX} (got {v})"
            )))
        }
    }
}

impl<const MIN: u32, const MAX: u32> JsonSchema for Num<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Num_{MIN}_{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "number", "minimum": MIN, "maximum": MAX })
    }
}

/// A string of `MIN..=MAX` characters (Unicode scalar values, as JSON Schema counts them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MIN: usize, const MAX: usize> std::ops::Deref for Text<MIN, MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de, const MIN: usize, const MAX: usize> Deserialize<'de> for Text<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // Counting stops just past MAX, so a huge string costs no more than a legal one.
        let n = s.chars().take(MAX + 1).count();
        if n < MIN {
            Err(D::Error::custom(if MIN == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {MIN} characters")
            }))
        } else if n > MAX {
            Err(D::Error::custom(format!(
                "must be at most {MAX} characters (got {} bytes)",
                s.len()
            )))
        } else {
            Ok(Self(s))
        }
    }
}

impl<const MIN: usize, const MAX: usize> JsonSchema for Text<MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Text_{MIN}_{MAX}").into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut schema = json_schema!({ "type": "string", "maxLength": MAX });
        if MIN > 0 {
            schema.insert("minLength".into(), MIN.into());
        }
        schema
    }
}

/// A calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(chrono::NaiveDate);

impl Day {
    pub fn get(self) -> chrono::NaiveDate {
        self.0
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let shaped = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        shaped
            .then(|| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .flatten()
            .map(Day)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "must be a date as YYYY-MM-DD, e.g. \"2026-01-31\" (got {:?})",
                    clip(&s)
                ))
            })
    }
}

impl JsonSchema for Day {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Day".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$" })
    }
}

/// A point in time: a date, `YYYY-MM-DD`, meaning its midnight in the server's time zone, or
/// an RFC 3339 date-time with its offset (`2026-01-31T20:00:00+01:00`, `…Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When(i64);

impl When {
    /// Unix seconds.
    pub fn unix(self) -> i64 {
        self.0
    }

    fn parse(s: &str) -> Option<i64> {
        if s.len() == 10 {
            let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            return Some(crate::time::day_start(day));
        }
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp())
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        When::parse(&s)
            .filter(|_| s.len() <= When::MAX)
            .map(When)
            .ok_or_else(|| {
                D::Error::custom(format!(
                    "must be a date (\"2026-01-31\") or a date-time with offset \
                 (\"2026-01-31T20:00:00+01:00\") (got {:?})",
                    clip(&s)
                ))
            })
    }
}

impl When {
    const MAX: usize = 35;
}

impl JsonSchema for When {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "When".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "maxLength": When::MAX,
            "pattern": "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2}))?$"
        })
    }
}

/// A Plex sort: `field` or `field:asc|desc`, comma-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort(String);

impl Sort {
    const MAX: usize = 200;

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn valid(s: &str) -> bool {
        s.len() <= Self::MAX
            && s.split(',').all(|part| {
                let (field, dir) = part.split_once(':').unwrap_or((part, "asc"));
                !field.is_empty()
                    && field.bytes().all(|b| b.is_ascii_alphabetic())
                    && matches!(dir, "asc" | "desc")
            })
    }
}

impl<'de> Deserialize<'de> for Sort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if Sort::valid(&s) {
            Ok(Sort(s))
        } else {
            Err(D::Error::custom(format!(
                "must be `field` or `field:asc|desc`, comma-separated, e.g. \"year:desc,titleSort\" (got {:?})",
                clip(&s)
            )))
        }
    }
}

impl JsonSchema for Sort {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Sort".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "maxLength": Sort::MAX,
            "pattern": "^[A-Za-z]+(:(asc|desc))?(,[A-Za-z]+(:(asc|desc))?)*$"
        })
    }
}

/// An echoed bad value, cut so a huge argument does not come back whole.
fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(40) {
        None => Cow::Borrowed(s),
        Some((at, _)) => Cow::Owned(format!("{}…", &s[..at])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: for<'de> Deserialize<'de>>(v: serde_json::Value) -> Result<T, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn plex_ids_are_digits_exactly() {
        assert_eq!(&*parse::<PlexId>(json!("42")).unwrap(), "42");
        for bad in [
            "",
            " 42",
            "42 ",
            "4 2",
            "abc",
            "1/../2",
            "-1",
            "123456789012345678901",
        ] {
            let err = parse::<PlexId>(json!(bad)).unwrap_err();
            assert!(err.contains("numeric Plex id"), "{bad:?}: {err}");
        }
        assert!(parse::<PlexId>(json!(42)).is_err());
    }

    #[test]
    fn ints_hold_their_range() {
        assert_eq!(parse::<Int<1, 100>>(json!(1)).unwrap().get(), 1);
        assert_eq!(parse::<Int<1, 100>>(json!(100)).unwrap().get(), 100);
        assert!(
            parse::<Int<1, 100>>(json!(0))
                .unwrap_err()
                .contains("between 1 and 100")
        );
        assert!(parse::<Int<1, 100>>(json!(101)).is_err());
        assert!(parse::<Int<1, 100>>(json!(-1)).is_err());
        assert!(parse::<Int<1, 100>>(json!(1.5)).is_err());
        assert!(
            parse::<Int<1, { u32::MAX }>>(json!(0))
                .unwrap_err()
                .contains("at least 1")
        );
        assert_eq!(None::<Int<1, 9>>.value_or(5), 5);
    }

    #[test]
    fn numbers_hold_their_range() {
        assert_eq!(parse::<Num<0, 10>>(json!(7.5)).unwrap().get(), 7.5);
        assert!(parse::<Num<0, 10>>(json!(10.01)).is_err());
        assert!(parse::<Num<0, 10>>(json!(-0.1)).is_err());
    }

    #[test]
    fn text_counts_characters() {
        assert!(parse::<Text<1, 3>>(json!("héé")).is_ok());
        assert!(
            parse::<Text<1, 3>>(json!(""))
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            parse::<Text<1, 3>>(json!("abcd"))
                .unwrap_err()
                .contains("at most 3")
        );
        assert!(parse::<Text<0, 3>>(json!("")).is_ok());
    }

    #[test]
    fn days_are_real_dates() {
        assert!(parse::<Day>(json!("2026-02-28")).is_ok());
        for bad in [
            "2026-02-30",
            "+2026-01-01",
            "2026-1-01",
            " 2026-01-01",
            "20260101",
        ] {
            assert!(parse::<Day>(json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn whens_are_dates_or_date_times_with_offsets() {
        let t = parse::<When>(json!("2026-01-31T20:00:00+01:00")).unwrap();
        assert_eq!(t.unix(), 1_769_886_000);
        assert_eq!(parse::<When>(json!("2026-01-31T19:00:00Z")).unwrap(), t);
        let day = parse::<When>(json!("2026-01-31")).unwrap().unix();
        assert!(crate::time::iso(day).starts_with("2026-01-31T00:00:00"));
        for bad in [
            "2026-02-30",
            "2026-01-31T20:00:00",
            "yesterday",
            " 2026-01-31",
        ] {
            assert!(parse::<When>(json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn sorts_follow_the_grammar() {
        for ok in ["titleSort", "addedAt:desc", "year:desc,titleSort"] {
            assert!(parse::<Sort>(json!(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "year:up",
            "year,",
            ",",
            "a:asc,",
            " year",
            "ti tle",
            "year:desc;drop",
        ] {
            assert!(parse::<Sort>(json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn schemas_say_what_is_checked() {
        let mut g = SchemaGenerator::default();
        let s = serde_json::to_value(Int::<1, 50>::json_schema(&mut g)).unwrap();
        assert_eq!(s, json!({"type": "integer", "minimum": 1, "maximum": 50}));
        let s = serde_json::to_value(Text::<1, 9>::json_schema(&mut g)).unwrap();
        assert_eq!(s, json!({"type": "string", "minLength": 1, "maxLength": 9}));
    }
}
