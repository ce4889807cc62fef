//! `recreate_vpc_link` (SPEC §7) on hand-built snapshots: the calls a dry run lists (creation
//! with the old link's targets and tags plus `replaces`, the wait, the repoint of direct ids and
//! stage variables, the redeploys), the refusals (VPC_LINK_TARGET_MISSING, INACTIVE, tags), the
//! resume of a pending replacement, the cooldown and the verdict. Pure, no AWS call.

use super::tests::{config, context, now};
use super::{
    obstacle, plan, AffectedStage, ApiKind, LinkUse, Marker, RecreateVpcLink, Rules, Status,
    VpcLinkState, VpcLinkWritten,
};
use crate::action::Action;
use crate::catalog::Code;
use crate::checks;
use crate::config::Mode;
use crate::intake::{Incident, IntakeSettings};
use crate::snapshot::{
    Deployment, Method, MethodIntegration, PrivatePath, Resource, RestApi, RestStage, Snapshot,
    V2Api, VpcLink, VpcLinkVersion,
};
use chrono::Duration;
use serde_json::json;
use std::collections::BTreeMap;

const API: &str = "a1b2c3d4e5";
const NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/backend/50dc6c495c0c9188";

fn incident() -> Incident {
    crate::intake::parse(
        &json!({ "api_id": API, "symptom": "server-error" }),
        IntakeSettings {
            now: now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid event")
}

fn link(id: &str, status: &str, tags: &[(&str, &str)]) -> VpcLink {
    VpcLink {
        id: id.into(),
        version: VpcLinkVersion::V1,
        name: "orders".into(),
        status: status.into(),
        status_message: None,
        target_arns: vec![NLB.into()],
        subnet_ids: vec![],
        security_group_ids: vec![],
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn deployment(id: &str, seconds_ago: i64, description: Option<&str>) -> Deployment {
    Deployment {
        id: id.into(),
        description: description.map(str::to_string),
        created_date: Some((now() - Duration::seconds(seconds_ago)).timestamp()),
        ..Deployment::default()
    }
}

/// A REST API whose GET /items names link vl-old directly and whose POST /items names it
/// through stage variable `link` on stages prod and beta (both serving d1).
fn snapshot(old: VpcLink) -> Snapshot {
    let integration = |connection: &str| MethodIntegration {
        connection_type: Some("VPC_LINK".into()),
        connection_id: Some(connection.into()),
        uri: Some("http://backend.internal/items".into()),
        ..MethodIntegration::default()
    };
    let stage = |name: &str| RestStage {
        name: name.into(),
        deployment_id: Some("d1".into()),
        logging_level: Some("INFO".into()),
        access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:a".into()),
        variables: BTreeMap::from([("link".to_string(), old.id.clone())]),
        ..RestStage::default()
    };
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.rest_apis.push(RestApi {
        id: API.into(),
        name: "orders".into(),
        endpoint_types: vec!["REGIONAL".into()],
        stages: vec![stage("prod"), stage("beta")],
        deployments: vec![deployment("d1", 3600, Some("release 7"))],
        resources: vec![Resource {
            id: Some("res1".into()),
            path: "/items".into(),
            methods: vec![
                Method {
                    http_method: "GET".into(),
                    authorization_type: "NONE".into(),
                    integration: Some(integration(&old.id)),
                },
                Method {
                    http_method: "POST".into(),
                    authorization_type: "NONE".into(),
                    integration: Some(integration("${stageVariables.link}")),
                },
            ],
        }],
        ..RestApi::default()
    });
    snapshot.private_path = Some(PrivatePath {
        vpc_links: vec![old],
        ..PrivatePath::default()
    });
    snapshot
}

fn planned(snapshot: &Snapshot, mode: Mode) -> super::Plan {
    let findings = checks::run(snapshot, &incident());
    plan(
        &findings,
        snapshot,
        &incident(),
        &config(&[]),
        mode,
        &context(900),
    )
}

/// Why the plan skips the action (it must be skipped).
fn skipped_because(plan: &super::Plan) -> String {
    let row = row(plan);
    assert_eq!(row.status, Status::Skipped, "{row:#?}");
    row.reason.clone().unwrap_or_default()
}

fn row(plan: &super::Plan) -> &super::ActionRow {
    plan.rows
        .iter()
        .find(|r| r.action == Action::RecreateVpcLink)
        .unwrap_or_else(|| panic!("no recreate_vpc_link in {plan:#?}"))
}

#[test]
fn a_dry_run_lists_the_creation_the_wait_every_repoint_and_the_redeploys() {
    let old = link(
        "vl-old",
        "FAILED",
        &[("team", "orders"), ("aws:created", "x")],
    );
    let plan = planned(&snapshot(old), Mode::DryRun);
    // Two stages' findings name one link: one row.
    assert_eq!(
        plan.rows
            .iter()
            .filter(|r| r.action == Action::RecreateVpcLink)
            .count(),
        1
    );
    let row = row(&plan);
    assert_eq!(row.status, Status::Planned, "{row:#?}");
    assert_eq!(row.target, "vl-old");
    assert_eq!(row.finding, Code::VpcLinkFailed);
    let calls = row.calls.join("\n");
    assert!(calls.starts_with("apigateway:CreateVpcLink Name=orders-apigw-doctor TargetArns=[\"arn:aws:elasticloadbalancing"), "{calls}");
    assert!(calls.contains("apigw-doctor:replaces=vl-old"), "{calls}");
    assert!(calls.contains("team=orders"), "{calls}");
    assert!(!calls.contains("aws:created"), "{calls}");
    assert!(
        calls.contains(
            "apigateway:GetVpcLink VpcLinkId=(the new link) until its status is AVAILABLE"
        ),
        "{calls}"
    );
    assert!(calls.contains("apigateway:UpdateIntegration RestApiId=a1b2c3d4e5 ResourceId=res1 HttpMethod=GET PatchOperations=[replace /connectionId (the new link)]"), "{calls}");
    for stage in ["prod", "beta"] {
        assert!(calls.contains(&format!("apigateway:UpdateStage RestApiId=a1b2c3d4e5 StageName={stage} PatchOperations=[replace /variables/link (the new link)]")), "{calls}");
        assert!(calls.contains(&format!("apigateway:CreateDeployment RestApiId=a1b2c3d4e5 StageName={stage} Description=\"apigw-doctor recreate_vpc_link link=vl-old stage={stage} incident=")), "{calls}");
    }
    assert!(
        row.undo.contains("the old link vl-old is kept"),
        "{}",
        row.undo
    );
    assert!(
        row.undo.contains("apigateway:DeleteVpcLink"),
        "{}",
        row.undo
    );
    assert!(row.risk.contains("keep using it"), "{}", row.risk);
    let applied = planned(&snapshot(link("vl-old", "FAILED", &[])), Mode::Apply);
    assert_eq!(applied.changes.len(), 1);
    assert_eq!(
        applied.changes[0].change.calls(&context(900).marker()),
        row_calls(&applied)
    );
}

fn row_calls(plan: &super::Plan) -> Vec<String> {
    row(plan).calls.clone()
}

#[test]
fn refused_while_the_load_balancer_is_gone() {
    let mut snapshot = snapshot(link("vl-old", "FAILED", &[]));
    snapshot
        .private_path
        .as_mut()
        .unwrap()
        .missing_load_balancers = vec![NLB.into()];
    let plan = planned(&snapshot, Mode::Apply);
    let reason = skipped_because(&plan);
    assert!(reason.contains("VPC_LINK_TARGET_MISSING holds"), "{reason}");
    assert!(plan.changes.is_empty());
}

#[test]
fn a_tagged_or_stack_owned_link_is_not_changed() {
    for (tag, needle) in [
        ("apigw-doctor:skip", "tagged apigw-doctor:skip=true"),
        ("aws:cloudformation:stack-name", "CloudFormation stack"),
    ] {
        let value = if tag.starts_with("aws:") {
            "orders-net"
        } else {
            "true"
        };
        let plan = planned(
            &snapshot(link("vl-old", "FAILED", &[(tag, value)])),
            Mode::Apply,
        );
        let reason = skipped_because(&plan);
        assert!(reason.contains(needle), "{reason}");
    }
}

fn change_and_state(old: VpcLink) -> (RecreateVpcLink, VpcLinkState) {
    let snapshot = snapshot(old);
    let finding = checks::run(&snapshot, &incident())
        .into_iter()
        .find(|f| f.code == Code::VpcLinkFailed)
        .unwrap_or_else(|| {
            crate::finding::Finding::new(Code::VpcLinkFailed, "x")
                .api(API)
                .stage(Some("prod"))
                .resource("vl-old")
        });
    RecreateVpcLink::from_snapshot(&finding, &snapshot, "inc-1").expect("the link is read")
}

#[test]
fn an_inactive_link_is_never_recreated() {
    let (change, mut state) = change_and_state(link("vl-old", "FAILED", &[]));
    state.old.as_mut().unwrap().status = "INACTIVE".into();
    let reason = obstacle(&change, &state, &context(900)).expect("refused");
    assert!(reason.contains("heals itself"), "{reason}");
}

#[test]
fn a_pending_replacement_is_resumed_and_a_finished_one_is_done() {
    let (change, mut state) = change_and_state(link("vl-old", "FAILED", &[]));
    assert_eq!(change.uses.len(), 3, "{:#?}", change.uses);
    assert!(change.uses.contains(&LinkUse::StageVariable {
        api_id: API.into(),
        kind: ApiKind::Rest,
        stage: "beta".into(),
        variable: "link".into(),
    }));
    let marker = Marker {
        at: now() - Duration::seconds(60),
        incident: "inc-0".into(),
    };
    let mut new = link("vl-new", "PENDING", &[]);
    new.tags = change.new_tags(&marker);
    state.replacement = Some(new);
    // Pending: neither refused nor cooled down (the marker is on the new link, not the old).
    assert_eq!(obstacle(&change, &state, &context(900)), None);
    // The link became AVAILABLE, the uses moved, the stages serve this action's deployments.
    state.replacement.as_mut().unwrap().status = "AVAILABLE".into();
    state.pointing_at = vec![Some("vl-new".into()); 3];
    assert_eq!(
        obstacle(&change, &state, &context(900)),
        None,
        "not redeployed yet"
    );
    for (stage, now_) in state.stages.iter_mut() {
        let description = change.description(&stage.stage);
        now_.deployments
            .push(deployment("d-ours", 5, Some(&description)));
        now_.deployment_id = Some("d-ours".into());
    }
    let reason = obstacle(&change, &state, &context(900)).expect("done");
    assert!(
        reason.starts_with("already done: link vl-new replaces vl-old"),
        "{reason}"
    );
}

#[test]
fn a_link_apigw_doctor_made_moments_ago_is_cooled_down() {
    let marker = format!(
        "{} inc-0",
        (now() - Duration::seconds(30)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let plan = planned(
        &snapshot(link(
            "vl-old",
            "FAILED",
            &[
                ("apigw-doctor:recreate_vpc_link", &marker),
                ("apigw-doctor:replaces", "vl-older"),
            ],
        )),
        Mode::Apply,
    );
    let reason = skipped_because(&plan);
    assert!(reason.starts_with("cooldown:"), "{reason}");
}

#[test]
fn verified_only_when_every_use_points_at_an_available_new_link() {
    let (change, mut state) = change_and_state(link("vl-old", "FAILED", &[]));
    let mut new = link("vl-new", "AVAILABLE", &[]);
    new.tags = change.new_tags(&context(900).marker());
    state.replacement = Some(new);
    let written = VpcLinkWritten {
        new_link: "vl-new".into(),
        deployed: vec![(
            AffectedStage {
                api_id: API.into(),
                kind: ApiKind::Rest,
                stage: "prod".into(),
            },
            "d9".into(),
        )],
    };
    state.pointing_at = vec![
        Some("vl-new".into()),
        Some("vl-old".into()),
        Some("vl-new".into()),
    ];
    for (_, now_) in state.stages.iter_mut() {
        now_.deployment_id = Some("d9".into());
    }
    let seen = change
        .verify(&state, &written)
        .expect_err("a use is on the old link");
    assert!(seen.ends_with("on vl-old"), "{seen}");
    state.pointing_at = vec![Some("vl-new".into()); 3];
    let seen = change.verify(&state, &written).expect("verified");
    assert!(
        seen.contains("link vl-new is AVAILABLE and replaces vl-old (kept)"),
        "{seen}"
    );
}

#[test]
fn a_v2_link_is_recreated_with_its_subnets_and_groups_and_auto_deploy_stages_are_left_alone() {
    let mut old = link("vl2", "FAILED", &[]);
    old.version = VpcLinkVersion::V2;
    old.target_arns.clear();
    old.subnet_ids = vec!["subnet-1".into(), "subnet-2".into()];
    old.security_group_ids = vec!["sg-1".into()];
    let mut snapshot = Snapshot::new("us-east-1", None);
    snapshot.v2_apis.push(V2Api::http_through_vpc_link(
        "vl2",
        "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/b/c",
        None,
    ));
    snapshot.private_path = Some(PrivatePath {
        vpc_links: vec![old],
        ..PrivatePath::default()
    });
    let event = json!({ "api_id": "h1" });
    let incident = crate::intake::parse(
        &event,
        IntakeSettings {
            now: now(),
            lookback_minutes: 30,
        },
    )
    .expect("event");
    let findings = checks::run(&snapshot, &incident);
    let plan = plan(
        &findings,
        &snapshot,
        &incident,
        &config(&[]),
        Mode::DryRun,
        &context(900),
    );
    let calls = row(&plan).calls.join("\n");
    assert!(calls.starts_with("apigatewayv2:CreateVpcLink Name=orders-apigw-doctor SubnetIds=[\"subnet-1\", \"subnet-2\"] SecurityGroupIds=[\"sg-1\"]"), "{calls}");
    assert!(calls.contains("apigatewayv2:UpdateIntegration ApiId=h1 IntegrationId=int1 ConnectionId=(the new link)"), "{calls}");
    assert!(
        !calls.contains("CreateDeployment"),
        "an auto-deploy stage deploys itself: {calls}"
    );
}
