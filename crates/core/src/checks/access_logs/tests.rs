//! ACCESS_LOG_ERRORS on hand-built snapshots: firing, quiet, and the notes that keep a format
//! without `$context.status` or a Firehose destination from reading as "no errors".

use super::*;
use crate::catalog::Severity;
use crate::checks::tests::incident;
use crate::logs::{Bound, LogEvent};
use crate::snapshot::{RestApi, RestStage};
use serde_json::json;

const GROUP: &str = "api-access";
const JSON_FORMAT: &str = "{\"requestId\":\"$context.requestId\",\"status\":\"$context.status\",\"errorType\":\"$context.error.responseType\",\"error\":\"$context.error.message\"}";

fn now_minus(minutes: i64) -> i64 {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).timestamp_millis()
}

fn json_line(status: u16, kind: &str, message: &str) -> String {
    format!("{{\"requestId\":\"r\",\"status\":\"{status}\",\"errorType\":\"{kind}\",\"error\":\"{message}\"}}")
}

fn snapshot(format: Option<&str>, lines: &[(i64, String)]) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", None);
    snapshot.rest_apis.push(RestApi {
        id: "a1b2c3d4e5".into(),
        stages: vec![RestStage {
            name: "prod".into(),
            access_log_destination: Some(format!(
                "arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}"
            )),
            access_log_format: format.map(str::to_string),
            ..RestStage::default()
        }],
        ..RestApi::default()
    });
    snapshot.log_searches.push(LogSearch {
        api_id: "a1b2c3d4e5".into(),
        stage: "prod".into(),
        kind: LogKind::Access,
        log_group: GROUP.into(),
        exists: true,
        events: lines
            .iter()
            .map(|(timestamp, message)| LogEvent {
                timestamp: *timestamp,
                message: message.clone(),
            })
            .collect(),
        bound: None,
    });
    snapshot
}

fn run(snapshot: &Snapshot) -> (Vec<Finding>, Vec<String>) {
    let incident = incident(json!({"api_id": "a1b2c3d4e5", "stage": "prod"}));
    (check(snapshot, &incident), notes(snapshot, &incident))
}

#[test]
fn error_responses_in_the_window_are_counted_by_status_and_type() {
    let lines = vec![
        (
            now_minus(20),
            json_line(
                403,
                "MISSING_AUTHENTICATION_TOKEN",
                "Missing Authentication Token",
            ),
        ),
        (
            now_minus(10),
            json_line(
                403,
                "MISSING_AUTHENTICATION_TOKEN",
                "Missing Authentication Token",
            ),
        ),
        (
            now_minus(9),
            json_line(504, "INTEGRATION_TIMEOUT", "Endpoint request timed out"),
        ),
        (now_minus(8), json_line(200, "-", "-")),
        (now_minus(7), "not an access-log line".to_string()),
        // Before the window: never counted.
        (
            now_minus(120),
            json_line(500, "API_CONFIGURATION_ERROR", "Internal server error"),
        ),
    ];
    let (findings, notes) = run(&snapshot(Some(JSON_FORMAT), &lines));
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let found = &findings[0];
    assert_eq!(found.code, Code::AccessLogErrors);
    assert_eq!(found.severity, Severity::Info);
    assert_eq!(found.stage.as_deref(), Some("prod"));
    assert_eq!(
        found.evidence["status_counts"],
        json!({"200": 1, "403": 2, "504": 1})
    );
    assert_eq!(
        found.evidence["error_type_counts"],
        json!({"INTEGRATION_TIMEOUT": 1, "MISSING_AUTHENTICATION_TOKEN": 2})
    );
    assert_eq!(
        found.evidence["causes"],
        json!({"missing_authentication_token": 2})
    );
    assert_eq!(found.evidence["lines_read"], 5);
    assert_eq!(found.evidence["lines_unparsed"], 1);
    assert_eq!(found.evidence["format"], "json");
    assert_eq!(found.evidence["log_group"], GROUP);
    assert!(found.evidence["window"]["start"].is_string());
    assert_eq!(found.evidence["bound_reached"], json!([]));
    assert!(
        found.summary.contains("3 of 4 logged request(s)"),
        "{}",
        found.summary
    );
}

#[test]
fn a_window_of_successes_and_redirects_is_quiet() {
    let lines = vec![
        (now_minus(5), json_line(200, "-", "-")),
        (now_minus(4), json_line(302, "-", "-")),
        (now_minus(3), json_line(304, "-", "-")),
    ];
    let (findings, notes) = run(&snapshot(Some(JSON_FORMAT), &lines));
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(notes.is_empty(), "{notes:?}");
}

// A CLF line whose response length is 403 answered 200: the status is read where the format
// puts it, not taken from the first number that looks like one.
#[test]
fn clf_positions_come_from_the_format() {
    let format = "$context.identity.sourceIp [$context.requestTime] \"$context.httpMethod $context.resourcePath\" $context.status $context.responseLength $context.requestId";
    let lines = vec![
        (
            now_minus(5),
            "198.51.100.7 [30/Nov/2026:22:00:00 +0000] \"GET /403\" 200 403 r1".to_string(),
        ),
        (
            now_minus(4),
            "198.51.100.7 [30/Nov/2026:22:00:01 +0000] \"GET /a\" 502 36 r2".to_string(),
        ),
    ];
    let (findings, _) = run(&snapshot(Some(format), &lines));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0].evidence["status_counts"],
        json!({"200": 1, "502": 1})
    );
    assert_eq!(findings[0].evidence["format"], "clf");
    assert_eq!(findings[0].evidence["error_type_counts"], json!({}));
}

#[test]
fn a_format_without_a_status_says_the_statuses_cannot_be_counted() {
    let lines = vec![(now_minus(5), "c6af9ac6-7b61".to_string())];
    let (findings, notes) = run(&snapshot(Some("$context.requestId"), &lines));
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("has no $context.status") && notes[0].contains("1 line(s)"),
        "{notes:?}"
    );
}

#[test]
fn a_stage_with_no_format_on_record_says_so() {
    let lines = vec![(now_minus(5), json_line(500, "-", "-"))];
    let (findings, notes) = run(&snapshot(None, &lines));
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(
        notes.len() == 1 && notes[0].starts_with("No access-log format is on record"),
        "{notes:?}"
    );
}

#[test]
fn lines_none_of_which_parse_are_said_not_silently_zero() {
    let lines = vec![(now_minus(5), "GET /a 403".to_string())];
    let (findings, notes) = run(&snapshot(Some(JSON_FORMAT), &lines));
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("None of the 1"), "{notes:?}");
}

#[test]
fn a_bound_reached_is_said() {
    let mut bounded = snapshot(
        Some(JSON_FORMAT),
        &[(
            now_minus(5),
            json_line(429, "THROTTLED", "Too Many Requests"),
        )],
    );
    bounded.log_searches[0].bound = Some(Bound::Events);
    let (findings, _) = run(&bounded);
    assert_eq!(findings[0].evidence["bound_reached"], json!(["events"]));
    assert!(
        findings[0].summary.contains("events bound"),
        "{}",
        findings[0].summary
    );
}

#[test]
fn a_firehose_destination_is_said_not_read() {
    let mut snapshot = snapshot(Some(JSON_FORMAT), &[]);
    snapshot.log_searches[0].kind = LogKind::Execution;
    snapshot.rest_apis[0].stages[0].access_log_destination =
        Some("arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-s".into());
    let (findings, notes) = run(&snapshot);
    assert!(findings.is_empty());
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("amazon-apigateway-s") && notes[0].contains("did not read"),
        "{notes:?}"
    );
}

// The causes the logged messages name confirm the configuration findings behind them, as a
// LOG_SIGNATURE's cause does: RESOURCE_NOT_FOUND ranks before an unrelated warning.
#[test]
fn the_causes_logged_support_the_ranking() {
    let lines = vec![(
        now_minus(5),
        json_line(
            403,
            "MISSING_AUTHENTICATION_TOKEN",
            "Missing Authentication Token",
        ),
    )];
    let snapshot = snapshot(Some(JSON_FORMAT), &lines);
    let incident =
        incident(json!({"api_id": "a1b2c3d4e5", "stage": "prod", "symptom": "server-error"}));
    let mut findings = check(&snapshot, &incident);
    findings.push(Finding::new(Code::StageNotOnLatestDeployment, "older").api("a1b2c3d4e5"));
    findings.push(Finding::new(Code::ResourceNotFound, "no such path").api("a1b2c3d4e5"));
    crate::checks::order(&mut findings, incident.symptom);
    let codes: Vec<Code> = findings.iter().map(|f| f.code).collect();
    let position = |code| codes.iter().position(|c| *c == code).expect("present");
    assert!(
        position(Code::ResourceNotFound) < position(Code::StageNotOnLatestDeployment),
        "{codes:?}"
    );
}

/// One log group taking the access logs of several stages and APIs is common; with a format
/// that logs `$context.apiId` and `$context.stage`, another stage's errors are not this stage's
/// — neither counted by ACCESS_LOG_ERRORS nor a LOG_SIGNATURE.
#[test]
fn another_stages_lines_in_a_shared_group_are_not_this_stages() {
    const SHARED: &str = "{\"api\":\"$context.apiId\",\"stage\":\"$context.stage\",\"status\":\"$context.status\",\"error\":\"$context.error.message\"}";
    let line = |api: &str, stage: &str, status: u16, message: &str| {
        format!("{{\"api\":\"{api}\",\"stage\":\"{stage}\",\"status\":\"{status}\",\"error\":\"{message}\"}}")
    };
    let others = snapshot(
        Some(SHARED),
        &[
            (
                now_minus(5),
                line("a1b2c3d4e5", "beta", 403, "Missing Authentication Token"),
            ),
            (
                now_minus(4),
                line("f9e8d7c6b5", "prod", 403, "Missing Authentication Token"),
            ),
            (now_minus(3), line("a1b2c3d4e5", "prod", 200, "-")),
        ],
    );
    let incident = incident(json!({"api_id": "a1b2c3d4e5", "stage": "prod"}));
    assert!(check(&others, &incident).is_empty());
    assert!(crate::checks::logs::check(&others, &incident).is_empty());
    // The stage's own error line still counts, and still reads as its cause.
    let own = snapshot(
        Some(SHARED),
        &[
            (
                now_minus(5),
                line("a1b2c3d4e5", "beta", 403, "Missing Authentication Token"),
            ),
            (
                now_minus(4),
                line("a1b2c3d4e5", "prod", 403, "Missing Authentication Token"),
            ),
        ],
    );
    let found = check(&own, &incident);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].evidence["status_counts"], json!({"403": 1}));
    assert_eq!(found[0].evidence["lines_read"], json!(1));
    let signatures = crate::checks::logs::check(&own, &incident);
    assert_eq!(signatures.len(), 1, "{signatures:#?}");
    assert_eq!(signatures[0].evidence["count"], json!(1));
}

/// `snapshot(format, [])` with a second stage, `other` (API id, stage), whose access logs go to
/// `group` with the same format.
fn beside(format: &str, other: (&str, &str), group: &str) -> Snapshot {
    let mut snapshot = snapshot(Some(format), &[]);
    let stage = RestStage {
        name: other.1.into(),
        access_log_destination: Some(format!(
            "arn:aws:logs:us-east-1:123456789012:log-group:{group}"
        )),
        access_log_format: Some(format.to_string()),
        ..RestStage::default()
    };
    match snapshot.rest_apis.iter_mut().find(|a| a.id == other.0) {
        Some(api) => api.stages.push(stage),
        None => snapshot.rest_apis.push(RestApi {
            id: other.0.into(),
            stages: vec![stage],
            ..RestApi::default()
        }),
    }
    let mut search = snapshot.log_searches[0].clone();
    (search.api_id, search.stage, search.log_group) =
        (other.0.into(), other.1.into(), group.into());
    snapshot.log_searches.push(search);
    snapshot
}

/// The stages' notes that say a shared group's lines cannot be told apart.
fn shared_notes(snapshot: &Snapshot) -> Vec<String> {
    run(snapshot)
        .1
        .into_iter()
        .filter(|n| n.contains("shares its access-log group"))
        .collect()
}

/// A group shared by two stages read in one run, with a format that logs neither
/// `$context.apiId` nor `$context.stage`, cannot say whose a line is: each stage's notes name
/// the other (access-logging variables:
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html>).
#[test]
fn a_shared_group_whose_format_cannot_tell_stages_apart_is_said() {
    let notes = shared_notes(&beside(JSON_FORMAT, ("a1b2c3d4e5", "beta"), GROUP));
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(
        notes[0].starts_with("Stage prod of API a1b2c3d4e5 shares its access-log group api-access with stage beta of API a1b2c3d4e5"),
        "{notes:#?}"
    );
    assert!(
        notes[1].contains("with stage prod of API a1b2c3d4e5"),
        "{notes:#?}"
    );
}

/// Quiet where the lines can be told apart or are not mixed: a format that logs the stage, a
/// format that logs the API id beside another API's stage, a group of its own. A format that
/// logs only the API id cannot tell two stages of one API apart.
#[test]
fn a_shared_group_is_quiet_when_the_format_tells_lines_apart() {
    const WITH_STAGE: &str = "{\"stage\":\"$context.stage\",\"status\":\"$context.status\"}";
    const WITH_API: &str = "$context.apiId $context.requestId $context.status";
    assert_eq!(
        shared_notes(&beside(WITH_STAGE, ("a1b2c3d4e5", "beta"), GROUP)),
        Vec::<String>::new()
    );
    assert_eq!(
        shared_notes(&beside(WITH_API, ("f9e8d7c6b5", "prod"), GROUP)),
        Vec::<String>::new()
    );
    assert_eq!(
        shared_notes(&beside(JSON_FORMAT, ("a1b2c3d4e5", "beta"), "beta-access")),
        Vec::<String>::new()
    );
    assert_eq!(
        shared_notes(&beside(WITH_API, ("a1b2c3d4e5", "beta"), GROUP)).len(),
        2
    );
}
