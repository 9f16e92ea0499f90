//! The Plex → Trakt history sync, one step a module: [`index`] reads the Plex side, [`history`]
//! what Trakt has, [`plan`] decides what to send, [`send`] sends it through the ledger. The
//! other direction, comparing Trakt with Plex, is [`from_trakt`]. [`SyncJob`] is the state a
//! server shows while a sync runs.

mod from_trakt;
mod history;
mod index;
mod plan;
pub mod ratings;
mod send;
pub mod watchlist;

use std::{sync::Mutex, time::Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use from_trakt::{FromTraktOptions, SyncFromOutput, from_trakt};

use self::{history::TraktHistory, index::PlexSide};
use super::Error;
use crate::{
    lock,
    plex::{api::HistoryFilter, client::PlexClient, models::PlayRow},
    store::{LedgerState, Store},
    time::{Iso, iso},
    trakt::client::TraktClient,
};

/// Titles listed per category in a result; the counts are always complete.
const TITLES_SHOWN: usize = 50;
const ERRORS_SHOWN: usize = 10;

// ---- the job ----

/// Whether a sync runs, how far it got, and how the last one ended.
#[derive(Default)]
pub struct SyncJob(Mutex<SyncState>);

#[derive(Default)]
struct SyncState {
    running: Option<RunningSync>,
    last: Option<LastSync>,
}

#[derive(Debug, Clone)]
pub struct RunningSync {
    pub id: String,
    pub started: i64,
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastSync {
    pub sync_id: String,
    pub finished_at: Iso,
    pub dry_run: bool,
    pub added: u64,
    pub already_on_trakt: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

impl SyncJob {
    /// The running sync, if any, and the last finished one.
    pub fn status(&self) -> (Option<RunningSync>, Option<LastSync>) {
        let state = lock(&self.0);
        (state.running.clone(), state.last.clone())
    }

    /// Marks a sync running, or refuses when one already is.
    fn begin(&self, id: &str) -> Result<Running<'_>, Error> {
        let mut state = lock(&self.0);
        if let Some(r) = &state.running {
            return Err(Error::Busy(format!(
                "A Trakt sync ({}) is already running since {}; wait for it to finish.",
                r.id,
                iso(r.started)
            )));
        }
        state.running = Some(RunningSync {
            id: id.to_string(),
            started: chrono::Utc::now().timestamp(),
            phase: "reading Plex",
            done: 0,
            total: 0,
        });
        Ok(Running(self))
    }

    fn progress(&self, p: &Progress) {
        if let Some(r) = lock(&self.0).running.as_mut() {
            r.done = p.done;
            r.total = p.total;
            r.phase = p.phase;
        }
    }

    fn finish(&self, out: &SyncToOutput) {
        lock(&self.0).last = Some(LastSync {
            sync_id: out.sync_id.clone(),
            finished_at: Iso::utc(chrono::Utc::now()),
            dry_run: out.dry_run,
            added: out.added.movies + out.added.episodes,
            already_on_trakt: out.already_on_trakt,
            failed: out.failed,
            cancelled: out.cancelled,
        });
    }
}

/// Marks the sync finished however the run ends (an error, a cancelled request).
struct Running<'a>(&'a SyncJob);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        lock(&self.0.0).running = None;
    }
}

/// How far a sync got. `message` is set at the steps worth telling the user about.
#[derive(Debug, Clone)]
pub struct Progress {
    pub phase: &'static str,
    pub done: usize,
    pub total: usize,
    pub message: Option<String>,
}

impl Progress {
    fn quiet(phase: &'static str, done: usize, total: usize) -> Self {
        Self {
            phase,
            done,
            total,
            message: None,
        }
    }

    fn told(phase: &'static str, done: usize, total: usize, message: String) -> Self {
        Self {
            message: Some(message),
            ..Self::quiet(phase, done, total)
        }
    }
}

// ---- options and results ----

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// One Trakt history entry per Plex play, at its date.
    #[default]
    Plays,
    /// One entry per watched item, at its last view.
    Items,
}

pub struct SyncOptions {
    /// Cancelled to stop at the next batch boundary (the ledger stays consistent).
    pub cancel: tokio_util::sync::CancellationToken,
    pub dry_run: bool,
    pub batch_size: usize,
    pub mode: SyncMode,
    /// Whose Plex plays to send (Plex account id).
    pub account: u32,
    /// Ignore the ledger (Trakt's own history still prevents duplicates).
    pub resend: bool,
    /// What to sync: history, ratings, watchlist.
    pub what: What,
    pub priority: ratings::RatingPriority,
    /// Remove from the written watchlist what the other side does not have.
    pub mirror: bool,
}

/// What a sync covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    History,
    Ratings,
    Watchlist,
}

/// The parts a run covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct What {
    pub history: bool,
    pub ratings: bool,
    pub watchlist: bool,
}

impl What {
    /// The parts named, or history alone (what a call meant before parts existed).
    pub fn of(parts: Option<&[Part]>) -> Self {
        let Some(parts) = parts.filter(|p| !p.is_empty()) else {
            return Self {
                history: true,
                ..Self::default()
            };
        };
        Self {
            history: parts.contains(&Part::History),
            ratings: parts.contains(&Part::Ratings),
            watchlist: parts.contains(&Part::Watchlist),
        }
    }
}

/// The ledger's scope: what was sent to one Trakt account for one Plex account says nothing of
/// another pair.
pub fn ledger_scope(trakt_user: &str, plex_account: impl std::fmt::Display) -> String {
    format!("trakt:{trakt_user}/plex:{plex_account}")
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncToOutput {
    pub sync_id: String,
    pub dry_run: bool,
    pub mode: SyncMode,
    /// Plex plays (or watched items) considered.
    pub plex_plays: usize,
    /// Already in the user's Trakt history: not sent again.
    pub already_on_trakt: usize,
    /// Sent to this Trakt account by an earlier sync (per the local ledger) though no longer on
    /// Trakt: not resent unless `resend`.
    pub already_sent: usize,
    /// Scrobbled to Trakt as it played (Trakt recorded it at the stop): not sent again.
    #[serde(skip_serializing_if = "is_zero")]
    pub already_scrobbled: usize,
    /// Sent (or, in a dry run, that would be sent) in this run.
    pub to_send: usize,
    /// Trakt's count of history entries it added.
    pub added: AddedOut,
    /// Plex items without an IMDb/TMDB/TVDB id (or a show without one), so not sendable.
    pub unmatched: Titled,
    /// Items Trakt did not recognise.
    pub not_found: Titled,
    /// Plays not sent because a request failed; run the sync again to resume.
    pub failed: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// `POST /sync/history` requests made.
    pub batches: usize,
    /// With `what` ratings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<ratings::RatingsOut>,
    /// With `what` watchlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<watchlist::WatchlistOut>,
    /// The caller cancelled: sending stopped at a batch boundary; run again to send the rest.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
    /// Wall time of the run.
    pub duration_seconds: f64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct AddedOut {
    pub movies: u64,
    pub episodes: u64,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Titled {
    pub count: usize,
    /// Up to 50 titles.
    pub titles: Vec<String>,
}

impl Titled {
    pub(super) fn push(&mut self, title: impl FnOnce() -> String) {
        self.count += 1;
        if self.titles.len() < TITLES_SHOWN {
            let t = title();
            if !self.titles.contains(&t) {
                self.titles.push(t);
            }
        }
    }
}

// ---- the run ----

/// Sends Plex plays (or watched items) to the user's Trakt history, skipping what Trakt has and
/// what the ledger says was sent; `progress` hears of each step.
pub async fn to_trakt(
    plex: &PlexClient,
    trakt: &TraktClient,
    store: &Store,
    job: &SyncJob,
    opts: SyncOptions,
    mut progress: impl FnMut(Progress),
) -> Result<SyncToOutput, Error> {
    let started = Instant::now();
    let sync_id = format!("sync_{}", chrono::Utc::now().timestamp_millis());
    let _running = job.begin(&sync_id)?;
    // An account Plex does not know would silently send nothing.
    let accounts = plex.accounts().await?;
    if !accounts
        .accounts
        .iter()
        .any(|a| a.id == i64::from(opts.account))
    {
        return Err(Error::NoAccount(opts.account));
    }
    let mut report = |p: Progress| {
        job.progress(&p);
        if p.message.is_some() {
            progress(p);
        }
    };
    report(Progress::told(
        "reading Plex",
        0,
        0,
        "Reading the Plex libraries".into(),
    ));
    let side = PlexSide::read(plex).await?;

    let mut out = SyncToOutput {
        sync_id,
        dry_run: opts.dry_run,
        mode: opts.mode,
        plex_plays: 0,
        already_on_trakt: 0,
        already_sent: 0,
        already_scrobbled: 0,
        to_send: 0,
        added: AddedOut::default(),
        unmatched: Titled::default(),
        not_found: Titled::default(),
        failed: 0,
        errors: Vec::new(),
        batches: 0,
        ratings: None,
        watchlist: None,
        cancelled: false,
        duration_seconds: 0.0,
    };
    if opts.what.history {
        history_to_trakt(plex, trakt, store, &side, &opts, &mut out, &mut report).await?;
    }
    if opts.what.ratings && !out.cancelled {
        report(Progress::told(
            "ratings",
            0,
            0,
            "Comparing ratings with Trakt".into(),
        ));
        out.ratings = Some(
            ratings::sync(
                plex,
                trakt,
                &side,
                ratings::Direction::ToTrakt,
                opts.priority,
                opts.dry_run,
            )
            .await?,
        );
    }
    if opts.what.watchlist && !out.cancelled {
        report(Progress::told(
            "watchlist",
            0,
            0,
            "Comparing watchlists with Trakt".into(),
        ));
        out.watchlist = Some(
            watchlist::sync(
                plex,
                trakt,
                &side,
                ratings::Direction::ToTrakt,
                opts.mirror,
                opts.dry_run,
            )
            .await?,
        );
    }
    out.errors.truncate(ERRORS_SHOWN);
    out.duration_seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    job.finish(&out);
    Ok(out)
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The history part of a run: the account's plays (or watched items), less what Trakt, the
/// ledger and the scrobbler account for, sent in batches.
async fn history_to_trakt(
    plex: &PlexClient,
    trakt: &TraktClient,
    store: &Store,
    side: &PlexSide,
    opts: &SyncOptions,
    out: &mut SyncToOutput,
    report: &mut impl FnMut(Progress),
) -> Result<(), Error> {
    // The plays to consider, oldest first so an interrupted sync has sent a prefix. Plex keeps
    // view state for the owner only; another account's watched items come from its plays.
    let mut plays = match (opts.mode, opts.account) {
        (SyncMode::Items, OWNER_ACCOUNT) => side
            .watched
            .iter()
            .map(|(k, _, at)| (k.as_str(), *at))
            .collect(),
        (mode, account) => {
            report(Progress::quiet("reading Plex history", 0, 0));
            let plays = plex_plays(plex, side, account).await?;
            match mode {
                SyncMode::Plays => plays,
                SyncMode::Items => last_views(plays),
            }
        }
    };
    plays.sort_by_key(|(_, at)| *at);
    let plex_plays = plays.len();

    report(Progress::told(
        "reading Trakt history",
        0,
        plex_plays,
        "Reading the Trakt history".into(),
    ));
    let (history, me) = tokio::try_join!(TraktHistory::read(trakt), trakt.me())?;
    let scope = ledger_scope(&me.username, opts.account);
    let ledger = if opts.resend {
        Default::default()
    } else {
        store.ledger(&scope).map_err(Error::Store)?
    };
    let scrobbled = store.scrobbled(&scope).map_err(Error::Store)?;
    let planned = plan::plan(
        side,
        plays,
        opts.mode,
        &history,
        plan::Known {
            ledger: &ledger,
            scrobbled: &scrobbled,
        },
    );

    out.plex_plays = plex_plays;
    out.already_on_trakt = planned.already_on_trakt;
    out.already_sent = planned.already_sent;
    out.already_scrobbled = planned.already_scrobbled;
    out.to_send = planned.outgoing.len();
    out.unmatched = planned.unmatched;
    out.not_found = planned.not_found;
    if !opts.dry_run {
        if !planned.confirmed.is_empty() {
            // An interrupted run's last batch did land: record it.
            store
                .mark(
                    &scope,
                    planned.confirmed.iter().map(String::as_str),
                    LedgerState::Sent,
                )
                .map_err(Error::Store)?;
        }
        send::send(
            trakt,
            send::Ledger {
                store,
                scope: &scope,
            },
            side,
            &planned.outgoing,
            opts,
            out,
            report,
        )
        .await?;
    }
    Ok(())
}

/// Plex numbers the server owner's account 1.
pub const OWNER_ACCOUNT: u32 = 1;

/// One (ratingKey, time) per item: its last view.
fn last_views(plays: Vec<(&str, i64)>) -> Vec<(&str, i64)> {
    let mut last: crate::FastMap<&str, i64> = crate::FastMap::default();
    for (key, at) in plays {
        let e = last.entry(key).or_insert(at);
        *e = (*e).max(at);
    }
    last.into_iter().collect()
}

/// The account's plays of items still in a library, as (ratingKey, time); the key is the
/// library's own, so a play costs no string.
async fn plex_plays<'a>(
    plex: &PlexClient,
    side: &'a PlexSide,
    account: u32,
) -> Result<Vec<(&'a str, i64)>, Error> {
    let filter = HistoryFilter {
        account: Some(account.to_string()),
        oldest_first: true,
        ..Default::default()
    };
    let mut plays = Vec::new();
    // Played, but no longer in any library: nothing to match on Trakt.
    let mut gone = 0;
    plex.history_fold::<PlayRow>(&filter, |r| {
        if let Some((key, _)) = side.targets.get_key_value(&*r.rating_key) {
            plays.push((key.as_str(), r.viewed_at));
        } else {
            gone += 1;
        }
    })
    .await?;
    if gone > 0 {
        tracing::info!(
            count = gone,
            "plays of items no longer in a library were skipped"
        );
    }
    Ok(plays)
}
