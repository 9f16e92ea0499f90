//! The first five minutes: `plex-mcp login` against the fake plex.tv (approval after a few polls,
//! an expired PIN, no servers, several servers with unreachable addresses) and `plex-mcp doctor`
//! against a healthy stack and against each broken service.

mod common;

use std::{path::Path, process::Output};

use common::*;
use plex_mcp::fake::{FakeStack, Fault, Scale, plextv::FakeResource};
use serde_json::json;

/// No configured Plex server: what a newcomer starts with.
const FRESH: [(&str, &str); 2] = [("PLEX_URL", ""), ("PLEX_TOKEN", "")];

async fn run(stack: &FakeStack, dir: &Path, extra: &[(&str, &str)], args: &[&str]) -> Output {
    command(stack, dir, extra)
        .args(args)
        .output()
        .await
        .expect("run plex-mcp")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn server(name: &str, connections: &[(&str, bool, bool)]) -> FakeResource {
    FakeResource {
        name: name.into(),
        owned: true,
        connections: connections
            .iter()
            .map(|(u, l, r)| (u.to_string(), *l, *r))
            .collect(),
    }
}

#[tokio::test]
async fn login_waits_for_approval_then_the_server_works_without_environment() {
    let stack = stack(Scale::DEMO, 81).await;
    stack.plextv.state.approve_after(Some(2));
    let dir = temp_dir("login");
    let out = run(&stack, &dir, &FRESH, &["login"]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("https://app.plex.tv/auth#?clientID=plex-mcp-"),
        "{text}"
    );
    assert!(
        text.contains(&format!("at {} (local connection", stack.plex.url)),
        "{text}"
    );
    assert_eq!(stack.plextv.state.polls(), 3, "approved on the third poll");
    assert!(!text.contains(TEST_TOKEN) && !stderr(&out).contains(TEST_TOKEN));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db = dir.join("data").join(plex_mcp::DB_FILE);
        let mode = std::fs::metadata(&db).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "stored credentials are private");
    }

    // The stored login is enough to serve.
    let s = connect_in(&stack, &dir, &FRESH).await;
    let libraries = s.ok("get_libraries", json!({})).await;
    assert_eq!(
        libraries["libraries"].as_array().unwrap().len(),
        stack.data.sections.len()
    );
    s.stop().await;
    // The environment still wins: a PLEX_URL that points nowhere is used, and fails.
    let s = connect_in(
        &stack,
        &dir,
        &[("PLEX_URL", "http://127.0.0.1:9"), ("PLEX_TOKEN", "")],
    )
    .await;
    let err = s.err("get_libraries", json!({})).await;
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    s.stop().await;

    // Logging in again keeps the same client identifier.
    let again = run(&stack, &dir, &FRESH, &["login"]).await;
    assert!(again.status.success());
    let ids = stack.plextv.state.client_identifiers();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_expired_pin_and_an_account_without_servers_are_clear_failures() {
    let stack = stack(Scale::DEMO, 82).await;
    let dir = temp_dir("login-fail");
    stack.plextv.state.approve_after(None);
    stack.plextv.state.set_pin_lifetime(2);
    let out = run(&stack, &dir, &FRESH, &["login"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("expired before it was approved"),
        "{}",
        stderr(&out)
    );

    stack.plextv.state.set_pin_lifetime(900);
    stack.plextv.state.approve_after(Some(0));
    stack.plextv.state.set_servers(vec![]);
    let out = run(&stack, &dir, &FRESH, &["login"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no Plex Media Server"),
        "{}",
        stderr(&out)
    );

    // Nothing was stored: serving still asks for a login.
    let out = run(&stack, &dir, &FRESH, &["tools"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("plex-mcp login"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn login_picks_a_reachable_server_and_its_best_address() {
    let stack = stack(Scale::DEMO, 83).await;
    let dir = temp_dir("login-pick");
    let reachable = stack.plex.url.clone();
    // Same server, reached by name: a remote-looking address that also answers.
    let by_name = reachable.replace("127.0.0.1", "localhost");
    stack.plextv.state.set_servers(vec![
        server(
            "Attic",
            &[
                ("http://127.0.0.1:9", true, false),
                ("http://127.0.0.1:10", false, true),
            ],
        ),
        server(
            "Basement",
            &[(&by_name, false, false), (&reachable, true, false)],
        ),
    ]);
    let out = run(&stack, &dir, &FRESH, &["login"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Using Basement at {reachable} (local connection")),
        "the unreachable server is passed over, local beats remote: {text}"
    );
    assert!(text.contains("Also on this account: Attic"), "{text}");

    let out = run(&stack, &dir, &FRESH, &["login", "--server", "attic"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("none of the server's addresses answered") && err.contains("127.0.0.1:9"),
        "{err}"
    );
    let out = run(&stack, &dir, &FRESH, &["login", "--server", "Garage"]).await;
    assert!(
        stderr(&out).contains("has: Attic, Basement"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A service, the environment or fault that breaks it, and the fix its line must name.
type BrokenCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<(&'a str, Fault)>,
    &'a str,
);

/// The doctor's line for `service`.
fn line<'a>(out: &'a str, service: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(service))
        .unwrap_or_else(|| panic!("no {service} line in {out}"))
}

#[tokio::test]
async fn doctor_passes_a_healthy_stack_and_names_each_broken_service() {
    let stack = stack(Scale::DEMO, 84).await;
    let dir = temp_dir("doctor");
    let trakt_token = stack.trakt.state.issue_access_token();
    let signed_in = [("TRAKT_ACCESS_TOKEN", trakt_token.as_str())];
    let out = run(&stack, &dir, &signed_in, &["doctor"]).await;
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    for service in ["Plex", "Discover", "Sonarr", "Radarr", "Trakt"] {
        assert!(line(&text, service).starts_with('✓'), "{text}");
    }
    assert!(line(&text, "Trakt").contains("demo-viewer"));

    let cases: Vec<BrokenCase> = vec![
        (
            "Plex",
            vec![("PLEX_TOKEN", "wrong-token")],
            None,
            "PLEX_TOKEN",
        ),
        (
            "Discover",
            vec![],
            Some(("/library/sections/watchlist", Fault::Status(401))),
            "plex.tv account token",
        ),
        (
            "Sonarr",
            vec![("SONARR_API_KEY", "wrong-key")],
            None,
            "SONARR_API_KEY",
        ),
        (
            "Radarr",
            vec![("RADARR_URL", "http://127.0.0.1:9")],
            None,
            "RADARR_URL",
        ),
        (
            "Trakt",
            vec![("TRAKT_ACCESS_TOKEN", "revoked")],
            None,
            "trakt_authenticate",
        ),
    ];
    for (service, env, fault, fix) in cases {
        let mut env_all = signed_in.to_vec();
        env_all.extend(env);
        if let Some((path, f)) = fault {
            stack.control.inject(path, f, 1);
        }
        let out = run(&stack, &dir, &env_all, &["doctor"]).await;
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{service}: {text}");
        let broken = line(&text, service);
        assert!(
            broken.starts_with('✗') && broken.contains(fix),
            "{service}: {broken}"
        );
        let healthy = text.lines().filter(|l| l.starts_with('✓')).count();
        // A wrong Plex token also fails Discover, which uses it.
        let expected = if service == "Plex" { 3 } else { 4 };
        assert_eq!(
            healthy, expected,
            "{service}: only what is broken is flagged: {text}"
        );
        let all = format!("{text}{}", stderr(&out));
        for secret in [
            TEST_TOKEN,
            "wrong-token",
            "wrong-key",
            "revoked",
            &trakt_token,
            &stack.trakt.client_secret,
        ] {
            assert!(!all.contains(secret), "{service}: {secret} leaked: {all}");
        }
        stack.control.clear_faults();
    }
    // Unconfigured is not broken.
    let out = run(
        &stack,
        &dir,
        &[("SONARR_API_KEY", ""), ("TRAKT_CLIENT_ID", "")],
        &["doctor"],
    )
    .await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(line(&stdout(&out), "Sonarr").starts_with('-'));
    assert!(line(&stdout(&out), "Trakt").starts_with('-'));
    let _ = std::fs::remove_dir_all(&dir);
}
