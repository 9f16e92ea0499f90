//! The deterministic sample data set behind the fake backends: the same seed and scale always
//! give the same libraries, plays and playlists, so tests can compute their expectations from it.

use serde::Serialize;

/// How big a sample stack to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub movies: usize,
    pub documentaries: usize,
    pub shows: usize,
    pub seasons_per_show: (usize, usize),
    pub episodes_per_season: (usize, usize),
    pub plays: usize,
    pub accounts: usize,
    pub devices: usize,
}

impl Scale {
    /// The `--demo` stack: small enough to read, varied enough to exercise every tool.
    pub const DEMO: Scale = Scale {
        movies: 50,
        documentaries: 10,
        shows: 8,
        seasons_per_show: (1, 3),
        episodes_per_season: (4, 8),
        plays: 300,
        accounts: 3,
        devices: 4,
    };
    /// The yardstick for big servers: 20,000 movies, 300 shows with 15,000 episodes, 100,000 plays.
    pub const LARGE: Scale = Scale {
        movies: 20_000,
        documentaries: 200,
        shows: 300,
        seasons_per_show: (5, 5),
        episodes_per_season: (10, 10),
        plays: 100_000,
        accounts: 8,
        devices: 12,
    };
}

/// splitmix64: tiny, fast and fully deterministic across platforms.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub tag: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GuidTag {
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FakeMedia {
    pub id: u64,
    pub duration: i64,
    pub video_resolution: &'static str,
    pub video_codec: &'static str,
    pub audio_codec: &'static str,
    pub container: &'static str,
}

/// One metadata item, already in the shape Plex serialises it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FakeItem {
    pub rating_key: String,
    pub key: String,
    pub guid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub title_sort: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition_title: Option<String>,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// The owner's own rating, set through `/:/rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tagline: Option<String>,
    /// A poster set from a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_rating: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studio: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originally_available_at: Option<String>,
    pub added_at: i64,
    pub updated_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_offset: Option<i64>,
    #[serde(rename = "librarySectionID")]
    pub library_section_id: u32,
    pub library_section_title: String,
    pub library_section_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_rating_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent_rating_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grandparent_guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewed_leaf_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_count: Option<u32>,
    #[serde(rename = "Genre", skip_serializing_if = "Vec::is_empty")]
    pub genres: Vec<Tag>,
    #[serde(rename = "Director", skip_serializing_if = "Vec::is_empty")]
    pub directors: Vec<Tag>,
    #[serde(rename = "Writer", skip_serializing_if = "Vec::is_empty")]
    pub writers: Vec<Tag>,
    #[serde(rename = "Role", skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Tag>,
    #[serde(rename = "Country", skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<Tag>,
    #[serde(rename = "Collection", skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Tag>,
    #[serde(rename = "Guid", skip_serializing_if = "Vec::is_empty")]
    pub guids: Vec<GuidTag>,
    #[serde(rename = "Media", skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<FakeMedia>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub key: u32,
    pub title: String,
    pub kind: &'static str,
    pub agent: &'static str,
    pub scanner: &'static str,
    pub uuid: String,
    pub created_at: i64,
    pub scanned_at: i64,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: u32,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub id: u32,
    pub name: String,
    pub platform: &'static str,
    pub client_identifier: String,
}

/// One row of the play history.
#[derive(Debug, Clone)]
pub struct Play {
    pub history_key: u64,
    /// Index into `Dataset::items`.
    pub item: usize,
    pub account_id: u32,
    pub device_id: u32,
    pub viewed_at: i64,
}

#[derive(Debug, Clone)]
pub struct Playlist {
    pub rating_key: String,
    pub title: String,
    pub summary: String,
    pub smart: bool,
    pub added_at: i64,
    pub updated_at: i64,
    /// `(playlistItemID, index into Dataset::items)`.
    pub entries: Vec<(u64, usize)>,
}

#[derive(Debug, Clone)]
pub struct WatchlistEntry {
    pub rating_key: String,
    pub guid: String,
    pub kind: &'static str,
    pub title: String,
    pub year: i32,
    pub summary: String,
    pub watchlisted_at: i64,
}

#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub item: usize,
    pub account_id: u32,
    pub device_id: u32,
    pub session_key: String,
    pub view_offset: i64,
    pub state: &'static str,
    pub transcoding: bool,
}

/// Everything the fake servers serve.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub machine_identifier: String,
    pub server_name: String,
    pub sections: Vec<Section>,
    pub items: Vec<FakeItem>,
    pub accounts: Vec<Account>,
    pub devices: Vec<Device>,
    /// Newest first, as Plex returns it with `sort=viewedAt:desc`.
    pub history: Vec<Play>,
    pub playlists: Vec<Playlist>,
    pub watchlist: Vec<WatchlistEntry>,
    pub sessions: Vec<ActiveSession>,
    /// Indices into `items` of partly watched items, most recent first.
    pub on_deck: Vec<usize>,
}

/// The account whose token the fake accepts; view state (`viewCount`, `lastViewedAt`) is theirs.
pub const OWNER_ACCOUNT: u32 = 1;

const ADJECTIVES: &[&str] = &[
    "Silent", "Crimson", "Last", "Hidden", "Broken", "Golden", "Endless", "Frozen", "Wild", "Lost",
    "Electric", "Midnight", "Distant", "Burning", "Quiet", "Savage", "Hollow", "Bright", "Iron",
    "Velvet",
];
const NOUNS: &[&str] = &[
    "Night", "River", "Empire", "Garden", "Signal", "Harbor", "Mountain", "Protocol", "Kingdom",
    "Mirror", "Horizon", "Station", "Orchard", "Frontier", "Echo", "Tide", "Compass", "Lantern",
    "Voyage", "Storm", "Machine", "Summer", "Winter", "Island",
];
const SHOW_NOUNS: &[&str] = &[
    "Chronicles",
    "Files",
    "Diaries",
    "Squad",
    "Academy",
    "Heights",
    "Precinct",
    "Saga",
];
const GENRES: &[&str] = &[
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
const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Maya", "Noah", "Zara", "Omar", "Iris", "Hugo", "Lena", "Theo", "Nina", "Felix",
    "Ruth", "Ezra", "Cleo", "Jonas",
];
const LAST_NAMES: &[&str] = &[
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
const STUDIOS: &[&str] = &[
    "Northlight Pictures",
    "Blue Harbor Films",
    "Ironwood Studios",
    "Paper Lantern",
    "Meridian",
];
const RESOLUTIONS: &[&str] = &["1080", "4k", "720"];
const AUDIO_CODECS: &[&str] = &["aac", "eac3", "ac3"];
const CONTENT_RATINGS: &[&str] = &["G", "PG", "PG-13", "R", "TV-14", "TV-MA"];
const ACCOUNT_NAMES: &[&str] = &[
    "alex", "sam", "jordan", "casey", "riley", "morgan", "taylor", "jamie", "quinn", "avery",
];
const DEVICES: &[(&str, &str)] = &[
    ("Living Room TV", "Android"),
    ("Alex's iPhone", "iOS"),
    ("Chrome", "Chrome"),
    ("Bedroom Roku", "Roku"),
    ("Office Mac", "macOS"),
    ("Kitchen iPad", "iOS"),
    ("Firefox", "Firefox"),
    ("Shield", "Android"),
];

fn person(rng: &mut Rng) -> Tag {
    Tag {
        tag: format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)),
    }
}

fn distinct_tags(rng: &mut Rng, pool: &[&str], count: usize) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::with_capacity(count);
    while tags.len() < count {
        let tag = rng.pick(pool).to_string();
        if !tags.iter().any(|t| t.tag == tag) {
            tags.push(Tag { tag });
        }
    }
    tags
}

fn people(rng: &mut Rng, count: usize) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::with_capacity(count);
    while tags.len() < count {
        let p = person(rng);
        if !tags.iter().any(|t| t.tag == p.tag) {
            tags.push(p);
        }
    }
    tags
}

fn hex_id(rng: &mut Rng) -> String {
    format!(
        "{:024x}",
        (rng.next_u64() as u128) << 32 | rng.next_u64() as u128 & 0xffff_ffff
    )
}

fn title_sort(title: &str) -> String {
    title.strip_prefix("The ").unwrap_or(title).to_string()
}

fn summary(rng: &mut Rng, title: &str) -> String {
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

fn date_of(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

impl Dataset {
    /// Builds the data set for `scale` from `seed`, with times relative to `now` (unix seconds).
    pub fn generate(scale: Scale, seed: u64, now: i64) -> Dataset {
        let mut rng = Rng::new(seed);
        let day = 86_400;
        let sections = vec![
            section(1, "Movies", "movie", now, &mut rng),
            section(2, "TV Shows", "show", now, &mut rng),
            section(3, "Documentaries", "movie", now, &mut rng),
        ];
        let mut items = Vec::with_capacity(scale.movies + scale.documentaries + scale.shows * 40);
        let mut next_key: u64 = 1000;
        let mut key = || {
            next_key += 1;
            next_key
        };
        let mut movie_titles = std::collections::HashSet::new();
        for (section_idx, count) in [(0usize, scale.movies), (2, scale.documentaries)] {
            for _ in 0..count {
                let sec = &sections[section_idx];
                let rk = key();
                let mut title = if rng.chance(30) {
                    format!("The {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS))
                } else {
                    format!("{} of the {}", rng.pick(NOUNS), rng.pick(NOUNS))
                };
                if !movie_titles.insert(title.clone()) {
                    title = format!("{title} {}", movie_titles.len());
                    movie_titles.insert(title.clone());
                }
                let year = 1970 + rng.range(0, 55) as i32;
                let duration = (rng.range(80, 170) as i64) * 60_000;
                let added_at =
                    now - rng.range(1, 1500) as i64 * day - rng.range(0, day as usize) as i64;
                let imdb = 100_000 + rk;
                let genres = if section_idx == 2 {
                    let mut g = vec![Tag {
                        tag: "Documentary".into(),
                    }];
                    g.extend(distinct_tags(&mut rng, &["History", "War", "Family"], 1));
                    g
                } else {
                    let n = rng.range(2, 4);
                    distinct_tags(&mut rng, GENRES, n)
                };
                // Most movies carry the modern Guid array; a few were matched by a legacy agent
                // (ids only in `guid`) and a few never matched at all (`local://`).
                let plex_guid = format!("plex://movie/{}", hex_id(&mut rng));
                let (guid, external) = if rk.is_multiple_of(41) {
                    (format!("local://{rk}"), false)
                } else if rk.is_multiple_of(37) {
                    (
                        format!("com.plexapp.agents.imdb://tt{imdb:07}?lang=en"),
                        false,
                    )
                } else {
                    (plex_guid, true)
                };
                items.push(FakeItem {
                    rating_key: rk.to_string(),
                    key: format!("/library/metadata/{rk}"),
                    guid,
                    kind: "movie",
                    title_sort: title_sort(&title),
                    original_title: rng.chance(10).then(|| format!("{title} (Original)")),
                    edition_title: rng.chance(5).then(|| "Director's Cut".to_string()),
                    summary: summary(&mut rng, &title),
                    title,
                    year: Some(year),
                    rating: Some((rng.range(30, 95) as f64) / 10.0),
                    user_rating: None,
                    tagline: None,
                    thumb: None,
                    content_rating: Some(rng.pick(CONTENT_RATINGS).to_string()),
                    studio: Some(rng.pick(STUDIOS).to_string()),
                    duration: Some(duration),
                    originally_available_at: Some(format!(
                        "{year}-{:02}-{:02}",
                        rng.range(1, 12),
                        rng.range(1, 28)
                    )),
                    added_at,
                    updated_at: added_at + rng.range(0, 30) as i64 * day,
                    view_count: None,
                    last_viewed_at: None,
                    view_offset: None,
                    library_section_id: sec.key,
                    library_section_title: sec.title.clone(),
                    library_section_key: format!("/library/sections/{}", sec.key),
                    parent_rating_key: None,
                    parent_title: None,
                    parent_index: None,
                    grandparent_rating_key: None,
                    grandparent_title: None,
                    grandparent_guid: None,
                    index: None,
                    leaf_count: None,
                    viewed_leaf_count: None,
                    child_count: None,
                    genres,
                    directors: {
                        let n = rng.range(1, 2);
                        people(&mut rng, n)
                    },
                    writers: {
                        let n = rng.range(1, 3);
                        people(&mut rng, n)
                    },
                    roles: {
                        let n = rng.range(4, 8);
                        people(&mut rng, n)
                    },
                    countries: vec![Tag {
                        tag: "United States of America".into(),
                    }],
                    collections: if rng.chance(10) {
                        vec![Tag {
                            tag: "Favourites".into(),
                        }]
                    } else {
                        vec![]
                    },
                    guids: if external {
                        vec![
                            GuidTag {
                                id: format!("imdb://tt{imdb:07}"),
                            },
                            GuidTag {
                                id: format!("tmdb://{}", 500 + rk),
                            },
                        ]
                    } else {
                        vec![]
                    },
                    media: vec![FakeMedia {
                        id: rk * 10,
                        duration,
                        video_resolution: RESOLUTIONS[rng.range(0, RESOLUTIONS.len() - 1)],
                        video_codec: "h264",
                        audio_codec: AUDIO_CODECS[rng.range(0, AUDIO_CODECS.len() - 1)],
                        container: "mkv",
                    }],
                });
            }
        }
        let tv = &sections[1];
        for s in 0..scale.shows {
            let show_rk = key();
            let show_title = if s % 3 == 0 {
                format!("{} {}", rng.pick(NOUNS), rng.pick(SHOW_NOUNS))
            } else {
                format!(
                    "The {} {} {}",
                    rng.pick(ADJECTIVES),
                    rng.pick(NOUNS),
                    rng.pick(SHOW_NOUNS)
                )
            };
            let show_title = format!("{show_title} ({})", s + 1);
            let show_guid = format!("plex://show/{}", hex_id(&mut rng));
            let year = 1995 + rng.range(0, 30) as i32;
            let added_at = now - rng.range(30, 1500) as i64 * day;
            let genres = {
                let n = rng.range(2, 3);
                distinct_tags(&mut rng, GENRES, n)
            };
            let roles = people(&mut rng, 6);
            let show_idx = items.len();
            items.push(FakeItem {
                rating_key: show_rk.to_string(),
                key: format!("/library/metadata/{show_rk}/children"),
                guid: show_guid.clone(),
                kind: "show",
                title_sort: title_sort(&show_title),
                original_title: None,
                edition_title: None,
                summary: summary(&mut rng, &show_title),
                title: show_title.clone(),
                year: Some(year),
                rating: Some((rng.range(50, 95) as f64) / 10.0),
                user_rating: None,
                tagline: None,
                thumb: None,
                content_rating: Some(rng.pick(CONTENT_RATINGS).to_string()),
                studio: Some(rng.pick(STUDIOS).to_string()),
                duration: Some(rng.range(22, 60) as i64 * 60_000),
                originally_available_at: Some(format!("{year}-09-0{}", rng.range(1, 9))),
                added_at,
                updated_at: added_at,
                view_count: None,
                last_viewed_at: None,
                view_offset: None,
                library_section_id: tv.key,
                library_section_title: tv.title.clone(),
                library_section_key: format!("/library/sections/{}", tv.key),
                parent_rating_key: None,
                parent_title: None,
                parent_index: None,
                grandparent_rating_key: None,
                grandparent_title: None,
                grandparent_guid: None,
                index: None,
                leaf_count: Some(0),
                viewed_leaf_count: Some(0),
                child_count: Some(0),
                genres: genres.clone(),
                directors: vec![],
                writers: vec![],
                roles: roles.clone(),
                countries: vec![],
                collections: vec![],
                guids: vec![
                    GuidTag {
                        id: format!("imdb://tt{:07}", 900_000 + show_rk),
                    },
                    GuidTag {
                        id: format!("tmdb://{}", 70_000 + show_rk),
                    },
                    GuidTag {
                        id: format!("tvdb://{}", 300_000 + show_rk),
                    },
                ],
                media: vec![],
            });
            let seasons = rng.range(scale.seasons_per_show.0, scale.seasons_per_show.1);
            let mut leaves = 0;
            for season_no in 1..=seasons {
                let season_rk = key();
                let season_idx = items.len();
                let season_title = format!("Season {season_no}");
                items.push(FakeItem {
                    rating_key: season_rk.to_string(),
                    key: format!("/library/metadata/{season_rk}/children"),
                    guid: format!("plex://season/{}", hex_id(&mut rng)),
                    kind: "season",
                    title_sort: season_title.clone(),
                    title: season_title.clone(),
                    original_title: None,
                    edition_title: None,
                    summary: String::new(),
                    year: None,
                    rating: None,
                    user_rating: None,
                    tagline: None,
                    thumb: None,
                    content_rating: None,
                    studio: None,
                    duration: None,
                    originally_available_at: None,
                    added_at,
                    updated_at: added_at,
                    view_count: None,
                    last_viewed_at: None,
                    view_offset: None,
                    library_section_id: tv.key,
                    library_section_title: tv.title.clone(),
                    library_section_key: format!("/library/sections/{}", tv.key),
                    parent_rating_key: Some(show_rk.to_string()),
                    parent_title: Some(show_title.clone()),
                    parent_index: None,
                    grandparent_rating_key: None,
                    grandparent_title: None,
                    grandparent_guid: None,
                    index: Some(season_no as u32),
                    leaf_count: Some(0),
                    viewed_leaf_count: Some(0),
                    child_count: None,
                    genres: vec![],
                    directors: vec![],
                    writers: vec![],
                    roles: vec![],
                    countries: vec![],
                    collections: vec![],
                    guids: vec![],
                    media: vec![],
                });
                let episodes = rng.range(scale.episodes_per_season.0, scale.episodes_per_season.1);
                for ep in 1..=episodes {
                    let rk = key();
                    let title = format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
                    let duration = rng.range(22, 58) as i64 * 60_000;
                    let aired = now
                        - ((seasons - season_no) * 365 + (episodes - ep) * 7) as i64 * day
                        - 400 * day;
                    items.push(FakeItem {
                        rating_key: rk.to_string(),
                        key: format!("/library/metadata/{rk}"),
                        guid: format!("plex://episode/{}", hex_id(&mut rng)),
                        kind: "episode",
                        title_sort: title.clone(),
                        summary: summary(&mut rng, &title),
                        title,
                        original_title: None,
                        edition_title: None,
                        year: Some(year + season_no as i32 - 1),
                        rating: Some((rng.range(60, 95) as f64) / 10.0),
                        user_rating: None,
                        tagline: None,
                        thumb: None,
                        content_rating: None,
                        studio: None,
                        duration: Some(duration),
                        originally_available_at: Some(date_of(aired)),
                        added_at: added_at + (season_no * 10 + ep) as i64 * 3600,
                        updated_at: added_at,
                        view_count: None,
                        last_viewed_at: None,
                        view_offset: None,
                        library_section_id: tv.key,
                        library_section_title: tv.title.clone(),
                        library_section_key: format!("/library/sections/{}", tv.key),
                        parent_rating_key: Some(season_rk.to_string()),
                        parent_title: Some(season_title.clone()),
                        parent_index: Some(season_no as u32),
                        grandparent_rating_key: Some(show_rk.to_string()),
                        grandparent_title: Some(show_title.clone()),
                        grandparent_guid: Some(show_guid.clone()),
                        index: Some(ep as u32),
                        leaf_count: None,
                        viewed_leaf_count: None,
                        child_count: None,
                        genres: vec![],
                        directors: people(&mut rng, 1),
                        writers: people(&mut rng, 1),
                        roles: roles.iter().take(3).cloned().collect(),
                        countries: vec![],
                        collections: vec![],
                        guids: vec![
                            GuidTag {
                                id: format!("imdb://tt{:07}", 2_000_000 + rk),
                            },
                            GuidTag {
                                id: format!("tmdb://{}", 1_000_000 + rk),
                            },
                            GuidTag {
                                id: format!("tvdb://{}", 5_000_000 + rk),
                            },
                        ],
                        media: vec![FakeMedia {
                            id: rk * 10,
                            duration,
                            video_resolution: "1080",
                            video_codec: "hevc",
                            audio_codec: "eac3",
                            container: "mkv",
                        }],
                    });
                }
                items[season_idx].leaf_count = Some(episodes as u32);
                leaves += episodes;
            }
            if s == 0 {
                // A special, filed by Plex as season 0: syncs must keep it there.
                let mut season = items[show_idx + 1].clone();
                let season_rk = key();
                season.rating_key = season_rk.to_string();
                season.key = format!("/library/metadata/{season_rk}/children");
                season.guid = format!("plex://season/special-{season_rk}");
                season.title = "Specials".into();
                season.title_sort = "Specials".into();
                season.index = Some(0);
                season.leaf_count = Some(1);
                let mut special = items[items.len() - 1].clone();
                let rk = key();
                special.rating_key = rk.to_string();
                special.key = format!("/library/metadata/{rk}");
                special.guid = format!("plex://episode/special-{rk}");
                special.title = "Behind the Scenes".into();
                special.title_sort = special.title.clone();
                special.parent_rating_key = Some(season_rk.to_string());
                special.parent_title = Some("Specials".into());
                special.parent_index = Some(0);
                special.index = Some(1);
                special.guids = vec![
                    GuidTag {
                        id: format!("imdb://tt{:07}", 2_000_000 + rk),
                    },
                    GuidTag {
                        id: format!("tvdb://{}", 5_000_000 + rk),
                    },
                ];
                special.media[0].id = rk * 10;
                items.push(season);
                items.push(special);
                leaves += 1;
            }
            items[show_idx].leaf_count = Some(leaves as u32);
            items[show_idx].child_count = Some(seasons as u32);
        }

        let accounts: Vec<Account> = (0..scale.accounts)
            .map(|i| Account {
                id: if i == 0 {
                    OWNER_ACCOUNT
                } else {
                    100 + i as u32
                },
                name: ACCOUNT_NAMES[i % ACCOUNT_NAMES.len()].to_string()
                    + &if i >= ACCOUNT_NAMES.len() {
                        (i / ACCOUNT_NAMES.len()).to_string()
                    } else {
                        String::new()
                    },
            })
            .collect();
        let devices: Vec<Device> = (0..scale.devices)
            .map(|i| {
                let (name, platform) = DEVICES[i % DEVICES.len()];
                Device {
                    id: 1 + i as u32,
                    name: if i >= DEVICES.len() {
                        format!("{name} {}", i / DEVICES.len() + 1)
                    } else {
                        name.to_string()
                    },
                    platform,
                    client_identifier: format!("device-{:08x}", rng.next_u64() as u32),
                }
            })
            .collect();

        let playable: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.kind == "movie" || it.kind == "episode")
            .map(|(i, _)| i)
            .collect();
        // Plays span the last year; each account favours its own devices.
        let span = 365 * day;
        let mut history: Vec<Play> = (0..scale.plays)
            .map(|n| {
                let account = &accounts[if rng.chance(40) {
                    0
                } else {
                    rng.range(0, accounts.len() - 1)
                }];
                let device = &devices[(account.id as usize + rng.range(0, 1)) % devices.len()];
                // A skew towards a popular head so "top N" lists are meaningful.
                let item = if rng.chance(30) {
                    playable[rng.range(0, playable.len().min(25) - 1)]
                } else {
                    *rng.pick(&playable)
                };
                Play {
                    history_key: 0,
                    item,
                    account_id: account.id,
                    device_id: device.id,
                    viewed_at: now - 60 - (rng.next_u64() % span as u64) as i64 - n as i64 % 7,
                }
            })
            .collect();
        // The owner binge-watched the first show completely, so "fully watched" has a show in it.
        let first_show = items.iter().position(|it| it.kind == "show");
        if let Some(show) = first_show.filter(|_| scale.plays > 0) {
            let show_key = items[show].rating_key.clone();
            let binge = now - 40 * day;
            for (n, idx) in playable
                .iter()
                .copied()
                .filter(|&i| items[i].grandparent_rating_key.as_deref() == Some(&show_key))
                .enumerate()
            {
                history.push(Play {
                    history_key: 0,
                    item: idx,
                    account_id: OWNER_ACCOUNT,
                    device_id: devices[0].id,
                    viewed_at: binge + n as i64 * 3000,
                });
            }
        }
        history.sort_by(|a, b| b.viewed_at.cmp(&a.viewed_at).then(a.item.cmp(&b.item)));
        for (i, play) in history.iter_mut().rev().enumerate() {
            play.history_key = 1 + i as u64;
        }
        for play in history.iter().filter(|p| p.account_id == OWNER_ACCOUNT) {
            let it = &mut items[play.item];
            it.view_count = Some(it.view_count.unwrap_or(0) + 1);
            it.last_viewed_at = Some(it.last_viewed_at.unwrap_or(0).max(play.viewed_at));
        }
        roll_up_view_state(&mut items);

        // On deck: a few unwatched items the owner is part-way through.
        let mut on_deck = Vec::new();
        for &idx in playable.iter().rev() {
            if on_deck.len() >= 6.min(playable.len() / 4) {
                break;
            }
            if items[idx].view_count.is_none() && rng.chance(20) {
                let duration = items[idx].duration.unwrap_or(0);
                items[idx].view_offset = Some(duration * rng.range(10, 80) as i64 / 100);
                items[idx].last_viewed_at = Some(now - rng.range(1, 20) as i64 * day);
                on_deck.push(idx);
            }
        }
        on_deck.sort_by_key(|&i| std::cmp::Reverse(items[i].last_viewed_at));

        let movies: Vec<usize> = playable
            .iter()
            .copied()
            .filter(|&i| items[i].kind == "movie")
            .collect();
        let episodes: Vec<usize> = playable
            .iter()
            .copied()
            .filter(|&i| items[i].kind == "episode")
            .collect();
        let mut playlist_item_id = 5000;
        let mut entries_of = |rng: &mut Rng, pool: &[usize], n: usize| -> Vec<(u64, usize)> {
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < n.min(pool.len()) {
                let c = *rng.pick(pool);
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            chosen
                .into_iter()
                .map(|i| {
                    playlist_item_id += 1;
                    (playlist_item_id, i)
                })
                .collect()
        };
        let big_playlist = if scale.movies > 1000 { 2500 } else { 24 };
        let playlists = vec![
            Playlist {
                rating_key: key().to_string(),
                title: "Friday Movie Night".into(),
                summary: "Crowd-pleasers for the weekend.".into(),
                smart: false,
                added_at: now - 200 * day,
                updated_at: now - 3 * day,
                entries: entries_of(&mut rng, &movies, big_playlist),
            },
            Playlist {
                rating_key: key().to_string(),
                title: "Pilot Episodes".into(),
                summary: String::new(),
                smart: false,
                added_at: now - 90 * day,
                updated_at: now - 10 * day,
                entries: entries_of(&mut rng, &episodes, 6),
            },
            Playlist {
                rating_key: key().to_string(),
                title: "Unwatched Thrillers".into(),
                summary: "Smart playlist: genre is Thriller and unplayed.".into(),
                smart: true,
                added_at: now - 30 * day,
                updated_at: now - day,
                entries: entries_of(&mut rng, &movies, 5),
            },
        ];

        let watchlist = (0..8)
            .map(|i| {
                let movie = i % 3 != 2;
                let title = format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
                WatchlistEntry {
                    rating_key: format!("{:024x}", rng.next_u64()),
                    guid: format!(
                        "plex://{}/{}",
                        if movie { "movie" } else { "show" },
                        hex_id(&mut rng)
                    ),
                    kind: if movie { "movie" } else { "show" },
                    summary: summary(&mut rng, &title),
                    title,
                    year: 2018 + rng.range(0, 8) as i32,
                    watchlisted_at: now - (i as i64 + 1) * 5 * day,
                }
            })
            .collect();

        let sessions = episodes
            .first()
            .map(|&item| {
                vec![ActiveSession {
                    item,
                    account_id: accounts.get(1).unwrap_or(&accounts[0]).id,
                    device_id: devices[0].id,
                    session_key: "42".into(),
                    view_offset: items[item].duration.unwrap_or(0) / 3,
                    state: "playing",
                    transcoding: true,
                }]
            })
            .unwrap_or_default();

        Dataset {
            machine_identifier: format!(
                "{:040x}",
                (rng.next_u64() as u128) << 64 | rng.next_u64() as u128
            ),
            server_name: "Demo Plex".into(),
            sections,
            items,
            accounts,
            devices,
            history,
            playlists,
            watchlist,
            sessions,
            on_deck,
        }
    }

    pub fn item_by_key(&self, rating_key: &str) -> Option<&FakeItem> {
        self.item_index(rating_key).map(|i| &self.items[i])
    }

    /// Keys are handed out in ascending order, so a binary search finds them.
    pub fn item_index(&self, rating_key: &str) -> Option<usize> {
        let key: u64 = rating_key.parse().ok()?;
        self.items
            .binary_search_by_key(&key, |it| it.rating_key.parse::<u64>().unwrap_or(0))
            .ok()
    }

    pub fn account(&self, id: u32) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn device(&self, id: u32) -> Option<&Device> {
        self.devices.iter().find(|d| d.id == id)
    }
}

/// Rolls episode view state up to seasons and shows, as Plex does: watched episodes, total
/// views and the latest view.
pub fn roll_up_view_state(items: &mut [FakeItem]) {
    #[derive(Default)]
    struct Rollup {
        watched: u32,
        views: u32,
        last: i64,
    }
    let mut rollups: std::collections::HashMap<String, Rollup> = Default::default();
    for it in items.iter().filter(|it| it.kind == "episode") {
        let Some(views) = it.view_count else { continue };
        for parent in [&it.parent_rating_key, &it.grandparent_rating_key]
            .into_iter()
            .flatten()
        {
            let r = rollups.entry(parent.clone()).or_default();
            r.watched += 1;
            r.views += views;
            r.last = r.last.max(it.last_viewed_at.unwrap_or(0));
        }
    }
    for it in items
        .iter_mut()
        .filter(|it| it.kind == "show" || it.kind == "season")
    {
        let r = rollups.remove(&it.rating_key).unwrap_or_default();
        it.viewed_leaf_count = Some(r.watched);
        (it.view_count, it.last_viewed_at) = if r.views > 0 {
            (Some(r.views), Some(r.last))
        } else {
            (None, None)
        };
    }
}

fn section(key: u32, title: &str, kind: &'static str, now: i64, rng: &mut Rng) -> Section {
    let (agent, scanner) = if kind == "movie" {
        ("tv.plex.agents.movie", "Plex Movie")
    } else {
        ("tv.plex.agents.series", "Plex TV Series")
    };
    Section {
        key,
        title: title.to_string(),
        kind,
        agent,
        scanner,
        uuid: format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.next_u64() as u32,
            rng.next_u64() as u16,
            rng.next_u64() as u16 & 0xfff,
            rng.next_u64() as u16 & 0xfff,
            rng.next_u64() & 0xffff_ffff_ffff
        ),
        created_at: now - 2000 * 86_400,
        scanned_at: now - 3600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let a = Dataset::generate(Scale::DEMO, 7, 1_700_000_000);
        let b = Dataset::generate(Scale::DEMO, 7, 1_700_000_000);
        assert_eq!(a.items.len(), b.items.len());
        assert_eq!(a.items[5].title, b.items[5].title);
        assert_eq!(a.history[10].viewed_at, b.history[10].viewed_at);
        let c = Dataset::generate(Scale::DEMO, 8, 1_700_000_000);
        assert_ne!(
            a.items.iter().map(|i| &i.title).collect::<Vec<_>>(),
            c.items.iter().map(|i| &i.title).collect::<Vec<_>>()
        );
    }

    #[test]
    fn demo_scale_has_what_the_issue_promises() {
        let d = Dataset::generate(Scale::DEMO, 1, 1_700_000_000);
        let count = |k: &str| d.items.iter().filter(|i| i.kind == k).count();
        assert_eq!(count("movie"), 60);
        assert_eq!(count("show"), 8);
        assert!(count("episode") >= 8 * 4);
        assert!((300..400).contains(&d.history.len()), "{}", d.history.len());
        assert_eq!(d.accounts.len(), 3);
        assert!(!d.on_deck.is_empty());
        assert_eq!(d.sessions.len(), 1);
        assert!(
            d.items
                .iter()
                .any(|i| i.title.to_lowercase().contains("night"))
        );
        assert!(
            d.history
                .windows(2)
                .all(|w| w[0].viewed_at >= w[1].viewed_at)
        );
        let keys: Vec<u64> = d
            .items
            .iter()
            .map(|i| i.rating_key.parse().unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(d.item_by_key(&d.items[17].rating_key).is_some());
    }
}
