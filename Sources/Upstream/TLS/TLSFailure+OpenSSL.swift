import COpenSSL

#if canImport(Glibc)
import Glibc
#endif

/// Turning what OpenSSL reports after a failed call into a `TLSFailure`.
extension TLSFailure {
    /// Classifies a failed `SSL_do_handshake`.
    /// - Parameters:
    ///   - sslError: `SSL_get_error` for the call.
    ///   - systemError: `errno` read right after the call, before anything could change it.
    ///   - verifyResult: `SSL_get_verify_result`; it stays `X509_V_OK` unless the
    ///     certificate check itself failed, so it separates trust, host name and validity
    ///     failures from everything else.
    static func handshake(
        sslError: Int32, systemError: Int32, verifyResult: Int, queue: OpenSSLErrorQueue, serverName: String,
        minimumVersion: TLSVersion
    ) -> TLSFailure {
        let host = "(host \(serverName))"
        if verifyResult != Int(X509_V_OK) {
            let reason =
                "certificate verify failed: \(String(cString: X509_verify_cert_error_string(verifyResult))) \(host)"
            switch Int32(truncatingIfNeeded: verifyResult) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                return .hostnameMismatch(reason)
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                return .certificateExpired(reason)
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
                X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
                return .untrustedCertificate(reason)
            default:
                return .handshakeFailed(reason)
            }
        }
        // SSL_ERROR_SYSCALL with an empty queue: the socket failed (errno says how), or,
        // with errno 0, the peer closed the TCP connection mid-handshake.
        if sslError == SSL_ERROR_SYSCALL && queue.isEmpty {
            return .connectionFailed(socketFailureReason(systemError, during: "the TLS handshake", host: host))
        }
        // The server's first record has a version byte we do not speak: often a plain
        // HTTP (or other non-TLS) server on that port.
        if queue.containsSSLReason(SSL_R_WRONG_VERSION_NUMBER) {
            return .protocolVersion(
                "the server's reply is not TLS \(minimumVersion.rawValue) or later (is it a TLS port?): \(queue.firstReason) \(host)"
            )
        }
        if queue.containsSSLReason(
            SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE)
        {
            return .protocolVersion(
                "no TLS version in common: we require \(minimumVersion.rawValue) or later: \(queue.firstReason) \(host)"
            )
        }
        // OpenSSL 3 reports a bare EOF as SSL_ERROR_SSL with this reason, not as SYSCALL.
        if queue.containsSSLReason(SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            return .connectionFailed(socketFailureReason(0, during: "the TLS handshake", host: host))
        }
        return .handshakeFailed("TLS handshake failed: \(queue.text) \(host)")
    }

    /// Classifies a failed `SSL_read` or `SSL_write` after the handshake (not a want,
    /// not a close_notify). Returns whether it was a bare EOF alongside.
    static func transfer(
        sslError: Int32, systemError: Int32, queue: OpenSSLErrorQueue, operation: String, serverName: String
    ) -> (failure: TLSFailure, isUnexpectedEOF: Bool) {
        let host = "(host \(serverName))"
        let isEOF =
            (sslError == SSL_ERROR_SYSCALL && queue.isEmpty && systemError == 0)
            || queue.containsSSLReason(SSL_R_UNEXPECTED_EOF_WHILE_READING)
        if isEOF || (sslError == SSL_ERROR_SYSCALL && queue.isEmpty) {
            let reason = socketFailureReason(isEOF ? 0 : systemError, during: "a TLS \(operation)", host: host)
            return (.connectionFailed(reason), isEOF)
        }
        return (.connectionFailed("TLS \(operation) failed: \(queue.text) \(host)"), false)
    }

    private static func socketFailureReason(_ systemError: Int32, during step: String, host: String) -> String {
        if systemError == 0 {
            return "unexpected EOF during \(step): the server closed the connection without a TLS close_notify \(host)"
        }
        return "socket error during \(step): \(String(cString: strerror(systemError))) \(host)"
    }
}
