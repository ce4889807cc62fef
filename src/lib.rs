//! apigw-doctor: diagnoses failing Amazon API Gateway APIs from their live configuration and,
//! when allowed, repairs them. See SPEC.md for the contract and DESIGN.md for the flow:
//! intake → resolve → gather → snapshot → checks → plan → report.

pub mod actions;
pub mod aws;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod finding;
pub mod gather;
pub mod handler;
pub mod intake;
pub mod lambda;
pub mod plan;
pub mod policy;
pub mod report;
pub mod resolve;
pub mod snapshot;
