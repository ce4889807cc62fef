//! The 403 configuration checks and the classifier's explanations on hand-built snapshots:
//! each firing, and each staying quiet where the configuration or the request rules it out.

use super::run;
use super::tests::incident;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::snapshot::{
    ApiKey, ApiStage, BasePathMapping, Deployment, DomainName, Method, Resource, RestApi,
    RestStage, Snapshot, UsagePlan,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const API: &str = "a1b2c3d4e5";
const URL: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
const ACL: &str = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/1";

/// A REGIONAL REST API whose stage prod serves deployment d1 with `deployed` (path → methods),
/// logging on so only the checks under test speak.
fn regional(deployed: &[(&str, &[&str])]) -> RestApi {
    let summary: BTreeMap<String, Vec<String>> = deployed
        .iter()
        .map(|(p, m)| (p.to_string(), m.iter().map(|m| m.to_string()).collect()))
        .collect();
    RestApi {
        id: API.into(),
        name: "orders".into(),
        endpoint_types: vec!["REGIONAL".into()],
        disable_execute_api_endpoint: Some(false),
        stages: vec![RestStage {
            name: "prod".into(),
            deployment_id: Some("d1".into()),
            logging_level: Some("INFO".into()),
            access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:a".into()),
            ..RestStage::default()
        }],
        deployments: vec![Deployment {
            id: "d1".into(),
            created_date: Some(1_700_000_000),
            api_summary: Some(summary),
            ..Deployment::default()
        }],
        resources: deployed
            .iter()
            .map(|(p, m)| Resource {
                id: None,
                path: p.to_string(),
                methods: m
                    .iter()
                    .map(|m| Method {
                        http_method: m.to_string(),
                        authorization_type: "NONE".into(),
                        integration: None,
                    })
                    .collect(),
            })
            .collect(),
        ..RestApi::default()
    }
}

fn snapshot(api: RestApi) -> Snapshot {
    let mut s = Snapshot::new("us-east-1", Some("123456789012".into()));
    s.rest_apis.push(api);
    s
}

fn findings(api: RestApi, event: Value) -> Vec<Finding> {
    run(&snapshot(api), &incident(event))
}

fn of(found: &[Finding], code: Code) -> Vec<Finding> {
    found.iter().filter(|f| f.code == code).cloned().collect()
}

fn causes(found: &[Finding]) -> Vec<String> {
    of(found, Code::ErrorResponseExplained)
        .iter()
        .map(|f| f.evidence["cause"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn request(path: &str, method: &str, error: Value) -> Value {
    json!({
        "api_id": API,
        "error": error,
        "request": { "url": format!("{URL}{path}"), "method": method },
    })
}

fn missing_token() -> Value {
    json!({ "status": 403, "error_type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token" })
}

fn bare_forbidden() -> Value {
    json!({ "status": 403, "error_type": "ForbiddenException", "message": "Forbidden" })
}

// --- RESOURCE_NOT_FOUND ------------------------------------------------------------------------

#[test]
fn an_undeployed_path_is_resource_not_found_and_explains_the_missing_token() {
    let found = findings(
        regional(&[("/", &["GET"]), ("/items", &["GET"])]),
        request("/prod/orders", "GET", missing_token()),
    );
    let missing = of(&found, Code::ResourceNotFound);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].severity, Severity::Error);
    assert_eq!(missing[0].evidence["path"], "/orders");
    assert_eq!(missing[0].evidence["deployment_id"], "d1");
    assert_eq!(causes(&found), ["missing_authentication_token"]);
    let explained = &of(&found, Code::ErrorResponseExplained)[0];
    assert_eq!(
        explained.evidence["supported_by"][0]["code"],
        "RESOURCE_NOT_FOUND"
    );
    // The confirming configuration leads, then the explanation it confirms.
    assert_eq!(found[0].code, Code::ResourceNotFound, "{found:#?}");
    assert_eq!(found[1].code, Code::ErrorResponseExplained);
}

#[test]
fn a_path_served_by_a_greedy_proxy_is_not_resource_not_found() {
    let api = regional(&[("/", &["ANY"]), ("/{proxy+}", &["ANY"])]);
    for path in ["/prod/orders", "/prod/orders/42/lines", "/prod/"] {
        let found = findings(api.clone(), request(path, "POST", missing_token()));
        assert!(
            of(&found, Code::ResourceNotFound).is_empty(),
            "{path}: {found:#?}"
        );
        // The classifier still explains the message, without a confirming finding.
        let explained = of(&found, Code::ErrorResponseExplained);
        assert_eq!(explained.len(), 1);
        assert_eq!(explained[0].evidence["supported_by"], json!([]));
    }
}

#[test]
fn path_parameters_match_and_a_missing_method_is_named() {
    let api = regional(&[("/items", &["GET"]), ("/items/{id}", &["GET", "PUT"])]);
    let found = findings(api.clone(), request("/prod/items/42", "PUT", json!(null)));
    assert!(of(&found, Code::ResourceNotFound).is_empty(), "{found:#?}");
    let found = findings(api, request("/prod/items/42", "DELETE", json!(null)));
    let missing = of(&found, Code::ResourceNotFound);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].evidence["serving_resource"], "/items/{id}");
    assert_eq!(
        missing[0].evidence["deployed_methods"],
        json!(["GET", "PUT"])
    );
}

#[test]
fn a_method_only_a_less_specific_proxy_answers_is_a_warning_not_an_error() {
    let api = regional(&[("/items", &["GET"]), ("/{proxy+}", &["ANY"])]);
    let found = findings(api, request("/prod/items", "POST", json!(null)));
    let missing = of(&found, Code::ResourceNotFound);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].severity, Severity::Warning);
    assert!(missing[0].evidence["undecided"][0]
        .as_str()
        .unwrap_or_default()
        .contains("/{proxy+}"));
}

#[test]
fn a_custom_domain_url_is_not_judged_even_with_the_stage_in_its_path() {
    // api.example.com maps the API at its root: /prod/items is not a stage prefix there, and
    // without the mapping nothing can be said of it.
    for url in [
        "https://api.example.com/prod/orders",
        "https://api.example.com/items",
    ] {
        let found = findings(
            regional(&[("/items", &["GET"])]),
            json!({ "api_id": API, "error": missing_token(), "request": { "url": url, "method": "GET" } }),
        );
        assert!(
            of(&found, Code::ResourceNotFound).is_empty(),
            "{url}: {found:#?}"
        );
    }
}

#[test]
fn a_stage_the_api_does_not_have_is_named() {
    let found = findings(
        regional(&[("/items", &["GET"])]),
        request("/prd/items", "GET", bare_forbidden()),
    );
    let missing = of(&found, Code::ResourceNotFound);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].evidence["stage_in_url"], "prd");
    assert_eq!(missing[0].evidence["stages"], json!(["prod"]));
    let snap = snapshot(regional(&[("/items", &["GET"])]));
    let inc = incident(request("/prd/items", "GET", bare_forbidden()));
    let notes = super::notes(&snap, &inc, &run(&snap, &inc));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("stage the API does not have")),
        "{notes:?}"
    );
}

#[test]
fn a_path_in_the_definition_but_not_deployed_says_redeploy() {
    let mut api = regional(&[("/items", &["GET"])]);
    api.resources.push(Resource {
        id: None,
        path: "/orders".into(),
        methods: vec![Method {
            http_method: "GET".into(),
            authorization_type: "NONE".into(),
            integration: None,
        }],
    });
    let found = findings(api, request("/prod/orders", "GET", json!(null)));
    let missing = of(&found, Code::ResourceNotFound);
    assert_eq!(missing[0].evidence["in_current_definition"], true);
    assert!(
        missing[0].summary.contains("redeploy"),
        "{}",
        missing[0].summary
    );
}

#[test]
fn nothing_is_claimed_when_the_deployment_was_not_read_or_no_method_given() {
    let mut api = regional(&[("/items", &["GET"])]);
    api.deployments[0].api_summary = None;
    let found = findings(api, request("/prod/orders", "GET", json!(null)));
    assert!(of(&found, Code::ResourceNotFound).is_empty());
    let found = findings(
        regional(&[("/items", &["POST"])]),
        json!({ "api_id": API, "request": { "url": format!("{URL}/prod/items") } }),
    );
    assert!(
        of(&found, Code::ResourceNotFound).is_empty(),
        "the path exists; no method was given"
    );
}

#[test]
fn another_apis_host_is_not_judged_here() {
    let found = findings(
        regional(&[("/items", &["GET"])]),
        json!({ "api_id": API, "request": { "url": "https://zzzzzzzzzz.execute-api.us-east-1.amazonaws.com/prod/orders", "method": "GET" } }),
    );
    assert!(of(&found, Code::ResourceNotFound).is_empty());
}

// --- DEFAULT_ENDPOINT_DISABLED -----------------------------------------------------------------

fn disabled() -> RestApi {
    let mut api = regional(&[("/items", &["GET"])]);
    api.disable_execute_api_endpoint = Some(true);
    api
}

#[test]
fn a_bare_forbidden_on_the_disabled_default_endpoint_is_explained_by_it() {
    let found = findings(disabled(), request("/prod/items", "GET", bare_forbidden()));
    let endpoint = of(&found, Code::DefaultEndpointDisabled);
    assert_eq!(endpoint.len(), 1, "{found:#?}");
    assert_eq!(endpoint[0].evidence["used_default_endpoint"], true);
    assert_eq!(causes(&found), ["default_endpoint_disabled"]);
    let explained = &of(&found, Code::ErrorResponseExplained)[0];
    assert_eq!(
        explained.evidence["detail"]["ruled_out"],
        json!(["private_api_wrong_host", "waf_blocked"])
    );
    assert!(explained.evidence["detail"]["not_judged"]
        .as_array()
        .is_some_and(|n| n.contains(&json!("custom_domain_no_mapping"))));
    assert_eq!(
        found[0].code,
        Code::DefaultEndpointDisabled,
        "it leads: {found:#?}"
    );
}

#[test]
fn a_disabled_default_endpoint_is_ruled_out_by_a_custom_domain_host() {
    let found = findings(
        disabled(),
        json!({ "api_id": API, "error": bare_forbidden(), "request": { "url": "https://api.example.com/items", "method": "GET" } }),
    );
    assert!(
        of(&found, Code::DefaultEndpointDisabled).is_empty(),
        "{found:#?}"
    );
    assert!(causes(&found).is_empty());
}

#[test]
fn a_disabled_default_endpoint_is_not_a_finding_outside_a_403_or_against_another_error() {
    // A sweep: disabling the default endpoint is a deliberate setup.
    let found = findings(disabled(), json!({ "api_id": API }));
    assert!(of(&found, Code::DefaultEndpointDisabled).is_empty());
    // A 5xx investigation.
    let found = findings(
        disabled(),
        json!({ "api_id": API, "symptom": "server-error" }),
    );
    assert!(of(&found, Code::DefaultEndpointDisabled).is_empty());
    // An IAM error came from API Gateway past the endpoint.
    let found = findings(
        disabled(),
        json!({ "api_id": API, "error": { "status": 403, "error_type": "AccessDeniedException",
                "message": "User: anonymous is not authorized to perform: execute-api:Invoke on resource: x" } }),
    );
    assert!(of(&found, Code::DefaultEndpointDisabled).is_empty());
    // A 403 without a URL: said, with the URL unknown.
    let found = findings(disabled(), json!({ "api_id": API, "symptom": "forbidden" }));
    let endpoint = of(&found, Code::DefaultEndpointDisabled);
    assert_eq!(endpoint.len(), 1);
    assert_eq!(endpoint[0].evidence["used_default_endpoint"], false);
}

// --- WAF_ACL_ATTACHED --------------------------------------------------------------------------

fn with_waf() -> RestApi {
    let mut api = regional(&[("/items", &["GET"])]);
    api.stages[0].web_acl_arn = Some(ACL.into());
    api
}

#[test]
fn a_bare_forbidden_with_a_web_acl_is_explained_as_possibly_waf() {
    let found = findings(with_waf(), request("/prod/items", "GET", bare_forbidden()));
    let waf = of(&found, Code::WafAclAttached);
    assert_eq!(waf.len(), 1, "{found:#?}");
    assert_eq!(waf[0].stage.as_deref(), Some("prod"));
    assert_eq!(waf[0].resource.as_deref(), Some(ACL));
    assert_eq!(causes(&found), ["waf_blocked"]);
}

#[test]
fn a_web_acl_is_not_blamed_for_an_iam_error() {
    let found = findings(
        with_waf(),
        request(
            "/prod/items",
            "GET",
            json!({ "status": 403, "error_type": "AccessDeniedException",
                    "message": "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items" }),
        ),
    );
    assert!(of(&found, Code::WafAclAttached).is_empty(), "{found:#?}");
    assert_eq!(causes(&found), ["iam_not_authorized"]);
}

#[test]
fn a_web_acl_on_a_stage_the_request_does_not_use_is_not_named() {
    let mut api = with_waf();
    api.stages.push(RestStage {
        name: "dev".into(),
        deployment_id: Some("d1".into()),
        logging_level: Some("INFO".into()),
        access_log_destination: Some("x".into()),
        ..RestStage::default()
    });
    api.stages[0].web_acl_arn = None;
    api.stages[1].web_acl_arn = Some(ACL.into());
    let found = findings(api, request("/prod/items", "GET", bare_forbidden()));
    assert!(of(&found, Code::WafAclAttached).is_empty(), "{found:#?}");
}

#[test]
fn several_supported_causes_give_one_explanation_each() {
    let mut api = disabled();
    api.stages[0].web_acl_arn = Some(ACL.into());
    let found = findings(api, request("/prod/items", "GET", bare_forbidden()));
    let mut got = causes(&found);
    got.sort();
    assert_eq!(got, ["default_endpoint_disabled", "waf_blocked"]);
    // The certain cause (the endpoint the request used is off) leads the possible one.
    assert_eq!(found[0].code, Code::DefaultEndpointDisabled, "{found:#?}");
}

#[test]
fn a_bare_forbidden_nothing_supports_is_a_note_naming_what_was_not_judged() {
    let event = request("/prod/items", "GET", bare_forbidden());
    let snap = snapshot(regional(&[("/items", &["GET"])]));
    let inc = incident(event);
    let found = run(&snap, &inc);
    assert!(causes(&found).is_empty(), "{found:#?}");
    let notes = super::notes(&snap, &inc, &found);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("supports none") && n.contains("mutual TLS")),
        "{notes:?}"
    );
}

#[test]
fn an_unknown_error_is_a_note_not_a_guess() {
    let snap = snapshot(regional(&[("/items", &["GET"])]));
    let inc = incident(
        json!({ "api_id": API, "error": { "status": 502, "message": "Internal server error" } }),
    );
    let found = run(&snap, &inc);
    assert!(causes(&found).is_empty());
    assert!(super::notes(&snap, &inc, &found)
        .iter()
        .any(|n| n.contains("matches no response")));
}

// --- the 5xx and the 410 -----------------------------------------------------------------------

#[test]
fn a_vpc_link_string_is_explained_with_its_fix() {
    let found = findings(
        regional(&[("/items", &["GET"])]),
        json!({ "api_id": API, "error": { "status": 500,
            "message": "Execution failed due to configuration error: There was an internal error while executing your request" } }),
    );
    assert_eq!(causes(&found), ["vpc_link_internal_error"]);
    let explained = &of(&found, Code::ErrorResponseExplained)[0];
    assert_eq!(explained.api_id.as_deref(), Some(API));
    assert!(
        explained.summary.contains("VPC link"),
        "{}",
        explained.summary
    );
}

#[test]
fn a_410_without_a_connection_lookup_is_explained_once() {
    let found = findings(
        regional(&[("/items", &["GET"])]),
        json!({ "api_id": API, "error": { "status": 410, "error_type": "GoneException" } }),
    );
    assert_eq!(causes(&found), ["connection_gone"]);
}

// --- ranking (SPEC §4: most relevant to the symptom first) --------------------------------------

fn ranked(symptom: Option<crate::catalog::Symptom>, found: Vec<Finding>) -> Vec<Code> {
    let mut found = found;
    super::order(&mut found, symptom);
    found.into_iter().map(|f| f.code).collect()
}

fn finding(code: Code) -> Finding {
    Finding::new(code, "x").api(API)
}

fn evidence(code: Code, cause: &str) -> Finding {
    finding(code).evidence(json!({ "cause": cause }))
}

#[test]
fn a_5xx_puts_vpc_link_and_log_findings_first() {
    use crate::catalog::Symptom::ServerError;
    let mixed = || {
        vec![
            finding(Code::ExecutionLoggingDisabled),
            finding(Code::PolicyDeniesVpcEndpoint),
            finding(Code::VpcEndpointPrivateDnsDisabled),
            finding(Code::VpcLinkTargetsUnhealthy),
        ]
    };
    assert_eq!(
        ranked(Some(ServerError), mixed()),
        [
            Code::VpcLinkTargetsUnhealthy,
            Code::ExecutionLoggingDisabled,
            Code::PolicyDeniesVpcEndpoint,
            Code::VpcEndpointPrivateDnsDisabled,
        ]
    );
    let mut with_log = mixed();
    with_log.push(evidence(Code::LogSignature, "vpc_link_internal_error"));
    with_log.push(finding(Code::VpcLinkFailed));
    assert_eq!(
        ranked(Some(ServerError), with_log)[..3],
        [
            Code::VpcLinkFailed,
            Code::VpcLinkTargetsUnhealthy,
            Code::LogSignature
        ],
        "the link findings the log line confirms, then the log line itself"
    );
}

#[test]
fn a_403_puts_policy_dns_and_classifier_findings_first() {
    use crate::catalog::Symptom::Forbidden;
    let mixed = vec![
        finding(Code::VpcLinkFailed),
        finding(Code::ExecutionLoggingDisabled),
        finding(Code::VpcEndpointPrivateDnsDisabled),
        evidence(Code::ErrorResponseExplained, "iam_not_authorized"),
        finding(Code::PolicyDeniesVpcEndpoint),
    ];
    assert_eq!(
        ranked(Some(Forbidden), mixed),
        [
            Code::PolicyDeniesVpcEndpoint,
            Code::ErrorResponseExplained,
            Code::VpcEndpointPrivateDnsDisabled,
            Code::ExecutionLoggingDisabled,
            Code::VpcLinkFailed,
        ]
    );
}

#[test]
fn an_explained_error_outranks_an_error_it_does_not_point_at() {
    use crate::catalog::Symptom::Forbidden;
    // An invalid API key reached API Gateway: the endpoint's DNS is not why this call failed.
    assert_eq!(
        ranked(
            Some(Forbidden),
            vec![
                finding(Code::VpcEndpointPrivateDnsDisabled),
                evidence(Code::ErrorResponseExplained, "invalid_api_key"),
            ]
        ),
        [
            Code::ErrorResponseExplained,
            Code::VpcEndpointPrivateDnsDisabled
        ]
    );
}

#[test]
fn without_a_symptom_severity_decides() {
    assert_eq!(
        ranked(
            None,
            vec![
                finding(Code::AccessLoggingDisabled),
                finding(Code::ExecutionLoggingDisabled),
                finding(Code::VpcLinkFailed),
            ]
        ),
        [
            Code::VpcLinkFailed,
            Code::ExecutionLoggingDisabled,
            Code::AccessLoggingDisabled
        ]
    );
}

#[test]
fn a_bare_forbidden_on_a_private_apis_default_host_without_private_dns_is_the_wrong_host() {
    use super::tests::{endpoint, private_api, snapshot as private_snapshot};
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    let snap = private_snapshot(
        private_api(Some(policy)),
        vec![endpoint("vpce-1", "vpc-1", false)],
    );
    let inc = incident(json!({
        "api_id": API, "error": bare_forbidden(), "client": { "vpc_id": "vpc-1" },
        "request": { "url": format!("{URL}/prod/items"), "method": "GET" },
    }));
    let found = run(&snap, &inc);
    assert_eq!(causes(&found), ["private_api_wrong_host"], "{found:#?}");
    assert_eq!(
        found[0].code,
        Code::VpcEndpointPrivateDnsDisabled,
        "{found:#?}"
    );
}

// --- Custom domain names -----------------------------------------------------------------------

fn domain(name: &str, mappings: &[(&str, Option<&str>)]) -> DomainName {
    DomainName {
        name: name.into(),
        endpoint_types: vec!["REGIONAL".into()],
        mappings: mappings
            .iter()
            .map(|(base, stage)| BasePathMapping {
                base_path: base.to_string(),
                api_id: API.into(),
                stage: stage.map(str::to_string),
            })
            .collect(),
        ..DomainName::default()
    }
}

fn through(api: RestApi, domains: Vec<DomainName>, url: &str) -> (Vec<Finding>, Vec<String>) {
    let mut snap = snapshot(api);
    snap.domain_names = Some(domains);
    let inc = incident(json!({
        "api_id": API,
        "error": bare_forbidden(),
        "request": { "url": url, "method": "GET" },
    }));
    let found = run(&snap, &inc);
    let notes = super::notes(&snap, &inc, &found);
    (found, notes)
}

#[test]
fn a_custom_domain_without_a_mapping_for_the_path_explains_the_forbidden() {
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[("orders", Some("prod"))])],
        "https://api.example.com/items",
    );
    let missing = of(&found, Code::CustomDomainNoMapping);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].severity, Severity::Error);
    assert_eq!(missing[0].evidence["base_paths"], json!(["/orders"]));
    assert_eq!(missing[0].api_id.as_deref(), Some(API));
    assert_eq!(causes(&found), ["custom_domain_no_mapping"]);
    let explained = &of(&found, Code::ErrorResponseExplained)[0];
    assert!(explained.evidence["detail"]["ruled_out"]
        .as_array()
        .is_some_and(|r| r.contains(&json!("custom_domain_stage_in_path"))));
    assert_eq!(found[0].code, Code::CustomDomainNoMapping, "{found:#?}");
}

#[test]
fn a_custom_domain_with_no_mapping_at_all_is_no_mapping() {
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[])],
        "https://api.example.com/items",
    );
    assert_eq!(of(&found, Code::CustomDomainNoMapping).len(), 1);
}

#[test]
fn a_multi_level_base_path_and_a_root_mapping_serve_the_path() {
    let api = regional(&[("/items", &["GET"]), ("/", &["GET"])]);
    for (mappings, url) in [
        (
            vec![("v1/orders", Some("prod"))],
            "https://api.example.com/v1/orders/items",
        ),
        (vec![("", Some("prod"))], "https://api.example.com/items"),
        (vec![("", Some("prod"))], "https://api.example.com/"),
        (
            vec![("v1", Some("beta")), ("v1/orders", Some("prod"))],
            "https://api.example.com/v1/orders/items",
        ),
    ] {
        let (found, _) = through(api.clone(), vec![domain("api.example.com", &mappings)], url);
        assert!(
            of(&found, Code::CustomDomainNoMapping).is_empty()
                && of(&found, Code::CustomDomainStageInPath).is_empty(),
            "{url}: {found:#?}"
        );
    }
    // Only part of a multi-level base path is not a mapping.
    let (found, _) = through(
        api,
        vec![domain("api.example.com", &[("v1/orders", Some("prod"))])],
        "https://api.example.com/v1/items",
    );
    assert_eq!(
        of(&found, Code::CustomDomainNoMapping).len(),
        1,
        "{found:#?}"
    );
}

#[test]
fn the_mapped_stage_repeated_in_the_path_is_stage_in_path() {
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[("", Some("prod"))])],
        "https://api.example.com/prod/items",
    );
    let repeated = of(&found, Code::CustomDomainStageInPath);
    assert_eq!(repeated.len(), 1, "{found:#?}");
    assert_eq!(repeated[0].severity, Severity::Error);
    assert_eq!(repeated[0].evidence["path_without_stage"], "/items");
    assert_eq!(repeated[0].evidence["without_stage_served"], true);
    assert!(repeated[0]
        .summary
        .contains("https://api.example.com/items"));
    assert_eq!(causes(&found), ["custom_domain_stage_in_path"]);
    // Behind a base path too.
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[("v1", Some("prod"))])],
        "https://api.example.com/v1/prod/items",
    );
    assert_eq!(of(&found, Code::CustomDomainStageInPath).len(), 1);
}

#[test]
fn a_resource_named_like_the_stage_is_not_stage_in_path() {
    let (found, _) = through(
        regional(&[("/prod/items", &["GET"])]),
        vec![domain("api.example.com", &[("", Some("prod"))])],
        "https://api.example.com/prod/items",
    );
    assert!(
        of(&found, Code::CustomDomainStageInPath).is_empty(),
        "{found:#?}"
    );
}

#[test]
fn stage_in_path_without_the_deployed_resources_is_only_a_warning() {
    let mut api = regional(&[("/items", &["GET"])]);
    api.deployments[0].api_summary = None;
    let (found, _) = through(
        api,
        vec![domain("api.example.com", &[("", Some("prod"))])],
        "https://api.example.com/prod/items",
    );
    let repeated = of(&found, Code::CustomDomainStageInPath);
    assert_eq!(repeated.len(), 1, "{found:#?}");
    assert_eq!(repeated[0].severity, Severity::Warning);
}

#[test]
fn a_host_that_is_none_of_the_accounts_domains_is_not_judged() {
    let (found, notes) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[])],
        "https://shop.example.org/prod/items",
    );
    assert!(of(&found, Code::CustomDomainNoMapping).is_empty());
    assert!(of(&found, Code::CustomDomainStageInPath).is_empty());
    assert!(causes(&found).is_empty());
    assert!(
        notes
            .iter()
            .any(|n| n.contains("none of the custom domain names")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Not judged") && n.contains("custom_domain_no_mapping")),
        "{notes:?}"
    );
}

#[test]
fn the_hosts_case_and_a_wildcard_domain_match() {
    for (name, url) in [
        ("api.example.com", "https://API.Example.COM/prod/items"),
        ("*.example.com", "https://api.example.com/prod/items"),
    ] {
        let (found, _) = through(
            regional(&[("/items", &["GET"])]),
            vec![domain(name, &[("", Some("prod"))])],
            url,
        );
        assert_eq!(
            of(&found, Code::CustomDomainStageInPath).len(),
            1,
            "{url}: {found:#?}"
        );
    }
}

#[test]
fn a_public_and_a_private_domain_of_one_name_are_not_judged() {
    let mut private = domain("api.example.com", &[]);
    private.domain_name_id = Some("abc123".into());
    private.endpoint_types = vec!["PRIVATE".into()];
    let (found, notes) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[("", Some("prod"))]), private],
        "https://api.example.com/items",
    );
    assert!(
        of(&found, Code::CustomDomainNoMapping).is_empty(),
        "{found:#?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("domain name id")),
        "{notes:?}"
    );
    // A private domain name alone is judged like any other.
    let mut private = domain("api.example.com", &[]);
    private.domain_name_id = Some("abc123".into());
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![private],
        "https://api.example.com/items",
    );
    assert_eq!(of(&found, Code::CustomDomainNoMapping).len(), 1);
}

#[test]
fn custom_domain_findings_need_a_403_that_could_be_theirs() {
    let mut snap = snapshot(regional(&[("/items", &["GET"])]));
    snap.domain_names = Some(vec![domain("api.example.com", &[])]);
    for event in [
        json!({ "api_id": API, "request": { "url": "https://api.example.com/items" } }),
        json!({ "api_id": API, "symptom": "server-error", "request": { "url": "https://api.example.com/items" } }),
        json!({ "api_id": API, "error": { "status": 403, "error_type": "AccessDeniedException", "message": "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items" }, "request": { "url": "https://api.example.com/items" } }),
    ] {
        let found = run(&snap, &incident(event.clone()));
        assert!(
            of(&found, Code::CustomDomainNoMapping).is_empty(),
            "{event}: {found:#?}"
        );
    }
}

// --- MTLS_TRUSTSTORE_WARNINGS ------------------------------------------------------------------

#[test]
fn truststore_warnings_explain_a_bare_forbidden_through_the_domain() {
    let mut d = domain("api.example.com", &[("", Some("prod"))]);
    d.truststore_warnings = vec!["certificate 3 uses an insecure signature algorithm".into()];
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![d],
        "https://api.example.com/items",
    );
    let warned = of(&found, Code::MtlsTruststoreWarnings);
    assert_eq!(warned.len(), 1, "{found:#?}");
    assert_eq!(causes(&found), ["mtls_certificate_invalid"]);
    // Quiet without warnings.
    let (found, _) = through(
        regional(&[("/items", &["GET"])]),
        vec![domain("api.example.com", &[("", Some("prod"))])],
        "https://api.example.com/items",
    );
    assert!(of(&found, Code::MtlsTruststoreWarnings).is_empty());
    assert!(causes(&found).is_empty());
}

// --- API_KEY_NOT_USABLE ------------------------------------------------------------------------

fn keyed(plans: Vec<UsagePlan>) -> Snapshot {
    let mut api = regional(&[("/items", &["GET"])]);
    api.deployments[0].api_key_methods = Some(["GET /items".to_string()].into());
    let mut snap = snapshot(api);
    snap.usage_plans = Some(plans);
    snap
}

/// A plan admitting `api`/`stage` that holds one enabled key (the state in which a caller can
/// have a valid key).
fn plan(api: &str, stage: &str) -> UsagePlan {
    keyed_plan("p1", api, stage, Some(&["k-enabled"]))
}

fn keyed_plan(id: &str, api: &str, stage: &str, keys: Option<&[&str]>) -> UsagePlan {
    UsagePlan {
        id: id.into(),
        name: "basic".into(),
        api_stages: vec![ApiStage {
            api_id: api.into(),
            stage: stage.into(),
        }],
        key_ids: keys.map(|k| k.iter().map(|s| s.to_string()).collect()),
    }
}

/// The region's keys: `k-enabled` is enabled, `k-off` and `k-off2` are not.
fn with_keys(mut snap: Snapshot) -> Snapshot {
    snap.api_keys = Some(vec![
        ApiKey {
            id: "k-enabled".into(),
            enabled: true,
        },
        ApiKey {
            id: "k-off".into(),
            enabled: false,
        },
        ApiKey {
            id: "k-off2".into(),
            enabled: false,
        },
    ]);
    snap
}

#[test]
fn a_key_method_on_a_stage_in_no_usage_plan_explains_a_bare_forbidden() {
    let snap = keyed(vec![plan(API, "beta"), plan("otherapi01", "prod")]);
    let found = run(
        &snap,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    let unusable = of(&found, Code::ApiKeyNotUsable);
    assert_eq!(unusable.len(), 1, "{found:#?}");
    assert_eq!(unusable[0].stage.as_deref(), Some("prod"));
    assert_eq!(
        unusable[0].evidence["api_key_methods"],
        json!(["GET /items"])
    );
    assert_eq!(causes(&found), ["invalid_api_key"]);
    // The classifier's own "Invalid API Key" is confirmed by it too.
    let invalid =
        json!({ "status": 403, "error_type": "ForbiddenException", "message": "Invalid API Key" });
    let found = run(&snap, &incident(request("/prod/items", "GET", invalid)));
    assert_eq!(of(&found, Code::ApiKeyNotUsable).len(), 1, "{found:#?}");
}

#[test]
fn a_stage_in_a_usage_plan_or_without_key_methods_is_quiet() {
    let found = run(
        &with_keys(keyed(vec![plan(API, "prod")])),
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    assert!(of(&found, Code::ApiKeyNotUsable).is_empty(), "{found:#?}");
    assert!(causes(&found).is_empty());
    let mut snap = keyed(Vec::new());
    snap.rest_apis[0].deployments[0].api_key_methods = Some(Default::default());
    let found = run(
        &snap,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    assert!(of(&found, Code::ApiKeyNotUsable).is_empty(), "{found:#?}");
    // Plans not read: nothing claimed. Not a 403: nothing said.
    let mut snap = keyed(Vec::new());
    snap.usage_plans = None;
    let found = run(
        &snap,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    assert!(of(&found, Code::ApiKeyNotUsable).is_empty());
    let found = run(
        &keyed(Vec::new()),
        &incident(json!({ "api_id": API, "symptom": "server-error" })),
    );
    assert!(of(&found, Code::ApiKeyNotUsable).is_empty());
}

// SPEC §5's second half: "or the plan has no enabled key".
#[test]
fn a_stage_whose_plans_hold_only_disabled_keys_has_no_usable_key() {
    let snap = with_keys(keyed(vec![
        keyed_plan("p1", API, "prod", Some(&["k-off"])),
        keyed_plan("p2", API, "prod", Some(&["k-off2", "k-off"])),
        keyed_plan("p3", API, "prod", Some(&[])),
        // An enabled key in a plan for another stage makes no key valid here.
        keyed_plan("p4", API, "beta", Some(&["k-enabled"])),
    ]));
    let found = run(
        &snap,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    let unusable = of(&found, Code::ApiKeyNotUsable);
    assert_eq!(unusable.len(), 1, "{found:#?}");
    assert_eq!(
        unusable[0].evidence["admitting_usage_plans"],
        json!(["p1", "p2", "p3"])
    );
    assert_eq!(
        unusable[0].evidence["keys_not_enabled"],
        json!(["k-off", "k-off2"])
    );
    assert!(
        unusable[0].summary.contains("holds an enabled API key"),
        "{}",
        unusable[0].summary
    );
    assert_eq!(causes(&found), ["invalid_api_key"]);
}

#[test]
fn one_enabled_key_in_any_admitting_plan_is_quiet() {
    let snap = with_keys(keyed(vec![
        keyed_plan("p1", API, "prod", Some(&["k-off"])),
        keyed_plan("p2", API, "prod", Some(&["k-off2", "k-enabled"])),
    ]));
    let found = run(
        &snap,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    assert!(of(&found, Code::ApiKeyNotUsable).is_empty(), "{found:#?}");
}

// A plan whose keys could not be read, or keys whose state could not be read, may hold the
// enabled key: the failed read is in `incomplete`, never a finding.
#[test]
fn keys_that_could_not_be_read_are_never_a_finding() {
    let unread_plan = with_keys(keyed(vec![
        keyed_plan("p1", API, "prod", Some(&["k-off"])),
        keyed_plan("p2", API, "prod", None),
    ]));
    let mut unread_keys = keyed(vec![keyed_plan("p1", API, "prod", Some(&["k-off"]))]);
    unread_keys.api_keys = None;
    // A key the complete listing did not return is no enabled key: that still fires.
    let unknown_key = with_keys(keyed(vec![keyed_plan(
        "p1",
        API,
        "prod",
        Some(&["k-gone"]),
    )]));
    for snap in [unread_plan, unread_keys] {
        let found = run(
            &snap,
            &incident(request("/prod/items", "GET", bare_forbidden())),
        );
        assert!(of(&found, Code::ApiKeyNotUsable).is_empty(), "{found:#?}");
    }
    let found = run(
        &unknown_key,
        &incident(request("/prod/items", "GET", bare_forbidden())),
    );
    assert_eq!(of(&found, Code::ApiKeyNotUsable).len(), 1, "{found:#?}");
}

#[test]
fn keys_are_wanted_only_for_plans_admitting_a_key_stage() {
    let snap = keyed(vec![
        keyed_plan("p1", API, "prod", None),
        keyed_plan("p2", API, "beta", None),
        keyed_plan("p3", "otherapi01", "prod", None),
    ]);
    assert_eq!(super::plans_needing_keys(&snap), ["p1".to_string()].into());
    let mut no_key_methods = snap.clone();
    no_key_methods.rest_apis[0].deployments[0].api_key_methods = Some(Default::default());
    assert!(super::plans_needing_keys(&no_key_methods).is_empty());
    let mut plans_unread = snap;
    plans_unread.usage_plans = None;
    assert!(super::plans_needing_keys(&plans_unread).is_empty());
}
