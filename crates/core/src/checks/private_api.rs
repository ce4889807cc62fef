//! Emits: PRIVATE_API_NO_POLICY, VPC_ENDPOINT_NOT_AVAILABLE, EXECUTE_API_ENDPOINT_MISSING,
//! VPC_ENDPOINT_PRIVATE_DNS_DISABLED, VPC_DNS_DISABLED, VPC_ENDPOINT_SG_BLOCKS_HTTPS,
//! CLIENT_SG_BLOCKS_HTTPS, NACL_BLOCKS_HTTPS.
//! Private REST APIs — reaching the endpoint: policy presence, endpoints, DNS, security groups
//! and network ACLs (SPEC §5).

use super::net::{self, AclVerdict, Peer, EPHEMERAL_PORTS, HTTPS};
use crate::catalog::Code;
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
        let named = NamedInPolicy::of(api);
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
        findings.extend(endpoints_not_available(snapshot, api, &named));
        findings.extend(endpoint_missing(snapshot, api, &named, client));
        let ways_in = ways_in(snapshot, &named, client);
        findings.extend(dns(snapshot, api, &ways_in));
        findings.extend(security_groups(snapshot, api, &ways_in, client));
        findings.extend(network_acls(snapshot, api, &ways_in, client));
    }
    findings
}

/// The endpoints and VPCs an API names: its endpoint configuration and its policy's conditions.
pub(super) struct NamedInPolicy {
    /// Endpoint ids with where each was named.
    pub endpoints: Vec<(String, &'static str)>,
    pub vpcs: Vec<String>,
}

impl NamedInPolicy {
    pub fn of(api: &RestApi) -> Self {
        let document = api
            .policy
            .as_deref()
            .and_then(|p| policy::parse_policy(p).ok());
        Self::from_document(api, document.as_ref())
    }

    /// The same, from a policy the caller has already parsed.
    pub fn from_document(api: &RestApi, document: Option<&policy::PolicyDocument>) -> Self {
        let mut endpoints: Vec<(String, &'static str)> = api
            .vpc_endpoint_ids
            .iter()
            .map(|id| (id.clone(), "endpoint configuration"))
            .collect();
        let mut vpcs = Vec::new();
        if let Some(document) = document {
            for id in condition_values(document, "aws:SourceVpce") {
                if id.starts_with("vpce-") && !endpoints.iter().any(|(e, _)| *e == id) {
                    endpoints.push((id, "resource policy"));
                }
            }
            for id in condition_values(document, "aws:SourceVpc") {
                if id.starts_with("vpc-") && !vpcs.contains(&id) {
                    vpcs.push(id);
                }
            }
        }
        NamedInPolicy { endpoints, vpcs }
    }
}

/// Every value a policy's conditions give for `key`, whatever the operator.
fn condition_values(document: &policy::PolicyDocument, key: &str) -> Vec<String> {
    document
        .statements
        .iter()
        .flat_map(|s| s.conditions.iter())
        .filter(|c| c.key.eq_ignore_ascii_case(key))
        .flat_map(|c| c.values.iter().cloned())
        .collect()
}

fn endpoints_not_available(
    snapshot: &Snapshot,
    api: &RestApi,
    named: &NamedInPolicy,
) -> Vec<Finding> {
    named
        .endpoints
        .iter()
        .filter_map(|(id, named_in)| {
            let (problem, state) = match snapshot.vpc_endpoint(id) {
                None => (
                    "does not exist in this account and region".to_string(),
                    None,
                ),
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

fn endpoint_missing(
    snapshot: &Snapshot,
    api: &RestApi,
    named: &NamedInPolicy,
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
    let mut findings: Vec<Finding> = named
        .vpcs
        .iter()
        .filter(|vpc| !has_endpoint(vpc))
        .map(|vpc| missing_in(vpc, "named by aws:SourceVpc in the resource policy"))
        .collect();
    if named.vpcs.is_empty() && snapshot.execute_api_endpoints().next().is_none() {
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

/// The available execute-api endpoints a request to this API can come through: those in the
/// client's VPC when it is known, else those the API names, else every one in the region.
fn ways_in<'a>(
    snapshot: &'a Snapshot,
    named: &NamedInPolicy,
    client: Option<&ClientHint>,
) -> Vec<&'a VpcEndpoint> {
    let available = || {
        snapshot
            .execute_api_endpoints()
            .filter(|e| e.is_available())
    };
    if let Some(vpc) = client.and_then(|c| c.vpc_id.as_deref()) {
        return available().filter(|e| e.vpc_id == vpc).collect();
    }
    let by_name: Vec<&VpcEndpoint> = available()
        .filter(|e| {
            named.endpoints.iter().any(|(id, _)| *id == e.id) || named.vpcs.contains(&e.vpc_id)
        })
        .collect();
    if by_name.is_empty() && named.endpoints.is_empty() && named.vpcs.is_empty() {
        return available().collect();
    }
    by_name
}

fn dns(snapshot: &Snapshot, api: &RestApi, ways_in: &[&VpcEndpoint]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let private_name = snapshot
        .partition()
        .host(&format!("{}.execute-api", api.id));
    let mut vpcs_seen = BTreeSet::new();
    for endpoint in ways_in {
        if !endpoint.private_dns_enabled {
            findings.push(
                Finding::new(
                    Code::VpcEndpointPrivateDnsDisabled,
                    format!(
                        "Private DNS is off on {}, so {private_name} does not resolve to it from {}; call {} with header x-apigw-api-id: {} instead, or enable private DNS.",
                        endpoint.id,
                        endpoint.vpc_id,
                        endpoint.dns_names.first().map(String::as_str).unwrap_or("the endpoint's DNS name"),
                        api.id
                    ),
                )
                .api(&api.id)
                .resource(&endpoint.id)
                .evidence(json!({
                    "vpc_endpoint_id": endpoint.id,
                    "vpc_id": endpoint.vpc_id,
                    "private_dns_enabled": false,
                    "private_dns_name": private_name,
                    "endpoint_dns_names": endpoint.dns_names,
                    "headers": {
                        "x-apigw-api-id": api.id,
                        "Host": private_name,
                    },
                })),
            );
        }
        if !vpcs_seen.insert(endpoint.vpc_id.clone()) {
            continue;
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
