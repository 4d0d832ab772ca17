import SciencefsCore

/// The one error wrapper every backend puts around a service call: whatever `body` throws is mapped to an FSError by
/// the service's mapping (which uses `ServiceErrors`, and names the service, the operation and the object in an EIO's
/// cause chain, e.g. "Rucio list user.alice:ds: HTTP 500: DatabaseException"). It logs nothing: the FUSE adapter logs
/// each failed request once, with the FUSE operation, the mount path and the whole cause chain.
public enum ServiceOperation {
    public static func run<R>(map: (Error) -> FSError, _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch {
            throw map(error)
        }
    }
}
