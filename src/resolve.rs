//! Turns the incident's named targets into API ids: `ApiName` → REST APIs, `ApiId` → v2 or REST.

use crate::aws::{CallFailure, Session};
use crate::failure::none_if_missing;
use crate::gather::{rest, v2};
use crate::intake::{Scope, TargetRef};
use crate::snapshot::{LookupKey, RestApi, TargetLookup, V2Api};
use std::collections::{BTreeMap, BTreeSet};

/// The APIs to diagnose, and which of their stages (`None`: every stage).
#[derive(Debug, Default)]
pub struct Resolution {
    pub lookups: Vec<TargetLookup>,
    pub rest_apis: Vec<RestApi>,
    pub v2_apis: Vec<V2Api>,
    pub stages: BTreeMap<String, Option<BTreeSet<String>>>,
}

impl Resolution {
    fn want_stage(&mut self, api_id: &str, stage: Option<&String>) {
        let entry = self
            .stages
            .entry(api_id.to_string())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (entry.as_mut(), stage) {
            (Some(set), Some(stage)) => {
                set.insert(stage.clone());
            }
            (_, None) => *entry = None,
            (None, Some(_)) => {}
        }
    }

    fn add_rest(&mut self, api: RestApi) {
        if !self.rest_apis.iter().any(|a| a.id == api.id) {
            self.rest_apis.push(api);
        }
    }

    fn add_v2(&mut self, api: V2Api) {
        if !self.v2_apis.iter().any(|a| a.id == api.id) {
            self.v2_apis.push(api);
        }
    }
}

/// Resolves every target; a read that fails for any reason but "not found" is fatal (exit 2).
/// A sweep's APIs are those whose ids sort after `after` (a cursor's) when given.
pub async fn resolve(
    session: Session<'_>,
    scope: &Scope,
    after: Option<&str>,
) -> Result<Resolution, CallFailure> {
    let mut resolution = Resolution::default();
    match scope {
        Scope::Nothing => {}
        Scope::Sweep => {
            let (rest_apis, v2_apis) =
                futures::join!(rest::list_apis(session), v2::list_apis(session));
            let not_done = |id: &String| after.is_none_or(|after| id.as_str() > after);
            let (mut rest_apis, mut v2_apis) = (rest_apis?, v2_apis?);
            rest_apis.retain(|a| not_done(&a.id));
            v2_apis.retain(|a| not_done(&a.id));
            let ids: Vec<String> = rest_apis
                .iter()
                .map(|a| a.id.clone())
                .chain(v2_apis.iter().map(|a| a.id.clone()))
                .collect();
            rest_apis.into_iter().for_each(|a| resolution.add_rest(a));
            v2_apis.into_iter().for_each(|a| resolution.add_v2(a));
            for id in &ids {
                resolution.want_stage(id, None);
            }
            resolution.lookups.push(TargetLookup {
                key: LookupKey::Sweep,
                api_ids: ids,
                missing_stages: Vec::new(),
            });
        }
        Scope::Named(targets) => {
            for target in targets {
                let lookup = resolve_one(session, target, &mut resolution).await?;
                resolution.lookups.push(lookup);
            }
        }
    }
    Ok(resolution)
}

async fn resolve_one(
    session: Session<'_>,
    target: &TargetRef,
    resolution: &mut Resolution,
) -> Result<TargetLookup, CallFailure> {
    let mut ids = Vec::new();
    let key = if let Some(id) = &target.api_id {
        if let Some(found) = find_by_id(session, id, target.v2_hint).await? {
            match found {
                Found::Rest(api) => resolution.add_rest(api),
                Found::V2(api) => resolution.add_v2(api),
            }
            ids.push(id.clone());
        }
        LookupKey::ApiId(id.clone())
    } else if let Some(name) = &target.api_name {
        for api in rest::list_apis(session).await? {
            if metric_name(&api.name) == metric_name(name) {
                ids.push(api.id.clone());
                resolution.add_rest(api);
            }
        }
        LookupKey::ApiName(name.clone())
    } else {
        return Ok(TargetLookup {
            key: LookupKey::Sweep,
            api_ids: Vec::new(),
            missing_stages: Vec::new(),
        });
    };
    for id in &ids {
        resolution.want_stage(id, target.stage.as_ref());
    }
    Ok(TargetLookup {
        key,
        api_ids: ids,
        missing_stages: Vec::new(),
    })
}

enum Found {
    Rest(RestApi),
    V2(V2Api),
}

/// Tries the API family the hint suggests first, then the other; `None` when neither has it.
async fn find_by_id(
    session: Session<'_>,
    id: &str,
    v2_first: bool,
) -> Result<Option<Found>, CallFailure> {
    let not_found = |r: Result<Option<Found>, CallFailure>| none_if_missing(r).map(Option::flatten);
    let as_rest = |id: String| async move {
        rest::get_api(session, &id)
            .await
            .map(|a| Some(Found::Rest(a)))
    };
    let as_v2 =
        |id: String| async move { v2::get_api(session, &id).await.map(|a| Some(Found::V2(a))) };
    let first = if v2_first {
        not_found(as_v2(id.to_string()).await)?
    } else {
        not_found(as_rest(id.to_string()).await)?
    };
    if first.is_some() {
        return Ok(first);
    }
    if v2_first {
        not_found(as_rest(id.to_string()).await)
    } else {
        not_found(as_v2(id.to_string()).await)
    }
}

/// API Gateway strips non-ASCII characters from the `ApiName` metric dimension.
fn metric_name(name: &str) -> String {
    name.chars().filter(char::is_ascii).collect()
}

#[cfg(test)]
mod tests {
    use super::metric_name;

    #[test]
    fn api_names_compare_as_cloudwatch_reports_them() {
        assert_eq!(metric_name("commandes-été"), metric_name("commandes-t"));
        assert_ne!(metric_name("orders"), metric_name("orders2"));
    }
}
