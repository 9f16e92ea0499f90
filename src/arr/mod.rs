//! Sonarr and Radarr: one client for both (`/api/v3`, `X-Api-Key`), their response models, and
//! the tools.

pub mod api;
pub mod client;
pub mod models;
