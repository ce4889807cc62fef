//! Setups common in real accounts that tempted the checks and the plan to fire (or keep quiet)
//! wrongly, found in review: each test asserts what AWS actually does.

use super::run;
use super::tests::{endpoint, incident};
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{
    Deployment, Method, NetworkAcl, NetworkAclEntry, Resource, RestApi, RestStage, SecurityGroup,
    SecurityGroupRule, Snapshot, Subnet, Vpc, VpcEndpoint,
};
use serde_json::{json, Value};

const API: &str = "a1b2c3d4e5";

fn api(policy: &str, methods: &[(&str, &str, &str)]) -> RestApi {
    let mut resources: Vec<Resource> = Vec::new();
    for (path, verb, auth) in methods {
        let m = Method {
            http_method: verb.to_string(),
            authorization_type: auth.to_string(),
            integration: None,
        };
        match resources.iter_mut().find(|r| r.path == *path) {
            Some(r) => r.methods.push(m),
            None => resources.push(Resource {
                id: None,
                path: path.to_string(),
                methods: vec![m],
            }),
        }
    }
    RestApi {
        id: API.into(),
        name: "orders".into(),
        endpoint_types: vec!["PRIVATE".into()],
        policy: Some(policy.into()),
        stages: vec![stage("prod")],
        resources,
        ..RestApi::default()
    }
}

fn stage(name: &str) -> RestStage {
    RestStage {
        name: name.into(),
        logging_level: Some("INFO".into()),
        access_log_destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:a".into()),
        ..RestStage::default()
    }
}

fn vpc(id: &str, cidrs: &[&str]) -> Vpc {
    Vpc {
        id: id.into(),
        cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        dns_support: Some(true),
        dns_hostnames: Some(true),
    }
}

fn snap(api: RestApi, endpoints: Vec<VpcEndpoint>) -> Snapshot {
    let mut s = Snapshot::new("us-east-1", Some("123456789012".into()));
    s.rest_apis.push(api);
    s.network_read = true;
    s.vpcs = vec![vpc("vpc-1", &["10.0.0.0/16"])];
    s.vpc_endpoints = endpoints;
    s
}

fn of(findings: &[Finding], code: Code) -> Vec<Finding> {
    findings
        .iter()
        .filter(|f| f.code == code)
        .cloned()
        .collect()
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

fn manual(extra: Value) -> Incident {
    let mut event = json!({ "api_id": API });
    if let (Value::Object(e), Value::Object(x)) = (&mut event, extra) {
        e.extend(x);
    }
    incident(event)
}

fn policy_allow(condition: Value) -> String {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":condition}]}).to_string()
}

const OPEN: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

// ---------------------------------------------------------------------------------------------
// Resource policies
// ---------------------------------------------------------------------------------------------

// ANY with no request: GET works, other verbs are denied. An error saying the policy
// "denies ANY /{proxy+}" is not true for GET callers.
#[test]
fn r08_any_method_without_a_request_under_a_get_only_policy_is_not_a_plain_error() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/*"}]}"#;
    let mut a = api(p, &[("/{proxy+}", "ANY", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    let f = run(
        &snap(a, vec![endpoint("vpce-1", "vpc-1", true)]),
        &manual(json!({})),
    );
    let p = of(&f, Code::PolicyDeniesVpcEndpoint);
    assert!(p.iter().all(|f| f.severity != Severity::Error), "{p:#?}");
}

// A Deny on DELETE covering an ANY method blocks DELETE callers: at least a warning.
#[test]
fn r09_any_method_partly_denied_by_a_verb_deny_is_not_silent() {
    let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/DELETE/*"}]}"#;
    let mut a = api(p, &[("/{proxy+}", "ANY", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    let s = snap(a, vec![endpoint("vpce-1", "vpc-1", true)]);
    // With the DELETE request named, the denial must be found.
    let f = run(
        &s,
        &manual(
            json!({"request":{"url":"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items/1","method":"DELETE"}}),
        ),
    );
    assert!(
        !errors(&of(&f, Code::PolicyDeniesVpcEndpoint)).is_empty(),
        "{f:#?}"
    );
    // With no request, DELETE callers are denied: at least a warning.
    let f = run(&s, &manual(json!({})));
    assert!(!of(&f, Code::PolicyDeniesVpcEndpoint).is_empty(), "{f:#?}");
}

// SPEC §5: "While UNDEPLOYED_POLICY_CHANGE holds, the summary says the current policy is not
// yet live" — the stage still serves the old policy.
#[test]
fn r12_a_denying_policy_not_yet_deployed_says_so() {
    let cloudtrail: Value = serde_json::from_str(include_str!(
        "../../../../events/cloudtrail-update-rest-api-policy.json"
    ))
    .expect("json");
    let mut event = cloudtrail;
    event["detail"]["requestParameters"]["restApiId"] = json!(API);
    event["detail"]["eventTime"] = json!("2026-11-21T09:52:10Z");
    let p = policy_allow(json!({"StringEquals":{"aws:SourceVpce":"vpce-other"}}));
    let mut a = api(&p, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    a.stages[0].deployment_id = Some("d-old".into());
    a.deployments = vec![Deployment {
        id: "d-old".into(),
        created_date: Some(1_795_251_600),
        ..Deployment::default()
    }];
    let f = run(
        &snap(a, vec![endpoint("vpce-1", "vpc-1", true)]),
        &incident(event),
    );
    assert!(!of(&f, Code::UndeployedPolicyChange).is_empty(), "{f:#?}");
    let denies = of(&f, Code::PolicyDeniesVpcEndpoint);
    assert!(!denies.is_empty(), "{f:#?}");
    assert!(
        denies
            .iter()
            .all(|d| d.summary.contains("not yet live") || d.summary.contains("not live")),
        "{denies:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Ways in
// ---------------------------------------------------------------------------------------------

// The provider account of a cross-account private API usually has no execute-api endpoint:
// consumers call through theirs. "nothing can reach private API" is false.
#[test]
fn w02_provider_account_without_its_own_endpoint_is_not_unreachable() {
    let p = policy_allow(json!({"StringEquals":{"aws:SourceVpce":"vpce-0consumer000000001"}}));
    let mut a = api(&p, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-0consumer000000001".into()];
    let f = run(&snap(a, vec![]), &manual(json!({})));
    assert!(errors(&f).is_empty(), "{f:#?}");
}

// aws:SourceVpc naming a consumer account's VPC: this account cannot see its endpoints.
#[test]
fn w03_a_source_vpc_of_another_account_is_not_an_error() {
    let p = policy_allow(json!({"StringEquals":{"aws:SourceVpc":"vpc-0consumer00000001"}}));
    let a = api(&p, &[("/items", "GET", "NONE")]);
    let f = run(
        &snap(a, vec![endpoint("vpce-1", "vpc-1", true)]),
        &manual(json!({})),
    );
    assert!(errors(&f).is_empty(), "{f:#?}");
}

// Two endpoints in one VPC: vpce-1 (private DNS on, associated, allowed) and vpce-2 (private DNS
// off, used for something else). A request to the default hostname from that VPC can only go
// through vpce-1, so vpce-2's policy standing and security groups say nothing about it.
#[test]
fn w04_default_hostname_request_is_judged_through_the_private_dns_endpoint_only() {
    let p = policy_allow(json!({"StringEquals":{"aws:SourceVpce":"vpce-1"}}));
    let mut a = api(&p, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    let mut e2 = endpoint("vpce-2", "vpc-1", false);
    e2.security_group_ids = vec!["sg-closed".into()];
    let mut s = snap(a, vec![endpoint("vpce-1", "vpc-1", true), e2]);
    s.security_groups = vec![SecurityGroup {
        id: "sg-closed".into(),
        name: "closed".into(),
        ..SecurityGroup::default()
    }];
    let f = run(
        &s,
        &manual(
            json!({"client":{"vpc_id":"vpc-1"},"request":{"url":"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items","method":"GET"}}),
        ),
    );
    assert!(errors(&f).is_empty(), "{f:#?}");
}

// ---------------------------------------------------------------------------------------------
// Private DNS
// ---------------------------------------------------------------------------------------------

fn two_vpcs_one_with_private_dns() -> Snapshot {
    let p = policy_allow(json!({"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}));
    let mut a = api(&p, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into(), "vpce-2".into()];
    let mut s = snap(
        a,
        vec![
            endpoint("vpce-1", "vpc-1", true),
            endpoint("vpce-2", "vpc-2", false),
        ],
    );
    s.vpcs.push(vpc("vpc-2", &["10.1.0.0/16"]));
    s
}

// The failing request used the default hostname, but the client VPC is not named: VPC 1 (private
// DNS on) may well be where it ran. VPC 2 deliberately uses the alias form.
#[test]
fn d01_default_hostname_with_unknown_client_vpc_is_not_an_error_for_every_vpc() {
    let s = two_vpcs_one_with_private_dns();
    let f = run(
        &s,
        &manual(
            json!({"request":{"url":"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items","method":"GET"}}),
        ),
    );
    let dns = of(&f, Code::VpcEndpointPrivateDnsDisabled);
    assert!(
        dns.iter().all(|d| d.severity != Severity::Error),
        "{dns:#?}"
    );
}

// …and so enable_private_dns must not be planned as allowed for vpce-2: it would change DNS for
// every client of vpc-2 (public APIs called from there start answering 403).
#[test]
fn d02_enable_private_dns_is_not_planned_for_a_vpc_the_client_is_not_known_to_be_in() {
    use crate::plan::{plan, Context, Status};
    let s = two_vpcs_one_with_private_dns();
    let inc = manual(
        json!({"request":{"url":"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items","method":"GET"}}),
    );
    let f = run(&s, &inc);
    let vars = [
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", "enable_private_dns"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = crate::config::Config::from_vars(&vars).expect("config");
    let p = plan(
        &f,
        &s,
        &inc,
        &config,
        config.mode,
        &Context {
            incident_id: "inc".into(),
            now: chrono::Utc::now(),
            cooldown_seconds: 900,
        },
    );
    let rows: Vec<_> = p
        .rows
        .iter()
        .filter(|r| {
            r.action == crate::action::Action::EnablePrivateDns && r.status == Status::Planned
        })
        .collect();
    assert!(rows.is_empty(), "{rows:#?}");
}

// ---------------------------------------------------------------------------------------------
// Network ACLs
// ---------------------------------------------------------------------------------------------

fn e(n: i32, egress: bool, action: &str, cidr: &str, ports: (i32, i32)) -> NetworkAclEntry {
    NetworkAclEntry::tcp(n, egress, action, cidr, ports)
}

fn all(n: i32, egress: bool, action: &str, cidr: &str) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: n,
        egress,
        protocol: "-1".into(),
        action: action.into(),
        cidr: Some(cidr.into()),
        port_from: None,
        port_to: None,
    }
}

/// vpce-1 in subnet-ep (10.0.1.0/24) [and subnet-ep2 10.0.3.0/24]; app subnet 10.0.2.0/24.
fn nacl_world(
    vpc_cidrs: &[&str],
    acls: Vec<(&str, Vec<&str>, Vec<NetworkAclEntry>)>,
    endpoint_subnets: &[&str],
) -> Snapshot {
    let mut a = api(OPEN, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    let mut vpce = endpoint("vpce-1", "vpc-1", true);
    vpce.subnet_ids = endpoint_subnets.iter().map(|s| s.to_string()).collect();
    let mut s = snap(a, vec![vpce]);
    s.vpcs = vec![vpc("vpc-1", vpc_cidrs)];
    s.subnets = vec![
        Subnet {
            id: "subnet-ep".into(),
            cidr: Some("10.0.1.0/24".into()),
        },
        Subnet {
            id: "subnet-app".into(),
            cidr: Some("10.0.2.0/24".into()),
        },
        Subnet {
            id: "subnet-ep2".into(),
            cidr: Some("10.0.3.0/24".into()),
        },
    ];
    s.network_acls = acls
        .into_iter()
        .map(|(id, subnets, entries)| NetworkAcl {
            id: id.into(),
            subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
            entries,
        })
        .collect();
    s
}

fn default_acl(ipv6: bool) -> Vec<NetworkAclEntry> {
    let mut v = vec![
        all(100, false, "allow", "0.0.0.0/0"),
        all(100, true, "allow", "0.0.0.0/0"),
        all(32767, false, "deny", "0.0.0.0/0"),
        all(32767, true, "deny", "0.0.0.0/0"),
    ];
    if ipv6 {
        v.extend([
            all(101, false, "allow", "::/0"),
            all(101, true, "allow", "::/0"),
            all(32768, false, "deny", "::/0"),
            all(32768, true, "deny", "::/0"),
        ]);
    }
    v
}

fn nacl(s: &Snapshot, client: Value) -> Vec<Finding> {
    let mut extra = json!({});
    if !client.is_null() {
        extra["client"] = client;
    }
    of(&run(s, &manual(extra)), Code::NaclBlocksHttps)
}

// A custom ACL written for the IPv4 CIDR only, in a VPC that also has an IPv6 block: the
// execute-api endpoint is reached over IPv4 (its IP address type is not read), so nothing is
// closed for real clients.
#[test]
fn n02_ipv4_only_custom_acl_in_a_dual_stack_vpc_is_quiet() {
    let rules = vec![
        e(100, false, "allow", "10.0.0.0/16", (443, 443)),
        e(100, true, "allow", "10.0.0.0/16", (1024, 65535)),
        all(32767, false, "deny", "0.0.0.0/0"),
        all(32767, true, "deny", "0.0.0.0/0"),
    ];
    let s = nacl_world(
        &["10.0.0.0/16", "2600:1f18:abcd:1200::/56"],
        vec![
            ("acl-ep", vec!["subnet-ep"], rules),
            ("acl-app", vec!["subnet-app"], default_acl(false)),
        ],
        &["subnet-ep"],
    );
    let f = nacl(&s, Value::Null);
    assert!(f.is_empty(), "{f:#?}");
}

// SPEC §5 NACL_BLOCKS_HTTPS: "warning when ... only part of the ephemeral range". A Linux EC2
// client (ephemeral 32768-60999) works through an ACL returning 32768-65535.
#[test]
fn n04_known_client_with_only_the_linux_ephemeral_range_open_is_a_warning() {
    let rules = vec![
        e(100, false, "allow", "10.0.0.0/16", (443, 443)),
        e(100, true, "allow", "10.0.0.0/16", (32768, 65535)),
    ];
    let s = nacl_world(
        &["10.0.0.0/16"],
        vec![
            ("acl-ep", vec!["subnet-ep"], rules),
            ("acl-app", vec!["subnet-app"], default_acl(false)),
        ],
        &["subnet-ep"],
    );
    let f = nacl(&s, json!({"source_ip":"10.0.2.9"}));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Warning, "{f:#?}");
}

// One custom ACL on every subnet (common): inbound 443 + outbound ephemeral for the endpoint
// side, but no outbound 443 / inbound ephemeral for the client side. The client's calls time out.
#[test]
fn n05_one_acl_shared_by_client_and_endpoint_subnets_is_judged_from_both_sides() {
    let rules = vec![
        e(100, false, "allow", "10.0.0.0/16", (443, 443)),
        e(100, true, "allow", "10.0.0.0/16", (1024, 65535)),
    ];
    let s = nacl_world(
        &["10.0.0.0/16"],
        vec![("acl-shared", vec!["subnet-ep", "subnet-app"], rules)],
        &["subnet-ep"],
    );
    let f = nacl(&s, json!({"subnet_id":"subnet-app"}));
    assert!(
        f.iter().any(|f| f.severity == Severity::Error
            && f.evidence["denied"].to_string().contains("\"outbound\"")),
        "client subnet's outbound 443 is closed: {f:#?}"
    );
}

// Endpoint ENIs in two subnets with one ACL; the client sits in the first. Traffic to the ENI
// in the second subnet crosses the ACL and is dropped; the verdict must not depend on which
// subnet happens to come first.
#[test]
fn n06_a_shared_acl_is_judged_for_every_endpoint_subnet() {
    let rules = vec![
        e(100, false, "allow", "10.0.9.0/24", (443, 443)),
        e(100, true, "allow", "0.0.0.0/0", (1024, 65535)),
        e(110, true, "allow", "0.0.0.0/0", (443, 443)),
        e(110, false, "allow", "0.0.0.0/0", (1024, 65535)),
    ];
    let s = nacl_world(
        &["10.0.0.0/16"],
        vec![("acl-shared", vec!["subnet-ep", "subnet-ep2"], rules)],
        &["subnet-ep", "subnet-ep2"],
    );
    let f = nacl(&s, json!({"source_ip":"10.0.1.50","subnet_id":"subnet-ep"}));
    assert!(
        !f.is_empty(),
        "ENI in subnet-ep2 is unreachable from 10.0.1.50: {f:#?}"
    );
    // Same ACLs, subnets listed the other way round.
    let s2 = nacl_world(
        &["10.0.0.0/16"],
        vec![(
            "acl-shared",
            vec!["subnet-ep", "subnet-ep2"],
            vec![
                e(100, false, "allow", "10.0.9.0/24", (443, 443)),
                e(100, true, "allow", "0.0.0.0/0", (1024, 65535)),
                e(110, true, "allow", "0.0.0.0/0", (443, 443)),
                e(110, false, "allow", "0.0.0.0/0", (1024, 65535)),
            ],
        )],
        &["subnet-ep2", "subnet-ep"],
    );
    let f2 = nacl(
        &s2,
        json!({"source_ip":"10.0.1.50","subnet_id":"subnet-ep"}),
    );
    assert_eq!(f.len(), f2.len(), "order-dependent: {f:#?} vs {f2:#?}");
}

// Hub-and-spoke: a shared execute-api endpoint in a hub VPC (10.0.0.0/16) serves spoke VPCs over
// Transit Gateway; its SG admits 443 from the spokes' 10.20.0.0/16 only. No client given: the
// tool cannot know callers come from the hub VPC.
#[test]
fn s01_endpoint_sg_admitting_only_spoke_ranges_is_not_an_error_without_a_client() {
    let mut a = api(OPEN, &[("/items", "GET", "NONE")]);
    a.vpc_endpoint_ids = vec!["vpce-1".into()];
    let mut vpce = endpoint("vpce-1", "vpc-1", true);
    vpce.security_group_ids = vec!["sg-ep".into()];
    let mut s = snap(a, vec![vpce]);
    s.security_groups = vec![SecurityGroup {
        id: "sg-ep".into(),
        name: "ep".into(),
        ingress: vec![SecurityGroupRule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            cidrs: vec!["10.20.0.0/16".into()],
            ..SecurityGroupRule::default()
        }],
        egress: vec![],
    }];
    let f = run(&s, &manual(json!({})));
    assert!(
        errors(&of(&f, Code::VpcEndpointSgBlocksHttps)).is_empty(),
        "{f:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// redeploy_stage refusals (whole picture)
// ---------------------------------------------------------------------------------------------

mod redeploy {
    use super::*;
    use crate::action::Action;
    use crate::plan::{plan, ActionRow, Context, Status};
    use std::collections::BTreeMap;

    fn policy_changed(api: &str, stage: &str) -> Finding {
        Finding::new(Code::UndeployedPolicyChange, "the policy changed")
            .api(api)
            .stage(Some(stage))
            .resource("d-old")
    }

    fn deployed_api(policy: &str, auth: &str) -> RestApi {
        let mut a = api(policy, &[("/items", "GET", auth)]);
        a.vpc_endpoint_ids = vec!["vpce-1".into()];
        a.stages[0].deployment_id = Some("d-old".into());
        let mut summary = BTreeMap::new();
        summary.insert("/items".to_string(), vec!["GET".to_string()]);
        a.deployments = vec![Deployment {
            id: "d-old".into(),
            created_date: Some(chrono::Utc::now().timestamp() - 3600),
            api_summary: Some(summary),
            ..Deployment::default()
        }];
        a
    }

    pub(super) fn redeploy_rows(s: &Snapshot, extra: Vec<Finding>) -> Vec<ActionRow> {
        let inc = manual(json!({}));
        let mut f = run(s, &inc);
        f.extend(extra);
        let vars = [("APIGW_DOCTOR_MODE", "apply")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = crate::config::Config::from_vars(&vars).expect("config");
        plan(
            &f,
            s,
            &inc,
            &config,
            config.mode,
            &Context {
                incident_id: "inc".into(),
                now: chrono::Utc::now(),
                cooldown_seconds: 900,
            },
        )
        .rows
        .into_iter()
        .filter(|r| r.action == Action::RedeployStage)
        .collect()
    }

    // An Allow whose only condition cannot be judged (aws:VpcSourceIp with no client address;
    // a date condition the evaluator does not model): the policy "could not be evaluated", so
    // SPEC §7 says no deployment may put it live.
    #[test]
    fn p02_an_unjudged_allow_holds_back_a_policy_redeploy() {
        for cond in [
            json!({"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}),
            json!({"IpAddress":{"aws:VpcSourceIp":"10.9.0.0/16"}}),
        ] {
            let s = snap(
                deployed_api(&policy_allow(cond.clone()), "NONE"),
                vec![endpoint("vpce-1", "vpc-1", true)],
            );
            let rows = redeploy_rows(&s, vec![policy_changed(API, "prod")]);
            assert_eq!(rows.len(), 1, "{rows:#?}");
            assert_eq!(rows[0].status, Status::Skipped, "{cond}: {rows:#?}");
        }
    }

    // The stage's deployment content (apisummary) could not be read: whether a method would be
    // dropped is unknown, which must not be treated as "none dropped".
    #[test]
    fn p03_unknown_served_methods_do_not_count_as_nothing_removed() {
        let mut a = deployed_api(OPEN, "NONE");
        a.deployments[0].api_summary = None;
        let s = snap(a, vec![endpoint("vpce-1", "vpc-1", true)]);
        let rows = redeploy_rows(&s, vec![policy_changed(API, "prod")]);
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert_eq!(rows[0].status, Status::Skipped, "{rows:#?}");
    }

    // The policy admits only prod; dev is denied by design. Deploying prod makes the policy live
    // on prod only, which it allows.
    #[test]
    fn p06_a_denial_on_another_stage_does_not_hold_back_this_stage() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}"#;
        let mut a = deployed_api(p, "NONE");
        let mut dev = stage("dev");
        dev.deployment_id = Some("d-old".into());
        a.stages.push(dev);
        let s = snap(a, vec![endpoint("vpce-1", "vpc-1", true)]);
        let rows = redeploy_rows(&s, vec![policy_changed(API, "prod")]);
        let prod: Vec<_> = rows
            .iter()
            .filter(|r| r.target.ends_with("/prod"))
            .collect();
        assert_eq!(prod.len(), 1, "{rows:#?}");
        assert_eq!(prod[0].status, Status::Planned, "{rows:#?}");
    }
}
