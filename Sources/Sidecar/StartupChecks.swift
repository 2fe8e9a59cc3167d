import Logging

/// What `serve` logs before it starts: the process protection as the kernel reports it,
/// which key variables were scrubbed from the environment, and every warning `check-config`
/// prints (one rule for both, `ConfigurationReport.warnings`).
public func logStartupChecks(
    _ configuration: SidecarConfiguration, environment: [String: String], protection: ProcessProtection.State, scrubbed: [String],
    logger: Logger
) {
    var metadata: Logger.Metadata = [
        "dumpable": .stringConvertible(protection.dumpable), "core_limit": .stringConvertible(Int(clamping: protection.coreLimit)),
    ]
    if !scrubbed.isEmpty { metadata["scrubbed_environment"] = "\(scrubbed.joined(separator: ","))" }
    logger.notice("process protection", metadata: metadata)
    if protection.dumpable && !configuration.allowCoreDumps {
        logger.warning("the process is still dumpable: a core dump or /proc/PID/mem could hold the key")
    }
    for warning in ConfigurationReport.warnings(configuration, environment: environment) {
        logger.warning("configuration warning", metadata: ["warning": "\(warning)"])
    }
}
