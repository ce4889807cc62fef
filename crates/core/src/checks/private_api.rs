//! Emits: PRIVATE_API_NO_POLICY, VPC_ENDPOINT_NOT_AVAILABLE, EXECUTE_API_ENDPOINT_MISSING,
//! VPC_ENDPOINT_PRIVATE_DNS_DISABLED, VPC_DNS_DISABLED, VPC_ENDPOINT_SG_BLOCKS_HTTPS,
//! CLIENT_SG_BLOCKS_HTTPS, NACL_BLOCKS_HTTPS.
//! Private REST APIs — reaching the endpoint: policy presence, endpoints, DNS, security groups
//! and network ACLs (SPEC §5).

use super::net::{self, Peer, HTTPS};
use super::ways_in::WaysIn;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::{ClientHint, Incident};
use crate::policy;
use crate::snapshot::{NetworkAcl, RestApi, Snapshot, VpcEndpoint};
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
        let ways = WaysIn::of(snapshot, api, document.as_ref(), incident);
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
        if !snapshot.endpoints_read() {
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
        .map(|vpc| match snapshot.vpc(vpc) {
            Some(_) => missing_in(vpc, "named by aws:SourceVpc in the resource policy"),
            // A VPC this account cannot see is most often a consumer account's.
            None => Finding::new(
                Code::ExecuteApiEndpointMissing,
                format!(
                    "VPC {vpc}, named by aws:SourceVpc in the resource policy of API {}, is not visible in this account: if it belongs to a consumer account, check its {service} endpoint there (--account <that account>).",
                    api.id
                ),
            )
            .severity(Severity::Warning)
            .api(&api.id)
            .resource(vpc)
            .evidence(json!({ "vpc_id": vpc, "service_name": service, "visible_in_this_account": false })),
        })
        .collect();
    // A provider account of a cross-account private API often has no endpoint of its own: the
    // endpoints it names are its consumers' (reported as not visible, above).
    if ways.vpcs.is_empty()
        && ways.named.is_empty()
        && snapshot.execute_api_endpoints().next().is_none()
    {
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
            // An error only for the VPC the failing client is known to be in: enabling private
            // DNS changes resolution for every client of a VPC (SPEC §7 enable_private_dns).
            let client_here = incident.client.as_ref().and_then(|c| c.vpc_id.as_deref())
                == Some(endpoint.vpc_id.as_str());
            let severity = if default_host_used && client_here {
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
                        if default_host_used && client_here { ", and the failing request from that VPC used that name" } else { "" },
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
            known_client: true,
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
                known_client: true,
            };
        }
    }
    let vpc_id = client
        .and_then(|c| c.vpc_id.as_deref())
        .unwrap_or(&endpoint.vpc_id);
    // IPv6 clients reach only a dual-stack or IPv6 endpoint.
    let ranges: Vec<_> = snapshot
        .vpc(vpc_id)
        .map(|v| {
            v.cidrs
                .iter()
                .filter_map(|c| net::cidr(c))
                .filter(|range| range.addr().is_ipv4() || endpoint.serves_ipv6())
                .collect()
        })
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
        known_client: false,
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
            g.ingress.iter().any(|r| {
                net::rule_covers_port(r, HTTPS) && peer.admitted_by(r, &snapshot.prefix_lists)
            })
        });
        if !admitted {
            // Without a known client the peer is this VPC; a hub endpoint serving other VPCs
            // (Transit Gateway, peering) admits their ranges instead, so only a warning.
            let severity = if peer.known_client {
                Severity::Error
            } else {
                Severity::Warning
            };
            findings.push(
                Finding::new(
                    Code::VpcEndpointSgBlocksHttps,
                    format!(
                        "No security group of {} allows inbound TCP 443 from {}: calls time out (\"Connection timed out\").",
                        endpoint.id, peer.described
                    ),
                )
                .severity(severity)
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
        known_client: false,
    };
    let allowed = client_groups.iter().any(|g| {
        g.egress.iter().any(|r| {
            net::rule_covers_port(r, HTTPS) && target.admitted_by(r, &snapshot.prefix_lists)
        })
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

/// Network ACLs on both ends of the path (SPEC §5 `NACL_BLOCKS_HTTPS`): the endpoint subnets'
/// ACLs must let HTTPS in from the client and the return traffic out to its ephemeral ports; the
/// client subnet's ACL, when that subnet is known, must let HTTPS out and the return traffic in.
/// Traffic between two addresses of one subnet never crosses its ACL.
fn network_acls(
    snapshot: &Snapshot,
    api: &RestApi,
    ways_in: &[&VpcEndpoint],
    client: Option<&ClientHint>,
) -> Vec<Finding> {
    if snapshot.read_failed("ec2:DescribeNetworkAcls") {
        return Vec::new();
    }
    let subnet_range = |id: &str| {
        snapshot
            .subnet(id)
            .and_then(|s| s.cidr.as_deref())
            .and_then(net::cidr)
    };
    let client_subnet = client
        .and_then(|c| c.subnet_id.as_deref())
        .filter(|id| subnet_range(id).is_some());
    let mut findings = Vec::new();
    let mut acls_seen = BTreeSet::new();
    for endpoint in ways_in {
        let peer = client_peer(snapshot, endpoint, client);
        let client_known = peer.known_client;
        for subnet_id in &endpoint.subnet_ids {
            let Some(acl) = snapshot.network_acl_for_subnet(subnet_id) else {
                continue;
            };
            let own: Vec<_> = subnet_range(subnet_id).into_iter().collect();
            if acls_seen.insert((acl.id.clone(), subnet_id.clone(), "endpoint")) {
                let judged = [
                    (
                        "inbound",
                        net::acl_coverage(acl, false, (HTTPS, HTTPS), &peer.ranges, &own),
                    ),
                    (
                        "outbound (return traffic)",
                        net::acl_coverage(acl, true, net::EPHEMERAL, &peer.ranges, &own),
                    ),
                ];
                findings.extend(acl_finding(
                    api,
                    endpoint,
                    acl,
                    subnet_id,
                    &peer.described,
                    client_known,
                    &judged,
                ));
            }
            let Some(client_subnet) = client_subnet.filter(|c| *c != subnet_id) else {
                continue;
            };
            let Some(client_acl) = snapshot.network_acl_for_subnet(client_subnet) else {
                continue;
            };
            if !acls_seen.insert((client_acl.id.clone(), subnet_id.clone(), "client")) {
                continue;
            }
            let client_own: Vec<_> = subnet_range(client_subnet).into_iter().collect();
            let judged = [
                (
                    "outbound",
                    net::acl_coverage(client_acl, true, (HTTPS, HTTPS), &own, &client_own),
                ),
                (
                    "inbound (return traffic)",
                    net::acl_coverage(client_acl, false, net::EPHEMERAL, &own, &client_own),
                ),
            ];
            let towards = format!("endpoint subnet {subnet_id}");
            findings.extend(acl_finding(
                api,
                endpoint,
                client_acl,
                client_subnet,
                &towards,
                false,
                &judged,
            ));
        }
    }
    findings
}

/// One finding for what a network ACL closes: an error when a direction is closed entirely, or
/// HTTPS itself for a known client; a warning when only part of the peer or port range is closed.
/// `judged[0]` is the HTTPS direction, `judged[1]` the return traffic.
fn acl_finding(
    api: &RestApi,
    endpoint: &VpcEndpoint,
    acl: &NetworkAcl,
    subnet_id: &str,
    peer: &str,
    client_known: bool,
    judged: &[(&str, net::AclCoverage)],
) -> Option<Finding> {
    let closed: Vec<serde_json::Value> = judged
        .iter()
        .flat_map(|(direction, coverage)| {
            coverage.closed.iter().map(move |c| {
                json!({
                    "direction": direction,
                    "ports": format!("{}-{}", c.ports.0, c.ports.1),
                    "peer": c.peer,
                    "rule_number": c.rule_number,
                })
            })
        })
        .collect();
    if closed.is_empty() {
        return None;
    }
    // A known client blocked on HTTPS itself is an error; a part of the ephemeral range closed
    // is a warning even then (a Linux client uses 32768-60999 only), SPEC §5.
    let blocked = judged.iter().enumerate().any(|(index, (_, c))| {
        c.fully_closed() || (client_known && index == 0 && !c.closed.is_empty())
    });
    let mut rules: Vec<i32> = judged
        .iter()
        .flat_map(|(_, c)| c.closed.iter().map(|c| c.rule_number))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let rules = rules
        .iter()
        .map(|r| net::rule_label(*r))
        .collect::<Vec<_>>()
        .join(", ");
    let summary = if blocked {
        format!(
            "Network ACL {} on subnet {subnet_id} (path to {}) blocks HTTPS with {peer} (rules {rules}).",
            acl.id, endpoint.id
        )
    } else {
        format!(
            "Network ACL {} on subnet {subnet_id} (path to {}) closes part of the range for HTTPS with {peer} (rules {rules}); clients in the closed part time out.",
            acl.id, endpoint.id
        )
    };
    Some(
        Finding::new(Code::NaclBlocksHttps, summary)
            .severity(if blocked {
                Severity::Error
            } else {
                Severity::Warning
            })
            .api(&api.id)
            .resource(&acl.id)
            .evidence(json!({
                "network_acl_id": acl.id,
                "subnet_id": subnet_id,
                "vpc_endpoint_id": endpoint.id,
                "peer": peer,
                "denied": closed,
                "entries": acl.entries,
            })),
    )
}
