//! plex.tv: the PIN sign-in and the account's servers, for `plex-mcp login`.

use std::time::Duration;

use futures::future::join_all;
use reqwest::Method;
use serde::Deserialize;

use crate::{
    backend::{Backend, BackendError, Retry, Service},
    config::Secret,
};

/// How `plex-mcp` introduces itself to plex.tv (the name users see under Authorized Devices).
pub const PRODUCT: &str = "plex-mcp";
/// How long a server connection may take to answer `/identity` before it counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pin {
    pub id: u64,
    pub code: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub auth_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Resource {
    pub name: String,
    pub client_identifier: String,
    pub product: Option<String>,
    pub platform: Option<String>,
    pub device: Option<String>,
    /// Whether the device is online now.
    pub presence: bool,
    pub provides: String,
    pub product_version: String,
    pub owned: bool,
    pub access_token: Option<String>,
    pub connections: Vec<Connection>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Connection {
    pub uri: String,
    pub local: bool,
    pub relay: bool,
}

impl Resource {
    fn provides(&self, role: &str) -> bool {
        self.provides.split(',').any(|p| p.trim() == role)
    }

    /// The token that opens this server: its own access token, else the account's.
    pub fn token(&self, account: &Secret) -> Secret {
        self.access_token
            .clone()
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .unwrap_or_else(|| account.clone())
    }
}

impl Connection {
    /// Local before remote before relay.
    pub fn rank(&self) -> u8 {
        match (self.local, self.relay) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        }
    }

    pub fn kind(&self) -> &'static str {
        ["local", "remote", "relay"][self.rank() as usize]
    }
}

pub struct PlexTv {
    backend: Backend,
    client_identifier: String,
    http: crate::backend::Http,
}

impl PlexTv {
    pub fn new(
        url: &str,
        client_identifier: String,
        http: crate::backend::Http,
        timeout: Duration,
    ) -> Self {
        Self {
            backend: Backend::new(Service::PlexTv, url.to_string(), http.clone(), timeout),
            client_identifier,
            http,
        }
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .backend
            .request(method, path)
            .header("Accept", "application/json")
            .header("X-Plex-Client-Identifier", &self.client_identifier)
            .header("X-Plex-Product", PRODUCT)
            .header("X-Plex-Version", env!("CARGO_PKG_VERSION"));
        if let Some(token) = token {
            req = with_token(req, token);
        }
        req
    }

    /// A new strong PIN, for the `app.plex.tv/auth` page.
    pub async fn create_pin(&self) -> Result<Pin, BackendError> {
        let path = "/api/v2/pins";
        self.backend
            .json_with(path, Retry::RateLimitOnly, || {
                self.request(Method::POST, path, None)
                    .query(&[("strong", "true")])
            })
            .await
    }

    /// The PIN as it is now: `auth_token` is set once the user approved it.
    pub async fn check_pin(&self, id: u64) -> Result<Pin, BackendError> {
        let path = format!("/api/v2/pins/{id}");
        self.backend
            .json(&path, || self.request(Method::GET, &path, None))
            .await
    }

    /// The page where the user approves the PIN.
    pub fn auth_url(&self, pin: &Pin) -> String {
        let mut url = reqwest::Url::parse("https://app.plex.tv/auth").expect("static URL");
        url.set_fragment(Some(&format!(
            "?clientID={}&code={}&context%5Bdevice%5D%5Bproduct%5D={PRODUCT}",
            self.client_identifier, pin.code
        )));
        url.into()
    }

    /// The account's Plex Media Servers, with every connection plex.tv knows.
    pub async fn servers(&self, token: &Secret) -> Result<Vec<Resource>, BackendError> {
        self.resources(token, "server").await
    }

    /// The account's devices that play media (online or not).
    pub async fn players(&self, token: &Secret) -> Result<Vec<Resource>, BackendError> {
        self.resources(token, "player").await
    }

    async fn resources(&self, token: &Secret, role: &str) -> Result<Vec<Resource>, BackendError> {
        let path = "/api/v2/resources";
        let all: Vec<Resource> = self
            .backend
            .json(path, || {
                self.request(Method::GET, path, Some(token))
                    .query(&[("includeHttps", "1"), ("includeRelay", "1")])
            })
            .await?;
        Ok(all.into_iter().filter(|r| r.provides(role)).collect())
    }

    /// Whether each connection answers `/identity` with this token, all probed at once.
    pub async fn probe(&self, connections: &[(usize, Connection, Secret)]) -> Vec<bool> {
        join_all(connections.iter().map(|(_, c, token)| async move {
            let req = self
                .http
                .client()
                .get(format!("{}/identity", c.uri.trim_end_matches('/')))
                .timeout(PROBE_TIMEOUT)
                .header("Accept", "application/json");
            matches!(with_token(req, token).send().await, Ok(r) if r.status().is_success())
        }))
        .await
    }
}

/// Adds `X-Plex-Token` as a sensitive header (never shown in debug output).
fn with_token(req: reqwest::RequestBuilder, token: &Secret) -> reqwest::RequestBuilder {
    match reqwest::header::HeaderValue::from_str(token.expose()) {
        Ok(mut value) => {
            value.set_sensitive(true);
            req.header("X-Plex-Token", value)
        }
        Err(_) => req,
    }
}
