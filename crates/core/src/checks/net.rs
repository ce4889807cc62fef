//! Address and rule arithmetic for the network checks: CIDRs, security groups, network ACLs.

use crate::snapshot::{NetworkAcl, NetworkAclEntry, PrefixList, SecurityGroupRule};
use ipnet::IpNet;
use serde_json::{json, Value};

pub const HTTPS: i32 = 443;

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
    /// Whether the ranges are the client's own address or subnet, not a whole VPC.
    pub known_client: bool,
}

impl Peer {
    /// Whether a rule can admit this peer: a referenced group, an overlapping range, or a
    /// prefix list holding an overlapping range. A prefix list that could not be read is given
    /// the benefit of the doubt (its read failure is in the report's `incomplete`).
    pub fn admitted_by(&self, rule: &SecurityGroupRule, prefix_lists: &[PrefixList]) -> bool {
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
        let by_prefix_list = rule.prefix_list_ids.iter().any(|id| {
            prefix_lists
                .iter()
                .find(|p| p.id == *id)
                .is_none_or(|list| {
                    list.cidrs
                        .iter()
                        .filter_map(|c| cidr(c))
                        .any(|r| self.ranges.iter().any(|p| overlaps(&r, p)))
                })
        });
        by_group || by_range || by_prefix_list
    }

    pub fn evidence(&self) -> Value {
        json!({
            "described": self.described,
            "cidrs": self.ranges.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "security_group_ids": self.group_ids,
        })
    }
}

/// TCP ports clients receive return traffic on: Lambda, NAT gateways and Elastic Load Balancing
/// use 1024-65535
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html#nacl-ephemeral-ports>).
pub const EPHEMERAL: (i32, i32) = (1024, 65535);

/// The rule number AWS shows as `*`: every network ACL ends with it, denying what no rule
/// matched (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>).
pub const CATCH_ALL_RULE: i32 = 32767;

/// A rule number as the console shows it: the catch-all rules (32767 for IPv4, 32768 for IPv6)
/// are `*`.
pub fn rule_label(rule_number: i32) -> String {
    if rule_number == CATCH_ALL_RULE || rule_number == CATCH_ALL_RULE + 1 {
        "*".to_string()
    } else {
        rule_number.to_string()
    }
}

/// One address family's addresses as an inclusive interval of integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Span {
    v6: bool,
    first: u128,
    last: u128,
}

impl Span {
    fn of(net: &IpNet) -> Span {
        match net {
            IpNet::V4(n) => Span {
                v6: false,
                first: u32::from(n.network()).into(),
                last: u32::from(n.broadcast()).into(),
            },
            IpNet::V6(n) => Span {
                v6: true,
                first: u128::from(n.network()),
                last: u128::from(n.broadcast()),
            },
        }
    }

    fn contains(&self, v6: bool, address: u128) -> bool {
        self.v6 == v6 && self.first <= address && address <= self.last
    }

    /// The parts of `self` outside every span of `holes`.
    fn minus(self, holes: &[Span]) -> Vec<Span> {
        let mut parts = vec![self];
        for hole in holes.iter().filter(|h| h.v6 == self.v6) {
            parts = parts
                .into_iter()
                .flat_map(|p| {
                    let mut kept = Vec::new();
                    if hole.last < p.first || p.last < hole.first {
                        kept.push(p);
                        return kept;
                    }
                    if p.first < hole.first {
                        kept.push(Span {
                            last: hole.first - 1,
                            ..p
                        });
                    }
                    if hole.last < p.last {
                        kept.push(Span {
                            first: hole.last + 1,
                            ..p
                        });
                    }
                    kept
                })
                .collect();
        }
        parts
    }

    /// The smallest list of CIDRs covering exactly this span, for evidence.
    fn cidrs(&self) -> Vec<String> {
        let mut out = Vec::new();
        let bits: u32 = if self.v6 { 128 } else { 32 };
        let mut start = self.first;
        loop {
            let mut size = if start == 0 {
                bits
            } else {
                start.trailing_zeros().min(bits)
            };
            while size > 0 && (size >= 128 || start + ((1u128 << size) - 1) > self.last) {
                size -= 1;
            }
            let prefix = (bits - size) as u8;
            let net = if self.v6 {
                ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(start), prefix).map(IpNet::from)
            } else {
                ipnet::Ipv4Net::new(std::net::Ipv4Addr::from(start as u32), prefix).map(IpNet::from)
            };
            out.extend(net.ok().map(|n| n.to_string()));
            let end = start + ((1u128 << size) - 1);
            if end >= self.last || out.len() >= 16 {
                break;
            }
            start = end + 1;
        }
        out
    }
}

/// A part of the peer range and port range that a network ACL closes, and the rule that does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub rule_number: i32,
    pub peer: Vec<String>,
    pub ports: (i32, i32),
}

/// How a network ACL treats one direction, port range and set of peers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclCoverage {
    /// Whether any peer address can use any of the ports.
    pub open: bool,
    pub closed: Vec<Closed>,
}

impl AclCoverage {
    pub fn fully_closed(&self) -> bool {
        !self.open && !self.closed.is_empty()
    }
}

/// Judges every address of `peers` (less `unfiltered`, which never crosses this ACL) on every port
/// of `ports`, in rule-number order as AWS does: the first matching rule decides, and what no
/// rule matches is denied by the catch-all rule. The ranges are cut at every rule's boundaries,
/// so each piece is decided by one rule.
pub fn acl_coverage(
    acl: &NetworkAcl,
    egress: bool,
    ports: (i32, i32),
    peers: &[IpNet],
    unfiltered: &[IpNet],
) -> AclCoverage {
    let mut entries: Vec<&NetworkAclEntry> =
        acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    let rule_spans: Vec<Option<Span>> = entries
        .iter()
        .map(|e| e.cidr.as_deref().and_then(cidr).map(|n| Span::of(&n)))
        .collect();
    let rule_ports = |e: &NetworkAclEntry| -> Option<(i32, i32)> {
        if e.protocol == "-1" || e.protocol == "all" {
            return Some((0, 65535));
        }
        if !is_tcp(&e.protocol) {
            return None;
        }
        match (e.port_from, e.port_to) {
            (Some(from), Some(to)) => Some((from, to)),
            _ => Some((0, 65535)),
        }
    };
    let holes: Vec<Span> = unfiltered.iter().map(Span::of).collect();
    let mut port_cuts = vec![ports.0, ports.1 + 1];
    for entry in &entries {
        if let Some((from, to)) = rule_ports(entry) {
            port_cuts.extend(
                [from, to + 1]
                    .into_iter()
                    .filter(|p| ports.0 < *p && *p <= ports.1),
            );
        }
    }
    port_cuts.sort_unstable();
    port_cuts.dedup();
    let mut coverage = AclCoverage::default();
    for peer in peers.iter().flat_map(|p| Span::of(p).minus(&holes)) {
        let mut address_cuts = vec![peer.first, peer.last + 1];
        for span in rule_spans.iter().flatten().filter(|s| s.v6 == peer.v6) {
            address_cuts.extend(
                [span.first, span.last.saturating_add(1)]
                    .into_iter()
                    .filter(|a| peer.first < *a && *a <= peer.last),
            );
        }
        address_cuts.sort_unstable();
        address_cuts.dedup();
        for addresses in address_cuts.windows(2) {
            let piece = Span {
                v6: peer.v6,
                first: addresses[0],
                last: addresses[1] - 1,
            };
            for window in port_cuts.windows(2) {
                let piece_ports = (window[0], window[1] - 1);
                let decided = entries.iter().zip(&rule_spans).find(|(entry, span)| {
                    span.is_some_and(|s| s.contains(piece.v6, piece.first))
                        && rule_ports(entry)
                            .is_some_and(|(from, to)| from <= piece_ports.0 && piece_ports.0 <= to)
                });
                match decided {
                    Some((entry, _)) if !entry.action.eq_ignore_ascii_case("deny") => {
                        coverage.open = true
                    }
                    found => record_closed(
                        &mut coverage.closed,
                        found.map_or(CATCH_ALL_RULE, |(e, _)| e.rule_number),
                        piece,
                        piece_ports,
                    ),
                }
            }
        }
    }
    coverage
}

/// Adds a closed piece, merging it with the previous one of the same rule and addresses.
fn record_closed(closed: &mut Vec<Closed>, rule_number: i32, piece: Span, ports: (i32, i32)) {
    let peer = piece.cidrs();
    if let Some(last) = closed.last_mut() {
        if last.rule_number == rule_number && last.peer == peer && last.ports.1 + 1 == ports.0 {
            last.ports.1 = ports.1;
            return;
        }
    }
    closed.push(Closed {
        rule_number,
        peer,
        ports,
    });
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
            known_client: true,
        };
        assert!(client.admitted_by(&rule("tcp", 443, 443, &["10.0.0.0/16"]), &[]));
        assert!(!client.admitted_by(&rule("tcp", 443, 443, &["192.168.0.0/16"]), &[]));
        let by_group = SecurityGroupRule {
            group_ids: vec!["sg-client".into()],
            ..rule("tcp", 443, 443, &[])
        };
        assert!(client.admitted_by(&by_group, &[]));
        let other_group = SecurityGroupRule {
            group_ids: vec!["sg-other".into()],
            ..rule("tcp", 443, 443, &[])
        };
        assert!(!client.admitted_by(&other_group, &[]));
    }

    #[test]
    fn a_prefix_list_admits_only_the_ranges_it_holds() {
        let client = Peer {
            ranges: vec![cidr("10.0.1.15").expect("address")],
            ..Peer::default()
        };
        let by_list = SecurityGroupRule {
            prefix_list_ids: vec!["pl-apps".into()],
            ..rule("tcp", 443, 443, &[])
        };
        let list = |cidrs: &[&str]| PrefixList {
            id: "pl-apps".into(),
            cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        };
        assert!(client.admitted_by(&by_list, &[list(&["10.0.0.0/16"])]));
        assert!(!client.admitted_by(&by_list, &[list(&["10.9.0.0/16"])]));
        assert!(
            client.admitted_by(&by_list, &[]),
            "an unread list is given the benefit of the doubt"
        );
    }

    fn entry(n: i32, egress: bool, action: &str, cidr: &str, ports: (i32, i32)) -> NetworkAclEntry {
        NetworkAclEntry::tcp(n, egress, action, cidr, ports)
    }

    fn acl(entries: Vec<NetworkAclEntry>) -> NetworkAcl {
        NetworkAcl {
            entries,
            ..NetworkAcl::default()
        }
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().filter_map(|c| cidr(c)).collect()
    }

    // vpc-network-acls.html: rules are evaluated from the lowest number; the first match decides.
    #[test]
    fn acl_first_matching_rule_decides() {
        let acl = acl(vec![
            entry(200, false, "allow", "0.0.0.0/0", (0, 65535)),
            entry(100, false, "deny", "10.0.0.0/16", (443, 443)),
        ]);
        let vpc = nets(&["10.0.0.0/16"]);
        let https = acl_coverage(&acl, false, (HTTPS, HTTPS), &vpc, &[]);
        assert!(https.fully_closed(), "{https:?}");
        assert_eq!(https.closed[0].rule_number, 100);
        assert!(!acl_coverage(&acl, false, (80, 80), &vpc, &[]).fully_closed());
    }

    #[test]
    fn what_no_rule_matches_is_denied_by_the_catch_all() {
        let coverage = acl_coverage(
            &acl(Vec::new()),
            true,
            EPHEMERAL,
            &nets(&["10.0.0.0/16"]),
            &[],
        );
        assert!(coverage.fully_closed());
        assert_eq!(coverage.closed[0].rule_number, CATCH_ALL_RULE);
        assert_eq!(coverage.closed[0].ports, EPHEMERAL);
    }

    #[test]
    fn a_rule_open_to_one_subnet_leaves_the_rest_of_the_vpc_closed() {
        let acl = acl(vec![
            entry(100, false, "allow", "10.0.2.0/24", (443, 443)),
            entry(32767, false, "deny", "0.0.0.0/0", (0, 65535)),
        ]);
        let coverage = acl_coverage(&acl, false, (HTTPS, HTTPS), &nets(&["10.0.0.0/16"]), &[]);
        assert!(coverage.open && !coverage.closed.is_empty(), "{coverage:?}");
        let closed: Vec<String> = coverage
            .closed
            .iter()
            .flat_map(|c| c.peer.clone())
            .collect();
        assert!(closed.contains(&"10.0.0.0/23".to_string()), "{closed:?}");
        assert!(closed.contains(&"10.0.3.0/24".to_string()), "{closed:?}");
        assert!(
            !closed.iter().any(|c| c.starts_with("10.0.2.")),
            "{closed:?}"
        );
        let inside = acl_coverage(&acl, false, (HTTPS, HTTPS), &nets(&["10.0.2.9"]), &[]);
        assert!(inside.closed.is_empty() && inside.open);
        let outside = acl_coverage(&acl, false, (HTTPS, HTTPS), &nets(&["10.0.3.9"]), &[]);
        assert!(outside.fully_closed());
    }

    #[test]
    fn only_part_of_the_ephemeral_range_open_names_the_closed_ports() {
        let acl = acl(vec![entry(100, true, "allow", "0.0.0.0/0", (32768, 65535))]);
        let coverage = acl_coverage(&acl, true, EPHEMERAL, &nets(&["10.0.0.0/16"]), &[]);
        assert!(coverage.open && !coverage.closed.is_empty(), "{coverage:?}");
        assert_eq!(coverage.closed.len(), 1, "{coverage:?}");
        assert_eq!(coverage.closed[0].ports, (1024, 32767));
        assert_eq!(coverage.closed[0].rule_number, CATCH_ALL_RULE);
    }

    #[test]
    fn the_subnets_own_addresses_are_never_filtered() {
        let acl = acl(vec![entry(100, false, "deny", "0.0.0.0/0", (0, 65535))]);
        let own = nets(&["10.0.1.0/24"]);
        let coverage = acl_coverage(&acl, false, (HTTPS, HTTPS), &nets(&["10.0.1.7"]), &own);
        assert_eq!(coverage, AclCoverage::default());
        let rest = acl_coverage(&acl, false, (HTTPS, HTTPS), &nets(&["10.0.0.0/16"]), &own);
        let closed: Vec<String> = rest.closed.iter().flat_map(|c| c.peer.clone()).collect();
        assert!(
            !closed.iter().any(|c| c.starts_with("10.0.1.")),
            "{closed:?}"
        );
    }

    #[test]
    fn protocol_all_covers_every_port_and_udp_covers_none() {
        let mut all = entry(100, false, "allow", "0.0.0.0/0", (0, 0));
        all.protocol = "-1".into();
        all.port_from = None;
        all.port_to = None;
        let mut udp = entry(50, false, "deny", "0.0.0.0/0", (0, 65535));
        udp.protocol = "17".into();
        let coverage = acl_coverage(
            &acl(vec![udp, all]),
            false,
            (HTTPS, HTTPS),
            &nets(&["10.0.0.0/16"]),
            &[],
        );
        assert!(coverage.open && coverage.closed.is_empty(), "{coverage:?}");
    }

    #[test]
    fn a_span_is_written_as_its_smallest_cidrs() {
        let span = |first: &str, last: &str| Span {
            v6: false,
            first: u32::from(first.parse::<std::net::Ipv4Addr>().expect("ip")).into(),
            last: u32::from(last.parse::<std::net::Ipv4Addr>().expect("ip")).into(),
        };
        assert_eq!(
            span("10.0.0.0", "10.0.255.255").cidrs(),
            vec!["10.0.0.0/16"]
        );
        assert_eq!(
            span("10.0.0.0", "10.0.2.255").cidrs(),
            vec!["10.0.0.0/23", "10.0.2.0/24"]
        );
        assert_eq!(
            span("0.0.0.0", "255.255.255.255").cidrs(),
            vec!["0.0.0.0/0"]
        );
    }
}
