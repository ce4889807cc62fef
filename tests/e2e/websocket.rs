//! WebSocket APIs on moto: the routes and integrations are read, and an authorizer beyond
//! `$connect` or a VPC-link integration without the connection id header is reported; the
//! connection id an incident names is looked up on its stage's `@connections` endpoint.

use crate::support::{codes, config, findings, id, operations_sent, run_binary, Moto};
use serde_json::{json, Value};

const LIVE: &str = "L0SM9cOFvHcCIhw=";
const GET_CONNECTION: &str = "apigatewaymanagementapi:GetConnection";

#[tokio::test]
async fn a_healthy_websocket_api_has_no_websocket_finding() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2"]);
    let report = moto
        .report(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let found = codes(&report);
    assert!(!found.iter().any(|c| c.starts_with("WS_")), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
}

#[tokio::test]
async fn an_authorizer_on_another_route_and_a_missing_connection_id_header_are_reported() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-authorizer-on-route", "--ws-no-connection-id"]);
    let report = moto
        .report(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let authorizer = findings(&report, "WS_AUTHORIZER_NOT_ON_CONNECT");
    assert_eq!(authorizer.len(), 1, "{report:#}");
    assert_eq!(
        authorizer[0]["evidence"]["routes"][0]["route_key"],
        "sendMessage"
    );
    let header = findings(&report, "WS_CONNECTION_ID_HEADER_MISSING");
    assert_eq!(header.len(), 1, "{report:#}");
    assert_eq!(header[0]["resource"], id(&ids, "ws_integration_id"));
    // The repair is not built yet: listed, and skipped saying so.
    let row = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == "add_integration_header")
        .expect("the remedy is listed");
    assert_eq!(row["status"], "skipped");
}

/// A dry-run diagnosis of `event`, with the operations it sent and its exit code.
async fn diagnose(moto: &Moto, event: &Value) -> Value {
    moto.handle_at(config(&[]), event, chrono::Utc::now()).await
}

fn notes(report: &Value) -> Vec<&str> {
    report["incident"]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

// The API has one stage, so no stage needs naming; the seeded connection answers only on that
// stage's path (ext.py gap 10), so finding it proves the request went to `<endpoint>/prod`.
#[tokio::test]
async fn a_live_connection_is_a_note_with_its_time_and_source() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-connection", LIVE]);
    let api = id(&ids, "ws_api_id");
    let report = diagnose(&moto, &json!({ "api_id": api, "connection_id": LIVE })).await;
    assert!(
        operations_sent(&report).contains(&GET_CONNECTION.to_string()),
        "{report:#}"
    );
    assert!(
        findings(&report, "WS_CONNECTION_GONE").is_empty(),
        "{report:#}"
    );
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    assert_eq!(report["exit_code"], 0, "{report:#}");
    let note = notes(&report)
        .into_iter()
        .find(|n| n.contains(LIVE))
        .unwrap_or_else(|| panic!("no note on the connection: {report:#}"))
        .to_string();
    assert!(
        note.starts_with(&format!(
            "WebSocket API {api} stage prod: connection {LIVE} is connected (since 20"
        )),
        "{note}"
    );
    assert!(note.contains("from 203.0.113.7"), "{note}");
}

#[tokio::test]
async fn an_unknown_connection_is_gone_and_the_report_says_why() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-connection", LIVE]);
    let api = id(&ids, "ws_api_id");
    let event = json!({
        "api_id": api,
        "connection_id": "Zm9yZ290dGVuPQ==",
        "error": { "status": 410, "error_type": "GoneException", "message": "GoneException: 410" }
    });
    let report = diagnose(&moto, &event).await;
    let gone = findings(&report, "WS_CONNECTION_GONE");
    assert_eq!(gone.len(), 1, "{report:#}");
    assert_eq!(
        codes(&report)[0],
        "WS_CONNECTION_GONE",
        "symptom gone: listed first"
    );
    assert_eq!(gone[0]["severity"], "info");
    assert_eq!(gone[0]["stage"], "prod");
    assert_eq!(gone[0]["resource"], "Zm9yZ290dGVuPQ==");
    assert_eq!(
        gone[0]["evidence"]["endpoint"],
        format!("{}/prod", moto.endpoint())
    );
    assert_eq!(gone[0]["evidence"]["cause"], "connection_gone");
    let summary = gone[0]["summary"].as_str().expect("summary");
    assert!(
        summary.contains("before $connect has finished"),
        "{summary}"
    );
    assert!(
        summary.contains("That is the 410 GoneException reported."),
        "{summary}"
    );
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    assert!(operations_sent(&report).contains(&GET_CONNECTION.to_string()));
}

#[tokio::test]
async fn with_two_stages_the_stage_must_be_named() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-connection", LIVE]);
    let api = id(&ids, "ws_api_id");
    moto.aws()
        .await
        .apigatewayv2
        .create_stage()
        .api_id(&api)
        .stage_name("dev")
        .send()
        .await
        .expect("a second stage");
    let unnamed = diagnose(&moto, &json!({ "api_id": api, "connection_id": LIVE })).await;
    assert!(!operations_sent(&unnamed).contains(&GET_CONNECTION.to_string()));
    assert_eq!(
        unnamed["exit_code"], 1,
        "an unanswered question is not clean"
    );
    let incomplete = unnamed["incomplete"].as_array().expect("incomplete");
    assert_eq!(incomplete.len(), 1, "{unnamed:#}");
    assert_eq!(incomplete[0]["step"], GET_CONNECTION);
    assert_eq!(incomplete[0]["error"], "StageNeeded");
    let detail = incomplete[0]["detail"].as_str().expect("detail");
    for part in ["prod", "dev", "name the stage"] {
        assert!(detail.contains(part), "{part}: {detail}");
    }

    let named = diagnose(
        &moto,
        &json!({ "api_id": api, "stage": "prod", "connection_id": LIVE }),
    )
    .await;
    assert_eq!(named["incomplete"], json!([]), "{named:#}");
    assert!(
        notes(&named).iter().any(|n| n.contains("is connected")),
        "{named:#}"
    );
    // Asked on dev, the connection made to prod is not there.
    let dev = diagnose(
        &moto,
        &json!({ "api_id": api, "stage": "dev", "connection_id": LIVE }),
    )
    .await;
    assert_eq!(
        findings(&dev, "WS_CONNECTION_GONE")[0]["stage"],
        "dev",
        "{dev:#}"
    );
}

#[tokio::test]
async fn a_connection_id_for_an_http_api_is_not_looked_up_and_says_so() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2"]);
    let api = id(&ids, "http_api_id");
    let report = diagnose(&moto, &json!({ "api_id": api, "connection_id": LIVE })).await;
    assert!(!operations_sent(&report).contains(&GET_CONNECTION.to_string()));
    assert_eq!(
        report["incomplete"][0]["error"], "NotWebSocket",
        "{report:#}"
    );
    assert!(findings(&report, "WS_CONNECTION_GONE").is_empty());
}

// The binary under AWS_ENDPOINT_URL, as an operator runs it: `--connection-id` reaches the
// stage's endpoint there.
#[test]
fn the_cli_looks_the_connection_id_up() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-connection", LIVE]);
    let api = id(&ids, "ws_api_id");
    let run = |connection: &str| {
        let output = run_binary(
            &moto.env(),
            &[
                "diagnose",
                "--api-id",
                &api,
                "--connection-id",
                connection,
                "--format",
                "json",
            ],
            None,
        );
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
        (output.status.code(), report)
    };
    let (status, live) = run(LIVE);
    assert_eq!(status, Some(0), "{live:#}");
    assert!(
        notes(&live).iter().any(|n| n.contains("is connected")),
        "{live:#}"
    );
    let (status, gone) = run("bm8tc3VjaD0=");
    assert_eq!(status, Some(0), "an info finding: {gone:#}");
    assert_eq!(
        findings(&gone, "WS_CONNECTION_GONE")[0]["evidence"]["endpoint"],
        format!("{}/prod", moto.endpoint())
    );
}
