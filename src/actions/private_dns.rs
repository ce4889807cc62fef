//! `enable_private_dns`: turns private DNS on for an execute-api VPC endpoint, so the API's
//! default name resolves to the endpoint inside the VPC; verified when the endpoint reports it
//! on. A tag on the endpoint is the cooldown marker.

use super::{protected_by_tags, Change, Marker};
use crate::aws::{CallFailure, FailureKind, Session};
use crate::finding::Finding;
use crate::gather::network;
use crate::snapshot::Snapshot;
use aws_sdk_ec2::types::{Tag, VpcAttributeName};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Enable private DNS on one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct EnablePrivateDns {
    pub endpoint_id: String,
    pub vpc_id: String,
    pub region: String,
}

/// The endpoint and its VPC's DNS attributes (`None`: not known).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub private_dns_enabled: bool,
    pub tags: BTreeMap<String, String>,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
}

impl EnablePrivateDns {
    pub fn from_snapshot(finding: &Finding, snapshot: &Snapshot) -> Option<(Self, State)> {
        let endpoint = snapshot.vpc_endpoint(finding.resource.as_deref()?)?;
        let vpc = snapshot.vpc(&endpoint.vpc_id);
        let change = EnablePrivateDns {
            endpoint_id: endpoint.id.clone(),
            vpc_id: endpoint.vpc_id.clone(),
            region: snapshot.region.clone(),
        };
        let state = State {
            private_dns_enabled: endpoint.private_dns_enabled,
            tags: endpoint.tags.clone(),
            dns_support: vpc.and_then(|v| v.dns_support),
            dns_hostnames: vpc.and_then(|v| v.dns_hostnames),
        };
        Some((change, state))
    }
}

impl Change for EnablePrivateDns {
    type State = State;
    type Written = ();
    const ACTION: &'static str = "enable_private_dns";

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
            "every client in {} will resolve *.execute-api.{}.amazonaws.com to this endpoint: public (REGIONAL or EDGE) APIs called from that VPC by their default URL will start answering 403",
            self.vpc_id, self.region
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

    async fn read(&self, session: Session<'_>) -> Result<State, CallFailure> {
        let (endpoints, support, hostnames) = futures::join!(
            network::vpc_endpoints(session, std::slice::from_ref(&self.endpoint_id)),
            network::vpc_dns_attribute(session, &self.vpc_id, VpcAttributeName::EnableDnsSupport),
            network::vpc_dns_attribute(session, &self.vpc_id, VpcAttributeName::EnableDnsHostnames),
        );
        let endpoint = endpoints?
            .into_iter()
            .find(|e| e.id == self.endpoint_id)
            .ok_or_else(|| CallFailure {
                step: "ec2:DescribeVpcEndpoints".to_string(),
                kind: FailureKind::NotFound,
                code: "InvalidVpcEndpointId.NotFound".to_string(),
                detail: format!("{} no longer exists", self.endpoint_id),
            })?;
        Ok(State {
            private_dns_enabled: endpoint.private_dns_enabled,
            tags: endpoint.tags,
            dns_support: Some(support?),
            dns_hostnames: Some(hostnames?),
        })
    }

    async fn write(&self, session: Session<'_>, _marker: &Marker) -> Result<(), CallFailure> {
        session
            .call(
                "ec2:ModifyVpcEndpoint",
                session
                    .aws
                    .ec2
                    .modify_vpc_endpoint()
                    .vpc_endpoint_id(&self.endpoint_id)
                    .private_dns_enabled(true)
                    .send(),
            )
            .await?;
        Ok(())
    }

    async fn mark(&self, session: Session<'_>, marker: &Marker) -> Result<(), CallFailure> {
        session
            .call(
                "ec2:CreateTags",
                session
                    .aws
                    .ec2
                    .create_tags()
                    .resources(&self.endpoint_id)
                    .tags(
                        Tag::builder()
                            .key(Marker::tag_key(Self::ACTION))
                            .value(marker.tag_value())
                            .build(),
                    )
                    .send(),
            )
            .await?;
        Ok(())
    }

    fn verify(&self, state: &State, _written: &()) -> Result<String, String> {
        if state.private_dns_enabled {
            Ok(format!("{} reports private DNS on", self.endpoint_id))
        } else {
            Err(format!("private DNS still off on {}", self.endpoint_id))
        }
    }
}
