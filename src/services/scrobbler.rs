//! Real-time scrobbling: a background task polls Plex's playback sessions and tells Trakt when
//! an account starts, pauses and stops watching. The task owns clones of the two clients, never
//! the server, so dropping the [`Scrobbler`] (with the server's job registry) ends it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use schemars::JsonSchema;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::Error;
use crate::{
    lock,
    plex::client::PlexClient,
    store::Store,
    time::iso,
    trakt::{
        api::Scrobble,
        client::TraktClient,
        models::{Ids, ScrobbleBody, ScrobbleEpisode, ScrobbleMedia},
    },
};

const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Trakt records a play when playback stops at this percentage or later.
const WATCHED_PERCENT: f64 = 80.0;

/// The scrobbler of one server: idle, or one running watcher.
#[derive(Default)]
pub struct Scrobbler(Mutex<Option<Running>>);

struct Running {
    cancel: CancellationToken,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Default)]
struct Shared {
    since: i64,
    poll_seconds: u64,
    sent: u64,
    now_playing: Vec<NowPlaying>,
    last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NowPlaying {
    pub title: String,
    /// `playing` or `paused`.
    pub state: String,
    pub progress: f64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScrobblerStatus {
    pub running: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_seconds: Option<u64>,
    /// Scrobbles (start, pause, stop) sent to Trakt since it started.
    pub scrobbles_sent: u64,
    pub now_playing: Vec<NowPlaying>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl Scrobbler {
    pub fn status(&self) -> ScrobblerStatus {
        let slot = lock(&self.0);
        let Some(r) = slot.as_ref() else {
            return ScrobblerStatus::default();
        };
        let s = lock(&r.shared);
        ScrobblerStatus {
            running: true,
            since: Some(iso(s.since)),
            poll_seconds: Some(s.poll_seconds),
            scrobbles_sent: s.sent,
            now_playing: s.now_playing.clone(),
            last_error: s.last_error.clone(),
        }
    }

    /// Starts watching `account`'s playback every `poll_seconds`, unless a watcher runs already.
    /// Returns whether this call started it, and the interval of the watcher that runs.
    pub fn start(
        &self,
        plex: PlexClient,
        trakt: Arc<TraktClient>,
        store: Arc<Store>,
        account: String,
        poll_seconds: u64,
    ) -> (bool, u64) {
        let mut slot = lock(&self.0);
        if let Some(r) = slot.as_ref() {
            return (false, lock(&r.shared).poll_seconds);
        }
        let cancel = CancellationToken::new();
        let shared = Arc::new(Mutex::new(Shared {
            since: chrono::Utc::now().timestamp(),
            poll_seconds,
            ..Default::default()
        }));
        let watcher = Watcher {
            plex,
            trakt,
            store,
            scope: None,
            account,
            shared: shared.clone(),
            tracked: HashMap::new(),
        };
        tokio::spawn(watcher.run(Duration::from_secs(poll_seconds), cancel.clone()));
        *slot = Some(Running { cancel, shared });
        (true, poll_seconds)
    }

    /// Stops the watcher; false when none was running.
    pub fn stop(&self) -> bool {
        match lock(&self.0).take() {
            Some(r) => {
                r.cancel.cancel();
                true
            }
            None => false,
        }
    }
}

impl Drop for Scrobbler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a Plex item is on Trakt, ready for a scrobble body.
#[derive(Clone)]
pub struct Scrobblable {
    pub title: String,
    movie: Option<ScrobbleMedia>,
    show: Option<ScrobbleMedia>,
    episode: Option<ScrobbleEpisode>,
}

impl Scrobblable {
    fn body(&self, progress: f64) -> ScrobbleBody {
        ScrobbleBody {
            movie: self.movie.clone(),
            show: self.show.clone(),
            episode: self.episode.clone(),
            progress: (progress * 100.0).round() / 100.0,
            app_version: APP_VERSION,
        }
    }

    /// Tells Trakt about playback of this item at `progress` percent.
    pub async fn send(
        &self,
        trakt: &TraktClient,
        action: Scrobble,
        progress: f64,
    ) -> Result<(), Error> {
        Ok(trakt.scrobble(action, &self.body(progress)).await?)
    }
}

/// Looks up the Trakt identity of a Plex movie or episode (the episode by its show's ids).
pub async fn resolve(plex: &PlexClient, rating_key: &str) -> Result<Scrobblable, Error> {
    let item = super::item(plex, rating_key).await?;
    match item.kind.as_str() {
        "movie" => {
            let ids = Ids::from(item.external_ids());
            if ids.is_empty() {
                return Err(Error::NotFound(format!(
                    "{} has no IMDb/TMDB/TVDB id in Plex, so Trakt cannot match it (refresh its metadata in Plex).",
                    item.title
                )));
            }
            Ok(Scrobblable {
                title: item.title.clone(),
                movie: Some(ScrobbleMedia {
                    ids,
                    title: item.title,
                    year: item.year,
                }),
                show: None,
                episode: None,
            })
        }
        "episode" => {
            let (Some(show_key), Some(season), Some(number)) =
                (&item.grandparent_rating_key, item.parent_index, item.index)
            else {
                return Err(Error::NotFound(format!(
                    "Episode {} lacks its show or numbers in Plex.",
                    item.title
                )));
            };
            let show = super::item(plex, show_key).await?;
            let ids = Ids::from(show.external_ids());
            if ids.is_empty() {
                return Err(Error::NotFound(format!(
                    "{} has no IMDb/TMDB/TVDB id in Plex, so Trakt cannot match it.",
                    show.title
                )));
            }
            Ok(Scrobblable {
                title: format!("{} S{season:02}E{number:02}", show.title),
                movie: None,
                show: Some(ScrobbleMedia {
                    ids,
                    title: show.title,
                    year: show.year,
                }),
                episode: Some(ScrobbleEpisode { season, number }),
            })
        }
        other => Err(Error::Invalid {
            name: "ratingKey",
            reason: format!("only movies and episodes can be scrobbled (this is a {other})"),
        }),
    }
}

struct Tracked {
    rating_key: String,
    /// What the session plays on Trakt, or why it cannot be scrobbled (not looked up again).
    what: Result<Scrobblable, String>,
    playing: bool,
    progress: f64,
}

/// The watcher task's state.
struct Watcher {
    plex: PlexClient,
    trakt: Arc<TraktClient>,
    /// Where plays the scrobbler made Trakt record are kept, so a sync does not send them again.
    store: Arc<Store>,
    /// The ledger scope of the signed-in Trakt user and this account, once known.
    scope: Option<String>,
    account: String,
    shared: Arc<Mutex<Shared>>,
    tracked: HashMap<String, Tracked>,
}

impl Watcher {
    async fn run(mut self, every: Duration, cancel: CancellationToken) {
        loop {
            let problem = tokio::select! {
                _ = cancel.cancelled() => return,
                polled = self.poll() => polled.unwrap_or_else(|e| Some(e.to_string())),
            };
            if let Some(p) = &problem {
                tracing::warn!("scrobbler: {p}");
            }
            lock(&self.shared).last_error = problem;
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }

    /// Keeps the play Trakt just recorded, so a later sync does not send Plex's record of the
    /// same viewing again. A failure here costs at most a duplicate, so it is logged, not raised.
    async fn remember(&mut self, rating_key: &str) {
        if self.scope.is_none() {
            match self.trakt.me().await {
                Ok(me) => self.scope = Some(super::sync::ledger_scope(&me.username, &self.account)),
                Err(e) => {
                    tracing::warn!(
                        "scrobbler: cannot name the Trakt account to record a play: {e}"
                    );
                    return;
                }
            }
        }
        let scope = self.scope.as_deref().unwrap_or_default();
        let now = chrono::Utc::now().timestamp();
        if let Err(e) = self.store.record_scrobble(scope, rating_key, now) {
            tracing::warn!("scrobbler: {e}");
        }
    }

    /// One poll: compare Plex's sessions with what is tracked and tell Trakt what changed. A
    /// failure for one session is recorded and the others go on; only failing to read Plex ends
    /// the poll.
    async fn poll(&mut self) -> Result<Option<String>, Error> {
        let sessions = self.plex.sessions().await?;
        let mut present = Vec::new();
        let mut problem = None;
        // (action, what, progress, the ratingKey of a stop)
        let mut changes: Vec<(Scrobble, Scrobblable, f64, Option<String>)> = Vec::new();
        for s in sessions {
            let mine = s
                .user
                .as_ref()
                .and_then(|u| u.id.as_deref())
                .is_some_and(|id| id == self.account);
            let Some(key) = s.session_key.clone().filter(|_| mine) else {
                continue;
            };
            if !matches!(s.kind.as_str(), "movie" | "episode") {
                continue;
            }
            let progress = match (s.view_offset, s.duration) {
                (Some(o), Some(d)) if d > 0 => (o as f64 / d as f64 * 100.0).clamp(0.0, 100.0),
                _ => 0.0,
            };
            let playing = s
                .player
                .as_ref()
                .and_then(|p| p.state.as_deref())
                .is_none_or(|st| st != "paused");
            present.push(key.clone());
            let action = if playing {
                Scrobble::Start
            } else {
                Scrobble::Pause
            };
            match self.tracked.get_mut(&key) {
                Some(t) => {
                    t.progress = progress;
                    if t.playing != playing {
                        t.playing = playing;
                        changes.extend(t.what.clone().ok().map(|w| (action, w, progress, None)));
                    }
                }
                None => {
                    let what = resolve(&self.plex, &s.rating_key)
                        .await
                        .map_err(|e| e.to_string());
                    changes.extend(what.clone().ok().map(|w| (action, w, progress, None)));
                    self.tracked.insert(
                        key,
                        Tracked {
                            rating_key: s.rating_key.clone(),
                            what,
                            playing,
                            progress,
                        },
                    );
                }
            }
        }
        let ended: Vec<String> = self
            .tracked
            .keys()
            .filter(|k| !present.contains(k))
            .cloned()
            .collect();
        for key in ended {
            // Trakt marks the item watched when the stop comes at 80 % or more.
            if let Some(Tracked {
                what: Ok(what),
                progress,
                rating_key,
                ..
            }) = self.tracked.remove(&key)
            {
                changes.push((Scrobble::Stop, what, progress, Some(rating_key)));
            }
        }
        for (action, what, progress, stopped) in changes {
            match what.send(&self.trakt, action, progress).await {
                Ok(()) => {
                    lock(&self.shared).sent += 1;
                    if let Some(rating_key) = stopped.filter(|_| progress >= WATCHED_PERCENT) {
                        self.remember(&rating_key).await;
                    }
                }
                Err(e) => problem = Some(e.to_string()),
            }
        }
        lock(&self.shared).now_playing = self
            .tracked
            .values()
            .filter_map(|t| {
                Some(NowPlaying {
                    title: t.what.as_ref().ok()?.title.clone(),
                    state: if t.playing { "playing" } else { "paused" }.into(),
                    progress: (t.progress * 10.0).round() / 10.0,
                })
            })
            .collect();
        // An item that cannot be scrobbled stays reported while it plays.
        Ok(problem.or_else(|| {
            self.tracked
                .values()
                .find_map(|t| t.what.as_ref().err().cloned())
        }))
    }
}
