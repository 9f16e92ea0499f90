//! `get_recommendations`: unwatched movies of a library ranked against the viewer's taste.
//!
//! The scoring is the reference server's (genre affinity with recency decay, rating, director,
//! cast, era; a diversity penalty) with its weaknesses fixed: the taste profile is built from the
//! watched movies' full metadata (list views trim tags), the leading candidates are rescored on
//! their full metadata too, a `userId` profile comes from that account's own plays, and every
//! reason behind a pick is returned. External taste signals (Trakt) enter through [`Signals`].

use std::borrow::Cow;

use crate::{FastMap, FastSet};

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args::{Int, OrDefault, PlexId};
use crate::mcp::error::no_library;
use crate::plex::api::{HistoryFilter, lean};
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::{PlayRow, TasteItem},
};

const HALF_LIFE_DAYS: f64 = 180.0;
const MIN_WATCHED: usize = 5;
const TOP_ACTORS: usize = 20;
/// Candidates rescored on full metadata, per recommendation asked for.
const RESCORE_FACTOR: usize = 5;

/// Taste evidence from outside Plex: the signed-in Trakt user's ratings and watched movies.
#[derive(Debug, Clone)]
pub struct Signals {
    /// Multiplies the rating component: >1 for a viewer who rates low, <1 for one who rates high.
    pub quality_bias: f64,
    /// Movies watched per Trakt, as `lowercase title|year`.
    pub watched_elsewhere: FastSet<String>,
}

impl Default for Signals {
    fn default() -> Self {
        Self {
            quality_bias: 1.0,
            watched_elsewhere: FastSet::default(),
        }
    }
}

fn title_year(title: &str, year: i32) -> String {
    format!("{}|{year}", title.to_lowercase())
}

impl PlexMcp {
    /// The Trakt signals, when signed in to Trakt; without a sign-in, or if Trakt fails, the
    /// recommendations simply go without them.
    async fn trakt_signals(&self) -> Signals {
        let Some(trakt) = self.ctx.trakt.as_ref() else {
            return Signals::default();
        };
        if trakt.sign_in().await.is_none() {
            return Signals::default();
        }
        let fetched = tokio::try_join!(trakt.stats(), trakt.watched_movies());
        match fetched {
            Ok((stats, watched)) => Signals {
                quality_bias: match stats.average_rating() {
                    Some(avg) if avg < 6.0 => 1.2,
                    Some(avg) if avg > 8.0 => 0.85,
                    _ => 1.0,
                },
                watched_elsewhere: watched
                    .iter()
                    .filter_map(|w| w.movie.as_ref())
                    .filter_map(|m| Some(title_year(&m.title, m.year?)))
                    .collect(),
            },
            Err(e) => {
                tracing::warn!("recommendations without Trakt signals: {e}");
                Signals::default()
            }
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecommendationsArgs {
    /// A movie library's key from get_libraries.
    pub library_key: PlexId,
    #[schemars(extend("default" = 10))]
    pub limit: Option<Int<1, 50>>,
    /// Account id from get_user_stats; default the owner.
    pub user_id: Option<PlexId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TasteProfile {
    pub top_genres: Vec<String>,
    pub top_directors: Vec<String>,
    pub top_actors: Vec<String>,
    /// Recency-weighted average rating of the watched movies.
    pub avg_rating: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    pub rating_key: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    pub genres: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// 0-1, after the diversity penalty.
    pub score: f64,
    /// Every reason that raised the score.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecommendationsOutput {
    pub library_key: String,
    /// The account recommended for, or "server_owner".
    pub user_id: String,
    pub watched_count: usize,
    pub unwatched_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taste_profile: Option<TasteProfile>,
    /// Whether Trakt signals (rating habits, movies watched elsewhere) shaped the picks.
    pub trakt_enhanced: bool,
    /// Movies counted as watched because Trakt says so, though Plex does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trakt_extra_watched: Option<usize>,
    pub recommendations: Vec<Recommendation>,
    /// Why there are no recommendations, when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

struct Profile {
    genres: FastMap<String, f64>,
    directors: FastMap<String, u32>,
    top_actors: Vec<(String, u32)>,
    avg_rating: f64,
    year_mean: f64,
    year_sd: f64,
}

fn item_rating(it: &TasteItem) -> Option<f64> {
    it.audience_rating.or(it.rating)
}

/// A taste profile as it is built, one watched movie (with full metadata) at a time, so the
/// details of thousands of movies are weighed as their batches arrive rather than held.
struct Taste {
    now: i64,
    genres: FastMap<String, f64>,
    directors: FastMap<String, u32>,
    // Actors in first-seen order, with their index there: a linear search per role was
    // quadratic in a large watched list.
    actors: Vec<(String, u32)>,
    actor_at: FastMap<String, usize>,
    rating_sum: f64,
    rating_weight: f64,
    years: Vec<f64>,
}

impl Taste {
    fn new(now: i64) -> Self {
        Taste {
            now,
            genres: FastMap::default(),
            directors: FastMap::default(),
            actors: Vec::new(),
            actor_at: FastMap::default(),
            rating_sum: 0.0,
            rating_weight: 0.0,
            years: Vec::new(),
        }
    }

    /// Weighs in a watched movie, its views and its last view.
    fn add(&mut self, it: &TasteItem, views: u32, last: Option<i64>) {
        let days = last.map_or(365.0, |t| (self.now - t).max(0) as f64 / 86_400.0);
        let w = (-std::f64::consts::LN_2 * days / HALF_LIFE_DAYS).exp() * (1.0 + views as f64).ln();
        // A name is copied the first time it is seen, not at every movie it tags.
        for g in it.genres.iter() {
            match self.genres.get_mut(g) {
                Some(sum) => *sum += w,
                None => _ = self.genres.insert(g.to_string(), w),
            }
        }
        for d in it.directors.iter() {
            match self.directors.get_mut(d) {
                Some(n) => *n += 1,
                None => _ = self.directors.insert(d.to_string(), 1),
            }
        }
        for a in it.roles.iter() {
            match self.actor_at.get(a) {
                Some(&i) => self.actors[i].1 += 1,
                None => {
                    self.actor_at.insert(a.to_string(), self.actors.len());
                    self.actors.push((a.to_string(), 1));
                }
            }
        }
        if let Some(r) = item_rating(it) {
            self.rating_sum += r * w;
            self.rating_weight += w;
        }
        self.years.extend(it.year.map(f64::from));
    }

    fn profile(self) -> Profile {
        let Taste {
            mut genres,
            directors,
            mut actors,
            rating_sum,
            rating_weight,
            years,
            ..
        } = self;
        let max = genres.values().copied().fold(0.0, f64::max);
        if max > 0.0 {
            genres.values_mut().for_each(|v| *v /= max);
        }
        // Stable: ties keep first-seen order.
        actors.sort_by_key(|a| std::cmp::Reverse(a.1));
        actors.truncate(TOP_ACTORS);
        let year_mean = if years.is_empty() {
            2000.0
        } else {
            years.iter().sum::<f64>() / years.len() as f64
        };
        let year_sd = if years.len() > 1 {
            (years.iter().map(|y| (y - year_mean).powi(2)).sum::<f64>() / years.len() as f64).sqrt()
        } else {
            20.0
        };
        Profile {
            genres,
            directors,
            top_actors: actors,
            avg_rating: if rating_weight > 0.0 {
                rating_sum / rating_weight
            } else {
                5.0
            },
            year_mean,
            year_sd,
        }
    }
}

/// The item's score, with its reasons in the order found and each once.
fn score(it: &TasteItem, p: &Profile, signals: &Signals) -> (f64, Vec<String>) {
    let mut reasons: Vec<String> = Vec::new();
    let s = weigh(it, p, signals, |r| {
        let r = r.to_string();
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    });
    (s, reasons)
}

/// The item's score for the profile; each reason for it goes to `reason` as it is found, so a
/// caller that only ranks writes none.
fn weigh(
    it: &TasteItem,
    p: &Profile,
    signals: &Signals,
    mut reason: impl FnMut(std::fmt::Arguments<'_>),
) -> f64 {
    let (mut sum, mut count) = (0.0, 0);
    for g in it.genres.iter() {
        let s = p.genres.get(g).copied().unwrap_or(0.0);
        if s > 0.3 {
            reason(format_args!("You love {g}"));
        }
        sum += s;
        count += 1;
    }
    let genre = if count == 0 {
        0.2
    } else {
        sum / count as f64 * 0.8 + 0.2
    };
    let rating = match item_rating(it) {
        Some(r) => {
            if r >= 7.0 {
                reason(format_args!("Highly rated ({r}/10)"));
            }
            (r / 10.0 * signals.quality_bias).min(1.0)
        }
        None => 0.5,
    };
    let director = it
        .directors
        .iter()
        .find_map(|d| p.directors.get(d).map(|n| (d, *n)))
        .map_or(0.0, |(d, n)| {
            reason(format_args!(
                "Director: {d} (watched {n} film{})",
                plural(n)
            ));
            (n as f64 / 3.0).min(1.0)
        });
    let actor = it
        .roles
        .iter()
        .find_map(|a| p.top_actors.iter().find(|(name, _)| name == a))
        .map_or(0.0, |(a, n)| {
            reason(format_args!(
                "Cast: {a} (in {n} of your watched film{})",
                plural(*n)
            ));
            (*n as f64 / 5.0).min(1.0)
        });
    let era = match it.year {
        Some(y) if p.year_sd > 0.0 => {
            (-(y as f64 - p.year_mean).powi(2) / (2.0 * p.year_sd.powi(2))).exp()
        }
        _ => 0.5,
    };
    if era > 0.8 && it.year.is_some() {
        reason(format_args!(
            "From the years you watch most (around {:.0})",
            p.year_mean
        ));
    }
    0.40 * genre + 0.30 * rating + 0.15 * director + 0.10 * actor + 0.05 * era
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn top_keys<T: Copy + PartialOrd>(map: impl Iterator<Item = (String, T)>, n: usize) -> Vec<String> {
    let mut v: Vec<(String, T)> = map.collect();
    v.sort_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    v.into_iter().take(n).map(|(k, _)| k).collect()
}

#[tool_router(router = recommendation_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Unwatched movies of a movie library ranked for a viewer's taste (genres, people, era), with reasons. \
 Needs 5 watched movies; counts Trakt history when signed in.",
        annotations(
            title = "Recommendations",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_recommendations(
        &self,
        Parameters(args): Parameters<RecommendationsArgs>,
    ) -> Result<Json<RecommendationsOutput>, ToolError> {
        let key = args.library_key.to_string();
        let limit = args.limit.value_or(10);
        let user = args.user_id.map(PlexId::into_string);
        // Trakt speaks for the signed-in user, who is the server owner.
        let signals = match &user {
            None => self.trakt_signals().await,
            Some(_) => Signals::default(),
        };
        let plex = &self.ctx.plex;
        // Rows and details alike are read for their tags and view state only.
        let tag_rows = lean::<TasteItem>();
        let [elements, fields] = tag_rows.clone();
        let movies: Vec<TasteItem> = plex
            .section_all(&key, &[("type", "1".to_string()), elements, fields])
            .await
            .map_err(ToolError::not_found_as(|| no_library(&key)))?;
        // Views per movie: the owner's from Plex's view state (keyed by the rows' own keys),
        // another account's from its plays.
        let mut views: FastMap<Cow<str>, (u32, Option<i64>)> = match &user {
            None => movies
                .iter()
                .filter(|m| m.view_count.unwrap_or(0) > 0)
                .map(|m| {
                    let seen = (m.view_count.unwrap_or(0), m.last_viewed_at);
                    (Cow::Borrowed(m.rating_key.as_str()), seen)
                })
                .collect(),
            Some(user) => {
                let filter = HistoryFilter {
                    account: Some(user.clone()),
                    section: Some(key.clone()),
                    ..Default::default()
                };
                let mut views: FastMap<Cow<str>, (u32, Option<i64>)> = FastMap::default();
                plex.history_fold::<PlayRow>(&filter, |r| match views.get_mut(&*r.rating_key) {
                    Some((n, last)) => {
                        *n += 1;
                        *last = Some(last.unwrap_or(0).max(r.viewed_at));
                    }
                    None => {
                        let key = Cow::Owned(r.rating_key.into_owned());
                        views.insert(key, (1, Some(r.viewed_at)));
                    }
                })
                .await?;
                views
            }
        };
        let mut trakt_only = 0;
        for m in &movies {
            if let Some(year) = m.year
                && !views.contains_key(m.rating_key.as_str())
                && signals
                    .watched_elsewhere
                    .contains(&title_year(&m.title, year))
            {
                // Watched, but not here: no views to weight its genres, yet its people count.
                views.insert(Cow::Borrowed(&m.rating_key), (0, None));
                trakt_only += 1;
            }
        }
        let (watched, unwatched): (Vec<&TasteItem>, Vec<&TasteItem>) = movies
            .iter()
            .partition(|m| views.contains_key(m.rating_key.as_str()));
        let mut out = RecommendationsOutput {
            library_key: key.clone(),
            user_id: user.clone().unwrap_or_else(|| "server_owner".into()),
            watched_count: watched.len(),
            unwatched_count: unwatched.len(),
            taste_profile: None,
            trakt_enhanced: signals.quality_bias != 1.0 || trakt_only > 0,
            trakt_extra_watched: (trakt_only > 0).then_some(trakt_only),
            recommendations: Vec::new(),
            message: None,
        };
        if watched.len() < MIN_WATCHED {
            out.message = Some(format!(
                "Not enough watch history to generate recommendations (watched: {}). Watch at least {MIN_WATCHED} movies first.",
                watched.len()
            ));
            return Ok(Json(out));
        }
        if unwatched.is_empty() {
            out.message = Some("Every movie in this library has been watched.".into());
            return Ok(Json(out));
        }
        // List views trim tags: the profile is built from full metadata.
        let watched_keys: Vec<String> = watched.iter().map(|m| m.rating_key.clone()).collect();
        let mut taste = Taste::new(chrono::Utc::now().timestamp());
        plex.metadata_fold::<TasteItem>(&watched_keys, &tag_rows, |it| {
            let (n, last) = views
                .get(it.rating_key.as_str())
                .copied()
                .unwrap_or((1, None));
            taste.add(&it, n, last);
        })
        .await?;
        let p = taste.profile();
        // A first pass on list tags picks the field; the leaders are rescored on full metadata.
        let mut first: Vec<(f64, &TasteItem)> = unwatched
            .iter()
            .map(|&m| (weigh(m, &p, &signals, |_| {}), m))
            .collect();
        first.sort_by(|a, b| b.0.total_cmp(&a.0));
        let leaders: Vec<String> = first
            .iter()
            .take(limit * RESCORE_FACTOR)
            .map(|(_, m)| m.rating_key.clone())
            .collect();
        let mut scored: Vec<(f64, Vec<String>, TasteItem)> = plex
            .metadata_batch::<TasteItem>(&leaders, &tag_rows)
            .await?
            .into_iter()
            .map(|it| {
                let (s, reasons) = score(&it, &p, &signals);
                (s, reasons, it)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.2.rating_key.cmp(&b.2.rating_key))
        });
        // Diversity: the third and later picks of one leading genre lose 0.15 each.
        let mut per_genre: FastMap<String, usize> = FastMap::default();
        let mut adjusted: Vec<(f64, Vec<String>, TasteItem)> = scored
            .into_iter()
            .take(limit * 3)
            .map(|(s, reasons, it)| {
                let top = it.genres.first().unwrap_or("Unknown").to_string();
                let seen = per_genre.entry(top).or_default();
                *seen += 1;
                let penalty = if *seen > 2 {
                    0.15 * (*seen - 2) as f64
                } else {
                    0.0
                };
                (s - penalty, reasons, it)
            })
            .collect();
        adjusted.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.recommendations = adjusted
            .into_iter()
            .take(limit)
            .map(|(s, reasons, it)| Recommendation {
                rating: item_rating(&it),
                genres: it.genres.iter().map(str::to_string).collect(),
                rating_key: it.rating_key,
                title: it.title,
                year: it.year,
                score: (s * 1000.0).round() / 1000.0,
                reasons,
            })
            .collect();
        out.taste_profile = Some(TasteProfile {
            top_genres: top_keys(p.genres.clone().into_iter(), 5),
            top_directors: top_keys(p.directors.clone().into_iter(), 3),
            top_actors: p
                .top_actors
                .iter()
                .take(3)
                .map(|(a, _)| a.clone())
                .collect(),
            avg_rating: (p.avg_rating * 10.0).round() / 10.0,
        });
        Ok(Json(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(key: &str, genres: &[&str], year: i32, rating: f64) -> TasteItem {
        TasteItem {
            rating_key: key.into(),
            title: key.into(),
            year: Some(year),
            rating: Some(rating),
            genres: genres.iter().copied().collect(),
            ..Default::default()
        }
    }

    #[test]
    fn recent_and_repeated_viewing_weighs_more() {
        let now = 1_000_000_000;
        let (a, b) = (
            movie("a", &["Drama"], 2000, 8.0),
            movie("b", &["Horror"], 2000, 6.0),
        );
        let mut taste = Taste::new(now);
        taste.add(&a, 3, Some(now - 86_400));
        taste.add(&b, 1, Some(now - 400 * 86_400));
        let p = taste.profile();
        assert_eq!(p.genres["Drama"], 1.0);
        assert!(p.genres["Horror"] < 0.2);
        assert!(p.avg_rating > 7.5, "{}", p.avg_rating);
        let (drama, reasons) = score(&movie("c", &["Drama"], 2000, 9.0), &p, &Signals::default());
        let (horror, _) = score(&movie("d", &["Horror"], 2000, 9.0), &p, &Signals::default());
        assert!(drama > horror);
        assert!(reasons.contains(&"You love Drama".to_string()));
        assert!(reasons.contains(&"Highly rated (9/10)".to_string()));
    }
}
