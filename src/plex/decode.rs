//! Decoding helpers for Plex's loose JSON: ids written as text or as numbers, text borrowed from
//! the page where it can be, booleans written four ways, and tag lists kept as names only.

use std::borrow::Cow;

use serde::{
    Deserialize, Deserializer,
    de::{self, Visitor},
};

/// The names of a list of tags (`[{"tag": "Drama", …}, …]`) in one string, each ended by NUL.
/// The recommender reads the cast and genres of thousands of movies: one allocation per list
/// instead of one per name. Plex's metadata is XML-safe text, where U+0000 cannot occur.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TagNames(String);

impl TagNames {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split_terminator('\0')
    }

    pub fn first(&self) -> Option<&str> {
        self.iter().next()
    }

    fn push(&mut self, name: &str) {
        self.0.push_str(name);
        self.0.push('\0');
    }
}

impl<'a> FromIterator<&'a str> for TagNames {
    fn from_iter<I: IntoIterator<Item = &'a str>>(names: I) -> Self {
        let mut tags = TagNames::default();
        names.into_iter().for_each(|name| tags.push(name));
        tags
    }
}

impl<'de> Deserialize<'de> for TagNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// One tag, read for its name only, borrowed from the page where it can be.
        #[derive(Deserialize)]
        struct Name<'a> {
            #[serde(borrow, deserialize_with = "text")]
            tag: Cow<'a, str>,
        }

        struct Names;

        impl<'de> de::Visitor<'de> for Names {
            type Value = TagNames;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of tags")
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<TagNames, A::Error> {
                let mut tags = TagNames::default();
                while let Some(name) = seq.next_element::<Name<'de>>()? {
                    tags.push(&name.tag);
                }
                Ok(tags)
            }

            fn visit_unit<E: de::Error>(self) -> Result<TagNames, E> {
                Ok(TagNames::default())
            }
        }

        d.deserialize_any(Names)
    }
}

/// Ids Plex writes as text or as a number, read as text without buffering (an untagged enum
/// would copy every value twice; these are on every row of every listing).
struct TextOrNumber;

impl<'de> Visitor<'de> for TextOrNumber {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// Text as [`TextOrNumber`] reads it, borrowed from the input when it can be.
struct BorrowedText;

impl<'de> Visitor<'de> for BorrowedText {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        TextOrNumber.visit_str(v).map(Cow::Owned)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        TextOrNumber.visit_i64(v).map(Cow::Owned)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        TextOrNumber.visit_u64(v).map(Cow::Owned)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        TextOrNumber.visit_f64(v).map(Cow::Owned)
    }
}

pub(super) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    d.deserialize_any(BorrowedText)
}

pub(super) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Option::<Borrowed<'de>>::deserialize(d).map(|t| t.map(|t| t.0))
}

/// [`text`] as a type, so `Option` can wrap it.
struct Borrowed<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        text(d).map(Borrowed)
    }
}

pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextOrNumber)
}

pub fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Maybe;
    impl<'de> Visitor<'de> for Maybe {
        type Value = Option<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, a number or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            string_or_number(d).map(Some)
        }
    }
    d.deserialize_option(Maybe)
}

pub(super) fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    Ok(Option::<Loose>::deserialize(d)?.map(|b| match b {
        Loose::Bool(b) => b,
        Loose::Int(i) => i != 0,
        Loose::Text(s) => s == "1" || s.eq_ignore_ascii_case("true"),
    }))
}
