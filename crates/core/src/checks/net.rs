//! Address and rule arithmetic for the network checks: CIDRs, security groups, network ACLs.

use crate::snapshot::{NetworkAcl, NetworkAclEntry, SecurityGroupRule};
use ipnet::IpNet;
use serde_json::{json, Value};

pub const HTTPS: i32 = 443;
/// Ephemeral ports clients use for the return traffic: Linux's and Windows' range starts.
pub const EPHEMERAL_PORTS: [i32; 2] = [32768, 49152];

/// Parses a CIDR or a bare address (as a host route).
pub fn cidr(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

/// Whether two ranges share any address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn is_tcp(protocol: &str) -> bool {
    matches!(protocol, "-1" | "tcp" | "6" | "all")
}

/// Whether a security-group rule covers TCP `port`.
pub fn rule_covers_port(rule: &SecurityGroupRule, port: i32) -> bool {
    if !is_tcp(&rule.protocol) {
        return false;
    }
    if rule.protocol == "-1" || rule.protocol == "all" {
        return true;
    }
    match (rule.from_port, rule.to_port) {
        (Some(from), Some(to)) => (from == -1 && to == -1) || (from <= port && port <= to),
        _ => true,
    }
}

/// Who is on the other side of a rule: address ranges and/or security groups.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub ranges: Vec<IpNet>,
    pub group_ids: Vec<String>,
    /// What the peer is, for the evidence (e.g. "client 10.0.1.15", "VPC CIDR 10.0.0.0/16").
    pub described: String,
}

impl Peer {
    /// Whether a rule can admit this peer: a referenced group, an overlapping range, or a
    /// prefix list (not resolved, so given the benefit of the doubt).
    pub fn admitted_by(&self, rule: &SecurityGroupRule) -> bool {
        // With the client's groups unknown, a group-referencing rule may well admit it.
        let by_group = rule
            .group_ids
            .iter()
            .any(|g| self.group_ids.is_empty() || self.group_ids.contains(g));
        let by_range = rule
            .cidrs
            .iter()
            .filter_map(|c| cidr(c))
            .any(|r| self.ranges.iter().any(|p| overlaps(&r, p)));
        by_group || by_range || !rule.prefix_list_ids.is_empty()
    }

    pub fn evidence(&self) -> Value {
        json!({
            "described": self.described,
            "cidrs": self.ranges.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "security_group_ids": self.group_ids,
        })
    }
}

/// The verdict of a network ACL for one direction, port and peer range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclVerdict {
    Allowed(i32),
    Denied(i32),
}

/// Evaluates ACL entries in rule-number order, as AWS does; only entries whose range covers
/// all of `peer` decide, so a partly overlapping deny never produces a false alarm.
pub fn acl_verdict(acl: &NetworkAcl, egress: bool, port: i32, peer: &IpNet) -> Option<AclVerdict> {
    let mut entries: Vec<&NetworkAclEntry> =
        acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    entries.into_iter().find_map(|entry| {
        if !is_tcp(&entry.protocol) {
            return None;
        }
        let port_ok = entry.protocol == "-1"
            || match (entry.port_from, entry.port_to) {
                (Some(from), Some(to)) => from <= port && port <= to,
                _ => true,
            };
        let range_ok = entry
            .cidr
            .as_deref()
            .and_then(cidr)
            .is_some_and(|range| range.contains(peer));
        (port_ok && range_ok).then(|| {
            if entry.action.eq_ignore_ascii_case("deny") {
                AclVerdict::Denied(entry.rule_number)
            } else {
                AclVerdict::Allowed(entry.rule_number)
            }
        })
    })
}

pub fn rules_evidence(rules: &[SecurityGroupRule]) -> Value {
    serde_json::to_value(rules).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: i32, to: i32, cidrs: &[&str]) -> SecurityGroupRule {
        SecurityGroupRule {
            protocol: protocol.to_string(),
            from_port: Some(from),
            to_port: Some(to),
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
            ..SecurityGroupRule::default()
        }
    }

    #[test]
    fn port_ranges_and_protocols() {
        assert!(rule_covers_port(&rule("tcp", 443, 443, &[]), HTTPS));
        assert!(rule_covers_port(&rule("tcp", 0, 65535, &[]), HTTPS));
        assert!(rule_covers_port(&rule("-1", -1, -1, &[]), HTTPS));
        assert!(!rule_covers_port(&rule("tcp", 80, 80, &[]), HTTPS));
        assert!(!rule_covers_port(&rule("udp", 443, 443, &[]), HTTPS));
    }

    #[test]
    fn peers_match_overlapping_ranges_and_groups() {
        let client = Peer {
            ranges: vec![cidr("10.0.1.15").expect("address")],
            group_ids: vec!["sg-client".into()],
            described: "client".into(),
        };
        assert!(client.admitted_by(&rule("tcp", 443, 443, &["10.0.0.0/16"])));
        assert!(!client.admitted_by(&rule("tcp", 443, 443, &["192.168.0.0/16"])));
        let by_group = SecurityGroupRule {
            group_ids: vec!["sg-client".into()],
            ..rule("tcp", 443, 443, &[])
        };
        assert!(client.admitted_by(&by_group));
        let other_group = SecurityGroupRule {
            group_ids: vec!["sg-other".into()],
            ..rule("tcp", 443, 443, &[])
        };
        assert!(!client.admitted_by(&other_group));
    }

    #[test]
    fn acl_first_matching_rule_decides() {
        let entry = |n: i32, action: &str, cidr: &str, from: i32, to: i32| NetworkAclEntry {
            rule_number: n,
            egress: false,
            protocol: "6".into(),
            action: action.into(),
            cidr: Some(cidr.into()),
            port_from: Some(from),
            port_to: Some(to),
        };
        let acl = NetworkAcl {
            entries: vec![
                entry(200, "allow", "0.0.0.0/0", 0, 65535),
                entry(100, "deny", "10.0.0.0/16", 443, 443),
            ],
            ..NetworkAcl::default()
        };
        let vpc = cidr("10.0.0.0/16").expect("cidr");
        assert_eq!(
            acl_verdict(&acl, false, HTTPS, &vpc),
            Some(AclVerdict::Denied(100))
        );
        assert_eq!(
            acl_verdict(&acl, false, 80, &vpc),
            Some(AclVerdict::Allowed(200))
        );
        assert_eq!(acl_verdict(&acl, true, 80, &vpc), None);
    }
}
