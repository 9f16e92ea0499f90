//! The two syncs and their status: `trakt_sync_to_trakt`, `trakt_sync_from_trakt` and
//! `trakt_get_sync_status`. The work is the sync service's; these adapt arguments, progress
//! notifications and results.

use rmcp::{
    Json, RoleServer, model::ProgressNotificationParam, service::RequestContext, tool, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    mcp::{
        args::{Int, OrDefault},
        error::ToolError,
        params::Parameters,
        server::PlexMcp,
        tools::NoArgs,
    },
    services::{
        Error,
        scrobbler::ScrobblerStatus,
        sync::{
            self, FromTraktOptions, LastSync, OWNER_ACCOUNT, Part, Progress, SyncFromOutput,
            SyncMode, SyncOptions, SyncToOutput, What, ratings::RatingPriority,
        },
    },
    time::Iso,
};

const DEFAULT_BATCH: usize = 500;
const DEFAULT_PREVIEW: usize = crate::mcp::tools::PAGE;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncToArgs {
    /// Count only; send nothing.
    pub dry_run: Option<bool>,
    #[schemars(extend("default" = 500))]
    pub batch_size: Option<Int<1, 1000>>,
    /// Ignored (progress goes out as MCP notifications).
    #[serde(rename = "includeProgress")]
    pub _include_progress: Option<bool>,
    #[schemars(extend("default" = "plays"))]
    pub mode: Option<SyncMode>,
    /// Plex account id (get_user_stats); 1 is the owner.
    #[schemars(extend("default" = 1))]
    pub account_id: Option<Int<1, { u32::MAX }>>,
    /// Ignore the ledger (Trakt's history still prevents duplicates).
    pub resend: Option<bool>,
    #[schemars(extend("default" = ["history"]))]
    pub what: Option<Vec<Part>>,
    /// Where both rated differently, plex overwrites Trakt; none fills gaps only.
    #[schemars(extend("default" = "none"))]
    pub rating_priority: Option<RatingPriority>,
    /// Also remove from Trakt's watchlist what Plex's lacks.
    pub mirror: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncFromArgs {
    /// Write to Plex what Trakt has: watched state, ratings, watchlist (writes enabled).
    pub apply: Option<bool>,
    #[schemars(extend("default" = ["history"]))]
    pub what: Option<Vec<Part>>,
    /// Where both rated differently, trakt overwrites Plex; none fills gaps only.
    #[schemars(extend("default" = "none"))]
    pub rating_priority: Option<RatingPriority>,
    /// Also remove from Plex's watchlist what Trakt's lacks.
    pub mirror: Option<bool>,
    /// Titles listed per kind; counts stay complete.
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 1000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusOutput {
    pub sync_in_progress: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_id: Option<String>,
    /// For a running sync: what it is doing and how far it got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Iso>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<LastSync>,
    pub scrobbler: ScrobblerStatus,
    pub message: String,
}

async fn notify(context: &RequestContext<RoleServer>, p: Progress) {
    if let (Some(token), Some(message)) = (context.meta.get_progress_token(), p.message) {
        let _ = context
            .peer
            .notify_progress(
                ProgressNotificationParam::new(token, p.done as f64)
                    .with_total(p.total as f64)
                    .with_message(message),
            )
            .await;
    }
}

#[tool_router(router = trakt_sync_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Send Plex to Trakt (`what`): plays to its history, each once (a ledger skips what was sent and \
resumes a cut run), ratings, watchlist. dryRun counts first. One at a time, 1 write/s. Needs a Trakt sign-in.",
        annotations(
            title = "Trakt Sync To Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_to_trakt(
        &self,
        Parameters(args): Parameters<SyncToArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SyncToOutput>, ToolError> {
        let trakt = self.signed_in_trakt().await?;
        let opts = SyncOptions {
            cancel: context.ct.clone(),
            dry_run: args.dry_run.unwrap_or(false),
            batch_size: args.batch_size.value_or(DEFAULT_BATCH),
            mode: args.mode.unwrap_or_default(),
            account: args.account_id.map_or(OWNER_ACCOUNT, Int::get),
            resend: args.resend.unwrap_or(false),
            what: What::of(args.what.as_deref()),
            priority: args.rating_priority.unwrap_or_default(),
            mirror: args.mirror.unwrap_or(false),
        };
        // Progress goes out as MCP notifications while the sync runs; the channel closes when
        // the sync ends, which ends the forwarding.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let ctx = &self.ctx;
        let run = sync::to_trakt(
            &ctx.plex,
            trakt,
            &ctx.store,
            &ctx.jobs.sync,
            opts,
            move |p| {
                let _ = tx.send(p);
            },
        );
        let forward = async {
            while let Some(p) = rx.recv().await {
                notify(&context, p).await;
            }
        };
        let (out, ()) = tokio::join!(run, forward);
        match out {
            Err(Error::Busy(m)) => Err(ToolError::Local(format!(
                "{m} trakt_get_sync_status shows its progress."
            ))),
            other => Ok(Json(other?)),
        }
    }

    #[tool(
        description = "Compare Trakt's watched history, ratings or watchlist (`what`) with Plex; apply: true writes them \
to Plex (needs writes enabled). Other way: trakt_sync_to_trakt.",
        annotations(
            title = "Trakt Sync From Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_from_trakt(
        &self,
        Parameters(args): Parameters<SyncFromArgs>,
    ) -> Result<Json<SyncFromOutput>, ToolError> {
        let trakt = self.trakt()?;
        let apply = args.apply.unwrap_or(false);
        if apply && !self.ctx.config.mutative_ops {
            return Err(ToolError::invalid(
                "apply",
                "marking items watched in Plex is a write: set PLEX_ENABLE_MUTATIVE_OPS=true (and do not \
                 pass --read-only), or call without apply to compare only",
            ));
        }
        let opts = FromTraktOptions {
            apply,
            limit: args.limit.value_or(DEFAULT_PREVIEW),
            what: What::of(args.what.as_deref()),
            priority: args.rating_priority.unwrap_or_default(),
            mirror: args.mirror.unwrap_or(false),
        };
        Ok(Json(sync::from_trakt(&self.ctx.plex, trakt, opts).await?))
    }

    #[tool(
        description = "The Trakt jobs: a running sync's progress, the last sync's counts, the scrobbler's state. Local; \
asks Trakt nothing.",
        annotations(
            title = "Trakt Get Sync Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn trakt_get_sync_status(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Json<SyncStatusOutput>, ToolError> {
        let (running, last): (_, Option<LastSync>) = self.ctx.jobs.sync.status();
        let scrobbler = self.ctx.jobs.scrobbler.status();
        let message = match &running {
            Some(r) => format!("Sync in progress: {} ({} of {}).", r.phase, r.done, r.total),
            None => "No active sync.".into(),
        };
        Ok(Json(SyncStatusOutput {
            sync_in_progress: running.is_some(),
            sync_id: running.as_ref().map(|r| r.id.clone()),
            phase: running.as_ref().map(|r| r.phase.to_string()),
            started_at: running.as_ref().map(|r| Iso::unix(r.started)),
            progress: running.as_ref().map(|r| format!("{}/{}", r.done, r.total)),
            last_sync: last,
            scrobbler,
            message,
        }))
    }
}
