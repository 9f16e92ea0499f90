//! Typed views of the Plex responses plex-mcp reads. Plex omits fields freely (a finished item has
//! no `viewOffset`, a show no `duration`), so everything defaults; and it is loose about types
//! (`librarySectionID` is a number in metadata but a string in history), so a few fields accept
//! either.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};

pub use super::decode::{TagNames, opt_string_or_number, string_or_number};
use super::decode::{flexible_bool, opt_text, text};

/// Every Plex JSON answer wraps its payload in `MediaContainer`.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    #[serde(rename = "MediaContainer")]
    pub container: T,
}

/// A page of `Metadata` rows with Plex's paging fields.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct MetadataPage<T> {
    #[serde(rename = "totalSize", default)]
    pub total_size: Option<usize>,
    #[serde(rename = "Metadata", default = "Vec::new")]
    pub metadata: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SectionsContainer {
    #[serde(rename = "Directory")]
    pub directory: Vec<LibrarySection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LibrarySection {
    #[serde(deserialize_with = "string_or_number")]
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub agent: Option<String>,
    pub scanned_at: Option<i64>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub tag: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GuidRef {
    pub id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Media {
    pub video_resolution: Option<String>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub container: Option<String>,
    /// Kbit/s.
    pub bitrate: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[serde(rename = "Part")]
    pub parts: Vec<Part>,
}

/// One file of a media version.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Part {
    pub file: Option<String>,
    /// Bytes.
    pub size: Option<u64>,
    #[serde(rename = "Stream")]
    pub streams: Vec<Stream>,
}

/// A video (1), audio (2) or subtitle (3) stream of a file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Stream {
    pub id: Option<u64>,
    pub stream_type: u8,
    pub codec: Option<String>,
    pub display_title: Option<String>,
    pub language: Option<String>,
    pub language_code: Option<String>,
    pub channels: Option<u32>,
    pub forced: Option<bool>,
    /// `smpte2084` (PQ) or `arib-std-b67` (HLG) for HDR video.
    pub color_trc: Option<String>,
    #[serde(rename = "DOVIPresent")]
    pub dolby_vision: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SessionUser {
    #[serde(deserialize_with = "opt_string_or_number")]
    pub id: Option<String>,
    pub title: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Player {
    pub title: Option<String>,
    pub state: Option<String>,
    pub platform: Option<String>,
    pub product: Option<String>,
    #[serde(rename = "machineIdentifier")]
    pub machine_identifier: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlaybackSession {
    /// What `/status/sessions/terminate` takes (not the session key).
    pub id: Option<String>,
    pub location: Option<String>,
    pub bandwidth: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TranscodeSession {
    pub video_decision: Option<String>,
    pub audio_decision: Option<String>,
    /// `burn` when subtitles are drawn into the picture.
    pub subtitle_decision: Option<String>,
    pub progress: Option<f64>,
    pub source_video_codec: Option<String>,
    pub source_audio_codec: Option<String>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub transcode_hw_requested: Option<bool>,
    pub transcode_hw_full_pipeline: Option<bool>,
}

/// A metadata item as Plex lists or details it (movie, show, season, episode, playlist, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Item {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    pub key: Option<String>,
    pub guid: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    /// A collection's member type: movie or show.
    pub subtype: Option<String>,
    /// Server paths of the poster and the background art.
    pub thumb: Option<String>,
    pub art: Option<String>,
    pub title: String,
    pub original_title: Option<String>,
    pub edition_title: Option<String>,
    pub title_sort: Option<String>,
    pub summary: Option<String>,
    pub tagline: Option<String>,
    pub year: Option<i32>,
    pub rating: Option<f64>,
    pub user_rating: Option<f64>,
    pub content_rating: Option<String>,
    pub studio: Option<String>,
    pub duration: Option<i64>,
    pub added_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub view_count: Option<u32>,
    pub last_viewed_at: Option<i64>,
    pub view_offset: Option<i64>,
    #[serde(rename = "librarySectionID", deserialize_with = "opt_string_or_number")]
    pub library_section_id: Option<String>,
    pub library_section_title: Option<String>,
    pub parent_title: Option<String>,
    pub parent_index: Option<u32>,
    pub grandparent_title: Option<String>,
    #[serde(deserialize_with = "opt_string_or_number")]
    pub grandparent_rating_key: Option<String>,
    pub index: Option<u32>,
    pub leaf_count: Option<u32>,
    pub viewed_leaf_count: Option<u32>,
    pub child_count: Option<u32>,
    #[serde(deserialize_with = "flexible_bool")]
    pub smart: Option<bool>,
    pub playlist_type: Option<String>,
    #[serde(rename = "playlistItemID", deserialize_with = "opt_string_or_number")]
    pub playlist_item_id: Option<String>,
    pub watchlisted_at: Option<i64>,
    pub session_key: Option<String>,
    #[serde(rename = "Genre")]
    pub genres: Vec<Tag>,
    #[serde(rename = "Director")]
    pub directors: Vec<Tag>,
    #[serde(rename = "Writer")]
    pub writers: Vec<Tag>,
    #[serde(rename = "Role")]
    pub roles: Vec<Tag>,
    #[serde(rename = "Studio")]
    pub studios: Vec<Tag>,
    #[serde(rename = "Collection")]
    pub collections: Vec<Tag>,
    #[serde(rename = "Guid")]
    pub guids: Vec<GuidRef>,
    #[serde(rename = "Media")]
    pub media: Vec<Media>,
    #[serde(rename = "User")]
    pub user: Option<SessionUser>,
    #[serde(rename = "Player")]
    pub player: Option<Player>,
    #[serde(rename = "Session")]
    pub session: Option<PlaybackSession>,
    #[serde(rename = "TranscodeSession")]
    pub transcode_session: Option<TranscodeSession>,
}

/// Just the identity of a listed item. Whole-library reads decode into this rather than [`Item`],
/// so 20,000 rows cost a few megabytes, not tens.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BriefItem {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub year: Option<i32>,
    pub original_title: Option<String>,
    pub edition_title: Option<String>,
    pub guid: Option<String>,
}

/// An item's length and nothing else: what the analytics need of every item of a library, so
/// the titles and other strings of 35,000 rows are skipped rather than allocated.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ItemLength {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    pub duration: Option<i64>,
}

/// What analytics need of an item, without the tag lists: enough to weigh plays (duration),
/// label them (title, year, show) and judge view state.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ItemFacts {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub year: Option<i32>,
    pub duration: Option<i64>,
    pub grandparent_title: Option<String>,
    #[serde(deserialize_with = "opt_string_or_number")]
    pub grandparent_rating_key: Option<String>,
    #[serde(rename = "librarySectionID", deserialize_with = "opt_string_or_number")]
    pub library_section_id: Option<String>,
    pub view_count: Option<u32>,
    pub last_viewed_at: Option<i64>,
    pub leaf_count: Option<u32>,
    pub viewed_leaf_count: Option<u32>,
}

/// A movie as the recommender weighs it: view state, ratings, tags and ids.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TasteItem {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    pub title: String,
    pub year: Option<i32>,
    pub view_count: Option<u32>,
    pub last_viewed_at: Option<i64>,
    pub rating: Option<f64>,
    pub audience_rating: Option<f64>,
    #[serde(rename = "Genre")]
    pub genres: TagNames,
    #[serde(rename = "Director")]
    pub directors: TagNames,
    #[serde(rename = "Role")]
    pub roles: TagNames,
}

/// A row type whose text borrows from the page it is read from, named apart from that lifetime
/// so one fold serves every such row: `Row<'a>` is the row read from a page living for `'a`.
pub trait Borrowing {
    type Row<'a>: Deserialize<'a>;
}

impl Borrowing for HistoryRow<'_> {
    type Row<'a> = HistoryRow<'a>;
}

/// A play as a caller that only counts plays reads it: what was played, and when. Plex then
/// leaves out the rest of each history row.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PlayRow<'a> {
    #[serde(borrow, deserialize_with = "text")]
    pub rating_key: Cow<'a, str>,
    pub viewed_at: i64,
}

impl Borrowing for PlayRow<'_> {
    type Row<'a> = PlayRow<'a>;
}

impl HistoryRow<'_> {
    pub fn into_owned(self) -> HistoryRow<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        HistoryRow {
            rating_key: own(self.rating_key),
            kind: own(self.kind),
            title: own(self.title),
            grandparent_title: self.grandparent_title.map(own),
            grandparent_key: self.grandparent_key.map(own),
            parent_index: self.parent_index,
            index: self.index,
            viewed_at: self.viewed_at,
            account_id: self.account_id,
            device_id: self.device_id,
            library_section_id: self.library_section_id.map(own),
        }
    }

    /// The show's ratingKey of an episode play, from `grandparentKey`.
    pub fn show_key(&self) -> Option<&str> {
        self.grandparent_key
            .as_deref()?
            .rsplit('/')
            .next()
            .filter(|k| !k.is_empty())
    }
}

impl Item {
    /// External ids from the modern `Guid` array (`imdb://tt…`, `tmdb://…`, `tvdb://…`), falling
    /// back to a legacy agent `guid` (`com.plexapp.agents.imdb://tt…?lang=en`).
    pub fn external_ids(&self) -> ExternalIds {
        external_ids(self.guid.as_deref(), &self.guids)
    }
}

/// External ids from a modern `Guid` array (`imdb://tt…`, `tmdb://…`, `tvdb://…`), falling back to
/// a legacy agent `guid` (`com.plexapp.agents.imdb://tt…?lang=en`).
pub fn external_ids(guid: Option<&str>, guids: &[GuidRef]) -> ExternalIds {
    let mut ids = ExternalIds::default();
    let legacy = guid.filter(|g| g.starts_with("com.plexapp.agents."));
    for raw in guids.iter().map(|g| g.id.as_str()).chain(legacy) {
        let raw = raw.trim_start_matches("com.plexapp.agents.");
        let Some((scheme, rest)) = raw.split_once("://") else {
            continue;
        };
        let value = rest.split(['?', '/']).next().unwrap_or("").to_string();
        if value.is_empty() {
            continue;
        }
        let slot = match scheme {
            "imdb" => &mut ids.imdb,
            "tmdb" | "themoviedb" => &mut ids.tmdb,
            "tvdb" | "thetvdb" => &mut ids.tvdb,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    ids
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ExternalIds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmdb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvdb: Option<String>,
}

impl ExternalIds {
    pub fn is_empty(&self) -> bool {
        self.imdb.is_none() && self.tmdb.is_none() && self.tvdb.is_none()
    }
}

/// One row of `/status/sessions/history/all`. Plex returns only these fields: no user name, no
/// device name, no duration — those are joined in from `/accounts`, `/devices` and the metadata.
/// Text borrows from the page it was read from: a year of plays is 100,000 rows, and a fold keeps
/// an item's strings only the first time it sees the item.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HistoryRow<'a> {
    #[serde(borrow, deserialize_with = "text")]
    pub rating_key: Cow<'a, str>,
    #[serde(borrow, rename = "type", deserialize_with = "text")]
    pub kind: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "text")]
    pub title: Cow<'a, str>,
    #[serde(borrow, deserialize_with = "opt_text")]
    pub grandparent_title: Option<Cow<'a, str>>,
    /// `/library/metadata/<show ratingKey>`, for episodes.
    #[serde(borrow, deserialize_with = "opt_text")]
    pub grandparent_key: Option<Cow<'a, str>>,
    pub parent_index: Option<u32>,
    pub index: Option<u32>,
    pub viewed_at: i64,
    #[serde(rename = "accountID")]
    pub account_id: Option<i64>,
    #[serde(rename = "deviceID")]
    pub device_id: Option<i64>,
    #[serde(borrow, rename = "librarySectionID", deserialize_with = "opt_text")]
    pub library_section_id: Option<Cow<'a, str>>,
}

/// A history row that owns its text, for reads that keep whole pages.
#[derive(Debug)]
pub struct OwnedHistoryRow(pub HistoryRow<'static>);

impl<'de> Deserialize<'de> for OwnedHistoryRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        HistoryRow::deserialize(d).map(|r| OwnedHistoryRow(r.into_owned()))
    }
}

/// A library collection, as `/library/sections/{key}/collections` and its creation list it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Collection {
    #[serde(deserialize_with = "string_or_number")]
    pub rating_key: String,
    pub title: String,
    /// movie or show.
    pub subtype: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub smart: bool,
    pub child_count: Option<usize>,
    #[serde(rename = "librarySectionID", deserialize_with = "opt_string_or_number")]
    pub library_section_id: Option<String>,
    pub added_at: Option<i64>,
    pub updated_at: Option<i64>,
}

/// A flag Plex writes as `true`, `1` or `"1"`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_u64() == Some(1),
        serde_json::Value::String(s) => s == "1" || s == "true",
        _ => false,
    })
}

/// `/activities`: what the server is busy with.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivitiesContainer {
    #[serde(rename = "Activity")]
    pub activities: Vec<Activity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Activity {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// Percent, or -1 when unknown.
    pub progress: Option<f64>,
}

/// `/updater/status`: the releases the server could update to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UpdaterStatus {
    #[serde(rename = "Release")]
    pub releases: Vec<Release>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Release {
    pub version: String,
    /// available, downloading, downloaded, installing, …
    pub state: String,
}

/// `/`: the server's name, platform and version.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServerInfo {
    pub friendly_name: String,
    pub platform: Option<String>,
    pub platform_version: Option<String>,
    pub version: Option<String>,
}

/// `/library/sections/{key}/genre`: the genres a library's items use.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GenresContainer {
    #[serde(rename = "Directory")]
    pub directory: Vec<Genre>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Genre {
    pub title: String,
}

/// `/identity`: the server's machine identifier, which `server://` URIs name.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Identity {
    pub machine_identifier: String,
    pub version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountsContainer {
    #[serde(rename = "Account")]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Account {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DevicesContainer {
    #[serde(rename = "Device")]
    pub devices: Vec<Device>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Device {
    pub id: i64,
    pub name: String,
    pub platform: Option<String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde::de::DeserializeOwned;

    #[test]
    fn loose_plex_types_decode() {
        let page: Envelope<MetadataPage<Item>> = serde_json::from_str(
            r#"{"MediaContainer":{"size":1,"totalSize":9,"Metadata":[
                {"ratingKey":"5","type":"movie","title":"A","librarySectionID":3,"smart":1,"Genre":[{"tag":"Drama"}]}]}}"#,
        )
        .unwrap();
        let item = &page.container.metadata[0];
        assert_eq!(page.container.total_size, Some(9));
        assert_eq!(item.library_section_id.as_deref(), Some("3"));
        assert_eq!(item.smart, Some(true));
        assert_eq!(item.genres[0].tag, "Drama");
        let rows: Envelope<MetadataPage<HistoryRow>> = serde_json::from_str(
            r#"{"MediaContainer":{"Metadata":[{"ratingKey":7,"type":"episode","title":"E","viewedAt":10,"librarySectionID":"2"}]}}"#,
        )
        .unwrap();
        assert_eq!(rows.container.metadata[0].rating_key, "7");
        assert_eq!(
            rows.container.metadata[0].library_section_id.as_deref(),
            Some("2")
        );
        let empty: Envelope<MetadataPage<Item>> =
            serde_json::from_str(r#"{"MediaContainer":{"size":0}}"#).unwrap();
        assert!(empty.container.metadata.is_empty());
    }

    #[test]
    fn tag_names_keep_every_name_in_order() {
        let row: TasteItem = serde_json::from_str(
            r#"{"ratingKey": 1, "Genre": [{"tag": "Drama", "id": 3}, {"tag": "Sci \"Fi\""}],
                "Director": null, "Role": []}"#,
        )
        .unwrap();
        assert_eq!(
            row.genres.iter().collect::<Vec<_>>(),
            ["Drama", "Sci \"Fi\""]
        );
        assert_eq!(row.genres.first(), Some("Drama"));
        assert_eq!(row.directors.iter().count(), 0);
        assert_eq!(row.roles, TagNames::default());
        assert_eq!(
            ["", "A"].into_iter().collect::<TagNames>().iter().count(),
            2
        );
    }

    #[test]
    fn history_rows_read_none_of_the_fields_they_leave_out() {
        let full = serde_json::json!({
            "historyKey": "/status/sessions/history/9", "key": "/library/metadata/7",
            "thumb": "/t", "parentKey": "/library/metadata/6", "ratingKey": "7",
            "type": "episode", "title": "E", "grandparentTitle": "S",
            "grandparentKey": "/library/metadata/5", "parentIndex": 2, "index": 3,
            "viewedAt": 10, "accountID": 1, "deviceID": 4, "librarySectionID": "2",
            "parentThumb": "/p", "grandparentThumb": "/g", "grandparentArt": "/a",
            "originallyAvailableAt": "2020-01-01",
        });
        reads_nothing_left_out::<OwnedHistoryRow>(&full);
        let narrowed = crate::plex::api::leaned::<HistoryRow>(&full);
        for unread in [
            "historyKey",
            "key",
            "parentKey",
            "thumb",
            "parentThumb",
            "grandparentThumb",
            "grandparentArt",
            "originallyAvailableAt",
        ] {
            assert!(narrowed.get(unread).is_none(), "{unread} is asked for");
        }
        // A play keeps what was played and when; Plex leaves out the rest.
        let play = crate::plex::api::leaned::<PlayRow>(&full).to_string();
        let row: PlayRow = serde_json::from_str(&play).unwrap();
        assert_eq!((row.rating_key.as_ref(), row.viewed_at), ("7", 10));
        for unread in ["grandparentTitle", "accountID", "deviceID", "index"] {
            assert!(!play.contains(unread), "{unread} is asked for");
        }
    }

    /// Decodes `full` and its leaned form as `T`: the same value, or `T` reads what it asks
    /// Plex to leave out.
    pub(crate) fn reads_nothing_left_out<T: DeserializeOwned + std::fmt::Debug>(
        full: &serde_json::Value,
    ) {
        let decode =
            |v: serde_json::Value| format!("{:?}", serde_json::from_value::<T>(v).unwrap());
        assert_eq!(
            decode(crate::plex::api::leaned::<T>(full)),
            decode(full.clone()),
            "{}",
            std::any::type_name::<T>()
        );
    }

    #[test]
    fn listing_rows_read_nothing_they_leave_out() {
        let data = crate::fake::Dataset::generate(crate::fake::Scale::DEMO, 7, 1_700_000_000);
        let mut trimmed = 0;
        for item in &data.items {
            let full = serde_json::to_value(item).unwrap();
            let lengths = crate::plex::api::leaned::<ItemLength>(&full);
            trimmed += usize::from(lengths.as_object().unwrap().len() <= 4);
            reads_nothing_left_out::<ItemLength>(&full);
            reads_nothing_left_out::<BriefItem>(&full);
            reads_nothing_left_out::<ItemFacts>(&full);
            reads_nothing_left_out::<TasteItem>(&full);
        }
        assert_eq!(
            trimmed,
            data.items.len(),
            "a length row keeps little more than its key"
        );
    }

    #[test]
    fn external_ids_from_modern_and_legacy_guids() {
        let modern = Item {
            guid: Some("plex://movie/5d77".into()),
            guids: vec![
                GuidRef {
                    id: "imdb://tt0111161".into(),
                },
                GuidRef {
                    id: "tmdb://278".into(),
                },
            ],
            ..Default::default()
        };
        let ids = modern.external_ids();
        assert_eq!(ids.imdb.as_deref(), Some("tt0111161"));
        assert_eq!(ids.tmdb.as_deref(), Some("278"));
        assert_eq!(ids.tvdb, None);
        let legacy = Item {
            guid: Some("com.plexapp.agents.thetvdb://81189/1/2?lang=en".into()),
            ..Default::default()
        };
        assert_eq!(legacy.external_ids().tvdb.as_deref(), Some("81189"));
        assert!(Item::default().external_ids().is_empty());
    }
}
