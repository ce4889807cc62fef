//! HTTP and WebSocket deployments on moto: a route written after the stage's deployment, as
//! CloudTrail's event history records it (emulator gap 13), is UNDEPLOYED_CHANGES; redeploying
//! the stage repairs it, and the next diagnosis finds the stage current.

use crate::support::{actions, config, findings, id, operations_sent, Moto};
use serde_json::json;

#[tokio::test]
async fn a_route_added_after_the_deployment_is_found_redeployed_and_then_current() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--v2-undeployed-change"]);
    let api = id(&ids, "http_api_id");
    let event = json!({ "api_id": api, "stage": "prod" });

    let report = moto.report_with(config(&[]), &event).await;
    let found = findings(&report, "UNDEPLOYED_CHANGES");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["stage"], "prod");
    assert_eq!(found[0]["evidence"]["change"]["event_name"], "CreateRoute");
    assert!(operations_sent(&report).contains(&"cloudtrail:LookupEvents".to_string()));
    assert_eq!(actions(&report, "redeploy_stage")[0]["status"], "planned");

    let apply = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", "redeploy_stage"),
    ]);
    let report = moto.report_with(apply, &event).await;
    assert_eq!(
        actions(&report, "redeploy_stage")[0]["status"],
        "verified",
        "{report:#}"
    );

    // The new deployment is newer than the write (whole seconds: wait past it).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = moto.report_with(config(&[]), &event).await;
    assert!(
        findings(&report, "UNDEPLOYED_CHANGES").is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn a_stage_deployed_after_every_write_and_a_sweep_claim_nothing() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2"]);
    let report = moto
        .report_with(config(&[]), &json!({ "api_id": id(&ids, "http_api_id") }))
        .await;
    assert!(
        findings(&report, "UNDEPLOYED_CHANGES").is_empty(),
        "{report:#}"
    );
    // The seed's routes and integrations were written before the deployment, and CloudTrail
    // has them: the history was read, and found them deployed.
    assert!(operations_sent(&report).contains(&"cloudtrail:LookupEvents".to_string()));

    let changed = moto.seed(&["v2", "--v2-undeployed-change", "--name", "later"]);
    let sweep = moto
        .report_with(config(&[]), &json!({ "sweep": true }))
        .await;
    assert!(operations_sent(&sweep).contains(&"apigatewayv2:GetApis".to_string()));
    assert!(
        !operations_sent(&sweep).contains(&"cloudtrail:LookupEvents".to_string()),
        "a sweep does not search CloudTrail (2 lookups a second): {sweep:#}"
    );
    assert!(findings(&sweep, "UNDEPLOYED_CHANGES")
        .iter()
        .all(|f| f["api_id"] != id(&changed, "http_api_id")));
}
