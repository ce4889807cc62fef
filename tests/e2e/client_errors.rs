//! The 403 configuration checks and the classifier on moto: a disabled default endpoint, a web
//! ACL on the stage and a path the deployment does not serve, each firing with the reported
//! error it explains and quiet where the request or the error rules it out.

use crate::support::{codes, findings, id, Moto};
use serde_json::{json, Value};

/// A bare 403 "Forbidden" (or `error`) for `path` on the public API's default host.
fn reported(ids: &Value, path: &str, method: &str, error: Value) -> Value {
    let api = id(ids, "api_id");
    json!({
        "api_id": api,
        "error": error,
        "request": {
            "url": format!("https://{api}.execute-api.us-east-1.amazonaws.com{path}"),
            "method": method,
        },
    })
}

fn forbidden() -> Value {
    json!({ "status": 403, "error_type": "ForbiddenException", "message": "Forbidden" })
}

fn causes(report: &Value) -> Vec<String> {
    findings(report, "ERROR_RESPONSE_EXPLAINED")
        .iter()
        .map(|f| {
            f["evidence"]["cause"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_disabled_default_endpoint_explains_a_bare_forbidden_and_leads() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--default-endpoint-off"]);
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", forbidden()))
        .await;
    assert_eq!(
        codes(&report)[..2],
        ["DEFAULT_ENDPOINT_DISABLED", "ERROR_RESPONSE_EXPLAINED"],
        "{report:#}"
    );
    assert_eq!(causes(&report), ["default_endpoint_disabled"]);
    // Through a custom domain name the default endpoint is not in the way.
    let mut custom = reported(&ids, "/items", "GET", forbidden());
    custom["request"]["url"] = json!("https://api.example.com/items");
    let report = moto.report(&custom).await;
    assert!(
        findings(&report, "DEFAULT_ENDPOINT_DISABLED").is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn a_web_acl_is_named_for_a_bare_forbidden_and_not_for_an_iam_error() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--waf"]);
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", forbidden()))
        .await;
    let waf = findings(&report, "WAF_ACL_ATTACHED");
    assert_eq!(waf.len(), 1, "{report:#}");
    assert_eq!(waf[0]["resource"], id(&ids, "web_acl_arn"));
    assert_eq!(causes(&report), ["waf_blocked"]);
    let iam = json!({ "status": 403, "error_type": "AccessDeniedException",
        "message": "User: anonymous is not authorized to perform: execute-api:Invoke on resource: x" });
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", iam))
        .await;
    assert!(
        findings(&report, "WAF_ACL_ATTACHED").is_empty(),
        "{report:#}"
    );
    assert_eq!(causes(&report), ["iam_not_authorized"]);
}

#[tokio::test]
async fn a_path_the_deployment_does_not_serve_is_resource_not_found() {
    let moto = Moto::start();
    // POST /items is in the definition but was never deployed.
    let ids = moto.seed(&["public", "--undeployed-change"]);
    let token = json!({ "status": 403, "error_type": "MissingAuthenticationTokenException",
                        "message": "Missing Authentication Token" });
    let report = moto
        .report(&reported(&ids, "/prod/items", "POST", token.clone()))
        .await;
    let missing = findings(&report, "RESOURCE_NOT_FOUND");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["evidence"]["in_current_definition"], true);
    assert_eq!(causes(&report), ["missing_authentication_token"]);
    assert_eq!(codes(&report)[0], "RESOURCE_NOT_FOUND", "{report:#}");
    // The deployed GET is served: nothing is claimed.
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", token))
        .await;
    assert!(
        findings(&report, "RESOURCE_NOT_FOUND").is_empty(),
        "{report:#}"
    );
}

/// A bare 403 "Forbidden" for `url` (through a custom domain name).
fn through(ids: &Value, url: &str) -> Value {
    json!({
        "api_id": id(ids, "api_id"),
        "error": forbidden(),
        "request": { "url": url, "method": "GET" },
    })
}

#[tokio::test]
async fn a_custom_domain_without_a_mapping_for_the_path_explains_a_bare_forbidden() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--custom-domain", "orders"]);
    let report = moto
        .report(&through(&ids, "https://orders.example.com/items"))
        .await;
    let missing = findings(&report, "CUSTOM_DOMAIN_NO_MAPPING");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["resource"], "orders.example.com");
    assert_eq!(missing[0]["evidence"]["base_paths"], json!(["/orders"]));
    assert_eq!(causes(&report), ["custom_domain_no_mapping"]);
    // The mapped base path is served; a host that is none of the account's domains is not
    // judged, and the report says so.
    let report = moto
        .report(&through(&ids, "https://ORDERS.Example.com/orders/items"))
        .await;
    assert!(
        findings(&report, "CUSTOM_DOMAIN_NO_MAPPING").is_empty(),
        "{report:#}"
    );
    let report = moto
        .report(&through(&ids, "https://shop.example.org/items"))
        .await;
    assert!(
        findings(&report, "CUSTOM_DOMAIN_NO_MAPPING").is_empty(),
        "{report:#}"
    );
    assert!(
        report["incident"]["notes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n
                .as_str()
                .is_some_and(|n| n.contains("none of the custom domain names")))),
        "{report:#}"
    );
}

#[tokio::test]
async fn the_mapped_stage_repeated_after_a_custom_domain_explains_a_bare_forbidden() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--custom-domain", "/"]);
    let report = moto
        .report(&through(&ids, "https://orders.example.com/prod/items"))
        .await;
    let repeated = findings(&report, "CUSTOM_DOMAIN_STAGE_IN_PATH");
    assert_eq!(repeated.len(), 1, "{report:#}");
    assert_eq!(repeated[0]["severity"], "error");
    assert_eq!(repeated[0]["evidence"]["path_without_stage"], "/items");
    assert_eq!(causes(&report), ["custom_domain_stage_in_path"]);
    assert_eq!(
        codes(&report)[..2],
        ["CUSTOM_DOMAIN_STAGE_IN_PATH", "ERROR_RESPONSE_EXPLAINED"],
        "{report:#}"
    );
    // Without the stage the path is served: nothing to say.
    let report = moto
        .report(&through(&ids, "https://orders.example.com/items"))
        .await;
    assert!(
        findings(&report, "CUSTOM_DOMAIN_STAGE_IN_PATH").is_empty()
            && findings(&report, "CUSTOM_DOMAIN_NO_MAPPING").is_empty(),
        "{report:#}"
    );
}

#[tokio::test]
async fn truststore_warnings_on_the_custom_domain_explain_a_bare_forbidden() {
    let moto = Moto::start();
    let warning = "Certificate 1 uses an insecure signature algorithm";
    let ids = moto.seed(&["public", "--custom-domain", "/", "--mtls-warning", warning]);
    let report = moto
        .report(&through(&ids, "https://orders.example.com/items"))
        .await;
    let warned = findings(&report, "MTLS_TRUSTSTORE_WARNINGS");
    assert_eq!(warned.len(), 1, "{report:#}");
    assert_eq!(
        warned[0]["evidence"]["truststore_warnings"],
        json!([warning])
    );
    assert_eq!(causes(&report), ["mtls_certificate_invalid"]);
    // Without warnings the same request is quiet.
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--custom-domain", "/"]);
    let report = moto
        .report(&through(&ids, "https://orders.example.com/items"))
        .await;
    assert!(
        findings(&report, "MTLS_TRUSTSTORE_WARNINGS").is_empty(),
        "{report:#}"
    );
    assert!(causes(&report).is_empty(), "{report:#}");
}

#[tokio::test]
async fn a_key_method_on_a_stage_in_no_usage_plan_explains_a_bare_forbidden() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--api-key-required", "no-plan"]);
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", forbidden()))
        .await;
    let unusable = findings(&report, "API_KEY_NOT_USABLE");
    assert_eq!(unusable.len(), 1, "{report:#}");
    assert_eq!(unusable[0]["stage"], "prod");
    assert_eq!(
        unusable[0]["evidence"]["api_key_methods"],
        json!(["GET /items"])
    );
    assert_eq!(causes(&report), ["invalid_api_key"]);
    // A usage plan with an enabled key includes the stage: quiet.
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--api-key-required", "plan"]);
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", forbidden()))
        .await;
    assert!(
        findings(&report, "API_KEY_NOT_USABLE").is_empty(),
        "{report:#}"
    );
    assert!(causes(&report).is_empty(), "{report:#}");
}

// SPEC §5: "or the plan has no enabled key". The plan's keys (GetUsagePlanKeys) and whether
// they are enabled (GetApiKeys) are read because a plan admits the key-requiring stage.
#[tokio::test]
async fn a_stage_whose_only_plan_holds_a_disabled_key_has_no_usable_key() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--api-key-required", "disabled-key"]);
    let report = moto
        .report(&reported(&ids, "/prod/items", "GET", forbidden()))
        .await;
    let unusable = findings(&report, "API_KEY_NOT_USABLE");
    assert_eq!(unusable.len(), 1, "{report:#}");
    assert_eq!(
        unusable[0]["evidence"]["admitting_usage_plans"],
        json!([id(&ids, "usage_plan_id")])
    );
    assert_eq!(
        unusable[0]["evidence"]["keys_not_enabled"],
        json!([id(&ids, "api_key_id")])
    );
    assert_eq!(causes(&report), ["invalid_api_key"]);
    assert!(
        report["incomplete"].as_array().is_none_or(|a| a.is_empty()),
        "{report:#}"
    );
}

#[tokio::test]
async fn an_http_api_mapped_on_the_domain_serves_its_base_path() {
    // The REST API is mapped at orders, an HTTP API at shop (API Gateway v2's API mappings):
    // /shop/cart is served, /admin is not.
    let moto = Moto::start();
    let ids = moto.seed(&[
        "public",
        "--custom-domain",
        "orders",
        "--http-api-mapping",
        "shop",
    ]);
    let report = moto
        .report(&through(&ids, "https://orders.example.com/shop/cart"))
        .await;
    assert!(
        findings(&report, "CUSTOM_DOMAIN_NO_MAPPING").is_empty(),
        "{report:#}"
    );
    let report = moto
        .report(&through(&ids, "https://orders.example.com/admin"))
        .await;
    let missing = findings(&report, "CUSTOM_DOMAIN_NO_MAPPING");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(
        missing[0]["evidence"]["base_paths"],
        json!(["/orders", "/shop"])
    );
    // Two APIs are mapped: the finding names none of them.
    assert!(missing[0]["api_id"].is_null(), "{report:#}");
}
