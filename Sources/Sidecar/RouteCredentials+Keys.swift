import FreedomPayJWS

/// What one route signs with: its key store, merchant id, key id and header layout, each
/// the route's own where it names one, else the main setting.
struct RouteSigner: Sendable {
    let keyStore: KeyStore
    let merchantID: String
    let keyID: String?
    let layout: JOSEHeaderLayout

    func header(path: String, method: String = "POST") -> JOSEHeader {
        layout.header(path: path, merchantID: merchantID, method: method, algorithm: keyStore.algorithm, keyID: keyID)
    }
}

/// The key stores of routes with their own key or algorithm, by route path, loaded and
/// checked like the main key. Routes with the same key source and algorithm share one store.
struct RouteKeys: Sendable {
    let main: KeyStore
    let byPath: [String: KeyStore]
    /// Every distinct store but the main one, for reloading and watching.
    let extra: [KeyStore]

    init(routes: RouteTable, main: KeyStore) throws(StartupError) {
        var byPath: [String: KeyStore] = [:]
        var extra: [KeyStore] = []
        var problems: [String] = []
        for route in routes.routes {
            let source = route.credentials.key ?? main.source
            let algorithm = route.credentials.algorithm ?? main.algorithm
            if source == main.source && algorithm == main.algorithm { continue }
            if let shared = extra.first(where: { $0.source == source && $0.algorithm == algorithm }) {
                byPath[route.path] = shared
                continue
            }
            do {
                let store = try KeyStore(source: source, algorithm: algorithm)
                extra.append(store)
                byPath[route.path] = store
            } catch {
                problems.append("route \(route.path): \(error.description)")
            }
        }
        for route in routes.routes where route.signature == .pgSig && (byPath[route.path] ?? main).key.sharedSecret == nil {
            problems.append(
                "route \(route.path): pg_sig hashes a secret, and the \((byPath[route.path] ?? main).algorithm.rawValue) key is a PEM key; give the route credentials keyFile or keyEnv with the Merchant API secret"
            )
        }
        guard problems.isEmpty else { throw StartupError(problems.joined(separator: "; ")) }
        self.main = main
        self.byPath = byPath
        self.extra = extra
    }

    /// The signer of `route`, falling back to the main credentials field by field.
    func signer(for route: Route, merchantID: String, keyID: String?) -> RouteSigner {
        RouteSigner(
            keyStore: byPath[route.path] ?? main, merchantID: route.credentials.authID ?? merchantID,
            keyID: route.credentials.keyID ?? keyID, layout: route.headerLayout)
    }

    /// The main store and every route's own, each once.
    var all: [KeyStore] { [main] + extra }
}

/// A header layout with a numeric merchant field needs a numeric merchant id.
func checkRouteMerchantIDs(_ configuration: SidecarConfiguration) throws(StartupError) {
    var problems: [String] = []
    for route in configuration.routes.routes where route.headerLayout.merchantIsNumber {
        let merchantID = route.credentials.authID ?? configuration.authID
        if merchantID.isEmpty || !merchantID.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            problems.append(
                "route \(route.path): the \(route.headerLayout.name) header layout signs a numeric \(route.headerLayout.merchantField); merchant id '\(merchantID)' is not a number"
            )
        }
    }
    guard problems.isEmpty else { throw StartupError(problems.joined(separator: "; ")) }
}
