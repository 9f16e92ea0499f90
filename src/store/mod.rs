//! Embedded state in the data directory: one SQLite file, readable only by its owner, holding the
//! Trakt sign-in and the ledger of what a sync has sent. Every write is one transaction, so a
//! process killed mid-write leaves the previous state, never half of the new one.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Mutex,
};

use rusqlite::{Connection, OptionalExtension, params};

use crate::config::Secret;

pub const DB_FILE: &str = "state.sqlite3";

/// Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE trakt_tokens (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         access_token TEXT NOT NULL,
         refresh_token TEXT,
         expires_at INTEGER NOT NULL,
         username TEXT,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE trakt_ledger (
         key TEXT PRIMARY KEY,
         state TEXT NOT NULL,
         updated_at INTEGER NOT NULL
     ) WITHOUT ROWID;",
    "CREATE TABLE plex_login (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         token TEXT NOT NULL,
         url TEXT NOT NULL,
         server_name TEXT NOT NULL,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE settings (
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL
     ) WITHOUT ROWID;",
    // The ledger per (Trakt account, Plex account): entries from before have no scope and
    // match none, so Trakt's own history decides for them. Scrobbled plays, so a sync does
    // not send them again.
    "CREATE TABLE trakt_ledger_scoped (
         scope TEXT NOT NULL,
         key TEXT NOT NULL,
         state TEXT NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (scope, key)
     ) WITHOUT ROWID;
     INSERT INTO trakt_ledger_scoped SELECT '', key, state, updated_at FROM trakt_ledger;
     DROP TABLE trakt_ledger;
     ALTER TABLE trakt_ledger_scoped RENAME TO trakt_ledger;
     CREATE TABLE scrobbled (
         scope TEXT NOT NULL,
         rating_key TEXT NOT NULL,
         at INTEGER NOT NULL,
         PRIMARY KEY (scope, rating_key, at)
     ) WITHOUT ROWID;",
];

/// The Trakt sign-in as stored.
#[derive(Clone, Debug)]
pub struct StoredTokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    /// Unix seconds.
    pub expires_at: i64,
    pub username: Option<String>,
}

/// The Plex server `plex-mcp login` chose, and the token for it.
#[derive(Clone, Debug)]
pub struct PlexLogin {
    pub token: Secret,
    pub url: String,
    pub server_name: String,
}

/// Where a play stands in the Plex → Trakt ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerState {
    /// Written just before the POST that carries it: if the process dies before the answer, the
    /// next sync checks Trakt's history before sending it again.
    Pending,
    /// Trakt confirmed it.
    Sent,
    /// Trakt answered that it does not know the item.
    NotFound,
}

impl LedgerState {
    fn as_str(self) -> &'static str {
        match self {
            LedgerState::Pending => "pending",
            LedgerState::Sent => "sent",
            LedgerState::NotFound => "not_found",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(LedgerState::Pending),
            "sent" => Some(LedgerState::Sent),
            "not_found" => Some(LedgerState::NotFound),
            _ => None,
        }
    }
}

pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the state database in `dir`. The directory is created 0700 and
    /// the file 0600; an existing file with looser permissions is tightened.
    pub fn open(dir: &Path) -> Result<Store, String> {
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            format!(
                "cannot {what} in the data directory {} ({e}); set PLEX_MCP_DATA_DIR to a writable directory",
                dir.display()
            )
        };
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| fail("create it", &e))?;
            restrict(dir, 0o700).map_err(|e| fail("set its permissions", &e))?;
        }
        let path = dir.join(DB_FILE);
        create_private(&path).map_err(|e| fail("create the state file", &e))?;
        let mut conn = Connection::open(&path).map_err(|e| fail("open the state file", &e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| fail("open the state file", &e))?;
        migrate_when_free(&mut conn).map_err(|e| fail("prepare the state file", &e))?;
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        crate::lock(&self.conn)
    }

    pub fn trakt_tokens(&self) -> Result<Option<StoredTokens>, String> {
        self.conn()
            .query_row(
                "SELECT access_token, refresh_token, expires_at, username FROM trakt_tokens WHERE id = 1",
                [],
                |row| {
                    Ok(StoredTokens {
                        access: Secret::new(row.get::<_, String>(0)?),
                        refresh: row.get::<_, Option<String>>(1)?.map(Secret::new),
                        expires_at: row.get(2)?,
                        username: row.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(db_error)
    }

    /// Replaces the stored sign-in. Trakt rotates the refresh token on every refresh, so the new
    /// pair must be on disk before it is used.
    pub fn save_trakt_tokens(&self, tokens: &StoredTokens) -> Result<(), String> {
        self.conn()
            .execute(
                "INSERT INTO trakt_tokens (id, access_token, refresh_token, expires_at, username, updated_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET access_token = ?1, refresh_token = ?2,
                     expires_at = ?3, username = ?4, updated_at = ?5",
                params![
                    tokens.access.expose(),
                    tokens.refresh.as_ref().map(Secret::expose),
                    tokens.expires_at,
                    tokens.username,
                    chrono::Utc::now().timestamp()
                ],
            )
            .map(drop)
            .map_err(db_error)
    }

    pub fn plex_login(&self) -> Result<Option<PlexLogin>, String> {
        self.conn()
            .query_row(
                "SELECT token, url, server_name FROM plex_login WHERE id = 1",
                [],
                |row| {
                    Ok(PlexLogin {
                        token: Secret::new(row.get::<_, String>(0)?),
                        url: row.get(1)?,
                        server_name: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(db_error)
    }

    pub fn save_plex_login(&self, login: &PlexLogin) -> Result<(), String> {
        self.conn()
            .execute(
                "INSERT INTO plex_login (id, token, url, server_name, updated_at)
                 VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET token = ?1, url = ?2, server_name = ?3, updated_at = ?4",
                params![
                    login.token.expose(),
                    login.url,
                    login.server_name,
                    chrono::Utc::now().timestamp()
                ],
            )
            .map(drop)
            .map_err(db_error)
    }

    /// This installation's `X-Plex-Client-Identifier`: made once, then the same on every run,
    /// so plex.tv lists one device for plex-mcp, not one per login.
    pub fn client_identifier(&self) -> Result<String, String> {
        let conn = self.conn();
        let existing: Option<String> = conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'client_identifier'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(db_error)?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = format!(
            "plex-mcp-{:016x}{:08x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
            std::process::id()
        );
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('client_identifier', ?1)",
            params![id],
        )
        .map_err(db_error)?;
        Ok(id)
    }

    /// Forgets every sign-in and the ledger (keeping the client identifier): for the demo, whose
    /// sample services are new on every run.
    pub fn reset(&self) -> Result<(), String> {
        self.conn()
            .execute_batch(
                "BEGIN; DELETE FROM trakt_tokens; DELETE FROM trakt_ledger; DELETE FROM scrobbled; DELETE FROM plex_login; COMMIT;",
            )
            .map_err(db_error)
    }

    /// Every ledger entry of `scope` (a Trakt account and a Plex account), by key.
    pub fn ledger(&self, scope: &str) -> Result<HashMap<String, LedgerState>, String> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT key, state FROM trakt_ledger WHERE scope = ?1")
            .map_err(db_error)?;
        let rows = stmt
            .query_map([scope], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(db_error)?;
        let mut out = HashMap::new();
        for row in rows {
            let (key, state) = row.map_err(db_error)?;
            if let Some(state) = LedgerState::parse(&state) {
                out.insert(key, state);
            }
        }
        Ok(out)
    }

    /// Records `state` for every key of `scope`, in one transaction.
    pub fn mark<'a>(
        &self,
        scope: &str,
        keys: impl IntoIterator<Item = &'a str>,
        state: LedgerState,
    ) -> Result<(), String> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(db_error)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO trakt_ledger (scope, key, state, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (scope, key) DO UPDATE SET state = ?3, updated_at = ?4",
                )
                .map_err(db_error)?;
            let now = chrono::Utc::now().timestamp();
            for key in keys {
                stmt.execute(params![scope, key, state.as_str(), now])
                    .map_err(db_error)?;
            }
        }
        tx.commit().map_err(db_error)
    }

    /// Records that the scrobbler made Trakt record a play of `rating_key` at `at`.
    pub fn record_scrobble(&self, scope: &str, rating_key: &str, at: i64) -> Result<(), String> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO scrobbled (scope, rating_key, at) VALUES (?1, ?2, ?3)",
                params![scope, rating_key, at],
            )
            .map(drop)
            .map_err(db_error)
    }

    /// The scrobbled plays of `scope`: ratingKey → times.
    pub fn scrobbled(&self, scope: &str) -> Result<HashMap<String, Vec<i64>>, String> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT rating_key, at FROM scrobbled WHERE scope = ?1")
            .map_err(db_error)?;
        let rows = stmt
            .query_map([scope], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(db_error)?;
        let mut out: HashMap<String, Vec<i64>> = HashMap::new();
        for row in rows {
            let (key, at) = row.map_err(db_error)?;
            out.entry(key).or_default().push(at);
        }
        Ok(out)
    }
}

fn db_error(e: rusqlite::Error) -> String {
    format!("the local state database failed: {e}")
}

/// Switching to WAL answers "busy" at once, without the busy handler, while another process is
/// creating the same file; so a few short retries before giving up.
fn migrate_when_free(conn: &mut Connection) -> rusqlite::Result<()> {
    let mut tries = 0;
    loop {
        match migrate(conn) {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && tries < 100 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            done => return done,
        }
    }
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // IMMEDIATE: two processes starting at once must not both see the schema as missing.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let done: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for sql in MIGRATIONS.iter().skip(done.max(0) as usize) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)?;
    tx.commit()
}

/// Creates `path` readable only by its owner (or tightens an existing file), before SQLite opens
/// it; SQLite gives its journal files the same mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?;
    restrict(path, 0o600)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("plex-mcp-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn tokens_survive_reopening_and_the_file_is_private() {
        let dir = temp_dir("tokens");
        let store = Store::open(&dir).unwrap();
        assert!(store.trakt_tokens().unwrap().is_none());
        let tokens = StoredTokens {
            access: Secret::new("a1"),
            refresh: Some(Secret::new("r1")),
            expires_at: 42,
            username: Some("sean".into()),
        };
        store.save_trakt_tokens(&tokens).unwrap();
        store
            .save_trakt_tokens(&StoredTokens {
                access: Secret::new("a2"),
                refresh: Some(Secret::new("r2")),
                ..tokens
            })
            .unwrap();
        drop(store);
        let store = Store::open(&dir).unwrap();
        let got = store.trakt_tokens().unwrap().unwrap();
        assert_eq!(got.access.expose(), "a2");
        assert_eq!(got.refresh.unwrap().expose(), "r2");
        assert_eq!(
            (got.expires_at, got.username.as_deref()),
            (42, Some("sean"))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn plex_login_and_a_stable_client_identifier() {
        let store = Store::open(&temp_dir("login")).unwrap();
        let id = store.client_identifier().unwrap();
        assert_eq!(store.client_identifier().unwrap(), id);
        assert!(store.plex_login().unwrap().is_none());
        store
            .save_plex_login(&PlexLogin {
                token: Secret::new("t"),
                url: "http://nas:32400".into(),
                server_name: "NAS".into(),
            })
            .unwrap();
        let got = store.plex_login().unwrap().unwrap();
        assert_eq!(
            (got.token.expose(), got.url.as_str()),
            ("t", "http://nas:32400")
        );
    }

    #[test]
    fn processes_opening_a_new_store_at_once_all_succeed() {
        let dir = temp_dir("race");
        let opened: Vec<Result<Store, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6).map(|_| scope.spawn(|| Store::open(&dir))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for store in opened {
            let store = store.unwrap();
            store.reset().unwrap();
            assert!(store.trakt_tokens().unwrap().is_none());
        }
    }

    #[test]
    fn ledger_records_the_latest_state() {
        let store = Store::open(&temp_dir("ledger")).unwrap();
        store.mark("me", ["a", "b"], LedgerState::Pending).unwrap();
        store.mark("me", ["a"], LedgerState::Sent).unwrap();
        store.mark("other", ["a"], LedgerState::NotFound).unwrap();
        assert_eq!(store.ledger("nobody").unwrap().len(), 0);
        assert_eq!(store.ledger("other").unwrap()["a"], LedgerState::NotFound);
        let ledger = store.ledger("me").unwrap();
        assert_eq!(ledger.len(), 2);
        assert_eq!(ledger["a"], LedgerState::Sent);
        assert_eq!(ledger["b"], LedgerState::Pending);
    }
}
