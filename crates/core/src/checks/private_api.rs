//! Emits: PRIVATE_API_NO_POLICY, VPC_ENDPOINT_NOT_AVAILABLE, EXECUTE_API_ENDPOINT_MISSING,
//! VPC_ENDPOINT_PRIVATE_DNS_DISABLED, VPC_DNS_DISABLED, VPC_ENDPOINT_SG_BLOCKS_HTTPS,
//! CLIENT_SG_BLOCKS_HTTPS, NACL_BLOCKS_HTTPS.
//! Private REST APIs — reaching the endpoint: policy presence, endpoints, DNS, security groups
//! and network ACLs (SPEC §5).

use super::net::{self, AclVerdict, Peer, EPHEMERAL_PORTS, HTTPS};
use super::ways_in::WaysIn;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::{ClientHint, Incident};
use crate::policy;
use crate::snapshot::{RestApi, Snapshot, VpcEndpoint};
use serde_json::json;
use std::collections::BTreeSet;

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let client = incident.client.as_ref();
    let mut findings = Vec::new();
    for api in snapshot.rest_apis.iter().filter(|a| a.is_private()) {
        let document = api
            .policy
            .as_deref()
            .and_then(|p| policy::parse_policy(p).ok());
        let ways = WaysIn::of(snapshot, api, document.as_ref(), client);
        if api.policy.is_none() {
            findings.push(
                Finding::new(
                    Code::PrivateApiNoPolicy,
                    format!(
                        "Private API {} has no resource policy, so every call is refused with \"User: anonymous is not authorized to perform: execute-api:Invoke\".",
                        api.id
                    ),
                )
                .api(&api.id)
                .resource(&api.id)
                .evidence(json!({ "endpoint_types": api.endpoint_types, "policy": null })),
            );
        }
        if !snapshot.network_read || snapshot.read_failed("ec2:DescribeVpcEndpoints") {
            continue;
        }
        findings.extend(endpoints_not_available(snapshot, api, &ways));
        findings.extend(endpoint_missing(snapshot, api, &ways, client));
        let network = ways.network();
        findings.extend(dns(snapshot, api, &network, incident));
        findings.extend(security_groups(snapshot, api, &network, client));
        findings.extend(network_acls(snapshot, api, &network, client));
    }
    findings
}

fn endpoints_not_available(snapshot: &Snapshot, api: &RestApi, ways: &WaysIn) -> Vec<Finding> {
    ways.named
        .iter()
        .filter_map(|(id, named_in)| {
            let (problem, state) = match snapshot.vpc_endpoint(id) {
                None => return Some(not_visible(snapshot, api, id, named_in)),
                Some(e) if !e.is_execute_api() => (
                    format!("is an endpoint for {}, not for execute-api", e.service_name),
                    Some(e.state.clone()),
                ),
                Some(e) if !e.is_available() => (
                    format!("is {}, not available", e.state),
                    Some(e.state.clone()),
                ),
                Some(_) => return None,
            };
            Some(
                Finding::new(
                    Code::VpcEndpointNotAvailable,
                    format!(
                        "VPC endpoint {id}, named in the {named_in} of API {}, {problem}.",
                        api.id
                    ),
                )
                .api(&api.id)
                .resource(id)
                .evidence(json!({
                    "vpc_endpoint_id": id,
                    "named_in": named_in,
                    "state": state,
                    "service_name": snapshot.vpc_endpoint(id).map(|e| e.service_name.clone()),
                })),
            )
        })
        .collect()
}

/// An endpoint id this account cannot see: it may well be a consumer account's endpoint (private
/// APIs are often called from other accounts), so a warning that says where to look.
fn not_visible(snapshot: &Snapshot, api: &RestApi, id: &str, named_in: &str) -> Finding {
    Finding::new(
        Code::VpcEndpointNotAvailable,
        format!(
            "VPC endpoint {id}, named in the {named_in} of API {}, is not visible in account {} ({}); if it belongs to a consumer account, check it there (--account <that account>).",
            api.id,
            snapshot.account.as_deref().unwrap_or("(unknown)"),
            snapshot.region
        ),
    )
    .severity(Severity::Warning)
    .api(&api.id)
    .resource(id)
    .evidence(json!({
        "vpc_endpoint_id": id,
        "named_in": named_in,
        "state": null,
        "visible_in_this_account": false,
    }))
}

fn endpoint_missing(
    snapshot: &Snapshot,
    api: &RestApi,
    ways: &WaysIn,
    client: Option<&ClientHint>,
) -> Vec<Finding> {
    let has_endpoint = |vpc: &str| snapshot.execute_api_endpoints().any(|e| e.vpc_id == vpc);
    let service = snapshot.partition().endpoint_service("execute-api");
    let missing_in = |vpc: &str, why: &str| {
        Finding::new(
            Code::ExecuteApiEndpointMissing,
            format!("VPC {vpc} ({why}) has no {service} interface endpoint, so it cannot reach private API {}.", api.id),
        )
        .api(&api.id)
        .resource(vpc)
        .evidence(json!({ "vpc_id": vpc, "service_name": service, "why_this_vpc": why }))
    };
    if let Some(vpc) = client.and_then(|c| c.vpc_id.as_deref()) {
        return if has_endpoint(vpc) {
            Vec::new()
        } else {
            vec![missing_in(vpc, "the client's VPC")]
        };
    }
    let mut findings: Vec<Finding> = ways
        .vpcs
        .iter()
        .filter(|vpc| !has_endpoint(vpc))
        .map(|vpc| missing_in(vpc, "named by aws:SourceVpc in the resource policy"))
        .collect();
    if ways.vpcs.is_empty() && snapshot.execute_api_endpoints().next().is_none() {
        findings.push(
            Finding::new(
                Code::ExecuteApiEndpointMissing,
                format!("No {service} interface endpoint exists in any VPC of this account and region, so nothing can reach private API {}.", api.id),
            )
            .api(&api.id)
            .resource(&api.id)
            .evidence(json!({ "service_name": service, "execute_api_endpoints": [] })),
        );
    }
    findings
}

/// Private DNS is judged per VPC: one available execute-api endpoint with private DNS on serves
/// the whole VPC. Error only when the request shows the default hostname; otherwise a warning,
/// since private DNS off is also a deliberate choice (SPEC §5).
fn dns(
    snapshot: &Snapshot,
    api: &RestApi,
    ways_in: &[&VpcEndpoint],
    incident: &Incident,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let partition = snapshot.partition();
    let private_name = partition.host(&format!("{}.execute-api", api.id));
    let default_host_used = incident
        .request
        .as_ref()
        .and_then(|r| r.url.as_deref()?.parse::<http::Uri>().ok())
        .and_then(|uri| uri.host().map(|h| h.eq_ignore_ascii_case(&private_name)))
        .unwrap_or(false);
    let mut vpcs_seen = BTreeSet::new();
    for endpoint in ways_in {
        if !vpcs_seen.insert(endpoint.vpc_id.clone()) {
            continue;
        }
        let in_vpc: Vec<&VpcEndpoint> = snapshot
            .execute_api_endpoints()
            .filter(|e| e.is_available() && e.vpc_id == endpoint.vpc_id)
            .collect();
        if !in_vpc.iter().any(|e| e.private_dns_enabled) {
            let url_forms: Vec<String> = in_vpc
                .iter()
                .flat_map(|e| {
                    let own = e.dns_names.first().map(|name| {
                        format!("https://{name}/<stage>/... with header x-apigw-api-id: {} (or Host: {private_name})", api.id)
                    });
                    let associated = api.vpc_endpoint_ids.contains(&e.id).then(|| {
                        format!(
                            "https://{}/<stage>/...",
                            partition.host(&format!("{}-{}.execute-api", api.id, e.id))
                        )
                    });
                    own.into_iter().chain(associated)
                })
                .collect();
            let severity = if default_host_used {
                Severity::Error
            } else {
                Severity::Warning
            };
            findings.push(
                Finding::new(
                    Code::VpcEndpointPrivateDnsDisabled,
                    format!(
                        "No execute-api endpoint in VPC {} has private DNS on, so {private_name} does not resolve to an endpoint from that VPC{}; call {} instead, or enable private DNS on {}.",
                        endpoint.vpc_id,
                        if default_host_used { ", and the failing request used that name" } else { "" },
                        url_forms.first().map(String::as_str).unwrap_or("the endpoint's own DNS name with header x-apigw-api-id"),
                        endpoint.id,
                    ),
                )
                .severity(severity)
                .api(&api.id)
                .resource(&endpoint.id)
                .evidence(json!({
                    "vpc_endpoint_id": endpoint.id,
                    "vpc_id": endpoint.vpc_id,
                    "private_dns_enabled": false,
                    "private_dns_name": private_name,
                    "default_hostname_used": default_host_used,
                    "endpoints_in_vpc": in_vpc.iter().map(|e| &e.id).collect::<Vec<_>>(),
                    "endpoint_dns_names": endpoint.dns_names,
                    "url_forms": url_forms,
                    "headers": {
                        "x-apigw-api-id": api.id,
                        "Host": private_name,
                    },
                })),
            );
        }
        let Some(vpc) = snapshot.vpc(&endpoint.vpc_id) else {
            continue;
        };
        let off: Vec<&str> = [
            ("enableDnsSupport", vpc.dns_support),
            ("enableDnsHostnames", vpc.dns_hostnames),
        ]
        .into_iter()
        .filter(|(_, value)| *value == Some(false))
        .map(|(name, _)| name)
        .collect();
        if !off.is_empty() {
            findings.push(
                Finding::new(
                    Code::VpcDnsDisabled,
                    format!(
                        "{} is off in VPC {}, so private DNS for {} cannot resolve {private_name}.",
                        off.join(" and "),
                        vpc.id,
                        endpoint.id
                    ),
                )
                .api(&api.id)
                .resource(&vpc.id)
                .evidence(json!({
                    "vpc_id": vpc.id,
                    "enableDnsSupport": vpc.dns_support,
                    "enableDnsHostnames": vpc.dns_hostnames,
                    "vpc_endpoint_id": endpoint.id,
                })),
            );
        }
    }
    findings
}

/// Where requests come from: the client when given, else everything in the endpoint's VPC.
fn client_peer(snapshot: &Snapshot, endpoint: &VpcEndpoint, client: Option<&ClientHint>) -> Peer {
    let group_ids = client
        .map(|c| c.security_group_ids.clone())
        .unwrap_or_default();
    if let Some(ip) = client
        .and_then(|c| c.source_ip.as_deref())
        .and_then(net::cidr)
    {
        return Peer {
            ranges: vec![ip],
            group_ids,
            described: format!("client address {ip}"),
        };
    }
    if let Some(subnet) = client
        .and_then(|c| c.subnet_id.as_deref())
        .and_then(|id| snapshot.subnet(id))
    {
        if let Some(range) = subnet.cidr.as_deref().and_then(net::cidr) {
            return Peer {
                ranges: vec![range],
                group_ids,
                described: format!("client subnet {} ({range})", subnet.id),
            };
        }
    }
    let vpc_id = client
        .and_then(|c| c.vpc_id.as_deref())
        .unwrap_or(&endpoint.vpc_id);
    let ranges: Vec<_> = snapshot
        .vpc(vpc_id)
        .map(|v| v.cidrs.iter().filter_map(|c| net::cidr(c)).collect())
        .unwrap_or_default();
    let described = if group_ids.is_empty() {
        format!("VPC {vpc_id} CIDR")
    } else {
        format!("client security groups {}", group_ids.join(", "))
    };
    Peer {
        ranges,
        group_ids,
        described,
    }
}

fn security_groups(
    snapshot: &Snapshot,
    api: &RestApi,
    ways_in: &[&VpcEndpoint],
    client: Option<&ClientHint>,
) -> Vec<Finding> {
    if snapshot.read_failed("ec2:DescribeSecurityGroups") {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for endpoint in ways_in {
        let peer = client_peer(snapshot, endpoint, client);
        let groups: Vec<_> = endpoint
            .security_group_ids
            .iter()
            .filter_map(|id| snapshot.security_group(id))
            .collect();
        if groups.is_empty() || (peer.ranges.is_empty() && peer.group_ids.is_empty()) {
            continue;
        }
        let admitted = groups.iter().any(|g| {
            g.ingress
                .iter()
                .any(|r| net::rule_covers_port(r, HTTPS) && peer.admitted_by(r))
        });
        if !admitted {
            findings.push(
                Finding::new(
                    Code::VpcEndpointSgBlocksHttps,
                    format!(
                        "No security group of {} allows inbound TCP 443 from {}: calls time out (\"Connection timed out\").",
                        endpoint.id, peer.described
                    ),
                )
                .api(&api.id)
                .resource(&endpoint.id)
                .evidence(json!({
                    "vpc_endpoint_id": endpoint.id,
                    "port": HTTPS,
                    "source": peer.evidence(),
                    "security_groups": groups.iter().map(|g| json!({
                        "group_id": g.id, "group_name": g.name, "ingress": net::rules_evidence(&g.ingress),
                    })).collect::<Vec<_>>(),
                })),
            );
        }
        findings.extend(client_egress(snapshot, api, endpoint, client));
    }
    findings
}

fn client_egress(
    snapshot: &Snapshot,
    api: &RestApi,
    endpoint: &VpcEndpoint,
    client: Option<&ClientHint>,
) -> Option<Finding> {
    let client_groups: Vec<_> = client?
        .security_group_ids
        .iter()
        .filter_map(|id| snapshot.security_group(id))
        .collect();
    if client_groups.is_empty() {
        return None;
    }
    let ranges = endpoint
        .subnet_ids
        .iter()
        .filter_map(|id| snapshot.subnet(id)?.cidr.as_deref().and_then(net::cidr))
        .chain(
            snapshot
                .vpc(&endpoint.vpc_id)
                .into_iter()
                .flat_map(|v| v.cidrs.iter().filter_map(|c| net::cidr(c))),
        )
        .collect();
    let target = Peer {
        ranges,
        group_ids: endpoint.security_group_ids.clone(),
        described: format!("endpoint {}", endpoint.id),
    };
    let allowed = client_groups.iter().any(|g| {
        g.egress
            .iter()
            .any(|r| net::rule_covers_port(r, HTTPS) && target.admitted_by(r))
    });
    (!allowed).then(|| {
        Finding::new(
            Code::ClientSgBlocksHttps,
            format!(
                "The client's security groups allow no outbound TCP 443 to {}.",
                endpoint.id
            ),
        )
        .api(&api.id)
        .resource(&endpoint.id)
        .evidence(json!({
            "vpc_endpoint_id": endpoint.id,
            "port": HTTPS,
            "destination": target.evidence(),
            "security_groups": client_groups.iter().map(|g| json!({
                "group_id": g.id, "group_name": g.name, "egress": net::rules_evidence(&g.egress),
            })).collect::<Vec<_>>(),
        }))
    })
}

fn network_acls(
    snapshot: &Snapshot,
    api: &RestApi,
    ways_in: &[&VpcEndpoint],
    client: Option<&ClientHint>,
) -> Vec<Finding> {
    if snapshot.read_failed("ec2:DescribeNetworkAcls") {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for endpoint in ways_in {
        let peer = client_peer(snapshot, endpoint, client);
        let mut acls_seen = BTreeSet::new();
        for subnet_id in &endpoint.subnet_ids {
            let Some(acl) = snapshot.network_acl_for_subnet(subnet_id) else {
                continue;
            };
            if !acls_seen.insert(acl.id.clone()) {
                continue;
            }
            let mut blocked = Vec::new();
            for range in &peer.ranges {
                if let Some(AclVerdict::Denied(rule)) = net::acl_verdict(acl, false, HTTPS, range) {
                    blocked.push(json!({ "direction": "inbound", "port": HTTPS, "peer": range.to_string(), "rule_number": rule }));
                }
                for port in EPHEMERAL_PORTS {
                    if let Some(AclVerdict::Denied(rule)) = net::acl_verdict(acl, true, port, range)
                    {
                        blocked.push(json!({ "direction": "outbound (return traffic)", "port": port, "peer": range.to_string(), "rule_number": rule }));
                    }
                }
            }
            if blocked.is_empty() {
                continue;
            }
            findings.push(
                Finding::new(
                    Code::NaclBlocksHttps,
                    format!(
                        "Network ACL {} on subnet {subnet_id} of {} denies HTTPS from {} or its return traffic.",
                        acl.id, endpoint.id, peer.described
                    ),
                )
                .api(&api.id)
                .resource(&acl.id)
                .evidence(json!({
                    "network_acl_id": acl.id,
                    "subnet_id": subnet_id,
                    "vpc_endpoint_id": endpoint.id,
                    "source": peer.evidence(),
                    "denied": blocked,
                    "entries": acl.entries,
                })),
            );
        }
    }
    findings
}
