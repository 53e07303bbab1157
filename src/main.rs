use std::process::ExitCode;

use clap::Parser;
use inbox_gateway::{cli::Cli, commands, telemetry};

// A request allocates many small, short-lived values (parsed documents, rows, response
// values) across worker threads; mimalloc serves them with less contention and less
// time in the allocator than the system's malloc (measured in the benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.global.log_format);
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, without the repeats some drivers' messages carry.
fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in err.chain().flat_map(|cause| cause.to_string().split(": ").map(str::to_owned).collect::<Vec<_>>()) {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(": ").replace('\n', " ")
}
