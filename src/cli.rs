//! The operator's command line (SPEC §3): argument parsing, output and exit codes.

use crate::action::Action;
use crate::aws::{self, Aws};
use crate::config::{Config, Mode};
use crate::handler::{self, Doctor, Invocation, Outcome};
use crate::snapshot::{Snapshot, SNAPSHOT_SCHEMA};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

/// Exit status: the run could not be made.
pub const EXIT_UNUSABLE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "apigw-doctor",
    version,
    about = "Diagnoses failing Amazon API Gateway APIs and, when allowed, repairs them"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct Common {
    /// Apply the allowed repairs (the default is a dry run that changes nothing).
    #[arg(long, global = true)]
    apply: bool,
    /// Narrow the allowed actions, comma-separated.
    #[arg(long, global = true, value_delimiter = ',')]
    actions: Option<Vec<String>>,
    /// Output format (default: text on a terminal, json otherwise).
    #[arg(long, global = true, value_enum)]
    format: Option<Format>,
    /// AWS region (default: the SDK's, e.g. AWS_REGION).
    #[arg(long, global = true)]
    region: Option<String>,
    /// Work in this account (it must be the caller's: member accounts are not supported by this
    /// build).
    #[arg(long, global = true)]
    account: Option<String>,
    /// Write everything that was read from AWS to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    snapshot_out: Option<PathBuf>,
    /// Diagnose from FILE alone: no AWS call.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "apply")]
    snapshot_in: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Diagnose one API.
    Diagnose(Box<DiagnoseArgs>),
    /// Run exactly the Lambda handler on an event (a file, or - for standard input).
    Invoke {
        #[arg(long, value_name = "FILE|-")]
        event: String,
    },
    /// Diagnose every API in the region.
    Sweep {
        /// Continue an unfinished sweep from the `cursor` its report gave.
        #[arg(long)]
        cursor: Option<String>,
    },
}

#[derive(Debug, Args)]
struct DiagnoseArgs {
    #[arg(
        long,
        required_unless_present = "api_name",
        conflicts_with = "api_name"
    )]
    api_id: Option<String>,
    #[arg(long)]
    api_name: Option<String>,
    #[arg(long)]
    stage: Option<String>,
    /// server-error | client-error | forbidden | gone | timeout | latency
    #[arg(long)]
    symptom: Option<String>,
    /// The HTTP status the caller saw.
    #[arg(long)]
    status: Option<u16>,
    /// The x-amzn-errortype the caller saw, e.g. ForbiddenException.
    #[arg(long)]
    error_type: Option<String>,
    #[arg(long)]
    error_message: Option<String>,
    /// The URL the caller used.
    #[arg(long)]
    url: Option<String>,
    #[arg(long)]
    method: Option<String>,
    /// A request header the caller sent, NAME:VALUE (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    headers: Vec<String>,
    #[arg(long)]
    client_vpc: Option<String>,
    #[arg(long)]
    client_sg: Vec<String>,
    #[arg(long)]
    client_subnet: Option<String>,
    #[arg(long)]
    client_ip: Option<String>,
    #[arg(long)]
    connection_id: Option<String>,
    /// Reproduce the request (--url, --method) inside API Gateway with TestInvokeMethod: REST
    /// APIs only; the backend is really called, so a method other than GET, HEAD or OPTIONS
    /// runs only when --method names it.
    #[arg(long)]
    probe: bool,
}

/// A reason the run could not be made (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unusable(pub String);

impl DiagnoseArgs {
    /// The manual event this command stands for, so the CLI and Lambda share one path.
    fn to_event(&self) -> Result<Value, Unusable> {
        let mut event = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                event.insert(key.to_string(), value);
            }
        };
        put("api_id", self.api_id.clone().map(Value::from));
        put("api_name", self.api_name.clone().map(Value::from));
        put("stage", self.stage.clone().map(Value::from));
        put("symptom", self.symptom.clone().map(Value::from));
        put("connection_id", self.connection_id.clone().map(Value::from));
        put("probe", self.probe.then_some(Value::Bool(true)));
        if self.status.is_some() || self.error_type.is_some() || self.error_message.is_some() {
            put(
                "error",
                Some(
                    json!({ "status": self.status, "error_type": self.error_type, "message": self.error_message }),
                ),
            );
        }
        if self.url.is_some() || !self.headers.is_empty() {
            let mut headers = Map::new();
            for header in &self.headers {
                let (name, value) = header
                    .split_once(':')
                    .ok_or_else(|| Unusable(format!("--header {header:?}: expected NAME:VALUE")))?;
                headers.insert(name.trim().to_string(), Value::from(value.trim()));
            }
            put(
                "request",
                Some(json!({ "url": self.url, "method": self.method, "headers": headers })),
            );
        }
        if self.client_vpc.is_some()
            || !self.client_sg.is_empty()
            || self.client_subnet.is_some()
            || self.client_ip.is_some()
        {
            put(
                "client",
                Some(json!({
                    "vpc_id": self.client_vpc, "security_group_ids": self.client_sg,
                    "subnet_id": self.client_subnet, "source_ip": self.client_ip,
                })),
            );
        }
        Ok(Value::Object(event))
    }
}

fn read_event(source: &str) -> Result<Vec<u8>, Unusable> {
    let mut bytes = Vec::new();
    let limit = crate::intake::MAX_EVENT_BYTES as u64 + 1;
    let result = if source == "-" {
        std::io::stdin().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    result.map_err(|e| Unusable(format!("cannot read event {source}: {e}")))?;
    Ok(bytes)
}

fn read_snapshot(path: &PathBuf) -> Result<Snapshot, Unusable> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Unusable(format!("cannot read snapshot {}: {e}", path.display())))?;
    let snapshot: Snapshot = serde_json::from_str(&text)
        .map_err(|e| Unusable(format!("snapshot {}: {e}", path.display())))?;
    if snapshot.schema != SNAPSHOT_SCHEMA {
        return Err(Unusable(format!(
            "snapshot {}: schema {:?}, expected {SNAPSHOT_SCHEMA}",
            path.display(),
            snapshot.schema
        )));
    }
    Ok(snapshot)
}

/// Builds the clients, failing early (exit 2) without a region or credentials.
async fn connect(region: Option<String>) -> Result<Aws, Unusable> {
    let sdk_config = aws::load_sdk_config(region).await;
    if sdk_config.region().is_none() {
        return Err(Unusable(
            "no AWS region: set AWS_REGION or pass --region".to_string(),
        ));
    }
    let provider = sdk_config
        .credentials_provider()
        .ok_or_else(|| Unusable("no AWS credentials provider is configured".to_string()))?;
    use aws_credential_types::provider::ProvideCredentials;
    provider
        .provide_credentials()
        .await
        .map_err(|e| Unusable(format!("no AWS credentials: {e}")))?;
    Ok(Aws::new(&sdk_config))
}

/// Runs the command line; returns the process exit status.
pub async fn run(cli: Cli) -> i32 {
    match execute(cli).await {
        Ok(code) => code,
        Err(Unusable(reason)) => {
            eprintln!("apigw-doctor: {reason}");
            EXIT_UNUSABLE
        }
    }
}

async fn execute(cli: Cli) -> Result<i32, Unusable> {
    let common = cli.common;
    let mut config = Config::from_env().map_err(|e| Unusable(e.to_string()))?;
    config.mode = if common.apply {
        Mode::Apply
    } else {
        Mode::DryRun
    };
    let actions = common
        .actions
        .as_ref()
        .map(|list| {
            Action::parse_list(&list.join(",")).map_err(|e| Unusable(format!("--actions: {e}")))
        })
        .transpose()?;
    if let Some(account) = &common.account {
        if !apigw_doctor_core::is_account_id(account) {
            return Err(Unusable(format!(
                "--account: expected a 12-digit account id, got {account:?}"
            )));
        }
    }
    let event_bytes = match &cli.command {
        Command::Diagnose(args) => {
            serde_json::to_vec(&args.to_event()?).map_err(|e| Unusable(e.to_string()))?
        }
        Command::Sweep { cursor } => {
            let mut event = json!({ "sweep": true });
            if let Some(cursor) = cursor {
                event["cursor"] = json!(cursor);
            }
            event.to_string().into_bytes()
        }
        Command::Invoke { event } => read_event(event)?,
    };
    let snapshot_in = common.snapshot_in.as_ref().map(read_snapshot).transpose()?;
    let aws = match snapshot_in {
        Some(_) => None,
        None => Some(connect(common.region.clone()).await?),
    };
    let doctor = Doctor { config, aws };
    let event =
        crate::intake::decode(&event_bytes).map_err(|e| Unusable(format!("invalid event: {e}")))?;
    let invocation = Invocation {
        snapshot_in,
        actions,
        account: common.account.clone(),
        ..Invocation::default()
    };
    let outcome: Outcome = handler::handle(&doctor, &event, invocation)
        .await
        .map_err(|e| Unusable(format!("invalid event: {e}")))?;
    if let Some(path) = &common.snapshot_out {
        let text =
            serde_json::to_string_pretty(&outcome.snapshot).map_err(|e| Unusable(e.to_string()))?;
        std::fs::write(path, text)
            .map_err(|e| Unusable(format!("cannot write snapshot {}: {e}", path.display())))?;
    }
    let format = common.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Text
    } else {
        Format::Json
    });
    match format {
        // What the Lambda function would answer: the report, or its summary when asked.
        Format::Json => println!(
            "{}",
            outcome
                .answer()
                .and_then(|answer| serde_json::to_string_pretty(&answer))
                .map_err(|e| Unusable(e.to_string()))?
        ),
        Format::Text => print!("{}", outcome.report.to_text()),
    }
    match outcome.fatal {
        Some(reason) => Err(Unusable(reason)),
        None => Ok(outcome.report.exit_code()),
    }
}
