//! What plays where: every player the user could mean (merged from the server's network view,
//! the account's devices and the streams playing now), names resolved loosely, media started on
//! a player through a play queue, and remote-control commands, each confirmed by watching the
//! server's sessions because players answer 200 and may do nothing.

use std::time::Duration;

use futures::join;

mod control;

pub use control::{Action, control};

use super::Error;
use crate::{
    config::Secret,
    plex::{
        client::PlexClient,
        models::Item,
        players::{Command, QueueSource, RemoteClient},
        tv::Resource,
    },
};

/// How long the account's device list on plex.tv may take before players are listed without it.
const PLEX_TV_WAIT: Duration = Duration::from_secs(4);
/// How often the sessions are read while waiting for a player to react.
const POLL: Duration = Duration::from_millis(500);

/// A player, as one entry whatever list it came from.
#[derive(Debug, Clone)]
pub struct Player {
    pub name: String,
    /// The machine identifier.
    pub id: String,
    pub product: Option<String>,
    pub platform: Option<String>,
    /// What it accepts (`playback`, `playqueues`, `timeline`, …).
    pub capabilities: Vec<String>,
    /// Where it listens for commands itself, when known.
    pub direct: Option<String>,
    /// The server sees it on the network and relays commands to it.
    pub relayed: bool,
    pub playing: Option<Playing>,
    /// Why it cannot be controlled; `None` when it can.
    pub why_not: Option<String>,
}

impl Player {
    pub fn controllable(&self) -> bool {
        self.why_not.is_none()
    }

    fn can(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// Whether the player advertises what `action` needs.
    pub fn supports(&self, action: Action) -> bool {
        action.needs().iter().all(|c| self.can(c))
    }

    fn offers(&self) -> String {
        if self.capabilities.is_empty() {
            "no remote control".into()
        } else {
            self.capabilities.join(", ")
        }
    }
}

/// What a player is playing now.
#[derive(Debug, Clone)]
pub struct Playing {
    pub rating_key: String,
    pub title: String,
    pub kind: String,
    /// `playing`, `paused` or `buffering`.
    pub state: String,
    pub offset_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    pub user: Option<String>,
}

impl Playing {
    fn of(session: &Item) -> Self {
        let title = match (&session.grandparent_title, session.kind.as_str()) {
            (Some(show), "episode") => format!("{show}: {}", session.title),
            (Some(artist), "track") => format!("{artist}: {}", session.title),
            _ => session.title.clone(),
        };
        Playing {
            rating_key: session.rating_key.clone(),
            title,
            kind: session.kind.clone(),
            state: session
                .player
                .as_ref()
                .and_then(|p| p.state.clone())
                .unwrap_or_else(|| "playing".into()),
            offset_ms: session.view_offset,
            duration_ms: session.duration,
            user: session.user.as_ref().and_then(|u| u.title.clone()),
        }
    }

    fn media_type(&self) -> &'static str {
        if self.kind == "track" {
            "music"
        } else {
            "video"
        }
    }
}

/// Every player, and what could not be read.
pub struct Players {
    pub players: Vec<Player>,
    /// A source that failed: its players may be missing.
    pub warnings: Vec<String>,
}

/// The players from the server's `/clients`, the account's plex.tv devices that are online and
/// the sessions, merged by machine identifier. The server's list is required; plex.tv is not.
pub async fn players(plex: &PlexClient) -> Result<Players, Error> {
    // plex.tv only adds players; a slow or unreachable plex.tv must not hold up the remote.
    let devices = tokio::time::timeout(PLEX_TV_WAIT, plex.account_players());
    let (clients, devices, sessions) = join!(plex.clients(), devices, plex.sessions());
    let (clients, sessions) = (clients?, sessions?);
    let mut warnings = Vec::new();
    let devices = match devices {
        Ok(Ok(devices)) => devices,
        Ok(Err(e)) => {
            warnings.push(format!("Players known only to plex.tv are missing: {e}"));
            Vec::new()
        }
        Err(_) => {
            warnings.push(format!(
                "Players known only to plex.tv are missing: plex.tv did not answer within {} s.",
                PLEX_TV_WAIT.as_secs()
            ));
            Vec::new()
        }
    };
    Ok(Players {
        players: merge(clients, devices, &sessions),
        warnings,
    })
}

fn merge(clients: Vec<RemoteClient>, devices: Vec<Resource>, sessions: &[Item]) -> Vec<Player> {
    let mut players: Vec<Player> = clients
        .into_iter()
        .filter(|c| !c.machine_identifier.is_empty())
        .map(|c| Player {
            direct: c.direct_url(),
            capabilities: split(&c.protocol_capabilities),
            name: c.name,
            id: c.machine_identifier,
            product: c.product,
            platform: c.platform,
            relayed: true,
            playing: None,
            why_not: None,
        })
        .collect();
    for d in devices.into_iter().filter(|d| d.presence) {
        let address = d
            .connections
            .iter()
            .filter(|c| !c.relay)
            .min_by_key(|c| c.rank())
            .map(|c| c.uri.clone());
        match players.iter_mut().find(|p| p.id == d.client_identifier) {
            Some(p) => {
                p.direct = p.direct.take().or(address);
                p.product = p.product.take().or(d.product);
                p.platform = p.platform.take().or(d.platform);
            }
            // plex.tv names no capabilities: a device that provides `player` takes commands.
            None => players.push(Player {
                name: d.name,
                capabilities: if address.is_some() {
                    ["timeline", "playback", "playqueues"]
                        .map(String::from)
                        .to_vec()
                } else {
                    Vec::new()
                },
                id: d.client_identifier,
                product: d.product,
                platform: d.platform,
                direct: address,
                relayed: false,
                playing: None,
                why_not: None,
            }),
        }
    }
    for s in sessions {
        let Some(p) = &s.player else { continue };
        let Some(id) = p.machine_identifier.clone().filter(|id| !id.is_empty()) else {
            continue;
        };
        let playing = Some(Playing::of(s));
        match players.iter_mut().find(|p| p.id == id) {
            Some(known) => known.playing = known.playing.take().or(playing),
            None => players.push(Player {
                name: p.title.clone().unwrap_or_else(|| id.clone()),
                id,
                product: p.product.clone(),
                platform: p.platform.clone(),
                capabilities: Vec::new(),
                direct: None,
                relayed: false,
                playing,
                why_not: None,
            }),
        }
    }
    for p in &mut players {
        p.why_not = why_not(p);
    }
    players.sort_by(|a, b| {
        (a.why_not.is_some(), a.name.to_lowercase())
            .cmp(&(b.why_not.is_some(), b.name.to_lowercase()))
    });
    players
}

fn split(capabilities: &str) -> Vec<String> {
    capabilities
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

fn why_not(p: &Player) -> Option<String> {
    if !p.relayed && p.direct.is_none() {
        return Some(
            "neither the server nor plex.tv knows an address for it: open Plex on it, on the \
             server's network, with remote control (\"Advertise as player\") on"
                .into(),
        );
    }
    (!p.can("playback")).then(|| {
        format!(
            "it does not accept playback commands (it offers: {})",
            p.offers()
        )
    })
}

/// The player `query` names: its machine identifier, its name in any case, or words of its name
/// ("living room" finds "Living Room TV"). More than one match is an error listing them.
pub fn resolve<'a>(players: &'a [Player], query: &str) -> Result<&'a Player, Error> {
    let q = words(query);
    let tiers: [&dyn Fn(&Player) -> bool; 4] = [
        &|p| p.id == query.trim(),
        &|p| words(&p.name) == q,
        &|p| {
            let name = words(&p.name);
            !q.is_empty()
                && q.iter()
                    .all(|w| name.iter().any(|n| n.starts_with(w.as_str())))
        },
        &|p| {
            let name = words(&p.name).join(" ");
            !q.is_empty() && name.contains(&q.join(" "))
        },
    ];
    for tier in tiers {
        let found: Vec<&Player> = players.iter().filter(|p| tier(p)).collect();
        match found.as_slice() {
            [one] => return Ok(one),
            [] => continue,
            many => {
                return Err(Error::Invalid {
                    name: "player",
                    reason: format!(
                        "\"{query}\" matches several players: {}. Pass one of these names or ids.",
                        list(many.iter().copied())
                    ),
                });
            }
        }
    }
    Err(Error::NotFound(if players.is_empty() {
        format!(
            "No player matches \"{query}\": the server sees none. Open Plex on the TV or phone \
             (signed in to this account, on the same network) and call get_players again."
        )
    } else {
        format!(
            "No player matches \"{query}\". Players: {}. Call get_players for details.",
            list(players.iter())
        )
    }))
}

fn list<'a>(players: impl Iterator<Item = &'a Player>) -> String {
    players
        .map(|p| format!("{} ({})", p.name, p.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lowercase words of letters and digits: "Alex's iPhone" → ["alexs", "iphone"].
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn controllable(player: &Player) -> Result<(), Error> {
    match &player.why_not {
        None => Ok(()),
        Some(why) => Err(Error::Invalid {
            name: "player",
            reason: format!("{} cannot be controlled: {why}.", player.name),
        }),
    }
}

/// How a command reached the player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// Through the server, with why the direct attempt failed when one was made.
    Server {
        direct_failed: Option<String>,
    },
}

/// Sends `command` straight to the player when it has an address (with a transient token), and
/// through the server when that fails or there is none.
async fn send(
    plex: &PlexClient,
    player: &Player,
    token: &Secret,
    command: &Command<'_>,
) -> Result<Route, Error> {
    let mut direct_failed = None;
    if let Some(base) = &player.direct {
        match plex.command_direct(base, &player.id, token, command).await {
            Ok(()) => return Ok(Route::Direct),
            Err(why) => direct_failed = Some(why),
        }
    }
    if !player.relayed {
        return Err(Error::NotFound(format!(
            "{} did not take the command: {}. Check that Plex is open on it and on the server's \
             network.",
            player.name,
            direct_failed.unwrap_or_else(|| "it has no address".into())
        )));
    }
    plex.command_via_server(&player.id, command).await?;
    Ok(Route::Server { direct_failed })
}

/// Where to start playing.
#[derive(Debug, Clone, Copy)]
pub enum Start {
    Beginning,
    At(Duration),
    /// Where the user stopped last time.
    Resume,
}

pub struct Started {
    pub route: Route,
    /// The item the queue starts on (the next episode when a show was asked for).
    pub rating_key: String,
    pub offset_ms: i64,
    /// What the server shows the player playing, if it started within the wait.
    pub playing: Option<Playing>,
}

/// Plays `item` on `player`: a play queue on the server, `playMedia` with the server's address
/// and a transient token, then the sessions watched for up to `wait` for the player to start.
pub async fn play(
    plex: &PlexClient,
    player: &Player,
    item: &Item,
    start: Start,
    wait: Duration,
) -> Result<Started, Error> {
    controllable(player)?;
    let kind = item.kind.as_str();
    let audio = matches!(kind, "track" | "album" | "artist");
    if !audio && !matches!(kind, "movie" | "episode" | "show" | "season" | "clip") {
        return Err(Error::Invalid {
            name: "ratingKey",
            reason: format!(
                "{} is a {kind}; play a movie, episode, show, season, track, album or artist",
                item.title
            ),
        });
    }
    let queue = plex
        .create_play_queue(QueueSource {
            rating_key: &item.rating_key,
            audio,
            on_deck: matches!(kind, "show" | "season"),
        })
        .await?;
    let key = queue
        .selected
        .map_or_else(|| item.rating_key.clone(), |k| k.to_string());
    let offset_ms = match start {
        Start::Beginning => 0,
        Start::At(d) => d.as_millis() as i64,
        Start::Resume if key == item.rating_key => item.view_offset.unwrap_or(0),
        Start::Resume => match plex.item(&key).await? {
            Some(next) => next.view_offset.unwrap_or(0),
            None => 0,
        },
    };
    let (machine, address, token) = join!(
        plex.machine_identifier(),
        plex.server_address(),
        plex.transient_token()
    );
    let (machine, token) = (machine?, token?);
    let command = Command {
        path: "playback/playMedia",
        query: vec![
            ("key", format!("/library/metadata/{key}")),
            ("offset", offset_ms.to_string()),
            ("machineIdentifier", machine),
            ("address", address.host),
            ("port", address.port.to_string()),
            ("protocol", address.protocol),
            ("token", token.expose().to_string()),
            (
                "containerKey",
                format!("/playQueues/{}?own=1&window=200", queue.id),
            ),
            ("type", if audio { "music" } else { "video" }.into()),
        ],
    };
    let route = send(plex, player, &token, &command).await?;
    let playing = watch(plex, &player.id, wait, |p| {
        p.is_some_and(|p| p.rating_key == key)
    })
    .await?
    .flatten();
    Ok(Started {
        route,
        rating_key: key,
        offset_ms,
        playing,
    })
}

/// Reads the sessions until what `player_id` plays satisfies `done`, or `wait` passes; `None`
/// when it never did, else what it plays then.
async fn watch(
    plex: &PlexClient,
    player_id: &str,
    wait: Duration,
    done: impl Fn(Option<&Playing>) -> bool,
) -> Result<Option<Option<Playing>>, Error> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let now = now_playing(plex, player_id).await?;
        if done(now.as_ref()) {
            return Ok(Some(now));
        }
        if tokio::time::Instant::now() + POLL > deadline {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn now_playing(plex: &PlexClient, player_id: &str) -> Result<Option<Playing>, Error> {
    Ok(plex
        .sessions()
        .await?
        .iter()
        .find(|s| {
            s.player
                .as_ref()
                .and_then(|p| p.machine_identifier.as_deref())
                == Some(player_id)
        })
        .map(Playing::of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(name: &str, id: &str) -> Player {
        Player {
            name: name.into(),
            id: id.into(),
            product: None,
            platform: None,
            capabilities: vec!["playback".into()],
            direct: None,
            relayed: true,
            playing: None,
            why_not: None,
        }
    }

    #[test]
    fn names_resolve_loosely_and_ambiguity_lists_the_candidates() {
        let all = [
            player("Living Room TV", "a1"),
            player("Living Room Speaker", "a2"),
            player("Alex's iPhone", "b"),
        ];
        assert_eq!(resolve(&all, "b").unwrap().name, "Alex's iPhone");
        assert_eq!(resolve(&all, "alexs iphone").unwrap().id, "b");
        assert_eq!(resolve(&all, "iphone").unwrap().id, "b");
        assert_eq!(resolve(&all, "living room tv").unwrap().id, "a1");
        assert_eq!(resolve(&all, "living tv").unwrap().id, "a1");
        let many = resolve(&all, "living room").unwrap_err().to_string();
        assert!(
            many.contains("Living Room TV (a1)") && many.contains("Living Room Speaker (a2)"),
            "{many}"
        );
        let none = resolve(&all, "kitchen").unwrap_err().to_string();
        assert!(none.contains("Players: Living Room TV"), "{none}");
    }
}
