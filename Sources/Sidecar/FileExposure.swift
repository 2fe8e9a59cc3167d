import Glibc

/// Who besides this process can read a secret file, by one rule used by `check-config` and
/// at `serve`'s start: others never; a group only if this process is a member of it (the
/// Kubernetes Secret volume with `defaultMode: 0440` and the pod's `fsGroup` is root-owned
/// and readable through the pod's group, which is fine). The mode is the target's: a
/// symlink (how Kubernetes mounts secrets) is judged by the file it points to.
enum FileExposure {
    /// "others", "group N", or nil when only this process's user and groups can read it.
    static func unexpectedReaders(_ info: stat) -> String? {
        if info.st_mode & 0o004 != 0 { return "others" }
        if info.st_mode & 0o040 != 0, !processGroups().contains(info.st_gid) { return "a group this process is not in" }
        return nil
    }

    /// The effective group and the supplementary groups.
    static func processGroups() -> Set<gid_t> {
        var groups: Set<gid_t> = [getegid()]
        let count = getgroups(0, nil)
        if count > 0 {
            var list = [gid_t](repeating: 0, count: Int(count))
            let filled = getgroups(count, &list)
            if filled > 0 { groups.formUnion(list.prefix(Int(filled))) }
        }
        return groups
    }
}
