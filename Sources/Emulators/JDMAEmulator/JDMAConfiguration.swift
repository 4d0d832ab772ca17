import Foundation
import Logging

extension JDMAEmulator {
    public struct Configuration: Sendable {
        /// Time from a request's submission until it completes on its own (PUT → ON_STORAGE, GET → files written
        /// in `target_path`, DELETE → DELETED); intermediate stages are spread evenly over it. nil: requests only
        /// move when a test calls `advance…`.
        public var tapeDelay: TimeInterval?
        /// Storage backends (`list_backends`): id → display name.
        public var storageBackends: [(id: String, name: String)]
        /// How often the background clock moves requests along while the server runs.
        public var tickInterval: TimeInterval
        public var logger: Logger

        public init(tapeDelay: TimeInterval? = 2,
                    storageBackends: [(id: String, name: String)] = [("elastictape", "Elastic Tape"),
                                                                      ("objectstore", "Object Store"), ("ftp", "FTP")],
                    tickInterval: TimeInterval = 0.1,
                    logger: Logger = Logger(label: "jdma-emulator")) {
            self.tapeDelay = tapeDelay
            self.storageBackends = storageBackends
            self.tickInterval = tickInterval
            self.logger = logger
        }
    }
}
