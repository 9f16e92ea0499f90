//! The MCP server: one struct holding the shared context and the router of every tool family.

use std::sync::Arc;

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::{router::tool::ToolRouter, tool::ToolCallContext},
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation,
        ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
        PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
        ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
    tool_handler,
};

use super::{answer::Answers, params::ARGUMENT_ERROR_PREFIX};
use crate::{
    arr::client::ArrClient,
    config::Config,
    mcp::toolsets::{Family, Toolsets},
    plex::client::PlexClient,
    redact::Redactor,
    services::jobs::Jobs,
    store::Store,
    trakt::client::TraktClient,
};

/// What every tool call can reach: configuration and backend clients.
pub struct Context {
    pub config: Config,
    pub plex: PlexClient,
    /// `None` when no API key is configured.
    pub sonarr: Option<ArrClient>,
    pub radarr: Option<ArrClient>,
    /// `None` when the Trakt application is not configured.
    pub trakt: Option<Arc<TraktClient>>,
    pub store: Arc<Store>,
    /// The background work: the Trakt sync's state and the scrobbler (stopped when dropped).
    pub jobs: Jobs,
    /// Tool calls under way, so a shutdown can let them finish.
    pub in_flight: InFlight,
    /// The secrets no result may show.
    pub redactor: Redactor,
    /// The tool families listed.
    pub toolsets: Toolsets,
    /// Built on first use, then shared by every session.
    pub routes: std::sync::OnceLock<Routes>,
    /// Item lengths of whole libraries, shared by the statistics calls.
    pub lengths: crate::services::analytics::Lengths,
}

/// Counts the tool calls under way.
#[derive(Debug)]
pub struct InFlight(tokio::sync::watch::Sender<usize>);

impl Default for InFlight {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(0))
    }
}

impl InFlight {
    fn enter(&self) -> CallGuard<'_> {
        self.0.send_modify(|n| *n += 1);
        CallGuard(&self.0)
    }

    /// Resolves when no call is under way, or after `grace`; true when none was left.
    pub async fn settle(&self, grace: std::time::Duration) -> bool {
        let mut rx = self.0.subscribe();
        tokio::time::timeout(grace, rx.wait_for(|n| *n == 0))
            .await
            .is_ok()
    }
}

struct CallGuard<'a>(&'a tokio::sync::watch::Sender<usize>);

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The tool routes of this process's configuration.
pub struct Routes {
    /// What is listed (and callable): compacted, filtered by toolsets and the writes switch.
    listed: ToolRouter<PlexMcp>,
    writes: std::collections::HashSet<String>,
    reads: std::collections::HashSet<String>,
}

impl Routes {
    fn build(ctx: &Context) -> Self {
        let names = |r: &ToolRouter<PlexMcp>| -> std::collections::HashSet<String> {
            r.list_all()
                .into_iter()
                .map(|t| t.name.into_owned())
                .collect()
        };
        let (reads, writes) = (PlexMcp::read_routers(), PlexMcp::write_routers());
        let (read_names, write_names) = (names(&reads), names(&writes));
        // Write tools are not even listed unless enabled (the reference listed them and only
        // refused the calls); other tools only when their family is on.
        let listed = |name: &str| {
            ctx.toolsets.lists(name) && (ctx.config.mutative_ops || !write_names.contains(name))
        };
        let listed = lean(reads + writes, listed);
        Routes {
            listed,
            writes: write_names,
            reads: read_names,
        }
    }
}

#[derive(Clone)]
pub struct PlexMcp {
    pub(crate) ctx: Arc<Context>,
    tool_router: ToolRouter<Self>,
    /// Where answers wait for the stdio front to write them (see [`super::answer`]).
    answers: Option<Answers>,
}

/// The server instructions: today's date and offset, where ids come from, what is on. Kept under
/// 600 characters; a test holds it there.
fn instructions(ctx: &Context) -> String {
    let on: Vec<&str> = Family::ALL
        .into_iter()
        .filter(|f| ctx.toolsets.is_on(*f))
        .map(Family::name)
        .collect();
    let writes = if ctx.config.mutative_ops {
        "Write tools are on."
    } else {
        "Write tools (edits, playlists, watched state, watchlist) are off: they need \
         PLEX_ENABLE_MUTATIVE_OPS=true."
    };
    format!(
        "plex-mcp: a Plex media server and its companions. Today is {}; times are in that zone. Toolsets on: {}. \
         Ids are numeric strings from earlier results: libraryKey from get_libraries, ratingKey \
         from search_media or any list, playlistId from get_playlists. {writes}",
        crate::time::today(),
        on.join(", "),
    )
}

impl PlexMcp {
    pub fn new(ctx: Arc<Context>) -> Self {
        // Generating and compacting every schema is the costly part of a server: done once per
        // process, not per HTTP session or stateless request.
        let tool_router = ctx
            .routes
            .get_or_init(|| Routes::build(&ctx))
            .listed
            .clone();
        Self {
            ctx,
            tool_router,
            answers: None,
        }
    }

    /// This server with its answers held in `answers`, for a transport that writes them.
    pub fn holding(self, answers: Answers) -> Self {
        Self {
            answers: Some(answers),
            ..self
        }
    }

    fn read_routers() -> ToolRouter<Self> {
        Self::library_tools()
            + Self::search_tools()
            + Self::history_tools()
            + Self::playlist_tools()
            + Self::collection_tools()
            + Self::server_tools()
            + Self::poster_tools()
            + Self::playback_tools()
            + Self::watchlist_tools()
            + Self::analytics_tools()
            + Self::review_tools()
            + Self::recommendation_tools()
            + Self::sonarr_tools()
            + Self::radarr_tools()
            + Self::arr_tools()
            + Self::trakt_auth_tools()
            + Self::trakt_info_tools()
            + Self::trakt_sync_tools()
            + Self::trakt_scrobble_tools()
    }

    fn write_routers() -> ToolRouter<Self> {
        Self::write_tools()
            + Self::playlist_write_tools()
            + Self::collection_write_tools()
            + Self::server_write_tools()
            + Self::playback_write_tools()
            + Self::metadata_tools()
    }

    /// For a tool of ours that is not listed: what to set to get it.
    pub fn unlisted_tool(&self, name: &str) -> Option<String> {
        let routes = self.ctx.routes.get_or_init(|| Routes::build(&self.ctx));
        let write = routes.writes.contains(name);
        if self.tool_router.has_route(name) || !(write || routes.reads.contains(name)) {
            return None;
        }
        if !self.ctx.toolsets.lists(name) {
            return Some(self.ctx.toolsets.why_off(name, &self.ctx.config));
        }
        Some(format!(
            "{name} is a Plex write tool and writes are disabled. Set PLEX_ENABLE_MUTATIVE_OPS=true \
             (and do not pass --read-only) to enable the Plex write tools."
        ))
    }

    /// Every tool this server offers the model, for `plex-mcp tools` and the tests.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        let mut tools = self.tool_router.list_all();
        tools.retain(|t| !super::apps::APP_ONLY.contains(&t.name.as_ref()));
        tools
    }
}

impl PlexMcp {
    /// Hides every configured secret, and every Trakt token issued, wherever a backend put it.
    fn redact(&self, result: &mut CallToolResult) {
        let redactor = &self.ctx.redactor;
        for block in &mut result.content {
            if let Some(text) = block.as_text()
                && let std::borrow::Cow::Owned(clean) = redactor.redact(&text.text)
            {
                *block = ContentBlock::text(clean);
            }
        }
        if let Some(structured) = &mut result.structured_content {
            redactor.redact_json(structured);
        }
    }
}

/// The routes `keep` accepts, with definitions as lean as they can be said: compacted input
/// schemas, no `$schema` in output schemas, and on read-only tools no destructive or idempotent
/// hint (MCP gives them meaning only for tools that write).
fn lean(router: ToolRouter<PlexMcp>, keep: impl Fn(&str) -> bool) -> ToolRouter<PlexMcp> {
    let mut lean = ToolRouter::new();
    for mut route in router.into_iter().filter(|r| keep(&r.attr.name)) {
        super::schema::compact_input(Arc::make_mut(&mut route.attr.input_schema));
        if let Some(output) = &mut route.attr.output_schema {
            Arc::make_mut(output).remove("$schema");
        }
        if let Some(a) = &mut route.attr.annotations
            && a.read_only_hint == Some(true)
        {
            a.destructive_hint = None;
            a.idempotent_hint = None;
        }
        lean.add_route(route);
    }
    lean
}

/// rmcp words argument errors for programmers; say which tool and what to fix instead.
fn reword_argument_error(tool: &str, result: &mut CallToolResult) {
    for block in &mut result.content {
        if let Some(text) = block.as_text()
            && let Some(detail) = text.text.strip_prefix(ARGUMENT_ERROR_PREFIX)
        {
            *block = ContentBlock::text(format!(
                "Invalid arguments for {tool}: {detail}. Check the tool's input schema."
            ));
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PlexMcp {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_completions()
            .build();
        capabilities.extensions = Some(
            [(super::apps::EXTENSION.to_string(), Default::default())]
                .into_iter()
                .collect(),
        );
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("plex-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(instructions(&self.ctx))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(super::prompts::list(
            &self.ctx.toolsets,
        )))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let args = request
            .arguments
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect();
        super::prompts::get(&request.name, args, &self.ctx.toolsets).map(Into::into)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = self.tool_router.list_all();
        if super::apps::client_renders(&context) {
            super::apps::link(&mut tools);
        } else {
            tools.retain(|t| !super::apps::APP_ONLY.contains(&t.name.as_ref()));
        }
        let mut result = ListToolsResult::with_all_items(tools);
        // As rmcp's default: cache hints only for the version that defines them.
        if context
            .protocol_version()
            .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28)
        {
            result.ttl_ms = Some(0);
        }
        Ok(result)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut all = super::resources::list();
        if super::apps::client_renders(&context) {
            all.extend(super::apps::resources());
        }
        Ok(ListResourcesResult::with_all_items(all))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            super::resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        if let Some(view) = super::apps::read(&request.uri) {
            return Ok(view.into());
        }
        self.read_resource_uri(&request.uri).await.map(Into::into)
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        Ok(CompleteResult::new(self.completion(&request).await))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.clone();
        if let Some(message) = self.unlisted_tool(&name) {
            tracing::warn!(tool = %name, "a tool that is not listed was called");
            return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into());
        }
        let _in_flight = self.ctx.in_flight.enter();
        let started = std::time::Instant::now();
        let call = self
            .tool_router
            .call(ToolCallContext::new(self, request, context));
        let mut result = match &self.answers {
            Some(answers) => answers.scope(call).await,
            None => call.await,
        };
        if let Ok(CallToolResponse::Complete(r)) = &mut result
            && r.is_error == Some(true)
        {
            reword_argument_error(&name, r);
        }
        if let Ok(CallToolResponse::Complete(r)) = &mut result {
            self.redact(r);
        }
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true) => {
                let message = r
                    .content
                    .first()
                    .and_then(|c| c.as_text())
                    .map(|t| t.text.as_str())
                    .unwrap_or("");
                tracing::warn!(tool = %name, elapsed_ms, "tool error: {message}");
            }
            Ok(_) => tracing::info!(tool = %name, elapsed_ms, "tool ok"),
            Err(e) => tracing::warn!(tool = %name, "protocol error: {}", e.message),
        }
        result
    }
}
