//! Configuration from the environment (SPEC §2), validated at start.

use crate::action::Action;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use strum::IntoEnumIterator;

/// Whether changes may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    DryRun,
    Apply,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry-run",
            Mode::Apply => "apply",
        }
    }
}

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    pub actions: Vec<Action>,
    pub cooldown_seconds: u64,
    /// At most this many changes are applied in one run (SPEC §7 blast radius).
    pub max_changes: usize,
    pub log_lookback_minutes: i64,
    pub lock_table: Option<String>,
    /// An SNS topic ARN the report's summary is published to.
    pub report_topic_arn: Option<String>,
    /// An EventBridge bus (name or ARN) the whole report is put on.
    pub event_bus: Option<String>,
    /// The role assumed in a member account an event names.
    pub member_role_name: Option<String>,
    /// The external id the member role's trust policy asks for (`sts:ExternalId`).
    pub member_external_id: Option<String>,
    /// The percentage of API Gateway's account quota a sweep may use, so the account's own
    /// deployment pipelines are never throttled by one.
    pub sweep_rate_share: u8,
    /// At most this many APIs per invocation of a sweep (`None`: as many as the deadline
    /// allows); the rest continue from the report's cursor.
    pub sweep_batch: Option<usize>,
}

/// API Gateway's control-plane quota per account: 10 requests per second, burst 40
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>, "API Gateway
/// quotas for creating, deploying and managing an API": "Total operations"; fixed, shared with
/// every other caller of the account, deployment pipelines included).
pub const API_GATEWAY_RATE_PER_SECOND: u32 = 10;
pub const API_GATEWAY_BURST: u32 = 40;

/// A token bucket: one token every `period`, at most `burst` held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub period: std::time::Duration,
    pub burst: u32,
}

impl Config {
    /// A sweep's bucket for API Gateway: `sweep_rate_share` percent of the account's rate and
    /// of its burst (never less than one token).
    pub fn sweep_rate(&self) -> Rate {
        let share = u32::from(self.sweep_rate_share.clamp(1, 100));
        let per_second_x100 = API_GATEWAY_RATE_PER_SECOND * share;
        Rate {
            period: std::time::Duration::from_micros(100_000_000 / u64::from(per_second_x100)),
            burst: (API_GATEWAY_BURST * share / 100).max(1),
        }
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Reads a given set of variables (the environment, or a test's).
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        // Set but empty means what it says: no action may be applied (SPEC §2), never the default.
        let set = |name: &str| vars.get(name).map(|v| v.trim());
        let mode = match get("APIGW_DOCTOR_MODE") {
            None | Some("dry-run") => Mode::DryRun,
            Some("apply") => Mode::Apply,
            Some(other) => {
                return Err(ConfigError {
                    variable: "APIGW_DOCTOR_MODE",
                    message: format!("expected dry-run or apply, got {other:?}"),
                })
            }
        };
        let actions = match set("APIGW_DOCTOR_ACTIONS") {
            None => Action::iter().filter(|a| a.allowed_by_default()).collect(),
            Some(list) => Action::parse_list(list).map_err(|message| ConfigError {
                variable: "APIGW_DOCTOR_ACTIONS",
                message,
            })?,
        };
        // A whole number within `allowed`, or the default when unset.
        let number =
            |name: &'static str, default: u64, allowed: RangeInclusive<u64>, expected: &str| {
                let Some(v) = get(name) else {
                    return Ok(default);
                };
                v.parse::<u64>()
                    .ok()
                    .filter(|n| allowed.contains(n))
                    .ok_or_else(|| ConfigError {
                        variable: name,
                        message: format!("expected {expected}, got {v:?}"),
                    })
            };
        let cooldown_seconds = number(
            "APIGW_DOCTOR_COOLDOWN_SECONDS",
            900,
            0..=u64::MAX,
            "a whole number of seconds",
        )?;
        let max_changes = number(
            "APIGW_DOCTOR_MAX_CHANGES",
            3,
            0..=u64::from(u16::MAX),
            "a whole number of changes",
        )?;
        let log_lookback_minutes = number(
            "APIGW_DOCTOR_LOG_LOOKBACK_MINUTES",
            30,
            1..=10080,
            "minutes between 1 and 10080",
        )?;
        let report_topic_arn = checked(
            get("APIGW_DOCTOR_REPORT_TOPIC_ARN"),
            "APIGW_DOCTOR_REPORT_TOPIC_ARN",
            is_topic_arn,
            "an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<topic>)",
        )?;
        let event_bus = checked(
            get("APIGW_DOCTOR_EVENT_BUS"),
            "APIGW_DOCTOR_EVENT_BUS",
            is_event_bus,
            "an EventBridge bus name (1-256 of A-Z a-z 0-9 . - _ /) or event-bus ARN",
        )?;
        let member_role_name = checked(
            get("APIGW_DOCTOR_MEMBER_ROLE_NAME"),
            "APIGW_DOCTOR_MEMBER_ROLE_NAME",
            is_role_name,
            "an IAM role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)",
        )?;
        let member_external_id = checked(
            get("APIGW_DOCTOR_MEMBER_EXTERNAL_ID"),
            "APIGW_DOCTOR_MEMBER_EXTERNAL_ID",
            is_external_id,
            "2-1224 of A-Z a-z 0-9 + = , . @ : / -",
        )?;
        let sweep_rate_share = number(
            "APIGW_DOCTOR_SWEEP_RATE_SHARE",
            50,
            1..=100,
            "a whole percentage between 1 and 100",
        )?;
        let sweep_batch = match get("APIGW_DOCTOR_SWEEP_BATCH") {
            None => None,
            Some(_) => Some(number(
                "APIGW_DOCTOR_SWEEP_BATCH",
                0,
                1..=1_000_000,
                "a whole number of APIs between 1 and 1000000",
            )?),
        };
        if member_external_id.is_some() && member_role_name.is_none() {
            return Err(ConfigError {
                variable: "APIGW_DOCTOR_MEMBER_EXTERNAL_ID",
                message: "set without APIGW_DOCTOR_MEMBER_ROLE_NAME, so it would be ignored"
                    .to_string(),
            });
        }
        Ok(Config {
            mode,
            actions,
            cooldown_seconds,
            // Both bounded above, so the conversions cannot fail.
            max_changes: usize::try_from(max_changes).unwrap_or(usize::MAX),
            log_lookback_minutes: i64::try_from(log_lookback_minutes).unwrap_or(10080),
            lock_table: get("APIGW_DOCTOR_LOCK_TABLE").map(str::to_string),
            report_topic_arn,
            event_bus,
            member_role_name,
            member_external_id,
            // Bounded to 1..=100 above.
            sweep_rate_share: u8::try_from(sweep_rate_share).unwrap_or(100),
            sweep_batch: sweep_batch.and_then(|n| usize::try_from(n).ok()),
        })
    }
}

/// `value` when `valid`, else an error naming `variable` and what it expects.
fn checked(
    value: Option<&str>,
    variable: &'static str,
    valid: fn(&str) -> bool,
    expected: &str,
) -> Result<Option<String>, ConfigError> {
    match value {
        Some(v) if !valid(v) => Err(ConfigError {
            variable,
            message: format!("{v:?} is not {expected}"),
        }),
        v => Ok(v.map(str::to_string)),
    }
}

fn chars_in(value: &str, length: RangeInclusive<usize>, extra: &str) -> bool {
    length.contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// `arn:<partition>:sns:<region>:<12-digit account>:<topic name>`; topic names are 1-256 of
/// letters, digits, `-` and `_` (`.fifo` ends a FIFO topic's name)
/// (<https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html>).
fn is_topic_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.split(':').collect();
    matches!(parts.as_slice(), ["arn", partition, "sns", region, account, topic]
        if partition.starts_with("aws")
            && !region.is_empty()
            && crate::is_account_id(account)
            && chars_in(topic.strip_suffix(".fifo").unwrap_or(topic), 1..=256, "-_"))
}

/// A bus name, or an event-bus ARN
/// (<https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html>:
/// `EventBusName` takes either; names are 1-256 of `[/\.\-_A-Za-z0-9]`).
fn is_event_bus(value: &str) -> bool {
    match value.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.split(':').collect();
            matches!(parts.as_slice(), [partition, "events", region, account, resource]
                if partition.starts_with("aws")
                    && !region.is_empty()
                    && crate::is_account_id(account)
                    && resource
                        .strip_prefix("event-bus/")
                        .is_some_and(|name| chars_in(name, 1..=256, "/.-_")))
        }
        None => chars_in(value, 1..=256, "/.-_"),
    }
}

/// IAM role names: 1-64 of letters, digits and `+=,.@_-`
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>).
fn is_role_name(value: &str) -> bool {
    chars_in(value, 1..=64, "+=,.@_-")
}

/// STS `ExternalId`: 2-1224 of letters, digits and `+=,.@:/-`
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>).
fn is_external_id(value: &str) -> bool {
    chars_in(value, 2..=1224, "+=,.@:/-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_dry_run_without_private_dns() {
        let config = Config::from_vars(&BTreeMap::new()).expect("defaults are valid");
        assert_eq!(config.mode, Mode::DryRun);
        assert_eq!(config.cooldown_seconds, 900);
        assert_eq!(config.max_changes, 3);
        assert_eq!(config.log_lookback_minutes, 30);
        assert!(!config.actions.contains(&Action::EnablePrivateDns));
        assert_eq!(config.sweep_rate_share, 50);
        assert_eq!(config.sweep_batch, None);
    }

    #[test]
    fn a_sweep_batch_is_a_positive_number_of_apis() {
        let batch = |value: &str| {
            Config::from_vars(&vars(&[("APIGW_DOCTOR_SWEEP_BATCH", value)])).map(|c| c.sweep_batch)
        };
        assert_eq!(batch("25"), Ok(Some(25)));
        for wrong in ["0", "-3", "ten", "1.5", "1000001"] {
            let error = batch(wrong).expect_err(wrong);
            assert_eq!(error.variable, "APIGW_DOCTOR_SWEEP_BATCH");
        }
    }

    #[test]
    fn a_sweep_gets_its_share_of_the_rate_and_of_the_burst() {
        let share = |percent: &str| {
            Config::from_vars(&vars(&[("APIGW_DOCTOR_SWEEP_RATE_SHARE", percent)]))
                .expect("a valid share")
                .sweep_rate()
        };
        let half = Config::from_vars(&BTreeMap::new())
            .expect("defaults")
            .sweep_rate();
        assert_eq!(half.period, std::time::Duration::from_millis(200));
        assert_eq!(half.burst, 20);
        assert_eq!(share("100").period, std::time::Duration::from_millis(100));
        assert_eq!(share("100").burst, API_GATEWAY_BURST);
        assert_eq!(share("25").period, std::time::Duration::from_millis(400));
        assert_eq!(share("25").burst, 10);
        // 1% is one request every 10 s; the burst never drops below one token.
        assert_eq!(share("1").period, std::time::Duration::from_secs(10));
        assert_eq!(share("1").burst, 1);
        assert_eq!(
            share("3").period,
            std::time::Duration::from_micros(3_333_333)
        );
        assert_eq!(share("3").burst, 1);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (name, value) in [
            ("APIGW_DOCTOR_MODE", "yolo"),
            ("APIGW_DOCTOR_ACTIONS", "redeploy_stage,reboot"),
            ("APIGW_DOCTOR_COOLDOWN_SECONDS", "-1"),
            ("APIGW_DOCTOR_MAX_CHANGES", "three"),
            ("APIGW_DOCTOR_MAX_CHANGES", "-1"),
            ("APIGW_DOCTOR_LOG_LOOKBACK_MINUTES", "10081"),
            ("APIGW_DOCTOR_LOG_LOOKBACK_MINUTES", "-5"),
            ("APIGW_DOCTOR_LOG_LOOKBACK_MINUTES", "0"),
            ("APIGW_DOCTOR_SWEEP_RATE_SHARE", "0"),
            ("APIGW_DOCTOR_SWEEP_RATE_SHARE", "101"),
            ("APIGW_DOCTOR_SWEEP_RATE_SHARE", "50%"),
            ("APIGW_DOCTOR_SWEEP_RATE_SHARE", "0.5"),
            ("APIGW_DOCTOR_REPORT_TOPIC_ARN", "ops"),
            (
                "APIGW_DOCTOR_REPORT_TOPIC_ARN",
                "arn:aws:sqs:us-east-1:123456789012:ops",
            ),
            (
                "APIGW_DOCTOR_REPORT_TOPIC_ARN",
                "arn:aws:sns:us-east-1:1234:ops",
            ),
            ("APIGW_DOCTOR_EVENT_BUS", "ops bus"),
            (
                "APIGW_DOCTOR_EVENT_BUS",
                "arn:aws:events:us-east-1:123456789012:rule/x",
            ),
            (
                "APIGW_DOCTOR_EVENT_BUS",
                "arn:aws:events:us-east-1:account-id12:event-bus/ops",
            ),
            ("APIGW_DOCTOR_MEMBER_ROLE_NAME", "role/apigw-doctor"),
            ("APIGW_DOCTOR_MEMBER_ROLE_NAME", &"r".repeat(65)),
        ] {
            let error = Config::from_vars(&vars(&[(name, value)])).expect_err(name);
            assert_eq!(error.variable, name);
            assert!(error.to_string().starts_with(name), "{error}");
        }
    }

    #[test]
    fn notification_and_member_settings_are_read_in_every_accepted_form() {
        let config = Config::from_vars(&vars(&[
            (
                "APIGW_DOCTOR_REPORT_TOPIC_ARN",
                "arn:aws-cn:sns:cn-north-1:123456789012:ops-alerts.fifo",
            ),
            (
                "APIGW_DOCTOR_EVENT_BUS",
                "arn:aws:events:us-east-1:123456789012:event-bus/ops",
            ),
            ("APIGW_DOCTOR_MEMBER_ROLE_NAME", "apigw-doctor-member"),
            ("APIGW_DOCTOR_MEMBER_EXTERNAL_ID", "org-7f3a:doctor"),
        ]))
        .expect("valid");
        assert_eq!(
            config.report_topic_arn.as_deref(),
            Some("arn:aws-cn:sns:cn-north-1:123456789012:ops-alerts.fifo")
        );
        assert_eq!(
            config.event_bus.as_deref(),
            Some("arn:aws:events:us-east-1:123456789012:event-bus/ops")
        );
        assert_eq!(
            config.member_role_name.as_deref(),
            Some("apigw-doctor-member")
        );
        assert_eq!(
            config.member_external_id.as_deref(),
            Some("org-7f3a:doctor")
        );
        let bare =
            Config::from_vars(&vars(&[("APIGW_DOCTOR_EVENT_BUS", "default")])).expect("a bus name");
        assert_eq!(bare.event_bus.as_deref(), Some("default"));
        for name in [
            "APIGW_DOCTOR_REPORT_TOPIC_ARN",
            "APIGW_DOCTOR_EVENT_BUS",
            "APIGW_DOCTOR_MEMBER_ROLE_NAME",
        ] {
            let unset = Config::from_vars(&vars(&[(name, "")])).expect("set but empty");
            assert_eq!(
                (
                    unset.report_topic_arn,
                    unset.event_bus,
                    unset.member_role_name
                ),
                (None, None, None),
                "{name}"
            );
        }
    }

    #[test]
    fn an_external_id_without_a_member_role_would_be_ignored_so_it_is_refused() {
        let error = Config::from_vars(&vars(&[("APIGW_DOCTOR_MEMBER_EXTERNAL_ID", "abc123")]))
            .expect_err("refused");
        assert_eq!(error.variable, "APIGW_DOCTOR_MEMBER_EXTERNAL_ID");
    }

    #[test]
    fn an_empty_action_list_allows_no_action() {
        let config = Config::from_vars(&vars(&[
            ("APIGW_DOCTOR_MODE", "apply"),
            ("APIGW_DOCTOR_ACTIONS", ""),
        ]))
        .expect("valid");
        assert!(config.actions.is_empty(), "{:?}", config.actions);
        let unset = Config::from_vars(&vars(&[("APIGW_DOCTOR_MODE", "apply")])).expect("valid");
        assert!(unset.actions.contains(&Action::RedeployStage));
    }

    #[test]
    fn explicit_actions_replace_the_default_list() {
        let config = Config::from_vars(&vars(&[
            ("APIGW_DOCTOR_MODE", "apply"),
            (
                "APIGW_DOCTOR_ACTIONS",
                " enable_private_dns , redeploy_stage,redeploy_stage",
            ),
        ]))
        .expect("valid");
        assert_eq!(config.mode, Mode::Apply);
        assert_eq!(
            config.actions,
            vec![Action::EnablePrivateDns, Action::RedeployStage]
        );
    }
}
