import CLinuxEvents

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How many CPUs this process may really use: the smaller of its affinity mask and its
/// cgroup CPU quota (rounded up), so a sidecar limited to half a CPU runs one loop.
public enum AvailableCPUs {
    public static var count: Int {
        let affinity = affinityCount() ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        guard let quota = cgroupQuota() else { return max(1, affinity) }
        return max(1, min(affinity, quota))
    }

    static func affinityCount() -> Int? {
        let count = Int(cle_affinity_cpu_count())
        return count > 0 ? count : nil
    }

    /// cgroup v2 `cpu.max` ("max 100000" or "50000 100000"), else v1 `cfs_quota_us`/`cfs_period_us`.
    static func cgroupQuota() -> Int? {
        if let text = readSmallFile("/sys/fs/cgroup/cpu.max") {
            return cpuQuota(fromCPUMax: text)
        }
        if let quotaText = readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
            let periodText = readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
            let quota = Int(quotaText.trimmingWhitespace()), let period = Int(periodText.trimmingWhitespace())
        {
            return cpus(quota: quota, period: period)
        }
        return nil
    }

    /// The CPU count a cgroup v2 `cpu.max` line allows; nil for "max" (no quota).
    public static func cpuQuota(fromCPUMax text: String) -> Int? {
        let fields = text.trimmingWhitespace().split(separator: " ")
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]) else { return nil }
        return cpus(quota: quota, period: period)
    }

    private static func cpus(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let c = slice.first, c == " " || c == "\n" || c == "\t" { slice = slice.dropFirst() }
        while let c = slice.last, c == " " || c == "\n" || c == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
