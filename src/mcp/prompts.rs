//! Prompts: short plans for the jobs people ask for most, each naming the tools to call in
//! order. A prompt is listed only when the families it needs are on; a step that needs an
//! optional family (Sonarr, Radarr) is left out when that family is off.

use std::collections::HashMap;

use rmcp::{
    ErrorData,
    model::{GetPromptResult, Prompt, PromptArgument, PromptMessage, Role},
};

use super::toolsets::{Family, Toolsets};

/// One argument: its name, what it is, and whether it must be given.
struct Arg {
    name: &'static str,
    about: &'static str,
    required: bool,
    /// How a given value is checked: `Some(max)` for a whole number 1..=max.
    number: Option<u32>,
}

const fn arg(name: &'static str, about: &'static str) -> Arg {
    Arg {
        name,
        about,
        required: false,
        number: None,
    }
}

const fn number(name: &'static str, about: &'static str, max: u32) -> Arg {
    Arg {
        name,
        about,
        required: false,
        number: Some(max),
    }
}

struct Spec {
    name: &'static str,
    title: &'static str,
    about: &'static str,
    needs: &'static [Family],
    args: &'static [Arg],
}

const SPECS: &[Spec] = &[
    Spec {
        name: "movie-night",
        title: "Movie night",
        about: "Pick an unwatched movie from the library for tonight.",
        needs: &[Family::Browse],
        args: &[
            arg("genre", "A genre of the movie library."),
            arg("mood", "In a few words, e.g. \"light and funny\"."),
            number("maxRuntime", "Longest runtime in minutes.", 600),
            arg("who", "Plex account name of the viewer."),
        ],
    },
    Spec {
        name: "whats-new",
        title: "What's new",
        about: "Recently added, on deck, and what Sonarr and Radarr bring next.",
        needs: &[Family::Browse],
        args: &[number(
            "days",
            "How many days back and ahead (default 7).",
            365,
        )],
    },
    Spec {
        name: "year-in-review",
        title: "Year in review",
        about: "A year of watching: top titles, genres, hours and streaks.",
        needs: &[Family::Analytics],
        args: &[
            Arg {
                name: "year",
                about: "The year, e.g. 2025.",
                required: true,
                number: Some(9999),
            },
            arg("account", "Plex account name; default every account."),
        ],
    },
    Spec {
        name: "continue-watching",
        title: "Continue watching",
        about: "What to resume or watch next, from On Deck and recent plays.",
        needs: &[Family::Browse],
        args: &[
            arg("account", "Plex account name; default the server owner."),
            arg("show", "Only this show (title)."),
        ],
    },
    Spec {
        name: "library-health",
        title: "Library health",
        about: "Unmatched items, missing metadata, duplicates, and what Sonarr/Radarr still miss.",
        needs: &[Family::Browse, Family::Analytics],
        args: &[arg(
            "library",
            "Library name or key; default every library.",
        )],
    },
    Spec {
        name: "trakt-check",
        title: "Trakt check",
        about: "What differs between Plex and Trakt, without changing either.",
        needs: &[Family::Trakt],
        args: &[],
    },
];

fn listed(spec: &Spec, toolsets: &Toolsets) -> bool {
    spec.needs.iter().all(|f| toolsets.is_on(*f))
}

pub fn list(toolsets: &Toolsets) -> Vec<Prompt> {
    SPECS
        .iter()
        .filter(|s| listed(s, toolsets))
        .map(|s| {
            let args = s
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.about)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(s.name, Some(s.about), Some(args)).with_title(s.title)
        })
        .collect()
}

/// The argument names of a listed prompt, for completion.
pub fn takes(name: &str, argument: &str, toolsets: &Toolsets) -> bool {
    SPECS
        .iter()
        .any(|s| s.name == name && listed(s, toolsets) && s.args.iter().any(|a| a.name == argument))
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

/// The prompt `name` with `given` arguments filled in, or an error naming the bad argument.
pub fn get(
    name: &str,
    given: HashMap<String, String>,
    toolsets: &Toolsets,
) -> Result<GetPromptResult, ErrorData> {
    let spec = SPECS
        .iter()
        .find(|s| s.name == name && listed(s, toolsets))
        .ok_or_else(|| {
            let names: Vec<&str> = SPECS
                .iter()
                .filter(|s| listed(s, toolsets))
                .map(|s| s.name)
                .collect();
            invalid(format!(
                "No prompt {name:?}; prompts: {}.",
                names.join(", ")
            ))
        })?;
    let mut args = HashMap::new();
    for (key, value) in given {
        let Some(a) = spec.args.iter().find(|a| a.name == key) else {
            let names: Vec<&str> = spec.args.iter().map(|a| a.name).collect();
            return Err(invalid(format!(
                "{name} takes no argument {key:?}; it takes: {}.",
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            )));
        };
        let value = value.trim().to_string();
        if value.chars().count() > 200 {
            return Err(invalid(format!("Argument {key}: at most 200 characters.")));
        }
        if let Some(max) = a.number
            && !value.is_empty()
            && !value.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
        {
            return Err(invalid(format!(
                "Argument {key}: a whole number from 1 to {max} (got {value:?})."
            )));
        }
        if !value.is_empty() {
            args.insert(key, value);
        }
    }
    if let Some(missing) = spec
        .args
        .iter()
        .find(|a| a.required && !args.contains_key(a.name))
    {
        return Err(invalid(format!(
            "{name} needs the argument {}: {}",
            missing.name, missing.about
        )));
    }
    let text = plan(spec.name, &args, toolsets);
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(spec.about),
    )
}

/// The plan a prompt hands the assistant.
fn plan(name: &str, args: &HashMap<String, String>, toolsets: &Toolsets) -> String {
    let arg = |k: &str| args.get(k).map(String::as_str);
    let sonarr = toolsets.is_on(Family::Sonarr);
    let radarr = toolsets.is_on(Family::Radarr);
    let mut steps: Vec<String> = Vec::new();
    let intro = match name {
        "movie-night" => {
            let mut want = vec!["unwatched".to_string()];
            want.extend(arg("genre").map(String::from));
            want.extend(arg("maxRuntime").map(|m| format!("at most {m} minutes long")));
            want.extend(arg("mood").map(|m| format!("fitting the mood \"{m}\"")));
            steps.push("get_libraries: find the movie library's key.".into());
            if let Some(who) = arg("who") {
                steps.push(format!(
                    "get_user_stats: find the userId of the account named \"{who}\"."
                ));
                steps.push("get_recommendations with the libraryKey and that userId.".into());
            } else {
                steps.push("get_recommendations with the libraryKey.".into());
            }
            steps.push(
                "Check the best candidates with get_media_details (durationMinutes, genres, summary)."
                    .into(),
            );
            steps.push("Offer three picks, one line each on why.".into());
            format!(
                "Plan a movie night: pick a movie that is {}.",
                want.join(", ")
            )
        }
        "whats-new" => {
            let days = arg("days").unwrap_or("7");
            steps.push(format!(
                "get_recently_added: keep what arrived in the last {days} days."
            ));
            steps.push("get_on_deck: what is in progress.".into());
            if sonarr {
                steps.push(format!(
                    "sonarr_get_calendar from today to {days} days ahead: episodes coming."
                ));
            }
            if radarr {
                steps.push(format!(
                    "radarr_get_calendar from today to {days} days ahead: movie releases."
                ));
            }
            steps.push("Summarise in three short groups: new, in progress, coming.".into());
            format!("Tell me what is new on my Plex server in the last {days} days.")
        }
        "year-in-review" => {
            let year: i32 = arg("year").and_then(|y| y.parse().ok()).unwrap_or_default();
            let window = format!("since \"{year}-01-01\", until \"{}-01-01\"", year + 1);
            if let Some(account) = arg("account") {
                steps.push(format!(
                    "get_user_stats ({window}): find the userId of \"{account}\" and their hours."
                ));
                steps.push(format!(
                    "get_watch_history with that userId ({window}, limit 10000): count titles, genres and days."
                ));
            } else {
                steps.push(format!(
                    "get_watch_stats ({window}): plays per day and hours."
                ));
                steps.push(format!("get_watch_stats with statType users ({window})."));
                steps.push(format!("get_popular_content ({window}, limit 10)."));
            }
            steps.push("Genres: get_media_details of the top titles.".into());
            steps.push("Streaks: the longest run of consecutive days with plays (from byDay or the history).".into());
            steps.push("Write a short, upbeat review: top titles, genres, hours, streaks.".into());
            format!(
                "Review {year} on my Plex server{}.",
                arg("account")
                    .map(|a| format!(" for {a}"))
                    .unwrap_or_default()
            )
        }
        "continue-watching" => {
            steps.push("get_on_deck: started items and next episodes, with resume points.".into());
            steps.push("get_recently_watched: what was played last.".into());
            if let Some(show) = arg("show") {
                steps.push(format!(
                    "search_media \"{show}\" (type show), then get_media_details: the next unwatched episode."
                ));
            }
            steps.push("Suggest what to resume first and why, with the resume point.".into());
            format!(
                "What should {} continue watching{}?",
                arg("account").unwrap_or("I"),
                arg("show").map(|s| format!(" in {s}")).unwrap_or_default()
            )
        }
        "library-health" => {
            let scope = arg("library")
                .map(|l| format!("the library \"{l}\" (match its name or key in get_libraries)"))
                .unwrap_or_else(|| "every library".into());
            steps.push(format!("get_library_stats for {scope}."));
            steps.push(
                "get_library_items page by page (limit 1000): unmatched items have a guid starting \
                 with local:// or none; missing metadata means no year or summary; duplicates share \
                 title and year."
                    .into(),
            );
            if sonarr {
                steps.push("sonarr_get_missing: monitored episodes without a file.".into());
            }
            if radarr {
                steps.push("radarr_get_missing: monitored movies without a file.".into());
            }
            steps.push("Report counts first, then the items to fix, worst first.".into());
            format!("Check the health of {scope} on my Plex server.")
        }
        _ => {
            steps
                .push("trakt_get_auth_status: signed in? If not, trakt_authenticate first.".into());
            steps.push("trakt_sync_to_trakt with dryRun true: Plex plays Trakt lacks.".into());
            steps.push("trakt_sync_from_trakt (no apply): Trakt plays Plex lacks.".into());
            steps.push("Report both directions with counts and examples; change nothing.".into());
            "Compare my Plex and Trakt watch histories.".into()
        }
    };
    let numbered: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect();
    format!("{intro}\n{}", numbered.join("\n"))
}
