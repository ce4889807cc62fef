//! The SNS summary and the EventBridge detail of hand-built reports.

use super::{event_detail, summary};
use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::{parse, IntakeSettings};
use crate::report::Report;
use crate::snapshot::{RestApi, RestStage, Snapshot};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

fn report(region: &str, findings: Vec<Finding>) -> Report {
    let incident = parse(
        &json!({ "api_id": "a1b2c3d4e5" }),
        IntakeSettings {
            now: Utc
                .with_ymd_and_hms(2026, 11, 30, 3, 0, 0)
                .single()
                .expect("time"),
            lookback_minutes: 30,
        },
    )
    .expect("event");
    let mut snapshot = Snapshot::new(region, Some("123456789012".into()));
    snapshot.rest_apis.push(RestApi {
        id: "a1b2c3d4e5".into(),
        name: "orders".into(),
        endpoint_types: vec!["PRIVATE".into()],
        stages: vec![RestStage {
            name: "prod".into(),
            ..RestStage::default()
        }],
        ..RestApi::default()
    });
    let mut report = Report::new(&incident, &snapshot, "dry-run");
    report.findings = findings;
    report
}

fn private_dns_off() -> Finding {
    Finding::new(
        Code::VpcEndpointPrivateDnsDisabled,
        "the execute-api endpoint of vpc-1 has private DNS off",
    )
    .api("a1b2c3d4e5")
}

#[test]
fn the_subject_names_the_worst_severity_the_api_and_the_most_likely_cause() {
    let logging = Finding::new(Code::ExecutionLoggingDisabled, "no logs").api("a1b2c3d4e5");
    let found = summary(&report("us-east-1", vec![logging, private_dns_off()]));
    assert_eq!(
        found.subject,
        "apigw-doctor ERROR: orders (a1b2c3d4e5) - VPC_ENDPOINT_PRIVATE_DNS_DISABLED"
    );
    assert!(found.body.starts_with(
        "Most likely cause: VPC_ENDPOINT_PRIVATE_DNS_DISABLED - the execute-api endpoint of vpc-1 has private DNS off"
    ), "{}", found.body);
    assert!(
        found.body.contains("EXECUTION_LOGGING_DISABLED"),
        "every finding is listed"
    );
    assert!(found.body.contains(
        "https://us-east-1.console.aws.amazon.com/apigateway/main/apis/a1b2c3d4e5?api=a1b2c3d4e5&region=us-east-1"
    ), "{}", found.body);
}

#[test]
fn a_clean_run_and_an_unchecked_one_say_so_in_the_subject() {
    assert_eq!(
        summary(&report("us-east-1", Vec::new())).subject,
        "apigw-doctor OK: orders (a1b2c3d4e5) - no problem found"
    );
    let mut unchecked = report("us-east-1", Vec::new());
    unchecked.incomplete.push(crate::snapshot::Incomplete {
        step: "ec2:DescribeVpcEndpoints".into(),
        error: "AccessDenied".into(),
        detail: "denied".into(),
    });
    assert!(summary(&unchecked)
        .subject
        .starts_with("apigw-doctor INCOMPLETE:"));
}

#[test]
fn the_subject_fits_sns_and_the_console_is_the_partitions() {
    let mut long = report("cn-north-1", vec![private_dns_off()]);
    long.targets[0].api_name = "订单".repeat(80);
    let found = summary(&long);
    assert!(found.subject.len() <= 100, "{}", found.subject);
    assert!(found.subject.is_ascii() && !found.subject.contains('\n'));
    assert!(found.subject.ends_with("..."));
    assert!(found
        .body
        .contains("https://console.amazonaws.cn/apigateway/main/apis/a1b2c3d4e5"));
    let gov = summary(&report("us-gov-west-1", Vec::new()));
    assert!(
        gov.body.contains("https://console.amazonaws-us-gov.com/"),
        "{}",
        gov.body
    );
}

#[test]
fn the_event_detail_is_the_whole_report_or_a_marked_short_form_that_fits() {
    let small = report("us-east-1", vec![private_dns_off()]);
    let detail: Value = serde_json::from_str(&event_detail(&small)).expect("JSON");
    assert_eq!(
        detail["findings"][0]["summary"],
        "the execute-api endpoint of vpc-1 has private DNS off"
    );
    assert_eq!(detail.get("truncated"), None);

    let big = report(
        "us-east-1",
        (0..400)
            .map(|i| {
                Finding::new(Code::ExecutionLoggingDisabled, "x".repeat(1000))
                    .api(&format!("api{i:05}"))
            })
            .collect(),
    );
    let text = event_detail(&big);
    assert!(text.len() < 256 * 1024, "{}", text.len());
    let detail: Value = serde_json::from_str(&text).expect("still JSON");
    assert_eq!(detail["truncated"], true);
    assert_eq!(detail["findings"].as_array().map(Vec::len), Some(400));
    assert_eq!(detail["findings"][0]["code"], "EXECUTION_LOGGING_DISABLED");
}

#[test]
fn with_a_symptom_the_subject_and_body_lead_with_the_ranked_first_finding_once() {
    let explained = Finding::new(
        Code::ErrorResponseExplained,
        "the reported 403 means an API key that is not valid",
    )
    .api("a1b2c3d4e5");
    let mut ranked = report("us-east-1", vec![explained, private_dns_off()]);
    ranked.incident.symptom = Some(crate::catalog::Symptom::Forbidden);
    let found = summary(&ranked);
    assert_eq!(
        found.subject,
        "apigw-doctor ERROR: orders (a1b2c3d4e5) - ERROR_RESPONSE_EXPLAINED"
    );
    assert!(found
        .body
        .starts_with("Most likely cause: ERROR_RESPONSE_EXPLAINED - the reported 403"));
    assert_eq!(
        found.body.matches("Most likely cause").count(),
        1,
        "{}",
        found.body
    );
}
