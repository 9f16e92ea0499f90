//! `plex-mcp doctor`: one line per service — configured or not, reachable, credentials accepted,
//! version — with the exact fix when something is wrong. Exits 1 when a configured service is
//! broken. Never prints a secret: every message comes from the service-named backend errors.

use std::process::ExitCode;

use crate::{
    arr::client::ArrClient,
    backend::Service,
    config::Config,
    plex::client::PlexClient,
    trakt::{api::SearchKind, client::TraktClient},
};

enum Verdict {
    Ok(String),
    /// Works, but something is left to do.
    Warn(String),
    NotConfigured(String),
    Broken(String),
}

impl Verdict {
    fn line(&self, service: &str) -> String {
        let (mark, text) = match self {
            Verdict::Ok(t) => ("✓", t),
            Verdict::Warn(t) => ("!", t),
            Verdict::NotConfigured(t) => ("-", t),
            Verdict::Broken(t) => ("✗", t),
        };
        format!("{mark} {service:<9} {text}")
    }
}

async fn plex(config: &Config, plex: Option<&PlexClient>) -> Verdict {
    let Some(plex) = plex else {
        return Verdict::Broken(
            "no token: run `plex-mcp login` (or set PLEX_TOKEN and PLEX_URL)".into(),
        );
    };
    let identity = match plex.identity().await {
        Ok(i) => i,
        Err(e) => return Verdict::Broken(e.to_string()),
    };
    match plex.sections().await {
        Ok(s) => Verdict::Ok(format!(
            "{} — Plex {}, token accepted, {} libraries",
            config.plex_url,
            identity.version.as_deref().unwrap_or("?"),
            s.len()
        )),
        Err(e) => Verdict::Broken(e.to_string()),
    }
}

async fn discover(plex: Option<&PlexClient>) -> Verdict {
    let Some(plex) = plex else {
        return Verdict::NotConfigured("needs the Plex token".into());
    };
    match plex.watchlist_readable().await {
        Ok(_) => Verdict::Ok("watchlist readable".into()),
        Err(e) => Verdict::Broken(e.to_string()),
    }
}

async fn arr(service: Service, client: Option<&ArrClient>) -> Verdict {
    let Some(client) = client else {
        let var = if service == Service::Sonarr {
            "SONARR"
        } else {
            "RADARR"
        };
        return Verdict::NotConfigured(format!(
            "not configured (set {var}_URL and {var}_API_KEY to use the {} tools)",
            service.name()
        ));
    };
    match client.system_status().await {
        Ok(s) => Verdict::Ok(format!(
            "{} v{}, API key accepted",
            s.app_name.as_deref().unwrap_or(service.name()),
            s.version.as_deref().unwrap_or("?")
        )),
        Err(e) => Verdict::Broken(e.to_string()),
    }
}

async fn trakt(client: Option<&TraktClient>) -> Verdict {
    let Some(trakt) = client else {
        return Verdict::NotConfigured(
            "not configured (set TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET to use the Trakt tools)"
                .into(),
        );
    };
    if trakt.sign_in().await.is_none() {
        // The app's own credentials can still be checked.
        return match trakt.search(SearchKind::Movie, "test", 1, None).await {
            Ok(_) => Verdict::Warn(
                "app credentials accepted, not signed in: run `plex-mcp trakt login`".into(),
            ),
            Err(e) => Verdict::Broken(e.to_string()),
        };
    }
    match trakt.me().await {
        Ok(u) => Verdict::Ok(format!("signed in as {}", u.username)),
        Err(e) if e.needs_sign_in() => Verdict::Broken(format!(
            "{e} Sign in with `plex-mcp trakt login` (or trakt_authenticate from an MCP client)."
        )),
        Err(e) => Verdict::Broken(e.to_string()),
    }
}

pub async fn run(
    config: &Config,
    plex_client: Option<&PlexClient>,
    sonarr: Option<&ArrClient>,
    radarr: Option<&ArrClient>,
    trakt_client: Option<&TraktClient>,
) -> ExitCode {
    let (p, d, s, r, t) = tokio::join!(
        plex(config, plex_client),
        discover(plex_client),
        arr(Service::Sonarr, sonarr),
        arr(Service::Radarr, radarr),
        trakt(trakt_client),
    );
    let checks = [
        ("Plex", p),
        ("Discover", d),
        ("Sonarr", s),
        ("Radarr", r),
        ("Trakt", t),
    ];
    for (name, verdict) in &checks {
        outln!("{}", verdict.line(name));
    }
    let broken = checks
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Broken(_)))
        .count();
    if broken == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "plex-mcp: {broken} service{} need{} attention (see ✗ above).",
            if broken == 1 { "" } else { "s" },
            if broken == 1 { "s" } else { "" }
        );
        ExitCode::FAILURE
    }
}
