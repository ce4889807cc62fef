//! apigw-doctor's I/O shell around the pure core (`apigw-doctor-core`): AWS clients, resolve,
//! gather, the apply step, the lock table, sending the report on, the handler, the CLI and the
//! Lambda runtime.
//! The flow: intake → resolve → gather → snapshot → checks → plan → apply → report.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod gather;
pub mod handler;
pub mod lambda;
pub mod lock;
pub mod member;
pub mod operations;
pub mod publish;
pub mod resolve;
pub mod throttle;

pub use apigw_doctor_core::{
    action, catalog, checks, config, failure, finding, intake, logs, notify, partition, plan,
    policy, probe, report, snapshot, sweep,
};
