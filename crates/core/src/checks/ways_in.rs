//! The ways into a private REST API: the VPC endpoints and VPCs its endpoint configuration and
//! resource policy name, and the available execute-api endpoints a request can come through.
//! Shared by the endpoint, network and policy checks so that they judge the same endpoints.

use crate::intake::ClientHint;
use crate::policy::{self, Effect, PolicyDocument};
use crate::snapshot::{RestApi, Snapshot, VpcEndpoint};

/// Where an endpoint id was named.
pub(super) const ENDPOINT_CONFIGURATION: &str = "endpoint configuration";
pub(super) const RESOURCE_POLICY: &str = "resource policy";

pub(super) struct WaysIn<'a> {
    /// Exact endpoint ids named as ways in, with where each was named.
    pub named: Vec<(String, &'static str)>,
    /// VPCs the policy admits by `aws:SourceVpc`.
    pub vpcs: Vec<String>,
    /// Available execute-api endpoints a request can come through: the named ones, those in the
    /// named VPCs and those in the client's VPC; every available one in the region when nothing
    /// is named and no client VPC is given.
    pub endpoints: Vec<&'a VpcEndpoint>,
    client_vpc: Option<String>,
}

impl<'a> WaysIn<'a> {
    pub fn of(
        snapshot: &'a Snapshot,
        api: &RestApi,
        document: Option<&PolicyDocument>,
        client: Option<&ClientHint>,
    ) -> Self {
        let mut named: Vec<(String, &'static str)> = Vec::new();
        for id in &api.vpc_endpoint_ids {
            if !named.iter().any(|(e, _)| e == id) {
                named.push((id.clone(), ENDPOINT_CONFIGURATION));
            }
        }
        let mut vpcs = Vec::new();
        if let Some(document) = document {
            for id in admitted(document, "aws:SourceVpce", "vpce-") {
                if !named.iter().any(|(e, _)| *e == id) {
                    named.push((id, RESOURCE_POLICY));
                }
            }
            vpcs = admitted(document, "aws:SourceVpc", "vpc-");
        }
        let client_vpc = client.and_then(|c| c.vpc_id.clone());
        let available = || {
            snapshot
                .execute_api_endpoints()
                .filter(|e| e.is_available())
        };
        let mut endpoints: Vec<&VpcEndpoint> = available()
            .filter(|e| {
                named.iter().any(|(id, _)| *id == e.id)
                    || vpcs.contains(&e.vpc_id)
                    || client_vpc.as_deref() == Some(e.vpc_id.as_str())
            })
            .collect();
        if endpoints.is_empty() && named.is_empty() && vpcs.is_empty() && client_vpc.is_none() {
            endpoints = available().collect();
        }
        WaysIn {
            named,
            vpcs,
            endpoints,
            client_vpc,
        }
    }

    /// The endpoints the network checks judge: those in the client's VPC when it is known,
    /// else every way in.
    pub fn network(&self) -> Vec<&'a VpcEndpoint> {
        self.endpoints
            .iter()
            .copied()
            .filter(|e| self.client_vpc.as_deref().is_none_or(|vpc| vpc == e.vpc_id))
            .collect()
    }
}

/// Exact ids (starting with `prefix`) that a policy admits by `key`: listed in an Allow's
/// `StringEquals`/`ForAnyValue:StringEquals` or in a Deny's `StringNotEquals`. Patterns are not
/// ids, and an id that a Deny's `StringEquals`/`StringLike` blocks is not a way in (SPEC §5,
/// `VPC_ENDPOINT_NOT_AVAILABLE`).
fn admitted(document: &PolicyDocument, key: &str, prefix: &str) -> Vec<String> {
    let on_key = |effect: Effect| {
        document
            .statements
            .iter()
            .filter(move |s| s.effect == effect)
            .flat_map(|s| s.conditions.iter())
            .filter(|c| c.key.eq_ignore_ascii_case(key))
    };
    let operator = |c: &policy::Condition| {
        let name = c.operator.to_ascii_lowercase();
        let name = name
            .strip_prefix("forallvalues:")
            .or_else(|| name.strip_prefix("foranyvalue:"))
            .unwrap_or(&name);
        name.strip_suffix("ifexists").unwrap_or(name).to_string()
    };
    let blocks = |id: &str| {
        on_key(Effect::Deny).any(|c| match operator(c).as_str() {
            "stringequals" => c.values.iter().any(|v| v == id),
            "stringlike" => c.values.iter().any(|v| policy::wildcard_match(v, id)),
            _ => false,
        })
    };
    let mut ids: Vec<String> = Vec::new();
    let listed = on_key(Effect::Allow)
        .filter(|c| operator(c) == "stringequals")
        .chain(on_key(Effect::Deny).filter(|c| operator(c) == "stringnotequals"))
        .flat_map(|c| c.values.iter());
    for id in listed {
        let exact = id.starts_with(prefix) && !id.contains(['*', '?', '$']);
        if exact && !blocks(id) && !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}
