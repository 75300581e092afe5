//! The `fengqiao` binary: parse the command line and hand over to the library.

// mimalloc instead of the system allocator: a GraphQL request allocates and frees thousands
// of small objects, and glibc's malloc/free were a quarter of a list request's instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    fengqiao_api::cli::main().await
}
