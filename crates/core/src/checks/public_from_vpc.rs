//! Emits: PUBLIC_API_BLOCKED_BY_PRIVATE_DNS.
//! Public APIs called from a VPC: private DNS on an execute-api endpoint captures their names.

use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{Snapshot, VpcEndpoint};
use serde_json::json;

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    if !snapshot.endpoints_read() {
        return Vec::new();
    }
    let client_vpc = incident.client.as_ref().and_then(|c| c.vpc_id.as_deref());
    let capturing: Vec<&VpcEndpoint> = snapshot
        .execute_api_endpoints()
        .filter(|e| e.private_dns_enabled && client_vpc.is_none_or(|vpc| e.vpc_id == vpc))
        .collect();
    if capturing.is_empty() {
        return Vec::new();
    }
    let vpcs: Vec<&str> = capturing
        .iter()
        .map(|e| e.vpc_id.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let public_apis = snapshot
        .rest_apis
        .iter()
        .filter(|a| !a.is_private())
        .map(|a| (a.id.as_str(), a.endpoint_type()))
        .chain(snapshot.v2_apis.iter().map(|a| (a.id.as_str(), "REGIONAL")));
    public_apis
        .map(|(api_id, endpoint_type)| {
            let name = snapshot.partition().host(&format!("{api_id}.execute-api"));
            let (severity, whom) = match client_vpc {
                Some(vpc) => (Severity::Error, format!("the client's VPC {vpc}")),
                None => (Severity::Warning, format!("VPC(s) {}", vpcs.join(", "))),
            };
            Finding::new(
                Code::PublicApiBlockedByPrivateDns,
                format!(
                    "{endpoint_type} API {api_id} is public, but {whom} has an execute-api endpoint with private DNS on: calls from there to {name} reach the endpoint and get 403 Forbidden."
                ),
            )
            .severity(severity)
            .api(api_id)
            .resource(capturing[0].id.as_str())
            .evidence(json!({
                "endpoint_type": endpoint_type,
                "default_url_host": name,
                "vpc_endpoints": capturing.iter().map(|e| json!({
                    "vpc_endpoint_id": e.id, "vpc_id": e.vpc_id, "private_dns_enabled": true,
                })).collect::<Vec<_>>(),
                "client_vpc_known": client_vpc.is_some(),
            }))
        })
        .collect()
}
