//! Resolving targets: names shared by several REST APIs, unknown ids and names, missing stages.

use crate::support::{codes, findings, id, Moto};
use serde_json::json;

#[tokio::test]
async fn a_shared_name_diagnoses_every_api_and_says_so() {
    let moto = Moto::start();
    let ids = moto.seed(&["same-name", "--name", "orders"]);
    let outcome = moto.handle(&json!({ "api_name": "orders" })).await;
    assert_eq!(outcome.fatal, None);
    let report = serde_json::to_value(&outcome.report).expect("json");
    let found = findings(&report, "TARGET_AMBIGUOUS");
    assert_eq!(found.len(), 1, "{report:#}");
    let mut named: Vec<_> = found[0]["evidence"]["api_ids"]
        .as_array()
        .expect("ids")
        .clone();
    named.sort_by_key(|v| v.to_string());
    let mut seeded: Vec<_> = ids["api_ids"].as_array().expect("seeded").clone();
    seeded.sort_by_key(|v| v.to_string());
    assert_eq!(named, seeded);
    assert_eq!(report["targets"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_unknown_api_id_is_not_found_and_fatal() {
    let moto = Moto::start();
    let outcome = moto.handle(&json!({ "api_id": "nosuchapi1" })).await;
    let report = serde_json::to_value(&outcome.report).expect("json");
    assert_eq!(codes(&report), vec!["TARGET_NOT_FOUND"]);
    let reason = outcome.fatal.expect("nothing to diagnose is fatal");
    assert!(reason.contains("nosuchapi1"), "{reason}");
}

#[tokio::test]
async fn an_unknown_name_is_not_found() {
    let moto = Moto::start();
    moto.seed(&["same-name", "--name", "orders"]);
    let outcome = moto.handle(&json!({ "api_name": "payments" })).await;
    let report = serde_json::to_value(&outcome.report).expect("json");
    assert_eq!(codes(&report), vec!["TARGET_NOT_FOUND"]);
    assert!(outcome.fatal.is_some());
}

#[tokio::test]
async fn a_missing_stage_is_not_found_but_the_api_is_still_diagnosed() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let outcome = moto
        .handle(&json!({ "api_id": id(&ids, "api_id"), "stage": "staging" }))
        .await;
    let report = serde_json::to_value(&outcome.report).expect("json");
    let found = findings(&report, "TARGET_NOT_FOUND");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["stage"], "staging");
    assert_eq!(outcome.fatal, None);
    assert_eq!(report["targets"][0]["stages"], json!([]));
}

#[tokio::test]
async fn a_sweep_finds_rest_and_http_apis() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--private-dns-off"]);
    let report = moto.report(&json!({ "sweep": true })).await;
    let targets: Vec<&str> = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["api_id"].as_str())
        .collect();
    assert!(targets.contains(&id(&ids, "api_id").as_str()), "{report:#}");
    assert!(
        targets.contains(&id(&ids, "http_api_id").as_str()),
        "{report:#}"
    );
    let http = report["targets"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["kind"] == "http"))
        .expect("the HTTP API is a target");
    assert_eq!(http["stages"], json!(["$default"]));
}
