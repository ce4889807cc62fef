//! Emits: INVOKE_URL_MISMATCH.
//! Whether the URL and headers a caller used can reach the API at all.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::partition::Partition;
use crate::snapshot::Snapshot;
use serde_json::json;

/// The forms an execute-api host name takes.
#[derive(Debug, PartialEq, Eq)]
enum Host<'a> {
    /// `{api}.execute-api.{region}.amazonaws.com`: the default (or private-DNS) name.
    Default {
        api: &'a str,
    },
    /// `{vpce}-{suffix}.execute-api.{region}.vpce.amazonaws.com`: an endpoint-specific name.
    EndpointSpecific {
        vpce: &'a str,
    },
    /// `{api}-{vpce}.execute-api.{region}.amazonaws.com`: the Route 53 alias of an association.
    Alias {
        api: &'a str,
        vpce: &'a str,
    },
    Other,
}

fn classify<'a>(host: &'a str, partition: &Partition<'_>) -> Host<'a> {
    let host = host.trim_end_matches('.');
    let Some((first, rest)) = host.split_once('.') else {
        return Host::Other;
    };
    if !rest.starts_with("execute-api.") {
        return Host::Other;
    }
    if rest.ends_with(&format!(".vpce.{}", partition.dns_suffix)) {
        // vpce-0123456789abcdef0-abcdefgh: the endpoint id is the first two dash-separated parts.
        let mut parts = first.splitn(3, '-');
        return match (parts.next(), parts.next()) {
            (Some("vpce"), Some(id)) => Host::EndpointSpecific {
                vpce: &first[..4 + 1 + id.len()],
            },
            _ => Host::Other,
        };
    }
    match first.split_once("-vpce-") {
        Some((api, _)) => Host::Alias {
            api,
            vpce: &first[api.len() + 1..],
        },
        None => Host::Default { api: first },
    }
}

/// The API an execute-api request names: by its host, or — through a VPC endpoint's own DNS
/// name — by its `x-apigw-api-id` or `Host` header. `None` for any other host (a custom domain
/// name, whose base-path mapping decides the API) or when the request names no API.
pub(crate) fn named_api<'a>(
    host: &'a str,
    headers: &'a std::collections::BTreeMap<String, String>,
    partition: &Partition<'_>,
) -> Option<&'a str> {
    match classify(host, partition) {
        Host::Default { api } | Host::Alias { api, .. } => Some(api),
        Host::EndpointSpecific { .. } => header(headers, "x-apigw-api-id").or_else(|| {
            header(headers, "Host").and_then(|h| match classify(h, partition) {
                Host::Default { api } => Some(api),
                _ => None,
            })
        }),
        Host::Other => None,
    }
}

/// Whether the host is an execute-api name at all (not a custom domain name).
pub(super) fn is_execute_api(host: &str, partition: &Partition<'_>) -> bool {
    classify(host, partition) != Host::Other
}

fn header<'a>(
    headers: &'a std::collections::BTreeMap<String, String>,
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let Some(request) = &incident.request else {
        return Vec::new();
    };
    let Some(url) = request.url.as_deref() else {
        return Vec::new();
    };
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Vec::new();
    };
    let Some(host) = uri.host() else {
        return Vec::new();
    };
    let partition = snapshot.partition();
    let mut findings = Vec::new();
    let apis = snapshot
        .rest_apis
        .iter()
        .map(|a| (a.id.as_str(), a.is_private(), a.vpc_endpoint_ids.as_slice()))
        .chain(
            snapshot
                .v2_apis
                .iter()
                .map(|a| (a.id.as_str(), false, &[][..])),
        );
    for (api_id, private, associated) in apis {
        let host_header = header(&request.headers, "Host");
        let api_header = header(&request.headers, "x-apigw-api-id");
        let private_name = partition.host(&format!("{api_id}.execute-api"));
        let problem = match classify(host, &partition) {
            _ if private && uri.scheme_str() == Some("http") => {
                Some("private APIs answer only HTTPS, and the URL uses http".to_string())
            }
            Host::Default { api } if api != api_id => {
                Some(format!("the URL's host names API {api}, not {api_id}"))
            }
            Host::EndpointSpecific { vpce } if !private => Some(format!(
                "the URL uses the DNS name of VPC endpoint {vpce}, which reaches only private APIs, and {api_id} is not private"
            )),
            Host::EndpointSpecific { vpce } => {
                let header_api = api_header.or_else(|| {
                    host_header.and_then(|h| match classify(h, &partition) {
                        Host::Default { api } => Some(api),
                        _ => None,
                    })
                });
                match header_api {
                    None => Some(format!(
                        "the URL uses the DNS name of VPC endpoint {vpce} but sends neither `Host: {private_name}` nor `x-apigw-api-id: {api_id}`, so API Gateway cannot tell which API is meant"
                    )),
                    Some(other) if other != api_id => Some(format!(
                        "the request's Host or x-apigw-api-id header names API {other}, not {api_id}"
                    )),
                    Some(_) => None,
                }
            }
            Host::Alias { api, .. } if api != api_id => {
                Some(format!("the URL's host names API {api}, not {api_id}"))
            }
            Host::Alias { vpce, .. } if !associated.iter().any(|a| a == vpce) => Some(format!(
                "the URL uses the Route 53 alias for VPC endpoint {vpce}, but the API is not associated with that endpoint (associated: {})",
                if associated.is_empty() { "none".to_string() } else { associated.join(", ") }
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            findings.push(
                Finding::new(
                    Code::InvokeUrlMismatch,
                    format!("The request cannot reach API {api_id}: {problem}."),
                )
                .api(api_id)
                .resource(url)
                .evidence(json!({
                    "url": url,
                    "host": host,
                    "headers": request.headers,
                    "problem": problem,
                    "cause": "private_api_wrong_host",
                    "working_forms": if private {
                        json!([
                            format!("https://{private_name}/<stage>/<path> from a VPC whose execute-api endpoint has private DNS on"),
                            format!("https://<vpce-dns-name>/<stage>/<path> with header x-apigw-api-id: {api_id}"),
                            format!("https://{}/<stage>/<path> for an associated endpoint", partition.host(&format!("{api_id}-<vpce-id>.execute-api"))),
                        ])
                    } else {
                        json!([format!("https://{private_name}/<stage>/<path>")])
                    },
                })),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(host: &str) -> Host<'_> {
        super::classify(host, &Partition::of("us-east-1"))
    }

    #[test]
    fn host_forms_in_china_use_its_dns_suffix() {
        let china = Partition::of("cn-north-1");
        assert_eq!(
            super::classify(
                "vpce-0123456789abcdef0-abcdefgh.execute-api.cn-north-1.vpce.amazonaws.com.cn",
                &china
            ),
            Host::EndpointSpecific {
                vpce: "vpce-0123456789abcdef0"
            }
        );
    }

    #[test]
    fn host_forms() {
        assert_eq!(
            classify("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
            Host::Default { api: "a1b2c3d4e5" }
        );
        assert_eq!(
            classify("vpce-0123456789abcdef0-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"),
            Host::EndpointSpecific {
                vpce: "vpce-0123456789abcdef0"
            }
        );
        assert_eq!(
            classify("a1b2c3d4e5-vpce-0123456789abcdef0.execute-api.us-east-1.amazonaws.com"),
            Host::Alias {
                api: "a1b2c3d4e5",
                vpce: "vpce-0123456789abcdef0"
            }
        );
        assert_eq!(classify("api.example.com"), Host::Other);
    }
}
