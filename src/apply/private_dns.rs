//! `enable_private_dns`'s I/O: the endpoint, the other endpoints of its VPC and the VPC's DNS
//! attributes, `ModifyVpcEndpoint`, and the marker tag on the endpoint.

use super::Io;
use crate::aws::Session;
use crate::failure::{CallFailure, FailureKind};
use crate::gather::network;
use crate::plan::{EnablePrivateDns, Marker, PrivateDnsState as State, Rules};
use aws_sdk_ec2::types::{Tag, VpcAttributeName};

impl Io for EnablePrivateDns {
    async fn read(&self, session: Session<'_>) -> Result<State, CallFailure> {
        let (endpoints, support, hostnames) = futures::join!(
            network::vpc_endpoints(session, &[]),
            network::vpc_dns_attribute(session, &self.vpc_id, VpcAttributeName::EnableDnsSupport),
            network::vpc_dns_attribute(session, &self.vpc_id, VpcAttributeName::EnableDnsHostnames),
        );
        let endpoints = endpoints?;
        let serving = self.serving(&endpoints);
        let endpoint = endpoints
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
            serving,
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
}
