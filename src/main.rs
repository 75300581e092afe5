//! The `fengqiao` binary: parse the command line and hand over to the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    fengqiao_api::cli::main().await
}
