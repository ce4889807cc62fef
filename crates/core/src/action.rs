//! The actions apigw-doctor can apply (SPEC §7), as a type.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// One kind of repair. The declaration order is the order of application: integrations are
/// repointed before stages are redeployed.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    RecreateVpcLink,
    AddIntegrationHeader,
    RedeployStage,
    EnablePrivateDns,
    EnableExecutionLogging,
}

impl Action {
    /// The action as the report and the configuration write it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether apply mode allows it when `APIGW_DOCTOR_ACTIONS` is unset: `enable_private_dns`
    /// changes DNS for every client of the VPC, so it must be listed explicitly.
    pub fn allowed_by_default(self) -> bool {
        match self {
            Action::EnablePrivateDns => false,
            Action::RecreateVpcLink
            | Action::AddIntegrationHeader
            | Action::RedeployStage
            | Action::EnableExecutionLogging => true,
        }
    }

    /// Parses a comma-separated list (configuration, CLI), naming any unknown action.
    pub fn parse_list(list: &str) -> Result<Vec<Action>, String> {
        let mut actions = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let action = name.parse::<Action>().map_err(|_| {
                format!(
                    "unknown action {name:?}, expected one of {}",
                    Self::names().join(", ")
                )
            })?;
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        Ok(actions)
    }

    /// Every action's name, in declaration order.
    pub fn names() -> Vec<&'static str> {
        use strum::IntoEnumIterator;
        Action::iter().map(Action::as_str).collect()
    }

    /// A list as `a,b,c`.
    pub fn join(actions: &[Action]) -> String {
        actions
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn serde_and_strum_agree_on_every_name() {
        for action in Action::iter() {
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
    }

    #[test]
    fn lists_name_the_unknown_action_and_drop_repeats() {
        assert_eq!(
            Action::parse_list(" enable_private_dns , redeploy_stage,redeploy_stage"),
            Ok(vec![Action::EnablePrivateDns, Action::RedeployStage])
        );
        let error = Action::parse_list("redeploy_stage,reboot").unwrap_err();
        assert!(error.contains("\"reboot\""), "{error}");
        assert_eq!(Action::parse_list(""), Ok(vec![]));
    }
}
