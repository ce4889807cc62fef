//! Reads the region's custom domain names and their base path mappings (REST `GetDomainNames`,
//! `GetBasePathMappings`, and v2 `GetApiMappings` for the HTTP API stages mapped on them), once
//! per run and only when the incident's request went through a host that is not an execute-api
//! one. Custom domain names are one resource for both APIs: REST and HTTP API stages can be
//! mapped on the same name
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-mappings.html>).

use crate::aws::{CallFailure, Session};
use crate::snapshot::{BasePathMapping, DomainName, Incomplete};

/// Every custom domain name with its mappings. A failed list is the error; a failed mapping
/// read drops that domain name (its mappings unknown, so it is never judged) into `incomplete`.
pub async fn domain_names(
    session: Session<'_>,
) -> Result<(Vec<DomainName>, Vec<Incomplete>), CallFailure> {
    let items = rest_items!(session, "apigateway:GetDomainNames", |client| client
        .get_domain_names())?;
    let listed: Vec<DomainName> = items
        .iter()
        .map(|d| DomainName {
            name: d.domain_name().unwrap_or_default().to_string(),
            domain_name_id: d.domain_name_id().map(str::to_string),
            endpoint_types: d
                .endpoint_configuration()
                .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
                .unwrap_or_default(),
            mappings: Vec::new(),
            truststore_warnings: d
                .mutual_tls_authentication()
                .map(|m| m.truststore_warnings().to_vec())
                .unwrap_or_default(),
        })
        .collect();
    let reads = listed.iter().map(|d| async move {
        let (rest, v2) = futures::join!(mappings(session, d), api_mappings(session, d));
        let mut found = rest?;
        // A REST mapping is listed by both APIs: the v2 listing adds only what is not there.
        for mapping in v2? {
            if !found.iter().any(|m| m.base_path == mapping.base_path) {
                found.push(mapping);
            }
        }
        Ok::<_, CallFailure>(found)
    });
    let mut failures = Vec::new();
    let mut domains = Vec::new();
    for (mut domain, read) in listed
        .clone()
        .into_iter()
        .zip(futures::future::join_all(reads).await)
    {
        match read {
            Ok(mappings) => {
                domain.mappings = mappings;
                domains.push(domain);
            }
            Err(failure) => failures.push(failure.incomplete()),
        }
    }
    Ok((domains, failures))
}

/// A domain name's base path mappings; a private one is named by its `domainNameId` too.
async fn mappings(
    session: Session<'_>,
    domain: &DomainName,
) -> Result<Vec<BasePathMapping>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetBasePathMappings", |client| {
        client
            .get_base_path_mappings()
            .domain_name(&domain.name)
            .set_domain_name_id(domain.domain_name_id.clone())
    })?;
    Ok(items
        .iter()
        .map(|m| BasePathMapping {
            base_path: mapping_path(m.base_path()),
            api_id: m.rest_api_id().unwrap_or_default().to_string(),
            stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
        })
        .collect())
}

/// A domain name's API mappings through API Gateway v2, which lists HTTP API stages too. A
/// private custom domain name (REST only) has none there.
async fn api_mappings(
    session: Session<'_>,
    domain: &DomainName,
) -> Result<Vec<BasePathMapping>, CallFailure> {
    if domain.domain_name_id.is_some() {
        return Ok(Vec::new());
    }
    let items = v2_items!(session, "apigatewayv2:GetApiMappings", |client| client
        .get_api_mappings()
        .domain_name(&domain.name))?;
    Ok(items
        .iter()
        .map(|m| BasePathMapping {
            base_path: mapping_path(m.api_mapping_key()),
            api_id: m.api_id().unwrap_or_default().to_string(),
            stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
        })
        .collect())
}

/// A base path mapping's path (v1 `basePath`, v2 `apiMappingKey`) without slashes; the root
/// mapping, which API Gateway reports as "(none)" or empty, is "".
fn mapping_path(raw: Option<&str>) -> String {
    match raw.unwrap_or_default().trim_matches('/') {
        "(none)" => String::new(),
        path => path.to_string(),
    }
}
