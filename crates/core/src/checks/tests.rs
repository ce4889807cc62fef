//! Checks on hand-built snapshots: the shapes the gather step writes, including the escaped
//! policy text real API Gateway returns.

use super::run;
use crate::action::Action;
use crate::catalog::Code;
use crate::intake::{ClientHint, Incident, IntakeSettings, RequestHint};
use crate::snapshot::{RestApi, RestStage, Snapshot, Vpc, VpcEndpoint};
use serde_json::json;

pub(super) fn incident(event: serde_json::Value) -> Incident {
    crate::intake::parse(
        &event,
        IntakeSettings {
            now: chrono::Utc::now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid manual event")
}

pub(super) fn endpoint(id: &str, vpc: &str, private_dns: bool) -> VpcEndpoint {
    VpcEndpoint {
        id: id.into(),
        vpc_id: vpc.into(),
        service_name: "com.amazonaws.us-east-1.execute-api".into(),
        state: "available".into(),
        private_dns_enabled: private_dns,
        dns_names: vec![format!(
            "{id}-abcd.execute-api.us-east-1.vpce.amazonaws.com"
        )],
        ..VpcEndpoint::default()
    }
}

pub(super) fn private_api(policy: Option<&str>) -> RestApi {
    RestApi {
        id: "a1b2c3d4e5".into(),
        name: "orders".into(),
        endpoint_types: vec!["PRIVATE".into()],
        policy: policy.map(str::to_string),
        // Observed stage: the observability checks stay quiet unless a test says otherwise.
        stages: vec![RestStage {
            name: "prod".into(),
            logging_level: Some("INFO".into()),
            access_log_destination: Some(
                "arn:aws:logs:us-east-1:123456789012:log-group:access".into(),
            ),
            ..RestStage::default()
        }],
        ..RestApi::default()
    }
}

pub(super) fn snapshot(api: RestApi, endpoints: Vec<VpcEndpoint>) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.rest_apis.push(api);
    snapshot.network_read = true;
    snapshot.vpcs = vec![Vpc {
        id: "vpc-1".into(),
        cidrs: vec!["10.0.0.0/16".into()],
        dns_support: Some(true),
        dns_hostnames: Some(true),
    }];
    snapshot.vpc_endpoints = endpoints;
    snapshot
}

fn codes(snapshot: &Snapshot, incident: &Incident) -> Vec<Code> {
    run(snapshot, incident)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// What GetRestApi returns on real AWS: backslash-escaped quotes and slashes.
const ESCAPED_POLICY: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5\/*\",\"Condition\":{\"StringEquals\":{\"aws:SourceVpce\":\"vpce-0gone0000000000000\"}}}]}"#;

#[test]
fn an_escaped_policy_is_read_for_the_endpoints_it_names() {
    let snapshot = snapshot(
        private_api(Some(ESCAPED_POLICY)),
        vec![endpoint("vpce-1", "vpc-1", true)],
    );
    let findings = run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })));
    let missing: Vec<_> = findings
        .iter()
        .filter(|f| f.code == Code::VpcEndpointNotAvailable)
        .collect();
    assert_eq!(missing.len(), 1, "{findings:#?}");
    assert_eq!(
        missing[0].resource.as_deref(),
        Some("vpce-0gone0000000000000")
    );
}

#[test]
fn an_endpoint_of_another_service_is_not_available_for_execute_api() {
    let mut api = private_api(Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
    ));
    api.vpc_endpoint_ids = vec!["vpce-s3".into()];
    let mut s3 = endpoint("vpce-s3", "vpc-1", true);
    s3.service_name = "com.amazonaws.us-east-1.s3".into();
    let snapshot = snapshot(api, vec![s3, endpoint("vpce-1", "vpc-1", true)]);
    let findings = run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })));
    let found = findings
        .iter()
        .find(|f| f.code == Code::VpcEndpointNotAvailable)
        .expect("fires");
    assert!(
        found.summary.contains("com.amazonaws.us-east-1.s3"),
        "{}",
        found.summary
    );
}

#[test]
fn no_execute_api_endpoint_anywhere_is_reported_without_a_client() {
    let snapshot = snapshot(
        private_api(Some(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        )),
        vec![],
    );
    assert_eq!(
        codes(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" }))),
        vec![Code::ExecuteApiEndpointMissing]
    );
}

#[test]
fn nothing_about_the_network_is_claimed_when_it_was_not_read() {
    let mut snapshot = snapshot(private_api(None), vec![]);
    snapshot.network_read = false;
    assert_eq!(
        codes(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" }))),
        vec![Code::PrivateApiNoPolicy]
    );
}

#[test]
fn findings_matching_the_symptom_come_first() {
    let snapshot = snapshot(private_api(None), vec![endpoint("vpce-1", "vpc-1", false)]);
    let forbidden = codes(
        &snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "symptom": "forbidden" })),
    );
    assert_eq!(
        forbidden,
        vec![
            Code::PrivateApiNoPolicy,
            Code::VpcEndpointPrivateDnsDisabled
        ]
    );
    let timeout = codes(
        &snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "symptom": "timeout" })),
    );
    assert_eq!(
        timeout,
        vec![
            Code::VpcEndpointPrivateDnsDisabled,
            Code::PrivateApiNoPolicy
        ]
    );
}

fn with_request(url: &str, headers: serde_json::Value) -> Incident {
    let mut incident = incident(json!({ "api_id": "a1b2c3d4e5" }));
    incident.request = Some(RequestHint {
        url: Some(url.into()),
        method: Some("GET".into()),
        headers: serde_json::from_value(headers).expect("headers"),
    });
    incident.client = Some(ClientHint {
        vpc_id: Some("vpc-1".into()),
        ..ClientHint::default()
    });
    incident
}

#[test]
fn invoke_url_forms_are_judged_against_the_api() {
    let policy =
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let mut api = private_api(Some(policy));
    api.vpc_endpoint_ids = vec!["vpce-1".into()];
    let snapshot = snapshot(api, vec![endpoint("vpce-1", "vpc-1", true)]);
    let cases = [
        (
            "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items",
            json!({}),
            false,
        ),
        (
            "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items",
            json!({}),
            true,
        ),
        (
            "https://zzzzzzzzzz.execute-api.us-east-1.amazonaws.com/prod/items",
            json!({}),
            true,
        ),
        (
            "https://a1b2c3d4e5-vpce-1.execute-api.us-east-1.amazonaws.com/prod/items",
            json!({}),
            false,
        ),
        (
            "https://a1b2c3d4e5-vpce-9.execute-api.us-east-1.amazonaws.com/prod/items",
            json!({}),
            true,
        ),
        (
            "https://vpce-1-abcd.execute-api.us-east-1.vpce.amazonaws.com/prod/items",
            json!({}),
            true,
        ),
        (
            "https://vpce-1-abcd.execute-api.us-east-1.vpce.amazonaws.com/prod/items",
            json!({"Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"}),
            false,
        ),
        (
            "https://vpce-1-abcd.execute-api.us-east-1.vpce.amazonaws.com/prod/items",
            json!({"x-apigw-api-id": "other00000"}),
            true,
        ),
    ];
    for (url, headers, mismatch) in cases {
        let found = codes(&snapshot, &with_request(url, headers.clone()));
        assert_eq!(
            found.contains(&Code::InvokeUrlMismatch),
            mismatch,
            "{url} {headers}: {found:?}"
        );
    }
}

#[test]
fn a_regional_api_is_captured_by_private_dns_in_any_vpc_as_a_warning() {
    let mut api = private_api(None);
    api.endpoint_types = vec!["REGIONAL".into()];
    let snapshot = snapshot(
        api,
        vec![
            endpoint("vpce-1", "vpc-1", true),
            endpoint("vpce-2", "vpc-2", false),
        ],
    );
    let findings = run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, Code::PublicApiBlockedByPrivateDns);
    assert_eq!(findings[0].severity, crate::catalog::Severity::Warning);
    assert_eq!(
        findings[0].evidence["vpc_endpoints"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

fn api_with_method(policy: &str, authorization: &str) -> RestApi {
    let mut api = private_api(Some(policy));
    api.vpc_endpoint_ids = vec!["vpce-1".into()];
    api.resources = vec![crate::snapshot::Resource {
        id: None,
        path: "/items".into(),
        methods: vec![crate::snapshot::Method {
            http_method: "GET".into(),
            authorization_type: authorization.into(),
            integration: None,
        }],
    }];
    api
}

fn policy_findings(policy: &str, authorization: &str) -> Vec<crate::finding::Finding> {
    let snapshot = snapshot(
        api_with_method(policy, authorization),
        vec![endpoint("vpce-1", "vpc-1", true)],
    );
    run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })))
        .into_iter()
        .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
        .collect()
}

#[test]
fn a_request_time_condition_is_a_warning_naming_what_is_undecided() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:UserAgent":"curl/*"}}}]}"#;
    let found = policy_findings(policy, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    let undecided = found[0].evidence["undecided"]
        .as_array()
        .expect("undecided");
    assert!(
        undecided
            .iter()
            .any(|u| u.as_str().is_some_and(|u| u.contains("aws:UserAgent"))),
        "{undecided:?}"
    );
}

#[test]
fn unauthenticated_methods_are_anonymous_so_an_account_principal_does_not_allow_them() {
    let found = policy_findings(ACCOUNT_ONLY, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].evidence["denied_methods"][0]["decision"],
        "ImplicitDeny"
    );
    assert_eq!(found[0].evidence["context"]["principal"], "anonymous");
}

const ACCOUNT_ONLY: &str = r#"{"Statement":[{"Sid":"AccountOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

// apigateway-authorization-flow.html, "IAM authentication and resource policy": whether an
// IAM caller gets in depends on who it is; the tool never makes a caller up.
#[test]
fn iam_methods_with_an_unknown_caller_are_a_warning_naming_the_caller_identity() {
    let found = policy_findings(ACCOUNT_ONLY, "AWS_IAM");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    assert_eq!(
        found[0].evidence["context"]["principal"],
        "a signed caller whose identity is not known"
    );
    let undecided = found[0].evidence["undecided"].to_string();
    assert!(undecided.contains("identity"), "{undecided}");
    assert!(!found[0].evidence.to_string().contains("role/caller"));
}

fn policy_findings_for(
    policy: &str,
    authorization: &str,
    event: serde_json::Value,
) -> Vec<crate::finding::Finding> {
    let snapshot = snapshot(
        api_with_method(policy, authorization),
        vec![endpoint("vpce-1", "vpc-1", true)],
    );
    run(&snapshot, &incident(event))
        .into_iter()
        .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
        .collect()
}

fn denied_by(caller: &str) -> serde_json::Value {
    json!({
        "api_id": "a1b2c3d4e5",
        "error": { "status": 403, "message": format!("User: {caller} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items") }
    })
}

#[test]
fn iam_caller_named_by_the_error_decides_the_account_principal() {
    let same = policy_findings_for(
        ACCOUNT_ONLY,
        "AWS_IAM",
        denied_by("arn:aws:sts::123456789012:assumed-role/app/s1"),
    );
    assert!(same.is_empty(), "{same:#?}");
    let other = policy_findings_for(
        ACCOUNT_ONLY,
        "AWS_IAM",
        denied_by("arn:aws:sts::999988887777:assumed-role/app/s1"),
    );
    assert_eq!(other.len(), 1, "{other:#?}");
    assert_eq!(other[0].severity, crate::catalog::Severity::Error);
    assert_eq!(
        other[0].evidence["context"]["principal"],
        "arn:aws:sts::999988887777:assumed-role/app/s1"
    );
}

#[test]
fn iam_caller_of_the_same_account_not_in_the_policy_is_still_undecided() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    let found = policy_findings_for(
        policy,
        "AWS_IAM",
        denied_by("arn:aws:sts::123456789012:assumed-role/app/s1"),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    assert!(found[0].evidence["undecided"]
        .to_string()
        .contains("identity policy may allow"));
}

#[test]
fn iam_methods_are_blocked_by_an_explicit_deny_whoever_calls() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Sid":"OtherVpceOnly","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-other"}}}]}"#;
    let found = policy_findings(policy, "AWS_IAM");
    let denied: Vec<_> = found
        .iter()
        .filter(|f| f.resource.as_deref() == Some("vpce-1"))
        .collect();
    assert_eq!(denied.len(), 1, "{found:#?}");
    assert_eq!(denied[0].severity, crate::catalog::Severity::Error);
    assert_eq!(
        denied[0].evidence["denied_methods"][0]["statement"],
        "OtherVpceOnly"
    );
}

#[test]
fn iam_methods_under_an_everyone_allow_are_quiet() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;
    assert!(policy_findings(policy, "AWS_IAM").is_empty());
}

// apigateway-authorization-flow.html, "Lambda authorizer and resource policy" and "Amazon
// Cognito authentication and resource policy": the policy is searched for an explicit Deny
// only; the developer guide's Deny-only private API policy is a working setup there.
const GUIDE_DENY_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;

#[test]
fn authorizer_methods_under_a_deny_only_policy_are_quiet() {
    for authorization in ["CUSTOM", "COGNITO_USER_POOLS"] {
        let found = policy_findings(GUIDE_DENY_ONLY, authorization);
        assert!(found.is_empty(), "{authorization}: {found:#?}");
    }
}

#[test]
fn the_same_deny_only_policy_blocks_methods_without_authorization() {
    let found = policy_findings(GUIDE_DENY_ONLY, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    assert_eq!(
        found[0].evidence["denied_methods"][0]["decision"],
        "ImplicitDeny"
    );
}

#[test]
fn authorizer_methods_are_blocked_through_an_endpoint_the_deny_names_out() {
    let mut snapshot = snapshot(
        api_with_method(GUIDE_DENY_ONLY, "CUSTOM"),
        vec![
            endpoint("vpce-1", "vpc-1", true),
            endpoint("vpce-2", "vpc-2", true),
        ],
    );
    snapshot.vpcs.push(Vpc {
        id: "vpc-2".into(),
        cidrs: vec!["10.1.0.0/16".into()],
        dns_support: Some(true),
        dns_hostnames: Some(true),
    });
    let found: Vec<_> = run(
        &snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "client": { "vpc_id": "vpc-2" } })),
    )
    .into_iter()
    .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
    .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].resource.as_deref(), Some("vpce-2"));
    assert_eq!(
        found[0].evidence["denied_methods"][0]["decision"],
        "ExplicitDeny"
    );
}

#[test]
fn authorizer_methods_wait_on_an_undecidable_deny_but_not_on_an_undecidable_allow() {
    let allow = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:UserAgent":"curl/*"}}}]}"#;
    assert!(policy_findings(allow, "CUSTOM").is_empty());
    let deny = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:UserAgent":"curl/*"}}}]}"#;
    let found = policy_findings(deny, "CUSTOM");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
}

// The VPC endpoint policy is checked before any authorizer runs: an unsigned caller needs an
// Allow there whatever the method's authorization.
#[test]
fn the_endpoint_policy_still_needs_an_allow_for_authorizer_methods() {
    let mut vpce = endpoint("vpce-1", "vpc-1", true);
    vpce.policy = Some(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"execute-api:Invoke","Resource":"*"}]}"#.into());
    let allow_all = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    let snapshot = snapshot(api_with_method(allow_all, "CUSTOM"), vec![vpce]);
    let found = codes(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })));
    assert!(found.contains(&Code::VpcEndpointPolicyDenies), "{found:?}");
    assert!(!found.contains(&Code::PolicyDeniesVpcEndpoint), "{found:?}");
}

// Requests through an interface endpoint always carry aws:VpcSourceIp; unknown unless given.
const VPC_SOURCE_IP_ALLOW: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"}}}]}"#;

#[test]
fn vpc_source_ip_is_unknown_without_a_client_address_never_absent() {
    let found = policy_findings(VPC_SOURCE_IP_ALLOW, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    let inside = policy_findings_for(
        VPC_SOURCE_IP_ALLOW,
        "NONE",
        json!({ "api_id": "a1b2c3d4e5", "client": { "source_ip": "10.0.4.9" } }),
    );
    assert!(inside.is_empty(), "{inside:#?}");
    let outside = policy_findings_for(
        VPC_SOURCE_IP_ALLOW,
        "NONE",
        json!({ "api_id": "a1b2c3d4e5", "client": { "source_ip": "192.168.4.9" } }),
    );
    assert_eq!(outside.len(), 1, "{outside:#?}");
    assert_eq!(outside[0].severity, crate::catalog::Severity::Error);
}

// aws:SourceIp is not in requests that come through a VPC endpoint, so a private API that only
// allows public ranges admits nobody — caught with no client VPC and no endpoint named.
const SOURCE_IP_ONLY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

/// The policy findings for an API that names no endpoint, with no client given.
fn unnamed_ways_in(policy: &str, endpoints: Vec<VpcEndpoint>) -> Vec<crate::finding::Finding> {
    let mut api = api_with_method(policy, "NONE");
    api.vpc_endpoint_ids.clear();
    run(
        &snapshot(api, endpoints),
        &incident(json!({ "api_id": "a1b2c3d4e5" })),
    )
    .into_iter()
    .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
    .collect()
}

#[test]
fn a_source_ip_only_policy_is_caught_through_an_unnamed_endpoint() {
    let found = unnamed_ways_in(SOURCE_IP_ONLY, vec![endpoint("vpce-1", "vpc-1", true)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    assert!(found[0].evidence["smallest_change"]
        .to_string()
        .contains("aws:SourceIp"));
}

#[test]
fn a_source_ip_only_policy_is_caught_with_no_endpoint_at_all() {
    let found = unnamed_ways_in(SOURCE_IP_ONLY, Vec::new());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    assert_eq!(found[0].resource.as_deref(), Some("a1b2c3d4e5"));
    assert!(found[0].summary.contains("any VPC endpoint"));
}

#[test]
fn the_escaped_form_real_aws_returns_is_evaluated_like_the_plain_one() {
    let escaped = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5\/*\"},{\"Sid\":\"OnlyVpce\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5\/*\",\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-other\"}}}]}"#;
    let found = policy_findings(escaped, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].evidence["denied_methods"][0]["statement"],
        "OnlyVpce"
    );
    assert_eq!(
        found[0].evidence["smallest_change"],
        "add vpce-1 to aws:SourceVpce in statement 'OnlyVpce'"
    );
    let plain = escaped.replace("\\\"", "\"").replace("\\/", "/");
    assert_eq!(policy_findings(&plain, "NONE").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// deployments and observability
// ---------------------------------------------------------------------------------------------

use crate::finding::Finding;
use crate::snapshot::{AccountSettings, Deployment, Incomplete, V2Api, V2Stage};

/// 2026-11-21T09:00:00Z as epoch seconds: the creation of the stage's deployment below.
const DEPLOYED_AT: i64 = 1_795_251_600;

fn deployment(id: &str, created: i64) -> Deployment {
    Deployment {
        id: id.into(),
        created_date: Some(created),
        ..Deployment::default()
    }
}

/// The fixture API with stage `prod` serving `current` among `deployments`.
fn deployed(current: &str, deployments: Vec<Deployment>) -> Snapshot {
    let mut api = private_api(Some(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ));
    api.stages[0].deployment_id = Some(current.into());
    api.deployments = deployments;
    snapshot(api, vec![])
}

fn found(snapshot: &Snapshot, incident: &Incident, code: Code) -> Vec<Finding> {
    run(snapshot, incident)
        .into_iter()
        .filter(|f| f.code == code)
        .collect()
}

fn manual() -> Incident {
    incident(json!({ "api_id": "a1b2c3d4e5" }))
}

#[test]
fn a_stage_behind_the_newest_deployment_is_reported() {
    let snapshot = deployed(
        "d-old",
        vec![
            deployment("d-old", DEPLOYED_AT),
            deployment("d-new", DEPLOYED_AT + 60),
        ],
    );
    let hits = found(&snapshot, &manual(), Code::StageNotOnLatestDeployment);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].severity, crate::catalog::Severity::Warning);
    assert_eq!(hits[0].stage.as_deref(), Some("prod"));
    assert_eq!(hits[0].resource.as_deref(), Some("d-old"));
    assert_eq!(hits[0].evidence["newest_deployment"]["id"], "d-new");
    assert_eq!(
        hits[0].remedy_action(),
        None,
        "never repaired automatically"
    );

    let latest = deployed(
        "d-new",
        vec![
            deployment("d-old", DEPLOYED_AT),
            deployment("d-new", DEPLOYED_AT + 60),
        ],
    );
    assert!(behind(&latest).is_empty());
}

/// The stage-behind findings for a manual event on the fixture API.
fn behind(snapshot: &Snapshot) -> Vec<Finding> {
    found(snapshot, &manual(), Code::StageNotOnLatestDeployment)
}

#[test]
fn deployments_created_in_the_same_second_cannot_tell_which_is_newest() {
    let snapshot = deployed(
        "d-old",
        vec![
            deployment("d-old", DEPLOYED_AT),
            deployment("d-new", DEPLOYED_AT),
        ],
    );
    assert!(behind(&snapshot).is_empty());
}

fn v2_api(protocol: &str, auto_deploy: bool) -> V2Api {
    V2Api {
        id: "v2api00001".into(),
        name: "carts".into(),
        protocol: protocol.into(),
        stages: vec![V2Stage {
            name: "prod".into(),
            deployment_id: Some("d-old".into()),
            auto_deploy,
            ..V2Stage::default()
        }],
        deployments: vec![
            deployment("d-old", DEPLOYED_AT),
            deployment("d-new", DEPLOYED_AT + 60),
        ],
        ..V2Api::default()
    }
}

fn v2_snapshot(api: V2Api) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.v2_apis.push(api);
    snapshot
}

#[test]
fn an_auto_deploy_stage_is_never_behind() {
    let incident = incident(json!({ "api_id": "v2api00001" }));
    let auto = v2_snapshot(v2_api("HTTP", true));
    assert!(found(&auto, &incident, Code::StageNotOnLatestDeployment).is_empty());
    let manual_deploy = v2_snapshot(v2_api("HTTP", false));
    assert_eq!(
        found(&manual_deploy, &incident, Code::StageNotOnLatestDeployment).len(),
        1
    );
}

/// The fixture API defining `GET` and `POST /items`, its stage's deployment serving only `GET`.
fn lagging(summary: Option<&[&str]>) -> Snapshot {
    let mut current = deployment("d-old", DEPLOYED_AT);
    current.api_summary = summary.map(|methods| {
        std::collections::BTreeMap::from([(
            "/items".to_string(),
            methods.iter().map(|m| m.to_string()).collect(),
        )])
    });
    let mut snapshot = deployed("d-old", vec![current]);
    snapshot.rest_apis[0].resources = vec![crate::snapshot::Resource {
        id: None,
        path: "/items".into(),
        methods: ["GET", "POST"]
            .iter()
            .map(|m| crate::snapshot::Method {
                http_method: m.to_string(),
                authorization_type: "NONE".into(),
                integration: None,
            })
            .collect(),
    }];
    snapshot
}

#[test]
fn methods_missing_from_the_stages_deployment_are_undeployed_changes() {
    let hits = found(&lagging(Some(&["GET"])), &manual(), Code::UndeployedChanges);
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].evidence["not_deployed"], json!(["POST /items"]));
    assert_eq!(hits[0].stage.as_deref(), Some("prod"));
    assert_eq!(hits[0].remedy_action(), Some(Action::RedeployStage));
    assert!(
        super::run(&lagging(Some(&["GET", "POST"])), &manual())
            .iter()
            .all(|f| f.code != Code::UndeployedChanges),
        "everything defined is deployed"
    );
}

#[test]
fn undeployed_changes_need_the_deployments_summary_and_the_resources() {
    assert!(found(&lagging(None), &manual(), Code::UndeployedChanges).is_empty());
    let mut unread = lagging(Some(&["GET"]));
    unread.incomplete.push(Incomplete {
        step: "apigateway:GetResources a1b2c3d4e5".into(),
        error: "AccessDeniedException".into(),
        detail: "not authorized".into(),
    });
    assert!(found(&unread, &manual(), Code::UndeployedChanges).is_empty());
}

const CLOUDTRAIL_POLICY: &str =
    include_str!("../../../../events/cloudtrail-update-rest-api-policy.json");

/// The sample CloudTrail policy change on the fixture API, at `event_time`.
fn policy_changed_at(event_time: &str) -> Incident {
    let mut event: serde_json::Value =
        serde_json::from_str(CLOUDTRAIL_POLICY).expect("sample is JSON");
    event["detail"]["requestParameters"]["restApiId"] = json!("a1b2c3d4e5");
    event["detail"]["eventTime"] = json!(event_time);
    incident(event)
}

#[test]
fn a_policy_changed_after_the_stages_deployment_is_undeployed() {
    let snapshot = deployed("d-old", vec![deployment("d-old", DEPLOYED_AT)]);
    let hits = found(
        &snapshot,
        &policy_changed_at("2026-11-21T09:52:10Z"),
        Code::UndeployedPolicyChange,
    );
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].severity, crate::catalog::Severity::Error);
    assert_eq!(hits[0].remedy_action(), Some(Action::RedeployStage));
    let from = hits[0].evidence["change_time_from"]
        .as_str()
        .expect("change_time_from");
    assert!(
        from.contains("CloudTrail") && from.contains("UpdateRestApi"),
        "{from}"
    );
}

#[test]
fn a_policy_changed_before_the_stages_deployment_is_deployed() {
    let snapshot = deployed("d-old", vec![deployment("d-old", DEPLOYED_AT)]);
    for before in ["2026-11-21T08:59:59Z", "2026-11-21T09:00:00Z"] {
        assert!(
            found(
                &snapshot,
                &policy_changed_at(before),
                Code::UndeployedPolicyChange
            )
            .is_empty(),
            "{before}"
        );
    }
}

#[test]
fn a_policy_change_on_another_api_says_nothing_about_this_one() {
    let snapshot = deployed("d-old", vec![deployment("d-old", DEPLOYED_AT)]);
    let mut event: serde_json::Value =
        serde_json::from_str(CLOUDTRAIL_POLICY).expect("sample is JSON");
    event["detail"]["requestParameters"]["restApiId"] = json!("zzzzzzzzzz");
    assert!(found(&snapshot, &incident(event), Code::UndeployedPolicyChange).is_empty());
}

/// The fixture API with its stage's execution log level and access log destination.
fn observed(level: Option<&str>, access_log: Option<&str>) -> Snapshot {
    let mut api = private_api(None);
    api.stages[0].logging_level = level.map(str::to_string);
    api.stages[0].access_log_destination = access_log.map(str::to_string);
    snapshot(api, vec![])
}

const ACCESS_LOG: Option<&str> = Some("arn:aws:logs:us-east-1:123456789012:log-group:access");

#[test]
fn a_rest_stage_without_execution_logging_is_reported() {
    for level in [None, Some("OFF"), Some("off")] {
        let hits = found(
            &observed(level, ACCESS_LOG),
            &manual(),
            Code::ExecutionLoggingDisabled,
        );
        assert_eq!(hits.len(), 1, "{level:?}: {hits:#?}");
        assert_eq!(hits[0].evidence["logging_level"], level.unwrap_or("OFF"));
        assert_eq!(
            hits[0].remedy_action(),
            Some(Action::EnableExecutionLogging)
        );
    }
    for level in ["INFO", "ERROR"] {
        assert!(found(
            &observed(Some(level), ACCESS_LOG),
            &manual(),
            Code::ExecutionLoggingDisabled
        )
        .is_empty());
    }
}

#[test]
fn execution_logging_is_reported_for_websocket_stages_and_never_for_http_ones() {
    let incident = incident(json!({ "api_id": "v2api00001" }));
    let websocket = v2_snapshot(v2_api("WEBSOCKET", false));
    let found_ws = found(&websocket, &incident, Code::ExecutionLoggingDisabled);
    assert_eq!(found_ws.len(), 1, "{found_ws:#?}");
    assert_eq!(found_ws[0].api_id.as_deref(), Some("v2api00001"));
    let http = v2_snapshot(v2_api("HTTP", false));
    assert!(found(&http, &incident, Code::ExecutionLoggingDisabled).is_empty());
}

#[test]
fn a_missing_cloudwatch_role_is_reported_only_when_the_settings_were_read() {
    let mut snapshot = observed(Some("INFO"), ACCESS_LOG);
    assert!(
        found(&snapshot, &manual(), Code::AccountCloudwatchRoleMissing).is_empty(),
        "not read"
    );
    snapshot.account_settings = Some(AccountSettings {
        cloudwatch_role_arn: None,
    });
    let missing = found(&snapshot, &manual(), Code::AccountCloudwatchRoleMissing);
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].severity, crate::catalog::Severity::Warning);
    snapshot.account_settings = Some(AccountSettings {
        cloudwatch_role_arn: Some("arn:aws:iam::123456789012:role/apigw-logs".into()),
    });
    assert!(found(&snapshot, &manual(), Code::AccountCloudwatchRoleMissing).is_empty());
}

#[test]
fn a_stage_without_access_logs_is_info() {
    let hits = found(
        &observed(Some("INFO"), None),
        &manual(),
        Code::AccessLoggingDisabled,
    );
    assert_eq!(hits.len(), 1, "{hits:#?}");
    assert_eq!(hits[0].severity, crate::catalog::Severity::Info);
    assert_eq!(hits[0].stage.as_deref(), Some("prod"));
    assert!(found(
        &observed(Some("INFO"), ACCESS_LOG),
        &manual(),
        Code::AccessLoggingDisabled
    )
    .is_empty());
}

// ---------------------------------------------------------------------------------------------
// the catalog and the modules that emit its codes
// ---------------------------------------------------------------------------------------------

/// The codes a module's `//! Emits: …` header names.
fn emitted_by(source: &str) -> Vec<Code> {
    let header: String = source
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let list = header
        .split_once("Emits:")
        .map(|(_, rest)| rest.split_once('.').map_or(rest, |(codes, _)| codes))
        .unwrap_or_default();
    list.split([',', ' ', '!', '/'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse::<Code>()
                .unwrap_or_else(|_| panic!("{w:?} is not a code"))
        })
        .collect()
}

#[test]
fn each_module_header_names_exactly_the_codes_the_catalog_assigns_it() {
    use strum::IntoEnumIterator;
    for (module, source) in super::SOURCES {
        let mut named = emitted_by(source);
        named.sort();
        let mut assigned: Vec<Code> = Code::iter()
            .filter(|c| c.entry().module == Some(*module))
            .collect();
        assigned.sort();
        assert!(!named.is_empty(), "{module}.rs has no `//! Emits:` line");
        assert_eq!(named, assigned, "{module}.rs");
        for code in &named {
            assert!(
                source.contains(&format!("Code::{code:?}")),
                "{module}.rs names {code} but never builds it"
            );
        }
    }
    for code in Code::iter() {
        if let Some(module) = code.entry().module {
            assert!(
                super::SOURCES.iter().any(|(m, _)| *m == module),
                "{code} names module {module}, which is not a check"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// partitions: ARNs, hostnames and service names follow the region
// ---------------------------------------------------------------------------------------------

/// A private API in `region` whose policy allows `resource` through vpce-1 only.
fn partitioned(region: &str, resource: &str) -> Vec<crate::finding::Finding> {
    let policy = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"{resource}","Condition":{{"StringEquals":{{"aws:SourceVpce":"vpce-1"}}}}}}]}}"#
    );
    let mut snapshot = snapshot(
        api_with_method(&policy, "NONE"),
        vec![endpoint("vpce-1", "vpc-1", true)],
    );
    snapshot.region = region.into();
    run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })))
}

#[test]
fn a_china_policy_naming_its_own_partition_denies_nothing() {
    for resource in [
        "arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/*",
        "execute-api:/*",
    ] {
        let found = partitioned("cn-north-1", resource);
        assert!(
            found
                .iter()
                .all(|f| f.code != Code::PolicyDeniesVpcEndpoint),
            "{resource}: {found:#?}"
        );
    }
    // The same policy with the commercial partition names a different resource: denied.
    let found = partitioned(
        "cn-north-1",
        "arn:aws:execute-api:cn-north-1:123456789012:a1b2c3d4e5/*",
    );
    assert!(
        found
            .iter()
            .any(|f| f.code == Code::PolicyDeniesVpcEndpoint),
        "{found:#?}"
    );
}

#[test]
fn a_govcloud_policy_naming_its_own_partition_denies_nothing() {
    let found = partitioned(
        "us-gov-west-1",
        "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3d4e5/*",
    );
    assert!(
        found
            .iter()
            .all(|f| f.code != Code::PolicyDeniesVpcEndpoint),
        "{found:#?}"
    );
}

#[test]
fn a_missing_endpoint_in_china_names_the_china_service() {
    let open = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let mut snapshot = snapshot(private_api(Some(open)), vec![]);
    snapshot.region = "cn-north-1".into();
    let found = run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })));
    let missing = found
        .iter()
        .find(|f| f.code == Code::ExecuteApiEndpointMissing)
        .expect("EXECUTE_API_ENDPOINT_MISSING");
    assert!(
        missing
            .summary
            .contains("cn.com.amazonaws.cn-north-1.execute-api"),
        "{}",
        missing.summary
    );
}

fn not_available(policy: &str, endpoints: Vec<VpcEndpoint>) -> Vec<crate::finding::Finding> {
    let snapshot = snapshot(private_api(Some(policy)), endpoints);
    run(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" })))
        .into_iter()
        .filter(|f| f.code == Code::VpcEndpointNotAvailable)
        .collect()
}

// SPEC §5 VPC_ENDPOINT_NOT_AVAILABLE: only exact ids count as ways in.
#[test]
fn a_pattern_is_not_an_endpoint() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:SourceVpce":"vpce-*"}}},{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc*"}}}]}"#;
    let found = not_available(policy, vec![endpoint("vpce-1", "vpc-1", true)]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_id_a_deny_blocks_is_not_a_way_in() {
    let policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-0retired00000000"]}}},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0retired00000000"}}}]}"#;
    let found = not_available(policy, vec![endpoint("vpce-1", "vpc-1", true)]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_id_named_by_a_deny_string_not_equals_is_a_way_in() {
    let found = not_available(GUIDE_DENY_ONLY, vec![endpoint("vpce-2", "vpc-1", true)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].resource.as_deref(), Some("vpce-1"));
}

#[test]
fn an_endpoint_this_account_cannot_see_is_a_warning_pointing_at_its_account() {
    let found = not_available(GUIDE_DENY_ONLY, vec![endpoint("vpce-2", "vpc-1", true)]);
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    assert!(
        found[0].summary.contains("--account"),
        "{}",
        found[0].summary
    );
    assert!(!found[0].summary.contains("does not exist"));
    assert_eq!(found[0].evidence["visible_in_this_account"], false);
}

#[test]
fn a_deleted_or_rejected_endpoint_of_this_account_stays_an_error() {
    for state in ["deleted", "rejected"] {
        let mut gone = endpoint("vpce-1", "vpc-1", true);
        gone.state = state.into();
        let found = not_available(GUIDE_DENY_ONLY, vec![gone]);
        assert_eq!(found.len(), 1, "{state}: {found:#?}");
        assert_eq!(found[0].severity, crate::catalog::Severity::Error);
        assert!(found[0].summary.contains(state), "{}", found[0].summary);
    }
}

fn dns_findings(endpoints: Vec<VpcEndpoint>, incident: &Incident) -> Vec<crate::finding::Finding> {
    let mut api = private_api(Some(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ));
    api.vpc_endpoint_ids = vec!["vpce-1".into()];
    run(&snapshot(api, endpoints), incident)
        .into_iter()
        .filter(|f| f.code == Code::VpcEndpointPrivateDnsDisabled)
        .collect()
}

// SPEC §5 VPC_ENDPOINT_PRIVATE_DNS_DISABLED: judged per VPC.
#[test]
fn a_second_endpoint_with_private_dns_serves_the_whole_vpc() {
    let found = dns_findings(
        vec![
            endpoint("vpce-1", "vpc-1", false),
            endpoint("vpce-2", "vpc-1", true),
        ],
        &incident(json!({ "api_id": "a1b2c3d4e5", "client": { "vpc_id": "vpc-1" } })),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn private_dns_off_is_a_warning_unless_the_default_hostname_was_used() {
    let endpoints = || {
        vec![
            endpoint("vpce-1", "vpc-1", false),
            endpoint("vpce-2", "vpc-1", false),
        ]
    };
    let found = dns_findings(endpoints(), &incident(json!({ "api_id": "a1b2c3d4e5" })));
    assert_eq!(found.len(), 1, "one finding per VPC: {found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    let forms = found[0].evidence["url_forms"].to_string();
    assert!(
        forms.contains("https://a1b2c3d4e5-vpce-1.execute-api.us-east-1.amazonaws.com/"),
        "{forms}"
    );
    assert!(
        !forms.contains("a1b2c3d4e5-vpce-2"),
        "vpce-2 is not associated: {forms}"
    );
    assert!(forms.contains("vpce-2-abcd.execute-api.us-east-1.vpce.amazonaws.com"));
    assert!(forms.contains("x-apigw-api-id: a1b2c3d4e5"));
    let default = with_request(
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items",
        json!({}),
    );
    let found = dns_findings(endpoints(), &default);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    let endpoint_url = with_request(
        "https://vpce-1-abcd.execute-api.us-east-1.vpce.amazonaws.com/prod/items",
        json!({ "x-apigw-api-id": "a1b2c3d4e5" }),
    );
    let found = dns_findings(endpoints(), &endpoint_url);
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
}

/// The NACL findings for an endpoint in subnet-ep (10.0.1.0/24) behind `entries`, with the
/// client subnet subnet-app (10.0.2.0/24) behind `app_entries`.
fn nacl_findings_with(
    entries: Vec<crate::snapshot::NetworkAclEntry>,
    app_entries: Vec<crate::snapshot::NetworkAclEntry>,
    client: serde_json::Value,
) -> Vec<crate::finding::Finding> {
    use crate::snapshot::{NetworkAcl, Subnet};
    let mut vpce = endpoint("vpce-1", "vpc-1", true);
    vpce.subnet_ids = vec!["subnet-ep".into()];
    let mut api = private_api(Some(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ));
    api.vpc_endpoint_ids = vec!["vpce-1".into()];
    let mut snapshot = snapshot(api, vec![vpce]);
    snapshot.vpcs[0].cidrs.push("10.1.0.0/16".into());
    let subnet = |id: &str, cidr: &str| Subnet {
        id: id.into(),
        cidr: Some(cidr.into()),
    };
    snapshot.subnets = vec![
        subnet("subnet-ep", "10.0.1.0/24"),
        subnet("subnet-app", "10.0.2.0/24"),
    ];
    let acl = |id: &str, subnet: &str, entries| NetworkAcl {
        id: id.into(),
        subnet_ids: vec![subnet.into()],
        entries,
    };
    snapshot.network_acls = vec![
        acl("acl-ep", "subnet-ep", entries),
        acl("acl-app", "subnet-app", app_entries),
    ];
    let mut event = json!({ "api_id": "a1b2c3d4e5" });
    if !client.is_null() {
        event["client"] = client;
    }
    run(&snapshot, &incident(event))
        .into_iter()
        .filter(|f| f.code == Code::NaclBlocksHttps)
        .collect()
}

/// The same, with the client subnet's ACL open both ways.
fn nacl_findings(
    entries: Vec<crate::snapshot::NetworkAclEntry>,
    client: serde_json::Value,
) -> Vec<crate::finding::Finding> {
    nacl_findings_with(entries, open_both_ways(), client)
}

fn open_both_ways() -> Vec<crate::snapshot::NetworkAclEntry> {
    vec![
        acl_entry(100, false, "allow", "0.0.0.0/0", (0, 65535)),
        acl_entry(100, true, "allow", "0.0.0.0/0", (0, 65535)),
    ]
}

fn acl_entry(
    rule: i32,
    egress: bool,
    action: &str,
    cidr: &str,
    ports: (i32, i32),
) -> crate::snapshot::NetworkAclEntry {
    crate::snapshot::NetworkAclEntry::tcp(rule, egress, action, cidr, ports)
}

/// Open to the app subnet only, both ways, then AWS's catch-all deny entries.
fn open_to_app_subnet() -> Vec<crate::snapshot::NetworkAclEntry> {
    vec![
        acl_entry(100, false, "allow", "10.0.2.0/24", (443, 443)),
        acl_entry(100, true, "allow", "10.0.2.0/24", (1024, 65535)),
        acl_entry(32767, false, "deny", "0.0.0.0/0", (0, 65535)),
        acl_entry(32767, true, "deny", "0.0.0.0/0", (0, 65535)),
    ]
}

// SPEC §5 NACL_BLOCKS_HTTPS: partial with no client given is a warning naming the rules.
#[test]
fn a_nacl_open_to_one_app_subnet_is_a_warning_without_a_client() {
    let found = nacl_findings(open_to_app_subnet(), serde_json::Value::Null);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    let denied = found[0].evidence["denied"].to_string();
    assert!(
        denied.contains("10.1.0.0/16"),
        "secondary CIDR judged: {denied}"
    );
    assert!(denied.contains("32767"), "{denied}");
    assert!(
        !denied.contains("10.0.2."),
        "the open subnet is not closed: {denied}"
    );
    assert!(
        !denied.contains("10.0.1."),
        "the endpoint's own subnet is never filtered: {denied}"
    );
}

#[test]
fn a_client_inside_the_open_subnet_is_not_blocked() {
    for client in [
        json!({ "source_ip": "10.0.2.15" }),
        json!({ "subnet_id": "subnet-app" }),
    ] {
        let found = nacl_findings(open_to_app_subnet(), client.clone());
        assert!(found.is_empty(), "{client}: {found:#?}");
    }
}

#[test]
fn a_client_outside_the_open_subnet_is_an_error() {
    let found = nacl_findings(open_to_app_subnet(), json!({ "source_ip": "10.0.3.15" }));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    assert!(found[0].summary.contains("rules *"), "{}", found[0].summary);
}

#[test]
fn a_client_in_the_endpoints_own_subnet_is_never_nacl_filtered() {
    let deny_all = vec![
        acl_entry(32767, false, "deny", "0.0.0.0/0", (0, 65535)),
        acl_entry(32767, true, "deny", "0.0.0.0/0", (0, 65535)),
    ];
    let found = nacl_findings(deny_all, json!({ "source_ip": "10.0.1.20" }));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn return_traffic_over_only_the_linux_range_is_a_warning_naming_the_closed_ports() {
    let entries = vec![
        acl_entry(100, false, "allow", "10.0.0.0/8", (443, 443)),
        acl_entry(100, true, "allow", "10.0.0.0/8", (32768, 65535)),
    ];
    let found = nacl_findings(entries, json!({ "source_ip": "10.0.2.15" }));
    assert_eq!(found.len(), 1, "{found:#?}");
    // Even for a known client: a Linux client uses 32768-60999 and gets through.
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
    assert!(found[0].evidence["denied"]
        .to_string()
        .contains("1024-32767"));
    let found = nacl_findings(
        vec![
            acl_entry(100, false, "allow", "10.0.0.0/8", (443, 443)),
            acl_entry(100, true, "allow", "10.0.0.0/8", (32768, 65535)),
        ],
        serde_json::Value::Null,
    );
    assert_eq!(found[0].severity, crate::catalog::Severity::Warning);
}

#[test]
fn the_client_subnets_own_acl_is_judged_when_the_subnet_is_known() {
    let client = || json!({ "subnet_id": "subnet-app" });
    let found = nacl_findings(open_both_ways(), client());
    assert!(found.is_empty(), "{found:#?}");
    // The same, with the app subnet's ACL letting no HTTPS out.
    let no_https_out = vec![
        acl_entry(100, true, "allow", "0.0.0.0/0", (5432, 5432)),
        acl_entry(100, false, "allow", "0.0.0.0/0", (0, 65535)),
    ];
    let found = nacl_findings_with(open_both_ways(), no_https_out, client());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].resource.as_deref(), Some("acl-app"));
    assert_eq!(found[0].severity, crate::catalog::Severity::Error);
    assert!(found[0].evidence["denied"]
        .to_string()
        .contains("\"outbound\""));
}
