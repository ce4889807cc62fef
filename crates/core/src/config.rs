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
        // Notifications and member accounts are not built yet: a value would be accepted and
        // ignored, so it is refused (SPEC §2: nothing is accepted and ignored).
        for name in [
            "APIGW_DOCTOR_REPORT_TOPIC_ARN",
            "APIGW_DOCTOR_EVENT_BUS",
            "APIGW_DOCTOR_MEMBER_ROLE_NAME",
        ] {
            if get(name).is_some() {
                return Err(ConfigError {
                    variable: name,
                    message: "not supported by this build: unset it".to_string(),
                });
            }
        }
        Ok(Config {
            mode,
            actions,
            cooldown_seconds,
            // Both bounded above, so the conversions cannot fail.
            max_changes: usize::try_from(max_changes).unwrap_or(usize::MAX),
            log_lookback_minutes: i64::try_from(log_lookback_minutes).unwrap_or(10080),
            lock_table: get("APIGW_DOCTOR_LOCK_TABLE").map(str::to_string),
        })
    }
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
            (
                "APIGW_DOCTOR_REPORT_TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:ops",
            ),
            ("APIGW_DOCTOR_EVENT_BUS", "default"),
            ("APIGW_DOCTOR_MEMBER_ROLE_NAME", "apigw-doctor"),
        ] {
            let error = Config::from_vars(&vars(&[(name, value)])).expect_err(name);
            assert_eq!(error.variable, name);
            assert!(error.to_string().starts_with(name), "{error}");
        }
    }

    #[test]
    fn settings_this_build_cannot_act_on_are_refused_not_ignored() {
        for name in [
            "APIGW_DOCTOR_REPORT_TOPIC_ARN",
            "APIGW_DOCTOR_EVENT_BUS",
            "APIGW_DOCTOR_MEMBER_ROLE_NAME",
        ] {
            let error = Config::from_vars(&vars(&[(name, "x")])).expect_err(name);
            assert!(
                error.to_string().contains("not supported by this build"),
                "{error}"
            );
            assert!(
                Config::from_vars(&vars(&[(name, "")])).is_ok(),
                "{name} set but empty"
            );
        }
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
