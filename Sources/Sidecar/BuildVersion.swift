/// The version `--version`, the start-up log line, `User-Agent` and `/metrics` report.
/// A development default: release builds (the Dockerfile's build stage, the release build in
/// scripts/test.sh) rewrite this file with scripts/set-build-version.sh before compiling.
let buildVersion = "0.1.0-dev"
