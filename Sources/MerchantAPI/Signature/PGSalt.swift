/// Random `pg_salt` values ("Signature generation": "a random string consisting of an
/// arbitrary number of digits and Latin letters"): the one generator of the sidecar, its
/// callback answers and the sandbox.
public enum PGSalt {
    /// The letters and digits a salt is drawn from.
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `length` random letters and digits from the system's secure generator.
    public static func random(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }, as: UTF8.self)
    }
}
