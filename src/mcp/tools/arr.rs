//! What the Sonarr and Radarr tools share (list, search, paging and calendar arguments; queue,
//! profiles, commands and auto-picking) and `arr_get_status`. The tools themselves are in
//! `sonarr` and `radarr`.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::arr::{
    client::ArrClient,
    models::{Command, QueueItem},
};
use crate::mcp::args::{Day, Int, OrDefault, Text};
use crate::time::{gb, span_minutes};
use crate::{
    backend::Service,
    mcp::tools::NoArgs,
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
};

pub(super) const DEFAULT_LIMIT: usize = super::PAGE;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Part of the title, any case.
    pub filter: Option<Text<1, 200>>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    pub query: Text<1, 500>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PageArgs {
    #[schemars(extend("default" = 1))]
    pub page: Option<Int<1, { u32::MAX }>>,
    #[schemars(extend("default" = 30))]
    pub page_size: Option<Int<1, 1000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitArgs {
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CalendarArgs {
    /// Default 7 days ago.
    pub start_date: Option<Day>,
    /// Default 30 days ahead.
    pub end_date: Option<Day>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked_download_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked_download_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<f64>,
    /// Still to download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_left_gb: Option<f64>,
    /// The download client's estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_left_minutes: Option<i64>,
}

impl From<QueueItem> for QueueRow {
    fn from(q: QueueItem) -> Self {
        QueueRow {
            id: q.id,
            title: q.title,
            status: q.status,
            tracked_download_status: q.tracked_download_status,
            tracked_download_state: q.tracked_download_state,
            protocol: q.protocol,
            download_client: q.download_client,
            size_gb: q.size.map(gb),
            size_left_gb: q.sizeleft.map(gb),
            time_left_minutes: q.timeleft.as_deref().and_then(span_minutes),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueOutput {
    /// Items in the whole queue.
    pub total_records: usize,
    pub showing: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub items: Vec<QueueRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRow {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_allowed: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FolderRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accessible: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_space_gb: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfilesOutput {
    pub quality_profiles: Vec<ProfileRow>,
    pub root_folders: Vec<FolderRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Chosen {
    pub quality_profile_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_profile_name: Option<String>,
    pub root_folder_path: String,
    /// Sent only to Sonarr v3, which requires it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_profile_id: Option<i64>,
    /// Which of these were picked automatically.
    pub auto_selected: Vec<&'static str>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_id: Option<i64>,
    pub message: String,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub available: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it is not available, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Services {
    pub sonarr: ServiceStatus,
    pub radarr: ServiceStatus,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ArrStatusOutput {
    pub services: Services,
}

pub(super) fn matches_filter(title: &str, filter: &Option<Text<1, 200>>) -> bool {
    filter
        .as_deref()
        .is_none_or(|f| title.to_lowercase().contains(&f.to_lowercase()))
}

/// The day asked for, or `default_days` from today (UTC).
pub(super) fn day_or(value: Option<Day>, default_days: i64) -> String {
    value
        .map(Day::get)
        .unwrap_or_else(|| (chrono::Utc::now() + chrono::Duration::days(default_days)).date_naive())
        .format("%Y-%m-%d")
        .to_string()
}

pub(super) fn query_arg(query: &str) -> Result<String, ToolError> {
    let q = query.trim();
    if q.is_empty() {
        return Err(ToolError::invalid("query", "cannot be empty"));
    }
    Ok(q.to_string())
}

#[tool_router(router = arr_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Check Sonarr and Radarr: reachable, API key accepted, version. Never fails: an unavailable service \
says why.",
        annotations(
            title = "Sonarr and Radarr Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn arr_get_status(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ArrStatusOutput>, ToolError> {
        let (sonarr, radarr) =
            tokio::join!(self.status(Service::Sonarr), self.status(Service::Radarr));
        Ok(Json(ArrStatusOutput {
            services: Services { sonarr, radarr },
        }))
    }
}

impl PlexMcp {
    /// The configured client, or a setup message naming the variable to set.
    pub(super) fn arr(&self, service: Service) -> Result<&ArrClient, ToolError> {
        let (client, var, default_url) = match service {
            Service::Radarr => (
                &self.ctx.radarr,
                "RADARR",
                crate::config::DEFAULT_RADARR_URL,
            ),
            _ => (
                &self.ctx.sonarr,
                "SONARR",
                crate::config::DEFAULT_SONARR_URL,
            ),
        };
        client.as_ref().ok_or_else(|| {
            ToolError::NotConfigured(format!(
                "{var}_API_KEY environment variable is required. Find it in {} → Settings → General → API Key, \
                 and set {var}_URL too if it is not at {default_url}.",
                service.name()
            ))
        })
    }

    async fn status(&self, service: Service) -> ServiceStatus {
        let unavailable = |error: String| ServiceStatus {
            available: false,
            app_name: None,
            version: None,
            error: Some(error),
        };
        match self.arr(service) {
            Err(e) => unavailable(e.to_string()),
            Ok(client) => match client.system_status().await {
                Ok(s) => ServiceStatus {
                    available: true,
                    app_name: s.app_name,
                    version: s.version,
                    error: None,
                },
                Err(e) => unavailable(e.to_string()),
            },
        }
    }

    pub(super) async fn queue(
        &self,
        service: Service,
        unknown_flag: &'static str,
        args: LimitArgs,
    ) -> Result<Json<QueueOutput>, ToolError> {
        let limit = args.limit.value_or(DEFAULT_LIMIT);
        let all: Vec<QueueItem> = self.arr(service)?.queue(unknown_flag).await?;
        let total_records = all.len();
        let items: Vec<QueueRow> = all.into_iter().take(limit).map(QueueRow::from).collect();
        Ok(Json(QueueOutput {
            total_records,
            showing: items.len(),
            more: raise_limit(total_records, items.len()),
            items,
        }))
    }
}

/// [`super::more`] for the Sonarr and Radarr lists, which take a `limit` and no offset.
pub(super) fn raise_limit(total: usize, shown: usize) -> Option<String> {
    super::more(total, shown, |_| "raise limit or narrow the filter".into())
}

pub(super) fn page_args(args: &PageArgs) -> (usize, usize) {
    (
        args.page.value_or(1),
        args.page_size.value_or(DEFAULT_LIMIT),
    )
}

pub(super) fn calendar_window(args: CalendarArgs) -> Result<(String, String, usize), ToolError> {
    let start = day_or(args.start_date, -7);
    let end = day_or(args.end_date, 30);
    if end < start {
        return Err(ToolError::invalid(
            "endDate",
            format!("{end} is before startDate {start}"),
        ));
    }
    Ok((start, end, args.limit.value_or(DEFAULT_LIMIT)))
}

/// The quality profile and root folder to add with: the caller's, or the first configured.
pub(super) async fn choose(
    client: &ArrClient,
    profile: Option<i64>,
    folder: Option<String>,
) -> Result<Chosen, ToolError> {
    let (profiles, folders) = tokio::join!(client.quality_profiles(), client.root_folders(),);
    let (profiles, folders) = (profiles?, folders?);
    let mut auto_selected = Vec::new();
    let profile = match profile {
        Some(id) => profiles.iter().find(|p| p.id == id).ok_or_else(|| {
            ToolError::invalid(
                "qualityProfileId",
                format!("{id} is not a quality profile here; see the get_profiles tool"),
            )
        })?,
        None => {
            auto_selected.push("qualityProfileId");
            profiles.first().ok_or_else(|| {
                ToolError::NotConfigured(format!(
                    "{} has no quality profile; create one first.",
                    client.service().name()
                ))
            })?
        }
    };
    let root_folder_path = match folder {
        Some(path) => path,
        None => {
            auto_selected.push("rootFolderPath");
            folders.first().map(|f| f.path.clone()).ok_or_else(|| {
                ToolError::NotConfigured(format!(
                    "{} has no root folder; add one first.",
                    client.service().name()
                ))
            })?
        }
    };
    Ok(Chosen {
        quality_profile_id: profile.id,
        quality_profile_name: Some(profile.name.clone()),
        root_folder_path,
        language_profile_id: None,
        auto_selected,
    })
}

pub(super) async fn profiles(client: &ArrClient) -> Result<Json<ProfilesOutput>, ToolError> {
    let (profiles, folders) = tokio::join!(client.quality_profiles(), client.root_folders(),);
    Ok(Json(ProfilesOutput {
        quality_profiles: profiles?
            .into_iter()
            .map(|p| ProfileRow {
                id: p.id,
                name: p.name,
                upgrade_allowed: p.upgrade_allowed,
            })
            .collect(),
        root_folders: folders?
            .into_iter()
            .map(|f| FolderRow {
                id: f.id,
                path: f.path,
                accessible: f.accessible,
                free_space_gb: f.free_space.map(|b| gb(b as f64)),
            })
            .collect(),
    }))
}

pub(super) async fn command(
    client: &ArrClient,
    body: serde_json::Value,
    message: String,
) -> Result<Json<CommandOutput>, ToolError> {
    let created: Command = client.command(&body).await?;
    Ok(Json(CommandOutput {
        command_id: created.id,
        message,
    }))
}
