//! Reads what stands behind the target stages' VPC-link integrations, each thing once per run
//! however many integrations share it: the links (v1 `GetVpcLink`, then v2 for an id v1 does
//! not know — REST APIs take VPC links V2 too), the load balancers with their listeners, the
//! rules' and default actions' target groups and their health, a v1 link's VPC endpoint service
//! with its connections, listener certificates (ACM), and the security groups, subnets and VPCs
//! a v2 link's path crosses.

use super::{epoch, network, tags, Failures};
use crate::aws::{CallFailure, Session};
use crate::failure::none_if_missing;
use crate::snapshot::{
    is_iam_server_certificate, listener_load_balancer, Certificate, EndpointConnection,
    EndpointService, Incomplete, Listener, LoadBalancer, PrivatePath, Served, Snapshot,
    TargetGroup, TargetHealth, VpcLink, VpcLinkVersion,
};
use apigw_doctor_core::unique;
use aws_sdk_ec2::types::Filter;
use aws_sdk_elasticloadbalancingv2::types::Action;

/// A link as v1 knows it, else as v2 knows it; `Ok(None)` when neither does.
async fn vpc_link(session: Session<'_>, id: &str) -> Result<Option<VpcLink>, CallFailure> {
    match get_link(session, id, VpcLinkVersion::V1).await? {
        Some(link) => Ok(Some(link)),
        None => get_link(session, id, VpcLinkVersion::V2).await,
    }
}

/// A v1 link from `GetVpcLink`'s output or an item of `GetVpcLinks` (different types with the
/// same accessors); `$id` when the answer names none.
macro_rules! v1_link {
    ($link:expr, $id:expr) => {{
        let link = $link;
        VpcLink {
            id: link.id().unwrap_or($id).to_string(),
            version: VpcLinkVersion::V1,
            name: link.name().unwrap_or_default().to_string(),
            status: link
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            status_message: link.status_message().map(str::to_string),
            target_arns: link.target_arns().to_vec(),
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            tags: tags(link.tags()),
        }
    }};
}

/// The same for a v2 link.
macro_rules! v2_link {
    ($link:expr, $id:expr) => {{
        let link = $link;
        VpcLink {
            id: link.vpc_link_id().unwrap_or($id).to_string(),
            version: VpcLinkVersion::V2,
            name: link.name().unwrap_or_default().to_string(),
            status: link
                .vpc_link_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            status_message: link.vpc_link_status_message().map(str::to_string),
            target_arns: Vec::new(),
            subnet_ids: link.subnet_ids().to_vec(),
            security_group_ids: link.security_group_ids().to_vec(),
            tags: tags(link.tags()),
        }
    }};
}

/// One link by id through the API of `version`; `Ok(None)` when that API does not know it.
pub async fn get_link(
    session: Session<'_>,
    id: &str,
    version: VpcLinkVersion,
) -> Result<Option<VpcLink>, CallFailure> {
    let found = match version {
        VpcLinkVersion::V1 => session
            .call(
                "apigateway:GetVpcLink",
                session.aws.apigateway.get_vpc_link().vpc_link_id(id).send(),
            )
            .await
            .map(|out| v1_link!(&out, id)),
        VpcLinkVersion::V2 => session
            .call(
                "apigatewayv2:GetVpcLink",
                session
                    .aws
                    .apigatewayv2
                    .get_vpc_link()
                    .vpc_link_id(id)
                    .send(),
            )
            .await
            .map(|out| v2_link!(&out, id)),
    };
    none_if_missing(found)
}

/// Every link of the region through the API of `version` (paginated).
pub async fn list_links(
    session: Session<'_>,
    version: VpcLinkVersion,
) -> Result<Vec<VpcLink>, CallFailure> {
    match version {
        VpcLinkVersion::V1 => {
            let items = rest_items!(session, "apigateway:GetVpcLinks", |client| client
                .get_vpc_links())?;
            Ok(items.iter().map(|l| v1_link!(l, "")).collect())
        }
        VpcLinkVersion::V2 => {
            let items = v2_items!(session, "apigatewayv2:GetVpcLinks", |client| client
                .get_vpc_links())?;
            Ok(items.iter().map(|l| v2_link!(l, "")).collect())
        }
    }
}

/// One load balancer by ARN; `Ok(None)` when Elastic Load Balancing does not know it.
pub async fn load_balancer(
    session: Session<'_>,
    arn: &str,
) -> Result<Option<LoadBalancer>, CallFailure> {
    let out = session
        .call(
            "elasticloadbalancingv2:DescribeLoadBalancers",
            session
                .aws
                .elbv2
                .describe_load_balancers()
                .load_balancer_arns(arn)
                .send(),
        )
        .await;
    let Some(out) = none_if_missing(out)? else {
        return Ok(None);
    };
    Ok(out.load_balancers().first().map(|lb| LoadBalancer {
        arn: lb.load_balancer_arn().unwrap_or(arn).to_string(),
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        kind: lb
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: lb
            .state()
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string()),
        vpc_id: lb.vpc_id().map(str::to_string),
        security_group_ids: lb.security_groups().to_vec(),
        listeners: Vec::new(),
        listeners_unread: false,
    }))
}

/// The target groups an action forwards to (a plain forward, or a weighted forward config).
fn forwarded(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .flat_map(|a| {
            a.target_group_arn().map(str::to_string).into_iter().chain(
                a.forward_config()
                    .into_iter()
                    .flat_map(|f| f.target_groups())
                    .filter_map(|t| t.target_group_arn().map(str::to_string)),
            )
        })
        .collect()
}

/// Every listener of a load balancer (paginated), with the target groups its default action
/// and its rules forward to; the listeners are completed concurrently, and what could not be
/// read of each is returned beside it, in the listeners' order.
async fn listeners(
    session: Session<'_>,
    load_balancer_arn: &str,
) -> Result<(Vec<Listener>, Vec<Incomplete>), CallFailure> {
    let client = &session.aws.elbv2;
    let pages = session
        .paginate(
            "elasticloadbalancingv2:DescribeListeners",
            |marker| {
                client
                    .describe_listeners()
                    .load_balancer_arn(load_balancer_arn)
                    .set_marker(marker)
                    .send()
            },
            |page| page.next_marker(),
        )
        .await?;
    let completed = futures::future::join_all(
        pages
            .iter()
            .flat_map(|p| p.listeners())
            .map(|l| listener(session, l)),
    )
    .await;
    let mut unread = Vec::new();
    let found = completed
        .into_iter()
        .map(|(listener, failures)| {
            unread.extend(failures);
            listener
        })
        .collect();
    Ok((found, unread))
}

/// One listener: its rules' target groups (ALB HTTP and HTTPS listeners) and the certificates
/// it serves by SNI, read concurrently; what could not be read is returned beside it.
async fn listener(
    session: Session<'_>,
    listener: &aws_sdk_elasticloadbalancingv2::types::Listener,
) -> (Listener, Vec<Incomplete>) {
    let arn = listener.listener_arn().unwrap_or_default().to_string();
    // Only HTTP(S) listeners of Application Load Balancers have rules beyond the default.
    let has_rules = matches!(
        listener.protocol().map(|p| p.as_str()),
        Some("HTTP" | "HTTPS")
    );
    // DescribeListeners names the default certificate only; the others a TLS or HTTPS listener
    // picks by SNI are listed by DescribeListenerCertificates.
    let mut certificate_arns: Vec<String> = listener
        .certificates()
        .iter()
        .filter_map(|c| c.certificate_arn().map(str::to_string))
        .collect();
    let has_certificates = !certificate_arns.is_empty();
    let (rules, sni) = futures::join!(
        async {
            if has_rules {
                Some(rules(session, &arn).await)
            } else {
                None
            }
        },
        async {
            if has_certificates {
                Some(listener_certificates(session, &arn).await)
            } else {
                None
            }
        }
    );
    let mut failures = Vec::new();
    let mut groups = forwarded(listener.default_actions());
    let rules_unread = extend_read(&mut groups, rules, &mut failures);
    let certificates_unread = extend_read(&mut certificate_arns, sni, &mut failures);
    let read = Listener {
        arn,
        port: listener.port(),
        protocol: listener.protocol().map(|p| p.as_str().to_string()),
        certificate_arns: unique(certificate_arns),
        target_group_arns: unique(groups),
        rules_unread,
        certificates_unread,
    };
    (read, failures)
}

/// Adds what an optional read found to `into`; a failed read goes to `failures` and answers
/// true (unread).
fn extend_read(
    into: &mut Vec<String>,
    read: Option<Result<Vec<String>, CallFailure>>,
    failures: &mut Vec<Incomplete>,
) -> bool {
    match read {
        Some(Ok(more)) => {
            into.extend(more);
            false
        }
        Some(Err(failure)) => {
            failures.push(failure.incomplete());
            true
        }
        None => false,
    }
}

/// One load balancer with its listeners; `Ok(None)` when Elastic Load Balancing does not know
/// it. A listener read that fails marks the listeners unread; what could not be read is
/// returned beside it.
async fn balancer_path(
    session: Session<'_>,
    arn: &str,
) -> (Result<Option<LoadBalancer>, CallFailure>, Vec<Incomplete>) {
    let mut balancer = match load_balancer(session, arn).await {
        Ok(Some(balancer)) => balancer,
        other => return (other, Vec::new()),
    };
    match listeners(session, &balancer.arn).await {
        Ok((found, unread)) => {
            balancer.listeners = found;
            (Ok(Some(balancer)), unread)
        }
        Err(failure) => {
            balancer.listeners_unread = true;
            (Ok(Some(balancer)), vec![failure.incomplete()])
        }
    }
}

/// Every certificate of a TLS or HTTPS listener (paginated), the default one among them.
async fn listener_certificates(
    session: Session<'_>,
    listener_arn: &str,
) -> Result<Vec<String>, CallFailure> {
    let client = &session.aws.elbv2;
    let pages = session
        .paginate(
            "elasticloadbalancingv2:DescribeListenerCertificates",
            |marker| {
                client
                    .describe_listener_certificates()
                    .listener_arn(listener_arn)
                    .set_marker(marker)
                    .send()
            },
            |page| page.next_marker(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.certificates())
        .filter_map(|c| c.certificate_arn().map(str::to_string))
        .collect())
}

/// The target groups a listener's rules forward to (paginated).
async fn rules(session: Session<'_>, listener_arn: &str) -> Result<Vec<String>, CallFailure> {
    let client = &session.aws.elbv2;
    let pages = session
        .paginate(
            "elasticloadbalancingv2:DescribeRules",
            |marker| {
                client
                    .describe_rules()
                    .listener_arn(listener_arn)
                    .set_marker(marker)
                    .send()
            },
            |page| page.next_marker(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.rules())
        .flat_map(|r| forwarded(r.actions()))
        .collect())
}

async fn target_group(session: Session<'_>, arn: &str) -> Result<TargetGroup, CallFailure> {
    let out = session
        .call(
            "elasticloadbalancingv2:DescribeTargetHealth",
            session
                .aws
                .elbv2
                .describe_target_health()
                .target_group_arn(arn)
                .send(),
        )
        .await?;
    Ok(TargetGroup {
        arn: arn.to_string(),
        targets: out
            .target_health_descriptions()
            .iter()
            .map(|d| {
                let target = d.target();
                let health = d.target_health();
                TargetHealth {
                    id: target.and_then(|t| t.id()).unwrap_or_default().to_string(),
                    port: target.and_then(|t| t.port()),
                    availability_zone: target
                        .and_then(|t| t.availability_zone())
                        .map(str::to_string),
                    state: health
                        .and_then(|h| h.state())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: health
                        .and_then(|h| h.reason())
                        .map(|r| r.as_str().to_string()),
                    description: health.and_then(|h| h.description()).map(str::to_string),
                }
            })
            .collect(),
    })
}

/// The region's VPC endpoint services whose Network Load Balancers include one of `arns`, with
/// every endpoint connection to them.
async fn endpoint_services(
    session: Session<'_>,
    arns: &[String],
) -> Result<Vec<EndpointService>, CallFailure> {
    let client = &session.aws.ec2;
    let pages = session
        .paginate(
            "ec2:DescribeVpcEndpointServiceConfigurations",
            |token| {
                client
                    .describe_vpc_endpoint_service_configurations()
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    let mut services: Vec<EndpointService> = pages
        .iter()
        .flat_map(|p| p.service_configurations())
        .filter(|s| {
            s.network_load_balancer_arns()
                .iter()
                .any(|a| arns.contains(a))
        })
        .map(|s| EndpointService {
            service_id: s.service_id().unwrap_or_default().to_string(),
            service_name: s.service_name().map(str::to_string),
            load_balancer_arns: s.network_load_balancer_arns().to_vec(),
            connections: Vec::new(),
        })
        .collect();
    if services.is_empty() {
        return Ok(services);
    }
    let ids: Vec<String> = services.iter().map(|s| s.service_id.clone()).collect();
    let pages = session
        .paginate(
            "ec2:DescribeVpcEndpointConnections",
            |token| {
                client
                    .describe_vpc_endpoint_connections()
                    .filters(
                        Filter::builder()
                            .name("service-id")
                            .set_values(Some(ids.clone()))
                            .build(),
                    )
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    for connection in pages.iter().flat_map(|p| p.vpc_endpoint_connections()) {
        let service = connection.service_id().unwrap_or_default();
        if let Some(found) = services.iter_mut().find(|s| s.service_id == service) {
            found.connections.push(EndpointConnection {
                vpc_endpoint_id: connection.vpc_endpoint_id().unwrap_or_default().to_string(),
                owner: connection.vpc_endpoint_owner().map(str::to_string),
                state: connection
                    .vpc_endpoint_state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(services)
}

async fn certificate(session: Session<'_>, arn: &str) -> Result<Certificate, CallFailure> {
    let out = session
        .call(
            "acm:DescribeCertificate",
            session
                .aws
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send(),
        )
        .await?;
    let detail = out.certificate();
    Ok(Certificate {
        arn: arn.to_string(),
        domain_name: detail.and_then(|d| d.domain_name()).map(str::to_string),
        subject_alternative_names: detail
            .map(|d| d.subject_alternative_names().to_vec())
            .unwrap_or_default(),
        not_before: epoch(detail.and_then(|d| d.not_before())),
        not_after: epoch(detail.and_then(|d| d.not_after())),
    })
}

/// Reads the path behind every private integration of the snapshot's target stages (`None`
/// when there is none): the links, load balancers, target groups, certificates and endpoint
/// services. The network a v2 link's path crosses is read after the rest of the network
/// (`read_surroundings`), so that nothing is read twice.
pub(super) async fn path(
    session: Session<'_>,
    snapshot: &Snapshot,
) -> (Option<PrivatePath>, Failures) {
    let mut failures = Failures::default();
    // What no stage serves is never judged, so its path is not read.
    let integrations: Vec<_> = snapshot
        .private_integrations()
        .into_iter()
        .filter(|i| i.served != Served::No)
        .collect();
    if integrations.is_empty() {
        return (None, failures);
    }
    let link_ids = unique(
        integrations
            .iter()
            .filter_map(|i| i.vpc_link_id.clone().ok()),
    );
    let targets: Vec<(String, Option<String>, Option<String>)> = integrations
        .iter()
        .filter_map(|i| {
            Some((
                i.vpc_link_id.clone().ok()?,
                i.integration_target.map(str::to_string),
                i.resolved_uri().and_then(listener_load_balancer),
            ))
        })
        .collect();
    let mut path = PrivatePath::default();
    let links = futures::future::join_all(link_ids.iter().map(|id| vpc_link(session, id))).await;
    for (id, link) in link_ids.iter().zip(links) {
        match link {
            Ok(Some(link)) => path.vpc_links.push(link),
            Ok(None) => path.missing_vpc_links.push(id.clone()),
            Err(failure) => failures.0.push(failure.incomplete()),
        }
    }
    let balancer_arns = unique(path.vpc_links.iter().flat_map(|link| {
        match link.version {
            VpcLinkVersion::V1 => link.target_arns.clone(),
            VpcLinkVersion::V2 => targets
                .iter()
                .filter(|(id, _, _)| *id == link.id)
                .flat_map(|(_, target, listener)| target.clone().or(listener.clone()))
                .collect(),
        }
    }));
    // A v1 link's endpoint service depends on the link alone: it is read beside the balancers.
    let v1_balancers: Vec<String> = unique(
        path.vpc_links
            .iter()
            .filter(|l| l.version == VpcLinkVersion::V1)
            .flat_map(|l| l.target_arns.iter().cloned()),
    );
    let (balancers, services) = futures::join!(
        futures::future::join_all(balancer_arns.iter().map(|arn| balancer_path(session, arn))),
        async {
            if v1_balancers.is_empty() {
                None
            } else {
                Some(endpoint_services(session, &v1_balancers).await)
            }
        }
    );
    for (arn, (balancer, unread)) in balancer_arns.iter().zip(balancers) {
        failures.0.extend(unread);
        match balancer {
            Ok(Some(balancer)) => path.load_balancers.push(balancer),
            Ok(None) => path.missing_load_balancers.push(arn.clone()),
            Err(failure) => failures.0.push(failure.incomplete()),
        }
    }
    let group_arns = unique(
        path.load_balancers
            .iter()
            .flat_map(|b| &b.listeners)
            .flat_map(|l| l.target_group_arns.iter().cloned()),
    );
    // ACM knows only its own certificates: an IAM server certificate is never sent to it.
    let certificate_arns = unique(
        path.load_balancers
            .iter()
            .flat_map(|b| &b.listeners)
            .flat_map(|l| l.certificate_arns.iter().cloned())
            .filter(|arn| !is_iam_server_certificate(arn)),
    );
    let (groups, certificates) = futures::join!(
        futures::future::join_all(group_arns.iter().map(|arn| target_group(session, arn))),
        futures::future::join_all(certificate_arns.iter().map(|arn| certificate(session, arn))),
    );
    path.target_groups = groups
        .into_iter()
        .filter_map(|g| g.map_err(|f| failures.0.push(f.incomplete())).ok())
        .collect();
    path.certificates = certificates
        .into_iter()
        .filter_map(|c| c.map_err(|f| failures.0.push(f.incomplete())).ok())
        .collect();
    path.endpoint_services =
        services.and_then(|s| s.map_err(|f| failures.0.push(f.incomplete())).ok());
    (Some(path), failures)
}

/// The security groups of v2 links and of their load balancers, the links' subnets and the
/// load balancers' VPCs, for VPC_LINK_SG_BLOCKS: only those the snapshot does not hold yet.
pub(super) async fn read_surroundings(
    session: Session<'_>,
    snapshot: &mut Snapshot,
    path: &PrivatePath,
    failures: &mut Failures,
) {
    let v2: Vec<&VpcLink> = path
        .vpc_links
        .iter()
        .filter(|l| l.version == VpcLinkVersion::V2)
        .collect();
    if v2.is_empty() {
        return;
    }
    let group_ids: Vec<String> = unique(
        v2.iter()
            .flat_map(|l| l.security_group_ids.iter().cloned())
            .chain(
                path.load_balancers
                    .iter()
                    .flat_map(|b| b.security_group_ids.iter().cloned()),
            ),
    )
    .into_iter()
    .filter(|id| snapshot.security_group(id).is_none())
    .collect();
    let subnet_ids: Vec<String> = unique(v2.iter().flat_map(|l| l.subnet_ids.iter().cloned()))
        .into_iter()
        .filter(|id| snapshot.subnet(id).is_none())
        .collect();
    let vpc_ids: Vec<String> = unique(path.load_balancers.iter().filter_map(|b| b.vpc_id.clone()))
        .into_iter()
        .filter(|id| snapshot.vpc(id).is_none())
        .collect();
    let (groups, subnets, vpcs) = futures::join!(
        async {
            if group_ids.is_empty() {
                Ok(Vec::new())
            } else {
                network::security_groups(session, &group_ids).await
            }
        },
        async {
            if subnet_ids.is_empty() {
                Ok(Vec::new())
            } else {
                network::subnets(session, &subnet_ids).await
            }
        },
        async {
            if vpc_ids.is_empty() {
                Ok(Vec::new())
            } else {
                network::vpcs(session, &vpc_ids).await
            }
        },
    );
    snapshot.security_groups.extend(failures.keep(groups));
    snapshot.subnets.extend(failures.keep(subnets));
    snapshot.vpcs.extend(failures.keep(vpcs));
}
