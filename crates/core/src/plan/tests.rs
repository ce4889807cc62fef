//! The plan (SPEC §7) on hand-built snapshots, the cooldown markers and the exit code: pure,
//! no AWS call.

use super::{cooldown, protected_by_tags, Context, Marker};
use crate::action::Action;
use crate::catalog::{Code, Severity};
use crate::config::Config;
use crate::finding::Finding;
use crate::intake::{Incident, IntakeSettings};
use crate::plan::{plan, ActionRow, Plan, Status};
use crate::report::Report;
use crate::snapshot::{
    AccountSettings, Deployment, Method, Resource, RestApi, RestStage, Snapshot, V2Api, V2Stage,
    Vpc, VpcEndpoint,
};
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------------------------

const API: &str = "a1b2c3d4e5";
const HTTP_API: &str = "h1t2t3p4a5";
const ENDPOINT: &str = "vpce-1";

/// 2026-11-21T10:30:00Z: the time of every run here.
pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 10, 30, 0)
        .single()
        .expect("a valid UTC time")
}

/// `seconds` before `now()`, as epoch seconds (what the snapshot stores).
fn ago(seconds: i64) -> i64 {
    (now() - Duration::seconds(seconds)).timestamp()
}

pub(super) fn context(cooldown_seconds: u64) -> Context {
    Context {
        incident_id: "inc-1".into(),
        now: now(),
        cooldown_seconds,
    }
}

pub(super) fn config(vars: &[(&str, &str)]) -> Config {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_vars(&vars).expect("valid configuration")
}

fn incident(event: Value) -> Incident {
    crate::intake::parse(
        &event,
        IntakeSettings {
            now: now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid event")
}

fn manual() -> Incident {
    incident(json!({ "api_id": API }))
}

/// A deployment serving `GET /items`, a part of the current definition.
fn deployment(id: &str, created: i64, description: Option<&str>) -> Deployment {
    let mut summary = BTreeMap::new();
    summary.insert("/items".to_string(), vec!["GET".to_string()]);
    Deployment {
        id: id.into(),
        description: description.map(str::to_string),
        created_date: Some(created),
        api_summary: Some(summary),
        api_key_methods: None,
    }
}

/// A private REST API whose stage `prod` serves `d-old` (an hour old), which lacks `POST /items`,
/// with execution logging off.
fn rest_api() -> RestApi {
    let mut summary = BTreeMap::new();
    summary.insert("/items".to_string(), vec!["GET".to_string()]);
    RestApi {
        id: API.into(),
        name: "orders".into(),
        endpoint_types: vec!["PRIVATE".into()],
        vpc_endpoint_ids: vec![ENDPOINT.into()],
        policy: Some(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#
                .into(),
        ),
        stages: vec![RestStage {
            name: "prod".into(),
            deployment_id: Some("d-old".into()),
            access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:a".into()),
            ..RestStage::default()
        }],
        deployments: vec![Deployment {
            api_summary: Some(summary),
            ..deployment("d-old", ago(3600), None)
        }],
        resources: vec![Resource {
            id: None,
            path: "/items".into(),
            methods: ["GET", "POST"]
                .iter()
                .map(|m| Method {
                    http_method: m.to_string(),
                    authorization_type: "NONE".into(),
                    integration: None,
                })
                .collect(),
        }],
        ..RestApi::default()
    }
}

fn snapshot() -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.rest_apis.push(rest_api());
    snapshot.network_read = true;
    snapshot.vpc_endpoints.push(VpcEndpoint {
        id: ENDPOINT.into(),
        vpc_id: "vpc-1".into(),
        service_name: "com.amazonaws.us-east-1.execute-api".into(),
        state: "available".into(),
        private_dns_enabled: false,
        dns_names: vec!["vpce-1-abcd.execute-api.us-east-1.vpce.amazonaws.com".into()],
        ..VpcEndpoint::default()
    });
    snapshot.vpcs.push(Vpc {
        id: "vpc-1".into(),
        cidrs: vec!["10.0.0.0/16".into()],
        dns_support: Some(true),
        dns_hostnames: Some(true),
    });
    snapshot.account_settings = Some(AccountSettings {
        cloudwatch_role_arn: Some("arn:aws:iam::123456789012:role/apigw-logs".into()),
    });
    snapshot
}

fn rest_stage(snapshot: &mut Snapshot) -> &mut RestStage {
    &mut snapshot.rest_apis[0].stages[0]
}

fn undeployed() -> Finding {
    Finding::new(Code::UndeployedChanges, "POST /items is not deployed")
        .api(API)
        .stage(Some("prod"))
        .resource("d-old")
}

fn policy_changed() -> Finding {
    Finding::new(
        Code::UndeployedPolicyChange,
        "the policy changed after d-old",
    )
    .api(API)
    .stage(Some("prod"))
    .resource("d-old")
}

fn private_dns_off() -> Finding {
    Finding::new(Code::VpcEndpointPrivateDnsDisabled, "private DNS is off")
        .api(API)
        .resource(ENDPOINT)
}

fn logging_off() -> Finding {
    Finding::new(Code::ExecutionLoggingDisabled, "no execution logs")
        .api(API)
        .stage(Some("prod"))
}

/// The plan in the configuration's mode.
fn plan_with(
    findings: &[Finding],
    snapshot: &Snapshot,
    incident: &Incident,
    config: &Config,
    context: &Context,
) -> Vec<ActionRow> {
    full_plan(findings, snapshot, incident, config, context).rows
}

/// The dry-run plan for one finding, with `enable_private_dns` the only action allowed.
fn private_dns_plan(finding: Finding, snapshot: &Snapshot) -> Vec<ActionRow> {
    let config = config(&[("APIGW_DOCTOR_ACTIONS", "enable_private_dns")]);
    plan_with(&[finding], snapshot, &manual(), &config, &context(900))
}

/// The plan with the changes an apply would make.
fn full_plan(
    findings: &[Finding],
    snapshot: &Snapshot,
    incident: &Incident,
    config: &Config,
    context: &Context,
) -> Plan {
    plan(findings, snapshot, incident, config, config.mode, context)
}

/// The plan of a dry run with the default configuration and a 900 s cooldown.
fn dry_run(findings: &[Finding], snapshot: &Snapshot) -> Vec<ActionRow> {
    plan_with(findings, snapshot, &manual(), &config(&[]), &context(900))
}

fn action(actions: &[ActionRow], name: Action) -> &ActionRow {
    actions
        .iter()
        .find(|a| a.action == name)
        .unwrap_or_else(|| panic!("no {name} in {actions:#?}"))
}

fn reason(action: &ActionRow) -> &str {
    action.reason.as_deref().unwrap_or_default()
}

fn assert_skipped(action: &ActionRow, needle: &str) {
    assert_eq!(action.status, Status::Skipped, "{action:#?}");
    assert!(
        reason(action).contains(needle),
        "reason should name {needle:?}: {:?}",
        action.reason
    );
}

fn assert_planned(action: &ActionRow) {
    assert_eq!(action.status, Status::Planned, "{action:#?}");
}

// ---------------------------------------------------------------------------------------------
// plan: dry run and allow-lists
// ---------------------------------------------------------------------------------------------

#[test]
fn dry_run_plans_allowed_actions_with_their_calls_and_skips_private_dns_unless_listed() {
    let snapshot = snapshot();
    let findings = crate::checks::run(&snapshot, &manual());
    let codes: Vec<Code> = findings.iter().map(|f| f.code).collect();
    for code in [
        Code::UndeployedChanges,
        Code::VpcEndpointPrivateDnsDisabled,
        Code::ExecutionLoggingDisabled,
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let actions = dry_run(&findings, &snapshot);
    assert_eq!(actions.len(), 3, "{actions:#?}");

    let redeploy = action(&actions, Action::RedeployStage);
    assert_planned(redeploy);
    assert_eq!(
        redeploy.reason.as_deref(),
        Some("dry-run: nothing was changed")
    );
    assert_eq!(redeploy.target, format!("{API}/prod"));
    assert_eq!(redeploy.finding, Code::UndeployedChanges);
    assert_eq!(
        redeploy.calls,
        vec![format!(
            "apigateway:CreateDeployment restApiId={API} stageName=prod description=\"apigw-doctor redeploy_stage stage=prod finding=UNDEPLOYED_CHANGES incident=inc-1\""
        )]
    );
    assert!(redeploy.risk.contains("d-old"), "{}", redeploy.risk);
    assert!(
        redeploy.undo.contains("value=d-old"),
        "undo repoints the stage at the old deployment: {}",
        redeploy.undo
    );
    assert_eq!(redeploy.before, json!({ "deployment_id": "d-old" }));
    let full = full_plan(&findings, &snapshot, &manual(), &config(&[]), &context(900));
    let changing: Vec<Action> = full
        .changes
        .iter()
        .map(|c| full.rows[c.row].action)
        .collect();
    assert_eq!(
        changing,
        vec![Action::RedeployStage, Action::EnableExecutionLogging],
        "the plan hands exactly the allowed changes to the apply step"
    );

    let logging = action(&actions, Action::EnableExecutionLogging);
    assert_planned(logging);
    assert_eq!(
        logging.reason.as_deref(),
        Some("dry-run: nothing was changed")
    );
    assert_eq!(logging.calls.len(), 2, "{:?}", logging.calls);
    assert!(
        logging.calls[0].contains("path=/*/*/logging/loglevel,value=INFO"),
        "{}",
        logging.calls[0]
    );
    assert!(
        logging.calls[1]
            .contains("apigw-doctor:enable_execution_logging=2026-11-21T10:30:00Z inc-1"),
        "{}",
        logging.calls[1]
    );
    assert!(!logging.risk.is_empty());
    assert!(logging.undo.contains("value=OFF"), "{}", logging.undo);
    assert_eq!(logging.before, json!({ "logging_level": "OFF" }));

    let dns = action(&actions, Action::EnablePrivateDns);
    assert_skipped(dns, "APIGW_DOCTOR_ACTIONS");
    assert_eq!(dns.target, ENDPOINT);
    assert_eq!(
        dns.calls[0], "ec2:ModifyVpcEndpoint VpcEndpointId=vpce-1 PrivateDnsEnabled=true",
        "a skipped action still says what it would do"
    );
    assert_eq!(dns.before, json!({ "private_dns_enabled": false }));
}

#[test]
fn listing_enable_private_dns_explicitly_plans_it() {
    let config = config(&[("APIGW_DOCTOR_ACTIONS", "redeploy_stage,enable_private_dns")]);
    let actions = plan_with(
        &[private_dns_off(), logging_off()],
        &snapshot(),
        &manual(),
        &config,
        &context(900),
    );
    assert_planned(action(&actions, Action::EnablePrivateDns));
    assert_skipped(
        action(&actions, Action::EnableExecutionLogging),
        "enable_execution_logging is not in APIGW_DOCTOR_ACTIONS (redeploy_stage,enable_private_dns)",
    );
}

#[test]
fn apply_mode_plans_without_the_dry_run_reason() {
    let config = config(&[("APIGW_DOCTOR_MODE", "apply")]);
    let actions = plan_with(
        &[undeployed()],
        &snapshot(),
        &manual(),
        &config,
        &context(900),
    );
    assert_planned(&actions[0]);
    assert_eq!(actions[0].reason, None);
}

#[test]
fn the_events_actions_narrow_the_configured_list() {
    let narrowed = incident(json!({ "api_id": API, "actions": [Action::RedeployStage] }));
    let actions = plan_with(
        &[undeployed(), logging_off()],
        &snapshot(),
        &narrowed,
        &config(&[]),
        &context(900),
    );
    assert_planned(action(&actions, Action::RedeployStage));
    assert_skipped(
        action(&actions, Action::EnableExecutionLogging),
        "not in this event's `actions` (redeploy_stage)",
    );
}

// ---------------------------------------------------------------------------------------------
// plan: refusals
// ---------------------------------------------------------------------------------------------

#[test]
fn a_stage_tagged_skip_is_not_changed_by_any_stage_action() {
    let mut snapshot = snapshot();
    rest_stage(&mut snapshot)
        .tags
        .insert("apigw-doctor:skip".into(), "True".into());
    let actions = dry_run(&[undeployed(), logging_off()], &snapshot);
    for name in [Action::RedeployStage, Action::EnableExecutionLogging] {
        assert_skipped(
            action(&actions, name),
            "the stage is tagged apigw-doctor:skip=true",
        );
    }
}

#[test]
fn an_api_owned_by_cloudformation_names_the_stack_to_fix() {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0]
        .tags
        .insert("aws:cloudformation:stack-name".into(), "orders-prod".into());
    let actions = dry_run(&[undeployed(), logging_off()], &snapshot);
    for name in [Action::RedeployStage, Action::EnableExecutionLogging] {
        assert_skipped(
            action(&actions, name),
            "the API is owned by CloudFormation stack orders-prod",
        );
    }
}

#[test]
fn an_endpoint_tagged_skip_keeps_private_dns_off() {
    let mut snapshot = snapshot();
    snapshot.vpc_endpoints[0]
        .tags
        .insert("apigw-doctor:skip".into(), "true".into());
    let actions = private_dns_plan(private_dns_off(), &snapshot);
    assert_skipped(&actions[0], "the endpoint is tagged apigw-doctor:skip=true");
}

#[test]
fn private_dns_is_refused_while_the_vpc_has_dns_support_off() {
    let mut snapshot = snapshot();
    snapshot.vpcs[0].dns_support = Some(false);
    let actions = private_dns_plan(private_dns_off(), &snapshot);
    assert_skipped(&actions[0], "VPC_DNS_DISABLED");
    assert!(reason(&actions[0]).contains("vpc-1"), "{:?}", actions[0]);
}

// SPEC §7 enable_private_dns: refused while the finding is only a warning, and while another
// endpoint of the same VPC already serves it with private DNS.
#[test]
fn private_dns_is_refused_when_the_default_hostname_is_not_known_to_be_used() {
    let actions = private_dns_plan(private_dns_off().severity(Severity::Warning), &snapshot());
    assert_skipped(&actions[0], "not known to use the default hostname");
}

#[test]
fn private_dns_is_refused_while_another_endpoint_of_the_vpc_has_it_on() {
    let mut snapshot = snapshot();
    let mut second = snapshot.vpc_endpoints[0].clone();
    second.id = "vpce-2".into();
    second.private_dns_enabled = true;
    snapshot.vpc_endpoints.push(second.clone());
    let actions = private_dns_plan(private_dns_off(), &snapshot);
    assert_skipped(
        &actions[0],
        "vpce-2 of the same VPC vpc-1 already has private DNS on",
    );
    // An endpoint of another VPC, or one being deleted, does not serve this VPC.
    for (vpc, state) in [("vpc-2", "available"), ("vpc-1", "deleting")] {
        let last = snapshot.vpc_endpoints.last_mut().expect("second endpoint");
        last.vpc_id = vpc.into();
        last.state = state.into();
        let actions = private_dns_plan(private_dns_off(), &snapshot);
        assert_planned(&actions[0]);
    }
}

#[test]
fn private_dns_already_on_is_already_done() {
    let mut snapshot = snapshot();
    snapshot.vpc_endpoints[0].private_dns_enabled = true;
    let actions = private_dns_plan(private_dns_off(), &snapshot);
    assert_eq!(actions[0].status, Status::Skipped);
    assert!(
        reason(&actions[0]).starts_with("already done:"),
        "{:?}",
        actions[0].reason
    );
}

#[test]
fn execution_logging_is_refused_without_the_accounts_cloudwatch_role() {
    let mut snapshot = snapshot();
    snapshot.account_settings = Some(AccountSettings {
        cloudwatch_role_arn: None,
    });
    let actions = dry_run(&[logging_off()], &snapshot);
    assert_skipped(&actions[0], "ACCOUNT_CLOUDWATCH_ROLE_MISSING");

    // Settings that were not read are no reason to refuse: the apply reads them again.
    snapshot.account_settings = None;
    assert_planned(&dry_run(&[logging_off()], &snapshot)[0]);
}

fn v2_snapshot(protocol: &str, auto_deploy: bool) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.v2_apis.push(V2Api {
        id: HTTP_API.into(),
        name: "carts".into(),
        protocol: protocol.into(),
        stages: vec![V2Stage {
            name: "prod".into(),
            deployment_id: Some("v2-old".into()),
            auto_deploy,
            ..V2Stage::default()
        }],
        deployments: vec![deployment("v2-old", ago(3600), None)],
        ..V2Api::default()
    });
    snapshot
}

fn v2_undeployed() -> Finding {
    Finding::new(Code::UndeployedChanges, "the stage lags the definition")
        .api(HTTP_API)
        .stage(Some("prod"))
}

#[test]
fn an_http_stage_with_auto_deploy_is_not_redeployed() {
    let actions = dry_run(&[v2_undeployed()], &v2_snapshot("HTTP", true));
    assert_skipped(&actions[0], "autoDeploy");
    assert_eq!(actions[0].target, format!("{HTTP_API}/prod"));
}

#[test]
fn a_websocket_stage_with_auto_deploy_is_not_redeployed_either() {
    let actions = dry_run(&[v2_undeployed()], &v2_snapshot("WEBSOCKET", true));
    assert_skipped(&actions[0], "stage prod of WebSocket API");
    assert_skipped(&actions[0], "autoDeploy");
    let manual = dry_run(&[v2_undeployed()], &v2_snapshot("WEBSOCKET", false));
    assert_planned(&manual[0]);
}

#[test]
fn an_http_stage_without_auto_deploy_is_redeployed_through_apigatewayv2() {
    let actions = dry_run(&[v2_undeployed()], &v2_snapshot("HTTP", false));
    assert_planned(&actions[0]);
    assert!(
        actions[0].calls[0].starts_with(&format!(
            "apigatewayv2:CreateDeployment ApiId={HTTP_API} StageName=prod"
        )),
        "{:?}",
        actions[0].calls
    );
    assert_eq!(
        actions[0].undo,
        format!("apigatewayv2:UpdateStage ApiId={HTTP_API} StageName=prod DeploymentId=v2-old")
    );
}

// ---------------------------------------------------------------------------------------------
// plan: cooldown, from the state AWS keeps
// ---------------------------------------------------------------------------------------------

/// A deployment apigw-doctor made for `stage` at `created`. When that stage is `prod`, prod
/// serves it (the redeploy took); otherwise prod serves a newer one of its own, so only the
/// marker's stage differs.
fn with_doctor_deployment(stage: &str, created: i64) -> Snapshot {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0].deployments.push(deployment(
        "d-doctor",
        created,
        Some(&format!(
            "apigw-doctor redeploy_stage stage={stage} finding=UNDEPLOYED_CHANGES incident=x"
        )),
    ));
    let serving = if stage == "prod" {
        "d-doctor"
    } else {
        snapshot.rest_apis[0]
            .deployments
            .push(deployment("d-prod", created + 1, None));
        "d-prod"
    };
    rest_stage(&mut snapshot).deployment_id = Some(serving.into());
    snapshot
}

#[test]
fn a_redeploy_made_within_the_cooldown_is_skipped() {
    let actions = dry_run(&[undeployed()], &with_doctor_deployment("prod", ago(60)));
    assert_eq!(actions[0].status, Status::Skipped, "{actions:#?}");
    assert!(
        reason(&actions[0]).starts_with("cooldown:"),
        "{:?}",
        actions[0].reason
    );
    assert!(
        reason(&actions[0]).contains("incident x"),
        "{:?}",
        actions[0].reason
    );
}

#[test]
fn a_redeploy_older_than_the_cooldown_does_not_hold_the_next_one() {
    let actions = dry_run(&[undeployed()], &with_doctor_deployment("prod", ago(2000)));
    assert_planned(&actions[0]);
}

#[test]
fn a_redeploy_of_another_stage_does_not_count() {
    let actions = dry_run(&[undeployed()], &with_doctor_deployment("staging", ago(60)));
    assert_planned(&actions[0]);
    let actions = dry_run(&[undeployed()], &with_doctor_deployment("prod2", ago(60)));
    assert_planned(&actions[0]);
}

#[test]
fn a_deployment_someone_else_made_is_no_cooldown() {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0].deployments.push(deployment(
        "d-human",
        ago(60),
        Some("stage=prod hotfix"),
    ));
    rest_stage(&mut snapshot).deployment_id = Some("d-human".into());
    assert_planned(&dry_run(&[undeployed()], &snapshot)[0]);
}

#[test]
fn a_stage_behind_the_newest_deployment_is_not_redeployed_it_may_be_a_rollback() {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0]
        .deployments
        .push(deployment("d-new", ago(60), Some("release 2")));
    let actions = dry_run(&[undeployed()], &snapshot);
    assert_skipped(
        action(&actions, Action::RedeployStage),
        "stage prod serves deployment d-old, older than the API's newest deployment d-new (STAGE_NOT_ON_LATEST_DEPLOYMENT)",
    );
}

// SPEC §7 redeploy_stage: the whole picture is judged before any change.
fn redeploy_reason(findings: &[Finding], snapshot: &Snapshot) -> String {
    let actions = dry_run(findings, snapshot);
    let row = action(&actions, Action::RedeployStage);
    assert_eq!(row.status, Status::Skipped, "{row:#?}");
    reason(row).to_string()
}

fn on_api(code: Code, severity: Severity) -> Finding {
    Finding::new(code, "the policy").api(API).severity(severity)
}

#[test]
fn no_redeploy_while_the_private_api_has_no_policy() {
    let reason = redeploy_reason(
        &[
            policy_changed(),
            on_api(Code::PrivateApiNoPolicy, Severity::Error),
        ],
        &snapshot(),
    );
    assert!(reason.contains("PRIVATE_API_NO_POLICY"), "{reason}");
}

#[test]
fn no_redeploy_while_the_current_policy_denies() {
    let reason = redeploy_reason(
        &[
            policy_changed(),
            on_api(Code::PolicyDeniesVpcEndpoint, Severity::Error),
        ],
        &snapshot(),
    );
    assert!(reason.contains("POLICY_DENIES_VPC_ENDPOINT"), "{reason}");
}

#[test]
fn no_redeploy_while_the_policy_cannot_be_evaluated() {
    let unreadable = on_api(Code::PolicyDeniesVpcEndpoint, Severity::Warning)
        .evidence(json!({ "undecided": ["not JSON"], "policy": "{" }));
    let reason = redeploy_reason(&[policy_changed(), unreadable], &snapshot());
    assert!(reason.contains("could not be evaluated"), "{reason}");
    let mut unread = snapshot();
    unread.network_read = false;
    let reason = redeploy_reason(&[policy_changed()], &unread);
    assert!(reason.contains("could not be evaluated"), "{reason}");
}

#[test]
fn an_undecidable_caller_does_not_hold_a_redeploy_back() {
    // A warning that only says the caller's identity decides is no reason to keep the policy
    // change undeployed: deploying does not change who the caller is.
    let identity = on_api(Code::PolicyDeniesVpcEndpoint, Severity::Warning).evidence(json!({
        "undecided": ["the caller's identity is not known"],
        "undecided_by_caller_only": true,
    }));
    let actions = dry_run(&[policy_changed(), identity], &snapshot());
    assert_eq!(
        action(&actions, Action::RedeployStage).status,
        Status::Planned,
        "{actions:#?}"
    );
}

#[test]
fn a_public_api_is_not_held_back_by_policy_rules() {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0].endpoint_types = vec!["REGIONAL".into()];
    snapshot.network_read = false;
    let actions = dry_run(&[undeployed()], &snapshot);
    assert_planned(action(&actions, Action::RedeployStage));
}

#[test]
fn no_redeploy_that_would_drop_a_method_the_stage_serves() {
    let mut snapshot = snapshot();
    let served = snapshot.rest_apis[0].deployments[0]
        .api_summary
        .as_mut()
        .expect("summary");
    served.insert("/legacy".into(), vec!["DELETE".into()]);
    let reason = redeploy_reason(&[undeployed()], &snapshot);
    assert!(reason.contains("DELETE /legacy"), "{reason}");
    assert!(reason.contains("stage prod"), "{reason}");
}

// SPEC §7: every stage a finding names is redeployed; the run's own deployments for other
// stages are the same definition, never "a newer deployment".
#[test]
fn this_runs_deployment_for_another_stage_is_not_a_newer_release() {
    let made = |incident: &str| {
        let mut snapshot = snapshot();
        snapshot.rest_apis[0].deployments.push(deployment(
            "d-staging",
            ago(5),
            Some(&format!(
                "apigw-doctor redeploy_stage stage=staging finding=UNDEPLOYED_POLICY_CHANGE incident={incident}"
            )),
        ));
        snapshot
    };
    let actions = dry_run(&[policy_changed()], &made("inc-1"));
    assert_planned(action(&actions, Action::RedeployStage));
    let reason = redeploy_reason(&[policy_changed()], &made("an earlier incident"));
    assert!(reason.contains("newest deployment d-staging"), "{reason}");
}

// Issue 14: no action is applied on incomplete evidence, and the dry run says the same.
#[test]
fn nothing_is_applied_while_a_read_failed() {
    let mut snapshot = snapshot();
    snapshot.incomplete.push(crate::snapshot::Incomplete {
        step: "ec2:DescribeNetworkAcls".into(),
        error: "Throttling".into(),
        detail: "Rate exceeded".into(),
    });
    let reason = redeploy_reason(&[undeployed()], &snapshot);
    assert!(
        reason.starts_with("nothing is applied on incomplete evidence: ec2:DescribeNetworkAcls"),
        "{reason}"
    );
}

// Found with eight parallel runs of one incident: the run that takes the lock last finds the
// stage on the deployment another run made for this incident. That is "already done", not a
// stage behind "the newest deployment" (the older release it replaced).
#[test]
fn a_stage_a_parallel_run_of_this_incident_redeployed_is_already_done() {
    let snapshot = snapshot();
    let finding = policy_changed();
    let (change, mut state) = crate::plan::RedeployStage::from_snapshot(
        &finding,
        &snapshot,
        std::slice::from_ref(&finding),
        "inc-1",
    )
    .expect("the stage is in the snapshot");
    // What the apply re-reads once the other run has released the lock.
    state.deployments.push(deployment(
        "d-parallel",
        ago(5),
        Some("apigw-doctor redeploy_stage stage=prod finding=UNDEPLOYED_POLICY_CHANGE incident=inc-1"),
    ));
    state.deployment_id = Some("d-parallel".into());
    let reason = super::obstacle(&change, &state, &context(900)).expect("nothing to do");
    assert!(
        reason.starts_with("already done: the stage now serves deployment d-parallel"),
        "{reason}"
    );
}

#[test]
fn a_remedy_whose_resource_was_not_read_is_still_listed_as_skipped() {
    let finding = Finding::new(Code::VpcLinkFailed, "the VPC link failed").resource("vl-1");
    let actions = dry_run(&[finding], &snapshot());
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0].action, Action::RecreateVpcLink);
    assert_eq!(actions[0].target, "vl-1");
    assert_skipped(
        &actions[0],
        "vl-1 is not in what this run read, so its change cannot be planned",
    );
}

fn tag_marker(seconds_ago: i64, incident: &str) -> String {
    format!(
        "{} {incident}",
        (now() - Duration::seconds(seconds_ago)).to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

#[test]
fn the_execution_logging_tag_on_the_stage_holds_the_cooldown() {
    let key = "apigw-doctor:enable_execution_logging";
    let mut recent = snapshot();
    rest_stage(&mut recent)
        .tags
        .insert(key.into(), tag_marker(60, "inc-0"));
    let actions = dry_run(&[logging_off()], &recent);
    assert_eq!(actions[0].status, Status::Skipped, "{actions:#?}");
    assert!(
        reason(&actions[0]).starts_with("cooldown:"),
        "{:?}",
        actions[0].reason
    );
    assert!(reason(&actions[0]).contains("inc-0"));

    let mut old = snapshot();
    rest_stage(&mut old)
        .tags
        .insert(key.into(), tag_marker(2000, "inc-0"));
    assert_planned(&dry_run(&[logging_off()], &old)[0]);

    // The redeploy marker does not hold another action.
    let mut other = snapshot();
    rest_stage(&mut other).tags.insert(
        "apigw-doctor:redeploy_stage".into(),
        tag_marker(60, "inc-0"),
    );
    assert_planned(&dry_run(&[logging_off()], &other)[0]);
}

#[test]
fn the_private_dns_tag_on_the_endpoint_holds_the_cooldown() {
    let mut snapshot = snapshot();
    snapshot.vpc_endpoints[0].tags.insert(
        "apigw-doctor:enable_private_dns".into(),
        tag_marker(60, "inc-0"),
    );
    let actions = private_dns_plan(private_dns_off(), &snapshot);
    assert!(reason(&actions[0]).starts_with("cooldown:"), "{actions:#?}");
}

// ---------------------------------------------------------------------------------------------
// plan: one action per change, in the order of application
// ---------------------------------------------------------------------------------------------

#[test]
fn two_findings_asking_for_one_redeploy_share_it_and_the_plan_follows_the_order() {
    let findings = [
        logging_off(),
        private_dns_off(),
        policy_changed(),
        undeployed(),
    ];
    let config = config(&[(
        "APIGW_DOCTOR_ACTIONS",
        "redeploy_stage,enable_private_dns,enable_execution_logging",
    )]);
    let actions = plan_with(&findings, &snapshot(), &manual(), &config, &context(900));
    let names: Vec<Action> = actions.iter().map(|a| a.action).collect();
    assert_eq!(
        names,
        vec![
            Action::RedeployStage,
            Action::EnablePrivateDns,
            Action::EnableExecutionLogging
        ]
    );
    let redeploy = &actions[0];
    assert_eq!(redeploy.finding, Code::UndeployedPolicyChange);
    assert!(redeploy.repairs(&policy_changed()));
    assert!(redeploy.repairs(&undeployed()));
    assert!(!redeploy.repairs(&logging_off()));
    assert!(
        actions.iter().all(|a| a.status == Status::Planned),
        "{actions:#?}"
    );
}

#[test]
fn the_same_code_on_two_stages_is_two_redeploys() {
    let mut snapshot = snapshot();
    let mut staging = snapshot.rest_apis[0].stages[0].clone();
    staging.name = "staging".into();
    snapshot.rest_apis[0].stages.push(staging);
    let other = undeployed().stage(Some("staging"));
    let actions = dry_run(&[undeployed(), other.clone()], &snapshot);
    assert_eq!(actions.len(), 2, "{actions:#?}");
    assert!(actions[1].repairs(&other));
    assert!(!actions[0].repairs(&other));
}

// ---------------------------------------------------------------------------------------------
// report: exit code
// ---------------------------------------------------------------------------------------------

fn report(findings: Vec<Finding>, actions: Vec<ActionRow>) -> Report {
    let mut report = Report::new(&manual(), &snapshot(), "apply");
    report.findings = findings;
    report.actions = actions;
    report
}

fn planned_redeploy(findings: &[Finding], status: Status) -> Vec<ActionRow> {
    let mut actions = dry_run(findings, &snapshot());
    for a in &mut actions {
        a.status = status;
    }
    actions
}

#[test]
fn an_error_repaired_by_a_verified_action_no_longer_fails_the_run() {
    let findings = vec![policy_changed(), undeployed()];
    assert_eq!(policy_changed().severity, Severity::Error);
    let verified = planned_redeploy(&findings, Status::Verified);
    assert_eq!(report(findings.clone(), verified).exit_code(), 0);
    for status in [Status::Planned, Status::Applied, Status::Skipped] {
        let actions = planned_redeploy(&findings, status);
        assert_eq!(
            report(findings.clone(), actions).exit_code(),
            1,
            "an error finding remains while its action is {status:?}"
        );
    }
}

#[test]
fn a_verified_action_on_another_stage_does_not_repair_the_error() {
    let mut snapshot = snapshot();
    let mut staging = snapshot.rest_apis[0].stages[0].clone();
    staging.name = "staging".into();
    snapshot.rest_apis[0].stages.push(staging);
    let mut actions = dry_run(&[policy_changed().stage(Some("staging"))], &snapshot);
    actions[0].status = Status::Verified;
    assert_eq!(report(vec![policy_changed()], actions).exit_code(), 1);
}

#[test]
fn a_failed_action_fails_the_run() {
    let findings = vec![undeployed()];
    assert_eq!(undeployed().severity, Severity::Warning);
    let planned = planned_redeploy(&findings, Status::Planned);
    assert_eq!(report(findings.clone(), planned).exit_code(), 0);
    let failed = planned_redeploy(&findings, Status::Failed);
    assert_eq!(report(findings, failed).exit_code(), 1);
}

// ---------------------------------------------------------------------------------------------
// markers, cooldown, tags
// ---------------------------------------------------------------------------------------------

fn marker(incident: &str) -> Marker {
    Marker {
        at: now(),
        incident: incident.into(),
    }
}

#[test]
fn a_marker_round_trips_through_the_tags() {
    let marker = marker("manual-20261121T103000.000Z");
    assert_eq!(
        marker.tag_value(),
        "2026-11-21T10:30:00Z manual-20261121T103000.000Z"
    );
    let tags = BTreeMap::from([(
        Marker::tag_key(Action::EnablePrivateDns),
        marker.tag_value(),
    )]);
    assert_eq!(
        Marker::from_tags(&tags, Action::EnablePrivateDns),
        Some(marker.clone())
    );
    assert_eq!(
        Marker::from_tags(&tags, Action::EnableExecutionLogging),
        None
    );
    let garbage = BTreeMap::from([(
        Marker::tag_key(Action::EnablePrivateDns),
        "yesterday inc-1".to_string(),
    )]);
    assert_eq!(Marker::from_tags(&garbage, Action::EnablePrivateDns), None);
}

#[test]
fn a_marker_replaces_characters_tags_do_not_accept() {
    let value = marker("inc#1 (ü)").tag_value();
    assert_eq!(value, "2026-11-21T10:30:00Z inc_1 ___");
    assert!(value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c)));
}

#[test]
fn a_marker_never_exceeds_256_characters() {
    for long in ["x".repeat(1000), "é".repeat(1000)] {
        let value = marker(&long).tag_value();
        assert_eq!(value.len(), 256, "bytes");
        assert_eq!(value.chars().count(), 256);
        assert!(value.starts_with("2026-11-21T10:30:00Z "));
    }
}

#[test]
fn the_cooldown_ends_when_its_window_has_passed() {
    let context = context(900);
    let at = |seconds: i64| {
        Some(Marker {
            at: now() - Duration::seconds(seconds),
            incident: "inc-0".into(),
        })
    };
    assert_eq!(
        cooldown(Action::RedeployStage, "t", at(900), &context),
        None
    );
    assert_eq!(
        cooldown(Action::RedeployStage, "t", at(901), &context),
        None
    );
    let held = cooldown(Action::RedeployStage, "a/prod", at(899), &context).expect("in cooldown");
    assert!(
        held.starts_with("cooldown: redeploy_stage was applied to a/prod"),
        "{held}"
    );
    assert!(held.contains("899 s ago"), "{held}");
    assert_eq!(cooldown(Action::RedeployStage, "t", None, &context), None);
    let no_window = super::Context {
        cooldown_seconds: 0,
        ..context
    };
    assert_eq!(
        cooldown(Action::RedeployStage, "t", at(0), &no_window),
        None
    );
}

#[test]
fn tags_protect_a_resource_only_when_they_say_so() {
    let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert!(protected_by_tags("the stage", &tags(&[("apigw-doctor:skip", " TRUE ")])).is_some());
    assert_eq!(
        protected_by_tags("the stage", &tags(&[("apigw-doctor:skip", "false")])),
        None
    );
    assert_eq!(
        protected_by_tags("the stage", &tags(&[("team", "orders")])),
        None
    );
    let stack = protected_by_tags(
        "the API",
        &tags(&[("aws:cloudformation:stack-name", "orders-prod")]),
    )
    .expect("owned by a stack");
    assert!(stack.contains("stack orders-prod"), "{stack}");
}

#[test]
fn websocket_execution_logging_is_set_through_apigatewayv2_and_http_apis_get_none() {
    let ws_logging = || {
        Finding::new(Code::ExecutionLoggingDisabled, "no execution logs")
            .api(HTTP_API)
            .stage(Some("prod"))
    };
    let actions = dry_run(&[ws_logging()], &v2_snapshot("WEBSOCKET", false));
    assert_planned(&actions[0]);
    assert!(
        actions[0].calls[0].starts_with(&format!(
            "apigatewayv2:UpdateStage ApiId={HTTP_API} StageName=prod DefaultRouteSettings={{LoggingLevel=INFO"
        )),
        "{:?}",
        actions[0].calls
    );
    assert!(
        actions[0].calls[1].contains(&format!(
            "ResourceArn=arn:aws:apigateway:us-east-1::/apis/{HTTP_API}/stages/prod"
        )),
        "{:?}",
        actions[0].calls
    );
    // HTTP APIs have no execution logging: nothing can be planned, and the report says so.
    let http = dry_run(&[ws_logging()], &v2_snapshot("HTTP", false));
    assert_skipped(&http[0], "its change cannot be planned");
    assert!(http[0].calls.is_empty());
}

// ---------------------------------------------------------------------------------------------
// verdicts
// ---------------------------------------------------------------------------------------------

fn failure(kind: crate::failure::FailureKind, code: &str) -> crate::failure::CallFailure {
    crate::failure::CallFailure {
        step: "apigateway:CreateDeployment".into(),
        kind,
        code: code.into(),
        detail: "detail".into(),
    }
}

#[test]
fn a_call_cut_off_by_the_deadline_is_pending_and_says_the_next_run_resumes_it() {
    let verdict = super::Verdict::from_failure(
        "the change was refused",
        &failure(crate::failure::FailureKind::Deadline, "Deadline"),
    );
    assert_eq!(verdict.status, Status::Pending);
    assert!(
        verdict
            .reason
            .ends_with("the next invocation for this target resumes it"),
        "{}",
        verdict.reason
    );
}

#[test]
fn a_refused_call_is_failed_with_the_step_and_code() {
    let verdict = super::Verdict::from_failure(
        "the change was refused",
        &failure(
            crate::failure::FailureKind::AccessDenied,
            "AccessDeniedException",
        ),
    );
    assert_eq!(verdict.status, Status::Failed);
    assert_eq!(
        verdict.reason,
        "the change was refused: apigateway:CreateDeployment AccessDeniedException (detail)"
    );
}

// ---------------------------------------------------------------------------------------------
// blast radius: sweeps, the change budget, relevance first (SPEC §7)
// ---------------------------------------------------------------------------------------------

const THREE_ACTIONS: &str = "redeploy_stage,enable_private_dns,enable_execution_logging";

fn three_findings() -> [Finding; 3] {
    [undeployed(), private_dns_off(), logging_off()]
}

#[test]
fn a_sweep_plans_but_applies_nothing_unless_its_event_lists_actions() {
    let config = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", THREE_ACTIONS),
    ]);
    let sweep = incident(json!({ "sweep": true }));
    let plan = full_plan(
        &three_findings(),
        &snapshot(),
        &sweep,
        &config,
        &context(900),
    );
    assert!(plan.changes.is_empty(), "{plan:#?}");
    for row in &plan.rows {
        assert_skipped(row, "a sweep plans but applies nothing");
        assert!(
            !row.calls.is_empty(),
            "the plan still says what it would do"
        );
    }
    let listed = incident(json!({ "sweep": true, "actions": ["redeploy_stage"] }));
    let plan = full_plan(
        &three_findings(),
        &snapshot(),
        &listed,
        &config,
        &context(900),
    );
    assert_planned(action(&plan.rows, Action::RedeployStage));
    assert_skipped(
        action(&plan.rows, Action::EnablePrivateDns),
        "not in this event's `actions`",
    );
    assert_eq!(plan.changes.len(), 1);
}

#[test]
fn the_change_budget_skips_the_changes_past_it_naming_the_budget() {
    for (budget, planned) in [("0", 0), ("1", 1), ("2", 2), ("3", 3)] {
        let config = config(&[
            ("APIGW_DOCTOR_MODE", "apply"),
            ("APIGW_DOCTOR_ACTIONS", THREE_ACTIONS),
            ("APIGW_DOCTOR_MAX_CHANGES", budget),
        ]);
        let plan = full_plan(
            &three_findings(),
            &snapshot(),
            &manual(),
            &config,
            &context(900),
        );
        assert_eq!(plan.changes.len(), planned, "budget {budget}: {plan:#?}");
        let over: Vec<&ActionRow> = plan
            .rows
            .iter()
            .filter(|r| r.status == Status::Skipped)
            .collect();
        assert_eq!(over.len(), 3 - planned, "budget {budget}");
        for row in over {
            assert_skipped(row, "APIGW_DOCTOR_MAX_CHANGES");
        }
    }
}

#[test]
fn a_skipped_action_does_not_spend_the_budget() {
    let config = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_MAX_CHANGES", "2"),
    ]);
    // enable_private_dns is not listed: skipped, so the other two both fit.
    let plan = full_plan(
        &three_findings(),
        &snapshot(),
        &manual(),
        &config,
        &context(900),
    );
    assert_eq!(plan.changes.len(), 2, "{plan:#?}");
    assert_skipped(
        action(&plan.rows, Action::EnablePrivateDns),
        "APIGW_DOCTOR_ACTIONS",
    );
}

#[test]
fn changes_most_relevant_to_the_symptom_come_first_and_get_the_budget() {
    let config = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", THREE_ACTIONS),
        ("APIGW_DOCTOR_MAX_CHANGES", "2"),
    ]);
    // A 410: private DNS explains no "gone", the other two may.
    let gone = incident(json!({ "api_id": API, "symptom": "gone" }));
    let plan = full_plan(
        &three_findings(),
        &snapshot(),
        &gone,
        &config,
        &context(900),
    );
    let order: Vec<Action> = plan.rows.iter().map(|r| r.action).collect();
    assert_eq!(
        order,
        vec![
            Action::RedeployStage,
            Action::EnableExecutionLogging,
            Action::EnablePrivateDns
        ]
    );
    assert_skipped(
        action(&plan.rows, Action::EnablePrivateDns),
        "change budget",
    );
    // Without a symptom, the order of application.
    let plan = full_plan(
        &three_findings(),
        &snapshot(),
        &manual(),
        &config,
        &context(900),
    );
    let order: Vec<Action> = plan.rows.iter().map(|r| r.action).collect();
    assert_eq!(
        order,
        vec![
            Action::RedeployStage,
            Action::EnablePrivateDns,
            Action::EnableExecutionLogging
        ]
    );
    assert_skipped(
        action(&plan.rows, Action::EnableExecutionLogging),
        "change budget",
    );
}

#[test]
fn a_status_has_one_name_in_json_text_and_the_audit_record() {
    for status in [
        Status::Planned,
        Status::Applied,
        Status::Verified,
        Status::Skipped,
        Status::Failed,
        Status::Pending,
    ] {
        assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
    }
}
