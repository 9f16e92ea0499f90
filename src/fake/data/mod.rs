//! The deterministic sample data set behind the fake backends: the same seed and scale always
//! give the same libraries, plays and playlists, so tests can compute their expectations from it.

mod generate;
mod words;

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
    /// Kbit/s; with the sizes and streams below filled in after generation.
    pub bitrate: u64,
    pub width: u32,
    pub height: u32,
    #[serde(rename = "Part", skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<FakePart>,
}

/// A media file, with its streams (served in item details only, as Plex does).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FakePart {
    pub id: u64,
    pub key: String,
    pub file: String,
    pub size: u64,
    pub container: &'static str,
    pub duration: i64,
    #[serde(rename = "Stream", skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<serde_json::Value>,
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

/// A background job of the server, as `/activities` lists it.
#[derive(Debug, Clone)]
pub struct Activity {
    pub uuid: String,
    pub kind: &'static str,
    pub title: String,
    pub progress: i64,
}

/// A library collection: its members by index into `Dataset::items`, in order.
#[derive(Debug, Clone)]
pub struct Collection {
    pub rating_key: String,
    pub title: String,
    pub section: u32,
    /// Plex's type id of the members (1 movies, 2 shows).
    pub subtype: u8,
    pub smart: bool,
    pub items: Vec<usize>,
    pub added_at: i64,
    pub updated_at: i64,
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

/// How a fake player answers commands sent straight to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A server of its own on 127.0.0.1.
    Listen,
    /// An address where nothing listens.
    Refuse,
    /// No address known.
    Unknown,
}

/// A device that plays media and may take remote-control commands.
#[derive(Debug, Clone)]
pub struct FakePlayer {
    /// The device it is (name, platform, machine identifier).
    pub device_id: u32,
    pub product: &'static str,
    pub capabilities: &'static str,
    /// Listed by the server's `/clients` (the server relays commands to it).
    pub on_network: bool,
    /// Listed among the account's plex.tv resources.
    pub on_account: bool,
    pub reach: Reach,
    /// Where it listens (or seems to): set when the stack starts.
    pub url: Option<String>,
    /// Answers every command with 200 and does nothing, like an app in the background.
    pub silent: bool,
    /// Commands as they arrived: (name, sent straight to the player).
    pub received: Vec<(String, bool)>,
    /// The `X-Plex-Token`s direct commands carried.
    pub tokens_seen: Vec<String>,
    pub volume: Option<u8>,
    /// `setStreams` parameters last received.
    pub streams: Vec<(String, String)>,
    /// The play queue it plays and the position in it.
    pub queue: Option<(u64, usize)>,
}

impl FakePlayer {
    pub fn new(
        device_id: u32,
        product: &'static str,
        capabilities: &'static str,
        reach: Reach,
    ) -> Self {
        FakePlayer {
            device_id,
            product,
            capabilities,
            on_network: reach != Reach::Unknown,
            on_account: true,
            reach,
            url: None,
            silent: false,
            received: Vec::new(),
            tokens_seen: Vec::new(),
            volume: None,
            streams: Vec::new(),
            queue: None,
        }
    }
}

/// A play queue the fake server made: indices into `Dataset::items`.
#[derive(Debug, Clone)]
pub struct FakePlayQueue {
    pub id: u64,
    pub items: Vec<usize>,
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
    pub collections: Vec<Collection>,
    /// What the server is busy with (`/activities`): scans and refreshes started here.
    pub activities: Vec<Activity>,
    pub watchlist: Vec<WatchlistEntry>,
    pub sessions: Vec<ActiveSession>,
    pub players: Vec<FakePlayer>,
    pub play_queues: Vec<FakePlayQueue>,
    /// Transient tokens `/security/token` handed out, newest last.
    pub transient_tokens: Vec<String>,
    /// Indices into `items` of partly watched items, most recent first.
    pub on_deck: Vec<usize>,
}

/// The account whose token the fake accepts; view state (`viewCount`, `lastViewedAt`) is theirs.
pub const OWNER_ACCOUNT: u32 = 1;

impl Dataset {
    /// The library section with `key` as a request names it.
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key.to_string() == key)
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
