//! `plex-mcp login`: sign in to plex.tv with a PIN, find the account's servers, pick the best
//! reachable connection and store the token and URL in the data directory.

use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

use clap::Args;

use crate::{
    backend::ErrorKind,
    config::{Config, Secret},
    plex::tv::{Connection, PlexTv, Resource},
    store::{PlexLogin, Store},
};

/// plex.tv asks clients to poll a PIN about once a second.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
const DEFAULT_PIN_LIFETIME: u64 = 900;

#[derive(Debug, Clone, Default, Args)]
pub struct LoginArgs {
    /// Use the server with this name when the account has several (default: the first owned
    /// server that answers).
    #[arg(long, value_name = "NAME")]
    pub server: Option<String>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("plex-mcp: {message}");
    ExitCode::FAILURE
}

pub async fn run(
    config: &Config,
    store: &Store,
    http: crate::backend::Http,
    args: &LoginArgs,
) -> ExitCode {
    let client_identifier = match store.client_identifier() {
        Ok(id) => id,
        Err(e) => return fail(e),
    };
    let tv = PlexTv::new(
        &config.plex_tv_url,
        client_identifier,
        http,
        config.http_timeout,
    );
    let pin = match tv.create_pin().await {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let lifetime = pin.expires_in.unwrap_or(DEFAULT_PIN_LIFETIME);
    outln!(
        "Open this link, sign in to Plex and allow plex-mcp (code {}, valid for {} minutes):\n  {}\nWaiting for approval...",
        pin.code,
        lifetime.div_ceil(60),
        tv.auth_url(&pin)
    );
    let deadline = Instant::now() + Duration::from_secs(lifetime);
    let account = loop {
        if Instant::now() >= deadline {
            return fail(
                "the sign-in link expired before it was approved; run `plex-mcp login` again.",
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        match tv.check_pin(pin.id).await {
            Ok(p) => {
                if let Some(token) = p.auth_token.filter(|t| !t.is_empty()) {
                    break Secret::new(token);
                }
            }
            Err(e) if matches!(e.kind, ErrorKind::NotFound) => {
                return fail(
                    "the sign-in link expired before it was approved; run `plex-mcp login` again.",
                );
            }
            Err(e) => return fail(e),
        }
    };
    outln!("Signed in to plex.tv. Looking for your Plex Media Servers...");
    let mut servers = match tv.servers(&account).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if servers.is_empty() {
        return fail(
            "this Plex account has no Plex Media Server. Install one (https://www.plex.tv/media-server-downloads/) \
             or sign in with the account that owns yours; or set PLEX_URL and PLEX_TOKEN by hand.",
        );
    }
    // Owned servers first, otherwise in plex.tv's order.
    servers.sort_by_key(|s| !s.owned);
    let names: Vec<String> = servers.iter().map(|s| s.name.clone()).collect();
    if let Some(wanted) = &args.server {
        servers.retain(|s| s.name.eq_ignore_ascii_case(wanted));
        if servers.is_empty() {
            return fail(format!(
                "no server named {wanted:?} on this account; it has: {}.",
                names.join(", ")
            ));
        }
    }
    let Some((server, connection)) = best_connection(&tv, &servers, &account).await else {
        let tried: Vec<String> = servers
            .iter()
            .flat_map(|s| {
                s.connections
                    .iter()
                    .map(move |c| format!("{} {}", s.name, c.uri))
            })
            .collect();
        return fail(format!(
            "none of the server's addresses answered ({}). Is Plex Media Server running, and reachable from \
             this machine? On macOS, allow local network access for your terminal or MCP client.",
            tried.join(", ")
        ));
    };
    let login = PlexLogin {
        token: server.token(&account),
        url: connection.uri.trim_end_matches('/').to_string(),
        server_name: server.name.clone(),
    };
    if let Err(e) = store.save_plex_login(&login) {
        return fail(e);
    }
    outln!(
        "Using {} at {} ({} connection, Plex {}). Stored in {}; PLEX_URL and PLEX_TOKEN, when set, still win.",
        server.name,
        login.url,
        connection.kind(),
        server.product_version,
        store.path().display()
    );
    let others: Vec<&String> = names.iter().filter(|n| **n != server.name).collect();
    if !others.is_empty() {
        outln!(
            "Also on this account: {}. Choose another with `plex-mcp login --server NAME`.",
            others
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    outln!("Check everything with `plex-mcp doctor`.");
    ExitCode::SUCCESS
}

/// The first server (in order) with a connection that answers, and its best such connection:
/// local before remote before relay. Every connection is probed at once.
async fn best_connection<'a>(
    tv: &PlexTv,
    servers: &'a [Resource],
    account: &Secret,
) -> Option<(&'a Resource, Connection)> {
    let candidates: Vec<(usize, Connection, Secret)> = servers
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let token = s.token(account);
            s.connections
                .iter()
                .map(move |c| (i, c.clone(), token.clone()))
        })
        .collect();
    let reachable = tv.probe(&candidates).await;
    candidates
        .into_iter()
        .zip(reachable)
        .filter(|(_, ok)| *ok)
        .map(|((i, c, _), _)| (i, c))
        .min_by_key(|(i, c)| (*i, c.rank()))
        .map(|(i, c)| (&servers[i], c))
}
