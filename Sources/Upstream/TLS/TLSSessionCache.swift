import COpenSSL
import Synchronization

/// The most recent resumable session per server name, so that a new connection can
/// resume instead of doing a full handshake. Touched at handshake time only.
final class TLSSessionCache: Sendable {
    private let sessions = Mutex<[String: CachedSession]>([:])

    /// Takes over one reference to `session` and releases the one it replaces.
    func store(_ session: OpaquePointer, for serverName: String) {
        let replaced = sessions.withLock { $0.updateValue(CachedSession(pointer: session), forKey: serverName) }
        if let replaced { SSL_SESSION_free(replaced.pointer) }
    }

    /// A new reference to the session cached for `serverName`, which the caller frees.
    func session(for serverName: String) -> OpaquePointer? {
        // Taken under the lock so that a concurrent `store` cannot free it in between.
        let cached = sessions.withLock { sessions -> CachedSession? in
            guard let cached = sessions[serverName] else { return nil }
            SSL_SESSION_up_ref(cached.pointer)
            return cached
        }
        return cached?.pointer
    }

    /// Forgets the session for `serverName`, e.g. after a failed handshake that offered it.
    func remove(for serverName: String) {
        if let removed = sessions.withLock({ $0.removeValue(forKey: serverName) }) {
            SSL_SESSION_free(removed.pointer)
        }
    }

    deinit {
        sessions.withLock { sessions in
            for cached in sessions.values { SSL_SESSION_free(cached.pointer) }
            sessions = [:]
        }
    }
}

/// An `SSL_SESSION` reference owned by the cache. OpenSSL reference-counts sessions
/// atomically and a cached session is not mutated, so it may cross threads.
private struct CachedSession: @unchecked Sendable {
    let pointer: OpaquePointer
}
