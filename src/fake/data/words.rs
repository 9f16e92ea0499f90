//! Word lists and the small makers built on them: titles, people, summaries, ids.

use super::*;

pub(super) const ADJECTIVES: &[&str] = &[
    "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Endless", "Frozen", "Wild", "Lost",
    "Electric", "Midnight", "Distant", "Burning", "Quiet", "Savage", "Hollow", "Bright", "Iron",
    "Velvet",
];
pub(super) const NOUNS: &[&str] = &[
    "Night", "River", "Empire", "Garden", "Signal", "Harbor", "Mountain", "Protocol", "Kingdom",
    "Mirror", "Horizon", "Station", "Orchard", "Frontier", "Echo", "Tide", "Compass", "Lantern",
    "Voyage", "Storm", "Machine", "Summer", "Winter", "Island",
];
pub(super) const SHOW_NOUNS: &[&str] = &[
    "Chronicles",
    "Files",
    "Diaries",
    "Squad",
    "Academy",
    "Heights",
    "Precinct",
    "Saga",
];
pub(super) const GENRES: &[&str] = &[
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "History",
    "Horror",
    "Mystery",
    "Romance",
    "Science Fiction",
    "Thriller",
    "War",
    "Western",
];
pub(super) const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Maya", "Noah", "Zara", "Omar", "Iris", "Hugo", "Lena", "Theo", "Nina", "Felix",
    "Ruth", "Ezra", "Cleo", "Jonas",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Hart",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Reyes",
    "Novak",
    "Abbott",
    "Castillo",
    "Fischer",
    "Khan",
    "Osei",
    "Brennan",
    "Sato",
    "Varga",
    "Whitlock",
];
pub(super) const STUDIOS: &[&str] = &[
    "Northlight Pictures",
    "Blue Harbor Films",
    "Ironwood Studios",
    "Paper Lantern",
    "Meridian",
];
pub(super) const RESOLUTIONS: &[&str] = &["1080", "4k", "720"];
pub(super) const AUDIO_CODECS: &[&str] = &["aac", "eac3", "ac3"];
pub(super) const CONTENT_RATINGS: &[&str] = &["G", "PG", "PG-13", "R", "TV-14", "TV-MA"];
pub(super) const ACCOUNT_NAMES: &[&str] = &[
    "alex", "sam", "jordan", "casey", "riley", "morgan", "taylor", "jamie", "quinn", "avery",
];
pub(super) const DEVICES: &[(&str, &str)] = &[
    ("Living Room TV", "Android"),
    ("Alex's iPhone", "iOS"),
    ("Chrome", "Chrome"),
    ("Bedroom Roku", "Roku"),
    ("Office Mac", "macOS"),
    ("Kitchen iPad", "iOS"),
    ("Firefox", "Firefox"),
    ("Shield", "Android"),
];

pub(super) fn person(rng: &mut Rng) -> Tag {
    Tag {
        tag: format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)),
    }
}

pub(super) fn distinct_tags(rng: &mut Rng, pool: &[&str], count: usize) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::with_capacity(count);
    while tags.len() < count {
        let tag = rng.pick(pool).to_string();
        if !tags.iter().any(|t| t.tag == tag) {
            tags.push(Tag { tag });
        }
    }
    tags
}

pub(super) fn people(rng: &mut Rng, count: usize) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::with_capacity(count);
    while tags.len() < count {
        let p = person(rng);
        if !tags.iter().any(|t| t.tag == p.tag) {
            tags.push(p);
        }
    }
    tags
}

pub(super) fn hex_id(rng: &mut Rng) -> String {
    format!(
        "{:024x}",
        (rng.next_u64() as u128) << 32 | rng.next_u64() as u128 & 0xffff_ffff
    )
}

pub(super) fn title_sort(title: &str) -> String {
    title.strip_prefix("The ").unwrap_or(title).to_string()
}

pub(super) fn summary(rng: &mut Rng, title: &str) -> String {
    let long = rng.chance(15);
    let base = format!(
        "{title} follows {} as a {} secret draws a small town into {} territory.",
        person(rng).tag,
        rng.pick(ADJECTIVES).to_lowercase(),
        rng.pick(GENRES).to_lowercase()
    );
    if long {
        // Some summaries run long so tools that preview them must truncate.
        let mut s = base.clone();
        while s.len() < 700 {
            s.push(' ');
            s.push_str(&base);
        }
        s
    } else {
        base
    }
}

pub(super) fn date_of(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
