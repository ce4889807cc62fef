//! apigw-doctor: the Lambda runtime when `AWS_LAMBDA_RUNTIME_API` is set, the CLI otherwise.
#![recursion_limit = "256"]

use apigw_doctor::{cli, config::Config, lambda};
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if in_lambda {
        subscriber.json().without_time().init();
    } else {
        subscriber.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("apigw-doctor: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if in_lambda {
        let result = runtime.block_on(async {
            let config = Config::from_env()?;
            lambda::serve(config).await
        });
        return match result {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("apigw-doctor: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let cli = cli::Cli::parse();
    let code = runtime.block_on(cli::run(cli));
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(2))
}
