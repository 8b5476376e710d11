//! The server binary: read the configuration, start tracing, then serve or run a subcommand.

use clap::Parser;
use server::config::{Cli, Command};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::telemetry::init();
    match cli.command {
        None | Some(Command::Serve) => server::run(cli.config).await,
        Some(Command::Admin { action }) => server::admin(cli.config, action).await,
    }
}
