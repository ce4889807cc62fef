//! Event JSON → report: the one function both entry points (Lambda and CLI) call.

use crate::action::Action;
use crate::apply;
use crate::aws::{Aws, CallFailure, SweepShare};
use crate::checks;
use crate::config::{Config, Mode};
use crate::gather;
use crate::intake::{self, Incident, IntakeSettings, InvalidEvent, Reply, Scope};
use crate::lock::LockTable;
use crate::member;
use crate::plan::{self, Context};
use crate::publish;
use crate::report::Report;
use crate::resolve;
use crate::snapshot::{LookupKey, Snapshot};
use chrono::{DateTime, Utc};
use serde_json::Value;
use tracing::Instrument;

/// What the handler needs that outlives one invocation.
#[derive(Debug)]
pub struct Doctor {
    pub config: Config,
    /// `None` when diagnosing from a snapshot file: no AWS call is possible or wanted.
    pub aws: Option<Aws>,
}

/// Per-invocation settings from the entry point.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub now: Option<DateTime<Utc>>,
    pub deadline: Option<tokio::time::Instant>,
    /// Diagnose from this snapshot instead of reading AWS.
    pub snapshot_in: Option<Snapshot>,
    /// The CLI's `--actions`: narrows like an event's `actions`.
    pub actions: Option<Vec<Action>>,
    /// The CLI's `--account`, used when the event names none.
    pub account: Option<String>,
}

/// A finished run: the report, what was read, and — when the run could not be made — why.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub snapshot: Snapshot,
    /// A one-line reason for exit status 2 (the target could not be read, no endpoint…).
    pub fatal: Option<String>,
    /// What the event asked to be answered with.
    pub reply: Reply,
}

impl Outcome {
    /// What the function answers: the report, or its summary when the event asked for one.
    pub fn answer(&self) -> serde_json::Result<Value> {
        match self.reply {
            Reply::Report => serde_json::to_value(&self.report),
            Reply::Summary => serde_json::to_value(self.report.summary(self.fatal.as_deref())),
        }
    }
}

/// Diagnoses one event. `Err` only for a malformed event.
pub async fn handle(
    doctor: &Doctor,
    event: &Value,
    invocation: Invocation,
) -> Result<Outcome, InvalidEvent> {
    let started = std::time::Instant::now();
    let now = invocation.now.unwrap_or_else(Utc::now);
    let mut incident = intake::parse(
        event,
        IntakeSettings {
            now,
            lookback_minutes: doctor.config.log_lookback_minutes,
        },
    )?;
    if incident.account.is_none() {
        incident.account.clone_from(&invocation.account);
    }
    // A cursor names the account its sweep works in: continuing it needs no `account` field.
    if let (None, Some(cursor)) = (&incident.account, &incident.cursor) {
        incident.account = Some(cursor.account.clone());
    }
    if let Some(narrowed) = &invocation.actions {
        let actions = incident.actions.get_or_insert_with(|| narrowed.clone());
        actions.retain(|a| narrowed.contains(a));
    }
    if let Some(reason) = crate::sweep::Cursor::refuses_actions(
        incident.cursor.as_ref(),
        incident.actions.as_deref(),
        "--actions",
    ) {
        return Err(InvalidEvent(reason));
    }
    let span = tracing::info_span!("diagnosis", incident = %incident.id);
    async move {
        let mode = effective_mode(
            doctor.config.mode,
            &mut incident,
            invocation.snapshot_in.is_some(),
        );
        if mode == Mode::Apply && doctor.config.lock_table.is_none() {
            incident.notes.push(
                "no lock table (APIGW_DOCTOR_LOCK_TABLE): only the function's reserved concurrency of 1 keeps apply runs apart, and a CLI apply is not coordinated with the function".to_string(),
            );
        }
        let calls_before = doctor.aws.as_ref().map_or(0, Aws::calls);
        let (snapshot, fatal, member) = match invocation.snapshot_in {
            Some(snapshot) => (snapshot, None, None),
            // Boxed: the SDK's futures are large, and a test thread's stack is small.
            None => Box::pin(read(doctor, &incident, invocation.deadline)).await,
        };
        // The account the incident is in: a member account's role, or the function's own.
        let working = member.as_ref().or(doctor.aws.as_ref());
        let findings = checks::run(&snapshot, &incident);
        let notes = checks::notes(&snapshot, &incident, &findings);
        incident.notes.extend(notes);
        let context = Context {
            incident_id: incident.id.clone(),
            now,
            cooldown_seconds: doctor.config.cooldown_seconds,
        };
        let mut plan = plan::plan(
            &findings,
            &snapshot,
            &incident,
            &doctor.config,
            mode,
            &context,
        );
        if let (Mode::Apply, Some(aws), None) = (mode, working, &fatal) {
            let lock = doctor
                .config
                .lock_table
                .as_deref()
                .map(|table| LockTable::new(table, &incident.id))
                // A member account's changes are locked in the function's own table.
                .map(|table| match &doctor.aws {
                    Some(own) if member.is_some() => table.at_home(own),
                    _ => table,
                });
            let session = aws.session(invocation.deadline);
            let verdicts = Box::pin(apply::apply(
                session,
                &context,
                lock.as_ref(),
                &plan.changes,
            ))
            .await;
            plan.record(verdicts);
        }
        let mut report = Report::new(&incident, &snapshot, mode.as_str());
        if let Some(reason) = &fatal {
            report.record_not_diagnosed(reason);
        }
        report.findings = findings;
        report.actions = plan.rows;
        // Sent from the function's own account, where its topic and bus are; an acknowledged
        // event that diagnosed nothing sends nothing.
        if let (Some(aws), false) = (&doctor.aws, incident.scope == Scope::Nothing) {
            let session = aws.session(invocation.deadline);
            Box::pin(publish::send(session, &doctor.config, &mut report)).await;
        }
        report.stats.aws_calls = doctor.aws.as_ref().map_or(0, Aws::calls) - calls_before;
        report.stats.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            findings = report.findings.len(),
            incomplete = report.incomplete.len(),
            aws_calls = report.stats.aws_calls,
            "diagnosis finished"
        );
        Ok(Outcome {
            report,
            snapshot,
            fatal,
            reply: incident.reply,
        })
    }
    .instrument(span)
    .await
}

/// Dry-run unless configured to apply; an event may only make a run safer (SPEC §1.1).
fn effective_mode(configured: Mode, incident: &mut Incident, offline: bool) -> Mode {
    if offline && configured == Mode::Apply {
        incident.notes.push(
            "diagnosing from a snapshot file: nothing can be changed, so the run is a dry run"
                .to_string(),
        );
        return Mode::DryRun;
    }
    match (configured, incident.dry_run) {
        (Mode::Apply, Some(true)) => {
            incident
                .notes
                .push("the event asked for a dry run: nothing will be changed".to_string());
            Mode::DryRun
        }
        (Mode::DryRun, Some(false)) => {
            incident.notes.push("`dry_run: false` ignored: the function is configured for dry-run (APIGW_DOCTOR_MODE)".to_string());
            Mode::DryRun
        }
        (mode, _) => mode,
    }
}

/// What `read` found: the snapshot, why the run could not be made (if so), and the clients of
/// the member account the incident is in (when it is not the function's own).
type Read = (Snapshot, Option<String>, Option<Aws>);

/// Reads AWS: the account (assuming the member role when the incident is in another one), the
/// targets, then everything the checks need.
async fn read(
    doctor: &Doctor,
    incident: &Incident,
    deadline: Option<tokio::time::Instant>,
) -> Read {
    let Some(aws) = &doctor.aws else {
        let snapshot = Snapshot::new("", incident.account.clone());
        return (
            snapshot,
            Some("no AWS clients and no snapshot to diagnose from".to_string()),
            None,
        );
    };
    let mut snapshot = Snapshot::new(&aws.region, incident.account.clone());
    if incident.scope == Scope::Nothing {
        return (snapshot, None, None);
    }
    let session = aws.session(deadline);
    let fail = |mut snapshot: Snapshot, failure: CallFailure| {
        let reason = format!(
            "could not read {}: {} ({})",
            failure.step, failure.code, failure.detail
        );
        snapshot.incomplete.push(failure.incomplete());
        (snapshot, Some(reason), None)
    };
    let sweep_share = SweepShare::new(doctor.config.sweep_rate());
    let after = incident.cursor.as_ref().map(|cursor| cursor.after.as_str());
    let identity = session.call(
        "sts:GetCallerIdentity",
        aws.sts.get_caller_identity().send(),
    );
    // In the function's own account and region, who the caller is and what the targets are do
    // not depend on each other, so both are asked at once (a cursor is checked against the
    // account first: it may belong to another one).
    let own_here = incident.account.is_none()
        && incident.cursor.is_none()
        && incident.region.as_ref().is_none_or(|r| *r == aws.region);
    let (identity, resolved) = if own_here {
        let targets = targets_session(aws, &incident.scope, deadline, &sweep_share);
        let resolution = Box::pin(resolve::resolve(targets, &incident.scope, after));
        let (identity, resolution) = futures::join!(identity, resolution);
        (identity, Some(resolution))
    } else {
        (identity.await, None)
    };
    let caller = match identity {
        Ok(identity) => identity.account().map(str::to_string),
        Err(failure) => return fail(snapshot, failure),
    };
    if let Some(region) = &incident.region {
        if *region != aws.region {
            return (
                snapshot,
                Some(format!(
                    "the event comes from region {region}, but this function works in {}",
                    aws.region
                )),
                None,
            );
        }
    }
    let member = match (&incident.account, caller) {
        (Some(named), Some(caller)) if *named != caller => {
            let Some(role) = &doctor.config.member_role_name else {
                let reason = format!(
                    "account {named} is not this account ({caller}); set APIGW_DOCTOR_MEMBER_ROLE_NAME to work in member accounts"
                );
                return (snapshot, Some(reason), None);
            };
            let external_id = doctor.config.member_external_id.as_deref();
            match member::assume(session, named, role, external_id, &incident.id).await {
                Ok(credentials) => Some(aws.with_credentials(credentials)),
                Err(failure) => return fail(snapshot, failure),
            }
        }
        (None, caller) => {
            snapshot.account = caller;
            None
        }
        _ => None,
    };
    let aws = member.as_ref().unwrap_or(aws);
    if let Some(reason) = incident
        .cursor
        .as_ref()
        .and_then(|cursor| cursor.mismatch(snapshot.account.as_deref(), &aws.region))
    {
        return (snapshot, Some(reason), None);
    }
    let session = targets_session(aws, &incident.scope, deadline, &sweep_share);
    let resolved = match resolved {
        Some(resolved) => resolved,
        None => Box::pin(resolve::resolve(session, &incident.scope, after)).await,
    };
    let resolution = match resolved {
        Ok(resolution) => resolution,
        Err(failure) => return fail(snapshot, failure),
    };
    let asked = gather::Asked {
        client: incident.client.as_ref(),
        // CloudTrail is searched only for named targets (2 lookups per second is too slow for
        // a sweep) and when the trigger did not already say when the policy changed.
        policy_history: matches!(incident.scope, Scope::Named(_))
            && incident.change.as_ref().is_none_or(|c| !c.policy_change),
        definition_history: matches!(incident.scope, Scope::Named(_)),
        connection_id: incident.connection_id.as_deref(),
        domain_names: checks::wants_domain_names(&snapshot, incident),
        usage_plans: checks::wants_usage_plans(incident),
        // Logs are searched only for named targets: a sweep reads no stage's logs.
        logs: matches!(incident.scope, Scope::Named(_)).then_some(incident.window),
        // Only when the person asked; the core refuses a sweep and anything but a REST method.
        probe: incident.probe.then_some(incident),
        sweep: (incident.scope == Scope::Sweep).then_some(gather::SweepBatch {
            max_apis: doctor.config.sweep_batch,
        }),
    };
    let snapshot = Box::pin(gather::gather(session, snapshot, resolution, asked)).await;
    let fatal = nothing_found(&snapshot);
    (snapshot, fatal, member)
}

/// The session the targets are read in: a sweep's takes only its share of API Gateway's quota.
fn targets_session<'a>(
    aws: &'a Aws,
    scope: &Scope,
    deadline: Option<tokio::time::Instant>,
    share: &'a SweepShare,
) -> crate::aws::Session<'a> {
    match scope {
        Scope::Sweep => aws.session(deadline).sweeping(share),
        _ => aws.session(deadline),
    }
}

/// When every target the incident named is missing, the run could not be made (exit 2); the
/// report still carries the TARGET_NOT_FOUND findings.
fn nothing_found(snapshot: &Snapshot) -> Option<String> {
    let named: Vec<String> = snapshot
        .lookups
        .iter()
        .filter_map(|l| match &l.key {
            LookupKey::ApiId(id) => Some(format!("id {id}")),
            LookupKey::ApiName(name) => Some(format!("name {name}")),
            LookupKey::Sweep => None,
        })
        .collect();
    let none_found = snapshot.lookups.iter().all(|l| l.api_ids.is_empty());
    (!named.is_empty() && none_found).then(|| {
        format!(
            "no API with {} exists in account {} region {}",
            named.join(" or "),
            snapshot.account.as_deref().unwrap_or("(unknown)"),
            snapshot.region
        )
    })
}
