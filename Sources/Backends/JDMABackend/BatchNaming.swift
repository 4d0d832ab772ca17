/// Directory names for batches: JDMA labels are free text and not unique, directory names must be both.
///
/// The rule (also in docs/sources/jdma.md, "Namespace"):
/// 1. **Legal**: `/` and NUL become `_`; a label that is empty, `.` or `..` becomes `batch-<id>`; a name longer
///    than 200 UTF-8 bytes is cut back (at a character boundary) to 200 bytes.
/// 2. **Unique within a workspace**: batches are named in ascending batch-id order; a batch whose legal name is
///    already taken (by an older batch, or by a local batch not yet submitted) is shown as `<name>~<id>`
///    (and `<name>~<id>~2`, `~3`… in the pathological case that this is taken too). The oldest batch with a label
///    keeps the plain name, so adding a batch never renames an existing directory.
public enum BatchNaming {
    /// The longest legal name kept, leaving room for a `~<id>` suffix under NAME_MAX (255).
    public static let maxNameBytes = 200

    /// Rule 1 for one label.
    public static func legalName(label: String, batchID: Int) -> String {
        var name = String(label.map { $0 == "/" || $0 == "\u{0}" ? "_" : $0 })
        if name.isEmpty || name == "." || name == ".." { name = "batch-\(batchID)" }
        while name.utf8.count > maxNameBytes { name.removeLast() }
        return name
    }

    /// Rule 2: directory name for each batch id. `reserved` names (local batches, fixed entries) are never
    /// handed out.
    public static func assignNames(_ batches: [(id: Int, label: String)], reserved: Set<String> = []) -> [Int: String] {
        var taken = reserved
        var names: [Int: String] = [:]
        for batch in batches.sorted(by: { $0.id < $1.id }) {
            let legal = legalName(label: batch.label, batchID: batch.id)
            var candidate = legal
            if taken.contains(candidate) {
                candidate = "\(legal)~\(batch.id)"
                var n = 2
                while taken.contains(candidate) {
                    candidate = "\(legal)~\(batch.id)~\(n)"
                    n += 1
                }
            }
            taken.insert(candidate)
            names[batch.id] = candidate
        }
        return names
    }

    /// Whether `name` can be a new batch's label as typed by `mkdir` (no rewriting needed).
    public static func isLegalNewLabel(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\u{0}")
            && name.utf8.count <= maxNameBytes
    }
}
