//! The MCP side: the server that assembles the tool families, and its transports.

pub mod answer;
pub mod apps;
pub mod args;
mod completions;
mod conns;
pub mod error;
pub mod http;
mod jsonrpc;
pub mod params;
mod prompts;
mod resources;
mod schema;
pub mod server;
pub mod stdio;
pub mod tools;
pub mod toolsets;
