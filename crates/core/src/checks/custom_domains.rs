//! Emits: CUSTOM_DOMAIN_NO_MAPPING, CUSTOM_DOMAIN_STAGE_IN_PATH, MTLS_TRUSTSTORE_WARNINGS.
//! A request through a custom domain name of this account and region, judged against the
//! domain's base path mappings and its mutual-TLS truststore. Only when a 403 is being
//! investigated; a host that is none of the account's domains is not judged (see `notes`).

use super::client_errors::could_be;
use super::invoke_url::is_execute_api;
use super::routing;
use crate::catalog::{Code, Severity};
use crate::cause::Cause;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{BasePathMapping, DomainName, Snapshot};
use serde_json::json;

/// The request through a custom domain: its host (lower case, no trailing dot) and path.
struct Request<'a> {
    url: &'a str,
    host: String,
    path: String,
}

fn request<'a>(snapshot: &Snapshot, incident: &'a Incident) -> Option<Request<'a>> {
    let url = incident.request.as_ref()?.url.as_deref()?;
    let uri = url.parse::<http::Uri>().ok()?;
    let host = uri.host()?.trim_end_matches('.').to_ascii_lowercase();
    if is_execute_api(&host, &snapshot.partition()) {
        return None;
    }
    Some(Request {
        url,
        host,
        path: uri.path().to_string(),
    })
}

/// Whether the gather step should read the custom domain names: a 403 that a custom domain
/// could cause is investigated and the request's host is not an execute-api host.
pub fn wants_domain_names(snapshot: &Snapshot, incident: &Incident) -> bool {
    request(snapshot, incident).is_some()
        && [
            Cause::CustomDomainNoMapping,
            Cause::CustomDomainStageInPath,
            Cause::MtlsCertificateInvalid,
        ]
        .iter()
        .any(|&cause| could_be(incident, cause))
}

/// The one domain name the host is: DNS names are case-insensitive, an exact name wins over a
/// wildcard (`*.example.com` covers one more label). A public and a private domain name may
/// share a name; then which one the caller reached is not known and `None` is returned.
fn domain_of<'s>(domains: &'s [DomainName], host: &str) -> Option<&'s DomainName> {
    let exact: Vec<&DomainName> = domains
        .iter()
        .filter(|d| d.name.eq_ignore_ascii_case(host))
        .collect();
    let found = if exact.is_empty() {
        let parent = host.split_once('.').map(|(_, rest)| rest)?;
        domains
            .iter()
            .filter(|d| {
                d.name
                    .strip_prefix("*.")
                    .is_some_and(|w| w.eq_ignore_ascii_case(parent))
            })
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The mapping API Gateway selects for `path`: the longest base path whose segments begin the
/// path's (multi-level base paths such as `v1/orders` are allowed), else the root mapping
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html>,
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html>: only
/// the mappings' paths select the API, never its resources). Returns the mapping and the path left after its base path.
fn mapping_for<'d>(domain: &'d DomainName, path: &str) -> Option<(&'d BasePathMapping, String)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    domain
        .mappings
        .iter()
        .filter_map(|m| {
            if m.base_path.is_empty() {
                return Some((0, m));
            }
            let base: Vec<&str> = m.base_path.split('/').collect();
            (segments.len() >= base.len() && segments[..base.len()] == base[..])
                .then_some((base.len(), m))
        })
        .max_by_key(|(n, _)| *n)
        .map(|(n, m)| (m, format!("/{}", segments[n..].join("/"))))
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let (Some(request), Some(domains)) = (request(snapshot, incident), &snapshot.domain_names)
    else {
        return Vec::new();
    };
    let Some(domain) = domain_of(domains, &request.host) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    if could_be(incident, Cause::MtlsCertificateInvalid) {
        findings.extend(truststore_warnings(domain));
    }
    match mapping_for(domain, &request.path) {
        None if could_be(incident, Cause::CustomDomainNoMapping) => {
            findings.push(no_mapping(domain, &request));
        }
        None => {}
        Some((mapping, rest)) if could_be(incident, Cause::CustomDomainStageInPath) => {
            findings.extend(stage_in_path(snapshot, domain, &request, mapping, &rest));
        }
        Some(_) => {}
    }
    findings
}

/// What could not be judged, for the report's notes.
pub fn notes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
    let (Some(request), Some(domains)) = (request(snapshot, incident), &snapshot.domain_names)
    else {
        return Vec::new();
    };
    let same_name = domains
        .iter()
        .filter(|d| d.name.eq_ignore_ascii_case(&request.host))
        .count();
    if same_name > 1 {
        return vec![format!(
            "{} is the name of {same_name} custom domain names of this account (a public one and private ones, told apart by their domain name id): which one the request reached is not known, so its mappings were not judged.",
            request.host
        )];
    }
    // A domain whose mappings could not be read is left out of the snapshot; `incomplete`
    // says so, and the host is not claimed to be none of the account's.
    if domain_of(domains, &request.host).is_none()
        && !snapshot.read_failed("apigateway:GetBasePathMappings")
    {
        return vec![format!(
            "The request's host {} is none of the custom domain names of this account in region {}: its mappings and mutual TLS could not be judged (another account's or region's domain, or a proxy in front of API Gateway).",
            request.host, snapshot.region
        )];
    }
    Vec::new()
}

fn no_mapping(domain: &DomainName, request: &Request) -> Finding {
    let bases: Vec<String> = domain
        .mappings
        .iter()
        .map(|m| format!("/{}", m.base_path))
        .collect();
    let first = request
        .path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let apis: Vec<&str> = domain.mappings.iter().map(|m| m.api_id.as_str()).collect();
    let mut finding = Finding::new(
        Code::CustomDomainNoMapping,
        format!(
            "Custom domain name {} has no base path mapping for the request {} (first path segment \"{first}\"; mapped: {}) and no mapping at its root: API Gateway answers 403 \"Forbidden\". Add a mapping for the base path, or call a mapped one.",
            domain.name,
            request.url,
            if bases.is_empty() { "nothing".to_string() } else { bases.join(", ") }
        ),
    )
    .resource(&domain.name)
    .evidence(json!({
        "domain_name": domain.name,
        "domain_name_id": domain.domain_name_id,
        "url": request.url,
        "base_paths": bases,
        "cause": Cause::CustomDomainNoMapping,
    }));
    // The API is known only when the domain maps one API.
    if let [api, rest @ ..] = apis.as_slice() {
        if rest.iter().all(|a| a == api) {
            finding = finding.api(api);
        }
    }
    finding
}

/// The mapped stage repeated after the base path: `https://api.example.com/prod/items` when
/// `prod` is mapped at the root calls resource `/prod/items`. A resource really named like the
/// stage is served and rules it out; without the deployment's resources the claim is a warning.
fn stage_in_path(
    snapshot: &Snapshot,
    domain: &DomainName,
    request: &Request,
    mapping: &BasePathMapping,
    rest: &str,
) -> Option<Finding> {
    let stage = mapping.stage.as_deref()?;
    let without = routing::after_stage(rest, stage)?;
    let served = snapshot
        .rest_apis
        .iter()
        .find(|a| a.id == mapping.api_id)
        .and_then(|api| {
            let s = api.stages.iter().find(|s| s.name == stage)?;
            let d = api
                .deployments
                .iter()
                .find(|d| Some(&d.id) == s.deployment_id.as_ref())?;
            d.api_summary.as_ref()
        })
        .map(|summary| {
            let serves = |p: &str| routing::serving(summary.keys().map(String::as_str), p);
            (serves(rest).is_some(), serves(without).is_some())
        });
    if let Some((true, _)) = served {
        return None;
    }
    let base = if mapping.base_path.is_empty() {
        String::new()
    } else {
        format!("/{}", mapping.base_path)
    };
    let mut finding = Finding::new(
        Code::CustomDomainStageInPath,
        format!(
            "The request {} repeats stage {stage}, which custom domain name {} already maps at \"{}/\" to API {}: API Gateway looks for resource {rest} there{}. Call https://{}{base}{without} instead.",
            request.url,
            domain.name,
            base,
            mapping.api_id,
            match served {
                Some(_) => ", which the stage's deployment does not serve",
                None => "",
            },
            request.host,
        ),
    )
    .api(&mapping.api_id)
    .stage(Some(stage))
    .resource(&domain.name)
    .evidence(json!({
        "domain_name": domain.name,
        "url": request.url,
        "base_path": mapping.base_path,
        "mapped_stage": stage,
        "path_in_api": rest,
        "path_without_stage": without,
        "without_stage_served": served.map(|(_, w)| w),
        "cause": Cause::CustomDomainStageInPath,
        "undecided": if served.is_none() {
            vec!["the stage's deployed resources were not read: a resource named like the stage would make this path valid"]
        } else {
            Vec::new()
        },
    }));
    if served.is_none() {
        finding = finding.severity(Severity::Warning);
    }
    Some(finding)
}

/// `mutualTlsAuthentication.truststoreWarnings`: invalid certificates in the truststore; mutual
/// TLS stays on, "but some clients might not be able to access your API"
/// (<https://docs.aws.amazon.com/apigateway/latest/api/API_MutualTlsAuthentication.html>,
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html>).
fn truststore_warnings(domain: &DomainName) -> Option<Finding> {
    if domain.truststore_warnings.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            Code::MtlsTruststoreWarnings,
            format!(
                "Custom domain name {} requires mutual TLS and its truststore has warnings ({}): clients whose certificate chains to those certificates get 403 \"Forbidden\". Fix the truststore and update the domain name's truststore version.",
                domain.name,
                domain.truststore_warnings.join("; ")
            ),
        )
        .resource(&domain.name)
        .evidence(json!({
            "domain_name": domain.name,
            "truststore_warnings": domain.truststore_warnings,
            "cause": Cause::MtlsCertificateInvalid,
        })),
    )
}

/// Whether the request's host is one custom domain name of this account whose mappings and
/// truststore were read: then the custom-domain and mutual-TLS causes of a bare "Forbidden"
/// are judged (supported by a finding, or ruled out).
pub(super) fn judged(snapshot: &Snapshot, incident: &Incident) -> bool {
    match (request(snapshot, incident), &snapshot.domain_names) {
        (Some(request), Some(domains)) => domain_of(domains, &request.host).is_some(),
        _ => false,
    }
}
