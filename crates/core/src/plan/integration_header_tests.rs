//! `add_integration_header` (SPEC §7) on hand-built WebSocket snapshots: the merge that keeps
//! every mapping, the stages it deploys, the refusals, "already done", the cooldown marker and
//! the verdict after the write. Pure, no AWS call.

use super::tests::{config, context, now};
use super::{
    plan, AddIntegrationHeader, Context, IntegrationHeaderState, IntegrationHeaderWritten, Marker,
    Rules, StageNow, Status, CONNECTION_ID_HEADER,
};
use crate::action::Action;
use crate::catalog::Code;
use crate::checks;
use crate::config::Config;
use crate::intake::{Incident, IntakeSettings};
use crate::snapshot::{Deployment, Snapshot, V2Api, V2Integration, V2Stage};
use chrono::Duration;
use serde_json::json;
use std::collections::BTreeMap;

const API: &str = "w5s6o7c8k9";
const INTEGRATION: &str = "int0001";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn stage(name: &str, deployment: &str, auto_deploy: bool) -> V2Stage {
    V2Stage {
        name: name.into(),
        deployment_id: Some(deployment.into()),
        auto_deploy,
        ..V2Stage::default()
    }
}

/// A WebSocket API whose VPC-link integration maps a querystring, a body field and a static
/// header, but not the connection id; `stages` as given.
fn snapshot(stages: Vec<V2Stage>, api_tags: &[(&str, &str)]) -> Snapshot {
    Snapshot {
        region: "eu-west-1".into(),
        v2_apis: vec![V2Api {
            id: API.into(),
            name: "chat".into(),
            protocol: "WEBSOCKET".into(),
            tags: map(api_tags),
            stages,
            deployments: vec![Deployment {
                id: "dep1".into(),
                created_date: Some((now() - Duration::days(3)).timestamp()),
                ..Deployment::default()
            }],
            integrations: vec![V2Integration {
                id: INTEGRATION.into(),
                connection_type: Some("VPC_LINK".into()),
                connection_id: Some("vl-1".into()),
                request_parameters: existing_mappings(),
                ..V2Integration::default()
            }],
            ..V2Api::default()
        }],
        ..Snapshot::default()
    }
}

fn existing_mappings() -> BTreeMap<String, String> {
    map(&[
        (
            "integration.request.querystring.room",
            "route.request.body.room",
        ),
        ("integration.request.header.X-Tenant", "'acme'"),
        (
            "integration.request.header.X-User",
            "route.request.body.user",
        ),
    ])
}

fn incident() -> Incident {
    crate::intake::parse(
        &json!({ "api_id": API }),
        IntakeSettings {
            now: now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid event")
}

/// The check's findings and the plan built from them, in `config`'s mode.
fn planned(snapshot: &Snapshot, config: &Config, context: &Context) -> super::Plan {
    let findings = checks::run(snapshot, &incident());
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.code == Code::WsConnectionIdHeaderMissing)
            .count(),
        1,
        "{findings:?}"
    );
    plan(
        &findings,
        snapshot,
        &incident(),
        config,
        config.mode,
        context,
    )
}

/// The plan's `add_integration_header` row (the check may find other things too).
fn header_row(plan: &super::Plan) -> &super::ActionRow {
    plan.rows
        .iter()
        .find(|r| r.action == Action::AddIntegrationHeader)
        .expect("the row")
}

fn header_changes(plan: &super::Plan) -> usize {
    plan.changes
        .iter()
        .filter(|c| c.change.action() == Action::AddIntegrationHeader)
        .count()
}

fn change_and_state(snapshot: &Snapshot) -> (AddIntegrationHeader, IntegrationHeaderState) {
    let findings = checks::run(snapshot, &incident());
    let finding = findings
        .iter()
        .find(|f| f.code == Code::WsConnectionIdHeaderMissing)
        .expect("the finding");
    AddIntegrationHeader::from_snapshot(finding, snapshot, "inc-1").expect("the change")
}

#[test]
fn the_dry_run_names_the_merge_the_deployment_of_each_stage_that_does_not_auto_deploy_and_the_marker(
) {
    let snapshot = snapshot(
        vec![stage("prod", "dep1", false), stage("dev", "dep1", true)],
        &[],
    );
    let plan = planned(&snapshot, &config(&[]), &context(900));
    let row = header_row(&plan);
    assert_eq!(row.action, Action::AddIntegrationHeader);
    assert_eq!(row.target, format!("{API}/integrations/{INTEGRATION}"));
    assert_eq!(row.status, Status::Planned);
    assert_eq!(row.reason.as_deref(), Some("dry-run: nothing was changed"));
    assert_eq!(row.calls.len(), 3, "{:?}", row.calls);
    assert!(row.calls[0].starts_with(&format!(
        "apigatewayv2:UpdateIntegration ApiId={API} IntegrationId={INTEGRATION}"
    )));
    assert!(row.calls[0].contains(&format!("{CONNECTION_ID_HEADER}=context.connectionId")));
    assert!(row.calls[1].starts_with(&format!(
        "apigatewayv2:CreateDeployment ApiId={API} StageName=prod"
    )));
    assert!(
        !row.calls.iter().any(|c| c.contains("StageName=dev")),
        "an auto-deploy stage is deployed by AWS: {:?}",
        row.calls
    );
    assert_eq!(
        row.calls[2],
        format!(
            "apigatewayv2:TagResource ResourceArn=arn:aws:apigateway:eu-west-1::/apis/{API} Tags={{apigw-doctor:add_integration_header:{INTEGRATION}=2026-11-21T10:30:00Z inc-1}}"
        )
    );
    assert!(row.risk.contains("prod"), "{}", row.risk);
    assert!(
        row.risk.contains("any other route or integration change"),
        "{}",
        row.risk
    );
    assert_eq!(row.before["request_parameters"], json!(existing_mappings()));
}

#[test]
fn the_merge_keeps_every_existing_mapping_querystring_and_body_included() {
    let snapshot = snapshot(vec![stage("prod", "dep1", false)], &[]);
    let (change, state) = change_and_state(&snapshot);
    let merged = change.merged(&state.request_parameters);
    for (key, value) in existing_mappings() {
        assert_eq!(merged.get(&key), Some(&value), "{key} kept");
    }
    assert_eq!(
        merged.get(CONNECTION_ID_HEADER).map(String::as_str),
        Some("context.connectionId")
    );
    assert_eq!(merged.len(), existing_mappings().len() + 1);
}

#[test]
fn a_mapping_under_another_header_name_is_already_done_and_a_querystring_is_not() {
    let snapshot = snapshot(vec![stage("prod", "dep1", false)], &[]);
    let (change, mut state) = change_and_state(&snapshot);
    state.request_parameters.insert(
        "integration.request.querystring.conn".into(),
        "context.connectionId".into(),
    );
    assert_eq!(change.done(&state), None, "a querystring is not a header");
    state.request_parameters.insert(
        "integration.request.header.X-Conn-Id".into(),
        "context.connectionId".into(),
    );
    let done = change.done(&state).expect("already done");
    assert!(
        done.contains("integration.request.header.X-Conn-Id"),
        "{done}"
    );
}

#[test]
fn a_skip_or_stack_tag_on_the_api_or_a_stage_to_deploy_refuses_the_change() {
    for (api_tags, stage_tags, expected) in [
        (
            vec![("apigw-doctor:skip", "true")],
            vec![],
            "the API is tagged apigw-doctor:skip=true",
        ),
        (
            vec![("aws:cloudformation:stack-name", "chat-stack")],
            vec![],
            "owned by CloudFormation stack chat-stack",
        ),
        (
            vec![],
            vec![("apigw-doctor:skip", "true")],
            "stage prod is tagged apigw-doctor:skip=true",
        ),
    ] {
        let mut prod = stage("prod", "dep1", false);
        prod.tags = map(&stage_tags);
        let snapshot = snapshot(vec![prod], &api_tags);
        let plan = planned(
            &snapshot,
            &config(&[("APIGW_DOCTOR_MODE", "apply")]),
            &context(900),
        );
        assert_eq!(header_row(&plan).status, Status::Skipped);
        let reason = header_row(&plan).reason.as_deref().unwrap_or_default();
        assert!(reason.contains(expected), "{reason}");
        assert_eq!(header_changes(&plan), 0);
    }
}

#[test]
fn the_marker_of_this_integration_holds_the_cooldown_and_another_integrations_does_not() {
    let recent = format!(
        "{} inc-old",
        (now() - Duration::seconds(60)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let apply = config(&[("APIGW_DOCTOR_MODE", "apply")]);
    let other_key = "apigw-doctor:add_integration_header:int9999";
    let other = snapshot(
        vec![stage("prod", "dep1", false)],
        &[(other_key, recent.as_str())],
    );
    let plan = planned(&other, &apply, &context(900));
    assert_eq!(
        header_row(&plan).status,
        Status::Planned,
        "{:?}",
        header_row(&plan)
    );
    assert_eq!(header_changes(&plan), 1);

    let key = format!("apigw-doctor:add_integration_header:{INTEGRATION}");
    let this = snapshot(
        vec![stage("prod", "dep1", false)],
        &[(key.as_str(), recent.as_str())],
    );
    let plan = planned(&this, &apply, &context(900));
    assert_eq!(header_row(&plan).status, Status::Skipped);
    let reason = header_row(&plan).reason.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("cooldown: add_integration_header was applied to"),
        "{reason}"
    );
    assert!(reason.contains("inc-old"), "{reason}");
    // Past the cooldown, it applies again.
    let plan = planned(&this, &apply, &context(30));
    assert_eq!(header_row(&plan).status, Status::Planned);
}

#[test]
fn the_incidents_stage_is_the_only_one_deployed() {
    // The gather keeps only the incident's stage when it names one; the change follows it.
    let snapshot = snapshot(vec![stage("staging", "dep1", false)], &[]);
    let (change, _) = change_and_state(&snapshot);
    assert_eq!(change.stages, vec!["staging".to_string()]);
    let calls = change.calls(&context(900).marker());
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("apigatewayv2:CreateDeployment"))
            .count(),
        1
    );
}

fn after(
    parameters: BTreeMap<String, String>,
    stages: &[(&str, &str, bool)],
) -> IntegrationHeaderState {
    IntegrationHeaderState {
        request_parameters: parameters,
        api_tags: BTreeMap::new(),
        stages: stages
            .iter()
            .map(|(name, deployment, auto)| StageNow {
                name: name.to_string(),
                deployment_id: Some(deployment.to_string()),
                auto_deploy: *auto,
                ..StageNow::default()
            })
            .collect(),
    }
}

#[test]
fn verified_only_when_the_mapping_is_there_and_every_stage_serves_a_deployment_made_after_it() {
    let snapshot = snapshot(
        vec![stage("prod", "dep1", false), stage("dev", "dep1", true)],
        &[],
    );
    let (change, state) = change_and_state(&snapshot);
    let merged = change.merged(&state.request_parameters);
    let written = IntegrationHeaderWritten {
        deployed: vec![("prod".into(), "dep2".into())],
        auto_deployed: vec![("dev".into(), Some("dep1".into()))],
    };

    let good = after(
        merged.clone(),
        &[("prod", "dep2", false), ("dev", "dep3", true)],
    );
    let seen = change.verify(&good, &written).expect("verified");
    assert!(seen.contains("stage prod serves dep2"), "{seen}");
    assert!(seen.contains("auto-deploy stage dev serves dep3"), "{seen}");

    let not_auto_deployed = after(
        merged.clone(),
        &[("prod", "dep2", false), ("dev", "dep1", true)],
    );
    let err = change.verify(&not_auto_deployed, &written).unwrap_err();
    assert!(
        err.contains("auto-deploy stage dev still serving dep1"),
        "{err}"
    );

    let overtaken = after(merged, &[("prod", "dep9", false), ("dev", "dep3", true)]);
    let err = change.verify(&overtaken, &written).unwrap_err();
    assert!(err.contains("stage prod serving dep9"), "{err}");

    let reverted = after(
        state.request_parameters.clone(),
        &[("prod", "dep2", false), ("dev", "dep3", true)],
    );
    let err = change.verify(&reverted, &written).unwrap_err();
    assert!(
        err.contains("without a header mapped to context.connectionId"),
        "{err}"
    );
}

#[test]
fn the_marker_tag_key_names_the_integration_and_reads_back() {
    let snapshot = snapshot(vec![stage("prod", "dep1", false)], &[]);
    let (change, _) = change_and_state(&snapshot);
    let marker = context(900).marker();
    let tags = map(&[(change.marker_key().as_str(), marker.tag_value().as_str())]);
    assert_eq!(Marker::from_tag(&tags, &change.marker_key()), Some(marker));
    assert!(
        change.marker_key().len() <= 128,
        "API Gateway tag keys are at most 128 characters"
    );
}

// ---------------------------------------------------------------------------------------------
// Review of issue 11: stages that must not be redeployed with the API's current definition
// ---------------------------------------------------------------------------------------------

/// The snapshot with a second, newer deployment `dep2` (one day old) that `dev` serves.
fn with_newer_release(prod: V2Stage, dev: V2Stage) -> Snapshot {
    let mut snapshot = snapshot(vec![prod, dev], &[]);
    snapshot.v2_apis[0].deployments.push(Deployment {
        id: "dep2".into(),
        created_date: Some((now() - Duration::days(1)).timestamp()),
        ..Deployment::default()
    });
    snapshot
}

// The everyday promotion setup: dev deploys itself (or is deployed by CI) and prod is promoted
// by hand; or prod was rolled back to an older deployment on purpose. The incident names no
// stage, so both are in the snapshot. Deploying the API's current definition on prod would ship
// dev's unpromoted changes (or undo the rollback) along with the header: redeploy_stage refuses
// that (STAGE_NOT_ON_LATEST_DEPLOYMENT), and so must this action.
#[test]
fn a_prod_stage_behind_dev_or_rolled_back_is_not_redeployed_with_the_header() {
    for dev_auto_deploys in [true, false] {
        let snapshot = with_newer_release(
            stage("prod", "dep1", false),
            stage("dev", "dep2", dev_auto_deploys),
        );
        let plan = planned(
            &snapshot,
            &config(&[("APIGW_DOCTOR_MODE", "apply")]),
            &context(900),
        );
        let row = header_row(&plan);
        assert_eq!(row.status, Status::Skipped, "{row:#?}");
        let reason = row.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains(
                "stage prod serves deployment dep1, older than the API's newest deployment dep2"
            ),
            "{reason}"
        );
        assert_eq!(header_changes(&plan), 0);
    }
}

// The same refusal holds at apply time, on the state read again right before the write.
#[test]
fn the_refusal_for_a_stage_behind_the_newest_deployment_is_judged_on_the_fresh_read_too() {
    let snapshot = snapshot(vec![stage("prod", "dep1", false)], &[]);
    let (change, mut state) = change_and_state(&snapshot);
    assert_eq!(change.refusal(&state), None);
    state.stages[0].deployments.push(Deployment {
        id: "dep2".into(),
        created_date: Some((now() - Duration::hours(1)).timestamp()),
        ..Deployment::default()
    });
    let reason = change.refusal(&state).expect("refused");
    assert!(
        reason.contains("stage prod serves deployment dep1"),
        "{reason}"
    );
}

// Two integrations of one API repaired in one run: the first one's deployments (prod, then dev)
// are this run's own, never "a newer deployment" that stops the second one, nor a redeploy_stage
// of the same run (SPEC §7).
#[test]
fn this_runs_own_header_deployments_are_no_newer_release() {
    let snapshot = snapshot(
        vec![stage("prod", "dep1", false), stage("dev", "dep1", false)],
        &[],
    );
    let (change, mut state) = change_and_state(&snapshot);
    let ours = |id: &str, stage: &str, minutes: i64| Deployment {
        id: id.into(),
        created_date: Some((now() - Duration::minutes(minutes)).timestamp()),
        description: Some(change.description(stage)),
        ..Deployment::default()
    };
    // The first integration's action deployed prod (depP), then dev (depD, a second later).
    let deployments = vec![
        snapshot.v2_apis[0].deployments[0].clone(),
        ours("depP", "prod", 2),
        ours("depD", "dev", 1),
    ];
    for (s, serving) in state.stages.iter_mut().zip(["depP", "depD"]) {
        s.deployment_id = Some(serving.into());
        s.deployments = deployments.clone();
    }
    assert_eq!(change.refusal(&state), None);

    let redeploy = super::RedeployStage {
        api_id: API.into(),
        kind: super::ApiKind::WebSocket,
        stage: "prod".into(),
        finding: Code::UndeployedChanges,
        seen_deployment: Some("dep1".into()),
        incident: "inc-1".into(),
        held_back: None,
    };
    let prod = state.stages[0].clone();
    assert_eq!(redeploy.refusal(&prod), None, "this run's own deployment");
    let done = redeploy.done(&prod).expect("already done");
    assert!(done.contains("now serves deployment depP"), "{done}");
}
