//! Step 3 of a sync: which plays to send. Pure: the Plex side, the plays, what Trakt has and the
//! ledger in; the plays to send and why the others are not sent out.

use std::{collections::HashMap, fmt::Write as _};

use super::{
    SyncMode, Titled,
    history::{TraktHistory, fingerprint},
    index::{PlexSide, Target},
};
use crate::{FastMap, FastSet, store::LedgerState};

/// One play to send.
pub(super) struct Outgoing<'a> {
    pub(super) target: &'a Target,
    pub(super) watched_at: i64,
    /// Ledger key: the primary identity and the time.
    pub(super) key: String,
}

impl Outgoing<'_> {
    pub(super) fn is_movie(&self) -> bool {
        matches!(self.target, Target::Movie { .. })
    }
}

#[derive(Default)]
pub(super) struct Plan<'a> {
    pub(super) outgoing: Vec<Outgoing<'a>>,
    pub(super) already_on_trakt: usize,
    /// Sent by an earlier run per the ledger, though Trakt no longer has them.
    pub(super) already_sent: usize,
    /// Scrobbled as they played: Trakt recorded them at the stop, a little off Plex's time.
    pub(super) already_scrobbled: usize,
    pub(super) unmatched: Titled,
    pub(super) not_found: Titled,
    /// Ledger keys left pending by an interrupted run that Trakt does have: they landed.
    pub(super) confirmed: Vec<String>,
}

/// How far apart Plex's time of a play and the scrobbler's stop can be and still be one play:
/// Plex records the view when playback passes its threshold, the scrobbler when it ends.
const SCROBBLE_WINDOW: i64 = 4 * 3600;

/// What this machine knows it sent to the Trakt account: the ledger, and scrobbled plays
/// (ratingKey → times).
pub(super) struct Known<'a> {
    pub(super) ledger: &'a HashMap<String, LedgerState>,
    pub(super) scrobbled: &'a HashMap<String, Vec<i64>>,
}

/// Decides, for each (ratingKey, time) play, whether it goes to Trakt. A play is sent once per
/// run, never when Trakt has it (at that time in `plays` mode, at all in `items` mode), never
/// when it was scrobbled, and never when the ledger says it was sent or Trakt does not know the
/// item.
///
/// Plays are told apart by fingerprints (the primary identity's and the time), as Trakt's
/// history is: a ledger key is written only for a play that goes out.
pub(super) fn plan<'a>(
    side: &'a PlexSide,
    plays: Vec<(&str, i64)>,
    mode: SyncMode,
    history: &TraktHistory,
    known: Known<'_>,
) -> Plan<'a> {
    let ledger: FastMap<(u64, i64), (LedgerState, &str)> = known
        .ledger
        .iter()
        .filter_map(|(key, state)| {
            let (primary, at) = key.rsplit_once('@')?;
            let play = (fingerprint(format_args!("{primary}")), at.parse().ok()?);
            Some((play, (*state, key.as_str())))
        })
        .collect();
    let mut out = Plan::default();
    let mut seen: FastSet<(u64, i64)> = FastSet::default();
    // An item is played many times: its identities are worked out once.
    let mut identities_of: FastMap<&str, Vec<u64>> = FastMap::default();
    for (rk, at) in plays {
        let target = match side.targets.get(rk) {
            Some(Ok(t)) => t,
            Some(Err(title)) => {
                out.unmatched.push(|| title.clone());
                continue;
            }
            None => continue,
        };
        let identities = identities_of
            .entry(rk)
            .or_insert_with(|| side.fingerprints(target));
        let Some(&primary) = identities.first() else {
            out.unmatched.push(|| side.title(target));
            continue;
        };
        if !seen.insert((primary, at)) {
            continue;
        }
        let scrobbled = known.scrobbled.get(rk).is_some_and(|times| {
            times
                .iter()
                .any(|t| mode == SyncMode::Items || (t - at).abs() <= SCROBBLE_WINDOW)
        });
        if scrobbled {
            out.already_scrobbled += 1;
            continue;
        }
        let on_trakt = match mode {
            SyncMode::Plays => history.has(identities, Some(at)),
            SyncMode::Items => history.has(identities, None),
        };
        let recorded = ledger.get(&(primary, at));
        if on_trakt {
            out.already_on_trakt += 1;
            if let Some((LedgerState::Pending, key)) = recorded {
                out.confirmed.push(key.to_string());
            }
            continue;
        }
        match recorded {
            Some((LedgerState::Sent, _)) => {
                out.already_sent += 1;
                continue;
            }
            // Trakt said it does not know the item: asking again would only cost requests.
            Some((LedgerState::NotFound, _)) => {
                out.not_found.push(|| side.title(target));
                continue;
            }
            _ => {}
        }
        out.outgoing.push(Outgoing {
            target,
            watched_at: at,
            key: ledger_key(side, target, at),
        });
    }
    out
}

/// A play's ledger key: its primary identity and the time (`m:tmdb:949@1700000000`).
fn ledger_key(side: &PlexSide, target: &Target, at: i64) -> String {
    let mut key = String::new();
    side.each_identity(target, |id| {
        if key.is_empty() {
            // Writing into a String cannot fail.
            let _ = write!(key, "{id}@{at}");
        }
    });
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::models::{HistoryEntry, Ids, Media};

    fn side() -> PlexSide {
        let movie = |tmdb| Target::Movie {
            ids: Ids {
                tmdb: Some(tmdb),
                ..Default::default()
            },
            title: format!("Movie {tmdb}"),
            year: Some(2020),
        };
        PlexSide {
            targets: [
                ("1".to_string(), Ok(movie(100))),
                ("2".to_string(), Ok(movie(200))),
                ("3".to_string(), Err("Home Video (2019)".to_string())),
            ]
            .into_iter()
            .collect(),
            shows: FastMap::default(),
            watched: Vec::new(),
            ratings: FastMap::default(),
            plex_guids: FastMap::default(),
        }
    }

    fn on_trakt(tmdb: u64, at: &str) -> HistoryEntry {
        HistoryEntry {
            watched_at: at.into(),
            movie: Some(Media {
                ids: Ids {
                    tmdb: Some(tmdb),
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn known<'a>(
        ledger: &'a HashMap<String, LedgerState>,
        scrobbled: &'a HashMap<String, Vec<i64>>,
    ) -> Known<'a> {
        Known { ledger, scrobbled }
    }

    #[test]
    fn scrobbled_plays_are_not_sent_again() {
        let scrobbled = HashMap::from([("1".to_string(), vec![10_000])]);
        let plays = vec![("1", 10_000 - 1800), ("1", 10_000 + 86_400)];
        let side = side();
        let p = plan(
            &side,
            plays,
            SyncMode::Plays,
            &TraktHistory::default(),
            known(&HashMap::new(), &scrobbled),
        );
        assert_eq!(p.already_scrobbled, 1, "the play half an hour off the stop");
        let keys: Vec<&str> = p.outgoing.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            keys,
            ["m:tmdb:100@96400"],
            "a play a day later is another play"
        );
    }

    #[test]
    fn each_play_is_sent_once_and_unmatched_items_are_named() {
        let plays = vec![("1", 10), ("1", 10), ("1", 20), ("3", 5), ("gone", 7)];
        let side = side();
        let p = plan(
            &side,
            plays,
            SyncMode::Plays,
            &TraktHistory::default(),
            known(&HashMap::new(), &HashMap::new()),
        );
        let keys: Vec<&str> = p.outgoing.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["m:tmdb:100@10", "m:tmdb:100@20"]);
        assert_eq!(p.unmatched.count, 1);
        assert_eq!(p.unmatched.titles, ["Home Video (2019)"]);
    }

    #[test]
    fn what_trakt_has_is_not_sent_and_confirms_pending_rows() {
        let mut history = TraktHistory::default();
        history.add_entries(&[on_trakt(100, "1970-01-01T00:00:10.000Z")]);
        let ledger = HashMap::from([("m:tmdb:100@10".to_string(), LedgerState::Pending)]);
        let plays = vec![("1", 10), ("1", 20)];
        let none = HashMap::new();
        let side = side();
        let p = plan(
            &side,
            plays.clone(),
            SyncMode::Plays,
            &history,
            known(&ledger, &none),
        );
        assert_eq!(p.already_on_trakt, 1);
        assert_eq!(p.confirmed, ["m:tmdb:100@10"]);
        assert_eq!(p.outgoing.len(), 1, "the play at another time still goes");
        // In items mode any play of the item on Trakt is enough.
        let p = plan(
            &side,
            plays,
            SyncMode::Items,
            &history,
            known(&ledger, &none),
        );
        assert_eq!((p.already_on_trakt, p.outgoing.len()), (2, 0));
    }

    #[test]
    fn the_ledger_holds_back_sent_and_unknown_items() {
        let ledger = HashMap::from([
            ("m:tmdb:100@10".to_string(), LedgerState::Sent),
            ("m:tmdb:200@10".to_string(), LedgerState::NotFound),
        ]);
        let plays = vec![("1", 10), ("2", 10), ("2", 30)];
        let side = side();
        let p = plan(
            &side,
            plays,
            SyncMode::Plays,
            &TraktHistory::default(),
            known(&ledger, &HashMap::new()),
        );
        assert_eq!(p.already_sent, 1);
        assert_eq!(p.not_found.count, 1);
        assert_eq!(p.not_found.titles, ["Movie 200 (2020)"]);
        // A pending row not on Trakt is resent (the kill came before the POST landed).
        let keys: Vec<&str> = p.outgoing.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["m:tmdb:200@30"]);
    }
}
