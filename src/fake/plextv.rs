//! A fake plex.tv: the PIN sign-in (create, poll, approve, expire) and the account's resources,
//! shaped like the community plex.tv spec.

use std::sync::{Arc, Mutex};

use axum::{
    Json, Router,
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{Recent, lock};

/// One Plex Media Server on the fake account.
#[derive(Debug, Clone)]
pub struct FakeResource {
    pub name: String,
    pub owned: bool,
    /// (uri, local, relay)
    pub connections: Vec<(String, bool, bool)>,
}

#[derive(Debug)]
struct PinState {
    id: u64,
    code: String,
    client_identifier: String,
    created: i64,
    polls: u32,
}

pub struct PlexTvState {
    account_token: String,
    /// Polls of a PIN before the user approves it; `None`: never.
    approve_after: Option<u32>,
    pin_lifetime: i64,
    /// The newest PINs; older ones have long expired.
    pins: Recent<PinState>,
    pins_created: u64,
    servers: Vec<FakeResource>,
    /// The server's data, whose players on the account plex.tv lists too.
    live: Option<super::plex::LiveData>,
}

#[derive(Clone)]
pub struct PlexTvHandle(Arc<Mutex<PlexTvState>>);

impl PlexTvHandle {
    pub fn new(account_token: &str, servers: Vec<FakeResource>) -> Self {
        Self(Arc::new(Mutex::new(PlexTvState {
            account_token: account_token.to_string(),
            approve_after: Some(0),
            pin_lifetime: 900,
            pins: Recent::new(100),
            pins_created: 0,
            servers,
            live: None,
        })))
    }

    /// Lists the players of `live` that are on the account.
    pub fn with_players(self, live: super::plex::LiveData) -> Self {
        lock(&self.0).live = Some(live);
        self
    }

    /// The user approves a PIN on its `n`th poll (0: at once), or never.
    pub fn approve_after(&self, polls: Option<u32>) {
        lock(&self.0).approve_after = polls;
    }

    /// Seconds a new PIN stays valid (plex.tv: 900).
    pub fn set_pin_lifetime(&self, secs: i64) {
        lock(&self.0).pin_lifetime = secs;
    }

    pub fn set_servers(&self, servers: Vec<FakeResource>) {
        lock(&self.0).servers = servers;
    }

    /// How many times PINs were polled.
    pub fn polls(&self) -> u32 {
        lock(&self.0).pins.iter().map(|p| p.polls).sum()
    }

    /// The client identifiers PINs were created with.
    pub fn client_identifiers(&self) -> Vec<String> {
        lock(&self.0)
            .pins
            .iter()
            .map(|p| p.client_identifier.clone())
            .collect()
    }
}

pub fn router(handle: PlexTvHandle) -> Router {
    Router::new()
        .route("/api/v2/pins", post(create_pin))
        .route("/api/v2/pins/{id}", get(check_pin))
        .route("/api/v2/resources", get(resources))
        .layer(axum::middleware::from_fn(require_client_identifier))
        .with_state(handle)
}

async fn require_client_identifier(req: Request, next: Next) -> Response {
    if req.headers().get("x-plex-client-identifier").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"code": 1000, "message": "X-Plex-Client-Identifier is missing"}]})),
        )
            .into_response();
    }
    next.run(req).await
}

fn location() -> Value {
    json!({
        "code": "NL", "european_union_member": true, "continent_code": "EU",
        "country": "The Netherlands", "city": "Breda", "time_zone": "Europe/Amsterdam",
        "postal_code": "4814", "in_privacy_restricted_country": true,
        "in_privacy_restricted_region": true, "subdivisions": "North Brabant",
        "coordinates": "51.5869, 4.7471",
    })
}

fn pin_json(p: &PinState, lifetime: i64, token: Option<&str>) -> Value {
    let now = chrono::Utc::now().timestamp();
    let iso = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    json!({
        "id": p.id,
        "code": p.code,
        "product": "plex-mcp",
        "trusted": false,
        "qr": format!("https://plex.tv/api/v2/pins/qr/{}", p.code),
        "clientIdentifier": p.client_identifier,
        "location": location(),
        "expiresIn": (p.created + lifetime - now).max(0),
        "createdAt": iso(p.created),
        "expiresAt": iso(p.created + lifetime),
        "authToken": token,
        "newRegistration": null,
    })
}

async fn create_pin(State(h): State<PlexTvHandle>, headers: HeaderMap) -> Response {
    let mut s = lock(&h.0);
    let id = 373_040_000 + s.pins_created;
    s.pins_created += 1;
    let pin = PinState {
        id,
        code: format!("{:025x}", id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        client_identifier: headers
            .get("x-plex-client-identifier")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        created: chrono::Utc::now().timestamp(),
        polls: 0,
    };
    let body = pin_json(&pin, s.pin_lifetime, None);
    s.pins.push(pin);
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn check_pin(State(h): State<PlexTvHandle>, Path(id): Path<u64>) -> Response {
    let mut s = lock(&h.0);
    let lifetime = s.pin_lifetime;
    let approve_after = s.approve_after;
    let token = s.account_token.clone();
    let now = chrono::Utc::now().timestamp();
    let Some(pin) = s.pins.iter_mut().find(|p| p.id == id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // An expired PIN is gone, as on plex.tv.
    if pin.created + lifetime <= now {
        return StatusCode::NOT_FOUND.into_response();
    }
    pin.polls += 1;
    let approved = approve_after.is_some_and(|n| pin.polls > n);
    Json(pin_json(pin, lifetime, approved.then_some(token.as_str()))).into_response()
}

fn authorized(s: &PlexTvState, headers: &HeaderMap) -> bool {
    headers
        .get("x-plex-token")
        .is_some_and(|v| v.as_bytes() == s.account_token.as_bytes())
}

async fn resources(State(h): State<PlexTvHandle>, headers: HeaderMap) -> Response {
    let s = lock(&h.0);
    if !authorized(&s, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let rows: Vec<Value> = s
        .servers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "name": r.name,
                "product": "Plex Media Server",
                "productVersion": "1.41.3.9314-a0bfb8370",
                "platform": "Linux",
                "platformVersion": "6.1",
                "device": "PC",
                "clientIdentifier": format!("server-{i:04}"),
                "createdAt": "2023-01-10T10:00:00Z",
                "lastSeenAt": "2026-11-20T10:00:00Z",
                "provides": "server",
                "ownerId": if r.owned { Value::Null } else { json!(4242) },
                "sourceTitle": if r.owned { Value::Null } else { json!("a friend") },
                "publicAddress": "203.0.113.7",
                "accessToken": s.account_token,
                "owned": r.owned,
                "home": false,
                "synced": false,
                "relay": true,
                "presence": true,
                "httpsRequired": false,
                "publicAddressMatches": true,
                "dnsRebindingProtection": false,
                "natLoopbackSupported": true,
                "connections": r.connections.iter().map(|(uri, local, relay)| {
                    let url = reqwest::Url::parse(uri).ok();
                    json!({
                        "protocol": url.as_ref().map(|u| u.scheme().to_string()).unwrap_or_default(),
                        "address": url.as_ref().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default(),
                        "port": url.as_ref().and_then(|u| u.port_or_known_default()).unwrap_or(32400),
                        "uri": uri,
                        "local": local,
                        "relay": relay,
                        "IPv6": false,
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .chain(players(&s))
        .collect();
    Json(Value::Array(rows)).into_response()
}

/// The account's players as plex.tv lists them: online, with the address they announce (none for
/// a player nothing can reach).
fn players(s: &PlexTvState) -> Vec<Value> {
    let Some(live) = &s.live else {
        return Vec::new();
    };
    let data = live.read().unwrap_or_else(|e| e.into_inner());
    data.players
        .iter()
        .filter(|p| p.on_account)
        .filter_map(|p| {
            let device = data.device(p.device_id)?;
            let url = p.url.as_deref().and_then(|u| reqwest::Url::parse(u).ok());
            let connections: Vec<Value> = url
                .iter()
                .map(|u| {
                    json!({
                        "protocol": u.scheme(), "address": u.host_str(),
                        "port": u.port_or_known_default(), "uri": u.as_str().trim_end_matches('/'),
                        "local": true, "relay": false, "IPv6": false,
                    })
                })
                .collect();
            Some(json!({
                "name": device.name, "product": p.product, "productVersion": "10.1",
                "platform": device.platform, "platformVersion": "12", "device": device.platform,
                "clientIdentifier": device.client_identifier, "createdAt": "2023-01-10T10:00:00Z",
                "lastSeenAt": "2026-11-20T10:00:00Z", "provides": "client,player,pubsub-player",
                "ownerId": null, "sourceTitle": null, "publicAddress": "203.0.113.7",
                "accessToken": s.account_token, "owned": true, "home": false, "synced": false,
                "relay": false, "presence": true, "httpsRequired": false,
                "publicAddressMatches": true, "dnsRebindingProtection": false,
                "natLoopbackSupported": false, "connections": connections,
            }))
        })
        .collect()
}
