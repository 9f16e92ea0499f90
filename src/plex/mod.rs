//! Plex Media Server, Plex Discover and plex.tv: clients, response models and the Plex tools.

mod ahead;
pub mod api;
pub mod client;
mod decode;
pub mod models;
pub mod players;

pub mod tv;
