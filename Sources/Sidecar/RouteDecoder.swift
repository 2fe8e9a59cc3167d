import JSONCore
import FoundationEssentials

/// Reads the config file's `routes` array into a `RouteTable`.
enum RouteDecoder {
    static func decode(_ value: JSONValue) throws(SettingError) -> RouteTable {
        let decoded: [Route]
        do {
            // The routes' JSON, written back out for `Codable`; no other parser sees the file.
            decoded = try JSONDecoder().decode([Route].self, from: Data(JSONWriter.serialize(value)))
        } catch {
            throw SettingError("is invalid: \(error)")
        }
        guard !decoded.isEmpty else { throw SettingError("is empty") }
        return RouteTable(decoded)
    }
}
