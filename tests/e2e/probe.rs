//! Reproducing a failing REST request inside API Gateway (`TestInvokeMethod`) on moto, whose
//! test invocations answer an execution log the test seeds (ext.py gap 16): the log classified
//! as `LOG_SIGNATURE` with `evidence.source: "test-invoke"`, what was sent, and every refusal.

use crate::support::{config, findings, handle_with, id, repo, run_binary, Moto, REGION};
use serde_json::{json, Value};

const TIMED_OUT: &str = "Execution failed due to configuration error: Connection timed out";

/// Every `TestInvokeMethod` the emulator received, oldest first.
fn test_invocations(moto: &Moto) -> Vec<Value> {
    moto.extension("test-invoke")["calls"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn notes(report: &Value) -> String {
    report["incident"]["notes"].to_string()
}

fn url(api: &str, path: &str) -> String {
    format!("https://{api}.execute-api.{REGION}.amazonaws.com{path}")
}

/// A public REST API with stage variable backend=v2, execution logging off (nothing to search),
/// whose methods' test invocations answer 504 with a timed-out integration in their log.
fn seeded(moto: &Moto, extra: &[&str]) -> Value {
    let mut args = vec![
        "public",
        "--logging-off",
        "--stage-variable",
        "backend=v2",
        "--test-invoke-status",
        "504",
        "--test-invoke-line",
        TIMED_OUT,
    ];
    args.extend_from_slice(extra);
    moto.seed(&args)
}

#[tokio::test]
async fn a_probe_of_get_classifies_the_test_invoke_log_and_runs_as_the_stage_would() {
    let moto = Moto::start();
    let ids = seeded(&moto, &[]);
    let api = id(&ids, "api_id");
    let report = moto
        .report(&json!({
            "api_id": api, "stage": "prod", "symptom": "server-error", "probe": true,
            "request": { "url": url(&api, "/prod/items?view=full"), "method": "GET" },
        }))
        .await;
    let probed: Vec<&Value> = findings(&report, "LOG_SIGNATURE")
        .into_iter()
        .filter(|f| f["evidence"]["source"] == "test-invoke")
        .collect();
    assert_eq!(probed.len(), 1, "{report:#}");
    let evidence = &probed[0]["evidence"];
    assert_eq!(evidence["cause"], "connection_timed_out");
    assert_eq!(evidence["status"], 504);
    assert_eq!(evidence["latency_ms"], 29000);
    assert_eq!(evidence["resource_id"], id(&ids, "items_resource_id"));
    assert_eq!(evidence["stage_variables"], json!(["backend"]));
    assert!(
        evidence["sample"]
            .as_str()
            .unwrap_or_default()
            .ends_with(TIMED_OUT),
        "{evidence:#}"
    );
    assert_eq!(probed[0]["severity"], "error");
    // Ranked with the evidence, first.
    assert_eq!(report["findings"][0]["code"], "LOG_SIGNATURE", "{report:#}");
    let calls = test_invocations(&moto);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0]["httpMethod"], "GET");
    assert_eq!(calls[0]["resourceId"], id(&ids, "items_resource_id"));
    assert_eq!(calls[0]["pathWithQueryString"], "/items?view=full");
    assert_eq!(calls[0]["stageVariables"], json!({ "backend": "v2" }));
}

#[tokio::test]
async fn a_probe_that_finds_no_known_line_is_a_note_and_the_run_is_clean() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--test-invoke-status", "200"]);
    let api = id(&ids, "api_id");
    let report = moto
        .report(&json!({
            "api_id": api, "probe": true, "request": { "url": url(&api, "/prod/items") },
        }))
        .await;
    assert!(findings(&report, "LOG_SIGNATURE").is_empty(), "{report:#}");
    let notes = notes(&report);
    assert!(
        notes.contains("returned 200") && notes.contains("no error line the classifier knows"),
        "{notes}"
    );
    assert_eq!(report["incomplete"], json!([]));
}

// The backend is really called, so a POST is probed only when the request names it.
#[tokio::test]
async fn a_post_is_probed_only_when_the_request_names_it() {
    let moto = Moto::start();
    let ids = seeded(&moto, &["--orders-post"]);
    let api = id(&ids, "api_id");
    let unnamed = moto
        .report(&json!({
            "api_id": api, "probe": true, "request": { "url": url(&api, "/prod/orders") },
        }))
        .await;
    assert!(
        notes(&unnamed).contains(
            "Probe not run: the request names no method and resource /orders serves only POST"
        ),
        "{}",
        notes(&unnamed)
    );
    assert!(findings(&unnamed, "LOG_SIGNATURE").is_empty());
    assert_eq!(test_invocations(&moto), Vec::<Value>::new());

    let named = moto
        .report(&json!({
            "api_id": api, "probe": true,
            "request": { "url": url(&api, "/prod/orders"), "method": "POST" },
        }))
        .await;
    let probed = findings(&named, "LOG_SIGNATURE");
    assert_eq!(probed.len(), 1, "{named:#}");
    assert_eq!(probed[0]["evidence"]["method_named"], true);
    let calls = test_invocations(&moto);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(
        (&calls[0]["httpMethod"], &calls[0]["resourceId"]),
        (&json!("POST"), &json!(id(&ids, "orders_resource_id")))
    );
}

#[tokio::test]
async fn an_http_api_is_not_probed() {
    let moto = Moto::start();
    let ids = seeded(&moto, &[]);
    let http = id(&ids, "http_api_id");
    let report = moto
        .report(&json!({
            "api_id": http, "probe": true,
            "request": { "url": url(&http, "/items"), "method": "GET" },
        }))
        .await;
    assert!(
        notes(&report).contains(&format!(
            "Probe not run: API {http} is an HTTP API: TestInvokeMethod exists for REST APIs only"
        )),
        "{}",
        notes(&report)
    );
    assert_eq!(test_invocations(&moto), Vec::<Value>::new());
}

#[tokio::test]
async fn neither_a_sweep_nor_an_alarm_probes() {
    let moto = Moto::start();
    seeded(&moto, &[]);
    let aws = moto.aws().await;
    let sweep = handle_with(
        aws.clone(),
        config(&[]),
        &json!({ "sweep": true, "probe": true }),
    )
    .await;
    assert!(
        sweep
            .report
            .incident
            .notes
            .iter()
            .any(|n| n.starts_with("Probe not run: a sweep never probes")),
        "{:?}",
        sweep.report.incident.notes
    );
    let alarm: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("events/alarm-action-rest-5xx.json")).expect("sample"),
    )
    .expect("JSON");
    let alarm_aws = moto.aws().await;
    let alarmed = handle_with(alarm_aws.clone(), config(&[]), &alarm).await;
    assert!(
        !alarmed
            .report
            .incident
            .notes
            .iter()
            .any(|n| n.contains("Probe")),
        "an alarm asks for no probe: {:?}",
        alarmed.report.incident.notes
    );
    let sent = aws.operations_sent();
    assert!(sent.contains_key("apigateway:GetStages"), "{sent:?}");
    assert!(
        !sent.contains_key("apigateway:TestInvokeMethod"),
        "{sent:?}"
    );
    assert_eq!(test_invocations(&moto), Vec::<Value>::new());
}

/// The CLI's `--probe` asks for the same probe as the event field, and exits 1 on its error.
#[test]
fn the_cli_probes_with_the_flag_and_only_with_it() {
    let moto = Moto::start();
    let ids = seeded(&moto, &[]);
    let api = id(&ids, "api_id");
    let target = url(&api, "/prod/items");
    let diagnose = |probe: bool| {
        let mut args = vec![
            "diagnose", "--api-id", &api, "--url", &target, "--format", "json",
        ];
        if probe {
            args.push("--probe");
        }
        let output = run_binary(&moto.env(), &args, None);
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
        (output.status.code(), report)
    };
    let (code, report) = diagnose(false);
    assert!(findings(&report, "LOG_SIGNATURE").is_empty(), "{report:#}");
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(test_invocations(&moto), Vec::<Value>::new());
    let (code, report) = diagnose(true);
    let probed = findings(&report, "LOG_SIGNATURE");
    assert_eq!(probed.len(), 1, "{report:#}");
    assert_eq!(probed[0]["evidence"]["source"], "test-invoke");
    assert_eq!(code, Some(1));
    assert_eq!(test_invocations(&moto).len(), 1);
}
