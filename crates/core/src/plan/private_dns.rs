//! `enable_private_dns`'s rules: turns private DNS on for an execute-api VPC endpoint, so the
//! API's default name resolves to the endpoint inside the VPC; verified when the endpoint
//! reports it on. A tag on the endpoint is the cooldown marker.

use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::catalog::Severity;
use crate::finding::Finding;
use crate::partition::Partition;
use crate::snapshot::{Snapshot, VpcEndpoint};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Enable private DNS on one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EnablePrivateDns {
    pub endpoint_id: String,
    pub vpc_id: String,
    pub region: String,
    /// Whether the failing request used the API's default hostname (the finding is an error);
    /// otherwise private DNS off may be deliberate, and the change is refused.
    pub default_hostname_used: bool,
}

/// The endpoint and its VPC's DNS attributes (`None`: not known).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub private_dns_enabled: bool,
    pub tags: BTreeMap<String, String>,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
    /// Other available execute-api endpoints of the VPC with private DNS on.
    pub serving: Vec<String>,
}

impl EnablePrivateDns {
    pub fn from_snapshot(finding: &Finding, snapshot: &Snapshot) -> Option<(Self, State)> {
        let endpoint = snapshot.vpc_endpoint(finding.resource.as_deref()?)?;
        let vpc = snapshot.vpc(&endpoint.vpc_id);
        let change = EnablePrivateDns {
            endpoint_id: endpoint.id.clone(),
            vpc_id: endpoint.vpc_id.clone(),
            region: snapshot.region.clone(),
            default_hostname_used: finding.severity == Severity::Error,
        };
        let state = State {
            private_dns_enabled: endpoint.private_dns_enabled,
            tags: endpoint.tags.clone(),
            dns_support: vpc.and_then(|v| v.dns_support),
            dns_hostnames: vpc.and_then(|v| v.dns_hostnames),
            serving: change.serving(snapshot.execute_api_endpoints()),
        };
        Some((change, state))
    }
}

impl EnablePrivateDns {
    /// The endpoints among `endpoints` that already serve this VPC with private DNS.
    pub fn serving<'a>(&self, endpoints: impl IntoIterator<Item = &'a VpcEndpoint>) -> Vec<String> {
        endpoints
            .into_iter()
            .filter(|e| {
                e.id != self.endpoint_id
                    && e.vpc_id == self.vpc_id
                    && e.is_execute_api()
                    && e.is_available()
                    && e.private_dns_enabled
            })
            .map(|e| e.id.clone())
            .collect()
    }
}

impl Rules for EnablePrivateDns {
    type State = State;
    type Written = ();
    const ACTION: Action = Action::EnablePrivateDns;

    fn target(&self) -> String {
        self.endpoint_id.clone()
    }

    fn calls(&self, marker: &Marker) -> Vec<String> {
        vec![
            format!(
                "ec2:ModifyVpcEndpoint VpcEndpointId={} PrivateDnsEnabled=true",
                self.endpoint_id
            ),
            format!(
                "ec2:CreateTags Resources={} Tags=[{{Key={},Value={}}}]",
                self.endpoint_id,
                Marker::tag_key(Self::ACTION),
                marker.tag_value()
            ),
        ]
    }

    fn risk(&self, _state: &State) -> String {
        format!(
            "every client in {} will resolve {} to this endpoint: public (REGIONAL or EDGE) APIs called from that VPC by their default URL will start answering 403",
            self.vpc_id,
            Partition::of(&self.region).host("*.execute-api")
        )
    }

    fn undo(&self, _state: &State) -> String {
        format!(
            "ec2:ModifyVpcEndpoint VpcEndpointId={} PrivateDnsEnabled=false",
            self.endpoint_id
        )
    }

    fn describe(&self, state: &State) -> Value {
        json!({ "private_dns_enabled": state.private_dns_enabled })
    }

    fn refusal(&self, state: &State) -> Option<String> {
        if state.dns_support == Some(false) || state.dns_hostnames == Some(false) {
            return Some(format!(
                "refused while VPC_DNS_DISABLED holds for {} (enableDnsSupport={}, enableDnsHostnames={}): private DNS cannot work until both are on",
                self.vpc_id,
                state.dns_support.unwrap_or(false),
                state.dns_hostnames.unwrap_or(false)
            ));
        }
        if !state.serving.is_empty() {
            return Some(format!(
                "refused: {} of the same VPC {} already has private DNS on, which serves the whole VPC",
                state.serving.join(", "),
                self.vpc_id
            ));
        }
        if !self.default_hostname_used {
            return Some(
                "refused: the failing request is not known to use the default hostname, and private DNS off may be deliberate (it changes DNS for every client of the VPC); call the endpoint's own DNS name with x-apigw-api-id instead".to_string(),
            );
        }
        protected_by_tags("the endpoint", &state.tags)
    }

    fn done(&self, state: &State) -> Option<String> {
        state
            .private_dns_enabled
            .then(|| format!("private DNS is on for {}", self.endpoint_id))
    }

    fn last_applied(&self, state: &State) -> Option<Marker> {
        Marker::from_tags(&state.tags, Self::ACTION)
    }

    fn verify(&self, state: &State, _written: &()) -> Result<String, String> {
        if state.private_dns_enabled {
            Ok(format!("{} reports private DNS on", self.endpoint_id))
        } else {
            Err(format!("private DNS still off on {}", self.endpoint_id))
        }
    }
}
