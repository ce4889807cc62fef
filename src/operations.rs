//! Every AWS operation the code calls, as the step it names (`service:Operation`, the SDK's own
//! service and operation names): the one list the template's permission test, the fault matrix
//! and the run-time check in the end-to-end tests are built from. A call outside it fails them.

use crate::action::Action;

/// Whether an operation only reads, changes something, or sends the report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    /// Sends the report to the function's own topic or bus: changes nothing it diagnoses, and
    /// happens whatever the run found or could not read.
    Notify,
    /// Reproduces a request inside API Gateway (`TestInvokeMethod`): changes no configuration,
    /// but really calls the backend, so it runs only when a person asks and the template grants
    /// it only with `AllowProbe`.
    Probe,
}

/// The operations, reads first (and the probe a person may ask for), then the writes the built
/// actions and the lock table make, and the report's sending.
pub const OPERATIONS: &[(&str, Access)] = &[
    ("sts:GetCallerIdentity", Access::Read),
    // Obtains a member account's credentials and changes nothing.
    ("sts:AssumeRole", Access::Read),
    ("apigateway:GetRestApis", Access::Read),
    ("apigateway:GetRestApi", Access::Read),
    ("apigateway:GetResources", Access::Read),
    ("apigateway:GetStages", Access::Read),
    ("apigateway:GetDeployments", Access::Read),
    ("apigateway:GetDeployment", Access::Read),
    ("apigateway:GetAccount", Access::Read),
    ("apigateway:GetDomainNames", Access::Read),
    ("apigateway:GetBasePathMappings", Access::Read),
    ("apigateway:GetUsagePlans", Access::Read),
    ("apigateway:GetUsagePlanKeys", Access::Read),
    ("apigateway:GetApiKeys", Access::Read),
    ("apigateway:GetVpcLink", Access::Read),
    ("apigateway:GetVpcLinks", Access::Read),
    ("apigateway:GetIntegration", Access::Read),
    ("apigatewayv2:GetApis", Access::Read),
    ("apigatewayv2:GetApi", Access::Read),
    ("apigatewayv2:GetStages", Access::Read),
    ("apigatewayv2:GetStage", Access::Read),
    ("apigatewayv2:GetDeployments", Access::Read),
    ("apigatewayv2:GetRoutes", Access::Read),
    ("apigatewayv2:GetIntegrations", Access::Read),
    ("apigatewayv2:GetIntegration", Access::Read),
    ("apigatewayv2:GetAuthorizers", Access::Read),
    ("apigatewayv2:GetApiMappings", Access::Read),
    ("apigatewayv2:GetVpcLink", Access::Read),
    ("apigatewayv2:GetVpcLinks", Access::Read),
    ("ec2:DescribeVpcEndpoints", Access::Read),
    ("ec2:DescribeSecurityGroups", Access::Read),
    ("ec2:GetManagedPrefixListEntries", Access::Read),
    ("ec2:DescribeNetworkAcls", Access::Read),
    ("ec2:DescribeSubnets", Access::Read),
    ("ec2:DescribeVpcs", Access::Read),
    ("ec2:DescribeVpcAttribute", Access::Read),
    ("ec2:DescribeVpcEndpointServiceConfigurations", Access::Read),
    ("ec2:DescribeVpcEndpointConnections", Access::Read),
    ("elasticloadbalancingv2:DescribeLoadBalancers", Access::Read),
    ("elasticloadbalancingv2:DescribeListeners", Access::Read),
    ("elasticloadbalancingv2:DescribeRules", Access::Read),
    (
        "elasticloadbalancingv2:DescribeListenerCertificates",
        Access::Read,
    ),
    ("elasticloadbalancingv2:DescribeTargetHealth", Access::Read),
    ("acm:DescribeCertificate", Access::Read),
    ("cloudtrail:LookupEvents", Access::Read),
    ("cloudwatchlogs:FilterLogEvents", Access::Read),
    ("apigatewaymanagementapi:GetConnection", Access::Read),
    ("apigateway:TestInvokeMethod", Access::Probe),
    ("dynamodb:GetItem", Access::Read),
    ("apigateway:CreateDeployment", Access::Write),
    ("apigateway:UpdateStage", Access::Write),
    ("apigateway:TagResource", Access::Write),
    ("apigatewayv2:CreateDeployment", Access::Write),
    ("apigatewayv2:UpdateStage", Access::Write),
    ("apigatewayv2:TagResource", Access::Write),
    ("apigatewayv2:UpdateIntegration", Access::Write),
    ("apigateway:CreateVpcLink", Access::Write),
    ("apigatewayv2:CreateVpcLink", Access::Write),
    ("apigateway:UpdateIntegration", Access::Write),
    ("ec2:ModifyVpcEndpoint", Access::Write),
    ("ec2:CreateTags", Access::Write),
    ("sns:Publish", Access::Notify),
    ("eventbridge:PutEvents", Access::Notify),
    ("dynamodb:PutItem", Access::Write),
    ("dynamodb:DeleteItem", Access::Write),
];

/// The writes each built action sends: its change, the deployments it makes and its cooldown
/// marker. `template.yaml` attaches an action's grants only when that action may run (apply mode,
/// and listed in `Actions` or, with `Actions` empty, in the built-in default list), and
/// `tests/template.rs` holds each conditional policy to its action's steps here. The end-to-end
/// runs check that every write an apply sends belongs to an action it reports
/// (`tests/e2e/support.rs`), so a new call must be added here to pass them.
pub const ACTION_WRITES: &[(Action, &[&str])] = &[
    (
        Action::RedeployStage,
        &[
            "apigateway:CreateDeployment",
            "apigatewayv2:CreateDeployment",
        ],
    ),
    (
        Action::EnableExecutionLogging,
        &[
            "apigateway:UpdateStage",
            "apigatewayv2:UpdateStage",
            "apigateway:TagResource",
            "apigatewayv2:TagResource",
        ],
    ),
    (
        Action::AddIntegrationHeader,
        &[
            "apigatewayv2:UpdateIntegration",
            "apigatewayv2:CreateDeployment",
            "apigatewayv2:TagResource",
        ],
    ),
    (
        Action::EnablePrivateDns,
        &["ec2:ModifyVpcEndpoint", "ec2:CreateTags"],
    ),
    (
        Action::RecreateVpcLink,
        &[
            "apigateway:CreateVpcLink",
            "apigatewayv2:CreateVpcLink",
            "apigateway:UpdateIntegration",
            "apigatewayv2:UpdateIntegration",
            "apigateway:UpdateStage",
            "apigatewayv2:UpdateStage",
            "apigateway:CreateDeployment",
            "apigatewayv2:CreateDeployment",
        ],
    ),
];

/// The writes `action` sends (empty for an action this build does not apply).
pub fn action_writes(action: Action) -> &'static [&'static str] {
    ACTION_WRITES
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(&[], |(_, writes)| *writes)
}

/// How the code may use `operation` (`service:Operation`); `None` when the list does not name it.
pub fn access(operation: &str) -> Option<Access> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, access)| *access)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every `"service:Operation"` literal of the source files under `dir`.
    fn steps_in(dir: &std::path::Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("source dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                steps_in(&path, found);
                continue;
            }
            // The list itself names every operation; only the callers count.
            if path.file_name().is_some_and(|n| n == "operations.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            for piece in text.split('"').skip(1).step_by(2) {
                let Some((service, operation)) = piece.split_once(':') else {
                    continue;
                };
                let known_service = [
                    "sts",
                    "apigateway",
                    "apigatewayv2",
                    "ec2",
                    "cloudtrail",
                    "dynamodb",
                    "apigatewaymanagementapi",
                    "sns",
                    "eventbridge",
                    "cloudwatchlogs",
                    "elasticloadbalancingv2",
                    "acm",
                ]
                .contains(&service);
                let is_operation = operation
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
                    && operation.chars().all(|c| c.is_ascii_alphanumeric());
                if known_service && is_operation {
                    found.insert(piece.to_string());
                }
            }
        }
    }

    #[test]
    fn the_list_names_exactly_the_steps_the_code_calls() {
        let mut steps = BTreeSet::new();
        steps_in(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut steps,
        );
        let listed: BTreeSet<String> = OPERATIONS.iter().map(|(n, _)| n.to_string()).collect();
        let unlisted: Vec<&String> = steps.difference(&listed).collect();
        assert!(
            unlisted.is_empty(),
            "called but not in OPERATIONS: {unlisted:?}"
        );
        let unused: Vec<&String> = listed.difference(&steps).collect();
        assert!(
            unused.is_empty(),
            "in OPERATIONS but never called: {unused:?}"
        );
    }

    /// Every action's writes are listed writes, and every API Gateway and EC2 write belongs to
    /// an action (the lock table's writes belong to every apply, not to one action).
    #[test]
    fn every_write_belongs_to_an_action() {
        for (action, writes) in ACTION_WRITES {
            assert!(!writes.is_empty(), "{action}");
            for write in *writes {
                assert_eq!(access(write), Some(Access::Write), "{action}: {write}");
            }
        }
        for (operation, access) in OPERATIONS {
            if *access == Access::Write && !operation.starts_with("dynamodb:") {
                assert!(
                    ACTION_WRITES.iter().any(|(_, w)| w.contains(operation)),
                    "{operation} belongs to no action in ACTION_WRITES"
                );
            }
        }
    }

    #[test]
    fn reads_and_writes_are_told_apart_by_their_verb() {
        for (name, access) in OPERATIONS {
            let operation = name.split_once(':').map_or(*name, |(_, o)| o);
            // AssumeRole hands out credentials and changes nothing; FilterLogEvents reads logs.
            let reads = [
                "Get",
                "Describe",
                "List",
                "Lookup",
                "AssumeRole",
                "FilterLogEvents",
            ]
            .iter()
            .any(|verb| operation.starts_with(verb));
            assert_eq!(reads, *access == Access::Read, "{name}");
        }
    }
}
