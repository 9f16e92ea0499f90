//! The packaging as a user and the registries meet it: server.json validates against the schema
//! it names and agrees with the crate and the bundle; every release target is in the README's
//! install table. (The bundle itself is validated and packed by packaging/check.sh in CI.)

use std::path::Path;

use serde_json::Value;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).expect(path)
}

#[test]
fn server_json_validates_and_agrees_with_the_crate_and_the_bundle() {
    let doc = json("server.json");
    let schema = json("packaging/server.schema.json");
    assert_eq!(
        doc["$schema"], schema["$id"],
        "server.json names the vendored schema"
    );
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The validator is not a yes-man: a description over 100 characters is refused.
    let mut long = doc.clone();
    long["description"] = Value::String("x".repeat(101));
    assert!(!validator.is_valid(&long));

    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(doc["version"], version);
    let readme = read("README.md");
    let name = doc["name"].as_str().unwrap();
    assert!(
        readme.contains(&format!("mcp-name: {name}")),
        "README carries mcp-name: {name}"
    );
    let packages = doc["packages"].as_array().unwrap();
    let cargo = packages
        .iter()
        .find(|p| p["registryType"] == "cargo")
        .expect("the crate");
    assert_eq!(cargo["identifier"], env!("CARGO_PKG_NAME"));
    assert_eq!(cargo["version"], version);
    // The variables it lists are the ones the bundle sets and the README documents.
    let manifest = json("packaging/mcpb/manifest.json");
    let bundle_env = manifest["server"]["mcp_config"]["env"].as_object().unwrap();
    for var in cargo["environmentVariables"].as_array().unwrap() {
        let var = var["name"].as_str().unwrap();
        assert!(bundle_env.contains_key(var), "{var} is set by the bundle");
        assert!(
            readme.contains(&format!("`{var}`")),
            "{var} is in the README"
        );
    }
    for secret in [
        "PLEX_TOKEN",
        "SONARR_API_KEY",
        "RADARR_API_KEY",
        "TRAKT_CLIENT_SECRET",
    ] {
        let var = cargo["environmentVariables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == secret)
            .unwrap();
        assert_eq!(var["isSecret"], true, "{secret}");
    }
    // Bundle fields the user fills are sensitive where they hold a secret, and every placeholder
    // the bundle passes names a field it declares.
    let fields = manifest["user_config"].as_object().unwrap();
    for (var, value) in bundle_env {
        let field = value
            .as_str()
            .unwrap()
            .trim_start_matches("${user_config.")
            .trim_end_matches('}');
        assert!(fields.contains_key(field), "{var} → {field}");
        if var.ends_with("_TOKEN") || var.ends_with("_KEY") || var.ends_with("_SECRET") {
            assert_eq!(fields[field]["sensitive"], true, "{field}");
        }
    }
    for p in packages.iter().filter(|p| p["registryType"] == "mcpb") {
        let file = p["identifier"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        assert!(
            readme.contains(&format!("`{file}`")),
            "{file} is in the install table"
        );
        assert!(
            p["identifier"]
                .as_str()
                .unwrap()
                .contains(&format!("/v{version}/"))
        );
    }
}

#[test]
fn every_release_target_is_in_the_install_table() {
    let workflow = read(".github/workflows/release.yml");
    let readme = read("README.md");
    let targets: Vec<&str> = workflow
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- target: "))
        .collect();
    assert!(targets.len() >= 5, "{targets:?}");
    for target in &targets {
        let archive = if target.contains("windows") {
            "zip"
        } else {
            "tar.gz"
        };
        assert!(
            readme.contains(&format!("`plex-mcp-{target}.{archive}`")),
            "{target} has a row in the README's install table"
        );
    }
    // And the README offers nothing the workflow does not build.
    let offered = readme.matches(".tar.gz`").count() + readme.matches(".zip`").count();
    assert_eq!(offered, targets.len(), "one archive per target");
}
