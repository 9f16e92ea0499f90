//! `plex-mcp tools`: the tools on offer, one line each, then the toolsets and which are on.

use std::{process::ExitCode, sync::Arc};

use crate::mcp::server::{Context, PlexMcp};

pub fn run(ctx: Arc<Context>) -> ExitCode {
    let mut tools = PlexMcp::new(ctx.clone()).tools();
    // A stable order: the README's tool list is this output.
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    let width = tools.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for tool in tools {
        let description = tool.description.as_deref().unwrap_or("");
        // The first sentence is the tool's purpose; the rest is guidance for agents.
        let first = description
            .split(". ")
            .next()
            .unwrap_or(description)
            .trim_end_matches('.');
        outln!("{:width$}  {first}", tool.name);
    }
    outln!(
        "\nToolsets (PLEX_MCP_TOOLSETS or --toolsets; writes need PLEX_ENABLE_MUTATIVE_OPS=true):"
    );
    for line in ctx.toolsets.describe(&ctx.config) {
        outln!("  {line}");
    }
    ExitCode::SUCCESS
}
