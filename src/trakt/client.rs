//! The Trakt API client: the headers Trakt requires on every request, Trakt's published rate
//! limits, and a sign-in that lasts (stored in the data directory, refreshed before it expires,
//! the rotated refresh token saved every time).

use std::{
    sync::{Arc, Mutex as StdMutex},
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, RequestBuilder, header::HeaderValue};
use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::Mutex;

use super::{
    SignedOut, TraktError,
    models::{DeviceCode, TokenResponse, User},
};
use crate::{
    backend::{Backend, BackendError, ErrorKind, Retry, Service},
    config::{Secret, TraktConfig},
    lock,
    redact::Redactor,
    store::{Store, StoredTokens},
};

/// Refresh this long before the access token expires (Trakt's last 24 hours).
const REFRESH_MARGIN: i64 = 3600;
/// Trakt's limit for authenticated GETs: 1000 per 5 minutes.
const READS_PER_WINDOW: f64 = 1000.0;
const READ_WINDOW: Duration = Duration::from_secs(300);
/// Waits longer than this are logged, so a slow sync explains itself.
const NOTABLE_WAIT: Duration = Duration::from_secs(2);
/// Rows per page when reading a paged Trakt list.
pub const PAGE_LIMIT: usize = 1000;
const PAGE_CONCURRENCY: usize = 2;

/// Where the current sign-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Stored,
    Environment,
}

struct Session {
    tokens: StoredTokens,
    source: TokenSource,
}

/// A device-code sign-in waiting for the user to approve it.
struct PendingDevice {
    device_code: String,
    interval: Duration,
    expires: Instant,
}

/// Spaces API requests to Trakt's published limits: writes one per interval, reads from a bucket
/// of 1000 refilled over five minutes. The OAuth endpoints are not API calls and are not spaced.
struct Limiter {
    write_interval: Duration,
    next_write: Mutex<Instant>,
    reads: Mutex<(f64, Instant)>,
}

impl Limiter {
    fn new(write_interval: Duration) -> Self {
        Self {
            write_interval,
            next_write: Mutex::new(Instant::now()),
            reads: Mutex::new((READS_PER_WINDOW, Instant::now())),
        }
    }

    async fn write(&self) {
        // Held while sleeping: writers queue up one interval apart.
        let mut next = self.next_write.lock().await;
        wait_until(*next, "write").await;
        *next = Instant::now() + self.write_interval;
    }

    async fn read(&self) {
        let mut bucket = self.reads.lock().await;
        let rate = READS_PER_WINDOW / READ_WINDOW.as_secs_f64();
        let now = Instant::now();
        let tokens =
            (bucket.0 + now.duration_since(bucket.1).as_secs_f64() * rate).min(READS_PER_WINDOW);
        if tokens >= 1.0 {
            *bucket = (tokens - 1.0, now);
            return;
        }
        let wait = Duration::from_secs_f64((1.0 - tokens) / rate);
        wait_until(now + wait, "read").await;
        *bucket = (0.0, Instant::now());
    }
}

async fn wait_until(when: Instant, kind: &str) {
    let wait = when.saturating_duration_since(Instant::now());
    if wait >= NOTABLE_WAIT {
        tracing::info!(
            "waiting {:.1} s to stay within Trakt's {kind} rate limit",
            wait.as_secs_f64()
        );
    }
    tokio::time::sleep(wait).await;
}

/// The result of polling the device flow.
pub enum DevicePoll {
    SignedIn {
        user: User,
        expires_at: i64,
    },
    /// Not approved yet; `expires_in` seconds remain.
    Pending {
        expires_in: u64,
    },
}

pub struct TraktClient {
    backend: Backend,
    api_key: HeaderValue,
    client_id: Secret,
    client_secret: Secret,
    redirect_uri: String,
    store: Arc<Store>,
    session: Mutex<Option<Session>>,
    device: StdMutex<Option<PendingDevice>>,
    limiter: Limiter,
    /// Learns every token as it is issued, so nothing plex-mcp prints can show one.
    redactor: Redactor,
}

impl TraktClient {
    /// `None` when the Trakt application (client id and secret) is not configured.
    pub fn new(
        config: &TraktConfig,
        store: Arc<Store>,
        http: crate::backend::Http,
        timeout: Duration,
        redactor: Redactor,
    ) -> Result<Option<Self>, String> {
        let (Some(id), Some(secret)) = (&config.client_id, &config.client_secret) else {
            return Ok(None);
        };
        let mut api_key = HeaderValue::from_str(id.expose()).map_err(
            |_| "TRAKT_CLIENT_ID contains characters that cannot be sent in an HTTP header",
        )?;
        api_key.set_sensitive(true);
        let stored = store.trakt_tokens()?;
        let session = match (stored, &config.access_token) {
            (Some(tokens), _) => Some(Session {
                tokens,
                source: TokenSource::Stored,
            }),
            (None, Some(access)) => Some(Session {
                tokens: StoredTokens {
                    access: access.clone(),
                    refresh: config.refresh_token.clone(),
                    // Unknown: refreshed when Trakt answers 401.
                    expires_at: 0,
                    username: None,
                },
                source: TokenSource::Environment,
            }),
            (None, None) => None,
        };
        if let Some(s) = &session {
            remember(&redactor, &s.tokens);
        }
        Ok(Some(Self {
            backend: Backend::new(Service::Trakt, config.url.clone(), http, timeout),
            api_key,
            client_id: id.clone(),
            client_secret: secret.clone(),
            redirect_uri: config.redirect_uri.clone(),
            store,
            session: Mutex::new(session),
            device: StdMutex::new(None),
            limiter: Limiter::new(config.write_interval),
            redactor,
        }))
    }

    /// Trakt's authorization page for the code flow. The API host serves the API only; the
    /// page lives on trakt.tv (a custom `TRAKT_BASE_URL` serves both).
    pub fn authorize_url(&self, state: &str) -> String {
        let site = if self.backend.base == crate::config::DEFAULT_TRAKT_URL {
            "https://trakt.tv"
        } else {
            &self.backend.base
        };
        let mut url = reqwest::Url::parse(&format!("{site}/oauth/authorize"))
            .expect("the authorize URL is built from a valid base");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id.expose())
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state);
        url.into()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.backend
            .request(method, path)
            .header("trakt-api-version", "2")
            .header("trakt-api-key", self.api_key.clone())
            .header("Accept", "application/json")
    }

    fn bearer(token: &Secret) -> HeaderValue {
        let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        v.set_sensitive(true);
        v
    }

    // ---- sign-in ----

    /// Starts the device flow: the user opens `verification_url` and types `user_code`.
    pub async fn start_device(&self) -> Result<DeviceCode, TraktError> {
        #[derive(Serialize)]
        struct Body<'a> {
            client_id: &'a str,
        }
        let path = "/oauth/device/code";
        let body = Body {
            client_id: self.client_id.expose(),
        };
        let code: DeviceCode = self
            .backend
            .json_with(path, Retry::RateLimitOnly, || {
                self.request(Method::POST, path).json(&body)
            })
            .await
            .map_err(app_error)?;
        *lock(&self.device) = Some(PendingDevice {
            device_code: code.device_code.clone(),
            interval: Duration::from_secs(code.interval.max(1)),
            expires: Instant::now() + Duration::from_secs(code.expires_in),
        });
        Ok(code)
    }

    /// Polls the pending device sign-in at Trakt's interval for at most `max_wait`.
    pub async fn poll_device(&self, max_wait: Duration) -> Result<DevicePoll, TraktError> {
        #[derive(Serialize)]
        struct Body<'a> {
            code: &'a str,
            client_id: &'a str,
            client_secret: &'a str,
        }
        let deadline = Instant::now() + max_wait;
        let path = "/oauth/device/token";
        loop {
            let (code, mut interval, expires) = match lock(&self.device).as_ref() {
                Some(d) => (d.device_code.clone(), d.interval, d.expires),
                None => {
                    return Err(TraktError::NoPendingDevice);
                }
            };
            if Instant::now() >= expires {
                *lock(&self.device) = None;
                return Err(TraktError::DeviceFailed(
                    "the device code expired before it was approved",
                ));
            }
            let body = Body {
                code: &code,
                client_id: self.client_id.expose(),
                client_secret: self.client_secret.expose(),
            };
            let answer = self
                .backend
                .json_with::<TokenResponse>(path, Retry::RateLimitOnly, || {
                    self.request(Method::POST, path).json(&body)
                })
                .await;
            match answer {
                Ok(tokens) => {
                    *lock(&self.device) = None;
                    let (user, expires_at) = self.adopt(tokens).await?;
                    return Ok(DevicePoll::SignedIn { user, expires_at });
                }
                Err(e) => match e.kind {
                    // The user has not approved yet.
                    ErrorKind::Status(400) => {}
                    // Polling too fast: slow down for the rest of this sign-in.
                    ErrorKind::RateLimited { .. } => {
                        interval += Duration::from_secs(1);
                        if let Some(d) = lock(&self.device).as_mut() {
                            d.interval = interval;
                        }
                    }
                    kind => {
                        *lock(&self.device) = None;
                        let why = match kind {
                            ErrorKind::NotFound => "Trakt does not know this device code",
                            ErrorKind::Status(409) => "this code was already used",
                            ErrorKind::Status(410) => "the code expired",
                            ErrorKind::Status(418) => "the sign-in was denied on trakt.tv",
                            kind => return Err(app_error(BackendError { kind, ..e })),
                        };
                        return Err(TraktError::DeviceFailed(why));
                    }
                },
            }
            let remaining = expires.saturating_duration_since(Instant::now());
            if Instant::now() + interval > deadline {
                return Ok(DevicePoll::Pending {
                    expires_in: remaining.as_secs(),
                });
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Finishes the authorization-code flow.
    pub async fn exchange_code(&self, code: &str) -> Result<(User, i64), TraktError> {
        let body = serde_json::json!({
            "code": code,
            "client_id": self.client_id.expose(),
            "client_secret": self.client_secret.expose(),
            "redirect_uri": self.redirect_uri,
            "grant_type": "authorization_code",
        });
        match self.token_request(&body).await {
            Ok(tokens) => self.adopt(tokens).await,
            Err(e) if matches!(e.kind, ErrorKind::Unauthorized(_) | ErrorKind::Status(400)) => {
                Err(TraktError::CodeRefused)
            }
            Err(e) => Err(app_error(e)),
        }
    }

    async fn token_request(&self, body: &serde_json::Value) -> Result<TokenResponse, BackendError> {
        let path = "/oauth/token";
        self.backend
            .json_with(path, Retry::RateLimitOnly, || {
                self.request(Method::POST, path).json(body)
            })
            .await
    }

    /// Stores a fresh sign-in and asks Trakt whose it is.
    async fn adopt(&self, answer: TokenResponse) -> Result<(User, i64), TraktError> {
        let tokens = stored(answer, None);
        remember(&self.redactor, &tokens);
        let expires_at = tokens.expires_at;
        *self.session.lock().await = Some(Session {
            tokens,
            source: TokenSource::Stored,
        });
        let user = self.me().await?;
        let mut session = self.session.lock().await;
        if let Some(s) = session.as_mut() {
            s.tokens.username = Some(user.username.clone());
            self.store
                .save_trakt_tokens(&s.tokens)
                .map_err(TraktError::Store)?;
        }
        Ok((user, expires_at))
    }

    /// The current sign-in: where it came from, whose it is (if known) and when it expires.
    pub async fn sign_in(&self) -> Option<(TokenSource, Option<String>, i64)> {
        self.session
            .lock()
            .await
            .as_ref()
            .map(|s| (s.source, s.tokens.username.clone(), s.tokens.expires_at))
    }

    /// A usable access token, refreshed first when it is about to expire.
    async fn access_token(&self) -> Result<Secret, TraktError> {
        let mut session = self.session.lock().await;
        let Some(s) = session.as_mut() else {
            return Err(TraktError::NotSignedIn(SignedOut::Never));
        };
        let now = chrono::Utc::now().timestamp();
        if s.tokens.expires_at != 0 && s.tokens.expires_at - now < REFRESH_MARGIN {
            self.refresh_locked(s).await?;
        }
        Ok(s.tokens.access.clone())
    }

    /// After a 401: refresh, unless another request already replaced the token that failed.
    async fn refresh_after_401(&self, failed: &Secret) -> Result<bool, TraktError> {
        let mut session = self.session.lock().await;
        let Some(s) = session.as_mut() else {
            return Ok(false);
        };
        if s.tokens.access != *failed {
            return Ok(true);
        }
        if s.tokens.refresh.is_none() {
            return Ok(false);
        }
        self.refresh_locked(s).await?;
        Ok(true)
    }

    async fn refresh_locked(&self, s: &mut Session) -> Result<(), TraktError> {
        // Another plex-mcp process may have rotated the pair already: its refresh token is the
        // only valid one now.
        if let Ok(Some(on_disk)) = self.store.trakt_tokens()
            && on_disk.access != s.tokens.access
            && on_disk.expires_at - chrono::Utc::now().timestamp() >= REFRESH_MARGIN
        {
            remember(&self.redactor, &on_disk);
            s.tokens = on_disk;
            s.source = TokenSource::Stored;
            return Ok(());
        }
        let Some(refresh) = s.tokens.refresh.clone() else {
            return Err(TraktError::NotSignedIn(SignedOut::Expired));
        };
        let body = serde_json::json!({
            "refresh_token": refresh.expose(),
            "client_id": self.client_id.expose(),
            "client_secret": self.client_secret.expose(),
            "redirect_uri": self.redirect_uri,
            "grant_type": "refresh_token",
        });
        let answer = self.token_request(&body).await.map_err(|e| match e.kind {
            ErrorKind::Unauthorized(_) | ErrorKind::Status(400) => {
                TraktError::NotSignedIn(SignedOut::Revoked)
            }
            _ => app_error(e),
        })?;
        s.tokens = stored(answer, s.tokens.username.take());
        remember(&self.redactor, &s.tokens);
        s.source = TokenSource::Stored;
        self.store
            .save_trakt_tokens(&s.tokens)
            .map_err(TraktError::Store)?;
        tracing::info!("renewed the Trakt sign-in");
        Ok(())
    }

    // ---- API calls ----

    /// An authenticated GET, decoded.
    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, TraktError> {
        let response = self.send(Method::GET, path, query, None::<&()>).await?;
        self.decode(path, response).await
    }

    /// Every page of an authenticated paged list (`page`/`limit`, `X-Pagination-Page-Count`),
    /// handed to `fold` in order as it arrives, so a long history is never held whole.
    pub(super) async fn for_each_page<T: DeserializeOwned + Send>(
        &self,
        path: &str,
        query: &[(&str, String)],
        mut fold: impl FnMut(Vec<T>),
    ) -> Result<(), TraktError> {
        let page = |n: usize| {
            let mut q = query.to_vec();
            q.push(("page", n.to_string()));
            q.push(("limit", PAGE_LIMIT.to_string()));
            async move {
                let response = self.send(Method::GET, path, &q, None::<&()>).await?;
                let pages = response
                    .headers()
                    .get("x-pagination-page-count")
                    .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                    .unwrap_or(1);
                Ok::<_, TraktError>((pages, self.decode::<Vec<T>>(path, response).await?))
            }
        };
        let (pages, rows) = page(1).await?;
        fold(rows);
        let mut rest = std::pin::pin!(
            futures::stream::iter(2..=pages)
                .map(page)
                .buffered(PAGE_CONCURRENCY)
        );
        while let Some((_, rows)) = rest.try_next().await? {
            fold(rows);
        }
        Ok(())
    }

    /// An authenticated POST, spaced to Trakt's write limit and never repeated after an
    /// ambiguous failure (Trakt does not deduplicate history).
    pub(super) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, TraktError> {
        let response = self.send(Method::POST, path, &[], Some(body)).await?;
        self.decode(path, response).await
    }

    /// A GET without the user's sign-in (search needs only the app's key).
    pub(super) async fn get_public(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<reqwest::Response, TraktError> {
        self.limiter.read().await;
        self.backend
            .send(path, Retry::Idempotent, || {
                self.request(Method::GET, path).query(query)
            })
            .await
            .map_err(app_error)
    }

    pub(super) async fn decode<T: DeserializeOwned>(
        &self,
        path: &str,
        response: reqwest::Response,
    ) -> Result<T, TraktError> {
        Ok(self.backend.decode(path, response).await?)
    }

    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<reqwest::Response, TraktError> {
        let write = method != Method::GET;
        let retry = if write {
            Retry::RateLimitOnly
        } else {
            Retry::Idempotent
        };
        let mut token = self.access_token().await?;
        for attempt in 0..2 {
            if write {
                self.limiter.write().await;
            } else {
                self.limiter.read().await;
            }
            let bearer = Self::bearer(&token);
            let result = self
                .backend
                .send(path, retry, || {
                    let mut r = self
                        .request(method.clone(), path)
                        .query(query)
                        .header("Authorization", bearer.clone());
                    if let Some(body) = body {
                        r = r.json(body);
                    }
                    r
                })
                .await;
            match result {
                Ok(response) => return Ok(response),
                Err(BackendError {
                    kind: ErrorKind::Unauthorized(401),
                    ..
                }) if attempt == 0 && self.refresh_after_401(&token).await? => {
                    token = self.access_token().await?;
                }
                Err(e) => return Err(TraktError::Backend(e)),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

/// Errors of calls made with the app's credentials only: a 401/403 means the client id or
/// secret is wrong, not the user's sign-in.
fn app_error(e: BackendError) -> TraktError {
    match e.kind {
        ErrorKind::Unauthorized(code) => TraktError::AppRejected(code),
        _ => TraktError::Backend(e),
    }
}

fn remember(redactor: &Redactor, tokens: &StoredTokens) {
    redactor.add(tokens.access.expose());
    if let Some(refresh) = &tokens.refresh {
        redactor.add(refresh.expose());
    }
}

fn stored(answer: TokenResponse, username: Option<String>) -> StoredTokens {
    // Expiry is kept on our clock (Trakt's `created_at` is on its own).
    let lifetime = if answer.expires_in > 0 {
        answer.expires_in
    } else {
        86_400
    };
    StoredTokens {
        access: Secret::new(answer.access_token),
        refresh: answer.refresh_token.map(Secret::new),
        expires_at: chrono::Utc::now().timestamp() + lifetime,
        username,
    }
}
