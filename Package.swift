// swift-tools-version:6.0
import PackageDescription

/// Module graph. Imports point down only, and the folders under Sources/ are the layers:
///
///   CLI        sciencefs (the installed binary: mount, unmount, status, cp, uploads, stage, pin, unpin, cache), on
///              CLISupport (the user's directories, shared with the demo)
///                ↓
///   FUSE       SciencefsFuse (libfuse adapter; knows the VFS core and nothing below it)
///                ↓
///   Core       SciencefsCore (VFS, caches, the Backend protocol, the transfer tracker) → SciencefsStore (SQLite)
///                ↓ Backend protocol
///   Backends   AgaveBackend, TapisBackend, RucioBackend, JDMABackend, AMIEBackend, FTS3Client, all on BackendKit
///              (what backends share: error mapping, the jobs tree, token renewal, paging, ranged downloads)
///                ↓
///   Transport  SciencefsHTTP (libcurl), SciencefsX509 (certificates and proxies for FTS3)
///                ↓
///   System     CFuse, CCurl, CCrypto (the C libraries)
///
///   Emulators  AgaveEmulator, TapisEmulator, RucioEmulator, JDMAEmulator, AMIEEmulator, FTS3Emulator on
///              EmulatorSupport and Hummingbird: stand-alone HTTP servers for the demo and the tests. No Backend,
///              Core or CLI module imports them.
///
///   Demo       sciencefs-demo (a second executable, not installed): starts the six emulators with sample data,
///              writes their config and mounts it by running the `sciencefs` binary beside it, `sciencefs mount -f`.
///              It links the emulators, so that `sciencefs` links none of them, nor Hummingbird or NIO.
let package = Package(
    name: "sciencefs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sciencefs", targets: ["sciencefs"]),
        .executable(name: "sciencefs-demo", targets: ["sciencefs-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        // Already in the graph through Hummingbird; named here because EmulatorSupport stops its servers through a
        // ServiceGroup's graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CFuse", path: "Sources/System/CFuse", pkgConfig: "fuse3", providers: [.apt(["libfuse3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/System/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/System/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        /// X.509 for FTS3: certificates, keys, the proxy delegation both sides of it do, a throw-away test PKI.
        .target(name: "SciencefsX509", dependencies: ["CCrypto"], path: "Sources/Transport/SciencefsX509"),
        /// The FTS3 REST client (submit, poll, cancel, whoami, delegation). Implements Core's TransferService.
        .target(name: "FTS3Client", dependencies: [
            "SciencefsCore", "SciencefsHTTP", "SciencefsX509", "BackendKit",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/FTS3Client"),
        /// An FTS3 server for tests and the demo: HTTP behind an nginx TLS front that checks client certificates.
        .target(name: "FTS3Emulator", dependencies: [
            "EmulatorSupport", "SciencefsX509", "SciencefsHTTP",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/FTS3Emulator"),

        .target(name: "SciencefsStore", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "Sources/Core/SciencefsStore"),
        .target(name: "SciencefsCore", dependencies: [
            "SciencefsStore", "CCrypto",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Core/SciencefsCore"),
        .target(name: "SciencefsHTTP", dependencies: [
            "CCurl",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Transport/SciencefsHTTP"),
        /// What every backend shares: the one status → FSError table and the one error wrapper.
        .target(name: "BackendKit", dependencies: [
            "SciencefsCore", "SciencefsHTTP",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/BackendKit"),
        .target(name: "AgaveBackend", dependencies: [
            "SciencefsCore", "SciencefsHTTP", "BackendKit",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/AgaveBackend"),
        .target(name: "TapisBackend", dependencies: [
            "SciencefsCore", "SciencefsHTTP", "BackendKit",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/TapisBackend"),
        .target(name: "RucioBackend", dependencies: [
            "SciencefsCore", "SciencefsHTTP", "BackendKit",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/RucioBackend"),
        .target(name: "JDMABackend", dependencies: ["SciencefsCore", "SciencefsHTTP", "BackendKit", .product(name: "Logging", package: "swift-log")], path: "Sources/Backends/JDMABackend"),
        .target(name: "AMIEBackend", dependencies: [
            "SciencefsCore", "SciencefsHTTP", "BackendKit",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Backends/AMIEBackend"),
        .target(name: "AMIEEmulator", dependencies: [
            "EmulatorSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/AMIEEmulator"),
        .target(name: "SciencefsFuse", dependencies: [
            "CFuse", "SciencefsCore",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/FUSE/SciencefsFuse"),
        .target(name: "EmulatorSupport", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/EmulatorSupport"),
        .target(name: "AgaveEmulator", dependencies: [
            "EmulatorSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/AgaveEmulator"),
        .target(name: "RucioEmulator", dependencies: [
            "EmulatorSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/RucioEmulator"),
        .target(name: "JDMAEmulator", dependencies: ["EmulatorSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")], path: "Sources/Emulators/JDMAEmulator"),
        /// A Tapis v3 server (tokens, systems, files, transfer tasks, jobs) as tapipy's bundled OpenAPI specs describe it.
        .target(name: "TapisEmulator", dependencies: [
            "EmulatorSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Emulators/TapisEmulator"),
        /// What both executables need: where a user's files go (XDG), the stdout stream.
        .target(name: "CLISupport", path: "Sources/CLI/CLISupport"),
        /// The installed binary. It links no emulator, no Hummingbird and no NIO: the demo is `sciencefs-demo`.
        .executableTarget(name: "sciencefs", dependencies: [
            "CLISupport", "SciencefsCore", "SciencefsStore", "SciencefsFuse", "SciencefsHTTP", "AgaveBackend",
            "RucioBackend", "AMIEBackend", "JDMABackend", "FTS3Client", "SciencefsX509", "TapisBackend",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], path: "Sources/CLI/sciencefs"),
        /// The demo: the emulators with sample data, mounted by the `sciencefs` binary that sits beside this one.
        .executableTarget(name: "sciencefs-demo", dependencies: [
            "CLISupport", "SciencefsFuse", "AgaveEmulator", "RucioEmulator", "AMIEEmulator", "JDMAEmulator",
            "FTS3Emulator", "SciencefsX509", "TapisEmulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/Demo/sciencefs-demo"),

        /// Test plumbing shared by test targets: finding and running programs, the Python venvs of the
        /// real-client fidelity tests. Not a test target itself.
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "CoreTests", dependencies: ["SciencefsCore", "SciencefsStore"]),
        .testTarget(name: "BackendKitTests", dependencies: ["BackendKit", "AgaveBackend", "RucioBackend", "JDMABackend",
                                                            "AMIEBackend", "FTS3Client", "SciencefsCore", "SciencefsHTTP"]),
        .testTarget(name: "StoreTests", dependencies: ["SciencefsStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "AgaveBackendTests", dependencies: ["AgaveBackend", "AgaveEmulator", "SciencefsHTTP", "SciencefsCore"]),
        .testTarget(name: "TapisBackendTests", dependencies: ["TapisBackend", "BackendKit", "SciencefsCore"]),
        .testTarget(name: "RucioBackendTests", dependencies: ["RucioBackend", "RucioEmulator", "SciencefsHTTP", "SciencefsCore"]),
        .testTarget(name: "MountTests", dependencies: ["sciencefs", "CLISupport", "AgaveEmulator", "RucioEmulator", "AMIEEmulator", "JDMAEmulator",
                                                       "FTS3Emulator", "SciencefsX509", "TestSupport", "TapisEmulator"]),
        .testTarget(name: "X509Tests", dependencies: ["SciencefsX509", "TestSupport"]),
        .testTarget(name: "FTS3EmulatorTests", dependencies: ["FTS3Emulator", "SciencefsX509", "RucioEmulator", "SciencefsHTTP",
                                                              "TestSupport"],
                    exclude: ["fts3_fidelity.py"]),
        .testTarget(name: "FTS3ClientTests", dependencies: ["FTS3Client", "FTS3Emulator", "SciencefsX509", "SciencefsCore",
                                                            "SciencefsHTTP", "RucioEmulator"]),
        .testTarget(name: "AMIETests", dependencies: ["AMIEBackend", "AMIEEmulator", "SciencefsHTTP", "SciencefsCore", "TestSupport"],
                    exclude: ["amieclient_fidelity.py"]),
        .testTarget(name: "JDMABackendTests", dependencies: ["JDMABackend", "SciencefsCore"]),
        .testTarget(name: "RucioEmulatorTests", dependencies: ["RucioEmulator"]),
        .testTarget(name: "JDMAEmulatorTests", dependencies: ["JDMAEmulator"]),
        .testTarget(name: "FuzzTests", dependencies: ["sciencefs", "AgaveBackend", "RucioBackend", "JDMABackend", "AMIEBackend",
                                                      "FTS3Client", "SciencefsCore", "TestSupport", "TapisBackend", "BackendKit"]),
        /// One suite of checks against the Backend protocol, run against every backend over its emulator.
        .testTarget(name: "BackendConformanceTests", dependencies: [
            "AgaveBackend", "AgaveEmulator", "RucioBackend", "RucioEmulator", "JDMABackend", "JDMAEmulator",
            "AMIEBackend", "AMIEEmulator", "EmulatorSupport", "SciencefsCore", "SciencefsHTTP", "SciencefsStore",
            "TapisBackend", "TapisEmulator",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FidelityTests", dependencies: ["AgaveEmulator", "TapisEmulator", "TestSupport"],
                    exclude: ["agavepy_fidelity.py", "tapipy_fidelity.py"]),
    ],
    swiftLanguageModes: [.v6]
)
