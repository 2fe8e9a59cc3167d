import ArgumentParser
import Sidecar

/// The settings flags of `serve`, `check-config` and `sign`: declared once in
/// `Setting.all`, parsed by `ConfigurationLoader` (unknown flags are errors), and listed in
/// `--help` from the same table.
struct ServeOptions: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings flags (listed below).", valueName: "settings"))
    var settings: [String] = []

    /// `--help`'s list of settings: flag, environment variable, file key, default, meaning.
    static let settingsHelp: String = {
        var lines = ["Settings (flag > environment > config file key > default):"]
        for setting in Setting.all {
            let names = [setting.flagText, setting.environment, setting.inFile ? "file: \(setting.key)" : nil].compactMap { $0 }
            lines.append("  \(names.joined(separator: ", ")) (default \(setting.defaultText))")
            lines.append("      \(setting.doc)")
        }
        return lines.joined(separator: "\n")
    }()
}
