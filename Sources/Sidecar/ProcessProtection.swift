import CLinuxEvents
import Glibc

/// Keeps the key out of places other processes and crash handlers can read: the initial
/// environment (`/proc/PID/environ`), core dumps, and `/proc/PID/mem` of a dumpable process.
/// What this does not cover is in the README's "Security" section: root, a node's
/// `core_pattern` pipe or `fs.suid_dumpable=2`, and the copies of the key in our own heap.
public enum ProcessProtection {
    /// What the kernel reports back after `protect`, for the start-up log line.
    public struct State: Sendable, Equatable {
        public var dumpable: Bool
        public var coreLimit: UInt64
    }

    /// `PR_SET_DUMPABLE` 0 (no core dump; `/proc/PID/environ`, `mem`, `maps` owned by root and
    /// no ptrace by the same user) and `RLIMIT_CORE` 0, unless `allowCoreDumps` (debugging).
    public static func protect(allowCoreDumps: Bool) -> State {
        if !allowCoreDumps {
            _ = cle_set_nondumpable()
            var none = rlimit(rlim_cur: 0, rlim_max: 0)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        }
        return current
    }

    public static var current: State {
        var limit = rlimit()
        _ = getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        return State(dumpable: cle_get_dumpable() != 0, coreLimit: UInt64(limit.rlim_cur))
    }

    /// Overwrites the values of `names` (`FREEDOMPAY_KEY`, each route's `keyEnv`) in the
    /// initial environment once the configuration has read them; returns the names scrubbed.
    @discardableResult
    public static func scrubEnvironment(_ names: [String]) -> [String] {
        names.filter { cle_scrub_environment_value($0) > 0 }
    }

    /// The environment variables holding keys in `configuration`.
    public static func keyVariables(of configuration: SidecarConfiguration) -> [String] {
        var names = ["FREEDOMPAY_KEY"]
        for credentials in configuration.routes.routes.map(\.credentials) + configuration.callbacks.map(\.credentials) {
            if case .variable(let name, _)? = credentials.key, !names.contains(name) { names.append(name) }
        }
        return names
    }
}
