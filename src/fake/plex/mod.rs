//! Fake Plex Media Server: the endpoints plex-mcp uses, shaped and paged like the real server.

mod collections;
mod players;
mod server;
use server::*;
mod status;
use status::*;
mod write;
use collections::*;
pub use players::player_router;
use players::*;
use write::*;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use axum::{
    Router,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

use super::{
    carries_credential,
    data::{Dataset, FakeItem},
    html_status,
};

type Params = Query<HashMap<String, String>>;

/// The live library: write endpoints change it, read endpoints see the change.
pub type LiveData = Arc<RwLock<Dataset>>;

#[derive(Clone)]
struct Fake {
    data: LiveData,
}

impl Fake {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Dataset> {
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Dataset> {
        self.data.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub(super) fn router(data: LiveData, token: String) -> Router {
    // Plex's action paths (`/:/scrobble`) start with a colon, which axum 0.8 would otherwise
    // mistake for old-style captures.
    Router::new()
        .without_v07_checks()
        .route("/", get(root))
        .route("/identity", get(identity))
        .route("/library/sections", get(sections))
        .route("/library/sections/{key}/all", get(section_all))
        .route("/library/sections/{key}/search", get(section_search))
        .route("/library/sections/{key}/genre", get(section_genres))
        .route(
            "/library/sections/{key}/collections",
            get(section_collections),
        )
        .route(
            "/library/sections/{key}/refresh",
            axum::routing::post(refresh_section),
        )
        .route(
            "/library/sections/{key}/emptyTrash",
            axum::routing::put(empty_trash),
        )
        .route(
            "/library/metadata/{ids}/refresh",
            axum::routing::put(refresh_items),
        )
        .route("/activities", get(activities))
        .route("/clients", get(clients))
        .route("/security/token", get(security_token).post(security_token))
        .route("/playQueues", axum::routing::post(create_play_queue))
        .route("/player/playback/{command}", get(relay))
        .route("/photo/:/transcode", get(transcode_photo))
        .route("/status/sessions/terminate", axum::routing::post(terminate))
        .route("/updater/status", get(updater_status))
        .route(
            "/library/sections/{key}/collection/{id}",
            axum::routing::delete(delete_collection),
        )
        .route(
            "/library/collections",
            axum::routing::post(create_collection),
        )
        .route(
            "/library/collections/{id}/items",
            get(collection_items).put(add_collection_items),
        )
        .route(
            "/library/collections/{id}/items/{item}",
            axum::routing::put(remove_collection_item),
        )
        .route("/search", get(search))
        .route("/library/metadata/{ids}", get(metadata).put(edit_metadata))
        .route(
            "/library/metadata/{id}/posters",
            axum::routing::post(set_poster),
        )
        .route("/library/recentlyAdded", get(recently_added))
        .route("/library/onDeck", get(on_deck))
        .route("/playlists", get(playlists).post(create_playlist))
        .route("/playlists/{id}", axum::routing::delete(delete_playlist))
        .route(
            "/playlists/{id}/items",
            get(playlist_items)
                .delete(clear_playlist)
                .put(add_playlist_items),
        )
        .route(
            "/playlists/{id}/items/{item}",
            axum::routing::delete(remove_playlist_item),
        )
        .route("/:/scrobble", get(scrobble).put(scrobble))
        .route("/:/unscrobble", get(unscrobble).put(unscrobble))
        .route("/:/rate", axum::routing::put(rate))
        .route("/status/sessions", get(sessions))
        .route("/status/sessions/history/all", get(history))
        .route("/accounts", get(accounts))
        .route("/devices", get(devices))
        .layer(axum::middleware::from_fn_with_state(token, require_token))
        .with_state(Fake { data })
}

/// Plex accepts the token as a header or as a query parameter; anything else is a 401 page.
pub(super) async fn require_token(
    State(token): State<String>,
    req: Request,
    next: Next,
) -> Response {
    if carries_credential(&req, "x-plex-token", "X-Plex-Token", &token) {
        next.run(req).await
    } else {
        html_status(StatusCode::UNAUTHORIZED)
    }
}

/// Paging as Plex does it: `X-Plex-Container-Start`/`-Size` from the headers or the query.
/// Which rows of a listing to send, and what to leave out of each: Plex drops the attributes
/// named in `excludeFields` and the child elements named in `excludeElements` on its listings.
pub(super) struct Paging {
    pub start: usize,
    pub size: Option<usize>,
    pub exclude: Vec<String>,
}

pub(super) fn paging(headers: &HeaderMap, q: &HashMap<String, String>) -> Paging {
    let read = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| q.get(name).cloned())
            .and_then(|v| v.parse::<usize>().ok())
    };
    Paging {
        start: read("X-Plex-Container-Start").unwrap_or(0),
        size: read("X-Plex-Container-Size"),
        exclude: excluded(q),
    }
}

/// The attributes and child elements a request asks Plex to leave out of each row.
fn excluded(q: &HashMap<String, String>) -> Vec<String> {
    ["excludeFields", "excludeElements"]
        .into_iter()
        .filter_map(|param| q.get(param))
        .flat_map(|v| v.split(','))
        .map(str::to_string)
        .collect()
}

/// `row` without what `exclude` names.
fn trim(mut row: Value, exclude: &[String]) -> Value {
    if let Value::Object(attrs) = &mut row {
        attrs.retain(|k, _| !exclude.contains(k));
    }
    row
}

/// A paged `MediaContainer` of `Metadata`, with the paging headers Plex sends.
pub(super) fn paged<T>(
    all: &[T],
    page: &Paging,
    mut extra: serde_json::Map<String, Value>,
    render: impl Fn(&T) -> Value,
) -> Response {
    let total = all.len();
    let start = page.start.min(total);
    let end = page.size.map_or(total, |s| (start + s).min(total));
    let items: Vec<Value> = all[start..end]
        .iter()
        .map(|it| trim(render(it), &page.exclude))
        .collect();
    extra.insert("size".into(), json!(items.len()));
    extra.insert("totalSize".into(), json!(total));
    extra.insert("offset".into(), json!(start));
    extra.insert("Metadata".into(), Value::Array(items));
    (
        [
            ("X-Plex-Container-Start", start.to_string()),
            ("X-Plex-Container-Total-Size", total.to_string()),
        ],
        axum::Json(json!({ "MediaContainer": extra })),
    )
        .into_response()
}

fn container(extra: Value) -> Response {
    axum::Json(json!({ "MediaContainer": extra })).into_response()
}

fn bad_request() -> Response {
    html_status(StatusCode::BAD_REQUEST)
}

fn not_found() -> Response {
    html_status(StatusCode::NOT_FOUND)
}

pub(super) fn obj(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// List views carry only the first few tags of each kind and the `Guid` array only on request,
/// exactly the trimming real Plex does; detail views carry everything.
fn list_view(item: &FakeItem, guids: bool) -> Value {
    let mut it = item.clone();
    it.genres.truncate(2);
    it.directors.truncate(1);
    it.writers.truncate(1);
    it.roles.truncate(3);
    it.collections.clear();
    // Listings name the files; their streams come with the item's details only.
    for m in &mut it.media {
        for p in &mut m.parts {
            p.streams.clear();
        }
    }
    if !guids {
        it.guids.clear();
    }
    serde_json::to_value(it).unwrap_or(Value::Null)
}

fn detail_view(item: &FakeItem) -> Value {
    serde_json::to_value(item).unwrap_or(Value::Null)
}

fn wants_guids(q: &HashMap<String, String>) -> bool {
    q.get("includeGuids").is_some_and(|v| v == "1")
}

/// Plex's numeric `type` filter.
fn type_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "1" => "movie",
        "2" => "show",
        "3" => "season",
        "4" => "episode",
        "8" => "artist",
        "9" => "album",
        "10" => "track",
        _ => return None,
    })
}

fn sort_items(items: &mut [&FakeItem], spec: &str) -> Result<(), ()> {
    let mut keys = Vec::new();
    for part in spec.split(',') {
        let (field, dir) = part.split_once(':').unwrap_or((part, "asc"));
        let desc = match dir {
            "asc" => false,
            "desc" => true,
            _ => return Err(()),
        };
        if !matches!(
            field,
            "titleSort"
                | "title"
                | "addedAt"
                | "updatedAt"
                | "lastViewedAt"
                | "viewCount"
                | "year"
                | "rating"
                | "originallyAvailableAt"
                | "duration"
        ) {
            return Err(());
        }
        keys.push((field, desc));
    }
    items.sort_by(|a, b| {
        for (field, desc) in &keys {
            let ord = match *field {
                "titleSort" => a
                    .title_sort
                    .to_lowercase()
                    .cmp(&b.title_sort.to_lowercase()),
                "title" => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
                "addedAt" => a.added_at.cmp(&b.added_at),
                "updatedAt" => a.updated_at.cmp(&b.updated_at),
                "lastViewedAt" => a.last_viewed_at.cmp(&b.last_viewed_at),
                "viewCount" => a.view_count.cmp(&b.view_count),
                "year" => a.year.cmp(&b.year),
                "rating" => a
                    .rating
                    .partial_cmp(&b.rating)
                    .unwrap_or(std::cmp::Ordering::Equal),
                "duration" => a.duration.cmp(&b.duration),
                _ => a.originally_available_at.cmp(&b.originally_available_at),
            };
            let ord = if *desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

async fn identity(State(f): State<Fake>) -> Response {
    let data = f.read();
    container(json!({
        "size": 0,
        "claimed": true,
        "machineIdentifier": data.machine_identifier,
        "version": "1.41.3.9314-a0bfb8370",
    }))
}

/// The server's own description, as `GET /` gives it.
async fn root(State(f): State<Fake>) -> Response {
    let data = f.read();
    container(json!({
        "size": 0,
        "friendlyName": "Demo Plex",
        "machineIdentifier": data.machine_identifier,
        "platform": "Linux",
        "platformVersion": "6.8",
        "version": "1.41.3.9314-a0bfb8370",
        "myPlex": true,
        "Directory": [],
    }))
}

/// The genres used by a library's items of `type`, sorted by name; Plex refuses a missing type.
async fn section_genres(
    State(f): State<Fake>,
    Path(key): Path<String>,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let Some(section) = data.section(&key) else {
        return not_found();
    };
    let Some(kind) = q.get("type").and_then(|t| t.parse::<u8>().ok()) else {
        return bad_request();
    };
    let wanted = match kind {
        1 => "movie",
        2 => "show",
        _ => "",
    };
    let mut names: Vec<&str> = data
        .items
        .iter()
        .filter(|i| i.library_section_id == section.key && i.kind == wanted)
        .flat_map(|i| i.genres.iter().map(|g| g.tag.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let dirs: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            json!({
                "fastKey": format!("/library/sections/{key}/all?genre={}", n + 1),
                "key": (n + 1).to_string(),
                "title": name,
                "type": "genre",
            })
        })
        .collect();
    container(json!({
        "size": dirs.len(),
        "allowSync": false,
        "art": "/:/resources/movie-fanart.jpg",
        "content": "secondary",
        "identifier": "com.plexapp.plugins.library",
        "mediaTagPrefix": "/system/bundle/media/flags/",
        "mediaTagVersion": 1701869425,
        "nocache": true,
        "thumb": "/:/resources/movie.png",
        "title1": section.title,
        "title2": "By Genre",
        "viewGroup": "secondary",
        "Directory": dirs,
    }))
}

async fn sections(State(f): State<Fake>) -> Response {
    let data = f.read();
    let dirs: Vec<Value> = data
        .sections
        .iter()
        .map(|s| {
            json!({
                "allowSync": true,
                "art": format!("/:/resources/{}-fanart.jpg", s.kind),
                "composite": format!("/library/sections/{}/composite/{}", s.key, s.scanned_at),
                "filters": true,
                "refreshing": false,
                "thumb": format!("/:/resources/{}.png", s.kind),
                "key": s.key.to_string(),
                "type": s.kind,
                "title": s.title,
                "agent": s.agent,
                "scanner": s.scanner,
                "language": "en-US",
                "uuid": s.uuid,
                "updatedAt": s.scanned_at,
                "createdAt": s.created_at,
                "scannedAt": s.scanned_at,
                "content": true,
                "directory": true,
                "contentChangedAt": s.scanned_at,
                "hidden": 0,
                "Location": [{"id": s.key, "path": format!("/data/{}", s.title.to_lowercase().replace(' ', "-"))}],
            })
        })
        .collect();
    container(json!({
        "size": dirs.len(),
        "allowSync": false,
        "title1": "Plex Library",
        "Directory": dirs,
    }))
}

fn section_items<'a>(
    data: &'a Dataset,
    key: &str,
    q: &HashMap<String, String>,
) -> Option<Result<Vec<&'a FakeItem>, ()>> {
    let section = data.section(key)?;
    let kind = match q.get("type") {
        Some(t) => match type_name(t) {
            Some(k) => k,
            None => return Some(Err(())),
        },
        None => section.kind,
    };
    let mut items: Vec<&FakeItem> = data
        .items
        .iter()
        .filter(|i| i.library_section_id == section.key && i.kind == kind)
        .collect();
    if let Some(spec) = q.get("sort")
        && sort_items(&mut items, spec).is_err()
    {
        return Some(Err(()));
    }
    Some(Ok(items))
}

async fn section_all(
    State(f): State<Fake>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let items = match section_items(&data, &key, &q) {
        None => return not_found(),
        Some(Err(())) => return bad_request(),
        Some(Ok(items)) => items,
    };
    let section = data.section(&key);
    let guids = wants_guids(&q);
    paged(
        &items,
        &paging(&headers, &q),
        obj(json!({
            "allowSync": true,
            "librarySectionID": section.map(|s| s.key),
            "librarySectionTitle": section.map(|s| s.title.clone()),
            "identifier": "com.plexapp.plugins.library",
            "viewGroup": section.map(|s| s.kind),
        })),
        |it| list_view(it, guids),
    )
}

fn matches_query(item: &FakeItem, needle: &str) -> bool {
    item.title.to_lowercase().contains(needle)
}

fn search_in<'a>(
    items: impl Iterator<Item = &'a FakeItem>,
    q: &HashMap<String, String>,
) -> Result<Vec<&'a FakeItem>, ()> {
    let needle = q.get("query").map(|s| s.to_lowercase()).unwrap_or_default();
    let kind = match q.get("type") {
        Some(t) => Some(type_name(t).ok_or(())?),
        None => None,
    };
    Ok(items
        .filter(|i| matches!(i.kind, "movie" | "show" | "episode"))
        .filter(|i| kind.is_none_or(|k| i.kind == k))
        .filter(|i| !needle.is_empty() && matches_query(i, &needle))
        .collect())
}

async fn search(State(f): State<Fake>, headers: HeaderMap, Query(q): Params) -> Response {
    let data = f.read();
    match search_in(data.items.iter(), &q) {
        Err(()) => bad_request(),
        Ok(found) => paged(
            &found,
            &paging(&headers, &q),
            obj(json!({"identifier": "com.plexapp.plugins.library"})),
            |it| list_view(it, wants_guids(&q)),
        ),
    }
}

async fn section_search(
    State(f): State<Fake>,
    Path(key): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let Some(section) = data.section(&key) else {
        return not_found();
    };
    let in_section = data
        .items
        .iter()
        .filter(|i| i.library_section_id == section.key);
    match search_in(in_section, &q) {
        Err(()) => bad_request(),
        Ok(found) => paged(
            &found,
            &paging(&headers, &q),
            obj(
                json!({"identifier": "com.plexapp.plugins.library", "librarySectionID": section.key}),
            ),
            |it| list_view(it, wants_guids(&q)),
        ),
    }
}

async fn metadata(State(f): State<Fake>, Path(ids): Path<String>, Query(q): Params) -> Response {
    let data = f.read();
    let exclude = excluded(&q);
    // Collections are metadata items too.
    let found: Vec<Value> = ids
        .split(',')
        .filter_map(|id| {
            let id = id.trim();
            let item = data.item_by_key(id);
            item.map(|it| trim(detail_view(it), &exclude)).or_else(|| {
                data.collections
                    .iter()
                    .find(|c| c.rating_key == id)
                    .map(collection_json)
            })
        })
        .collect();
    if found.is_empty() {
        return not_found();
    }
    container(json!({
        "size": found.len(),
        "identifier": "com.plexapp.plugins.library",
        "Metadata": found,
    }))
}

async fn recently_added(State(f): State<Fake>, headers: HeaderMap, Query(q): Params) -> Response {
    let data = f.read();
    let mut items: Vec<&FakeItem> = data
        .items
        .iter()
        .filter(|i| matches!(i.kind, "movie" | "episode"))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.added_at));
    paged(
        &items,
        &paging(&headers, &q),
        obj(json!({"identifier": "com.plexapp.plugins.library", "mixedParents": true})),
        |it| list_view(it, wants_guids(&q)),
    )
}

async fn on_deck(State(f): State<Fake>, headers: HeaderMap, Query(q): Params) -> Response {
    let data = f.read();
    let items: Vec<&FakeItem> = data.on_deck.iter().map(|&i| &data.items[i]).collect();
    paged(
        &items,
        &paging(&headers, &q),
        obj(json!({"identifier": "com.plexapp.plugins.library", "mixedParents": true})),
        |it| list_view(it, wants_guids(&q)),
    )
}

async fn playlists(State(f): State<Fake>, headers: HeaderMap, Query(q): Params) -> Response {
    let data = f.read();
    let data = &*data;
    paged(
        &data.playlists,
        &paging(&headers, &q),
        obj(json!({})),
        |p| playlist_json(data, p),
    )
}

async fn playlist_items(
    State(f): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let Some(p) = data.playlists.iter().find(|p| p.rating_key == id) else {
        return not_found();
    };
    let guids = wants_guids(&q);
    paged(
        &p.entries,
        &paging(&headers, &q),
        obj(json!({
            "ratingKey": p.rating_key,
            "title": p.title,
            "smart": p.smart,
            "playlistType": "video",
            "leafCount": p.entries.len(),
        })),
        |&(item_id, idx)| {
            let mut v = list_view(&data.items[idx], guids);
            v["playlistItemID"] = json!(item_id);
            v
        },
    )
}
