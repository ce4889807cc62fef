//! The stage's own logs on moto: lines seeded in the emulator's CloudWatch Logs, searched over
//! the incident window (`FilterLogEvents`), each cause found one `LOG_SIGNATURE`.
//!
//! Moto 5.2.5 answers `FilterLogEvents` with its start and end time and pages, but reads a
//! pattern of `?"…"` terms as no pattern at all and returns every event in the window: the core
//! classifies each line again, so only known lines count either way.

use crate::support::{findings, id, replace_on_stage, stage_beside_prod, Moto};
use apigw_doctor::aws::Aws;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use serde_json::{json, Value};

/// Writes `lines` (minutes ago, message) to `group` (created first).
async fn seed_logs(aws: &Aws, group: &str, lines: &[(i64, String)]) {
    let _ = aws
        .logs
        .create_log_group()
        .log_group_name(group)
        .send()
        .await;
    aws.logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name("s")
        .send()
        .await
        .expect("stream");
    let now = chrono::Utc::now();
    let mut events: Vec<InputLogEvent> = lines
        .iter()
        .map(|(ago, message)| {
            InputLogEvent::builder()
                .timestamp((now - chrono::Duration::minutes(*ago)).timestamp_millis())
                .message(message)
                .build()
                .expect("event")
        })
        .collect();
    events.sort_by_key(InputLogEvent::timestamp);
    for chunk in events.chunks(1000) {
        aws.logs
            .put_log_events()
            .log_group_name(group)
            .log_stream_name("s")
            .set_log_events(Some(chunk.to_vec()))
            .send()
            .await
            .expect("put");
    }
}

/// A public REST API whose stage prod's execution log holds `lines`: the emulator, its
/// clients, the API id and the log group.
async fn with_execution_log(lines: &[(i64, String)]) -> (Moto, Aws, String, String) {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    let execution = format!("API-Gateway-Execution-Logs_{api}/prod");
    seed_logs(&aws, &execution, lines).await;
    (moto, aws, api, execution)
}

fn signatures(report: &Value) -> Vec<(String, u64)> {
    let mut found: Vec<(String, u64)> = findings(report, "LOG_SIGNATURE")
        .iter()
        .map(|f| {
            (
                f["evidence"]["cause"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["evidence"]["count"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

fn notes(report: &Value) -> Vec<String> {
    report["incident"]["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn several_causes_in_the_window_each_one_finding_old_lines_left_out_and_samples_redacted() {
    let (moto, aws, api, execution) = with_execution_log(&[
        // Before the 30-minute window: never counted.
        (120, "(old) Execution failed due to configuration error: PKIX path building failed".into()),
        (20, "(a) Execution failed due to configuration error: Connection timed out".into()),
        (10, "(b) Method request path: {}".into()),
        (5, "(c) Execution failed due to configuration error: Connection timed out".into()),
        // Secrets on the signature line itself (a header echo alone reads as nothing).
        (4, "(d) Forbidden: Invalid API Key identifier specified {Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln, x-api-key=k3ysecret}".into()),
    ])
    .await;
    seed_logs(
        &aws,
        "api-access",
        &[(
            3,
            "{\"status\":\"403\",\"error\":\"Missing Authentication Token\"}".into(),
        )],
    )
    .await;
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod" }))
        .await;
    assert_eq!(
        signatures(&report),
        [
            ("connection_timed_out".to_string(), 2),
            ("invalid_api_key".to_string(), 1),
            ("missing_authentication_token".to_string(), 1),
        ],
        "{report:#}"
    );
    let key = findings(&report, "LOG_SIGNATURE")
        .into_iter()
        .find(|f| f["evidence"]["cause"] == "invalid_api_key")
        .expect("api key");
    let sample = key["evidence"]["sample"].as_str().expect("sample");
    assert!(
        !sample.contains("k3ysecret") && !sample.contains("eyJ"),
        "{sample}"
    );
    assert!(sample.contains("Authorization=[REDACTED]"), "{sample}");
    assert_eq!(key["evidence"]["log_groups"], json!([execution]));
    assert!(
        report.to_string().matches("k3ysecret").next().is_none(),
        "a secret reached the report"
    );
}

// The runbook's patterns, as their articles show the lines
// (https://repost.aws/knowledge-center/malformed-502-api-gateway,
// https://repost.aws/knowledge-center/api-gateway-504-errors): each cause once per request, the
// malformed response's own 502 status line no second cause, a 200 nothing.
#[tokio::test]
async fn the_runbooks_lambda_and_timeout_lines_are_found_and_a_502_line_is_not_counted_twice() {
    let (moto, _, api, _) = with_execution_log(&[
        (
            9,
            "(a) Execution failed due to configuration error: Malformed Lambda proxy response"
                .into(),
        ),
        (9, "(a) Method completed with status: 502".into()),
        (6, "(b) Execution failed due to a timeout error".into()),
        (5, "(c) Execution failed due to a timeout error".into()),
        (4, "(d) Method completed with status: 200".into()),
    ])
    .await;
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod", "symptom": "server-error" }))
        .await;
    assert_eq!(
        signatures(&report),
        [
            ("integration_timeout".to_string(), 2),
            ("lambda_proxy_malformed_response".to_string(), 1),
        ],
        "{report:#}"
    );
    let timeout = findings(&report, "LOG_SIGNATURE")
        .into_iter()
        .find(|f| f["evidence"]["cause"] == "integration_timeout")
        .expect("timeout");
    assert_eq!(timeout["severity"], "error");
    assert_eq!(
        timeout["evidence"]["reference"],
        "https://repost.aws/knowledge-center/api-gateway-504-errors"
    );
}

#[tokio::test]
async fn a_missing_log_group_is_stated_with_disabled_logging() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--logging-off"]);
    let api = id(&ids, "api_id");
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod" }))
        .await;
    assert!(signatures(&report).is_empty(), "{report:#}");
    let notes = notes(&report);
    assert!(
        notes.iter().any(
            |n| n.contains(&format!("API-Gateway-Execution-Logs_{api}/prod"))
                && n.contains("does not exist")
                && n.contains("EXECUTION_LOGGING_DISABLED")
        ),
        "{notes:#?}"
    );
}

#[tokio::test]
async fn a_bound_reached_is_said() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    let lines: Vec<(i64, String)> = (0..5_100)
        .map(|i| {
            (
                10,
                format!("({i}) Execution failed due to an internal error"),
            )
        })
        .collect();
    seed_logs(
        &aws,
        &format!("API-Gateway-Execution-Logs_{api}/prod"),
        &lines,
    )
    .await;
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod" }))
        .await;
    let found = findings(&report, "LOG_SIGNATURE");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["evidence"]["cause"], "backend_reset");
    assert_eq!(found[0]["evidence"]["count"], 5_000);
    assert_eq!(found[0]["evidence"]["bound_reached"], json!(["events"]));
    assert!(found[0]["summary"]
        .as_str()
        .unwrap_or_default()
        .contains("events bound"));
}

#[tokio::test]
async fn a_sweep_reads_no_logs() {
    let moto = Moto::start();
    moto.seed(&["public"]);
    let aws = moto.aws().await;
    crate::support::handle_with(
        aws.clone(),
        crate::support::config(&[]),
        &json!({ "sweep": true }),
    )
    .await;
    let sent = aws.operations_sent();
    assert!(
        sent.keys().any(|o| o.starts_with("apigateway:")),
        "{sent:?}"
    );
    assert!(
        !sent.keys().any(|o| o.starts_with("cloudwatchlogs:")),
        "{sent:?}"
    );
}

/// Sets the stage's access-log format, as `UpdateStage` does on AWS.
async fn set_access_format(aws: &Aws, api: &str, format: &str) {
    replace_on_stage(aws, api, "prod", "/accessLogSettings/format", format).await;
}

// The AWS CSV example (set-up-logging.md of the API Gateway developer guide) with the gateway
// response type and a quoted message added: the statuses of the window's lines are counted
// where the stage's own format puts them; an old line and a line of another shape are not.
#[tokio::test]
async fn the_access_log_is_counted_with_the_stages_own_format_over_the_window() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    set_access_format(
        &aws,
        &api,
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.status,$context.error.responseType,\"$context.error.message\",$context.requestId",
    )
    .await;
    let line = |status: &str, kind: &str, message: &str| {
        format!("198.51.100.7,30/Nov/2026:22:00:00 +0000,GET,/orders,{status},{kind},\"{message}\",r-{status}")
    };
    seed_logs(
        &aws,
        "api-access",
        &[
            (
                120,
                line("500", "API_CONFIGURATION_ERROR", "Internal server error"),
            ),
            (
                9,
                line("403", "INVALID_API_KEY", "Forbidden, key not valid"),
            ),
            (
                8,
                line("403", "INVALID_API_KEY", "Forbidden, key not valid"),
            ),
            (7, line("200", "-", "-")),
            (6, "START RequestId: not an access line".into()),
        ],
    )
    .await;
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod" }))
        .await;
    let found = findings(&report, "ACCESS_LOG_ERRORS");
    assert_eq!(found.len(), 1, "{report:#}");
    let evidence = &found[0]["evidence"];
    assert_eq!(evidence["status_counts"], json!({"200": 1, "403": 2}));
    assert_eq!(evidence["error_type_counts"], json!({"INVALID_API_KEY": 2}));
    assert_eq!(evidence["lines_read"], 4);
    assert_eq!(evidence["lines_unparsed"], 1);
    assert_eq!(evidence["format"], "csv");
    assert_eq!(evidence["log_group"], "api-access");
    assert_eq!(found[0]["severity"], "info");
    assert_eq!(found[0]["stage"], "prod");
}

// The seeded stage logs only `$context.requestId`: its lines are read, and the report says the
// statuses cannot be counted rather than reporting none.
#[tokio::test]
async fn an_access_format_without_a_status_is_said() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    seed_logs(
        &aws,
        "api-access",
        &[(5, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into())],
    )
    .await;
    let report = moto
        .report(&json!({ "api_id": api, "stage": "prod" }))
        .await;
    assert!(
        findings(&report, "ACCESS_LOG_ERRORS").is_empty(),
        "{report:#}"
    );
    let notes = notes(&report);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("has no $context.status") && n.contains("api-access")),
        "{notes:#?}"
    );
}

// Two stages writing their access logs to one group: the group is read once, and with a format
// that logs `$context.stage` beta's errors are beta's, never prod's.
#[tokio::test]
async fn a_shared_access_log_group_is_read_once_and_each_stage_counts_its_own_lines() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let api = id(&ids, "api_id");
    // Set up through clients of their own: the doctor's count only what it sent.
    let setup = moto.aws().await;
    let prod = stage_beside_prod(&setup, &api, "beta").await;
    let destination = prod
        .access_log_settings()
        .and_then(|s| s.destination_arn())
        .expect("prod logs its access")
        .to_string();
    let format = "{\"stage\":\"$context.stage\",\"status\":\"$context.status\",\"error\":\"$context.error.message\"}";
    for (stage, path, value) in [
        ("prod", "/accessLogSettings/format", format),
        (
            "beta",
            "/accessLogSettings/destinationArn",
            destination.as_str(),
        ),
        ("beta", "/accessLogSettings/format", format),
    ] {
        replace_on_stage(&setup, &api, stage, path, value).await;
    }
    let line = |stage: &str, status: u16, message: &str| {
        format!("{{\"stage\":\"{stage}\",\"status\":\"{status}\",\"error\":\"{message}\"}}")
    };
    seed_logs(
        &setup,
        "api-access",
        &[
            (9, line("beta", 403, "Missing Authentication Token")),
            (8, line("beta", 403, "Missing Authentication Token")),
            (7, line("prod", 200, "-")),
        ],
    )
    .await;
    let aws = moto.aws().await;
    let outcome = crate::support::handle_with(
        aws.clone(),
        crate::support::config(&[]),
        &json!({ "api_id": api }),
    )
    .await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    let sent = aws.operations_sent()["cloudwatchlogs:FilterLogEvents"];
    // Two execution logs (prod, beta) and the one access-log group, one page each.
    assert_eq!(sent, 3, "{report:#}");
    let counted = findings(&report, "ACCESS_LOG_ERRORS");
    assert_eq!(counted.len(), 1, "{report:#}");
    assert_eq!(counted[0]["stage"], "beta");
    assert_eq!(counted[0]["evidence"]["status_counts"], json!({"403": 2}));
    let signatures = findings(&report, "LOG_SIGNATURE");
    assert!(
        signatures.iter().all(|f| f["stage"] == "beta"),
        "{signatures:#?}"
    );
    assert_eq!(signatures.len(), 1, "{report:#}");
}
