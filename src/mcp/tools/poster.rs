//! An item's poster or background art as an image the client can show: resized by the server
//! (never fetched anywhere else), so no URL, and no token in one, ever reaches the client.

use base64::Engine;
use futures::StreamExt;
use rmcp::{
    model::{CallToolResult, ContentBlock},
    tool, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args::{Int, OrDefault, PlexId};
use crate::mcp::{error::ToolError, params::Parameters, server::PlexMcp};

/// Largest image handed back: a few hundred KB keeps a conversation light.
const MAX_BYTES: usize = 600 * 1024;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArtKind {
    #[default]
    Poster,
    Art,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PosterArgs {
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
    /// art: the wide background instead of the poster.
    #[schemars(extend("default" = "poster"))]
    pub kind: Option<ArtKind>,
    /// Pixels.
    #[schemars(extend("default" = 300))]
    pub width: Option<Int<32, 300>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PosterInfo {
    pub title: String,
    pub width_px: u32,
    pub height_px: u32,
    pub size_kb: u32,
}

/// Posters a view asks for at once: one screen of a poster wall.
const VIEW_POSTERS: usize = 30;
const VIEW_WIDTH: u32 = 120;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ViewPostersArgs {
    /// At most 30.
    pub rating_keys: Vec<PlexId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ViewPosters {
    /// Small posters as data: URIs (a view may load nothing from elsewhere).
    pub posters: Vec<ViewPoster>,
    /// Whether play_media can be offered (writes and the playback family on).
    pub can_play: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ViewPoster {
    pub rating_key: String,
    pub src: String,
}

#[tool_router(router = poster_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "An item's poster (or background art) as an image to show, at most 300 px wide, resized by the \
Plex server.",
        output_schema = rmcp::handler::server::tool::schema_for_output::<PosterInfo>(),
        annotations(title = "Poster", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_poster(
        &self,
        Parameters(args): Parameters<PosterArgs>,
    ) -> Result<CallToolResult, ToolError> {
        let item = self.fetch_item(&args.rating_key).await?;
        let kind = args.kind.unwrap_or_default();
        let width = args.width.value_or(300) as u32;
        // Posters are 2:3, background art 16:9.
        let height = match kind {
            ArtKind::Poster => width * 3 / 2,
            ArtKind::Art => width * 9 / 16,
        };
        let source = match kind {
            ArtKind::Poster => item.thumb.clone(),
            ArtKind::Art => item.art.clone(),
        }
        .filter(|p| p.starts_with("/library/"))
        .unwrap_or_else(|| {
            let which = if kind == ArtKind::Art { "art" } else { "thumb" };
            format!("/library/metadata/{}/{which}", item.rating_key)
        });
        let (bytes, mime) = self
            .ctx
            .plex
            .image(&source, (width, height), MAX_BYTES)
            .await
            .map_err(ToolError::not_found_as(|| {
                format!(
                    "{} has no {}.",
                    item.title,
                    if kind == ArtKind::Art {
                        "art"
                    } else {
                        "poster"
                    }
                )
            }))?;
        let mime = mime
            .filter(|m| m.starts_with("image/"))
            .unwrap_or_else(|| "image/png".into());
        let info = PosterInfo {
            title: item.title.clone(),
            width_px: width,
            height_px: height,
            size_kb: (bytes.len() as u32).div_ceil(1024),
        };
        let mut result =
            CallToolResult::structured(serde_json::to_value(&info).unwrap_or_default());
        result.content.push(ContentBlock::image(
            base64::engine::general_purpose::STANDARD.encode(&bytes),
            mime,
        ));
        Ok(result)
    }

    #[tool(
        description = "Small posters for a view (app-only): data: URIs, never a URL with a token.",
        output_schema = rmcp::handler::server::tool::schema_for_output::<ViewPosters>(),
        annotations(title = "View Posters", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_view_posters(
        &self,
        Parameters(args): Parameters<ViewPostersArgs>,
    ) -> Result<crate::mcp::answer::Json<ViewPosters>, ToolError> {
        if args.rating_keys.len() > VIEW_POSTERS {
            return Err(ToolError::invalid(
                "ratingKeys",
                format!(
                    "at most {VIEW_POSTERS} at once (got {})",
                    args.rating_keys.len()
                ),
            ));
        }
        let mut keys: Vec<String> = args.rating_keys.iter().map(|k| k.to_string()).collect();
        keys.dedup();
        let plex = &self.ctx.plex;
        let size = (VIEW_WIDTH, VIEW_WIDTH * 3 / 2);
        let posters = futures::stream::iter(keys)
            .map(|key| async move {
                let source = format!("/library/metadata/{key}/thumb");
                let (bytes, mime) = plex.image(&source, size, MAX_BYTES).await.ok()?;
                let mime = mime
                    .filter(|m| m.starts_with("image/"))
                    .unwrap_or_else(|| "image/png".into());
                let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                Some(ViewPoster {
                    rating_key: key,
                    src: format!("data:{mime};base64,{data}"),
                })
            })
            .buffered(6)
            .filter_map(std::future::ready)
            .collect()
            .await;
        let config = &self.ctx.config;
        Ok(crate::mcp::answer::Json(ViewPosters {
            posters,
            can_play: config.mutative_ops
                && self
                    .ctx
                    .toolsets
                    .is_on(crate::mcp::toolsets::Family::Playback),
        }))
    }
}
