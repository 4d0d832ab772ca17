import EmulatorSupport

extension FileStat {
    /// Agave's `permissions` value for the *owner* bits: the emulator serves files as their owner, so the owner
    /// triplet is what the calling user may do.
    var agavePermission: String {
        let r = mode & 0o400 != 0, w = mode & 0o200 != 0, x = mode & 0o100 != 0
        switch (r, w, x) {
        case (true, true, true): return "ALL"
        case (true, true, false): return "READ_WRITE"
        case (true, false, true): return "READ_EXECUTE"
        case (false, true, true): return "WRITE_EXECUTE"
        case (true, false, false): return "READ"
        case (false, true, false): return "WRITE"
        case (false, false, true): return "EXECUTE"
        case (false, false, false): return "NONE"
        }
    }
}
