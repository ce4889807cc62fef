//! The resource policy and the endpoint policy, evaluated per deployed method on moto.

use crate::support::{codes, findings, id, Moto};
use serde_json::json;

#[tokio::test]
async fn a_policy_that_only_allows_another_endpoint_denies_ours_and_says_what_to_add() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--policy-allows-other-endpoint-only"]);
    let vpce = id(&ids, "vpce_id");
    let report = moto
        .report(
            &json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } }),
        )
        .await;
    let found = findings(&report, "POLICY_DENIES_VPC_ENDPOINT");
    assert_eq!(found.len(), 1, "{report:#}");
    let evidence = &found[0]["evidence"];
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["resource"], vpce);
    assert_eq!(evidence["denied_methods"][0]["method"], "GET");
    assert_eq!(evidence["denied_methods"][0]["path"], "/items");
    assert_eq!(evidence["denied_methods"][0]["decision"], "ExplicitDeny");
    assert_eq!(evidence["context"]["principal"], "anonymous");
    let change = evidence["smallest_change"]
        .as_str()
        .expect("a suggested change");
    assert!(
        change.contains(&vpce) && change.contains("aws:SourceVpce"),
        "{change}"
    );
    // The endpoint named only by the policy does not exist either.
    assert!(codes(&report).contains(&"VPC_ENDPOINT_NOT_AVAILABLE".to_string()));
}

#[tokio::test]
async fn a_policy_allowing_our_endpoint_is_quiet_for_the_requested_method() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let report = moto
        .report(&json!({
            "api_id": api,
            "client": { "vpc_id": id(&ids, "vpc_id") },
            "request": { "url": format!("https://{api}.execute-api.us-east-1.amazonaws.com/prod/items"), "method": "GET" },
        }))
        .await;
    assert!(
        findings(&report, "POLICY_DENIES_VPC_ENDPOINT").is_empty(),
        "{report:#}"
    );
    assert!(
        findings(&report, "VPC_ENDPOINT_POLICY_DENIES").is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn an_endpoint_policy_for_another_api_denies_this_one() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--endpoint-policy-denies"]);
    let report = moto
        .report(
            &json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } }),
        )
        .await;
    let found = findings(&report, "VPC_ENDPOINT_POLICY_DENIES");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], id(&ids, "vpce_id"));
    assert_eq!(
        found[0]["evidence"]["denied_methods"][0]["decision"],
        "ImplicitDeny"
    );
    assert_eq!(codes(&report), vec!["VPC_ENDPOINT_POLICY_DENIES"]);
}
