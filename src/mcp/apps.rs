//! MCP Apps (`io.modelcontextprotocol/ui`): small HTML views compiled into the binary that hosts
//! render inside the conversation, linked from the tools whose results they show. Only a client
//! that declares the extension sees the links and the app-only tools; every tool keeps its full
//! text answer for the rest.

use std::sync::LazyLock;

use rmcp::{
    RoleServer,
    model::{MetaObject, ReadResourceResult, Resource, ResourceContents, Tool},
    service::RequestContext,
};
use serde_json::json;

pub const EXTENSION: &str = "io.modelcontextprotocol/ui";
pub const MIME: &str = "text/html;profile=mcp-app";

/// Tools only views call: hidden from the model (`visibility: ["app"]`) and from clients
/// without the extension.
pub const APP_ONLY: [&str; 2] = ["get_view_posters", "get_view_review"];

pub struct View {
    pub uri: &'static str,
    name: &'static str,
    description: &'static str,
    source: &'static str,
    /// The tools whose results the view shows.
    pub tools: &'static [&'static str],
}

pub const VIEWS: [View; 3] = [
    View {
        uri: "ui://plex-mcp/poster-wall",
        name: "Poster wall",
        description: "Posters of a list of titles; details on click, and Play on… a player.",
        source: include_str!("views/poster_wall.html"),
        tools: &[
            "search_media",
            "get_recommendations",
            "get_on_deck",
            "get_recently_added",
            "get_watchlist",
            "get_collection_items",
            "get_view_posters",
        ],
    },
    View {
        uri: "ui://plex-mcp/now-playing",
        name: "Now playing",
        description: "Each stream with its progress, player and why it transcodes; refreshes.",
        source: include_str!("views/now_playing.html"),
        tools: &["get_active_sessions"],
    },
    View {
        uri: "ui://plex-mcp/year-in-review",
        name: "Year in review",
        description: "Hours per month, top titles and genres, busiest day and hour, accounts side by side.",
        source: include_str!("views/year_in_review.html"),
        tools: &["get_watch_stats", "get_user_stats", "get_view_review"],
    },
];

/// Each view's page: its own markup with the shared style and host bridge inlined, so the file
/// is self-contained (the default content policy allows no other origin).
static PAGES: LazyLock<Vec<String>> = LazyLock::new(|| {
    VIEWS
        .iter()
        .map(|v| {
            v.source
                .replace("/*COMMON_CSS*/", include_str!("views/common.css"))
                .replace("/*BRIDGE_JS*/", include_str!("views/bridge.js"))
        })
        .collect()
});

/// Whether the client said in `initialize` that it renders our views.
pub fn client_renders(context: &RequestContext<RoleServer>) -> bool {
    let Some(info) = context.peer.peer_info() else {
        return false;
    };
    let Some(settings) = info
        .capabilities
        .extensions
        .as_ref()
        .and_then(|e| e.get(EXTENSION))
    else {
        return false;
    };
    // A client that names the types it renders must name ours.
    match settings.get("mimeTypes").and_then(|m| m.as_array()) {
        Some(types) => types.iter().any(|t| t == MIME),
        None => true,
    }
}

/// Links each tool a view shows to it (`_meta.ui.resourceUri`, and the older flat key hosts
/// still read), marking app-only tools as such.
pub fn link(tools: &mut [Tool]) {
    for tool in tools {
        let Some(view) = VIEWS.iter().find(|v| v.tools.contains(&tool.name.as_ref())) else {
            continue;
        };
        let mut ui = json!({"resourceUri": view.uri});
        if APP_ONLY.contains(&tool.name.as_ref()) {
            ui["visibility"] = json!(["app"]);
        }
        let meta = tool.meta.get_or_insert_with(MetaObject::new);
        meta.0.insert("ui".into(), ui);
        meta.0.insert("ui/resourceUri".into(), json!(view.uri));
    }
}

pub fn resources() -> Vec<Resource> {
    VIEWS
        .iter()
        .map(|v| {
            Resource::new(v.uri, v.name)
                .with_description(v.description)
                .with_mime_type(MIME)
        })
        .collect()
}

pub fn read(uri: &str) -> Option<ReadResourceResult> {
    let i = VIEWS.iter().position(|v| v.uri == uri)?;
    let mut meta = MetaObject::new();
    meta.0.insert("ui".into(), json!({"prefersBorder": false}));
    Some(ReadResourceResult::new(vec![
        ResourceContents::text(PAGES[i].clone(), uri)
            .with_mime_type(MIME)
            .with_meta(meta),
    ]))
}
