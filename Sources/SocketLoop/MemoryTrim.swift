import CLinuxEvents
import Dispatch

/// Gives memory that the allocator keeps after a burst back to the system.
public enum MemoryTrim {
    /// Runs glibc's `malloc_trim(0)` off the event loops (it walks every arena).
    public static func afterBurst() {
        DispatchQueue.global(qos: .utility).async { cle_malloc_trim() }
    }
}
