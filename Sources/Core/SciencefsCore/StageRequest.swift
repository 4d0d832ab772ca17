import Foundation

/// One file of a `sciencefs stage` request, as the Core hands it to the backend.
public struct StageFile: Sendable, Equatable {
    public var path: RemotePath
    public var attributes: RemoteAttributes
    public init(path: RemotePath, attributes: RemoteAttributes) {
        self.path = path
        self.attributes = attributes
    }
}

/// How a backend answers `Backend.stage`: what makes the files ready to read.
public enum StageAnswer: Sendable, Equatable {
    /// Nothing the service does helps: the Core copies the bytes into its data cache (the default).
    case prefetch
    /// The service is making them ready: these jobs of the source (journaled through its `ServerJobs`, so they show
    /// in `.sciencefs/transfers/` and `sciencefs status`) end when they are.
    case jobs([String])
    /// They are ready already (staged before): nothing was asked of the service.
    case ready
}

extension Backend {
    /// Data comes straight from the service: prefetching it into the data cache is all staging can do. A storage
    /// location to stage to (`--to`) means nothing to such a source.
    public func stage(_ path: RemotePath, files: [StageFile], target: String?) throws -> StageAnswer {
        if let target { throw FSError.invalidArgument("source \(name) has no storage location \(target) to stage to") }
        return .prefetch
    }
}
