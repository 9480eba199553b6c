//! Failures: logged where `rein doctor` finds them, with the event spooled (redacted) so that
//! nothing is lost.

use std::path::Path;
use std::time::Duration;

/// Logs a failure for `rein doctor` and spools the (redacted) payload for recovery. Best
/// effort, and bounded: the store may be what failed, so it is waited for half a second at most.
pub fn spool_failure(rein_home: &Path, agent: &str, event: &str, payload: &[u8], message: &str) {
    let spool = rein_core::store::Layout::new(rein_home).spool_dir();
    if !payload.is_empty() && rein_core::store::create_private_dir(&spool).is_ok() {
        let text = String::from_utf8_lossy(payload);
        let redacted = rein_core::redact::redact_str(&text);
        // Unique per process and call: several failures of one process must not overwrite.
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!(
            "{}-{}-{n}.json",
            rein_core::time::now_micros(),
            std::process::id()
        );
        let _ = rein_core::store::write_atomic(&spool.join(name), redacted.as_bytes(), 0o600);
    }
    if let Ok(store) = rein_core::Store::open_with_timeout(rein_home, Duration::from_millis(500)) {
        let _ = store.log_hook_failure(agent, event, message);
    }
}
