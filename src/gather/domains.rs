//! Reads the region's custom domain names and their base path mappings (REST `GetDomainNames`,
//! `GetBasePathMappings`), once per run and only when the incident's request went through a
//! host that is not an execute-api one.

use crate::aws::{CallFailure, Session};
use crate::snapshot::{BasePathMapping, DomainName, Incomplete};

/// Every custom domain name with its mappings. A failed list is the error; a failed mapping
/// read drops that domain name (its mappings unknown, so it is never judged) into `incomplete`.
pub async fn domain_names(
    session: Session<'_>,
) -> Result<(Vec<DomainName>, Vec<Incomplete>), CallFailure> {
    let client = &session.aws.apigateway;
    let pages = session
        .paginate(
            "apigateway:GetDomainNames",
            |position| {
                client
                    .get_domain_names()
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page| page.position(),
        )
        .await?;
    let listed: Vec<DomainName> = pages
        .iter()
        .flat_map(|page| page.items())
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
    let reads = listed.iter().map(|d| mappings(session, d));
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
    let client = &session.aws.apigateway;
    let pages = session
        .paginate(
            "apigateway:GetBasePathMappings",
            |position| {
                client
                    .get_base_path_mappings()
                    .domain_name(&domain.name)
                    .set_domain_name_id(domain.domain_name_id.clone())
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page| page.position(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.items())
        .map(|m| BasePathMapping {
            // API Gateway reports the root mapping as "(none)".
            base_path: match m.base_path().unwrap_or_default().trim_matches('/') {
                "(none)" => String::new(),
                path => path.to_string(),
            },
            api_id: m.rest_api_id().unwrap_or_default().to_string(),
            stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
        })
        .collect())
}
