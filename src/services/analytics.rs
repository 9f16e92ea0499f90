//! What the analytics tools compute from: the play log (every play in a time range, read page by
//! page and folded into compact records, each item kept once), item lengths, and the names of
//! accounts, devices and libraries.

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::Error;
use crate::FastMap;
use crate::plex::{
    api::{HistoryFilter, lean},
    client::PlexClient,
    models::{HistoryRow, ItemLength, LibrarySection},
};

/// Up to this many distinct items, durations come from batched metadata; beyond, from listings.
pub const BATCH_LOOKUP_LIMIT: usize = 2_000;

/// One play, folded to what the statistics need: no allocation per play.
pub struct PlayRecord {
    /// Index into `PlayLog::items`.
    pub item: u32,
    pub account: Option<i64>,
    pub device: Option<i64>,
    pub viewed_at: i64,
}

/// What history says of an item, kept once however often it was played.
pub struct LoggedItem {
    pub key: String,
    pub title: String,
    pub kind: String,
    /// (show ratingKey, show title), for episodes.
    pub show: Option<(String, String)>,
    pub section: Option<String>,
}

/// Plays in a time range, with the items they refer to interned.
#[derive(Default)]
pub struct PlayLog {
    pub plays: Vec<PlayRecord>,
    pub items: Vec<LoggedItem>,
    /// ratingKey → index into `items`.
    index: FastMap<String, u32>,
}

impl PlayLog {
    /// Folds a play in; plays outside `range` are dropped (the filter is Plex's, this guards a
    /// server that ignores it). An item's strings are copied the first time it is seen only.
    fn add(&mut self, r: HistoryRow<'_>, range: &std::ops::Range<i64>) {
        if !range.contains(&r.viewed_at) {
            return;
        }
        let item = match self.index.get(&*r.rating_key) {
            Some(&i) => i,
            None => {
                let show = match (r.show_key(), &r.grandparent_title) {
                    (Some(k), Some(t)) if r.kind == "episode" => {
                        Some((k.to_string(), t.to_string()))
                    }
                    _ => None,
                };
                let i = self.items.len() as u32;
                self.index.insert(r.rating_key.to_string(), i);
                self.items.push(LoggedItem {
                    key: r.rating_key.into_owned(),
                    title: r.title.into_owned(),
                    kind: r.kind.into_owned(),
                    show,
                    section: r.library_section_id.map(Cow::into_owned),
                });
                i
            }
        };
        self.plays.push(PlayRecord {
            item,
            account: r.account_id,
            device: r.device_id,
            viewed_at: r.viewed_at,
        });
    }

    pub fn keys(&self) -> Vec<String> {
        self.items.iter().map(|i| i.key.clone()).collect()
    }

    pub fn item(&self, p: &PlayRecord) -> &LoggedItem {
        &self.items[p.item as usize]
    }
}

/// Names for the ids that history rows carry.
#[derive(Default)]
pub struct Names {
    pub accounts: HashMap<i64, String>,
    /// Device id to (name, platform).
    pub devices: HashMap<i64, (String, Option<String>)>,
    /// Library key to title.
    pub sections: HashMap<String, String>,
}

/// Account, device and library names, fetched together. Names are a courtesy: if one list
/// cannot be read, rows keep their ids and the reason is logged.
pub async fn names(plex: &PlexClient) -> Names {
    let (accounts, devices, sections) =
        tokio::join!(plex.accounts(), plex.devices(), plex.sections(),);
    let mut names = Names::default();
    match accounts {
        Ok(a) => names.accounts = a.accounts.into_iter().map(|a| (a.id, a.name)).collect(),
        Err(e) => tracing::warn!("account names unavailable: {e}"),
    }
    match devices {
        Ok(d) => {
            names.devices = d
                .devices
                .into_iter()
                .map(|d| (d.id, (d.name, d.platform)))
                .collect()
        }
        Err(e) => tracing::warn!("device names unavailable: {e}"),
    }
    match sections {
        Ok(s) => names.sections = s.into_iter().map(|s| (s.key, s.title)).collect(),
        Err(e) => tracing::warn!("library names unavailable: {e}"),
    }
    names
}

/// Every play from `from` (inclusive) to `until` (exclusive; unix seconds), optionally of one
/// account, read page by page.
pub async fn play_log(
    plex: &PlexClient,
    from: i64,
    until: Option<i64>,
    account: Option<&str>,
) -> Result<PlayLog, Error> {
    let filter = HistoryFilter {
        since: Some(from),
        until,
        account: account.map(str::to_string),
        ..Default::default()
    };
    let mut log = PlayLog::default();
    let end = until.unwrap_or(i64::MAX);
    let range = from..end;
    plex.history_fold::<HistoryRow>(&filter, |row| log.add(row, &range))
        .await?;
    Ok(log)
}

/// How long a library's item lengths are trusted while its `updatedAt` and `scannedAt` stay put:
/// long enough for a conversation's follow-up questions, short enough that an edit Plex does not
/// stamp on the library is picked up soon.
const LENGTHS_TTL: Duration = Duration::from_secs(300);

/// Item lengths of whole libraries, kept between calls so a second statistics call in the same
/// conversation does not read every library again.
#[derive(Default)]
pub struct Lengths(Mutex<HashMap<String, LibraryLengths>>);

struct LibraryLengths {
    /// The library's (`updatedAt`, `scannedAt`) when it was read.
    stamp: (Option<i64>, Option<i64>),
    read_at: Instant,
    /// ratingKey → length in ms.
    lengths: Arc<FastMap<String, i64>>,
}

impl Lengths {
    fn get(&self, section: &LibrarySection) -> Option<Arc<FastMap<String, i64>>> {
        let cached = crate::lock(&self.0);
        let hit = cached.get(&section.key)?;
        (hit.stamp == stamp(section) && hit.read_at.elapsed() < LENGTHS_TTL)
            .then(|| hit.lengths.clone())
    }

    fn put(&self, section: &LibrarySection, lengths: Arc<FastMap<String, i64>>) {
        let entry = LibraryLengths {
            stamp: stamp(section),
            read_at: Instant::now(),
            lengths,
        };
        crate::lock(&self.0).insert(section.key.clone(), entry);
    }
}

/// What Plex changes on a library when its content may have changed.
fn stamp(section: &LibrarySection) -> (Option<i64>, Option<i64>) {
    (section.updated_at, section.scanned_at)
}

/// Lengths (ms) of the given items, in the same order; `None` for items Plex no longer has.
pub async fn durations(
    plex: &PlexClient,
    cache: &Lengths,
    keys: &[String],
) -> Result<Vec<Option<i64>>, Error> {
    if keys.len() <= BATCH_LOOKUP_LIMIT {
        let found: HashMap<String, Option<i64>> = plex
            .metadata_batch::<ItemLength>(keys, &lean::<ItemLength>())
            .await?
            .into_iter()
            .map(|f| (f.rating_key, f.duration))
            .collect();
        return Ok(keys
            .iter()
            .map(|k| found.get(k).copied().flatten())
            .collect());
    }
    let mut tables = Vec::new();
    for section in sections(plex, None).await? {
        let Some(type_id) = leaf_type(&section.kind) else {
            continue;
        };
        if let Some(table) = cache.get(&section) {
            tables.push(table);
            continue;
        }
        let [elements, fields] = lean::<ItemLength>();
        let query = [("type", type_id.to_string()), elements, fields];
        let items: Vec<ItemLength> = plex.section_all(&section.key, &query).await?;
        let table: Arc<FastMap<String, i64>> = Arc::new(
            items
                .into_iter()
                .filter_map(|f| Some((f.rating_key, f.duration?)))
                .collect(),
        );
        cache.put(&section, table.clone());
        tables.push(table);
    }
    Ok(keys
        .iter()
        .map(|k| tables.iter().find_map(|t| t.get(k)).copied())
        .collect())
}

/// The libraries, or the one with `key` (a clear error if there is none).
pub async fn sections(plex: &PlexClient, key: Option<&str>) -> Result<Vec<LibrarySection>, Error> {
    let all = plex.sections().await?;
    match key {
        None => Ok(all),
        Some(key) => {
            let one: Vec<LibrarySection> = all.into_iter().filter(|s| s.key == key).collect();
            if one.is_empty() {
                Err(Error::NoLibrary(key.to_string()))
            } else {
                Ok(one)
            }
        }
    }
}

pub fn leaf_type(kind: &str) -> Option<&'static str> {
    match kind {
        "movie" => Some("1"),
        "show" => Some("4"),
        "artist" => Some("10"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folds rows read from JSON text, borrowing from it as pages do.
    fn fold(log: &mut PlayLog, text: &str) {
        let rows: Vec<HistoryRow> = serde_json::from_str(text).unwrap();
        for row in rows {
            log.add(row, &(100..i64::MAX));
        }
    }

    #[test]
    fn the_log_keeps_each_item_once_and_drops_plays_before_the_range() {
        let mut log = PlayLog::default();
        fold(
            &mut log,
            r#"[
                {"ratingKey": "7", "title": "Pilot", "type": "episode", "viewedAt": 500,
                 "grandparentKey": "/library/metadata/3", "grandparentTitle": "Show",
                 "accountID": 1, "deviceID": 2, "librarySectionID": "2"},
                {"ratingKey": 8, "title": "Film \u00e9", "type": "movie", "viewedAt": 400, "accountID": 1},
                {"ratingKey": "9", "title": "Old", "type": "movie", "viewedAt": 50}
            ]"#,
        );
        fold(
            &mut log,
            r#"[{"ratingKey": "7", "title": "Pilot", "type": "episode", "viewedAt": 300, "accountID": 5}]"#,
        );
        assert_eq!(
            log.items[1].title, "Film é",
            "escaped text is decoded, not borrowed"
        );
        assert_eq!(log.plays.len(), 3);
        assert_eq!(log.keys(), ["7", "8"]);
        let first = log.item(&log.plays[0]);
        assert_eq!(first.show, Some(("3".to_string(), "Show".to_string())));
        assert_eq!(first.section.as_deref(), Some("2"));
        assert_eq!(log.plays[2].item, 0, "a replay points at the same item");
        assert_eq!(log.plays[2].account, Some(5));
    }
}
