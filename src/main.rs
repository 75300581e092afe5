//! The `fengqiao` binary: parse the command line and hand over to the library.

// mimalloc instead of the system allocator: a GraphQL request allocates and frees thousands
// of small objects, and glibc's malloc/free were a quarter of a list request's instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<std::process::ExitCode> {
    fengqiao_api::alloc::limit_malloc_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let outcome = runtime.block_on(fengqiao_api::cli::main());
    // Work a shutdown cut off must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    outcome
}
