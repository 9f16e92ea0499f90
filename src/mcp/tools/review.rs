//! The year-in-review view's data (app-only): a window's viewing folded into months, titles,
//! genres, weekdays, hours of the day and accounts, for charts a person reads at a glance.

use std::collections::HashMap;

use chrono::{Datelike, Timelike};

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;

use super::{
    Window,
    analytics::{DEFAULT_DAYS, UserStatsArgs, account_label},
};
use crate::mcp::{error::ToolError, params::Parameters, server::PlexMcp};
use crate::plex::models::Item;
use crate::services::analytics;
use crate::time::hours;

const TOP: usize = 10;
/// Titles whose genres are looked up: the ones that make up most of the hours.
const GENRE_SOURCES: usize = 100;
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub time_range: String,
    pub plays: usize,
    pub hours: f64,
    /// Every month of the window, oldest first ("2026-03").
    pub months: Vec<Amount>,
    pub top_titles: Vec<Amount>,
    /// Hours by genre, from the most watched titles.
    pub top_genres: Vec<Amount>,
    /// Hours per weekday, Monday first.
    pub weekdays: Vec<Amount>,
    /// Plays started in each hour of the day, 0-23 (server's zone).
    pub hours_of_day: Vec<usize>,
    pub busiest_day: Option<String>,
    pub busiest_hour: Option<usize>,
    pub accounts: Vec<Amount>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Amount {
    pub label: String,
    pub hours: f64,
    pub plays: usize,
}

#[derive(Default)]
struct Tally {
    ms: i64,
    plays: usize,
}

impl Tally {
    fn add(&mut self, ms: i64) {
        self.ms += ms;
        self.plays += 1;
    }
}

fn ranked(map: HashMap<String, Tally>, n: usize) -> Vec<Amount> {
    let mut all: Vec<(String, Tally)> = map.into_iter().collect();
    all.sort_by(|a, b| b.1.ms.cmp(&a.1.ms).then_with(|| a.0.cmp(&b.0)));
    all.into_iter()
        .take(n)
        .map(|(label, t)| Amount {
            label,
            hours: hours(t.ms),
            plays: t.plays,
        })
        .collect()
}

/// (year, month) from the month holding `from` to the one holding `to` (unix seconds), in the
/// server's zone.
fn months_between(from: i64, to: i64) -> Vec<(i32, u32)> {
    let month = |t: i64| {
        let local = crate::time::wall_clock(t);
        (local.year(), local.month())
    };
    let ((mut y, mut m), end) = (month(from), month(to));
    let mut out = Vec::new();
    while (y, m) <= end && out.len() < 1200 {
        out.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

#[tool_router(router = review_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Viewing in a window folded for the year-in-review view (app-only): hours per month, top \
titles and genres, weekdays, hours of the day, accounts.",
        annotations(title = "View Review", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_view_review(
        &self,
        Parameters(args): Parameters<UserStatsArgs>,
    ) -> Result<Json<Review>, ToolError> {
        let window = Window::new(args.time_range, Some(DEFAULT_DAYS), args.since, args.until)?;
        let plex = &self.ctx.plex;
        let from = window.from.unwrap_or_default();
        let (log, names) = tokio::join!(
            analytics::play_log(plex, from, window.until, None),
            analytics::names(plex)
        );
        let log = log?;
        let durations = analytics::durations(plex, &self.ctx.lengths, &log.keys()).await?;
        let mut months: HashMap<(i32, u32), Tally> = HashMap::new();
        let mut titles: HashMap<String, Tally> = HashMap::new();
        let mut title_keys: HashMap<String, String> = HashMap::new();
        let mut weekdays: [Tally; 7] = Default::default();
        let mut hours_of_day = vec![0usize; 24];
        let mut accounts: HashMap<String, Tally> = HashMap::new();
        let mut total = 0i64;
        let first = log.plays.iter().map(|p| p.viewed_at).min().unwrap_or(from);
        for p in &log.plays {
            let ms = durations[p.item as usize].unwrap_or(0);
            total += ms;
            let local = crate::time::wall_clock(p.viewed_at);
            months
                .entry((local.year(), local.month()))
                .or_default()
                .add(ms);
            weekdays[local.weekday().num_days_from_monday() as usize].add(ms);
            hours_of_day[local.hour() as usize] += 1;
            let item = log.item(p);
            let (key, title) = match &item.show {
                Some((key, show)) => (key.clone(), show.clone()),
                None => (item.key.clone(), item.title.clone()),
            };
            titles.entry(title.clone()).or_default().add(ms);
            title_keys.entry(title).or_insert(key);
            accounts
                .entry(account_label(&names.accounts, p.account).0)
                .or_default()
                .add(ms);
        }
        let genres = self.genre_hours(&titles, &title_keys).await?;
        let end = window
            .until
            .unwrap_or_else(|| chrono::Utc::now().timestamp());
        let months = months_between(window.from.unwrap_or(first), end)
            .into_iter()
            .map(|(y, m)| {
                let t = months.remove(&(y, m)).unwrap_or_default();
                Amount {
                    label: format!("{y:04}-{m:02}"),
                    hours: hours(t.ms),
                    plays: t.plays,
                }
            })
            .collect();
        let busiest_day = (0..7)
            .filter(|&d| weekdays[d].plays > 0)
            .max_by_key(|&d| (weekdays[d].ms, std::cmp::Reverse(d)))
            .map(|d| WEEKDAYS[d].to_string());
        let busiest_hour = (0..24)
            .filter(|&h| hours_of_day[h] > 0)
            .max_by_key(|&h| (hours_of_day[h], std::cmp::Reverse(h)));
        Ok(Json(Review {
            time_range: window.label(),
            plays: log.plays.len(),
            hours: hours(total),
            months,
            top_titles: ranked(titles, TOP),
            top_genres: genres,
            weekdays: weekdays
                .into_iter()
                .zip(WEEKDAYS)
                .map(|(t, d)| Amount {
                    label: d.to_string(),
                    hours: hours(t.ms),
                    plays: t.plays,
                })
                .collect(),
            hours_of_day,
            busiest_day,
            busiest_hour,
            accounts: ranked(accounts, usize::MAX),
        }))
    }
}

impl PlexMcp {
    /// Hours per genre, from the genres of the titles that make up most of the hours.
    async fn genre_hours(
        &self,
        titles: &HashMap<String, Tally>,
        keys: &HashMap<String, String>,
    ) -> Result<Vec<Amount>, ToolError> {
        let mut top: Vec<(&String, &Tally)> = titles.iter().collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.1.ms));
        top.truncate(GENRE_SOURCES);
        let wanted: Vec<String> = top
            .iter()
            .filter_map(|(t, _)| keys.get(*t).cloned())
            .collect();
        let items: Vec<Item> = self.ctx.plex.metadata_batch(&wanted, &[]).await?;
        let by_key: HashMap<&str, &Item> =
            items.iter().map(|i| (i.rating_key.as_str(), i)).collect();
        let mut genres: HashMap<String, Tally> = HashMap::new();
        for (title, tally) in top {
            let Some(item) = keys.get(title).and_then(|k| by_key.get(k.as_str())) else {
                continue;
            };
            for g in &item.genres {
                let e = genres.entry(g.tag.clone()).or_default();
                e.ms += tally.ms;
                e.plays += tally.plays;
            }
        }
        Ok(ranked(genres, 8))
    }
}
