//! Checks on hand-built snapshots: the shapes the gather step writes, including the escaped
//! policy text real API Gateway returns.

use super::run;
use crate::intake::{ClientHint, Incident, IntakeSettings, RequestHint};
use crate::snapshot::{RestApi, RestStage, Snapshot, Vpc, VpcEndpoint};
use serde_json::json;

fn incident(event: serde_json::Value) -> Incident {
    crate::intake::parse(
        &event,
        IntakeSettings {
            now: chrono::Utc::now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid manual event")
}

fn endpoint(id: &str, vpc: &str, private_dns: bool) -> VpcEndpoint {
    VpcEndpoint {
        id: id.into(),
        vpc_id: vpc.into(),
        service_name: "com.amazonaws.us-east-1.execute-api".into(),
        endpoint_type: "Interface".into(),
        state: "available".into(),
        private_dns_enabled: private_dns,
        dns_names: vec![format!(
            "{id}-abcd.execute-api.us-east-1.vpce.amazonaws.com"
        )],
        ..VpcEndpoint::default()
    }
}

fn private_api(policy: Option<&str>) -> RestApi {
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

fn snapshot(api: RestApi, endpoints: Vec<VpcEndpoint>) -> Snapshot {
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

fn codes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
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
        .filter(|f| f.code == "VPC_ENDPOINT_NOT_AVAILABLE")
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
        .find(|f| f.code == "VPC_ENDPOINT_NOT_AVAILABLE")
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
        vec!["EXECUTE_API_ENDPOINT_MISSING"]
    );
}

#[test]
fn nothing_about_the_network_is_claimed_when_it_was_not_read() {
    let mut snapshot = snapshot(private_api(None), vec![]);
    snapshot.network_read = false;
    assert_eq!(
        codes(&snapshot, &incident(json!({ "api_id": "a1b2c3d4e5" }))),
        vec!["PRIVATE_API_NO_POLICY"]
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
        vec!["PRIVATE_API_NO_POLICY", "VPC_ENDPOINT_PRIVATE_DNS_DISABLED"]
    );
    let timeout = codes(
        &snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "symptom": "timeout" })),
    );
    assert_eq!(
        timeout,
        vec!["VPC_ENDPOINT_PRIVATE_DNS_DISABLED", "PRIVATE_API_NO_POLICY"]
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
            found.contains(&"INVOKE_URL_MISMATCH".to_string()),
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
    assert_eq!(findings[0].code, "PUBLIC_API_BLOCKED_BY_PRIVATE_DNS");
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
        path: "/items".into(),
        methods: vec![crate::snapshot::Method {
            http_method: "GET".into(),
            authorization_type: authorization.into(),
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
        .filter(|f| f.code == "POLICY_DENIES_VPC_ENDPOINT")
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
    let policy = r#"{"Statement":[{"Sid":"AccountOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    let found = policy_findings(policy, "NONE");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].evidence["denied_methods"][0]["decision"],
        "ImplicitDeny"
    );
    assert_eq!(found[0].evidence["context"]["principal"], "anonymous");
    assert!(
        policy_findings(policy, "AWS_IAM").is_empty(),
        "an IAM caller of the account is allowed"
    );
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
