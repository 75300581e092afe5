//! Process-wide allocator settings, applied by the binaries before any thread starts.

/// Caps glibc's malloc arenas at two.
///
/// SQLite allocates through the C library's malloc, from the thread of each pooled
/// connection. glibc gives every such thread an arena of its own (up to eight per core) and
/// keeps what a large sort freed there, so after a year of statistics the service stayed
/// ~70 MiB larger on SQLite (BENCHMARKS.md). Two arenas serve two cores' worth of work. An
/// operator's own `MALLOC_ARENA_MAX` wins. Call it first thing in `main`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any other thread
        // exists, nothing allocates concurrently with it.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Caps glibc's malloc arenas at two (nothing to do without glibc).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_malloc_arenas() {}
