//! The fake Plex server's maintenance face: scans and refreshes (recorded as activities),
//! emptying a library's trash, the updater's status and the activity list.

use super::*;

fn section_title(data: &Dataset, key: &str) -> Option<String> {
    data.sections
        .iter()
        .find(|s| s.key.to_string() == key)
        .map(|s| s.title.clone())
}

fn start(data: &mut Dataset, kind: &'static str, title: String) {
    let uuid = format!("{:08x}-activity", data.activities.len() + 1);
    data.activities.push(crate::fake::data::Activity {
        uuid,
        kind,
        title,
        progress: 0,
    });
}

/// `POST /library/sections/{key}/refresh[?path=…][&force=1]`: a scan, or with `force` a
/// metadata refresh of the whole library.
pub(super) async fn refresh_section(
    State(f): State<Fake>,
    Path(key): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(title) = section_title(&data, &key) else {
        return not_found();
    };
    let (kind, what) = if q.get("force").is_some_and(|v| v == "1") {
        ("library.refresh.items", format!("Refreshing {title}"))
    } else {
        ("library.update.section", format!("Scanning {title}"))
    };
    start(&mut data, kind, what);
    StatusCode::OK.into_response()
}

/// `PUT /library/metadata/{ids}/refresh`.
pub(super) async fn refresh_items(State(f): State<Fake>, Path(ids): Path<String>) -> Response {
    let mut data = f.write();
    let Some(item) = data.item_by_key(&ids).map(|i| i.title.clone()) else {
        return not_found();
    };
    start(
        &mut data,
        "library.refresh.items",
        format!("Refreshing {item}"),
    );
    StatusCode::OK.into_response()
}

/// `PUT /library/sections/{key}/emptyTrash`.
pub(super) async fn empty_trash(State(f): State<Fake>, Path(key): Path<String>) -> Response {
    let data = f.read();
    match section_title(&data, &key) {
        Some(_) => StatusCode::OK.into_response(),
        None => not_found(),
    }
}

pub(super) async fn activities(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .activities
        .iter()
        .map(|a| {
            json!({
                "uuid": a.uuid, "type": a.kind, "cancellable": false, "userID": 1,
                "title": a.title, "subtitle": "", "progress": a.progress, "Context": {},
            })
        })
        .collect();
    container(json!({"size": rows.len(), "Activity": rows}))
}

/// `POST /status/sessions/terminate?sessionId&reason`: the stream ends (its reason kept).
pub(super) async fn terminate(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let Some(id) = q.get("sessionId").filter(|s| !s.is_empty()) else {
        return html_status(StatusCode::FORBIDDEN);
    };
    let before = data.sessions.len();
    data.sessions
        .retain(|s| format!("session-{}", s.session_key) != *id);
    if data.sessions.len() == before {
        return not_found();
    }
    StatusCode::OK.into_response()
}

/// An update is always available, so the status has something to say.
pub(super) async fn updater_status() -> Response {
    container(json!({
        "size": 1,
        "autoUpdateVersion": 1,
        "canInstall": false,
        "checkedAt": chrono::Utc::now().timestamp() - 3600,
        "downloadURL": "https://plex.tv/downloads",
        "status": 0,
        "Release": [{
            "key": "https://plex.tv/updater/releases/1",
            "version": "1.42.0.9999-abcdef12",
            "added": "New things.",
            "fixed": "Old things.",
            "downloadURL": "https://plex.tv/downloads/1.42.0",
            "state": "available",
        }],
    }))
}
