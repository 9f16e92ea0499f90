//! Plex Media Server and Discover endpoints, one method each. Paths are written here and nowhere
//! else; callers choose the row type a listing decodes into (a full `Item`, or a lean projection)
//! and pass Plex filter parameters (`type`, `sort`, …) where an endpoint takes them.

use reqwest::Method;
use serde::{
    Deserialize,
    de::{DeserializeOwned, IgnoredAny},
};

use super::{
    client::{Collected, PAGE_SIZE, Page, PlexClient, Walk, Window},
    models::{
        AccountsContainer, ActivitiesContainer, Activity, Borrowing, Collection, DevicesContainer,
        Envelope, GenresContainer, HistoryRow, Identity, Item, LibrarySection, MetadataPage,
        OwnedHistoryRow, SectionsContainer, ServerInfo, UpdaterStatus,
    },
};
use crate::backend::BackendError;

/// Every play the server recorded.
const HISTORY: &str = "/status/sessions/history/all";
const WATCHLIST: &str = "/library/sections/watchlist/all";

/// Which plays to read from the history, and in which order.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    pub account: Option<String>,
    pub section: Option<String>,
    /// Only plays at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Only plays before this time (unix seconds).
    pub until: Option<i64>,
    pub oldest_first: bool,
}

impl HistoryFilter {
    /// The query for rows of type `T`.
    fn query<'de, T: Deserialize<'de>>(&self) -> Vec<(&'static str, String)> {
        let order = if self.oldest_first { "asc" } else { "desc" };
        // Half of each row is keys and images no caller reads; rows carry no child elements.
        let [_, unread] = lean::<T>();
        let mut q = vec![("sort", format!("viewedAt:{order}")), unread];
        // On the wire `viewedAt>=t` and `viewedAt<=t` (key `viewedAt>`, value t) include t.
        q.extend(self.since.map(|t| ("viewedAt>", t.to_string())));
        q.extend(self.until.map(|t| ("viewedAt<", (t - 1).to_string())));
        q.extend(self.account.clone().map(|a| ("accountID", a)));
        q.extend(self.section.clone().map(|s| ("librarySectionID", s)));
        q
    }
}

/// The child elements a listing row can carry, by Plex's names.
const ELEMENTS: [&str; 17] = [
    "Media",
    "Genre",
    "Director",
    "Writer",
    "Producer",
    "Role",
    "Country",
    "Collection",
    "Guid",
    "Label",
    "Similar",
    "Image",
    "UltraBlurColors",
    "Field",
    "Location",
    "Mood",
    "Style",
];

/// Attributes of listed rows and history rows that a row type may not read: with the child
/// elements, most of a row. `ratingKey`, `type` and `title` are always kept.
const FIELDS: [&str; 54] = [
    "historyKey",
    "summary",
    "tagline",
    "key",
    "guid",
    "slug",
    "studio",
    "contentRating",
    "rating",
    "audienceRating",
    "audienceRatingImage",
    "ratingImage",
    "userRating",
    "lastRatedAt",
    "year",
    "originallyAvailableAt",
    "duration",
    "addedAt",
    "updatedAt",
    "titleSort",
    "originalTitle",
    "editionTitle",
    "thumb",
    "art",
    "banner",
    "theme",
    "composite",
    "chapterSource",
    "primaryExtraKey",
    "librarySectionID",
    "librarySectionKey",
    "librarySectionTitle",
    "viewCount",
    "skipCount",
    "lastViewedAt",
    "viewOffset",
    "index",
    "parentIndex",
    "childCount",
    "leafCount",
    "viewedLeafCount",
    "parentTitle",
    "parentKey",
    "parentRatingKey",
    "parentGuid",
    "parentThumb",
    "grandparentTitle",
    "grandparentKey",
    "grandparentRatingKey",
    "grandparentGuid",
    "grandparentThumb",
    "grandparentArt",
    "accountID",
    "deviceID",
];

/// Listing parameters that have Plex leave out what rows of type `T` never read: every child
/// element and listed attribute `T` does not name. Plex honours `excludeElements` and
/// `excludeFields` on its listings and metadata (public clients rely on it; the PMS spec names
/// them on history), and a server that ignored them would only send more.
pub fn lean<'de, T: Deserialize<'de>>() -> [(&'static str, String); 2] {
    let reads = fields_of::<T>();
    let dropped = |names: &[&'static str]| {
        names
            .iter()
            .filter(|n| !reads.contains(n))
            .copied()
            .collect::<Vec<_>>()
            .join(",")
    };
    [
        ("excludeElements", dropped(&ELEMENTS)),
        ("excludeFields", dropped(&FIELDS)),
    ]
}

/// The names a struct's `Deserialize` reads, as serde hands them to a deserializer.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Names<'a>(&'a mut &'static [&'static str]);

    impl<'de> de::Deserializer<'de> for Names<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("names read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Names(&mut fields));
    fields
}

/// `full` without what [`lean`] has Plex leave out for `T`.
#[cfg(test)]
pub fn leaned<'de, T: Deserialize<'de>>(full: &serde_json::Value) -> serde_json::Value {
    let [(_, elements), (_, fields)] = lean::<T>();
    let dropped: Vec<&str> = elements.split(',').chain(fields.split(',')).collect();
    let mut row = full.clone();
    if let Some(attrs) = row.as_object_mut() {
        attrs.retain(|k, _| !dropped.contains(&k.as_str()));
    }
    row
}

/// What a playlist is made from: the `uri` its create and add calls take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaylistSource {
    /// These items, in this order.
    Items(Vec<String>),
    /// A smart playlist: a library's items of one type (Plex's numeric type), optionally
    /// narrowed by a Plex filter such as `genre=Drama&year>=2020`.
    Filter {
        section: String,
        type_id: u8,
        filter: Option<String>,
    },
}

impl PlaylistSource {
    /// The `server://…` URI for the server with `machine` identifier.
    pub fn uri(&self, machine: &str) -> String {
        let path = match self {
            PlaylistSource::Items(keys) => format!("/library/metadata/{}", keys.join(",")),
            PlaylistSource::Filter {
                section,
                type_id,
                filter,
            } => {
                let mut p = format!("/library/sections/{section}/all?type={type_id}");
                if let Some(f) = filter {
                    p.push('&');
                    p.push_str(f.trim_start_matches('&'));
                }
                p
            }
        };
        format!("server://{machine}/{LIBRARY_IDENTIFIER}{path}")
    }
}

/// Whether a write adds or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Remove,
}

impl PlexClient {
    // ---- server ----

    pub async fn identity(&self) -> Result<Identity, BackendError> {
        self.get(self.pms(), "/identity", &[]).await
    }

    /// The server's name, platform and version.
    pub async fn server_info(&self) -> Result<ServerInfo, BackendError> {
        self.get(self.pms(), "/", &[]).await
    }

    /// The server's identifier, which playlist and play queue URIs name (read once).
    pub async fn machine_identifier(&self) -> Result<String, BackendError> {
        self.machine()
            .get_or_try_init(|| async {
                let id = self.identity().await?;
                if id.machine_identifier.is_empty() {
                    return Err(self.pms().malformed(
                        "/identity",
                        "no machineIdentifier; check PLEX_URL and PLEX_TOKEN",
                    ));
                }
                Ok(id.machine_identifier)
            })
            .await
            .cloned()
    }

    pub async fn sections(&self) -> Result<Vec<LibrarySection>, BackendError> {
        let all: SectionsContainer = self.get(self.pms(), "/library/sections", &[]).await?;
        Ok(all.directory)
    }

    pub async fn accounts(&self) -> Result<AccountsContainer, BackendError> {
        self.get(self.pms(), "/accounts", &[]).await
    }

    pub async fn devices(&self) -> Result<DevicesContainer, BackendError> {
        self.get(self.pms(), "/devices", &[]).await
    }

    /// What is playing now.
    pub async fn sessions(&self) -> Result<Vec<Item>, BackendError> {
        let page: MetadataPage<Item> = self.get(self.pms(), "/status/sessions", &[]).await?;
        Ok(page.metadata)
    }

    // ---- libraries ----

    /// The genre names a library's items of Plex type `kind` (1 movie, 2 show) use.
    pub async fn genres(&self, key: &str, kind: u8) -> Result<Vec<String>, BackendError> {
        let path = format!("/library/sections/{key}/genre");
        let found: GenresContainer = self
            .get(self.pms(), &path, &[("type", kind.to_string())])
            .await?;
        Ok(found.directory.into_iter().map(|g| g.title).collect())
    }

    /// How many top-level items a library holds, when Plex says.
    pub async fn section_size(&self, key: &str) -> Result<Option<usize>, BackendError> {
        let page: Page<IgnoredAny> = self
            .page(self.pms(), &Self::section_path(key), &[], 0, 0)
            .await?;
        Ok(page.total)
    }

    /// `limit` items of a library from `offset`, filtered by `filters`.
    pub async fn section_items<T: DeserializeOwned + Send>(
        &self,
        key: &str,
        filters: &[(&str, String)],
        offset: usize,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        self.section_items_map(key, filters, offset, limit, |row| row)
            .await
    }

    /// [`Self::section_items`], each row turned into what the caller keeps as its page comes.
    pub async fn section_items_map<T: DeserializeOwned + Send, U>(
        &self,
        key: &str,
        filters: &[(&str, String)],
        offset: usize,
        limit: usize,
        keep: impl FnMut(T) -> U,
    ) -> Result<Collected<U>, BackendError> {
        let path = Self::section_path(key);
        let window = Window::rows(offset, limit);
        self.collect_map(self.pms(), &path, filters, window, keep)
            .await
    }

    /// Every item of a library matching `filters`.
    pub async fn section_all<T: DeserializeOwned + Send>(
        &self,
        key: &str,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, BackendError> {
        let path = Self::section_path(key);
        let window = Window::whole(PAGE_SIZE);
        let all = self.collect_map(self.pms(), &path, filters, window, |row| row);
        Ok(all.await?.items)
    }

    /// A library read page by page, `size` rows a request, for callers that write or fold as
    /// pages come. `path` must live as long as the walk: build it with [`Self::section_path`].
    pub async fn section_walk<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        path: &'a str,
        filters: &'a [(&'a str, String)],
        size: usize,
    ) -> Result<Walk<'a, T>, BackendError> {
        self.walk(self.pms(), path, filters, Window::whole(size))
            .await
    }

    /// The path [`Self::section_walk`] reads.
    pub fn section_path(key: &str) -> String {
        format!("/library/sections/{key}/all")
    }

    /// Full-text search, in one library or across all.
    pub async fn search<T: DeserializeOwned + Send>(
        &self,
        library: Option<&str>,
        filters: &[(&str, String)],
        offset: usize,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        let path = match library {
            Some(key) => format!("/library/sections/{key}/search"),
            None => "/search".to_string(),
        };
        self.collect(self.pms(), &path, filters, offset, limit)
            .await
    }

    pub async fn recently_added<T: DeserializeOwned + Send>(
        &self,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        self.collect(self.pms(), "/library/recentlyAdded", &[], 0, limit)
            .await
    }

    pub async fn on_deck<T: DeserializeOwned + Send>(&self) -> Result<Vec<T>, BackendError> {
        self.collect_all(self.pms(), "/library/onDeck", &[]).await
    }

    /// One item's full metadata; `None` when Plex does not have it.
    pub async fn item(&self, key: &str) -> Result<Option<Item>, BackendError> {
        let page: Result<MetadataPage<Item>, _> = self
            .get(self.pms(), &format!("/library/metadata/{key}"), &[])
            .await;
        match page {
            Ok(page) => Ok(page.metadata.into_iter().next()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---- history ----

    /// The newest (or oldest) `limit` plays matching `filter`.
    pub async fn history(
        &self,
        filter: &HistoryFilter,
        limit: usize,
    ) -> Result<Collected<HistoryRow<'static>>, BackendError> {
        let got = self
            .collect::<OwnedHistoryRow>(
                self.pms(),
                HISTORY,
                &filter.query::<HistoryRow>(),
                0,
                limit,
            )
            .await?;
        Ok(Collected {
            items: got.items.into_iter().map(|r| r.0).collect(),
            total: got.total,
        })
    }

    /// One page of plays from `start`.
    pub async fn history_page(
        &self,
        filter: &HistoryFilter,
        start: usize,
    ) -> Result<Page<HistoryRow<'static>>, BackendError> {
        let page = self
            .page::<OwnedHistoryRow>(
                self.pms(),
                HISTORY,
                &filter.query::<HistoryRow>(),
                start,
                PAGE_SIZE,
            )
            .await?;
        Ok(Page {
            items: page.items.into_iter().map(|r| r.0).collect(),
            total: page.total,
        })
    }

    /// Every play matching `filter` as rows of type `R` (Plex sends only what `R` reads), handed
    /// to `fold` as pages arrive, each row borrowing from its page: nothing is allocated per play
    /// unless `fold` keeps it.
    pub async fn history_fold<R: Borrowing>(
        &self,
        filter: &HistoryFilter,
        mut fold: impl FnMut(R::Row<'_>),
    ) -> Result<Option<usize>, BackendError> {
        use futures::TryStreamExt;
        let (pms, query) = (self.pms(), filter.query::<R::Row<'static>>());
        let (body, opening) = self
            .open(pms, HISTORY, &query, Window::whole(PAGE_SIZE))
            .await?;
        let first: Envelope<MetadataPage<R::Row<'_>>> = pms.parse(HISTORY, &body)?;
        let (got, total) = (first.container.metadata.len(), first.container.total_size);
        first.container.metadata.into_iter().for_each(&mut fold);
        let mut rest = opening.rest(got, total);
        while let Some(body) = rest.try_next().await? {
            let page: Envelope<MetadataPage<R::Row<'_>>> = pms.parse(HISTORY, &body)?;
            page.container.metadata.into_iter().for_each(&mut fold);
        }
        Ok(total)
    }

    // ---- playlists ----

    pub async fn playlists<T: DeserializeOwned + Send>(&self) -> Result<Vec<T>, BackendError> {
        self.collect_all(self.pms(), "/playlists", &[]).await
    }

    pub async fn playlist_items<T: DeserializeOwned + Send>(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        self.collect(
            self.pms(),
            &format!("/playlists/{id}/items"),
            &[],
            offset,
            limit,
        )
        .await
    }

    pub async fn playlist_all_items<T: DeserializeOwned + Send>(
        &self,
        id: &str,
    ) -> Result<Vec<T>, BackendError> {
        self.collect_all(self.pms(), &format!("/playlists/{id}/items"), &[])
            .await
    }

    /// Ends a playback session (its `Session.id`), showing `reason` to the viewer.
    pub async fn terminate_session(&self, id: &str, reason: &str) -> Result<(), BackendError> {
        let query = [
            ("sessionId", id.to_string()),
            ("reason", reason.to_string()),
        ];
        self.act(
            self.pms(),
            Method::POST,
            "/status/sessions/terminate",
            &query,
        )
        .await
    }

    /// An image of the server's (`thumb` or `art` path), resized by the server to `width` by
    /// `height`, as PNG bytes; at most `max` bytes.
    pub async fn image(
        &self,
        source: &str,
        (width, height): (u32, u32),
        max: usize,
    ) -> Result<(Vec<u8>, Option<String>), BackendError> {
        let query = [
            ("url", source.to_string()),
            ("width", width.to_string()),
            ("height", height.to_string()),
            ("minSize", "1".to_string()),
            ("upscale", "1".to_string()),
            ("format", "png".to_string()),
        ];
        let pms = self.pms();
        let path = "/photo/:/transcode";
        pms.bytes(path, max, || self.build(pms, Method::GET, path, &query))
            .await
    }

    // ---- maintenance ----

    /// Starts a scan of a library for new and removed files, optionally of one folder.
    pub async fn scan_section(&self, key: &str, path: Option<&str>) -> Result<(), BackendError> {
        let query: Vec<(&str, String)> =
            path.map(|p| ("path", p.to_string())).into_iter().collect();
        let route = format!("/library/sections/{key}/refresh");
        self.act(self.pms(), Method::POST, &route, &query).await
    }

    /// Starts a metadata refresh of a whole library (`force`: even unchanged items).
    pub async fn refresh_section(&self, key: &str) -> Result<(), BackendError> {
        let route = format!("/library/sections/{key}/refresh");
        self.act(
            self.pms(),
            Method::POST,
            &route,
            &[("force", "1".to_string())],
        )
        .await
    }

    /// Starts a metadata refresh of one item.
    pub async fn refresh_item(&self, key: &str) -> Result<(), BackendError> {
        let route = format!("/library/metadata/{key}/refresh");
        self.act(self.pms(), Method::PUT, &route, &[]).await
    }

    /// Deletes the library's items whose files are gone.
    pub async fn empty_trash(&self, key: &str) -> Result<(), BackendError> {
        let route = format!("/library/sections/{key}/emptyTrash");
        self.act(self.pms(), Method::PUT, &route, &[]).await
    }

    pub async fn activities(&self) -> Result<Vec<Activity>, BackendError> {
        let found: ActivitiesContainer = self.get(self.pms(), "/activities", &[]).await?;
        Ok(found.activities)
    }

    pub async fn updater_status(&self) -> Result<UpdaterStatus, BackendError> {
        self.get(self.pms(), "/updater/status", &[]).await
    }

    // ---- collections ----

    /// Every collection of a library.
    pub async fn collections(&self, section: &str) -> Result<Vec<Collection>, BackendError> {
        let path = format!("/library/sections/{section}/collections");
        self.collect_all(self.pms(), &path, &[]).await
    }

    /// `limit` items of a collection from `offset`.
    pub async fn collection_items<T: DeserializeOwned + Send>(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Collected<T>, BackendError> {
        let path = format!("/library/collections/{id}/items");
        self.collect(self.pms(), &path, &[], offset, limit).await
    }

    /// Creates a collection in `section` of Plex type `type_id` from `source` (listed items, or a
    /// filter for a smart collection; `None`: empty). Never retried after an ambiguous failure:
    /// it could create two.
    pub async fn create_collection(
        &self,
        section: &str,
        type_id: u8,
        title: &str,
        source: Option<&PlaylistSource>,
    ) -> Result<Vec<Collection>, BackendError> {
        let smart = matches!(source, Some(PlaylistSource::Filter { .. }));
        let mut query = vec![
            ("title", title.to_string()),
            ("type", type_id.to_string()),
            ("smart", if smart { "1" } else { "0" }.to_string()),
            ("sectionId", section.to_string()),
        ];
        if let Some(source) = source {
            let machine = self.machine_identifier().await?;
            query.push(("uri", source.uri(&machine)));
        }
        let created: MetadataPage<Collection> = self.create("/library/collections", &query).await?;
        Ok(created.metadata)
    }

    pub async fn add_to_collection(&self, id: &str, key: &str) -> Result<(), BackendError> {
        let machine = self.machine_identifier().await?;
        let uri = PlaylistSource::Items(vec![key.to_string()]).uri(&machine);
        let path = format!("/library/collections/{id}/items");
        self.act(self.pms(), Method::PUT, &path, &[("uri", uri)])
            .await
    }

    /// Plex removes a collection member with a PUT on the member's path.
    pub async fn remove_from_collection(&self, id: &str, key: &str) -> Result<(), BackendError> {
        let path = format!("/library/collections/{id}/items/{key}");
        self.act(self.pms(), Method::PUT, &path, &[]).await
    }

    pub async fn delete_collection(&self, section: &str, id: &str) -> Result<(), BackendError> {
        let path = format!("/library/sections/{section}/collection/{id}");
        self.act(self.pms(), Method::DELETE, &path, &[]).await
    }

    /// How many entries a playlist holds, when Plex says.
    pub async fn playlist_size(&self, id: &str) -> Result<Option<usize>, BackendError> {
        let page: Page<IgnoredAny> = self
            .page(self.pms(), &format!("/playlists/{id}/items"), &[], 0, 0)
            .await?;
        Ok(page.total)
    }

    /// Creates a playlist from `uri` (items or a smart filter). Never retried after an
    /// ambiguous failure: it could create two.
    pub async fn create_playlist(
        &self,
        title: &str,
        kind: &str,
        source: &PlaylistSource,
    ) -> Result<Vec<Item>, BackendError> {
        let machine = self.machine_identifier().await?;
        let smart = matches!(source, PlaylistSource::Filter { .. });
        let uri = source.uri(&machine);
        let query = [
            ("title", title.to_string()),
            ("type", kind.to_string()),
            ("smart", if smart { "1" } else { "0" }.to_string()),
            ("uri", uri),
        ];
        let created: MetadataPage<Item> = self.create("/playlists", &query).await?;
        Ok(created.metadata)
    }

    pub async fn add_to_playlist(&self, id: &str, key: &str) -> Result<(), BackendError> {
        let machine = self.machine_identifier().await?;
        let uri = PlaylistSource::Items(vec![key.to_string()]).uri(&machine);
        let path = format!("/playlists/{id}/items");
        self.act(self.pms(), Method::PUT, &path, &[("uri", uri)])
            .await
    }

    pub async fn remove_from_playlist(&self, id: &str, entry: &str) -> Result<(), BackendError> {
        let path = format!("/playlists/{id}/items/{entry}");
        self.act(self.pms(), Method::DELETE, &path, &[]).await
    }

    pub async fn clear_playlist(&self, id: &str) -> Result<(), BackendError> {
        let path = format!("/playlists/{id}/items");
        self.act(self.pms(), Method::DELETE, &path, &[]).await
    }

    pub async fn delete_playlist(&self, id: &str) -> Result<(), BackendError> {
        let path = format!("/playlists/{id}");
        self.act(self.pms(), Method::DELETE, &path, &[]).await
    }

    // ---- item state and metadata ----

    /// Marks an item (a whole show or season included) watched or unwatched.
    pub async fn set_watched(&self, key: &str, watched: bool) -> Result<(), BackendError> {
        let path = if watched {
            "/:/scrobble"
        } else {
            "/:/unscrobble"
        };
        let query = [
            ("key", key.to_string()),
            ("identifier", LIBRARY_IDENTIFIER.to_string()),
        ];
        self.act(self.pms(), Method::PUT, path, &query).await
    }

    /// Sets the owner's rating (0-10).
    pub async fn rate(&self, key: &str, rating: f64) -> Result<(), BackendError> {
        let query = [
            ("key", key.to_string()),
            ("identifier", LIBRARY_IDENTIFIER.to_string()),
            ("rating", rating.to_string()),
        ];
        self.act(self.pms(), Method::PUT, "/:/rate", &query).await
    }

    /// Applies metadata edits (`field.value`, `field.locked`, tag parameters) to one item.
    pub async fn edit_metadata(
        &self,
        key: &str,
        edits: &[(&str, String)],
    ) -> Result<(), BackendError> {
        let path = format!("/library/metadata/{key}");
        self.act(self.pms(), Method::PUT, &path, edits).await
    }

    /// Has Plex download `url` as the item's poster.
    pub async fn set_poster_url(&self, key: &str, url: &str) -> Result<(), BackendError> {
        let path = format!("/library/metadata/{key}/posters");
        self.act(self.pms(), Method::POST, &path, &[("url", url.to_string())])
            .await
    }

    // ---- the account watchlist (Discover) ----

    pub async fn watchlist<T: DeserializeOwned + Send>(
        &self,
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, BackendError> {
        self.collect_all(self.discover(), WATCHLIST, filters).await
    }

    /// Reads one watchlist row: proves the token opens the account watchlist.
    pub async fn watchlist_readable(&self) -> Result<(), BackendError> {
        self.page::<IgnoredAny>(self.discover(), WATCHLIST, &[], 0, 1)
            .await
            .map(drop)
    }

    /// Adds or removes a Discover item (its global ratingKey) on the watchlist.
    pub async fn change_watchlist(&self, change: Change, global: &str) -> Result<(), BackendError> {
        let path = match change {
            Change::Add => "/actions/addToWatchlist",
            Change::Remove => "/actions/removeFromWatchlist",
        };
        self.act(
            self.discover(),
            Method::PUT,
            path,
            &[("ratingKey", global.to_string())],
        )
        .await
    }
}

/// The library agent identifier Plex's rating and watched endpoints take.
const LIBRARY_IDENTIFIER: &str = "com.plexapp.plugins.library";
