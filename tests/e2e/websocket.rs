//! WebSocket APIs on moto: the routes and integrations are read, an authorizer beyond
//! `$connect` or a VPC-link integration without the connection id header is reported,
//! `add_integration_header` repairs the header (dry run, apply, twice, auto-deploy, tags), and
//! the connection id an incident names is looked up on its stage's `@connections` endpoint.

use crate::support::{
    actions, apply_plan, codes, config, differences, findings, handle_with, id, is_read,
    operations_sent, run_binary, Moto, REGION,
};
use apigw_doctor::catalog::Code;
use apigw_doctor::finding::Finding;
use apigw_doctor::plan::Status;
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const LIVE: &str = "L0SM9cOFvHcCIhw=";
const GET_CONNECTION: &str = "apigatewaymanagementapi:GetConnection";

const GET_AUTHORIZERS: &str = "apigatewayv2:GetAuthorizers";

#[tokio::test]
async fn a_healthy_websocket_api_has_no_websocket_finding() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2"]);
    let (report, aws) = moto
        .report_counting(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let found = codes(&report);
    assert!(!found.iter().any(|c| c.starts_with("WS_")), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    // No route names an authorizer: nothing to describe.
    assert_eq!(aws.operations_sent().get(GET_AUTHORIZERS), None);
}

/// The right place for a WebSocket authorizer, `$connect`, is no finding, and its authorizer is
/// not read: only a route beyond `$connect` that names one is described
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-control-access.html>).
#[tokio::test]
async fn an_authorizer_on_connect_is_quiet_and_not_read() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-authorizer-on-connect"]);
    let (report, aws) = moto
        .report_counting(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let authorizer = findings(&report, "WS_AUTHORIZER_NOT_ON_CONNECT");
    assert!(authorizer.is_empty(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    assert_eq!(aws.operations_sent().get(GET_AUTHORIZERS), None);
    assert_eq!(
        aws.operations_sent().get("apigatewayv2:GetRoutes"),
        Some(&1)
    );
}

#[tokio::test]
async fn an_authorizer_on_another_route_and_a_missing_connection_id_header_are_reported() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-authorizer-on-route", "--ws-no-connection-id"]);
    let (report, aws) = moto
        .report_counting(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let authorizer = findings(&report, "WS_AUTHORIZER_NOT_ON_CONNECT");
    assert_eq!(authorizer.len(), 1, "{report:#}");
    assert_eq!(aws.operations_sent().get(GET_AUTHORIZERS), Some(&1));
    assert_eq!(
        authorizer[0]["evidence"]["routes"][0]["route_key"],
        "sendMessage"
    );
    // Read with GetAuthorizers (emulator gap 12): the evidence names the authorizer.
    assert_eq!(
        authorizer[0]["evidence"]["routes"][0]["authorizer_name"],
        "tokens"
    );
    let header = findings(&report, "WS_CONNECTION_ID_HEADER_MISSING");
    assert_eq!(header.len(), 1, "{report:#}");
    assert_eq!(header[0]["resource"], id(&ids, "ws_integration_id"));
    assert_eq!(header[0]["evidence"]["integration_type"], "HTTP_PROXY");
    // The remedy is listed (planned in this dry run; see the tests below).
    assert_eq!(
        actions(&report, "add_integration_header").len(),
        1,
        "{report:#}"
    );
}

/// The apply configuration for `add_integration_header` alone.
fn header_apply() -> apigw_doctor::config::Config {
    config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", "add_integration_header"),
    ])
}

/// The seeded WebSocket API's entry in the emulator's state dump.
fn ws_state(moto: &Moto, api: &str) -> Value {
    moto.state()["apigatewayv2"][ACCOUNT][REGION]["apis"][api].clone()
}

// SPEC §7 add_integration_header, dry run: the exact calls are planned and nothing changes,
// request parameters included.
#[tokio::test]
async fn the_connection_id_header_is_planned_in_a_dry_run_and_nothing_changes() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-no-connection-id"]);
    let api = id(&ids, "ws_api_id");
    let before = moto.state();
    let report = moto
        .report_with(config(&[]), &json!({ "api_id": api, "stage": "prod" }))
        .await;
    let row = actions(&report, "add_integration_header");
    assert_eq!(row.len(), 1, "{report:#}");
    assert_eq!(row[0]["status"], "planned");
    assert_eq!(
        row[0]["target"],
        format!("{api}/integrations/{}", id(&ids, "ws_integration_id"))
    );
    assert!(row[0]["calls"][1]
        .as_str()
        .is_some_and(|c| c.starts_with(&format!(
            "apigatewayv2:CreateDeployment ApiId={api} StageName=prod"
        ))));
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
    let sent = operations_sent(&report);
    assert!(
        sent.contains(&"apigatewayv2:GetIntegrations".to_string()),
        "{report:#}"
    );
    assert!(sent.iter().all(|op| is_read(op)), "{report:#}");
}

// SPEC §7 add_integration_header, apply: merged (every mapping kept, querystring and body
// included), deployed to the stage, verified in the deployed stage, marked; a second apply of
// the same plan is "already done" and a new diagnosis finds nothing to repair.
#[tokio::test]
async fn the_connection_id_header_is_merged_deployed_verified_and_not_applied_twice() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-no-connection-id"]);
    let api = id(&ids, "ws_api_id");
    let integration = id(&ids, "ws_integration_id");
    let event = json!({ "api_id": api, "stage": "prod" });
    let kept = ws_state(&moto, &api)["integrations"][&integration]["requestParameters"].clone();
    assert_eq!(kept.as_object().map(|m| m.len()), Some(3), "{kept:#}");

    let report = moto.report_with(header_apply(), &event).await;
    let row = actions(&report, "add_integration_header");
    assert_eq!(row[0]["status"], "verified", "{report:#}");

    let after = ws_state(&moto, &api);
    let parameters = &after["integrations"][&integration]["requestParameters"];
    for (key, value) in kept.as_object().expect("map") {
        assert_eq!(&parameters[key], value, "{key} kept: {parameters:#}");
    }
    assert_eq!(
        parameters["integration.request.header.connectionId"],
        "context.connectionId"
    );
    let serving = after["stages"]["prod"]["deploymentId"]
        .as_str()
        .expect("stage deployment");
    let description = after["deployments"][serving]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        description.starts_with(&format!(
            "apigw-doctor add_integration_header integration={integration} stage=prod"
        )),
        "{after:#}"
    );
    let marker = format!("apigw-doctor:add_integration_header:{integration}");
    assert!(after["tags"][&marker].is_string(), "{after:#}");

    // The same change again, as a run that planned before the write would (no mapping, no
    // marker): the re-read right before the write finds it done.
    let outcome = handle_with(moto.aws().await, config(&[]), &json!({ "api_id": api })).await;
    let finding = Finding::new(Code::WsConnectionIdHeaderMissing, "test")
        .api(&api)
        .resource(&integration);
    let mut stale = outcome.snapshot.clone();
    stale
        .v2_apis
        .iter_mut()
        .flat_map(|a| a.integrations.iter_mut())
        .for_each(|i| {
            i.request_parameters
                .retain(|k, _| !k.contains("connectionId"))
        });
    stale.v2_apis.iter_mut().for_each(|a| a.tags.clear());
    let (mut plan, context) = apply_plan(&[finding], &stale, &event, &header_apply());
    let aws = moto.aws().await;
    let verdicts =
        apigw_doctor::apply::apply(aws.session(None), &context, None, &plan.changes).await;
    plan.record(verdicts);
    let again = &plan.rows[0];
    assert_eq!(again.status, Status::Skipped, "{again:?}");
    assert!(
        again
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("already done: integration")),
        "{again:?}"
    );
    assert_eq!(ws_state(&moto, &api)["deployments"], after["deployments"]);

    let report = moto.report_with(header_apply(), &event).await;
    assert!(
        actions(&report, "add_integration_header").is_empty(),
        "{report:#}"
    );
    assert!(findings(&report, "WS_CONNECTION_ID_HEADER_MISSING").is_empty());
}

// An auto-deploying stage is not redeployed: AWS deploys the change itself, and the
// verification finds the stage serving AWS's new deployment.
#[tokio::test]
async fn an_auto_deploying_stage_is_not_redeployed_and_serves_the_change() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-no-connection-id", "--ws-auto-deploy"]);
    let api = id(&ids, "ws_api_id");
    let before = ws_state(&moto, &api);
    let report = moto
        .report_with(header_apply(), &json!({ "api_id": api }))
        .await;
    let row = actions(&report, "add_integration_header");
    assert_eq!(row[0]["status"], "verified", "{report:#}");
    assert!(
        !row[0]["calls"]
            .as_array()
            .expect("calls")
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.contains("CreateDeployment"))),
        "{report:#}"
    );
    let sent = operations_sent(&report);
    assert!(
        sent.contains(&"apigatewayv2:UpdateIntegration".to_string()),
        "{report:#}"
    );
    assert!(
        !sent.contains(&"apigatewayv2:CreateDeployment".to_string()),
        "{report:#}"
    );
    let after = ws_state(&moto, &api);
    let serving = after["stages"]["prod"]["deploymentId"]
        .as_str()
        .expect("deployment");
    assert_ne!(
        Some(serving),
        before["stages"]["prod"]["deploymentId"].as_str()
    );
    assert_eq!(
        after["deployments"][serving]["autoDeployed"], true,
        "{after:#}"
    );
}

// Tags protect the API: nothing is written.
#[tokio::test]
async fn a_websocket_api_owned_by_a_stack_is_not_changed() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-no-connection-id"]);
    let api = id(&ids, "ws_api_id");
    let aws = moto.aws().await;
    aws.apigatewayv2
        .tag_resource()
        .resource_arn(format!("arn:aws:apigateway:{REGION}::/apis/{api}"))
        .tags("aws:cloudformation:stack-name", "chat")
        .send()
        .await
        .expect("tag the API");
    let before = moto.state();
    let report = moto
        .report_with(header_apply(), &json!({ "api_id": api }))
        .await;
    let row = actions(&report, "add_integration_header");
    assert_eq!(row[0]["status"], "skipped", "{report:#}");
    assert!(
        row[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("CloudFormation stack chat")),
        "{report:#}"
    );
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

// Two repairs of one WebSocket API in one run: the header (which redeploys the stage) and
// execution logging on that stage; neither undoes the other.
#[tokio::test]
async fn the_header_and_execution_logging_are_both_repaired_in_one_run() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-no-connection-id", "--logging-off"]);
    let api = id(&ids, "ws_api_id");
    let apply = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        (
            "APIGW_DOCTOR_ACTIONS",
            "add_integration_header,enable_execution_logging",
        ),
    ]);
    let report = moto.report_with(apply, &json!({ "api_id": api })).await;
    for action in ["add_integration_header", "enable_execution_logging"] {
        let row = actions(&report, action);
        assert_eq!(row.len(), 1, "{report:#}");
        assert_eq!(row[0]["status"], "verified", "{action}: {report:#}");
    }
    let after = ws_state(&moto, &api);
    assert_eq!(
        after["stages"]["prod"]["defaultRouteSettings"]["loggingLevel"], "INFO",
        "{after:#}"
    );
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

// Per-route settings are read: a WebSocket stage whose default logging is off but whose every
// route logs by its own settings is not "logging disabled"; without them it is.
#[tokio::test]
async fn routes_that_log_by_their_own_settings_keep_the_stage_logged() {
    let moto = Moto::start();
    let logged = moto.seed(&["v2", "--logging-off", "--ws-route-logging"]);
    let report = moto
        .report(&json!({ "api_id": id(&logged, "ws_api_id") }))
        .await;
    assert!(
        findings(&report, "EXECUTION_LOGGING_DISABLED").is_empty(),
        "{report:#}"
    );
    let unlogged = moto.seed(&["v2", "--logging-off", "--name", "quiet"]);
    let report = moto
        .report(&json!({ "api_id": id(&unlogged, "ws_api_id") }))
        .await;
    assert_eq!(
        findings(&report, "EXECUTION_LOGGING_DISABLED").len(),
        1,
        "{report:#}"
    );
}
