use std::{process::ExitCode, time::Duration};

use clap::Parser;

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tune_allocator();
    let cli = plex_mcp::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("plex-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(plex_mcp::run(cli));
    // Standard input is read on a blocking thread that only returns when a byte arrives; waiting
    // for it would keep a signalled stdio server alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code
}

/// glibc raises its mmap threshold to the largest block freed so far; after the first page body
/// is freed, page bodies and answers of hundreds of KB come from the heap, and the holes they
/// leave stay resident (6 MB more at the peak of a 20,000-item listing). A fixed threshold
/// maps such blocks apart and gives them back when they are freed, for a few more page faults.
///
/// Below it, a call frees and reallocates rows and page bodies over and over: with glibc's
/// 128 KB trim threshold the top of the heap went back to the kernel and was faulted in again
/// each time (a sixth of a cold recommendation's CPU was page faults). Up to 16 MB of free heap
/// top now stays mapped, and the heap grows 4 MB at a time.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters, and no other thread runs yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 * 1024 * 1024);
        libc::mallopt(libc::M_TOP_PAD, 4 * 1024 * 1024);
    }
}
