//! Fake Plex Media Server: the endpoints plex-mcp uses, shaped and paged like the real server.

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
        .route("/identity", get(identity))
        .route("/library/sections", get(sections))
        .route("/library/sections/{key}/all", get(section_all))
        .route("/library/sections/{key}/search", get(section_search))
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
pub(super) struct Paging {
    pub start: usize,
    pub size: Option<usize>,
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
    }
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
    let items: Vec<Value> = all[start..end].iter().map(render).collect();
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
    let section = data.sections.iter().find(|s| s.key.to_string() == key)?;
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
    let section = data.sections.iter().find(|s| s.key.to_string() == key);
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
    let Some(section) = data.sections.iter().find(|s| s.key.to_string() == key) else {
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

async fn metadata(State(f): State<Fake>, Path(ids): Path<String>) -> Response {
    let data = f.read();
    let found: Vec<Value> = ids
        .split(',')
        .filter_map(|id| data.item_by_key(id.trim()))
        .map(detail_view)
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

async fn sessions(State(f): State<Fake>) -> Response {
    let data = f.read();
    let data = &*data;
    let rows: Vec<Value> = data
        .sessions
        .iter()
        .map(|s| {
            let item = &data.items[s.item];
            let account = data.account(s.account_id);
            let device = data.device(s.device_id);
            let mut v = detail_view(item);
            v["sessionKey"] = json!(s.session_key);
            v["viewOffset"] = json!(s.view_offset);
            v["User"] = json!({
                "id": s.account_id.to_string(),
                "title": account.map(|a| a.name.clone()),
                "thumb": format!("https://plex.tv/users/{}/avatar", s.account_id),
            });
            v["Player"] = json!({
                "title": device.map(|d| d.name.clone()),
                "platform": device.map(|d| d.platform),
                "product": "Plex for Android (TV)",
                "state": s.state,
                "machineIdentifier": device.map(|d| d.client_identifier.clone()),
                "address": "192.168.1.20",
                "local": true,
                "userID": s.account_id,
            });
            v["Session"] = json!({"id": format!("session-{}", s.session_key), "bandwidth": 12000, "location": "lan"});
            if s.transcoding {
                v["TranscodeSession"] = json!({
                    "key": format!("/transcode/sessions/{}", s.session_key),
                    "progress": 35.5,
                    "speed": 2.1,
                    "throttled": false,
                    "complete": false,
                    "videoDecision": "transcode",
                    "audioDecision": "copy",
                    "protocol": "dash",
                    "sourceVideoCodec": "hevc",
                    "sourceAudioCodec": "eac3",
                });
            }
            v
        })
        .collect();
    container(json!({"size": rows.len(), "Metadata": rows}))
}

async fn history(State(f): State<Fake>, headers: HeaderMap, Query(q): Params) -> Response {
    let data = f.read();
    let data = &*data;
    let num = |name: &str| -> Result<Option<i64>, ()> {
        q.get(name)
            .map(|v| v.parse::<i64>().map_err(|_| ()))
            .transpose()
    };
    let (Ok(account), Ok(after), Ok(before), Ok(section), Ok(item)) = (
        num("accountID"),
        num("viewedAt>"),
        num("viewedAt<"),
        num("librarySectionID"),
        num("metadataItemID"),
    ) else {
        return bad_request();
    };
    let ascending = match q.get("sort").map(String::as_str) {
        None | Some("viewedAt:desc") => false,
        Some("viewedAt:asc") | Some("viewedAt") => true,
        Some(_) => return bad_request(),
    };
    let mut rows: Vec<&super::data::Play> = data
        .history
        .iter()
        .filter(|p| account.is_none_or(|a| p.account_id as i64 == a))
        .filter(|p| after.is_none_or(|t| p.viewed_at >= t))
        .filter(|p| before.is_none_or(|t| p.viewed_at <= t))
        .filter(|p| section.is_none_or(|s| data.items[p.item].library_section_id as i64 == s))
        .filter(|p| {
            item.is_none_or(|k| {
                let it = &data.items[p.item];
                let key = k.to_string();
                it.rating_key == key || it.grandparent_rating_key.as_deref() == Some(&key)
            })
        })
        .collect();
    if ascending {
        rows.reverse();
    }
    paged(&rows, &paging(&headers, &q), obj(json!({})), |p| {
        let it = &data.items[p.item];
        let mut row = json!({
            "historyKey": format!("/status/sessions/history/{}", p.history_key),
            "key": it.key,
            "ratingKey": it.rating_key,
            "librarySectionID": it.library_section_id.to_string(),
            "title": it.title,
            "type": it.kind,
            "thumb": format!("/library/metadata/{}/thumb/{}", it.rating_key, it.updated_at),
            "viewedAt": p.viewed_at,
            "accountID": p.account_id,
            "deviceID": p.device_id,
        });
        if let Some(date) = &it.originally_available_at {
            row["originallyAvailableAt"] = json!(date);
        }
        if it.kind == "episode" {
            row["grandparentTitle"] = json!(it.grandparent_title);
            row["grandparentKey"] = json!(format!(
                "/library/metadata/{}",
                it.grandparent_rating_key.clone().unwrap_or_default()
            ));
            row["parentKey"] = json!(format!(
                "/library/metadata/{}",
                it.parent_rating_key.clone().unwrap_or_default()
            ));
            row["index"] = json!(it.index);
            row["parentIndex"] = json!(it.parent_index);
        }
        row
    })
}

async fn accounts(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "key": format!("/accounts/{}", a.id),
                "name": a.name,
                "defaultAudioLanguage": "en",
                "autoSelectAudio": true,
                "defaultSubtitleLanguage": "en",
                "subtitleMode": 0,
                "thumb": format!("https://plex.tv/users/{}/avatar", a.id),
            })
        })
        .collect();
    container(
        json!({"size": rows.len(), "identifier": "com.plexapp.system.accounts", "Account": rows}),
    )
}

async fn devices(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .devices
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.name,
                "platform": d.platform,
                "clientIdentifier": d.client_identifier,
                "createdAt": 1_600_000_000 + d.id as i64 * 86_400,
            })
        })
        .collect();
    container(
        json!({"size": rows.len(), "identifier": "com.plexapp.system.devices", "Device": rows}),
    )
}

/// The items a watch-state change applies to: the item itself, or every episode under a show or
/// season.
fn leaves_of(data: &Dataset, idx: usize) -> Vec<usize> {
    let item = &data.items[idx];
    if matches!(item.kind, "movie" | "episode") {
        return vec![idx];
    }
    let key = Some(item.rating_key.clone());
    data.items
        .iter()
        .enumerate()
        .filter(|(_, it)| {
            it.kind == "episode"
                && (it.parent_rating_key == key || it.grandparent_rating_key == key)
        })
        .map(|(i, _)| i)
        .collect()
}

/// `key` and `identifier` as the `/:/` actions take them: 400 without, 404 for an unknown item.
fn action_target(data: &Dataset, q: &HashMap<String, String>) -> Result<usize, StatusCode> {
    if q.get("identifier").map(String::as_str) != Some("com.plexapp.plugins.library") {
        return Err(StatusCode::BAD_REQUEST);
    }
    let key = q.get("key").ok_or(StatusCode::BAD_REQUEST)?;
    data.item_index(key).ok_or(StatusCode::NOT_FOUND)
}

async fn set_watched(f: Fake, q: HashMap<String, String>, watched: bool) -> Response {
    let mut data = f.write();
    let idx = match action_target(&data, &q) {
        Ok(i) => i,
        Err(status) => return html_status(status),
    };
    let now = chrono::Utc::now().timestamp();
    for leaf in leaves_of(&data, idx) {
        let it = &mut data.items[leaf];
        if watched {
            it.view_count = Some(it.view_count.unwrap_or(0) + 1);
            it.last_viewed_at = Some(now);
        } else {
            it.view_count = None;
            it.last_viewed_at = None;
        }
        it.view_offset = None;
    }
    super::data::roll_up_view_state(&mut data.items);
    StatusCode::OK.into_response()
}

async fn scrobble(State(f): State<Fake>, Query(q): Params) -> Response {
    set_watched(f, q, true).await
}

async fn unscrobble(State(f): State<Fake>, Query(q): Params) -> Response {
    set_watched(f, q, false).await
}

async fn rate(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let idx = match action_target(&data, &q) {
        Ok(i) => i,
        Err(status) => return html_status(status),
    };
    match q.get("rating").and_then(|r| r.parse::<f64>().ok()) {
        Some(r) if (0.0..=10.0).contains(&r) => {
            // Plex treats -1 as "clear"; 0-10 sets the rating.
            data.items[idx].user_rating = Some(r);
            StatusCode::OK.into_response()
        }
        _ => bad_request(),
    }
}

async fn delete_playlist(State(f): State<Fake>, Path(id): Path<String>) -> Response {
    let mut data = f.write();
    let before = data.playlists.len();
    data.playlists.retain(|p| p.rating_key != id);
    if data.playlists.len() == before {
        not_found()
    } else {
        StatusCode::OK.into_response()
    }
}

async fn clear_playlist(State(f): State<Fake>, Path(id): Path<String>) -> Response {
    let mut data = f.write();
    match data.playlists.iter_mut().find(|p| p.rating_key == id) {
        Some(p) => {
            p.entries.clear();
            StatusCode::OK.into_response()
        }
        None => not_found(),
    }
}

async fn remove_playlist_item(
    State(f): State<Fake>,
    Path((id, item)): Path<(String, String)>,
) -> Response {
    let mut data = f.write();
    let Some(p) = data.playlists.iter_mut().find(|p| p.rating_key == id) else {
        return not_found();
    };
    let before = p.entries.len();
    p.entries.retain(|(entry, _)| entry.to_string() != item);
    if p.entries.len() == before {
        not_found()
    } else {
        StatusCode::OK.into_response()
    }
}

/// The item indices a `server://<machine>/com.plexapp.plugins.library/...` URI names: listed
/// ratingKeys, or a section's items of one type (smart playlists). `None` for a URI of another
/// server or shape.
fn uri_items(data: &Dataset, uri: &str) -> Option<Vec<usize>> {
    let rest = uri.strip_prefix("server://")?;
    let (machine, rest) = rest.split_once('/')?;
    if machine != data.machine_identifier {
        return None;
    }
    let rest = rest.strip_prefix("com.plexapp.plugins.library")?;
    if let Some(keys) = rest.strip_prefix("/library/metadata/") {
        return keys.split(',').map(|k| data.item_index(k)).collect();
    }
    let rest = rest.strip_prefix("/library/sections/")?;
    let (section, query) = rest.split_once("/all")?;
    let kind = query
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix("type="))
        .and_then(type_name)?;
    let section: u32 = section.parse().ok()?;
    Some(
        data.items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.library_section_id == section && it.kind == kind)
            .map(|(i, _)| i)
            .collect(),
    )
}

fn playlist_json(data: &Dataset, p: &super::data::Playlist) -> Value {
    let duration: i64 = p
        .entries
        .iter()
        .map(|&(_, i)| data.items[i].duration.unwrap_or(0))
        .sum();
    json!({
        "ratingKey": p.rating_key,
        "key": format!("/playlists/{}/items", p.rating_key),
        "guid": format!("com.plexapp.agents.none://{}", p.rating_key),
        "type": "playlist",
        "title": p.title,
        "summary": p.summary,
        "smart": p.smart,
        "playlistType": "video",
        "composite": format!("/playlists/{}/composite/{}", p.rating_key, p.updated_at),
        "duration": duration,
        "leafCount": p.entries.len(),
        "addedAt": p.added_at,
        "updatedAt": p.updated_at,
    })
}

async fn create_playlist(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let (Some(title), Some(uri)) = (q.get("title"), q.get("uri")) else {
        return bad_request();
    };
    if q.get("type").map(String::as_str) != Some("video") {
        return bad_request();
    }
    let Some(items) = uri_items(&data, uri) else {
        return bad_request();
    };
    let now = chrono::Utc::now().timestamp();
    let key = data
        .playlists
        .iter()
        .filter_map(|p| p.rating_key.parse::<u64>().ok())
        .chain(
            data.items
                .last()
                .and_then(|i| i.rating_key.parse::<u64>().ok()),
        )
        .max()
        .unwrap_or(1000)
        + 1;
    let mut next_entry = data
        .playlists
        .iter()
        .flat_map(|p| p.entries.iter().map(|(e, _)| *e))
        .max()
        .unwrap_or(5000);
    let playlist = super::data::Playlist {
        rating_key: key.to_string(),
        title: title.clone(),
        summary: String::new(),
        smart: q.get("smart").is_some_and(|s| s == "1"),
        added_at: now,
        updated_at: now,
        entries: items
            .into_iter()
            .map(|i| {
                next_entry += 1;
                (next_entry, i)
            })
            .collect(),
    };
    let body = playlist_json(&data, &playlist);
    data.playlists.push(playlist);
    container(json!({"size": 1, "Metadata": [body]}))
}

/// Adds the URI's items to a playlist. Like Plex, it does not refuse duplicates.
async fn add_playlist_items(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(items) = q.get("uri").and_then(|uri| uri_items(&data, uri)) else {
        return bad_request();
    };
    let mut next_entry = data
        .playlists
        .iter()
        .flat_map(|p| p.entries.iter().map(|(e, _)| *e))
        .max()
        .unwrap_or(5000);
    let Some(at) = data.playlists.iter().position(|p| p.rating_key == id) else {
        return not_found();
    };
    let p = &mut data.playlists[at];
    if p.smart {
        return bad_request();
    }
    for i in items {
        next_entry += 1;
        p.entries.push((next_entry, i));
    }
    p.updated_at = chrono::Utc::now().timestamp();
    let body = playlist_json(&data, &data.playlists[at]);
    container(json!({"size": 1, "leafCountAdded": 1, "Metadata": [body]}))
}

/// Field edits the way Plex takes them: `field.value=…` (with `field.locked=1`), tags added with
/// `genre[0].tag.tag=…` and removed with `genre[].tag.tag-=a,b`.
async fn edit_metadata(
    State(f): State<Fake>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(idx) = data.item_index(&id) else {
        return not_found();
    };
    let it = &mut data.items[idx];
    for (key, value) in &q {
        if let Some(field) = key.strip_suffix(".value") {
            let text = Some(value.clone()).filter(|v| !v.is_empty());
            match field {
                "title" => it.title = value.clone(),
                "titleSort" => it.title_sort = value.clone(),
                "originalTitle" => it.original_title = text,
                "summary" => it.summary = value.clone(),
                "tagline" => it.tagline = text,
                "year" => match value.parse() {
                    Ok(y) => it.year = Some(y),
                    Err(_) => return bad_request(),
                },
                "rating" => match value.parse() {
                    Ok(r) => it.rating = Some(r),
                    Err(_) => return bad_request(),
                },
                "contentRating" => it.content_rating = text,
                "studio" => it.studio = text,
                _ => return bad_request(),
            }
            continue;
        }
        let (kind, removing) = match key.strip_suffix("[].tag.tag-") {
            Some(kind) => (kind, true),
            None => match key.split_once('[') {
                Some((kind, rest)) if rest.ends_with("].tag.tag") => (kind, false),
                _ => continue,
            },
        };
        let tags = match kind {
            "genre" => &mut it.genres,
            "collection" => &mut it.collections,
            "actor" => &mut it.roles,
            "director" => &mut it.directors,
            _ => return bad_request(),
        };
        if removing {
            let gone: Vec<&str> = value.split(',').collect();
            tags.retain(|t| !gone.contains(&t.tag.as_str()));
        } else if !tags.iter().any(|t| &t.tag == value) {
            tags.push(super::data::Tag { tag: value.clone() });
        }
    }
    StatusCode::OK.into_response()
}

async fn set_poster(State(f): State<Fake>, Path(id): Path<String>, Query(q): Params) -> Response {
    let mut data = f.write();
    let Some(idx) = data.item_index(&id) else {
        return not_found();
    };
    match q.get("url") {
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            data.items[idx].thumb = Some(url.clone());
            StatusCode::OK.into_response()
        }
        _ => bad_request(),
    }
}
