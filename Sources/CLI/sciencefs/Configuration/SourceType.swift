/// The kinds of source a mount can hold: the one list. A `type = "…"` in the config file must name one of these,
/// and `BackendFactory` switches over them exhaustively, so a new kind cannot be accepted by the config check and
/// then forgotten by the factory (or the other way round).
enum SourceType: String, CaseIterable, Sendable {
    case agave
    case rucio
    case amie
    case jdma
    case tapis

    /// "agave, rucio, amie, jdma, tapis", for messages that list what is accepted.
    static var known: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
