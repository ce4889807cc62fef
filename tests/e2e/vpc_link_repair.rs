//! `recreate_vpc_link` on moto: the dry run lists every call and writes nothing; the apply
//! creates one tagged replacement, repoints the integration that names the link and the stage
//! variable that holds it, and redeploys the affected stages; a link still PENDING at the
//! deadline leaves the action `pending`, and the next run resumes with the same link; the
//! refusal while the load balancer is gone. (New links start PENDING through ext.py gap 18;
//! REST UpdateIntegration is gap 21.)

use crate::support::{
    actions, assert_listed, config, findings, handle_with, handle_within, id, is_read, Moto,
};
use apigw_doctor::aws::Aws;
use apigw_doctor::config::Config;
use serde_json::{json, Value};
use std::time::Duration;

fn apply() -> Config {
    config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", "recreate_vpc_link"),
    ])
}

fn event(ids: &Value) -> Value {
    json!({ "api_id": id(ids, "api_id"), "symptom": "server-error" })
}

/// A FAILED v1 link named by GET /items through stage variable `link` on prod (beta's variable
/// names a second, healthy link) and by POST /items directly on both stages.
fn seed(moto: &Moto, extra: &[&str]) -> Value {
    let mut args = vec![
        "vpc-link",
        "--link-stage-variable",
        "--direct-post",
        "--link-status",
        "FAILED:NLB ARN is malformed or does not exist",
    ];
    args.extend(extra);
    moto.seed(&args)
}

/// Every v1 link the emulator holds.
async fn links(aws: &Aws) -> Vec<aws_sdk_apigateway::types::VpcLink> {
    aws.apigateway
        .get_vpc_links()
        .send()
        .await
        .expect("GetVpcLinks")
        .items()
        .to_vec()
}

/// Sets a link's status, or the status new links start with (ext.py gap 18).
fn post(moto: &Moto, body: Value) {
    moto.post("/moto-api/apigw-doctor/vpc-link-status", &body);
}

/// What the API's stages and integrations name now: (prod's variable, beta's variable, POST's
/// connection id).
async fn pointing(aws: &Aws, api: &str) -> (String, String, String) {
    let stages = aws
        .apigateway
        .get_stages()
        .rest_api_id(api)
        .send()
        .await
        .expect("GetStages");
    let variable = |name: &str| {
        stages
            .item()
            .iter()
            .find(|s| s.stage_name() == Some(name))
            .and_then(|s| s.variables())
            .and_then(|v| v.get("link"))
            .cloned()
            .unwrap_or_default()
    };
    let resources = aws
        .apigateway
        .get_resources()
        .rest_api_id(api)
        .send()
        .await
        .expect("GetResources");
    let items = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/items"))
        .and_then(|r| r.id())
        .expect("/items")
        .to_string();
    let post = aws
        .apigateway
        .get_integration()
        .rest_api_id(api)
        .resource_id(items)
        .http_method("POST")
        .send()
        .await
        .expect("GetIntegration");
    (
        variable("prod"),
        variable("beta"),
        post.connection_id().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn the_dry_run_lists_every_call_and_writes_nothing() {
    let moto = Moto::start();
    let ids = seed(&moto, &[]);
    let aws = moto.aws().await;
    let outcome = handle_with(
        aws.clone(),
        config(&[("APIGW_DOCTOR_MODE", "dry-run")]),
        &event(&ids),
    )
    .await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    let rows = actions(&report, "recreate_vpc_link");
    assert_eq!(rows.len(), 1, "{report:#}");
    assert_eq!(rows[0]["status"], "planned", "{report:#}");
    assert_eq!(rows[0]["target"], id(&ids, "vpc_link_id"));
    let calls: Vec<&str> = rows[0]["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        calls[0].starts_with("apigateway:CreateVpcLink Name=orders-apigw-doctor"),
        "{calls:#?}"
    );
    assert!(calls[0].contains(&format!(
        "apigw-doctor:replaces={}",
        id(&ids, "vpc_link_id")
    )));
    assert!(
        calls.iter().any(|c| c
            .contains("PatchOperations=[replace /variables/link (the new link)]")
            && c.contains("StageName=prod")),
        "{calls:#?}"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c.contains("StageName=beta PatchOperations")),
        "beta's variable names another link: {calls:#?}"
    );
    assert!(calls.iter().any(|c| c.starts_with("apigateway:UpdateIntegration") && c.contains("HttpMethod=POST")), "{calls:#?}");
    for stage in ["prod", "beta"] {
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("apigateway:CreateDeployment")
                    && c.contains(&format!("StageName={stage} "))),
            "{calls:#?}"
        );
    }
    let sent = aws.operations_sent();
    assert!(
        sent.keys().all(|op| is_read(op)),
        "a dry run wrote: {sent:?}"
    );
    assert_eq!(links(&aws).await.len(), 2);
    assert_listed(&aws);
}

#[tokio::test]
async fn the_apply_creates_one_tagged_link_repoints_every_use_and_redeploys() {
    let moto = Moto::start();
    let ids = seed(&moto, &[]);
    let (old, beta_link, api) = (
        id(&ids, "vpc_link_id"),
        id(&ids, "beta_vpc_link_id"),
        id(&ids, "api_id"),
    );
    let aws = moto.aws().await;
    let outcome = handle_with(aws.clone(), apply(), &event(&ids)).await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    let rows = actions(&report, "recreate_vpc_link");
    assert_eq!(rows[0]["status"], "verified", "{report:#}");
    let all = links(&aws).await;
    let new: Vec<_> = all
        .iter()
        .filter(|l| l.tags().and_then(|t| t.get("apigw-doctor:replaces")) == Some(&old))
        .collect();
    assert_eq!(new.len(), 1, "{all:#?}");
    let new_id = new[0].id().unwrap_or_default().to_string();
    assert_eq!(new[0].name(), Some("orders-apigw-doctor"));
    assert_eq!(
        new[0]
            .tags()
            .and_then(|t| t.get("team"))
            .map(String::as_str),
        Some("orders")
    );
    assert_eq!(
        pointing(&aws, &api).await,
        (new_id.clone(), beta_link, new_id.clone())
    );
    assert!(rows[0]["undo"]
        .as_str()
        .unwrap_or_default()
        .contains(&format!("the old link {old} is kept")));
    // The old link is kept; the next diagnosis finds nothing to repair.
    assert!(all.iter().any(|l| l.id() == Some(old.as_str())));
    let again = moto.report(&event(&ids)).await;
    assert!(findings(&again, "VPC_LINK_FAILED").is_empty(), "{again:#}");
    assert!(actions(&again, "recreate_vpc_link").is_empty(), "{again:#}");
}

#[tokio::test]
async fn a_link_still_pending_at_the_deadline_is_resumed_by_the_next_run_without_a_second_one() {
    let moto = Moto::start();
    let ids = seed(&moto, &[]);
    let (old, api) = (id(&ids, "vpc_link_id"), id(&ids, "api_id"));
    post(&moto, json!({ "new_links": "PENDING" }));
    let aws = moto.aws().await;
    // The deadline bounds the reads as well as the wait: on a loaded machine, a few seconds
    // can pass before the repair is judged, and reads cut short refuse it (incomplete).
    let within = Some(Duration::from_secs(20));
    let outcome = handle_within(aws.clone(), apply(), &event(&ids), within).await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    let row = &actions(&report, "recreate_vpc_link")[0];
    assert_eq!(row["status"], "pending", "{report:#}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("still PENDING"),
        "{row:#}"
    );
    let created: Vec<String> = links(&aws)
        .await
        .iter()
        .filter(|l| l.tags().and_then(|t| t.get("apigw-doctor:replaces")) == Some(&old))
        .filter_map(|l| l.id().map(str::to_string))
        .collect();
    assert_eq!(created.len(), 1);
    // Nothing is repointed to a link that is not available yet.
    assert_eq!(pointing(&aws, &api).await.0, old);

    // The link comes up; the next invocation finds it by its tag and finishes.
    post(&moto, json!({ "new_links": null }));
    post(
        &moto,
        json!({ "vpc_link_id": created[0], "status": "AVAILABLE" }),
    );
    let outcome = handle_with(aws.clone(), apply(), &event(&ids)).await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    assert_eq!(
        actions(&report, "recreate_vpc_link")[0]["status"],
        "verified",
        "{report:#}"
    );
    let replacements = links(&aws)
        .await
        .iter()
        .filter(|l| l.tags().and_then(|t| t.get("apigw-doctor:replaces")) == Some(&old))
        .count();
    assert_eq!(replacements, 1, "never a second link");
    let (prod, _, direct) = pointing(&aws, &api).await;
    assert_eq!((prod, direct), (created[0].clone(), created[0].clone()));
}

#[tokio::test]
async fn refused_while_the_load_balancer_is_gone() {
    let moto = Moto::start();
    let ids = seed(&moto, &["--lb-deleted"]);
    let aws = moto.aws().await;
    let outcome = handle_with(aws.clone(), apply(), &event(&ids)).await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    let row = &actions(&report, "recreate_vpc_link")[0];
    assert_eq!(row["status"], "skipped", "{report:#}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("VPC_LINK_TARGET_MISSING holds"),
        "{row:#}"
    );
    assert!(!aws
        .operations_sent()
        .contains_key("apigateway:CreateVpcLink"));
    assert_eq!(links(&aws).await.len(), 2);
}

#[tokio::test]
async fn an_inactive_v2_link_is_never_recreated() {
    let moto = Moto::start();
    let ids = moto.seed(&[
        "vpc-link",
        "--link-version",
        "v2",
        "--link-status",
        "INACTIVE",
    ]);
    let aws = moto.aws().await;
    let outcome = handle_with(aws.clone(), apply(), &event(&ids)).await;
    let report = serde_json::to_value(&outcome.report).expect("report");
    assert!(
        actions(&report, "recreate_vpc_link").is_empty(),
        "{report:#}"
    );
    assert!(!aws
        .operations_sent()
        .contains_key("apigatewayv2:CreateVpcLink"));
}
