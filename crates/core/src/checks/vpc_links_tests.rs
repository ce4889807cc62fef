//! VPC-link checks on hand-built snapshots, firing and quiet: the link's status, the load
//! balancer, the listener on the URI's port, the forwarded target groups' health, a v1 link's
//! endpoint connection, a v2 link's security groups and the listener certificate — with the
//! setups that make a check tempting to fire on a working API.

use super::run;
use super::tests::incident;
use super::vpc_links::name_covers;
use crate::catalog::{Area, Code, Severity};
use crate::finding::Finding;
use crate::snapshot::{
    Certificate, Deployment, EndpointConnection, EndpointService, Incomplete, Listener,
    LoadBalancer, Method, MethodIntegration, PrivatePath, Resource, RestApi, RestStage,
    SecurityGroup, SecurityGroupRule, Snapshot, Subnet, TargetGroup, TargetHealth, V2Api, V2Route,
    Vpc, VpcLink, VpcLinkVersion,
};
use serde_json::json;
use std::collections::BTreeMap;

const NLB: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/backend/50dc6c495c0c9188";
const LISTENER: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/backend/50dc6c495c0c9188/f2f7dc8efc522ab2";
const GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067";
const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/1";

fn stage(name: &str, variables: &[(&str, &str)]) -> RestStage {
    RestStage {
        name: name.into(),
        logging_level: Some("INFO".into()),
        access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:a".into()),
        variables: variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..RestStage::default()
    }
}

/// A REST API whose GET /items goes through `connection_id` to `uri`, on stage prod.
fn rest_api(connection_id: &str, uri: &str) -> RestApi {
    RestApi {
        id: "a1b2c3d4e5".into(),
        name: "orders".into(),
        endpoint_types: vec!["REGIONAL".into()],
        stages: vec![stage("prod", &[])],
        resources: vec![Resource {
            id: None,
            path: "/items".into(),
            methods: vec![Method {
                http_method: "GET".into(),
                authorization_type: "NONE".into(),
                integration: Some(MethodIntegration {
                    connection_type: Some("VPC_LINK".into()),
                    connection_id: Some(connection_id.into()),
                    uri: Some(uri.into()),
                    ..MethodIntegration::default()
                }),
            }],
        }],
        ..RestApi::default()
    }
}

/// POST /items beside GET /items, with the same integration (returned, to change).
fn add_post(api: &mut RestApi) -> &mut MethodIntegration {
    let methods = &mut api.resources[0].methods;
    let mut post = methods[0].clone();
    post.http_method = "POST".into();
    methods.push(post);
    methods.last_mut().unwrap().integration.as_mut().unwrap()
}

fn v1_link(id: &str, status: &str) -> VpcLink {
    VpcLink {
        id: id.into(),
        version: VpcLinkVersion::V1,
        name: format!("{id}-name"),
        status: status.into(),
        status_message: (status == "FAILED")
            .then(|| "NLB ARN is malformed or does not exist".to_string()),
        target_arns: vec![NLB.into()],
        subnet_ids: vec![],
        security_group_ids: vec![],
        tags: BTreeMap::new(),
    }
}

fn target(id: &str, state: &str, reason: Option<&str>, zone: &str) -> TargetHealth {
    TargetHealth {
        id: id.into(),
        port: Some(8080),
        availability_zone: Some(zone.into()),
        state: state.into(),
        reason: reason.map(str::to_string),
        description: None,
    }
}

fn listener(arn: &str, port: i32, protocol: &str, groups: &[&str]) -> Listener {
    Listener {
        arn: arn.into(),
        port: Some(port),
        protocol: Some(protocol.into()),
        certificate_arns: if protocol == "TLS" || protocol == "HTTPS" {
            vec![CERT.into()]
        } else {
            vec![]
        },
        target_group_arns: groups.iter().map(|g| g.to_string()).collect(),
        ..Listener::default()
    }
}

/// A healthy path: a Network Load Balancer with a TCP listener on 80 forwarding to one
/// healthy target, served by an endpoint service with API Gateway's connection available.
fn healthy_path(links: Vec<VpcLink>) -> PrivatePath {
    PrivatePath {
        vpc_links: links,
        load_balancers: vec![LoadBalancer {
            arn: NLB.into(),
            name: "backend".into(),
            kind: "network".into(),
            state: Some("active".into()),
            vpc_id: Some("vpc-1".into()),
            security_group_ids: vec![],
            listeners: vec![listener(LISTENER, 80, "TCP", &[GROUP])],
            listeners_unread: false,
        }],
        target_groups: vec![TargetGroup {
            arn: GROUP.into(),
            targets: vec![target("i-1", "healthy", None, "us-east-1a")],
        }],
        endpoint_services: Some(vec![EndpointService {
            service_id: "vpce-svc-1".into(),
            service_name: Some("com.amazonaws.vpce.us-east-1.vpce-svc-1".into()),
            load_balancer_arns: vec![NLB.into()],
            connections: vec![EndpointConnection {
                vpc_endpoint_id: "vpce-apigw".into(),
                owner: Some("392220576650".into()),
                state: "available".into(),
            }],
        }]),
        certificates: vec![Certificate {
            arn: CERT.into(),
            domain_name: Some("*.example.com".into()),
            subject_alternative_names: vec!["*.example.com".into()],
            not_before: Some(chrono::Utc::now().timestamp() - 86_400),
            not_after: Some(chrono::Utc::now().timestamp() + 86_400 * 90),
        }],
        ..PrivatePath::default()
    }
}

/// The snapshot of `api` and `path`; an API without deployments is deployed as defined, every
/// stage serving that deployment.
fn snapshot(mut api: RestApi, path: PrivatePath) -> Snapshot {
    if api.deployments.is_empty() {
        let defined = api.defined_methods();
        let methods: Vec<&str> = defined.iter().map(String::as_str).collect();
        api.deployments = vec![deployment("current", &methods)];
        for stage in &mut api.stages {
            stage.deployment_id = Some("current".into());
        }
    }
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.rest_apis.push(api);
    snapshot.private_path = Some(path);
    snapshot
}

fn findings(snapshot: &Snapshot) -> Vec<Finding> {
    run(
        snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "symptom": "server-error" })),
    )
}

/// The VPC-link area's findings of one code.
fn of(found: &[Finding], code: Code) -> Vec<Finding> {
    found.iter().filter(|f| f.code == code).cloned().collect()
}

/// The codes of the VPC-link area among `found`, in order.
fn area_codes(found: &[Finding]) -> Vec<Code> {
    found
        .iter()
        .map(|f| f.code)
        .filter(|c| c.entry().area == Area::VpcLinks)
        .collect()
}

#[test]
fn a_healthy_v1_path_is_quiet() {
    let s = snapshot(
        rest_api("vl1", "http://backend.internal:80/items"),
        healthy_path(vec![v1_link("vl1", "AVAILABLE")]),
    );
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn a_failed_link_is_named_with_its_status_message_and_leads_a_5xx() {
    let s = snapshot(
        rest_api("vl1", "http://backend.internal/items"),
        healthy_path(vec![v1_link("vl1", "FAILED")]),
    );
    let found = findings(&s);
    let failed = of(&found, Code::VpcLinkFailed);
    assert_eq!(failed.len(), 1, "{found:#?}");
    assert_eq!(failed[0].resource.as_deref(), Some("vl1"));
    assert_eq!(
        failed[0].evidence["status_message"],
        "NLB ARN is malformed or does not exist"
    );
    assert_eq!(failed[0].evidence["integrations"], json!(["GET /items"]));
    assert!(failed[0].summary.contains("NLB ARN is malformed"));
    assert_eq!(found[0].code, Code::VpcLinkFailed, "{found:#?}");
}

#[test]
fn two_integrations_on_one_failed_link_give_one_finding_naming_both() {
    let mut api = rest_api("vl1", "http://backend.internal/items");
    add_post(&mut api);
    let s = snapshot(api, healthy_path(vec![v1_link("vl1", "FAILED")]));
    let failed = of(&findings(&s), Code::VpcLinkFailed);
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].evidence["integrations"],
        json!(["GET /items", "POST /items"])
    );
}

#[test]
fn an_inactive_v2_link_is_a_warning_and_never_failed() {
    let mut link = v1_link("vl2", "INACTIVE");
    link.version = VpcLinkVersion::V2;
    let s = snapshot(
        rest_api("vl2", "http://backend.internal/items"),
        healthy_path(vec![link]),
    );
    let found = findings(&s);
    let inactive = of(&found, Code::VpcLinkInactive);
    assert_eq!(inactive.len(), 1, "{found:#?}");
    assert_eq!(inactive[0].severity, Severity::Warning);
    assert!(of(&found, Code::VpcLinkFailed).is_empty());
}

#[test]
fn a_pending_or_deleting_link_is_not_ready() {
    for status in ["PENDING", "DELETING"] {
        let s = snapshot(
            rest_api("vl1", "http://backend.internal/items"),
            healthy_path(vec![v1_link("vl1", status)]),
        );
        let found = findings(&s);
        assert_eq!(of(&found, Code::VpcLinkNotReady).len(), 1, "{status}");
        assert_eq!(
            of(&found, Code::VpcLinkNotReady)[0].evidence["status"],
            status
        );
    }
}

#[test]
fn a_link_neither_api_knows_is_not_found_and_one_not_read_is_not_judged() {
    let mut path = healthy_path(vec![]);
    path.missing_vpc_links = vec!["vl9".into()];
    let s = snapshot(rest_api("vl9", "http://backend.internal/items"), path);
    let missing = of(&findings(&s), Code::VpcLinkNotFound);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].resource.as_deref(), Some("vl9"));
    // Not in either list: its read failed (in `incomplete`), so nothing is claimed.
    let s = snapshot(
        rest_api("vl8", "http://backend.internal/items"),
        healthy_path(vec![]),
    );
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn stage_variables_resolve_to_a_different_link_per_stage() {
    let mut api = rest_api("${stageVariables.link}", "http://backend.internal/items");
    api.stages = vec![
        stage("prod", &[("link", "vlbad")]),
        stage("beta", &[("link", "vlgood")]),
        stage("dev", &[]),
    ];
    let s = snapshot(
        api,
        healthy_path(vec![
            v1_link("vlbad", "FAILED"),
            v1_link("vlgood", "AVAILABLE"),
        ]),
    );
    let found = findings(&s);
    let failed = of(&found, Code::VpcLinkFailed);
    assert_eq!(failed.len(), 1, "{found:#?}");
    assert_eq!(failed[0].stage.as_deref(), Some("prod"));
    assert_eq!(failed[0].resource.as_deref(), Some("vlbad"));
    // dev sets no variable: no link at all on that stage.
    let unset = of(&found, Code::VpcLinkNotFound);
    assert_eq!(unset.len(), 1, "{found:#?}");
    assert_eq!(unset[0].stage.as_deref(), Some("dev"));
    assert_eq!(unset[0].evidence["unset_stage_variable"], "link");
}

#[test]
fn a_deleted_load_balancer_is_target_missing() {
    let mut path = healthy_path(vec![v1_link("vl1", "FAILED")]);
    path.load_balancers.clear();
    path.missing_load_balancers = vec![NLB.into()];
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    let found = findings(&s);
    assert_eq!(
        of(&found, Code::VpcLinkTargetMissing).len(),
        1,
        "{found:#?}"
    );
    assert_eq!(
        of(&found, Code::VpcLinkTargetMissing)[0]
            .resource
            .as_deref(),
        Some(NLB)
    );
}

#[test]
fn no_listener_on_the_uri_port_is_listener_missing_and_the_right_one_beside_another_is_quiet() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.load_balancers[0].listeners = vec![listener(LISTENER, 8443, "TCP", &[GROUP])];
    let s = snapshot(
        rest_api("vl1", "http://backend.internal/items"),
        path.clone(),
    );
    let missing = of(&findings(&s), Code::VpcLinkListenerMissing);
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].evidence["listener_ports"], json!([8443]));
    assert_eq!(missing[0].evidence["wanted"], "port 80");
    // A listener on another port next to the right one.
    path.load_balancers[0]
        .listeners
        .push(listener(&format!("{LISTENER}0"), 80, "TCP", &[GROUP]));
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn an_explicit_uri_port_is_the_listener_port() {
    let s = snapshot(
        rest_api("vl1", "http://backend.internal:8080/items"),
        healthy_path(vec![v1_link("vl1", "AVAILABLE")]),
    );
    let missing = of(&findings(&s), Code::VpcLinkListenerMissing);
    assert_eq!(missing[0].evidence["wanted"], "port 8080");
}

#[test]
fn listeners_not_read_are_never_called_missing() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.load_balancers[0].listeners.clear();
    path.load_balancers[0].listeners_unread = true;
    let mut s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    s.incomplete.push(Incomplete {
        step: "elasticloadbalancingv2:DescribeListeners".into(),
        error: "AccessDenied".into(),
        detail: "x".into(),
    });
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn no_healthy_target_lists_each_state_and_reason() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.target_groups[0].targets = vec![
        target(
            "i-1",
            "unhealthy",
            Some("Target.FailedHealthChecks"),
            "us-east-1a",
        ),
        target("i-2", "unused", Some("Target.NotInUse"), "us-east-1c"),
    ];
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    let unhealthy = of(&findings(&s), Code::VpcLinkTargetsUnhealthy);
    assert_eq!(unhealthy.len(), 1);
    let targets = &unhealthy[0].evidence["target_groups"][0]["targets"];
    assert_eq!(targets[0]["reason"], "Target.FailedHealthChecks");
    assert_eq!(targets[1]["state"], "unused");
    assert!(unhealthy[0]
        .summary
        .contains("i-1 Target.FailedHealthChecks"));
    // i-1 fails health checks: the load balancer fails open.
    assert_eq!(unhealthy[0].severity, Severity::Warning);
}

#[test]
fn an_unused_target_in_an_unused_zone_beside_a_healthy_one_is_quiet() {
    // ELB: Target.NotInUse — "the target is in an Availability Zone that is not enabled for its
    // load balancer" (API_TargetHealth); the healthy one carries the traffic.
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.target_groups[0].targets.push(target(
        "i-2",
        "unused",
        Some("Target.NotInUse"),
        "us-east-1f",
    ));
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn a_rule_forwarded_target_group_counts() {
    // An ALB listener whose default action is a fixed response and whose rule forwards to the
    // healthy group: the listener's groups are the rule's.
    let rule_group =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/11e2d6bc24d8a067";
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.load_balancers[0].listeners = vec![listener(LISTENER, 80, "HTTP", &[rule_group])];
    path.target_groups = vec![TargetGroup {
        arn: rule_group.into(),
        targets: vec![target("10.0.1.5", "healthy", None, "us-east-1a")],
    }];
    let s = snapshot(
        rest_api("vl1", "http://backend.internal/items"),
        path.clone(),
    );
    assert_eq!(area_codes(&findings(&s)), []);
    path.target_groups[0].targets[0].state = "unhealthy".into();
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), [Code::VpcLinkTargetsUnhealthy]);
}

#[test]
fn a_target_group_whose_health_was_not_read_is_not_judged() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.target_groups.clear();
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn a_rejected_endpoint_connection_fires_and_a_shared_load_balancer_with_one_available_is_quiet() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    let services = path.endpoint_services.as_mut().unwrap();
    services[0].connections[0].state = "rejected".into();
    let s = snapshot(
        rest_api("vl1", "http://backend.internal/items"),
        path.clone(),
    );
    let rejected = of(&findings(&s), Code::VpcLinkEndpointConnectionNotAvailable);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].evidence["connections"][0]["state"], "rejected");
    // Two links to one NLB: a second, available connection serves it.
    path.vpc_links.push(v1_link("vl2", "AVAILABLE"));
    path.endpoint_services.as_mut().unwrap()[0]
        .connections
        .push(EndpointConnection {
            vpc_endpoint_id: "vpce-apigw2".into(),
            owner: Some("392220576650".into()),
            state: "available".into(),
        });
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn a_deleted_endpoint_service_fires_and_an_unread_one_is_not_judged() {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.endpoint_services = Some(vec![]);
    let s = snapshot(
        rest_api("vl1", "http://backend.internal/items"),
        path.clone(),
    );
    let found = findings(&s);
    assert_eq!(
        area_codes(&found),
        [Code::VpcLinkEndpointConnectionNotAvailable]
    );
    assert!(found[0].summary.contains("deleted"), "{found:#?}");
    path.endpoint_services = None;
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(area_codes(&findings(&s)), []);
}

fn group(
    id: &str,
    ingress: Vec<SecurityGroupRule>,
    egress: Vec<SecurityGroupRule>,
) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        name: id.into(),
        ingress,
        egress,
    }
}

fn tcp(port: i32, cidrs: &[&str], groups: &[&str]) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
        prefix_list_ids: vec![],
    }
}

/// A REST API through a v2 link (subnet 10.0.1.0/24, group sg-link) to the NLB by
/// `integrationTarget`.
fn v2_setup(link_egress: Vec<SecurityGroupRule>, balancer_groups: Vec<SecurityGroup>) -> Snapshot {
    let mut api = rest_api("vl2", "http://backend.internal/items");
    api.resources[0].methods[0]
        .integration
        .as_mut()
        .unwrap()
        .integration_target = Some(NLB.into());
    let mut link = v1_link("vl2", "AVAILABLE");
    link.version = VpcLinkVersion::V2;
    link.target_arns.clear();
    link.subnet_ids = vec!["subnet-1".into()];
    link.security_group_ids = vec!["sg-link".into()];
    let mut path = healthy_path(vec![link]);
    path.endpoint_services = None;
    path.load_balancers[0].security_group_ids =
        balancer_groups.iter().map(|g| g.id.clone()).collect();
    let mut s = snapshot(api, path);
    s.security_groups = balancer_groups;
    s.security_groups
        .push(group("sg-link", vec![], link_egress));
    s.subnets = vec![Subnet {
        id: "subnet-1".into(),
        cidr: Some("10.0.1.0/24".into()),
    }];
    s.vpcs = vec![Vpc {
        id: "vpc-1".into(),
        cidrs: vec!["10.0.0.0/16".into()],
        dns_support: Some(true),
        dns_hostnames: Some(true),
    }];
    s
}

fn all_out() -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: "-1".into(),
        cidrs: vec!["0.0.0.0/0".into()],
        ..SecurityGroupRule::default()
    }
}

#[test]
fn a_network_load_balancer_without_security_groups_admits_the_link() {
    let s = v2_setup(vec![all_out()], vec![]);
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn link_groups_without_egress_to_the_listener_port_block() {
    let s = v2_setup(vec![tcp(5432, &["10.0.0.0/16"], &[])], vec![]);
    let blocked = of(&findings(&s), Code::VpcLinkSgBlocks);
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].evidence["port"], 80);
    assert_eq!(blocked[0].evidence["link_egress_allowed"], false);
    assert_eq!(blocked[0].evidence["load_balancer_ingress_allowed"], true);
}

#[test]
fn load_balancer_groups_must_admit_the_link_by_group_or_range() {
    let by_group = group("sg-lb", vec![tcp(80, &[], &["sg-link"])], vec![]);
    assert_eq!(
        area_codes(&findings(&v2_setup(vec![all_out()], vec![by_group]))),
        []
    );
    let by_range = group("sg-lb", vec![tcp(80, &["10.0.1.0/24"], &[])], vec![]);
    assert_eq!(
        area_codes(&findings(&v2_setup(vec![all_out()], vec![by_range]))),
        []
    );
    let elsewhere = group("sg-lb", vec![tcp(80, &["192.168.0.0/16"], &[])], vec![]);
    let s = v2_setup(vec![all_out()], vec![elsewhere]);
    let blocked = of(&findings(&s), Code::VpcLinkSgBlocks);
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].evidence["load_balancer_ingress_allowed"], false);
}

#[test]
fn security_groups_not_read_are_not_judged() {
    let mut s = v2_setup(vec![tcp(5432, &["10.0.0.0/16"], &[])], vec![]);
    s.security_groups.clear();
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn wildcards_cover_one_left_most_label() {
    assert!(name_covers("*.example.com", "api.example.com"));
    assert!(name_covers("*.EXAMPLE.com.", "api.example.com"));
    assert!(!name_covers("*.example.com", "a.b.example.com"));
    assert!(!name_covers("*.example.com", "example.com"));
    assert!(name_covers("api.example.com", "api.example.com"));
    assert!(!name_covers("api.example.com", "web.example.com"));
}

/// The REST API through the healthy v1 path over HTTPS to a TLS listener on 443.
fn tls_setup(uri: &str) -> Snapshot {
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.load_balancers[0].listeners = vec![listener(LISTENER, 443, "TLS", &[GROUP])];
    snapshot(rest_api("vl1", uri), path)
}

#[test]
fn a_host_the_certificate_covers_is_quiet_and_one_label_too_deep_mismatches() {
    let s = tls_setup("https://api.example.com/items");
    assert_eq!(area_codes(&findings(&s)), []);
    let s = tls_setup("https://orders.api.example.com/items");
    let found = findings(&s);
    let mismatch = of(&found, Code::IntegrationTlsNameMismatch);
    assert_eq!(mismatch.len(), 1, "{found:#?}");
    assert_eq!(mismatch[0].evidence["host"], "orders.api.example.com");
    assert_eq!(
        mismatch[0].evidence["certificates"][0]["names"],
        json!(["*.example.com"])
    );
    // Plain HTTP to the same backend verifies no certificate.
    let s = tls_setup("http://orders.api.example.com:443/items");
    assert_eq!(area_codes(&findings(&s)), []);
}

/// An HTTP API whose integration `int1` goes through v2 link vl2 to `uri`, on stage $default,
/// over a path whose listener is `listener`.
fn http_setup(uri: &str, server_name: Option<&str>, listener: Listener) -> Snapshot {
    let mut link = v1_link("vl2", "AVAILABLE");
    link.version = VpcLinkVersion::V2;
    link.target_arns.clear();
    let mut path = healthy_path(vec![link]);
    path.endpoint_services = None;
    path.load_balancers[0].listeners = vec![listener];
    let mut s = Snapshot::new("us-east-1", None);
    s.private_path = Some(path);
    s.v2_apis
        .push(V2Api::http_through_vpc_link("vl2", uri, server_name));
    s
}

#[test]
fn server_name_to_verify_is_the_name_checked() {
    let https = || listener(LISTENER, 443, "HTTPS", &[GROUP]);
    let s = http_setup(LISTENER, Some("api.example.com"), https());
    assert_eq!(area_codes(&findings(&s)), []);
    let s = http_setup(LISTENER, Some("backend.internal"), https());
    assert_eq!(
        of(&findings(&s), Code::IntegrationTlsNameMismatch)[0].evidence["host"],
        "backend.internal"
    );
    // No name to verify: nothing to compare.
    let s = http_setup(LISTENER, None, https());
    assert_eq!(area_codes(&findings(&s)), []);
}

#[test]
fn an_expired_or_not_yet_valid_certificate_fires() {
    let now = chrono::Utc::now().timestamp();
    for (not_before, not_after) in [
        (now - 400 * 86_400, now - 86_400),
        (now + 86_400, now + 400 * 86_400),
    ] {
        let mut s = tls_setup("https://api.example.com/items");
        let path = s.private_path.as_mut().unwrap();
        path.certificates[0].not_before = Some(not_before);
        path.certificates[0].not_after = Some(not_after);
        let found = findings(&s);
        assert_eq!(
            area_codes(&found),
            [Code::IntegrationTlsCertExpired],
            "{found:#?}"
        );
        assert_eq!(found[0].evidence["not_after"], not_after);
    }
}

#[test]
fn an_http_api_listener_arn_that_is_gone_is_listener_missing() {
    let tcp = || listener(LISTENER, 80, "TCP", &[GROUP]);
    let s = http_setup(LISTENER, None, tcp());
    assert_eq!(area_codes(&findings(&s)), []);
    let s = http_setup(&format!("{LISTENER}9"), None, tcp());
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkListenerMissing);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].evidence["integrations"], json!(["int1"]));
    assert_eq!(missing[0].stage.as_deref(), Some("$default"));
}

/// A deployment serving `methods` ("GET /items").
fn deployment(id: &str, methods: &[&str]) -> Deployment {
    let mut summary: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for method in methods {
        let (verb, path) = method.split_once(' ').unwrap();
        summary
            .entry(path.into())
            .or_default()
            .push(verb.to_string());
    }
    Deployment {
        id: id.into(),
        api_summary: Some(summary),
        ..Deployment::default()
    }
}

/// An HTTP API integration no route targets is never invoked
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):
/// the reviewer's setup, int1 to a listener that is gone and unused, int2 healthy behind route
/// GET /x.
#[test]
fn an_http_api_integration_no_route_targets_is_not_judged() {
    let tcp = || listener(LISTENER, 80, "TCP", &[GROUP]);
    let mut s = http_setup(&format!("{LISTENER}9"), None, tcp());
    let api = &mut s.v2_apis[0];
    let mut used = api.integrations[0].clone();
    used.id = "int2".into();
    used.integration_uri = Some(LISTENER.into());
    api.integrations.push(used);
    api.routes[0].route_key = "GET /x".into();
    api.routes[0].target = Some("integrations/int2".into());
    assert_eq!(area_codes(&findings(&s)), []);
    // Once a route targets int1, its missing listener is claimed.
    s.v2_apis[0].routes.push(V2Route {
        route_key: "GET /y".into(),
        target: Some("integrations/int1".into()),
        ..V2Route::default()
    });
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkListenerMissing);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].evidence["integrations"], json!(["int1"]));
    assert_eq!(missing[0].severity, Severity::Error);
    // Routes not read: it cannot tell whether int1 is used, and says so.
    s.v2_apis[0].routes_read = false;
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkListenerMissing);
    assert_eq!(missing[0].severity, Severity::Warning, "{found:#?}");
    assert!(missing[0].evidence["undecided"][0]
        .as_str()
        .unwrap()
        .contains("routes of API h1 were not read"));
}

/// Only what a REST stage's deployment serves is live
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html): the
/// reviewer's setup, prod's deployment serving GET /items only, POST /new added since with
/// `${stageVariables.newLink}`, which only dev (on a deployment with POST /new) sets.
#[test]
fn a_rest_method_the_stage_deployment_does_not_serve_is_not_judged() {
    let mut api = rest_api("vl1", "http://backend.internal/items");
    let mut post = api.resources[0].clone();
    post.path = "/new".into();
    post.methods[0].http_method = "POST".into();
    post.methods[0].integration.as_mut().unwrap().connection_id =
        Some("${stageVariables.newLink}".into());
    api.resources.push(post);
    api.deployments = vec![
        deployment("d1", &["GET /items"]),
        deployment("d2", &["GET /items", "POST /new"]),
    ];
    let mut dev = stage("dev", &[("newLink", "vl1")]);
    dev.deployment_id = Some("d2".into());
    api.stages[0].deployment_id = Some("d1".into());
    api.stages.push(dev);
    let s = snapshot(api.clone(), healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    assert_eq!(area_codes(&findings(&s)), []);
    // Without dev's variable, dev (which serves POST /new) has no link; prod stays quiet.
    let mut unset = api.clone();
    unset.stages[1].variables.clear();
    let s = snapshot(unset, healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkNotFound);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].stage.as_deref(), Some("dev"));
    assert_eq!(missing[0].severity, Severity::Error);
    assert_eq!(missing[0].evidence["deployment"], "d2");
    // prod's deployment summary unknown: it cannot tell whether POST /new is live there.
    let mut unknown = api;
    unknown.stages[1].variables.clear();
    unknown.deployments[0].api_summary = None;
    let s = snapshot(unknown, healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    let found = findings(&s);
    let prod: Vec<_> = of(&found, Code::VpcLinkNotFound)
        .into_iter()
        .filter(|f| f.stage.as_deref() == Some("prod"))
        .collect();
    assert_eq!(prod.len(), 1, "{found:#?}");
    assert_eq!(prod[0].severity, Severity::Warning);
    assert!(prod[0].summary.contains("Not certain"), "{found:#?}");
}

#[test]
fn a_failed_link_on_a_stage_whose_definition_changed_since_its_deployment_is_a_warning() {
    let mut api = rest_api("vl1", "http://backend.internal/items");
    add_post(&mut api);
    api.deployments = vec![
        deployment("d1", &["GET /items"]),
        deployment("d2", &["GET /items", "POST /items"]),
    ];
    let mut beta = stage("beta", &[]);
    beta.deployment_id = Some("d2".into());
    api.stages[0].deployment_id = Some("d1".into());
    api.stages.push(beta);
    let s = snapshot(api, healthy_path(vec![v1_link("vl1", "FAILED")]));
    let found = findings(&s);
    let failed = of(&found, Code::VpcLinkFailed);
    assert_eq!(failed.len(), 2, "{found:#?}");
    let prod = failed
        .iter()
        .find(|f| f.stage.as_deref() == Some("prod"))
        .unwrap();
    assert_eq!(prod.severity, Severity::Warning);
    assert_eq!(prod.evidence["integrations"], json!(["GET /items"]));
    assert!(prod.evidence["undecided"][0]
        .as_str()
        .unwrap()
        .contains("d1"));
    let beta = failed
        .iter()
        .find(|f| f.stage.as_deref() == Some("beta"))
        .unwrap();
    assert_eq!(beta.severity, Severity::Error);
    assert_eq!(
        beta.evidence["integrations"],
        json!(["GET /items", "POST /items"])
    );
    assert!(beta.evidence["integration_read_from"]
        .as_str()
        .unwrap()
        .contains("GetExport"));
}

/// A load balancer whose registered targets all fail health checks fails open and routes to all
/// of them (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html,
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html):
/// a warning; none in service at all (none registered, or initial, unused, draining) is an error.
#[test]
fn all_targets_unhealthy_fail_open_as_a_warning_and_none_in_service_is_an_error() {
    let with_targets = |targets: Vec<TargetHealth>| {
        let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
        path.target_groups[0].targets = targets;
        let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
        of(&findings(&s), Code::VpcLinkTargetsUnhealthy)
    };
    let open = with_targets(vec![
        target(
            "i-1",
            "unhealthy",
            Some("Target.FailedHealthChecks"),
            "us-east-1a",
        ),
        target("i-2", "unhealthy", Some("Target.Timeout"), "us-east-1b"),
    ]);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].severity, Severity::Warning);
    assert_eq!(open[0].evidence["fails_open"], true);
    assert!(
        open[0]
            .summary
            .contains("fails open: requests still reach the targets, health checks fail"),
        "{open:#?}"
    );
    for targets in [
        vec![],
        vec![
            target(
                "i-1",
                "draining",
                Some("Target.DeregistrationInProgress"),
                "us-east-1a",
            ),
            target(
                "i-2",
                "initial",
                Some("Target.RegistrationInProgress"),
                "us-east-1a",
            ),
            target("i-3", "unused", Some("Target.NotRegistered"), "us-east-1a"),
        ],
    ] {
        let closed = with_targets(targets);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].severity, Severity::Error, "{closed:#?}");
        assert_eq!(closed[0].evidence["fails_open"], false);
    }
}

/// A v1 link that is not AVAILABLE has its own finding; its endpoint connection (pending while
/// the link is created, gone once it failed) is judged only for an AVAILABLE link.
#[test]
fn the_endpoint_connection_is_judged_only_for_an_available_link() {
    for status in ["PENDING", "FAILED", "DELETING"] {
        let mut path = healthy_path(vec![v1_link("vl1", status)]);
        path.endpoint_services.as_mut().unwrap()[0].connections[0].state =
            "pendingAcceptance".into();
        let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
        let found = findings(&s);
        assert!(
            of(&found, Code::VpcLinkEndpointConnectionNotAvailable).is_empty(),
            "{status}: {found:#?}"
        );
        assert_eq!(area_codes(&found).len(), 1, "{status}: {found:#?}");
    }
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE")]);
    path.endpoint_services.as_mut().unwrap()[0].connections[0].state = "pendingAcceptance".into();
    let s = snapshot(rest_api("vl1", "http://backend.internal/items"), path);
    assert_eq!(
        area_codes(&findings(&s)),
        [Code::VpcLinkEndpointConnectionNotAvailable]
    );
}

/// The reports' notes of the VPC-link area.
fn vpc_notes(snapshot: &Snapshot) -> Vec<String> {
    super::notes(
        snapshot,
        &incident(json!({ "api_id": "a1b2c3d4e5", "symptom": "server-error" })),
        &[],
    )
    .into_iter()
    .filter(|n| n.starts_with("VPC link path"))
    .collect()
}

/// `${stageVariables.host}` in the integration URI is the stage's value
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html):
/// the port is judged per stage, and a stage that leaves it unset is said, never passed.
#[test]
fn stage_variables_in_the_uri_are_resolved_per_stage_and_an_unset_one_is_said() {
    let mut api = rest_api("vl1", "http://${stageVariables.host}:8080/items");
    api.stages = vec![
        stage("prod", &[("host", "backend.internal")]),
        stage("dev", &[]),
    ];
    let s = snapshot(api, healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkListenerMissing);
    assert_eq!(missing.len(), 1, "{found:#?}");
    assert_eq!(missing[0].stage.as_deref(), Some("prod"));
    assert_eq!(missing[0].evidence["wanted"], "port 8080");
    assert_eq!(
        missing[0].evidence["integration_uri"],
        "http://backend.internal:8080/items"
    );
    let notes = vpc_notes(&s);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains("on stage dev"), "{notes:#?}");
    assert!(notes[0].contains("stage variable host"), "{notes:#?}");
    // The right port through the variable: quiet, and nothing to say.
    let mut api = rest_api("vl1", "http://${stageVariables.host}/items");
    api.stages = vec![stage("prod", &[("host", "backend.internal")])];
    let s = snapshot(api, healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    assert_eq!(area_codes(&findings(&s)), []);
    assert_eq!(vpc_notes(&s), Vec::<String>::new());
    // A URI that is no URL is said too.
    let s = snapshot(
        rest_api("vl1", "backend.internal/items"),
        healthy_path(vec![v1_link("vl1", "AVAILABLE")]),
    );
    assert_eq!(area_codes(&findings(&s)), []);
    assert!(
        vpc_notes(&s)[0].contains("is not a URL"),
        "{:#?}",
        vpc_notes(&s)
    );
}

const NLB2: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/other/60dc6c495c0c9188";

/// Two links to two load balancers: `backend` has no listener on 80, and the listeners of
/// `other` (or its listener's rules, or its SNI certificates) could not be read.
fn two_balancers(unread: impl Fn(&mut LoadBalancer)) -> Snapshot {
    let mut api = rest_api("vl1", "http://backend.internal/items");
    add_post(&mut api).connection_id = Some("vl2".into());
    let mut other_link = v1_link("vl2", "AVAILABLE");
    other_link.target_arns = vec![NLB2.into()];
    let mut path = healthy_path(vec![v1_link("vl1", "AVAILABLE"), other_link]);
    let mut other = path.load_balancers[0].clone();
    other.arn = NLB2.into();
    other.name = "other".into();
    unread(&mut other);
    path.load_balancers[0].listeners = vec![listener(LISTENER, 8443, "TCP", &[GROUP])];
    path.load_balancers.push(other);
    path.endpoint_services.as_mut().unwrap()[0]
        .load_balancer_arns
        .push(NLB2.into());
    let mut s = snapshot(api, path);
    s.incomplete.push(Incomplete {
        step: "elasticloadbalancingv2:DescribeListeners".into(),
        error: "Throttling".into(),
        detail: "x".into(),
    });
    s
}

/// A failed read keeps judgement back for its own load balancer or listener only.
#[test]
fn a_failed_listener_read_of_one_load_balancer_leaves_the_other_judged() {
    let s = two_balancers(|other| {
        other.listeners.clear();
        other.listeners_unread = true;
    });
    let found = findings(&s);
    assert_eq!(
        area_codes(&found),
        [Code::VpcLinkListenerMissing],
        "{found:#?}"
    );
    assert_eq!(found[0].resource.as_deref(), Some(NLB));
    // The other's listener's rules unread: its targets (none healthy here) are not judged, the
    // first load balancer still is.
    let mut s = two_balancers(|other| other.listeners[0].rules_unread = true);
    s.private_path.as_mut().unwrap().target_groups[0].targets[0].state = "draining".into();
    let found = findings(&s);
    assert_eq!(
        area_codes(&found),
        [Code::VpcLinkListenerMissing],
        "{found:#?}"
    );
    // Its listener read, its certificates by SNI not: the names are not judged.
    let mut s = tls_setup("https://orders.api.example.com/items");
    s.private_path.as_mut().unwrap().load_balancers[0].listeners[0].certificates_unread = true;
    assert_eq!(area_codes(&findings(&s)), []);
}

/// Two integrations to one load balancer on two ports it has no listener on: one finding per
/// port, each naming its own (never one port standing for both).
#[test]
fn every_failing_port_of_one_load_balancer_is_named() {
    let mut api = rest_api("vl1", "http://backend.internal:8080/items");
    add_post(&mut api).uri = Some("http://backend.internal:9090/items".into());
    let s = snapshot(api, healthy_path(vec![v1_link("vl1", "AVAILABLE")]));
    let found = findings(&s);
    let missing = of(&found, Code::VpcLinkListenerMissing);
    let wanted: Vec<(&str, &serde_json::Value)> = missing
        .iter()
        .map(|f| {
            (
                f.evidence["wanted"].as_str().unwrap(),
                &f.evidence["integrations"],
            )
        })
        .collect();
    assert_eq!(
        wanted,
        [
            ("port 8080", &json!(["GET /items"])),
            ("port 9090", &json!(["POST /items"]))
        ],
        "{found:#?}"
    );
}

#[test]
fn every_blocked_listener_port_of_a_v2_link_is_named() {
    let mut s = v2_setup(vec![tcp(5432, &["10.0.0.0/16"], &[])], vec![]);
    let api = &mut s.rest_apis[0];
    add_post(api).uri = Some("http://backend.internal:8080/items".into());
    api.deployments = vec![deployment("current", &["GET /items", "POST /items"])];
    s.private_path.as_mut().unwrap().load_balancers[0]
        .listeners
        .push(listener(&format!("{LISTENER}1"), 8080, "TCP", &[GROUP]));
    let blocked = of(&findings(&s), Code::VpcLinkSgBlocks);
    let ports: Vec<_> = blocked.iter().map(|f| f.evidence["port"].clone()).collect();
    assert_eq!(ports, [json!(80), json!(8080)], "{blocked:#?}");
}

/// A listener serving an IAM server certificate
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/ManagingServerCerts.html): its names and
/// expiry are not read, which the notes say; nothing is claimed about it.
#[test]
fn an_iam_server_certificate_is_said_not_judged() {
    let mut s = tls_setup("https://orders.api.example.com/items");
    s.private_path.as_mut().unwrap().load_balancers[0].listeners[0].certificate_arns =
        vec!["arn:aws:iam::123456789012:server-certificate/backend".into()];
    assert_eq!(area_codes(&findings(&s)), []);
    let notes = vpc_notes(&s);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains("IAM server certificate"), "{notes:#?}");
    // An ACM certificate is judged, and nothing is noted.
    let s = tls_setup("https://api.example.com/items");
    assert_eq!(vpc_notes(&s), Vec::<String>::new());
}

/// An HTTP API's private integration to an AWS Cloud Map service
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html)
/// is not followed: the notes say so, and nothing is claimed.
#[test]
fn a_cloud_map_integration_is_said_not_judged() {
    let tcp = listener(LISTENER, 80, "TCP", &[GROUP]);
    let s = http_setup(
        "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1",
        None,
        tcp.clone(),
    );
    assert_eq!(area_codes(&findings(&s)), []);
    let notes = vpc_notes(&s);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains("AWS Cloud Map service"), "{notes:#?}");
    assert!(
        notes[0].contains("integration int1 of API h1"),
        "{notes:#?}"
    );
    // A listener ARN is followed, and nothing is noted.
    assert_eq!(
        vpc_notes(&http_setup(LISTENER, None, tcp)),
        Vec::<String>::new()
    );
}
