//! `export_library`'s work: a library streamed page by page into a JSON file under the exports
//! directory, written to a `.partial` file and renamed when complete, so a failed export never
//! leaves a truncated file behind.

use std::path::{Component, Path, PathBuf};

use futures::TryStreamExt;
use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::Error;
use crate::plex::{client::PlexClient, models::BriefItem};

/// What to export and where.
pub struct Export<'a> {
    pub library_key: &'a str,
    /// Plex filter parameters of the listing (`includeGuids`, `type`).
    pub filters: &'a [(&'a str, String)],
    pub page_size: usize,
    /// The file asked for, relative to the exports directory.
    pub requested: Option<&'a str>,
    pub default_name: String,
}

/// A finished export.
pub struct Exported {
    pub path: PathBuf,
    pub written: usize,
    /// The library's size as Plex reports it.
    pub total: usize,
}

/// One line of an export file, in the reference's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportRecord {
    rating_key: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edition_title: Option<String>,
}

/// Exports the library to a new file under `root`.
pub async fn library(
    plex: &PlexClient,
    root: &Path,
    export: Export<'_>,
) -> Result<Exported, Error> {
    let target = target(root, export.requested, &export.default_name).await?;
    let partial = target.with_extension("json.partial");
    match write(plex, &export, &partial).await {
        Ok((written, total)) => {
            tokio::fs::rename(&partial, &target)
                .await
                .map_err(io_error(&target))?;
            Ok(Exported {
                path: target,
                written,
                total,
            })
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}

/// Streams the library into `path`; returns (items written, library size).
async fn write(
    plex: &PlexClient,
    export: &Export<'_>,
    path: &Path,
) -> Result<(usize, usize), Error> {
    let lib_path = PlexClient::section_path(export.library_key);
    let mut walk = plex
        .section_walk::<BriefItem>(&lib_path, export.filters, export.page_size)
        .await?;
    let file = tokio::fs::File::create(path)
        .await
        .map_err(io_error(path))?;
    let mut out = Records::new(tokio::io::BufWriter::new(file));
    let io = io_error(path);
    out.page(std::mem::take(&mut walk.first))
        .await
        .map_err(&io)?;
    while let Some(items) = walk.rest.try_next().await? {
        out.page(items).await.map_err(&io)?;
    }
    let written = out.finish().await.map_err(&io)?;
    Ok((written, walk.total.unwrap_or(written)))
}

/// The export file's JSON array, one record a line, written as pages arrive.
struct Records<W> {
    out: W,
    opened: bool,
    written: usize,
}

impl<W: AsyncWrite + Unpin> Records<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            opened: false,
            written: 0,
        }
    }

    async fn open(&mut self) -> std::io::Result<()> {
        if !self.opened {
            self.opened = true;
            self.out.write_all(b"[\n").await?;
        }
        Ok(())
    }

    async fn page(&mut self, items: Vec<BriefItem>) -> std::io::Result<()> {
        self.open().await?;
        for it in items {
            let record = ExportRecord {
                rating_key: it.rating_key,
                title: it.title,
                year: it.year,
                kind: it.kind,
                guid: it.guid,
                original_title: it.original_title,
                edition_title: it.edition_title,
            };
            let line = serde_json::to_vec(&record)?;
            if self.written > 0 {
                self.out.write_all(b",\n").await?;
            }
            self.out.write_all(&line).await?;
            self.written += 1;
        }
        Ok(())
    }

    /// Closes the array; returns how many records were written.
    async fn finish(mut self) -> std::io::Result<usize> {
        self.open().await?;
        self.out.write_all(b"\n]\n").await?;
        self.out.flush().await?;
        Ok(self.written)
    }
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::Invalid {
        name: "outputPath",
        reason: reason.into(),
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io(format!("Cannot write {}: {e}", path.display()))
}

/// Resolves `requested` under `root`, refusing anything that could land outside it: absolute
/// paths, `..`, and symlinked directories pointing elsewhere.
async fn target(
    root: &Path,
    requested: Option<&str>,
    default_name: &str,
) -> Result<PathBuf, Error> {
    let relative = match requested.map(str::trim) {
        None => PathBuf::from(default_name),
        Some("") => return Err(invalid("must not be empty")),
        Some(p) => {
            let path = PathBuf::from(p);
            if path.is_absolute() {
                return Err(invalid(
                    "must be relative to the exports directory; absolute paths are not allowed",
                ));
            }
            if path
                .components()
                .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(invalid(
                    "must stay inside the exports directory (no \"..\")",
                ));
            }
            path
        }
    };
    let target = root.join(&relative);
    if target.file_name().is_none() {
        return Err(invalid("must name a file"));
    }
    let parent = target.parent().unwrap_or(root);
    tokio::fs::create_dir_all(parent)
        .await
        .map_err(|e| Error::Io(format!("Cannot create {}: {e}", parent.display())))?;
    let (real_root, real_parent) = match (
        tokio::fs::canonicalize(root).await,
        tokio::fs::canonicalize(parent).await,
    ) {
        (Ok(r), Ok(p)) => (r, p),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Error::Io(format!(
                "Cannot resolve the exports directory: {e}"
            )));
        }
    };
    if !real_parent.starts_with(&real_root) {
        return Err(invalid(
            "resolves outside the exports directory (through a symbolic link)",
        ));
    }
    let target = real_parent.join(target.file_name().unwrap_or_default());
    if tokio::fs::symlink_metadata(&target).await.is_ok() {
        return Err(invalid(format!(
            "{} already exists; choose another name",
            target.display()
        )));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str) -> BriefItem {
        serde_json::from_value(serde_json::json!({
            "ratingKey": key, "title": format!("T{key}"), "type": "movie", "year": 2001
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn records_form_one_json_array_across_pages() {
        let mut out = Vec::new();
        let mut r = Records::new(&mut out);
        r.page(vec![item("1"), item("2")]).await.unwrap();
        r.page(Vec::new()).await.unwrap();
        r.page(vec![item("3")]).await.unwrap();
        assert_eq!(r.finish().await.unwrap(), 3);
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
        let keys: Vec<&str> = parsed
            .iter()
            .map(|v| v["ratingKey"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["1", "2", "3"]);
        assert_eq!(parsed[0]["year"], 2001);
        let mut empty = Vec::new();
        assert_eq!(Records::new(&mut empty).finish().await.unwrap(), 0);
        assert_eq!(
            serde_json::from_slice::<Vec<serde_json::Value>>(&empty)
                .unwrap()
                .len(),
            0
        );
    }

    #[tokio::test]
    async fn export_paths_stay_inside() {
        let root =
            std::env::temp_dir().join(format!("plex-mcp-export-test-{}", std::process::id()));
        tokio::fs::create_dir_all(&root).await.unwrap();
        let ok = target(&root, Some("sub/a.json"), "x").await.unwrap();
        assert!(ok.starts_with(tokio::fs::canonicalize(&root).await.unwrap()));
        for bad in ["/etc/passwd", "../x.json", "sub/../../x.json", ""] {
            let err = target(&root, Some(bad), "x").await.unwrap_err().to_string();
            assert!(err.contains("outputPath"), "{bad}: {err}");
        }
        #[cfg(unix)]
        {
            let outside =
                std::env::temp_dir().join(format!("plex-mcp-outside-{}", std::process::id()));
            tokio::fs::create_dir_all(&outside).await.unwrap();
            let link = root.join("escape");
            let _ = tokio::fs::remove_file(&link).await;
            tokio::fs::symlink(&outside, &link).await.unwrap();
            let err = target(&root, Some("escape/x.json"), "x")
                .await
                .unwrap_err()
                .to_string();
            assert!(err.contains("symbolic link"), "{err}");
            let _ = tokio::fs::remove_dir_all(&outside).await;
        }
        tokio::fs::write(root.join("taken.json"), b"[]")
            .await
            .unwrap();
        let err = target(&root, Some("taken.json"), "x")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        let _ = tokio::fs::remove_dir_all(&root).await;
    }
}
