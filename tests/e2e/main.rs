//! End-to-end tests: the handler and the binary against a pinned moto server on loopback,
//! fault injection at the SDK level, and the Lambda runtime path.

mod cli;
mod client_errors;
mod fault_matrix;
mod faults;
mod lambda_runtime;
mod logs;
mod notify_member;
mod policy_history;
mod private_api;
mod probe;
mod public_from_vpc;
mod remediation;
mod resource_policy;
mod support;
mod sweep;
mod targets;
mod v2_deployments;
mod vpc_link_repair;
mod vpc_links;
mod websocket;
