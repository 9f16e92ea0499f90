//! Fake backends: real HTTP servers on 127.0.0.1 serving a generated sample stack. They back the
//! `--demo` mode and every test, and their responses are checked against the published OpenAPI
//! specifications so they cannot drift from the real services.
//!
//! Each service gets its own server (as in a real home stack), sharing one [`Control`] through
//! which tests inject faults and read the requests that arrived.

pub mod arr;
pub mod data;
mod discover;
pub mod plex;
pub mod plextv;
pub mod trakt;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub use data::{Dataset, Scale};

use crate::lock;

/// Requests kept in the [`Control`] log: plenty for any test, bounded for a demo that runs for
/// days.
pub const REQUEST_LOG: usize = 20_000;
/// Bodies and events a fake keeps for tests to inspect (POSTs, scrobbles, sign-in grants).
pub const RECORDED: usize = 2_000;

/// The newest entries of a log, at most a fixed number: older ones are dropped as new ones come,
/// so a long-running demo stays in constant memory.
#[derive(Debug)]
pub struct Recent<T> {
    items: std::collections::VecDeque<T>,
    cap: usize,
}

impl<T> Recent<T> {
    pub fn new(cap: usize) -> Self {
        Self {
            items: std::collections::VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, item: T) {
        if self.items.len() == self.cap {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.items.iter_mut()
    }

    /// Removes the first entry `matches` accepts, returning whether there was one.
    pub fn take(&mut self, matches: impl Fn(&T) -> bool) -> bool {
        match self.items.iter().position(matches) {
            Some(i) => self.items.remove(i).is_some(),
            None => false,
        }
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }
}

impl<T: Clone> Recent<T> {
    pub fn to_vec(&self) -> Vec<T> {
        self.items.iter().cloned().collect()
    }
}

/// The token the fake Plex and Discover accept. Not a secret: it only opens the sample stack.
pub const DEMO_PLEX_TOKEN: &str = "demo-plex-token";

/// A failure the fake should produce for requests whose path starts with a prefix.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this HTTP status and a small HTML body, as Plex does.
    Status(u16),
    /// Answer 429 with `Retry-After: secs`.
    RateLimited { retry_after_secs: u64 },
    /// Wait this long before answering normally (to trigger client timeouts).
    Delay(Duration),
    /// Handle the request normally, then wait this long before answering: the work is done but
    /// the client does not learn it (as when a connection drops after a write).
    DelayAfter(Duration),
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
}

#[derive(Debug)]
struct FaultRule {
    /// Only requests of this method, when set.
    method: Option<String>,
    path_prefix: String,
    fault: Fault,
    remaining: usize,
}

struct ControlInner {
    faults: Mutex<Vec<FaultRule>>,
    requests: Mutex<Recent<String>>,
    /// Answer like Plex servers that do not report `totalSize`.
    omit_totals: std::sync::atomic::AtomicBool,
    /// Latency and bandwidth of every answer, like a server on a NAS across the LAN.
    shape: Mutex<Option<Shape>>,
    /// The most rows a page holds, whatever the client asks for (0: as asked).
    page_cap: std::sync::atomic::AtomicUsize,
    /// Answer gzip-compressed to clients that accept it, as Plex does.
    gzip: std::sync::atomic::AtomicBool,
    /// Answers sent compressed.
    gzipped: std::sync::atomic::AtomicUsize,
}

/// A slower network in front of the fakes: each answer waits `latency`, then as long as its
/// body takes at `bytes_per_sec`.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub latency: Duration,
    pub bytes_per_sec: u64,
}

impl Default for ControlInner {
    fn default() -> Self {
        Self {
            faults: Mutex::default(),
            requests: Mutex::new(Recent::new(REQUEST_LOG)),
            omit_totals: Default::default(),
            shape: Mutex::default(),
            page_cap: Default::default(),
            gzip: Default::default(),
            gzipped: Default::default(),
        }
    }
}

/// Test-side handle on the fakes: fault injection and a log of the requests served.
#[derive(Clone, Default)]
pub struct Control(Arc<ControlInner>);

impl Control {
    /// The next `times` requests whose path starts with `path_prefix` get `fault`.
    pub fn inject(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.push_fault(None, path_prefix, fault, times);
    }

    /// Like [`Control::inject`], for requests of one method only (`"PUT"`).
    pub fn inject_on(&self, method: &str, path_prefix: &str, fault: Fault, times: usize) {
        self.push_fault(Some(method), path_prefix, fault, times);
    }

    fn push_fault(&self, method: Option<&str>, path_prefix: &str, fault: Fault, times: usize) {
        lock(&self.0.faults).push(FaultRule {
            method: method.map(str::to_string),
            path_prefix: path_prefix.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Leave `totalSize` (and `X-Plex-Container-Total-Size`) out of every answer, as some Plex
    /// endpoints and versions do: clients must then page until a short page.
    pub fn omit_totals(&self, on: bool) {
        self.0
            .omit_totals
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Serve at most `rows` per page whatever `X-Plex-Container-Size` asks (or as asked), as
    /// servers that cap their container size do: clients must step by what they get.
    pub fn cap_pages(&self, rows: Option<usize>) {
        self.0
            .page_cap
            .store(rows.unwrap_or(0), std::sync::atomic::Ordering::SeqCst);
    }

    /// Compress answers for clients that send `Accept-Encoding: gzip`.
    pub fn gzip(&self, on: bool) {
        self.0.gzip.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many answers went out compressed.
    pub fn gzipped(&self) -> usize {
        self.0.gzipped.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Puts every answer behind `shape` (or none): for benchmarks against a realistic server.
    pub fn shape(&self, shape: Option<Shape>) {
        *lock(&self.0.shape) = shape;
    }

    pub fn clear_faults(&self) {
        lock(&self.0.faults).clear();
    }

    /// The requests served so far (the newest [`REQUEST_LOG`]), as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.0.requests).to_vec()
    }

    pub fn clear_requests(&self) {
        lock(&self.0.requests).clear();
    }

    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.0.faults);
        let rule = faults.iter_mut().find(|r| {
            r.remaining > 0
                && path.starts_with(&r.path_prefix)
                && r.method.as_deref().is_none_or(|m| m == method)
        })?;
        rule.remaining -= 1;
        Some(rule.fault.clone())
    }
}

async fn control_layer(State(control): State<Control>, req: Request, next: Next) -> Response {
    let shape = *lock(&control.0.shape);
    let gzip = control.0.gzip.load(std::sync::atomic::Ordering::SeqCst)
        && req
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|coding| coding.trim().split(';').next() == Some("gzip"));
    let response = faulty(control.clone(), req, next).await;
    let response = if gzip {
        control
            .0
            .gzipped
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        gzipped(response).await
    } else {
        response
    };
    match shape {
        Some(shape) => shaped(response, shape).await,
        None => response,
    }
}

/// `req` asking for at most `cap` rows, in its query and its header alike.
fn cap_page(req: &mut Request, cap: usize) {
    const SIZE: &str = "X-Plex-Container-Size";
    let capped = |v: &str| v.parse::<usize>().map_or(cap, |n| n.min(cap)).to_string();
    if let Some(query) = req.uri().query() {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((SIZE, v)) => format!("{SIZE}={}", capped(v)),
                _ => pair.to_string(),
            })
            .collect();
        let uri = format!("{}?{}", req.uri().path(), query.join("&"));
        if let Ok(uri) = uri.parse() {
            *req.uri_mut() = uri;
        }
    }
    if let Some(v) = req.headers().get(SIZE).and_then(|v| v.to_str().ok()) {
        let v = capped(v);
        if let Ok(v) = v.parse() {
            req.headers_mut().insert(SIZE, v);
        }
    }
}

/// `response` compressed at gzip's fastest level, so the fake spends little of the CPU that a
/// benchmark shares with the server measured.
async fn gzipped(response: Response) -> Response {
    use std::io::Write;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let Ok(packed) = encoder.write_all(&bytes).and_then(|_| encoder.finish()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    Response::from_parts(parts, axum::body::Body::from(packed))
}

async fn shaped(response: Response, shape: Shape) -> Response {
    tokio::time::sleep(shape.latency).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let wire = Duration::from_secs_f64(bytes.len() as f64 / shape.bytes_per_sec.max(1) as f64);
    tokio::time::sleep(wire).await;
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn faulty(control: Control, mut req: Request, next: Next) -> Response {
    let cap = control.0.page_cap.load(std::sync::atomic::Ordering::SeqCst);
    if cap > 0 {
        cap_page(&mut req, cap);
    }
    let uri = req.uri();
    let line = format!(
        "{} {}{}",
        req.method(),
        uri.path(),
        uri.query().map(|q| format!("?{q}")).unwrap_or_default()
    );
    let path = uri.path().to_string();
    let method = req.method().to_string();
    lock(&control.0.requests).push(line);
    match control.take_fault(&method, &path) {
        None if control
            .0
            .omit_totals
            .load(std::sync::atomic::Ordering::SeqCst) =>
        {
            without_totals(next.run(req).await).await
        }
        None => next.run(req).await,
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::DelayAfter(d)) => {
            let response = next.run(req).await;
            tokio::time::sleep(d).await;
            response
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            html_status(status)
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            let mut resp = html_status(StatusCode::TOO_MANY_REQUESTS);
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(retry_after_secs));
            resp
        }
        Some(Fault::Malformed) => (
            [("content-type", "application/json")],
            "{\"MediaContainer\": {\"size\": 1, \"Metadata\": [",
        )
            .into_response(),
    }
}

async fn without_totals(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove("x-plex-container-total-size");
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut json) => {
            if let Some(c) = json
                .get_mut("MediaContainer")
                .and_then(|c| c.as_object_mut())
            {
                c.remove("totalSize");
            }
            serde_json::to_vec(&json).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    parts.headers.remove("content-length");
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Whether `req` carries `secret` in header `header` or in query parameter `param`: Plex and
/// the *arr servers accept their credential either way.
fn carries_credential(req: &Request, header: &str, param: &str, secret: &str) -> bool {
    let in_header = req
        .headers()
        .get(header)
        .is_some_and(|v| v.as_bytes() == secret.as_bytes());
    let in_query = req.uri().query().is_some_and(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .any(|(k, v)| k == param && v == secret)
    });
    in_header || in_query
}

/// The small HTML error page Plex answers with for failures.
fn html_status(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    (
        status,
        [("content-type", "text/html")],
        format!(
            "<html><head><title>{reason}</title></head><body><h1>{} {reason}</h1></body></html>",
            status.as_u16()
        ),
    )
        .into_response()
}

/// A running fake server.
pub struct FakeServer {
    pub url: String,
    shutdown: tokio_util::sync::CancellationToken,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn spawn(router: Router, control: Control) -> std::io::Result<FakeServer> {
    let router = router.layer(axum::middleware::from_fn_with_state(control, control_layer));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::warn!("fake server stopped: {e}");
        }
    });
    Ok(FakeServer { url, shutdown })
}

/// A running fake Sonarr or Radarr and the handle on its state.
pub struct FakeArr {
    pub server: FakeServer,
    pub state: arr::ArrHandle,
    pub api_key: String,
}

/// A running fake Trakt and the handle on its state.
pub struct FakeTrakt {
    pub server: FakeServer,
    pub state: trakt::TraktHandle,
    pub client_id: String,
    pub client_secret: String,
}

/// The whole sample stack: fake Plex Media Server, Plex Discover, plex.tv, Sonarr, Radarr and
/// Trakt.
pub struct FakeStack {
    /// The data as generated; tests compute expectations from it.
    pub data: Arc<Dataset>,
    /// The data as it is now, after any writes.
    pub live: plex::LiveData,
    pub control: Control,
    pub plex: FakeServer,
    pub discover: FakeServer,
    pub sonarr: FakeArr,
    pub radarr: FakeArr,
    pub trakt: FakeTrakt,
    pub plextv: FakePlexTv,
    /// The listeners of players that take commands directly.
    pub players: Vec<FakeServer>,
    pub token: String,
}

fn lock_read(live: &plex::LiveData) -> std::sync::RwLockReadGuard<'_, Dataset> {
    live.read().unwrap_or_else(|e| e.into_inner())
}

/// Gives player `index` its address: a listener of its own when it listens, an address where
/// nothing does when it refuses.
async fn serve_player(
    live: &plex::LiveData,
    index: usize,
    control: &Control,
) -> std::io::Result<Option<FakeServer>> {
    let (reach, machine) = {
        let data = lock_read(live);
        let p = &data.players[index];
        let machine = data
            .device(p.device_id)
            .map(|d| d.client_identifier.clone())
            .unwrap_or_default();
        (p.reach, machine)
    };
    let (url, server) = match reach {
        data::Reach::Listen => {
            let server = spawn(plex::player_router(live.clone(), machine), control.clone()).await?;
            (Some(server.url.clone()), Some(server))
        }
        // The discard port: nothing listens there on a test machine.
        data::Reach::Refuse => (Some("http://127.0.0.1:9".to_string()), None),
        data::Reach::Unknown => (None, None),
    };
    live.write().unwrap_or_else(|e| e.into_inner()).players[index].url = url;
    Ok(server)
}

/// A running fake plex.tv and the handle on its state.
pub struct FakePlexTv {
    pub server: FakeServer,
    pub state: plextv::PlexTvHandle,
}

impl FakeStack {
    /// Generates the data set for `scale` and `seed` (times relative to now) and starts the servers.
    pub async fn start(scale: Scale, seed: u64) -> std::io::Result<FakeStack> {
        let now = chrono::Utc::now().timestamp();
        Self::start_with(
            Arc::new(Dataset::generate(scale, seed, now)),
            DEMO_PLEX_TOKEN,
        )
        .await
    }

    /// Serves `data`, accepting only `token`.
    pub async fn start_with(data: Arc<Dataset>, token: &str) -> std::io::Result<FakeStack> {
        let control = Control::default();
        let token = token.to_string();
        let live: plex::LiveData = Arc::new(std::sync::RwLock::new((*data).clone()));
        let plex = spawn(plex::router(live.clone(), token.clone()), control.clone()).await?;
        let discover = spawn(
            discover::router(live.clone(), token.clone()),
            control.clone(),
        )
        .await?;
        let now = chrono::Utc::now().timestamp();
        let sonarr = spawn_arr(
            arr::ArrState::sonarr(&data, now),
            format!("{token}-sonarr"),
            &control,
        )
        .await?;
        let radarr = spawn_arr(
            arr::ArrState::radarr(&data, now),
            format!("{token}-radarr"),
            &control,
        )
        .await?;
        let (client_id, client_secret) = (
            format!("{token}-{}", trakt::DEMO_CLIENT_ID),
            format!("{token}-{}", trakt::DEMO_CLIENT_SECRET),
        );
        let state = trakt::TraktHandle(Arc::new(Mutex::new(trakt::TraktState::new(
            &data,
            &client_id,
            &client_secret,
        ))));
        let trakt = FakeTrakt {
            server: spawn(trakt::router(state.clone()), control.clone()).await?,
            state,
            client_id,
            client_secret,
        };
        // The account has one server, reachable only on its local address.
        let state = plextv::PlexTvHandle::new(
            &token,
            vec![plextv::FakeResource {
                name: data.server_name.clone(),
                owned: true,
                connections: vec![
                    ("http://127.0.0.1:9".into(), false, false),
                    (plex.url.clone(), true, false),
                    ("http://127.0.0.1:10".into(), false, true),
                ],
            }],
        );
        let state = state.with_players(live.clone());
        let plextv = FakePlexTv {
            server: spawn(plextv::router(state.clone()), control.clone()).await?,
            state,
        };
        let mut players = Vec::new();
        let count = lock_read(&live).players.len();
        for index in 0..count {
            players.extend(serve_player(&live, index, &control).await?);
        }
        Ok(FakeStack {
            data,
            live,
            control,
            plex,
            discover,
            sonarr,
            radarr,
            trakt,
            plextv,
            players,
            token,
        })
    }

    /// Adds a player to the stack (a new device named `name` unless one has that name), serving
    /// it when it listens; returns its machine identifier.
    pub async fn add_player(
        &mut self,
        name: &str,
        player: data::FakePlayer,
    ) -> std::io::Result<String> {
        let (index, machine) = {
            let mut data = self.live.write().unwrap_or_else(|e| e.into_inner());
            let device = match data.devices.iter().find(|d| d.name == name) {
                Some(d) => d.clone(),
                None => {
                    let id = data.devices.iter().map(|d| d.id).max().unwrap_or(0) + 1;
                    let device = data::Device {
                        id,
                        name: name.to_string(),
                        platform: "Android",
                        client_identifier: format!("device-added-{id:04}"),
                    };
                    data.devices.push(device.clone());
                    device
                }
            };
            data.players.push(data::FakePlayer {
                device_id: device.id,
                ..player
            });
            (data.players.len() - 1, device.client_identifier)
        };
        self.players
            .extend(serve_player(&self.live, index, &self.control).await?);
        Ok(machine)
    }

    /// The environment that points plex-mcp at this stack.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PLEX_URL", self.plex.url.clone()),
            ("PLEX_TOKEN", self.token.clone()),
            ("PLEX_DISCOVER_URL", self.discover.url.clone()),
            ("SONARR_URL", self.sonarr.server.url.clone()),
            ("SONARR_API_KEY", self.sonarr.api_key.clone()),
            ("RADARR_URL", self.radarr.server.url.clone()),
            ("RADARR_API_KEY", self.radarr.api_key.clone()),
            ("PLEX_TV_URL", self.plextv.server.url.clone()),
            ("TRAKT_BASE_URL", self.trakt.server.url.clone()),
            ("TRAKT_CLIENT_ID", self.trakt.client_id.clone()),
            ("TRAKT_CLIENT_SECRET", self.trakt.client_secret.clone()),
        ]
    }
}

async fn spawn_arr(
    state: arr::ArrState,
    api_key: String,
    control: &Control,
) -> std::io::Result<FakeArr> {
    let state = arr::ArrHandle(Arc::new(Mutex::new(state)));
    let server = spawn(arr::router(state.clone(), api_key.clone()), control.clone()).await?;
    Ok(FakeArr {
        server,
        state,
        api_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_keep_only_the_newest_entries() {
        let mut log = Recent::new(3);
        for i in 0..10 {
            log.push(i);
        }
        assert_eq!(log.to_vec(), [7, 8, 9]);
        assert!(log.take(|&i| i == 8));
        assert!(!log.take(|&i| i == 8));
        assert_eq!(log.to_vec(), [7, 9]);
        let control = Control::default();
        for i in 0..REQUEST_LOG + 5 {
            lock(&control.0.requests).push(format!("GET /{i}"));
        }
        let requests = control.requests();
        assert_eq!(requests.len(), REQUEST_LOG);
        assert_eq!(requests[0], "GET /5");
    }
}
