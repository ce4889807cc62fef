//! Emits: VPC_LINK_FAILED, VPC_LINK_INACTIVE, VPC_LINK_NOT_READY, VPC_LINK_NOT_FOUND,
//! VPC_LINK_TARGET_MISSING, VPC_LINK_LISTENER_MISSING, VPC_LINK_TARGETS_UNHEALTHY,
//! VPC_LINK_ENDPOINT_CONNECTION_NOT_AVAILABLE, VPC_LINK_SG_BLOCKS,
//! INTEGRATION_TLS_NAME_MISMATCH, INTEGRATION_TLS_CERT_EXPIRED.
//! The path of each private integration of the target stages, walked from configuration alone:
//! link, load balancer, listener on the URI's port, forwarded target groups and their health, a
//! v1 link's endpoint service, a v2 link's security groups, the listener's certificate — the
//! causes of the 500s of <https://repost.aws/knowledge-center/api-gateway-500-error-vpc>.
//! A step whose read failed (in `incomplete`) is not judged, for the load balancer or listener
//! it failed for only.

use super::net::{self, Peer};
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{
    is_iam_server_certificate, listener_load_balancer, Certificate, Listener, LoadBalancer,
    PrivateIntegration, PrivatePath, Served, Snapshot, VpcLink, VpcLinkVersion,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Code, API, stage, resource and the part of it that fails (a port, a listener): what makes a
/// finding one.
type Key = (Code, String, String, String, String);

/// Findings keyed by code, stage and resource, so integrations that share a broken link or
/// load balancer give one finding naming them all.
#[derive(Default)]
struct Found {
    findings: BTreeMap<Key, (Finding, Vec<String>)>,
    /// What could not be judged, and why, for the report's notes (never a silent pass).
    notes: BTreeSet<String>,
}

impl Found {
    fn add(&mut self, at: &PrivateIntegration<'_>, resource: &str, finding: Finding) {
        self.add_part(at, resource, "", finding);
    }

    /// Like `add`, for one failing part of `resource` (a port, a listener): two ports of one
    /// load balancer that fail are two findings, each naming its own.
    fn add_part(
        &mut self,
        at: &PrivateIntegration<'_>,
        resource: &str,
        part: &str,
        finding: Finding,
    ) {
        let finding = as_served(finding, at);
        let key = (
            finding.code,
            at.api_id.to_string(),
            at.stage.to_string(),
            resource.to_string(),
            part.to_string(),
        );
        let entry = self.findings.entry(key).or_insert_with(|| {
            (
                finding
                    .api(at.api_id)
                    .stage(Some(at.stage))
                    .resource(resource),
                Vec::new(),
            )
        });
        if !entry.1.contains(&at.integration) {
            entry.1.push(at.integration.clone());
        }
    }

    /// Says that part of an integration's path was not judged, and why.
    fn not_judged(&mut self, at: &PrivateIntegration<'_>, why: String) {
        self.notes.insert(format!(
            "VPC link path of integration {} of API {} on stage {} not judged: {why}.",
            at.integration, at.api_id, at.stage
        ));
    }

    fn into_findings(self) -> Vec<Finding> {
        self.findings
            .into_values()
            .map(|(mut finding, integrations)| {
                finding.evidence["integrations"] = json!(integrations);
                finding
            })
            .collect()
    }
}

/// What a finding claims depends on whether the stage serves the integration: a REST
/// integration is read from the current definition, so when the stage's deployment is older
/// than the definition's last change, or what it serves is unknown, the finding is a warning
/// that says so (the deployed copy is not readable without `GetExport`).
fn as_served(mut finding: Finding, at: &PrivateIntegration<'_>) -> Finding {
    let undecided = match &at.served {
        Served::Routed | Served::No => return finding,
        Served::Deployed(deployment) => {
            finding.evidence["deployment"] = json!(deployment);
            finding.evidence["integration_read_from"] = json!(CURRENT_DEFINITION);
            return finding;
        }
        Served::DefinitionChanged(deployment) => {
            finding.evidence["deployment"] = json!(deployment);
            format!(
                "stage {} serves deployment {deployment}, and the API's definition has changed since: the deployed integration may not be the one judged",
                at.stage
            )
        }
        Served::Unknown(why) => format!(
            "{why}: the integration may not be live on stage {}",
            at.stage
        ),
    };
    finding.evidence["integration_read_from"] = json!(CURRENT_DEFINITION);
    finding.evidence["undecided"] = json!([undecided]);
    finding
        .summary
        .push_str(&format!(" Not certain: {undecided}."));
    finding.severity(Severity::Warning)
}

const CURRENT_DEFINITION: &str =
    "the current definition (the deployed copy is not readable without GetExport)";

/// Judges every private integration the target stages serve.
pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    walk(snapshot, incident).into_findings()
}

/// What of the served private integrations' paths could not be judged, for the report's notes.
pub fn notes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
    walk(snapshot, incident).notes.into_iter().collect()
}

fn walk(snapshot: &Snapshot, incident: &Incident) -> Found {
    let mut found = Found::default();
    let Some(path) = &snapshot.private_path else {
        return found;
    };
    let now = incident.window.end.timestamp();
    for integration in snapshot.private_integrations() {
        if integration.served != Served::No {
            judge(snapshot, path, &integration, now, &mut found);
        }
    }
    found
}

fn judge(
    snapshot: &Snapshot,
    path: &PrivatePath,
    at: &PrivateIntegration<'_>,
    now: i64,
    found: &mut Found,
) {
    let link_id = match &at.vpc_link_id {
        Ok(id) => id,
        Err(variable) => {
            found.add(
                at,
                at.connection_id,
                Finding::new(
                    Code::VpcLinkNotFound,
                    format!(
                        "Integration connection id {} names stage variable {variable}, which stage {} does not set: API Gateway has no VPC link to send the request through.",
                        at.connection_id, at.stage
                    ),
                )
                .evidence(json!({ "connection_id": at.connection_id, "unset_stage_variable": variable })),
            );
            return;
        }
    };
    if path.missing_vpc_links.contains(link_id) {
        found.add(
            at,
            link_id,
            Finding::new(
                Code::VpcLinkNotFound,
                format!(
                    "VPC link {link_id} (connection id {} on stage {}) does not exist as a REST (v1) or v2 VPC link.",
                    at.connection_id, at.stage
                ),
            )
            .evidence(json!({ "connection_id": at.connection_id, "vpc_link_id": link_id })),
        );
        return;
    }
    let Some(link) = path.vpc_link(link_id) else {
        return;
    };
    judge_status(link, at, found);
    let Some((load_balancers, listener_arn)) = load_balancers_of(link, at) else {
        found.not_judged(at, no_load_balancer(at));
        return;
    };
    for arn in &load_balancers {
        if path.missing_load_balancers.contains(arn) {
            found.add(
                at,
                arn,
                Finding::new(
                    Code::VpcLinkTargetMissing,
                    format!(
                        "Load balancer {arn} behind VPC link {} no longer exists: recreating the link would not help.",
                        link.id
                    ),
                )
                .evidence(json!({ "vpc_link_id": link.id, "load_balancer_arn": arn })),
            );
            continue;
        }
        if let Some(balancer) = path.load_balancer(arn) {
            judge_balancer(snapshot, path, link, balancer, listener_arn, at, now, found);
        }
    }
}

fn judge_status(link: &VpcLink, at: &PrivateIntegration<'_>, found: &mut Found) {
    let evidence = json!({
        "vpc_link_id": link.id, "name": link.name, "version": link.version,
        "status": link.status, "status_message": link.status_message,
    });
    let message = link
        .status_message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let finding = match link.status.as_str() {
        "FAILED" => Finding::new(
            Code::VpcLinkFailed,
            format!(
                "VPC link {} ({}) is FAILED{message}; every request through it answers 500.",
                link.id, link.name
            ),
        ),
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html
        "INACTIVE" => Finding::new(
            Code::VpcLinkInactive,
            format!(
                "VPC link {} ({}) is INACTIVE after 60 days without traffic: the first requests fail while API Gateway provisions it again, then it heals itself (never recreate it).",
                link.id, link.name
            ),
        ),
        "PENDING" | "DELETING" => Finding::new(
            Code::VpcLinkNotReady,
            format!(
                "VPC link {} ({}) is {}{message}: requests through it fail until it is AVAILABLE.",
                link.id, link.name, link.status
            ),
        ),
        _ => return,
    };
    found.add(at, &link.id, finding.evidence(evidence));
}

/// The load balancers a request takes and, for an HTTP API, the listener it names; `None`
/// when the integration names none this check can follow (a Cloud Map service).
fn load_balancers_of<'a>(
    link: &VpcLink,
    at: &'a PrivateIntegration<'_>,
) -> Option<(Vec<String>, Option<&'a str>)> {
    match link.version {
        VpcLinkVersion::V1 => Some((link.target_arns.clone(), None)),
        VpcLinkVersion::V2 => match (at.integration_target, at.resolved_uri()) {
            (Some(target), _) => Some((vec![target.to_string()], None)),
            (None, Some(uri)) if uri.starts_with("arn:") => {
                Some((vec![listener_load_balancer(uri)?], Some(uri)))
            }
            _ => None,
        },
    }
}

/// The URI's host (lower case) and port (the scheme's default when none is written).
fn host_and_port(uri: &str) -> Option<(Option<String>, i32, bool)> {
    let parsed = uri.parse::<http::Uri>().ok()?;
    let https = parsed.scheme_str()?.eq_ignore_ascii_case("https");
    let port = parsed
        .port_u16()
        .map(i32::from)
        .unwrap_or(if https { 443 } else { 80 });
    let host = parsed
        .host()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase());
    Some((host, port, https))
}

/// Why a v2 link's integration names no load balancer: an HTTP API's private integration may
/// go to an AWS Cloud Map service instead
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html>),
/// whose instances are not read.
fn no_load_balancer(at: &PrivateIntegration<'_>) -> String {
    match at.resolved_uri() {
        Some(uri) if uri.split(':').nth(2) == Some("servicediscovery") => format!(
            "it sends to AWS Cloud Map service {uri}, whose registered instances are not read (only load balancers are)"
        ),
        Some(uri) if !uri.starts_with("arn:") => format!(
            "it names no load balancer (no integrationTarget, and its URI {uri} is no listener ARN)"
        ),
        _ => unreadable_uri(at),
    }
}

/// Why an integration's URI gives no port to look for: a stage variable the stage does not
/// set, or not a URL once the stage's variables are put in
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html>).
fn unreadable_uri(at: &PrivateIntegration<'_>) -> String {
    match &at.uri {
        Some(Err(variable)) => format!(
            "its URI names stage variable {variable}, which the stage does not set, so the listener, targets, security groups and certificate behind it were not looked at"
        ),
        Some(Ok(uri)) => format!(
            "its URI {uri} (stage variables put in) is not a URL with a scheme and host, so the listener, targets, security groups and certificate behind it were not looked at"
        ),
        None => "it has no URI, so the listener behind it is not known".to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_balancer(
    snapshot: &Snapshot,
    path: &PrivatePath,
    link: &VpcLink,
    balancer: &LoadBalancer,
    listener_arn: Option<&str>,
    at: &PrivateIntegration<'_>,
    now: i64,
    found: &mut Found,
) {
    if balancer.listeners_unread {
        return;
    }
    let url = at.resolved_uri().filter(|u| !u.starts_with("arn:"));
    let parsed = url.and_then(host_and_port);
    let ports: Vec<i32> = balancer.listeners.iter().filter_map(|l| l.port).collect();
    let listeners: Vec<&Listener> = match (listener_arn, &parsed) {
        (Some(arn), _) => balancer.listeners.iter().filter(|l| l.arn == arn).collect(),
        (None, Some((_, port, _))) => balancer
            .listeners
            .iter()
            .filter(|l| l.port == Some(*port))
            .collect(),
        (None, None) => {
            found.not_judged(at, unreadable_uri(at));
            return;
        }
    };
    if listeners.is_empty() {
        let wanted = listener_arn.map_or_else(
            || format!("port {}", parsed.as_ref().map_or(0, |p| p.1)),
            |arn| format!("listener {arn}"),
        );
        found.add_part(
            at,
            &balancer.arn,
            &wanted,
            Finding::new(
                Code::VpcLinkListenerMissing,
                format!(
                    "Load balancer {} has no {wanted}, which the integration sends to; its listeners are on ports {:?}.",
                    balancer.name, ports
                ),
            )
            .evidence(json!({
                "load_balancer_arn": balancer.arn, "integration_uri": at.resolved_uri(),
                "wanted": wanted, "listener_ports": ports,
            })),
        );
        return;
    }
    judge_targets(path, balancer, &listeners, at, found);
    if link.version == VpcLinkVersion::V1 {
        // A link that is not AVAILABLE is already the finding: while PENDING, FAILED or
        // DELETING its endpoint connection is not (or no longer) expected to be available.
        if link.status == "AVAILABLE" {
            judge_endpoint_service(path, link, balancer, at, found);
        }
    } else {
        judge_security_groups(snapshot, link, balancer, &listeners, at, found);
    }
    let host = at
        .server_name_to_verify
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        .or_else(|| parsed.as_ref().filter(|p| p.2).and_then(|p| p.0.clone()));
    if let Some(host) = host {
        judge_certificates(path, balancer, &listeners, &host, at, now, found);
    }
}

/// A target that takes traffic: `healthy`, or `unavailable` (health checks are off, so the
/// load balancer routes to it).
///
/// When every registered target of a group is `unhealthy` the load balancer fails open and
/// routes to all of them
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html>,
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html>):
/// requests still reach the backend, so that is a warning; no target in service at all
/// (none registered, or all `initial`, `unused`, `draining`) is an error.
fn takes_traffic(state: &str) -> bool {
    matches!(state, "healthy" | "unavailable")
}

fn judge_targets(
    path: &PrivatePath,
    balancer: &LoadBalancer,
    listeners: &[&Listener],
    at: &PrivateIntegration<'_>,
    found: &mut Found,
) {
    if listeners.iter().any(|l| l.rules_unread) {
        return;
    }
    let arns: Vec<&String> = listeners
        .iter()
        .flat_map(|l| &l.target_group_arns)
        .collect();
    let groups: Vec<_> = arns.iter().filter_map(|a| path.target_group(a)).collect();
    if groups.is_empty() || groups.len() != arns.len() {
        return;
    }
    let healthy = groups
        .iter()
        .flat_map(|g| &g.targets)
        .any(|t| takes_traffic(&t.state));
    if healthy {
        return;
    }
    let evidence: Vec<Value> = groups
        .iter()
        .map(|g| {
            json!({
                "target_group_arn": g.arn,
                "targets": g.targets.iter().map(|t| json!({
                    "id": t.id, "port": t.port, "availability_zone": t.availability_zone,
                    "state": t.state, "reason": t.reason, "description": t.description,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let states: Vec<String> = groups
        .iter()
        .flat_map(|g| &g.targets)
        .map(|t| format!("{} {}", t.id, t.reason.as_deref().unwrap_or(&t.state)))
        .collect();
    let fails_open = groups
        .iter()
        .any(|g| g.targets.iter().any(|t| t.state == "unhealthy"));
    let summary = if states.is_empty() {
        format!(
            "The target groups behind load balancer {}'s listener have no registered target.",
            balancer.name
        )
    } else if fails_open {
        format!(
            "No target behind load balancer {}'s listener is healthy ({}); the load balancer fails open: requests still reach the targets, health checks fail.",
            balancer.name,
            states.join(", ")
        )
    } else {
        format!(
            "No target behind load balancer {}'s listener is in service ({}).",
            balancer.name,
            states.join(", ")
        )
    };
    let finding = Finding::new(Code::VpcLinkTargetsUnhealthy, summary).evidence(json!({
        "load_balancer_arn": balancer.arn, "target_groups": evidence, "fails_open": fails_open,
    }));
    let part: Vec<&str> = listeners.iter().map(|l| l.arn.as_str()).collect();
    found.add_part(
        at,
        &balancer.arn,
        &part.join(" "),
        if fails_open {
            finding.severity(Severity::Warning)
        } else {
            finding
        },
    );
}

/// A v1 link reaches its Network Load Balancer through a VPC endpoint service; API Gateway's
/// endpoint connection to it must be `available`.
fn judge_endpoint_service(
    path: &PrivatePath,
    link: &VpcLink,
    balancer: &LoadBalancer,
    at: &PrivateIntegration<'_>,
    found: &mut Found,
) {
    let Some(services) = &path.endpoint_services else {
        return;
    };
    let serving: Vec<_> = services
        .iter()
        .filter(|s| s.load_balancer_arns.contains(&balancer.arn))
        .collect();
    if serving
        .iter()
        .flat_map(|s| &s.connections)
        .any(|c| c.state.eq_ignore_ascii_case("available"))
    {
        return;
    }
    let connections: Vec<Value> = serving
        .iter()
        .flat_map(|s| {
            s.connections.iter().map(|c| {
                json!({ "service_id": s.service_id, "vpc_endpoint_id": c.vpc_endpoint_id,
                        "owner": c.owner, "state": c.state })
            })
        })
        .collect();
    let summary = if serving.is_empty() {
        format!(
            "No VPC endpoint service serves load balancer {} any more, so VPC link {} cannot reach it (the endpoint service was deleted).",
            balancer.name, link.id
        )
    } else {
        format!(
            "The VPC endpoint service of load balancer {} has no available endpoint connection (seen: {}), so VPC link {} cannot reach it.",
            balancer.name,
            if connections.is_empty() { "none".to_string() } else {
                serving.iter().flat_map(|s| &s.connections).map(|c| format!("{} {}", c.vpc_endpoint_id, c.state)).collect::<Vec<_>>().join(", ")
            },
            link.id
        )
    };
    found.add(
        at,
        &balancer.arn,
        Finding::new(Code::VpcLinkEndpointConnectionNotAvailable, summary).evidence(json!({
            "vpc_link_id": link.id, "load_balancer_arn": balancer.arn,
            "endpoint_services": serving.iter().map(|s| &s.service_id).collect::<Vec<_>>(),
            "connections": connections,
        })),
    );
}

/// A v2 link's network interfaces send from its security groups: they need egress to the
/// listener port, and the load balancer's groups (if it has any: a Network Load Balancer
/// created without security groups admits everything) need ingress from the link
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html>).
fn judge_security_groups(
    snapshot: &Snapshot,
    link: &VpcLink,
    balancer: &LoadBalancer,
    listeners: &[&Listener],
    at: &PrivateIntegration<'_>,
    found: &mut Found,
) {
    let link_groups: Option<Vec<_>> = link
        .security_group_ids
        .iter()
        .map(|id| snapshot.security_group(id))
        .collect();
    let balancer_groups: Option<Vec<_>> = balancer
        .security_group_ids
        .iter()
        .map(|id| snapshot.security_group(id))
        .collect();
    let (Some(link_groups), Some(balancer_groups)) = (link_groups, balancer_groups) else {
        return;
    };
    if link_groups.is_empty() {
        return;
    }
    let link_ranges: Option<Vec<_>> = link
        .subnet_ids
        .iter()
        .map(|id| snapshot.subnet(id)?.cidr.as_deref().and_then(net::cidr))
        .collect();
    let balancer_ranges: Option<Vec<_>> = balancer
        .vpc_id
        .as_deref()
        .and_then(|vpc| snapshot.vpc(vpc))
        .map(|vpc| vpc.cidrs.iter().filter_map(|c| net::cidr(c)).collect());
    let (Some(link_ranges), Some(balancer_ranges)) = (link_ranges, balancer_ranges) else {
        return;
    };
    let to_balancer = Peer {
        ranges: balancer_ranges,
        group_ids: balancer.security_group_ids.clone(),
        described: format!("load balancer {}", balancer.name),
        known_client: false,
    };
    let from_link = Peer {
        ranges: link_ranges,
        group_ids: link.security_group_ids.clone(),
        described: format!("VPC link {}", link.id),
        known_client: false,
    };
    for port in listeners.iter().filter_map(|l| l.port) {
        let egress = link_groups.iter().any(|g| {
            g.egress.iter().any(|r| {
                net::rule_covers_port(r, port) && to_balancer.admitted_by(r, &snapshot.prefix_lists)
            })
        });
        let ingress = balancer_groups.is_empty()
            || balancer_groups.iter().any(|g| {
                g.ingress.iter().any(|r| {
                    net::rule_covers_port(r, port)
                        && from_link.admitted_by(r, &snapshot.prefix_lists)
                })
            });
        if egress && ingress {
            continue;
        }
        let side = match (egress, ingress) {
            (false, false) => "the link's security groups allow no egress to it and the load balancer's allow no ingress from the link",
            (false, true) => "the link's security groups allow no egress to it",
            _ => "the load balancer's security groups allow no ingress from the link",
        };
        found.add_part(
            at,
            &link.id,
            &format!("{} {port}", balancer.arn),
            Finding::new(
                Code::VpcLinkSgBlocks,
                format!(
                    "Traffic from VPC link {} to load balancer {} on TCP {port} is dropped: {side}.",
                    link.id, balancer.name
                ),
            )
            .evidence(json!({
                "port": port,
                "link_egress_allowed": egress,
                "load_balancer_ingress_allowed": ingress,
                "link_security_groups": link_groups.iter().map(|g| json!({
                    "group_id": g.id, "egress": net::rules_evidence(&g.egress) })).collect::<Vec<_>>(),
                "load_balancer_security_groups": balancer_groups.iter().map(|g| json!({
                    "group_id": g.id, "ingress": net::rules_evidence(&g.ingress) })).collect::<Vec<_>>(),
                "link": from_link.evidence(),
                "load_balancer": to_balancer.evidence(),
            })),
        );
    }
}

/// Whether a certificate name covers `host` (both lower case). A wildcard stands for exactly
/// one whole left-most label: `*.example.com` covers `api.example.com`, not `example.com` nor
/// `a.b.example.com` (RFC 6125 §6.4.3, <https://www.rfc-editor.org/rfc/rfc6125#section-6.4.3>).
pub fn name_covers(name: &str, host: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.strip_prefix("*.") {
        Some(parent) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
        None => name == host,
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_certificates(
    path: &PrivatePath,
    balancer: &LoadBalancer,
    listeners: &[&Listener],
    host: &str,
    at: &PrivateIntegration<'_>,
    now: i64,
    found: &mut Found,
) {
    for listener in listeners
        .iter()
        .filter(|l| !l.certificate_arns.is_empty() && !l.certificates_unread)
    {
        let iam: Vec<&str> = listener
            .certificate_arns
            .iter()
            .map(String::as_str)
            .filter(|arn| is_iam_server_certificate(arn))
            .collect();
        if !iam.is_empty() {
            found.not_judged(
                at,
                format!(
                    "load balancer {}'s listener on port {} serves IAM server certificate(s) {}, whose names and expiry are not read (only ACM certificates are)",
                    balancer.name,
                    listener.port.unwrap_or_default(),
                    iam.join(", ")
                ),
            );
            continue;
        }
        let certificates: Option<Vec<&Certificate>> = listener
            .certificate_arns
            .iter()
            .map(|arn| path.certificate(arn))
            .collect();
        let Some(certificates) = certificates else {
            continue;
        };
        // With several certificates the listener picks by SNI; the first is its default.
        let matching = certificates
            .iter()
            .find(|c| c.names().iter().any(|n| name_covers(n, host)));
        let names: Vec<&str> = certificates.iter().flat_map(|c| c.names()).collect();
        if matching.is_none() {
            found.add(
                at,
                &listener.arn,
                Finding::new(
                    Code::IntegrationTlsNameMismatch,
                    format!(
                        "API Gateway verifies host name {host} but load balancer {}'s listener on port {} presents a certificate for {}: \"Host name '{host}' does not match the certificate subject\".",
                        balancer.name,
                        listener.port.unwrap_or_default(),
                        names.join(", ")
                    ),
                )
                .evidence(json!({
                    "host": host,
                    "server_name_to_verify": at.server_name_to_verify,
                    "listener_arn": listener.arn,
                    "certificates": certificates.iter().map(|c| json!({ "arn": c.arn, "names": c.names() })).collect::<Vec<_>>(),
                })),
            );
        }
        let Some(served) = matching.or(certificates.first()) else {
            continue;
        };
        let expired = served.not_after.is_some_and(|t| t < now);
        let early = served.not_before.is_some_and(|t| t > now);
        if expired || early {
            found.add_part(
                at,
                &served.arn,
                &listener.arn,
                Finding::new(
                    Code::IntegrationTlsCertExpired,
                    format!(
                        "Certificate {} on load balancer {}'s listener on port {} {}.",
                        served.arn,
                        balancer.name,
                        listener.port.unwrap_or_default(),
                        if expired {
                            "has expired"
                        } else {
                            "is not valid yet"
                        }
                    ),
                )
                .evidence(json!({
                    "certificate_arn": served.arn, "names": served.names(),
                    "not_before": served.not_before, "not_after": served.not_after, "now": now,
                    "listener_arn": listener.arn,
                })),
            );
        }
    }
}
