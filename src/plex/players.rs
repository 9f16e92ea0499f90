//! Players: the server's `/clients`, the account's devices on plex.tv, play queues, transient
//! tokens, and the remote-control commands, sent to a player directly or through the server.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use reqwest::{Method, header::HeaderValue};
use serde::Deserialize;

use super::{client::PlexClient, tv::Resource};
use crate::{
    backend::{BackendError, Retry},
    config::Secret,
};

/// How long a player on the network may take to answer a command before the server is asked to
/// pass it on instead.
const DIRECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Players drop a command whose id they have seen, so every command gets a new one.
static COMMAND_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ClientsContainer {
    #[serde(rename = "Server")]
    server: Vec<RemoteClient>,
}

/// A player the server sees on the network and can relay commands to (`/clients`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoteClient {
    pub name: String,
    pub host: Option<String>,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub machine_identifier: String,
    pub product: Option<String>,
    pub platform: Option<String>,
    pub device_class: Option<String>,
    /// Comma-separated: `timeline,playback,navigation,playqueues,…`.
    pub protocol_capabilities: String,
}

impl RemoteClient {
    /// Where the player listens for commands itself.
    pub fn direct_url(&self) -> Option<String> {
        let host = self.address.as_deref().or(self.host.as_deref())?;
        let port = self.port?;
        (!host.is_empty()).then(|| format!("http://{host}:{port}"))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct TokenContainer {
    token: String,
}

/// A play queue the server made for a player.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PlayQueue {
    #[serde(rename = "playQueueID")]
    pub id: u64,
    /// ratingKey of the item the queue starts on (the On Deck episode for a show).
    #[serde(rename = "playQueueSelectedMetadataItemID")]
    pub selected: Option<u64>,
}

/// What a play queue holds: the kind of media, and one item or a whole show from its next episode.
pub struct QueueSource<'a> {
    pub rating_key: &'a str,
    pub audio: bool,
    /// Start a show or season on its next unwatched episode and go on from there.
    pub on_deck: bool,
}

/// A player command: its path under `/player/` and its parameters.
pub struct Command<'a> {
    pub path: &'a str,
    pub query: Vec<(&'static str, String)>,
}

impl PlexClient {
    /// The players the server sees on the network.
    pub async fn clients(&self) -> Result<Vec<RemoteClient>, BackendError> {
        let found: ClientsContainer = self.get(self.pms(), "/clients", &[]).await?;
        Ok(found.server)
    }

    /// The account's devices on plex.tv that play media.
    pub async fn account_players(&self) -> Result<Vec<Resource>, BackendError> {
        self.tv().players(self.account()).await
    }

    /// A short-lived token from the server, for a player to fetch what it is told to play: the
    /// account's own token never goes to a player.
    pub async fn transient_token(&self) -> Result<Secret, BackendError> {
        let path = "/security/token";
        let query = [("type", "delegation".into()), ("scope", "all".into())];
        let found: TokenContainer = self.create(path, &query).await?;
        if found.token.is_empty() {
            return Err(self.pms().malformed(path, "no token in the answer"));
        }
        Ok(Secret::new(found.token))
    }

    pub async fn create_play_queue(
        &self,
        source: QueueSource<'_>,
    ) -> Result<PlayQueue, BackendError> {
        let machine = self.machine_identifier().await?;
        let mut query = vec![
            (
                "uri",
                format!(
                    "server://{machine}/com.plexapp.plugins.library/library/metadata/{}",
                    source.rating_key
                ),
            ),
            ("type", if source.audio { "audio" } else { "video" }.into()),
            ("shuffle", "0".into()),
            ("repeat", "0".into()),
            ("continuous", "1".into()),
            ("own", "1".into()),
        ];
        if source.on_deck {
            query.push(("onDeck", "1".into()));
        }
        let queue: PlayQueue = self.create("/playQueues", &query).await?;
        if queue.id == 0 {
            return Err(self
                .pms()
                .malformed("/playQueues", "no playQueueID in the answer"));
        }
        Ok(queue)
    }

    /// Sends `command` to the player through the server, which relays it to players it sees on
    /// the network. Never repeated after an ambiguous failure: a second "next" would skip two.
    pub async fn command_via_server(
        &self,
        target: &str,
        command: &Command<'_>,
    ) -> Result<(), BackendError> {
        let path = format!("/player/{}", command.path);
        let query = with_command_id(&command.query);
        let pms = self.pms();
        pms.send(&path, Retry::RateLimitOnly, || {
            self.build(pms, Method::GET, &path, &query)
                .header("X-Plex-Target-Client-Identifier", target)
        })
        .await
        .map(|_| ())
    }

    /// Sends `command` straight to the player at `base`, with the server's transient token (never
    /// the account's). The error says why in words, without the URL (which may hold the token).
    pub async fn command_direct(
        &self,
        base: &str,
        target: &str,
        token: &Secret,
        command: &Command<'_>,
    ) -> Result<(), String> {
        let path = format!("/player/{}", command.path);
        let query = with_command_id(&command.query);
        self.send_direct(base, &path, target, token, &query).await
    }

    async fn send_direct(
        &self,
        base: &str,
        path: &str,
        target: &str,
        token: &Secret,
        query: &[(&'static str, String)],
    ) -> Result<(), String> {
        let mut req = self
            .http()
            .client()
            .get(format!("{}{path}", base.trim_end_matches('/')))
            .timeout(DIRECT_TIMEOUT)
            .query(query)
            .header("Accept", "application/json")
            .header("X-Plex-Client-Identifier", super::client::CLIENT_IDENTIFIER)
            .header("X-Plex-Target-Client-Identifier", target);
        if let Ok(mut value) = HeaderValue::from_str(token.expose()) {
            value.set_sensitive(true);
            req = req.header("X-Plex-Token", value);
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("it answered HTTP {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => {
                Err(format!("no answer within {} s", DIRECT_TIMEOUT.as_secs()))
            }
            Err(e) if e.is_connect() => Err("it refused the connection".into()),
            Err(_) => Err("the request failed".into()),
        }
    }
}

/// Where a player should fetch media from: the server's scheme, host and port.
pub struct ServerAddress {
    pub protocol: String,
    pub host: String,
    pub port: u16,
}

impl PlexClient {
    /// The server's address as a player on the network must use it. `PLEX_URL` as configured,
    /// unless that names this machine (`localhost`), which means nothing to a TV: then the
    /// server's own local address as plex.tv lists it, when it can be read.
    pub async fn server_address(&self) -> ServerAddress {
        let configured = reqwest::Url::parse(&self.pms().base).ok();
        let of = |url: &reqwest::Url| ServerAddress {
            protocol: url.scheme().to_string(),
            host: url.host_str().unwrap_or("localhost").to_string(),
            port: url.port_or_known_default().unwrap_or(32400),
        };
        let loopback = configured
            .as_ref()
            .is_none_or(|u| u.host_str().is_none_or(is_loopback));
        if loopback
            && let Ok(machine) = self.machine_identifier().await
            && let Ok(servers) = self.tv().servers(self.account()).await
            && let Some(url) = servers
                .iter()
                .filter(|s| s.client_identifier == machine)
                .flat_map(|s| &s.connections)
                .filter(|c| c.local && !c.relay)
                .filter_map(|c| reqwest::Url::parse(&c.uri).ok())
                .find(|u| u.host_str().is_some_and(|h| !is_loopback(h)))
        {
            return of(&url);
        }
        configured.as_ref().map(of).unwrap_or(ServerAddress {
            protocol: "http".into(),
            host: "localhost".into(),
            port: 32400,
        })
    }
}

fn with_command_id(query: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut query = query.to_vec();
    query.push((
        "commandID",
        COMMAND_ID.fetch_add(1, Ordering::Relaxed).to_string(),
    ));
    query
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
