//! The policy-change history (CloudTrail's event history read back to the stage's deployment)
//! and request-path matching, judged by the checks on hand-built snapshots.

use super::run;
use super::tests::{endpoint, incident, private_api, snapshot as snapshot_of};
use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::report::Report;
use crate::snapshot::{
    ChangeHistory, Deployment, HistoryLimit, HistoryLimitReason, Method, RecordedChange, Resource,
    Snapshot,
};
use serde_json::{json, Value};

/// When the stage's deployment was created.
fn deployed_at() -> i64 {
    chrono::DateTime::parse_from_rfc3339("2026-11-21T09:00:00Z")
        .expect("time")
        .timestamp()
}

fn call(event_name: &str, minutes_after_deployment: i64, user: &str) -> RecordedChange {
    RecordedChange {
        event_name: event_name.to_string(),
        event_id: format!("ev-{minutes_after_deployment}"),
        event_time: deployed_at() + minutes_after_deployment * 60,
        user: Some(user.to_string()),
    }
}

/// A healthy private API reached through vpce-1, whose stage prod serves deployment d1,
/// with this CloudTrail history.
fn snapshot(history: ChangeHistory) -> Snapshot {
    let mut api = private_api(Some(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#,
    ));
    api.vpc_endpoint_ids = vec!["vpce-1".into()];
    api.stages[0].deployment_id = Some("d1".into());
    api.deployments = vec![Deployment {
        id: "d1".into(),
        created_date: Some(deployed_at()),
        ..Deployment::default()
    }];
    api.last_policy_change = Some(history);
    snapshot_of(api, vec![endpoint("vpce-1", "vpc-1", true)])
}

fn manual() -> Incident {
    incident(json!({ "api_id": "a1b2c3d4e5" }))
}

fn policy_changes(snapshot: &Snapshot) -> Vec<Finding> {
    run(snapshot, &manual())
        .into_iter()
        .filter(|f| f.code == Code::UndeployedPolicyChange)
        .collect()
}

#[test]
fn the_baseline_is_healthy() {
    let snapshot = snapshot(ChangeHistory::default());
    let codes: Vec<Code> = run(&snapshot, &manual())
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, []);
    assert_eq!(exit_code(&snapshot), 0);
}

fn exit_code(snapshot: &Snapshot) -> i32 {
    let mut report = Report::new(&manual(), snapshot, "dry-run");
    report.findings = run(snapshot, &manual());
    report.exit_code()
}

fn notes(finding: &Finding) -> Vec<String> {
    serde_json::from_value(finding.evidence["notes"].clone()).unwrap_or_default()
}

#[test]
fn an_unreadable_change_after_the_found_one_is_a_note_on_the_finding() {
    let snapshot = snapshot(ChangeHistory {
        newest: Some(call("UpdateRestApi", 10, "jane.doe")),
        unreadable: vec![call("UpdateRestApi", 20, "ci-deployer")],
        limit: None,
    });
    let found = policy_changes(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        notes(&found[0]),
        ["a change at 2026-11-21T09:20:00+00:00 by ci-deployer (UpdateRestApi event ev-20) could not be read: CloudTrail did not record its request in full, so whether it changed the policy is unknown"]
    );
    assert_eq!(
        found[0].evidence["change_time_from"],
        "CloudTrail LookupEvents: UpdateRestApi event ev-10"
    );
}

#[test]
fn an_unreadable_change_alone_is_no_policy_change_and_no_failure() {
    let snapshot = snapshot(ChangeHistory {
        newest: None,
        unreadable: vec![call("UpdateRestApi", 20, "ci-deployer")],
        limit: None,
    });
    assert_eq!(policy_changes(&snapshot), []);
    assert_eq!(exit_code(&snapshot), 0);
}

#[test]
fn a_history_cut_short_never_fails_a_healthy_run() {
    for reason in [HistoryLimitReason::Retention, HistoryLimitReason::PageCap] {
        let snapshot = snapshot(ChangeHistory {
            newest: None,
            unreadable: Vec::new(),
            limit: Some(HistoryLimit {
                read_back_to: deployed_at() + 3600,
                reason,
            }),
        });
        assert_eq!(policy_changes(&snapshot), [], "{reason:?}");
        assert_eq!(snapshot.incomplete, [], "{reason:?}");
        assert_eq!(exit_code(&snapshot), 0, "{reason:?}");
    }
}

#[test]
fn a_history_cut_after_the_deployment_says_so_on_the_finding() {
    let cut = |reason| {
        let snapshot = snapshot(ChangeHistory {
            newest: Some(call("PutRestApi", 90, "jane.doe")),
            unreadable: Vec::new(),
            limit: Some(HistoryLimit {
                read_back_to: deployed_at() + 3600,
                reason,
            }),
        });
        notes(&policy_changes(&snapshot)[0])
    };
    assert_eq!(
        cut(HistoryLimitReason::PageCap),
        ["the CloudTrail lookup stopped at its page cap: calls before 2026-11-21T10:00:00+00:00 were not read"]
    );
    assert_eq!(
        cut(HistoryLimitReason::Retention),
        ["CloudTrail's event history keeps 90 days: a policy change before 2026-11-21T10:00:00+00:00 cannot be seen"]
    );
}

#[test]
fn what_happened_before_the_deployment_is_no_note() {
    let snapshot = snapshot(ChangeHistory {
        newest: Some(call("UpdateRestApi", 10, "jane.doe")),
        unreadable: vec![call("UpdateRestApi", -5, "ci-deployer")],
        limit: Some(HistoryLimit {
            read_back_to: deployed_at() - 60,
            reason: HistoryLimitReason::Retention,
        }),
    });
    let found = policy_changes(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].evidence.get("notes").is_none(), "{found:#?}");
}

/// A private API denying everyone, with these resources: every request it judges is denied,
/// so the finding names the method and authorization the check matched.
fn denied(resources: &[(&str, &[(&str, &str)])], url: &str, method: &str) -> Vec<Value> {
    let mut snapshot = snapshot(ChangeHistory::default());
    let api = &mut snapshot.rest_apis[0];
    api.policy = Some(r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#.into());
    api.resources = resources
        .iter()
        .map(|(path, methods)| Resource {
            id: None,
            path: (*path).to_string(),
            methods: methods
                .iter()
                .map(|(verb, authorization)| Method {
                    http_method: (*verb).to_string(),
                    authorization_type: (*authorization).to_string(),
                    integration: None,
                })
                .collect(),
        })
        .collect();
    let incident = incident(json!({
        "api_id": "a1b2c3d4e5",
        "request": { "url": url, "method": method }
    }));
    run(&snapshot, &incident)
        .into_iter()
        .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
        .flat_map(|f| {
            f.evidence["denied_methods"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

const URL: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod";

/// (path, authorization, ARN) of the one method judged.
fn judged(
    resources: &[(&str, &[(&str, &str)])],
    path: &str,
    method: &str,
) -> (String, String, String) {
    let calls = denied(resources, &format!("{URL}{path}"), method);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let field = |name: &str| calls[0][name].as_str().unwrap_or_default().to_string();
    (field("path"), field("authorization"), field("arn"))
}

#[test]
fn a_path_parameter_resource_serves_the_concrete_path() {
    let resources: &[(&str, &[(&str, &str)])] = &[
        ("/items", &[("GET", "NONE")]),
        ("/items/{id}", &[("GET", "CUSTOM")]),
    ];
    assert_eq!(
        judged(resources, "/prod/items/123", "GET"),
        (
            "/items/123".into(),
            "CUSTOM".into(),
            format!("{ARN}/GET/items/123")
        )
    );
    assert_eq!(
        judged(resources, "/prod/items", "get"),
        ("/items".into(), "NONE".into(), format!("{ARN}/GET/items"))
    );
}

#[test]
fn a_literal_resource_beats_a_parameter_which_beats_a_greedy_one() {
    let resources: &[(&str, &[(&str, &str)])] = &[
        ("/{proxy+}", &[("ANY", "COGNITO_USER_POOLS")]),
        ("/items/{id}", &[("GET", "CUSTOM")]),
        ("/items/special", &[("GET", "AWS_IAM")]),
    ];
    assert_eq!(judged(resources, "/prod/items/special", "GET").1, "AWS_IAM");
    assert_eq!(judged(resources, "/prod/items/7", "GET").1, "CUSTOM");
    assert_eq!(
        judged(resources, "/prod/items/7/parts/2", "GET"),
        (
            "/items/7/parts/2".into(),
            "COGNITO_USER_POOLS".into(),
            format!("{ARN}/GET/items/7/parts/2")
        ),
        "greedy: the rest of the path, however deep"
    );
    assert_eq!(
        judged(resources, "/prod/items/7", "DELETE").1,
        "NONE",
        "no DELETE on the resource that serves it"
    );
}

#[test]
fn the_method_itself_comes_before_any() {
    let resources: &[(&str, &[(&str, &str)])] =
        &[("/items/{id}", &[("ANY", "AWS_IAM"), ("GET", "CUSTOM")])];
    assert_eq!(judged(resources, "/prod/items/1", "GET").1, "CUSTOM");
    assert_eq!(judged(resources, "/prod/items/1", "POST").1, "AWS_IAM");
}

#[test]
fn the_stage_is_stripped_only_as_a_whole_segment() {
    let resources: &[(&str, &[(&str, &str)])] =
        &[("/", &[("GET", "NONE")]), ("/items", &[("GET", "NONE")])];
    assert_eq!(judged(resources, "/prod", "GET").0, "/");
    assert_eq!(judged(resources, "/prod/", "GET").0, "/");
    for other_stage in ["/production/items", "/prodX/items", "/staging/prod/items"] {
        let calls = denied(resources, &format!("{URL}{other_stage}"), "GET");
        let paths: Vec<&str> = calls.iter().filter_map(|c| c["path"].as_str()).collect();
        assert_eq!(
            paths,
            ["/", "/items"],
            "{other_stage}: not this stage, so every method of it is judged"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP and WebSocket APIs: route and integration writes after the stage's deployment
// ---------------------------------------------------------------------------------------------

/// An HTTP API whose stages `prod` (manual) and `dev` (auto-deploy) serve deployment d1, with
/// this history of route and integration writes.
fn v2_snapshot(history: Option<ChangeHistory>) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.v2_apis.push(crate::snapshot::V2Api {
        id: "h1t2t3p4a5".into(),
        protocol: "HTTP".into(),
        stages: ["prod", "dev"]
            .into_iter()
            .map(|name| crate::snapshot::V2Stage {
                name: name.into(),
                deployment_id: Some("d1".into()),
                auto_deploy: name == "dev",
                access_log_destination: Some(
                    "arn:aws:logs:us-east-1:123456789012:log-group:a".into(),
                ),
                ..crate::snapshot::V2Stage::default()
            })
            .collect(),
        deployments: vec![Deployment {
            id: "d1".into(),
            created_date: Some(deployed_at()),
            ..Deployment::default()
        }],
        last_definition_change: history,
        ..crate::snapshot::V2Api::default()
    });
    snapshot
}

fn v2_undeployed(snapshot: &Snapshot) -> Vec<Finding> {
    run(snapshot, &incident(json!({ "api_id": "h1t2t3p4a5" })))
        .into_iter()
        .filter(|f| f.code == Code::UndeployedChanges)
        .collect()
}

#[test]
fn an_integration_written_after_the_deployment_is_undeployed_on_the_manual_stage_only() {
    let snapshot = v2_snapshot(Some(ChangeHistory {
        newest: Some(call("UpdateIntegration", 5, "ci-deployer")),
        ..ChangeHistory::default()
    }));
    let found = v2_undeployed(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].stage.as_deref(), Some("prod"), "dev auto-deploys");
    assert!(
        found[0]
            .summary
            .contains("UpdateIntegration by ci-deployer"),
        "{}",
        found[0].summary
    );
    assert_eq!(found[0].evidence["change"]["event_id"], "ev-5");
    assert_eq!(
        found[0].remedy_action(),
        Some(crate::action::Action::RedeployStage)
    );
}

#[test]
fn a_write_before_or_in_the_deployments_second_is_deployed() {
    for minutes in [-5, 0] {
        let snapshot = v2_snapshot(Some(ChangeHistory {
            newest: Some(call("CreateRoute", minutes, "ci-deployer")),
            ..ChangeHistory::default()
        }));
        assert_eq!(v2_undeployed(&snapshot), Vec::new(), "{minutes} min");
    }
}

#[test]
fn no_history_or_a_cut_one_claims_nothing_and_a_cut_is_said() {
    assert_eq!(v2_undeployed(&v2_snapshot(None)), Vec::new());
    let cut = v2_snapshot(Some(ChangeHistory {
        limit: Some(HistoryLimit {
            read_back_to: deployed_at() + 3600,
            reason: HistoryLimitReason::PageCap,
        }),
        ..ChangeHistory::default()
    }));
    assert_eq!(v2_undeployed(&cut), Vec::new());
    let incident = incident(json!({ "api_id": "h1t2t3p4a5" }));
    let notes = super::notes(&cut, &incident, &run(&cut, &incident));
    assert!(
        notes.iter().any(|n| n.starts_with(
            "API h1t2t3p4a5 stage prod: the CloudTrail lookup stopped at its page cap"
        )),
        "{notes:#?}"
    );
    assert!(
        !notes.iter().any(|n| n.contains("stage dev")),
        "an auto-deploying stage needs no history: {notes:#?}"
    );
}

// An operator changes an integration, forgets to deploy, and the alarm fires two minutes later:
// CloudTrail's event history does not show the write yet (a call appears minutes after it is
// made), and the lookup never reads route responses, authorizers, models or the API's own
// settings. A quiet run must not read as "everything is deployed": the notes say what could not
// be seen.
#[test]
fn a_quiet_v2_history_says_a_write_of_the_last_minutes_and_other_parts_cannot_be_seen() {
    let quiet = v2_snapshot(Some(ChangeHistory::default()));
    assert_eq!(v2_undeployed(&quiet), Vec::new());
    let incident = incident(json!({ "api_id": "h1t2t3p4a5" }));
    let notes = super::notes(&quiet, &incident, &run(&quiet, &incident));
    let prod: Vec<&String> = notes
        .iter()
        .filter(|n| n.starts_with("API h1t2t3p4a5 stage prod:"))
        .collect();
    assert!(
        prod.iter().any(|n| n.contains("minutes after")),
        "the CloudTrail delay is said: {notes:#?}"
    );
    assert!(
        prod.iter()
            .any(|n| n.contains("authorizers") && n.contains("not looked up")),
        "the parts not looked up are said: {notes:#?}"
    );
    assert!(
        !notes.iter().any(|n| n.contains("stage dev")),
        "an auto-deploying stage needs no history: {notes:#?}"
    );
    // No history read at all (no stage to judge): nothing to say.
    let unread = v2_snapshot(None);
    assert_eq!(
        super::notes(&unread, &incident, &run(&unread, &incident)),
        Vec::<String>::new()
    );
}
