//! Private REST APIs on moto: each check fires on its broken scenario and stays quiet on the
//! healthy baseline.

use crate::support::{codes, findings, forbidden_from_vpc, id, Moto};
use serde_json::{json, Value};

async fn diagnose(flags: &[&str]) -> (Value, Value) {
    let moto = Moto::start();
    let mut args = vec!["private"];
    args.extend_from_slice(flags);
    let ids = moto.seed(&args);
    let report = moto.report(&forbidden_from_vpc(&ids)).await;
    (ids, report)
}

#[tokio::test]
async fn healthy_private_api_has_no_findings() {
    let (ids, report) = diagnose(&[]).await;
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]));
    assert_eq!(report["targets"][0]["api_id"], id(&ids, "api_id"));
    assert_eq!(report["targets"][0]["endpoint_type"], "PRIVATE");
    assert_eq!(report["targets"][0]["stages"], json!(["prod"]));
    assert!(report["stats"]["aws_calls"].as_u64().expect("aws_calls") >= 8);
}

#[tokio::test]
async fn private_dns_off_names_the_endpoint_dns_and_header() {
    let (ids, report) = diagnose(&["--private-dns-off"]).await;
    let found = findings(&report, "VPC_ENDPOINT_PRIVATE_DNS_DISABLED");
    assert_eq!(found.len(), 1, "{report:#}");
    let evidence = &found[0]["evidence"];
    assert_eq!(found[0]["resource"], id(&ids, "vpce_id"));
    assert_eq!(evidence["headers"]["x-apigw-api-id"], id(&ids, "api_id"));
    assert!(evidence["endpoint_dns_names"]
        .as_array()
        .is_some_and(|n| !n.is_empty()));
    assert_eq!(found[0]["remedy"]["action"], "enable_private_dns");
    let action = &report["actions"][0];
    assert_eq!(action["action"], "enable_private_dns");
    assert_eq!(
        action["status"], "skipped",
        "not listed explicitly: {action:#}"
    );
    assert!(action["calls"][0]
        .as_str()
        .is_some_and(|c| c.contains("PrivateDnsEnabled=true")));
}

#[tokio::test]
async fn vpc_dns_hostnames_off_is_reported() {
    let (ids, report) = diagnose(&["--vpc-dns", "hostnames-off"]).await;
    let found = findings(&report, "VPC_DNS_DISABLED");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], id(&ids, "vpc_id"));
    assert_eq!(found[0]["evidence"]["enableDnsHostnames"], false);
    assert_eq!(found[0]["evidence"]["enableDnsSupport"], true);
}

#[tokio::test]
async fn endpoint_security_group_without_443_is_reported_with_its_rules() {
    let (ids, report) = diagnose(&["--sg-blocks-443"]).await;
    let found = findings(&report, "VPC_ENDPOINT_SG_BLOCKS_HTTPS");
    assert_eq!(found.len(), 1, "{report:#}");
    let groups = &found[0]["evidence"]["security_groups"];
    assert_eq!(groups[0]["group_id"], id(&ids, "endpoint_sg_id"));
    assert_eq!(groups[0]["ingress"][0]["from_port"], 80);
    assert_eq!(codes(&report), vec!["VPC_ENDPOINT_SG_BLOCKS_HTTPS"]);
}

#[tokio::test]
async fn client_security_group_without_egress_443_is_reported() {
    let (ids, report) = diagnose(&["--client-sg-blocks-443"]).await;
    let found = findings(&report, "CLIENT_SG_BLOCKS_HTTPS");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(
        found[0]["evidence"]["security_groups"][0]["group_id"],
        id(&ids, "client_sg_id")
    );
    assert_eq!(codes(&report), vec!["CLIENT_SG_BLOCKS_HTTPS"]);
}

#[tokio::test]
async fn network_acl_denying_443_is_reported_with_the_rule() {
    let (_, report) = diagnose(&["--nacl-blocks-443"]).await;
    let found = findings(&report, "NACL_BLOCKS_HTTPS");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["evidence"]["denied"][0]["rule_number"], 50);
    assert_eq!(found[0]["evidence"]["denied"][0]["direction"], "inbound");
}

/// The NACL findings for the seeded private API behind an ACL open to the client subnet alone,
/// with `client` as the event's client (none: `null`).
async fn app_subnet_only(client: Value) -> Vec<Value> {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--nacl-app-subnet-only"]);
    let mut event = json!({ "api_id": id(&ids, "api_id"), "stage": "prod" });
    if !client.is_null() {
        event["client"] = client;
    }
    let report = moto.report(&event).await;
    findings(&report, "NACL_BLOCKS_HTTPS")
        .into_iter()
        .cloned()
        .collect()
}

// SPEC §5 NACL_BLOCKS_HTTPS, on an ACL whose other entries are AWS's catch-all denies (the
// emulator adds them to a new ACL as AWS does: tests/moto/ext.py gap 9).
#[tokio::test]
async fn an_acl_open_to_one_app_subnet_warns_without_a_client() {
    let found = app_subnet_only(Value::Null).await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "warning");
    let denied = found[0]["evidence"]["denied"].to_string();
    assert!(denied.contains("32767"), "{denied}");
    assert!(!denied.contains("10.0.2."), "{denied}");
}

#[tokio::test]
async fn an_acl_open_to_one_app_subnet_admits_a_client_inside_it() {
    let found = app_subnet_only(json!({ "source_ip": "10.0.2.40" })).await;
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn an_acl_open_to_one_app_subnet_blocks_a_client_outside_it() {
    let found = app_subnet_only(json!({ "source_ip": "10.0.3.40" })).await;
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "error");
}

// A customer-managed prefix list in the endpoint's group is read (GetManagedPrefixListEntries)
// and judged by the ranges it holds, not given the benefit of the doubt.
#[tokio::test]
async fn a_prefix_list_rule_admits_only_the_ranges_it_holds() {
    let (_, report) = diagnose(&["--sg-prefix-list", "elsewhere"]).await;
    assert_eq!(
        codes(&report),
        vec!["VPC_ENDPOINT_SG_BLOCKS_HTTPS"],
        "{report:#}"
    );
    let (_, report) = diagnose(&["--sg-prefix-list", "vpc"]).await;
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]));
}

#[tokio::test]
async fn private_api_without_policy_is_reported() {
    let (_, report) = diagnose(&["--no-policy"]).await;
    assert_eq!(codes(&report), vec!["PRIVATE_API_NO_POLICY"], "{report:#}");
}

#[tokio::test]
async fn client_vpc_without_execute_api_endpoint_is_reported() {
    let (ids, report) = diagnose(&["--no-endpoint"]).await;
    let found = findings(&report, "EXECUTE_API_ENDPOINT_MISSING");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], id(&ids, "vpc_id"));
}

#[tokio::test]
async fn endpoint_named_by_the_policy_that_does_not_exist_is_reported() {
    let (_, report) = diagnose(&["--policy-names-missing-endpoint"]).await;
    let found = findings(&report, "VPC_ENDPOINT_NOT_AVAILABLE");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], "vpce-0deadbeef00000000");
    assert_eq!(found[0]["evidence"]["named_in"], "resource policy");
}

#[tokio::test]
async fn vpc_named_by_the_policy_without_endpoint_is_reported_when_no_client_is_given() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--policy-names-other-vpc"]);
    let report = moto.report(&json!({ "api_id": id(&ids, "api_id") })).await;
    let found = findings(&report, "EXECUTE_API_ENDPOINT_MISSING");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], "vpc-0f00f00f00f00f00f");
}

#[tokio::test]
async fn endpoint_specific_url_without_api_header_is_a_mismatch_and_with_it_is_not() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let vpce = id(&ids, "vpce_id");
    let url =
        format!("https://{vpce}-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com/prod/items");
    let mut request = forbidden_from_vpc(&ids);
    request["request"] = json!({ "url": url, "method": "GET", "headers": {} });
    let report = moto.report(&request).await;
    let found = findings(&report, "INVOKE_URL_MISMATCH");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["evidence"]["cause"], "private_api_wrong_host");

    request["request"]["headers"] = json!({ "X-Apigw-Api-Id": id(&ids, "api_id") });
    let report = moto.report(&request).await;
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
}
