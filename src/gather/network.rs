//! Reads the network around private APIs: VPC endpoints, security groups and the prefix lists
//! they name, NACLs, subnets, VPCs.

use crate::aws::{CallFailure, Session};
use crate::snapshot::{
    NetworkAcl, NetworkAclEntry, PrefixList, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
    VpcEndpoint,
};
use aws_sdk_ec2::types::{Filter, IpPermission, VpcAttributeName};
use std::collections::BTreeMap;

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// The given VPC endpoints, or with none given every one in the region (paginated); named
/// endpoints missing from the full list do not exist.
pub async fn vpc_endpoints(
    session: Session<'_>,
    ids: &[String],
) -> Result<Vec<VpcEndpoint>, CallFailure> {
    let client = &session.aws.ec2;
    let ids = (!ids.is_empty()).then(|| ids.to_vec());
    let pages = session
        .paginate(
            "ec2:DescribeVpcEndpoints",
            |token| {
                client
                    .describe_vpc_endpoints()
                    .set_vpc_endpoint_ids(ids.clone())
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.vpc_endpoints())
        .map(|e| VpcEndpoint {
            id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
            vpc_id: e.vpc_id().unwrap_or_default().to_string(),
            service_name: e.service_name().unwrap_or_default().to_string(),
            state: e
                .state()
                .map(|s| s.as_str().to_ascii_lowercase())
                .unwrap_or_default(),
            private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
            ip_address_type: e.ip_address_type().map(|t| t.as_str().to_string()),
            subnet_ids: e.subnet_ids().to_vec(),
            security_group_ids: e
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            dns_names: e
                .dns_entries()
                .iter()
                .filter_map(|d| d.dns_name().map(str::to_string))
                .collect(),
            policy: e.policy_document().map(str::to_string),
            tags: e
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect())
}

fn rules(permissions: &[IpPermission]) -> Vec<SecurityGroupRule> {
    permissions
        .iter()
        .map(|p| SecurityGroupRule {
            protocol: p.ip_protocol().unwrap_or("-1").to_string(),
            from_port: p.from_port(),
            to_port: p.to_port(),
            cidrs: p
                .ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(str::to_string))
                .chain(
                    p.ipv6_ranges()
                        .iter()
                        .filter_map(|r| r.cidr_ipv6().map(str::to_string)),
                )
                .collect(),
            group_ids: p
                .user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string))
                .collect(),
            prefix_list_ids: p
                .prefix_list_ids()
                .iter()
                .filter_map(|l| l.prefix_list_id().map(str::to_string))
                .collect(),
        })
        .collect()
}

/// Security groups by id; a filter (not `GroupIds`) so one missing group does not fail the rest.
pub async fn security_groups(
    session: Session<'_>,
    ids: &[String],
) -> Result<Vec<SecurityGroup>, CallFailure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let client = &session.aws.ec2;
    let pages = session
        .paginate(
            "ec2:DescribeSecurityGroups",
            |token| {
                client
                    .describe_security_groups()
                    .filters(filter("group-id", ids))
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.security_groups())
        .map(|g| SecurityGroup {
            id: g.group_id().unwrap_or_default().to_string(),
            name: g.group_name().unwrap_or_default().to_string(),
            ingress: rules(g.ip_permissions()),
            egress: rules(g.ip_permissions_egress()),
        })
        .collect())
}

/// The address ranges of a managed prefix list that a security-group rule names.
pub async fn prefix_list(session: Session<'_>, id: &str) -> Result<PrefixList, CallFailure> {
    let client = &session.aws.ec2;
    let pages = session
        .paginate(
            "ec2:GetManagedPrefixListEntries",
            |token| {
                client
                    .get_managed_prefix_list_entries()
                    .prefix_list_id(id)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    Ok(PrefixList {
        id: id.to_string(),
        cidrs: pages
            .iter()
            .flat_map(|page| page.entries())
            .filter_map(|e| e.cidr().map(str::to_string))
            .collect(),
    })
}

/// The network ACLs associated with the given subnets.
pub async fn network_acls(
    session: Session<'_>,
    subnet_ids: &[String],
) -> Result<Vec<NetworkAcl>, CallFailure> {
    if subnet_ids.is_empty() {
        return Ok(Vec::new());
    }
    let client = &session.aws.ec2;
    let pages = session
        .paginate(
            "ec2:DescribeNetworkAcls",
            |token| {
                client
                    .describe_network_acls()
                    .filters(filter("association.subnet-id", subnet_ids))
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.network_acls())
        .map(|acl| NetworkAcl {
            id: acl.network_acl_id().unwrap_or_default().to_string(),
            subnet_ids: acl
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(str::to_string))
                .collect(),
            entries: acl
                .entries()
                .iter()
                .map(|e| NetworkAclEntry {
                    rule_number: e.rule_number().unwrap_or(32767),
                    egress: e.egress().unwrap_or(false),
                    protocol: e.protocol().unwrap_or("-1").to_string(),
                    action: e
                        .rule_action()
                        .map(|a| a.as_str().to_string())
                        .unwrap_or_default(),
                    cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_string),
                    port_from: e.port_range().and_then(|r| r.from()),
                    port_to: e.port_range().and_then(|r| r.to()),
                })
                .collect(),
        })
        .collect())
}

/// Subnets by id (their CIDRs), through a filter so a missing one does not fail the rest.
pub async fn subnets(session: Session<'_>, ids: &[String]) -> Result<Vec<Subnet>, CallFailure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = session
        .call(
            "ec2:DescribeSubnets",
            session
                .aws
                .ec2
                .describe_subnets()
                .filters(filter("subnet-id", ids))
                .send(),
        )
        .await?;
    Ok(out
        .subnets()
        .iter()
        .map(|s| Subnet {
            id: s.subnet_id().unwrap_or_default().to_string(),
            cidr: s.cidr_block().map(str::to_string),
        })
        .collect())
}

/// VPCs by id with their CIDRs; DNS attributes are read separately.
pub async fn vpcs(session: Session<'_>, ids: &[String]) -> Result<Vec<Vpc>, CallFailure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = session
        .call(
            "ec2:DescribeVpcs",
            session
                .aws
                .ec2
                .describe_vpcs()
                .filters(filter("vpc-id", ids))
                .send(),
        )
        .await?;
    Ok(out
        .vpcs()
        .iter()
        .map(|v| Vpc {
            id: v.vpc_id().unwrap_or_default().to_string(),
            cidrs: v
                .cidr_block_association_set()
                .iter()
                .filter_map(|c| c.cidr_block().map(str::to_string))
                .chain(
                    v.ipv6_cidr_block_association_set()
                        .iter()
                        .filter_map(|c| c.ipv6_cidr_block().map(str::to_string)),
                )
                .collect(),
            dns_support: None,
            dns_hostnames: None,
        })
        .collect())
}

/// One DNS attribute of a VPC (`enableDnsSupport` or `enableDnsHostnames`).
pub async fn vpc_dns_attribute(
    session: Session<'_>,
    vpc_id: &str,
    attribute: VpcAttributeName,
) -> Result<bool, CallFailure> {
    let out = session
        .call(
            "ec2:DescribeVpcAttribute",
            session
                .aws
                .ec2
                .describe_vpc_attribute()
                .vpc_id(vpc_id)
                .attribute(attribute.clone())
                .send(),
        )
        .await?;
    let value = match attribute {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}
