import COpenSSL

/// The calling thread's OpenSSL error queue. OpenSSL reports why a call failed by
/// pushing entries here; they stay until cleared, so every `SSL_*` call we make is
/// preceded by `ERR_clear_error()` and followed by a drain, or a stale entry from an
/// earlier failure (on this thread, perhaps another connection) would be misread.
struct OpenSSLErrorQueue {
    /// The entries, oldest first.
    var codes: [UInt]

    /// Empties the queue and returns what it held.
    static func drain() -> OpenSSLErrorQueue {
        var codes: [UInt] = []
        while case let code = ERR_get_error(), code != 0 {
            codes.append(code)
        }
        return OpenSSLErrorQueue(codes: codes)
    }

    var isEmpty: Bool { codes.isEmpty }

    /// True when some entry comes from libssl with one of `reasons` (`SSL_R_…`).
    func containsSSLReason(_ reasons: Int32...) -> Bool {
        codes.contains { code in
            copenssl_ERR_GET_LIB(code) == ERR_LIB_SSL && reasons.contains(copenssl_ERR_GET_REASON(code))
        }
    }

    /// OpenSSL's text for each entry, e.g. "error:0A000086:SSL routines::certificate
    /// verify failed", joined by "; ". These never contain key material.
    var text: String {
        guard !codes.isEmpty else { return "no OpenSSL error reported" }
        return codes.map { code in
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }.joined(separator: "; ")
    }

    /// The reason string of the first entry, e.g. "certificate verify failed".
    var firstReason: String {
        guard let code = codes.first else { return "no OpenSSL error reported" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return text
    }
}
