//! Reads everything the checks need for the resolved targets into a `Snapshot`, concurrently.
//!
//! A read that fails is recorded in `Snapshot::incomplete`; it never aborts the others.

/// Every item of a paginated REST (API Gateway v1) listing, owned: `|client| request` builds
/// the operation on the REST client; pages are asked 500 at a time (`limit`'s maximum) and
/// followed by `position`. Evaluates to `Result<Vec<Item>, CallFailure>`.
macro_rules! rest_items {
    ($session:ident, $step:literal, |$client:ident| $request:expr) => {{
        let $client = &$session.aws.apigateway;
        $session
            .paginate(
                $step,
                |position| $request.limit(500).set_position(position).send(),
                |page| page.position(),
            )
            .await
            .map(|pages| {
                pages
                    .into_iter()
                    .flat_map(|page| page.items.unwrap_or_default())
                    .collect::<Vec<_>>()
            })
    }};
}

/// The same for an API Gateway v2 listing: 500 a page (`maxResults`), followed by `nextToken`.
macro_rules! v2_items {
    ($session:ident, $step:literal, |$client:ident| $request:expr) => {{
        let $client = &$session.aws.apigatewayv2;
        $session
            .paginate(
                $step,
                |token| $request.max_results("500").set_next_token(token).send(),
                |page| page.next_token(),
            )
            .await
            .map(|pages| {
                pages
                    .into_iter()
                    .flat_map(|page| page.items.unwrap_or_default())
                    .collect::<Vec<_>>()
            })
    }};
}

pub mod connection;
pub mod domains;
pub mod logs;
pub mod network;
pub mod probe;
pub mod rest;
mod trail;
pub mod v2;
pub mod vpc_links;

use crate::aws::{CallFailure, Session};
use crate::intake::{ClientHint, Incident, Window};
use crate::resolve::Resolution;
use crate::snapshot::{
    ApiStage, ChangeHistory, Incomplete, NetworkAcl, PrefixList, RestApi, SecurityGroup, Snapshot,
    Subnet, V2Api, Vpc, VpcEndpoint,
};
use apigw_doctor_core::unique;
use aws_sdk_ec2::types::VpcAttributeName;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An SDK tag map (or none) as the snapshot keeps tags: sorted.
fn tags(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// An SDK time as epoch seconds.
fn epoch(time: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    time.map(aws_smithy_types::DateTime::secs)
}

/// Collects the failures of independent reads.
#[derive(Default)]
struct Failures(Vec<Incomplete>);

impl Failures {
    fn keep<T: Default>(&mut self, result: Result<T, CallFailure>) -> T {
        result.unwrap_or_else(|failure| {
            self.0.push(failure.incomplete());
            T::default()
        })
    }
}

/// What the incident asks the gather step to read beyond the targets themselves.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub client: Option<&'a ClientHint>,
    /// Search CloudTrail for the last resource-policy change (REST APIs).
    pub policy_history: bool,
    /// Search CloudTrail for the last route or integration change (HTTP and WebSocket APIs).
    pub definition_history: bool,
    /// Look this WebSocket connection id up on its stage (`GetConnection`).
    pub connection_id: Option<&'a str>,
    /// Read the region's custom domain names and their mappings (the request went through one).
    pub domain_names: bool,
    /// Read the usage plans when a stage serves methods that require an API key.
    pub usage_plans: bool,
    /// Search the stages' execution and access logs over this window (named targets only).
    pub logs: Option<Window>,
    /// The incident whose request a person asked to reproduce (`TestInvokeMethod`): run when
    /// `crate::probe::target` allows it, after the REST APIs are read.
    pub probe: Option<&'a Incident>,
    /// A sweep: read the APIs a chunk at a time and stop for the deadline or the batch size.
    pub sweep: Option<SweepBatch>,
}

/// How much of a sweep one invocation reads (SPEC §4 `cursor`).
#[derive(Debug, Clone, Copy)]
pub struct SweepBatch {
    /// At most this many APIs (`APIGW_DOCTOR_SWEEP_BATCH`); `None`: as many as the deadline
    /// allows.
    pub max_apis: Option<usize>,
}

/// What `rest_details` and `v2_details` return: the API, its wanted stages that do not exist,
/// and the reads that failed.
type Details<A> = (A, Vec<String>, Vec<Incomplete>);

/// An API not read yet, in a sweep's id order.
enum Unread {
    Rest(RestApi),
    V2(V2Api),
}

impl Unread {
    fn id(&self) -> &str {
        match self {
            Unread::Rest(api) => &api.id,
            Unread::V2(api) => &api.id,
        }
    }
}

/// Every API's own reads, concurrently. A sweep reads them a chunk of
/// `apigw_doctor_core::sweep::CHUNK_APIS` at a time in id order and stops when its batch is
/// done, when the next chunk might not finish before the deadline, or when the deadline cut a
/// chunk short; the id of the last API read in full is then returned, for the cursor.
async fn api_details(
    session: Session<'_>,
    rest_apis: Vec<RestApi>,
    v2_apis: Vec<V2Api>,
    wanted: &BTreeMap<String, Option<BTreeSet<String>>>,
    sweep: Option<SweepBatch>,
) -> (Vec<Details<RestApi>>, Vec<Details<V2Api>>, Option<String>) {
    use apigw_doctor_core::sweep::{first_left, room_for_another, CHUNK_APIS};
    let read_all = |rest_apis: Vec<RestApi>, v2_apis: Vec<V2Api>| {
        let rest_reads = rest_apis.into_iter().map(|api| {
            let stages = wanted.get(&api.id).cloned().flatten();
            Box::pin(rest_details(session, api, stages))
        });
        let v2_reads = v2_apis.into_iter().map(|api| {
            let stages = wanted.get(&api.id).cloned().flatten();
            Box::pin(v2_details(session, api, stages))
        });
        futures::future::join(
            futures::future::join_all(rest_reads),
            futures::future::join_all(v2_reads),
        )
    };
    let Some(batch) = sweep else {
        let (rest, v2) = read_all(rest_apis, v2_apis).await;
        return (rest, v2, None);
    };
    let mut unread: Vec<Unread> = rest_apis
        .into_iter()
        .map(Unread::Rest)
        .chain(v2_apis.into_iter().map(Unread::V2))
        .collect();
    unread.sort_by(|a, b| a.id().cmp(b.id()));
    let total = unread.len();
    let limit = batch.max_apis.unwrap_or(usize::MAX).min(total);
    let (mut rest, mut v2): (Vec<Details<RestApi>>, Vec<Details<V2Api>>) = (Vec::new(), Vec::new());
    let mut unread = unread.into_iter();
    let mut slowest = std::time::Duration::ZERO;
    loop {
        let done = rest.len() + v2.len();
        if done == limit || (done > 0 && !room_for_another(slowest, session.time_left())) {
            break;
        }
        let (mut chunk_rest, mut chunk_v2) = (Vec::new(), Vec::new());
        for api in unread.by_ref().take(CHUNK_APIS.min(limit - done)) {
            match api {
                Unread::Rest(api) => chunk_rest.push(api),
                Unread::V2(api) => chunk_v2.push(api),
            }
        }
        let started = std::time::Instant::now();
        let (mut read_rest, mut read_v2) = read_all(chunk_rest, chunk_v2).await;
        slowest = slowest.max(started.elapsed());
        // An API whose reads the deadline cut short is left, with every later one, to the next
        // batch (`first_left`); the batch ends there.
        let cut = |incomplete: &[Incomplete]| incomplete.iter().any(Incomplete::cut_by_deadline);
        let chunk: Vec<(&str, bool)> = read_rest
            .iter()
            .map(|(api, _, incomplete)| (api.id.as_str(), cut(incomplete)))
            .chain(
                read_v2
                    .iter()
                    .map(|(api, _, incomplete)| (api.id.as_str(), cut(incomplete))),
            )
            .collect();
        let cut_short = chunk.iter().any(|(_, cut)| *cut);
        if let Some(left) = first_left(&chunk, done).map(str::to_string) {
            read_rest.retain(|(api, _, _)| api.id < left);
            read_v2.retain(|(api, _, _)| api.id < left);
        }
        rest.extend(read_rest);
        v2.extend(read_v2);
        if cut_short {
            break;
        }
    }
    // The cursor: the greatest id read, when some are left.
    let after = (rest.len() + v2.len() < total)
        .then(|| ids_of(&rest, &v2).max().map(str::to_string))
        .flatten();
    (rest, v2, after)
}

/// The ids of read REST and v2 APIs, REST first.
fn ids_of<'a>(
    rest: &'a [Details<RestApi>],
    v2: &'a [Details<V2Api>],
) -> impl Iterator<Item = &'a str> {
    rest.iter()
        .map(|(api, _, _)| api.id.as_str())
        .chain(v2.iter().map(|(api, _, _)| api.id.as_str()))
}

/// Reads the details of every resolved API and, when any check needs it, the network.
pub async fn gather(
    session: Session<'_>,
    mut snapshot: Snapshot,
    resolution: Resolution,
    asked: Asked<'_>,
) -> Snapshot {
    let Asked {
        client,
        policy_history,
        definition_history,
        connection_id,
        domain_names,
        usage_plans,
        logs: log_window,
        probe: reproduce,
        sweep,
    } = asked;
    snapshot.lookups = resolution.lookups;
    // Execution logging of REST and WebSocket stages depends on the account's CloudWatch role.
    let logged =
        !resolution.rest_apis.is_empty() || resolution.v2_apis.iter().any(V2Api::is_websocket);
    let account = async {
        if logged {
            Some(rest::account(session).await)
        } else {
            None
        }
    };
    let details = api_details(
        session,
        resolution.rest_apis,
        resolution.v2_apis,
        &resolution.stages,
        sweep,
    );
    let domains = async {
        if domain_names {
            Some(domains::domain_names(session).await)
        } else {
            None
        }
    };
    let ((rest_apis, v2_apis, stopped_after), account, domains) =
        futures::join!(Box::pin(details), account, domains);
    if let Some(after) = stopped_after {
        let read: BTreeSet<&str> = ids_of(&rest_apis, &v2_apis).collect();
        for lookup in &mut snapshot.lookups {
            lookup.api_ids.retain(|id| read.contains(id.as_str()));
        }
        let cursor = apigw_doctor_core::sweep::Cursor {
            account: snapshot.account.clone().unwrap_or_default(),
            region: snapshot.region.clone(),
            after,
        };
        snapshot.cursor = Some(cursor.to_string());
    }
    let mut failures = Failures::default();
    match domains {
        Some(Ok((domains, incomplete))) => {
            snapshot.domain_names = Some(domains);
            failures.0.extend(incomplete);
        }
        Some(Err(failure)) => failures.0.push(failure.incomplete()),
        None => {}
    }
    snapshot.account_settings =
        account.and_then(|read| read.map_err(|f| failures.0.push(f.incomplete())).ok());
    let mut missing_stages = Vec::new();
    for (api, missing, incomplete) in rest_apis {
        missing_stages.extend(missing.into_iter().map(|s| (api.id.clone(), s)));
        failures.0.extend(incomplete);
        snapshot.rest_apis.push(api);
    }
    for (api, missing, incomplete) in v2_apis {
        missing_stages.extend(missing.into_iter().map(|s| (api.id.clone(), s)));
        failures.0.extend(incomplete);
        snapshot.v2_apis.push(api);
    }
    for (api_id, stage) in missing_stages {
        for lookup in snapshot.lookups.iter_mut() {
            if lookup.api_ids.contains(&api_id) {
                lookup.missing_stages.push(ApiStage {
                    api_id: api_id.clone(),
                    stage: stage.clone(),
                });
            }
        }
    }

    // Usage plans, only when a stage serves a method that requires an API key.
    let key_methods = snapshot.rest_apis.iter().any(|api| {
        api.deployments
            .iter()
            .any(|d| d.api_key_methods.as_ref().is_some_and(|m| !m.is_empty()))
    });
    if usage_plans && key_methods {
        snapshot.usage_plans = rest::usage_plans(session)
            .await
            .map_err(|f| failures.0.push(f.incomplete()))
            .ok();
        read_usage_plan_keys(session, &mut snapshot, &mut failures.0).await;
    }

    // The connection lookup judges the stage reads: their failures go in first.
    snapshot.incomplete.append(&mut failures.0);
    if let Some(connection_id) = connection_id {
        look_up_connection(session, &mut snapshot, connection_id).await;
    }

    // Independent of one another, so read in one round: the stages' logs, the probe, the
    // network around the APIs, the path behind their VPC links and the APIs' change history.
    // What failed lands in `incomplete` in that order.
    let has_targets = !snapshot.rest_apis.is_empty() || !snapshot.v2_apis.is_empty();
    let needs_surroundings = snapshot.rest_apis.iter().any(RestApi::is_private) || client.is_some();
    let read = &snapshot;
    let logs = async move {
        match log_window {
            Some(window) => {
                logs::search_all(session, read, window, apigw_doctor_core::logs::BOUNDS).await
            }
            None => Default::default(),
        }
    };
    let probe = async move {
        match reproduce.and_then(|incident| crate::probe::target(read, incident)) {
            Some(Ok(target)) => Some(probe::run(session, target).await),
            _ => None,
        }
    };
    let network = async move {
        if has_targets {
            Some(read_network(session, read, client, needs_surroundings).await)
        } else {
            None
        }
    };
    let (logs, probe, network, (path, path_failures), histories) = futures::join!(
        logs,
        probe,
        network,
        Box::pin(vpc_links::path(session, read)),
        histories(session, read, (policy_history, definition_history)),
    );
    let (log_searches, logs_unread) = logs;
    snapshot.log_searches.extend(log_searches);
    snapshot.incomplete.extend(logs_unread);
    match probe {
        Some(Ok(run)) => snapshot.probe = Some(run),
        Some(Err(failure)) => snapshot.incomplete.push(failure.incomplete()),
        None => {}
    }
    if let Some(network) = network {
        network.record(&mut snapshot, &mut failures);
    }
    failures.0.extend(path_failures.0);
    record_histories(&mut snapshot, histories, &mut failures);
    if let Some(path) = path {
        vpc_links::read_surroundings(session, &mut snapshot, &path, &mut failures).await;
        snapshot.private_path = Some(path);
    }
    snapshot.incomplete.extend(failures.0);
    snapshot
}

/// The keys of each usage plan that admits a key-requiring stage (`GetUsagePlanKeys`,
/// concurrently), and, when any of them holds a key, whether the region's keys are enabled
/// (`GetApiKeys`). Nothing is read when no plan admits such a stage: the check needs no keys
/// then. A plan whose keys could not be read keeps `key_ids: None`.
async fn read_usage_plan_keys(
    session: Session<'_>,
    snapshot: &mut Snapshot,
    failures: &mut Vec<Incomplete>,
) {
    let wanted = apigw_doctor_core::checks::plans_needing_keys(snapshot);
    let reads = wanted
        .iter()
        .map(|plan_id| async move { (plan_id, rest::usage_plan_keys(session, plan_id).await) });
    let mut any_key = false;
    for (plan_id, read) in futures::future::join_all(reads).await {
        match read {
            Ok(ids) => {
                any_key |= !ids.is_empty();
                let plan = snapshot
                    .usage_plans
                    .iter_mut()
                    .flatten()
                    .find(|p| &p.id == plan_id);
                if let Some(plan) = plan {
                    plan.key_ids = Some(ids);
                }
            }
            Err(failure) => failures.push(failure.incomplete()),
        }
    }
    if any_key {
        snapshot.api_keys = rest::api_keys(session)
            .await
            .map_err(|f| failures.push(f.incomplete()))
            .ok();
    }
}

/// Asks each WebSocket target's stage about the incident's connection id. A target that cannot
/// be asked (see `Snapshot::connection_stages`) and a lookup that fails land in `incomplete`.
async fn look_up_connection(session: Session<'_>, snapshot: &mut Snapshot, connection_id: &str) {
    let reads = snapshot
        .connection_stages(connection_id)
        .into_iter()
        .map(|target| async move {
            let target = target?;
            connection::connection(session, &target, connection_id)
                .await
                .map_err(|failure| failure.incomplete())
        });
    for read in futures::future::join_all(reads).await {
        match read {
            Ok(connection) => snapshot.connections.push(connection),
            Err(incomplete) => snapshot.incomplete.push(incomplete),
        }
    }
}

/// Keeps the wanted stages; returns the wanted ones that do not exist.
fn select_stages<S>(
    stages: &mut Vec<S>,
    wanted: Option<BTreeSet<String>>,
    name: impl Fn(&S) -> &str,
) -> Vec<String> {
    let Some(wanted) = wanted else {
        return Vec::new();
    };
    stages.retain(|s| wanted.contains(name(s)));
    wanted
        .into_iter()
        .filter(|w| !stages.iter().any(|s| name(s) == w))
        .collect()
}

async fn rest_details(
    session: Session<'_>,
    mut api: RestApi,
    wanted: Option<BTreeSet<String>>,
) -> (RestApi, Vec<String>, Vec<Incomplete>) {
    let (stages, deployments, resources) = futures::join!(
        rest::stages(session, &api.id),
        rest::deployments(session, &api.id),
        rest::resources(session, &api.id),
    );
    let mut failures = Failures::default();
    let stages_read = stages.is_ok();
    api.stages = failures.keep(stages);
    api.deployments = failures.keep(deployments);
    api.resources = failures.keep(resources);
    let missing = if stages_read {
        select_stages(&mut api.stages, wanted, |s| &s.name)
    } else {
        Vec::new()
    };
    // What each stage serves, for "changed but not deployed": one read per deployment in use.
    let in_use: Vec<String> = api
        .deployments_in_use()
        .into_iter()
        .map(str::to_string)
        .collect();
    let summaries = futures::future::join_all(
        in_use
            .iter()
            .map(|id| rest::deployment_summary(session, &api.id, id)),
    )
    .await;
    for (id, summary) in in_use.iter().zip(summaries) {
        let summary = summary.map_err(|f| failures.0.push(f.incomplete())).ok();
        if let Some(deployment) = api.deployments.iter_mut().find(|d| d.id == *id) {
            (deployment.api_summary, deployment.api_key_methods) = summary.unzip();
        }
    }
    (api, missing, failures.0)
}

async fn v2_details(
    session: Session<'_>,
    mut api: V2Api,
    wanted: Option<BTreeSet<String>>,
) -> (V2Api, Vec<String>, Vec<Incomplete>) {
    let mut failures = Failures::default();
    let websocket = api.is_websocket();
    let websocket_routes = async {
        if websocket {
            v2::routes(session, &api.id).await
        } else {
            Ok(Vec::new())
        }
    };
    // Integrations of every API: an HTTP API's may go through a VPC link.
    let (stages, deployments, integrations, routes) = futures::join!(
        v2::stages(session, &api.id),
        v2::deployments(session, &api.id),
        v2::integrations(session, &api.id),
        websocket_routes
    );
    let stages_read = stages.is_ok();
    api.stages = failures.keep(stages);
    api.deployments = failures.keep(deployments);
    api.integrations = failures.keep(integrations);
    // An HTTP API's routes tell which of its VPC-link integrations a request can reach.
    let through_vpc_link = api
        .integrations
        .iter()
        .any(|i| i.connection_type.as_deref() == Some("VPC_LINK"));
    let routes = if websocket || !through_vpc_link {
        routes
    } else {
        v2::routes(session, &api.id).await
    };
    api.routes_read = routes.is_ok() && (websocket || through_vpc_link);
    api.routes = failures.keep(routes);
    // A WebSocket API's authorizers describe only a route beyond `$connect` that names one: a
    // sweep of healthy APIs sends no `GetAuthorizers`, and a diagnosis waits a round only then.
    if api.needs_authorizers() {
        api.authorizers = failures.keep(v2::authorizers(session, &api.id).await);
    }
    let missing = if stages_read {
        select_stages(&mut api.stages, wanted, |s| &s.name)
    } else {
        Vec::new()
    };
    (api, missing, failures.0)
}

/// When each target last changed, from CloudTrail, if no trigger said so: a REST API's
/// resource policy (only changes after the oldest deployment a stage serves matter), an HTTP or
/// WebSocket API's routes and integrations (after the oldest deployment a stage without
/// auto-deploy serves: an auto-deploying stage follows every change). Recorded by
/// `record_histories`.
async fn histories(
    session: Session<'_>,
    snapshot: &Snapshot,
    (policy_history, definition_history): (bool, bool),
) -> Vec<(String, Result<Option<ChangeHistory>, CallFailure>)> {
    let rest = snapshot.rest_apis.iter().filter_map(|api| {
        let in_use = api.deployments_in_use();
        let since = api
            .deployments
            .iter()
            .filter(|d| in_use.contains(&d.id.as_str()))
            .filter_map(|d| d.created_date)
            .min()?;
        (policy_history && api.policy.is_some()).then_some(async move {
            let read = rest::last_policy_change(session, &api.id, since).await;
            (api.id.clone(), read)
        })
    });
    let v2 = snapshot.v2_apis.iter().filter_map(|api| {
        let since = api
            .stages
            .iter()
            .filter(|s| !s.auto_deploy)
            .filter_map(|s| s.deployment_id.as_deref())
            .filter_map(|id| api.deployments.iter().find(|d| d.id == id))
            .filter_map(|d| d.created_date)
            .min()?;
        definition_history.then_some(async move {
            let read = v2::last_definition_change(session, &api.id, since).await;
            (api.id.clone(), read.map(Some))
        })
    });
    let (rest, v2) = futures::join!(
        futures::future::join_all(rest),
        futures::future::join_all(v2)
    );
    rest.into_iter().chain(v2).collect()
}

/// Puts each API's change history on it; a failed read goes to `failures`.
fn record_histories(
    snapshot: &mut Snapshot,
    read: Vec<(String, Result<Option<ChangeHistory>, CallFailure>)>,
    failures: &mut Failures,
) {
    for (api_id, history) in read {
        let history = history
            .map_err(|f| failures.0.push(f.incomplete()))
            .ok()
            .flatten();
        if let Some(api) = snapshot.rest_apis.iter_mut().find(|a| a.id == api_id) {
            api.last_policy_change = history;
        } else if let Some(api) = snapshot.v2_apis.iter_mut().find(|a| a.id == api_id) {
            api.last_definition_change = history;
        }
    }
}

/// What `read_network` found, for the snapshot.
#[derive(Default)]
struct Network {
    vpc_endpoints: Vec<VpcEndpoint>,
    security_groups: Vec<SecurityGroup>,
    prefix_lists: Vec<PrefixList>,
    network_acls: Vec<NetworkAcl>,
    subnets: Vec<Subnet>,
    vpcs: Vec<Vpc>,
    failures: Failures,
}

impl Network {
    /// Puts what was read into the snapshot, and what failed into `failures`.
    fn record(self, snapshot: &mut Snapshot, failures: &mut Failures) {
        snapshot.network_read = true;
        snapshot.vpc_endpoints = self.vpc_endpoints;
        snapshot.security_groups = self.security_groups;
        snapshot.prefix_lists = self.prefix_lists;
        snapshot.network_acls = self.network_acls;
        snapshot.subnets = self.subnets;
        snapshot.vpcs = self.vpcs;
        failures.0.extend(self.failures.0);
    }
}

/// Endpoints always (public APIs can be shadowed by private DNS); their surroundings when needed.
async fn read_network(
    session: Session<'_>,
    snapshot: &Snapshot,
    client: Option<&ClientHint>,
    needs_surroundings: bool,
) -> Network {
    let mut read = Network::default();
    let failures = &mut read.failures;
    read.vpc_endpoints = failures.keep(network::vpc_endpoints(session, &[]).await);
    if !needs_surroundings {
        return read;
    }
    let endpoints: Vec<&VpcEndpoint> = read
        .vpc_endpoints
        .iter()
        .filter(|e| e.serves_execute_api())
        .collect();
    let client = client.cloned().unwrap_or_default();
    let group_ids: Vec<String> = unique(
        endpoints
            .iter()
            .flat_map(|e| e.security_group_ids.iter().cloned())
            .chain(client.security_group_ids.iter().cloned()),
    );
    let endpoint_subnets: Vec<String> =
        unique(endpoints.iter().flat_map(|e| e.subnet_ids.iter().cloned()));
    let subnet_ids: Vec<String> = unique(
        endpoint_subnets
            .iter()
            .cloned()
            .chain(client.subnet_id.clone()),
    );
    // VPCs the private APIs' policies admit by aws:SourceVpc: read, so that one of this
    // account without an endpoint is told apart from a consumer account's.
    let policy_vpcs: Vec<String> = snapshot
        .rest_apis
        .iter()
        .filter(|api| api.is_private())
        .filter_map(|api| crate::policy::parse_policy(api.policy.as_deref()?).ok())
        .flat_map(|document| document.admitted("aws:SourceVpc", "vpc-"))
        .collect();
    let vpc_ids: Vec<String> = unique(
        endpoints
            .iter()
            .map(|e| e.vpc_id.clone())
            .chain(client.vpc_id.clone())
            .chain(policy_vpcs),
    );
    let (groups, acls, subnets, vpcs) = futures::join!(
        network::security_groups(session, &group_ids),
        network::network_acls(session, &subnet_ids),
        network::subnets(session, &subnet_ids),
        network::vpcs(session, &vpc_ids),
    );
    read.security_groups = failures.keep(groups);
    let prefix_list_ids = unique(read.security_groups.iter().flat_map(|g| {
        g.ingress
            .iter()
            .chain(&g.egress)
            .flat_map(|r| r.prefix_list_ids.iter().cloned())
    }));
    let lists = futures::future::join_all(
        prefix_list_ids
            .iter()
            .map(|id| network::prefix_list(session, id)),
    )
    .await;
    read.prefix_lists = lists
        .into_iter()
        .filter_map(|list| list.map_err(|f| failures.0.push(f.incomplete())).ok())
        .collect();
    read.network_acls = failures.keep(acls);
    read.subnets = failures.keep(subnets);
    read.vpcs = failures.keep(vpcs);
    let attribute_reads = read.vpcs.iter().map(|vpc| async move {
        futures::join!(
            network::vpc_dns_attribute(session, &vpc.id, VpcAttributeName::EnableDnsSupport),
            network::vpc_dns_attribute(session, &vpc.id, VpcAttributeName::EnableDnsHostnames),
        )
    });
    let attributes = futures::future::join_all(attribute_reads).await;
    for (vpc, (support, hostnames)) in read.vpcs.iter_mut().zip(attributes) {
        vpc.dns_support = support.map_err(|f| failures.0.push(f.incomplete())).ok();
        vpc.dns_hostnames = hostnames.map_err(|f| failures.0.push(f.incomplete())).ok();
    }
    read
}
