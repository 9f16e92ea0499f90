//! The command line as a user meets it: `--demo`, `tools`, `call`, exit codes, start-up errors.

use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_plex-mcp");

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    // One directory per run: runs in parallel must not share a data directory.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "plex-mcp-cli-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = std::process::Command::new(BIN);
    cmd.env_clear()
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("PLEX_MCP_DATA_DIR", dir.join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run plex-mcp");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_tools_lists_every_tool_on_one_line() {
    let out = run(&["--demo", "tools"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = stdout(&out);
    let (tools, _toolsets) = listed.split_once("\n\n").expect("tools, then toolsets");
    let lines: Vec<String> = tools.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 51, "one line per tool: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("search_media ")));
    assert!(
        stderr(&out).is_empty(),
        "one-shot commands are quiet: {}",
        stderr(&out)
    );
}

/// The demo has a player to drive and one that cannot be: the whole flow from a fresh clone.
#[test]
fn demo_plays_on_its_controllable_player_and_explains_the_other() {
    let out = run(&["--demo", "call", "get_players"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    let players = v["players"].as_array().unwrap();
    assert_eq!(players.len(), 2, "{v}");
    assert_eq!(players[0]["controllable"], serde_json::json!(true));
    assert!(players[1]["whyNot"].is_string(), "{v}");

    let writes = [("PLEX_ENABLE_MUTATIVE_OPS", "true")];
    let name = players[0]["name"].as_str().unwrap();
    let out = run(
        &[
            "--demo",
            "call",
            "play_media",
            "ratingKey=1001",
            &format!("player={name}"),
        ],
        &writes,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    assert_eq!(v["started"], serde_json::json!(true), "{v}");
    assert_eq!(v["ratingKey"], serde_json::json!("1001"));
    let other = players[1]["name"].as_str().unwrap();
    let out = run(
        &[
            "--demo",
            "call",
            "play_media",
            "ratingKey=1001",
            &format!("player={other}"),
        ],
        &writes,
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("cannot be controlled"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn demo_call_search_finds_sample_items() {
    let out = run(&["--demo", "call", "search_media", "query=night"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| {
        r["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("night")
    }));
}

#[test]
fn call_with_json_arguments_and_tool_errors() {
    let out = run(
        &[
            "--demo",
            "call",
            "get_library_items",
            "--json",
            r#"{"libraryKey":"1","limit":3}"#,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 3);

    let out = run(
        &["--demo", "call", "get_media_details", "ratingKey=abc"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ratingKey"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    let out = run(&["--demo", "call", "no_such_tool"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("plex-mcp tools"));

    let out = run(&["--demo", "call", "search_media", "query"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key=value"));
}

#[test]
fn missing_token_is_one_clear_line_and_exit_2() {
    for args in [vec!["serve"], vec!["tools"], vec![]] {
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("PLEX_TOKEN") && err.contains("--demo"),
            "{err}"
        );
    }
}

#[test]
fn dotenv_fills_in_but_never_overrides() {
    let dir = std::env::temp_dir().join(format!("plex-mcp-dotenv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".env"),
        "PLEX_TOKEN=from-dotenv\nPLEX_URL=http://127.0.0.1:9\n",
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .env_clear()
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("PLEX_URL", "http://127.0.0.1:1")
        .args(["call", "get_libraries"])
        .output()
        .unwrap();
    // The token came from .env (so we got as far as calling Plex); the URL from the environment.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("http://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("from-dotenv"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_explains_the_demo() {
    let out = run(&["--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--demo") && stdout(&out).contains("serve"));
}

#[test]
fn readme_lists_exactly_the_tools_the_code_has() {
    let out = run(
        &["--demo", "tools"],
        &[("PLEX_ENABLE_MUTATIVE_OPS", "true")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = stdout(&out);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("<!-- tools:begin -->\n```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n<!-- tools:end -->").next())
        .expect("README has the generated tool block");
    assert_eq!(
        block, listed,
        "README's tool list is out of date: regenerate it with \
         `PLEX_ENABLE_MUTATIVE_OPS=true plex-mcp --demo tools`"
    );
    // The tools, then a blank line and the toolsets.
    let (tools, toolsets) = listed.split_once("\n\n").expect("tools, then toolsets");
    assert_eq!(
        tools.lines().count(),
        73,
        "51 tools plus the 22 write tools"
    );
    assert_eq!(toolsets.lines().filter(|l| l.contains(" on ")).count(), 11);
    // Every tool name the README mentions elsewhere exists.
    let names: Vec<&str> = tools
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let prefixes = [
        "get_",
        "trakt_",
        "sonarr_",
        "radarr_",
        "arr_",
        "mark_",
        "rate_",
        "add_to",
        "remove_from",
        "clear_pl",
        "delete_pl",
        "create_pl",
        "update_meta",
        "search_",
        "export_",
    ];
    for mention in readme.split('`').skip(1).step_by(2) {
        if prefixes.iter().any(|p| mention.starts_with(p))
            && mention.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            assert!(
                names.contains(&mention),
                "README mentions `{mention}`, which is not a tool"
            );
        }
    }
}
