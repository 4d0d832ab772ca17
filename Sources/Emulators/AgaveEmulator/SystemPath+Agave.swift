import EmulatorSupport

extension SystemPath {
    /// Agave's `path` field: absolute within the system, e.g. `/project/a.txt`, or `/` for the root.
    var agavePath: String { "/" + relative }
}
