//! The ways into a private REST API: the VPC endpoints and VPCs its endpoint configuration and
//! resource policy name, and the available execute-api endpoints a request can come through.
//! Shared by the endpoint, network and policy checks so that they judge the same endpoints.

use crate::intake::Incident;
use crate::policy::PolicyDocument;
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
        incident: &Incident,
    ) -> Self {
        let client = incident.client.as_ref();
        let mut named: Vec<(String, &'static str)> = Vec::new();
        for id in &api.vpc_endpoint_ids {
            if !named.iter().any(|(e, _)| e == id) {
                named.push((id.clone(), ENDPOINT_CONFIGURATION));
            }
        }
        let mut vpcs = Vec::new();
        if let Some(document) = document {
            for id in document.admitted("aws:SourceVpce", "vpce-") {
                if !named.iter().any(|(e, _)| *e == id) {
                    named.push((id, RESOURCE_POLICY));
                }
            }
            vpcs = document.admitted("aws:SourceVpc", "vpc-");
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
        if let Some(host) = request_host(incident) {
            let through = by_host(snapshot, api, &endpoints, &host);
            if !through.is_empty() {
                endpoints = through;
            }
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

/// The host the failing request used, when the event gives its URL.
fn request_host(incident: &Incident) -> Option<String> {
    let uri = incident
        .request
        .as_ref()?
        .url
        .as_deref()?
        .parse::<http::Uri>()
        .ok()?;
    uri.host().map(str::to_ascii_lowercase)
}

/// The endpoints a request host can reach (SPEC §5 `VPC_ENDPOINT_PRIVATE_DNS_DISABLED`): the
/// default hostname resolves only to endpoints with private DNS on (per VPC), an endpoint's own DNS name
/// and `<api-id>-<vpce-id>.execute-api…` to that endpoint
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html>).
/// Empty when the host names none of them (the other checks then judge every way in).
fn by_host<'a>(
    snapshot: &Snapshot,
    api: &RestApi,
    endpoints: &[&'a VpcEndpoint],
    host: &str,
) -> Vec<&'a VpcEndpoint> {
    let default = snapshot
        .partition()
        .host(&format!("{}.execute-api", api.id));
    let alias = host
        .strip_prefix(&format!("{}-", api.id.to_ascii_lowercase()))
        .and_then(|rest| rest.split('.').next());
    endpoints
        .iter()
        .copied()
        .filter(|e| {
            if host == default {
                // In a VPC where some endpoint has private DNS on, the name resolves to those
                // only; in one where none has, the request cannot resolve it at all (reported by
                // the DNS check), so its endpoints stay.
                e.private_dns_enabled
                    || !snapshot.execute_api_endpoints().any(|other| {
                        other.vpc_id == e.vpc_id
                            && other.is_available()
                            && other.private_dns_enabled
                    })
            } else if let Some(vpce) = alias {
                e.id.eq_ignore_ascii_case(vpce)
            } else {
                e.dns_names.iter().any(|n| n.eq_ignore_ascii_case(host))
            }
        })
        .collect()
}
