import AMIEEmulator
import AgaveEmulator
import ArgumentParser
import FTS3Emulator
import Foundation
import JDMAEmulator
import Logging
import SciencefsFuse
import RucioEmulator
import SciencefsX509

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded emulated services with sample data and mount them on MOUNTPOINT.",
        discussion: "Runs in the foreground until Ctrl-C or `sciencefs unmount MOUNTPOINT`.")

    @Option(name: .long, help: "Where the emulated services keep their files (default: $XDG_CACHE_HOME/sciencefs/demo, else ~/.cache/sciencefs/demo).")
    var state: String?

    @Option(name: .long, help: "Port for the emulated Agave server (default: any free port).")
    var port: Int = 0

    @Option(name: .customLong("agave-staging-delay"),
            help: "Seconds the emulated Agave server waits before staging an upload or import it has answered (202), as the real service stages them later.")
    var agaveStagingDelay: Double = 0.2

    @Flag(name: .short, help: "Debug logging.")
    var d = false

    @Argument(help: "Where to mount.")
    var mountpoint: String

    func run() throws {
        // Line-buffered stdout, so the instructions show up at once even when piped to a file.
        setvbuf(standardOutputStream, nil, _IOLBF, 0)
        LogSetup.bootstrap(.standardError, debug: d)
        let logger = Logger(label: "sciencefs")
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        let identity = MountIdentity(mountpoint: mountpoint)
        // Before any emulator starts: a mount that cannot be made fails here, with nothing to stop.
        if let problem = MountPreflight.problem(mountpoint: identity.mountpoint, allowOther: false) { throw problem }
        // Every emulator (and the FTS3 emulator's nginx) is stopped on every way out, Ctrl-C during setup included.
        let services = ServiceStopper()
        services.catchSignals()
        defer { services.stopAll() }
        let stateRoot = URL(fileURLWithPath: state.map(expandTilde) ?? UserDirectories.current.demoState.path)
        let agaveState = stateRoot.appendingPathComponent("agave")
        try FileManager.default.createDirectory(at: agaveState, withIntermediateDirectories: true)

        var emulatorConfig = AgaveEmulator.Configuration()
        emulatorConfig.users = ["demo": "demo-password"]
        emulatorConfig.stagingDelay = max(0, agaveStagingDelay)
        let emulator = try AgaveEmulator(stateDirectory: agaveState, configuration: emulatorConfig)
        print("preparing sample data in \(agaveState.path) ...")
        try DemoData.seedDemo(into: emulator)
        try AgaveJobsDemoData.seedDemo(into: emulator)
        services.add { emulator.stop() }
        let boundPort = try emulator.start(port: port)
        print("emulated Agave server on http://127.0.0.1:\(boundPort)")

        let rucio = try RucioEmulator(stateDirectory: stateRoot.appendingPathComponent("rucio"))
        try RucioDemoData.seedDemo(into: rucio)
        services.add { rucio.stop() }
        let rucioPort = try rucio.start()
        print("emulated Rucio server on http://127.0.0.1:\(rucioPort) (storage elements SITE_A, SITE_B)")

        let amieConfig = AMIEEmulator.Configuration(siteName: "DEMOSITE", apiKey: "demo-amie-key")
        let amie = AMIEEmulator(configuration: amieConfig)
        services.add { amie.stop() }
        let amiePort = try amie.start(port: 0)
        _ = try AMIEDemoData.seedDemo(into: amie)
        print("emulated AMIE server on \(amie.baseURL.absoluteString) (site DEMOSITE)")
        _ = amiePort

        let jdma = try JDMAEmulator(stateDirectory: stateRoot.appendingPathComponent("jdma"))
        services.add { jdma.stop() }
        _ = try jdma.start()
        _ = try JDMADemoData.seedDemo(into: jdma)
        let jdmaStaging = stateRoot.appendingPathComponent("jdma-staging")
        try FileManager.default.createDirectory(at: jdmaStaging, withIntermediateDirectories: true)
        print("emulated JDMA server on \(jdma.serverURL.absoluteString) (batches on emulated tape)")

        // FTS3 over HTTPS with client certificates from a throw-away CA; copies between sources become its jobs.
        let pki = try TestPKI.create(in: stateRoot.appendingPathComponent("fts3-pki"), userCommonName: "Demo Researcher")
        let fts = try FTS3Emulator(stateDirectory: stateRoot.appendingPathComponent("fts3"), pki: pki,
                                   configuration: FTS3Emulator.Configuration(transferDuration: 2, stopFrontWithStartingThread: true),
                                   logger: logger)
        services.add { fts.stop() }
        let ftsEndpoint = try fts.start()
        print("emulated FTS3 server on \(ftsEndpoint.absoluteString) (TLS by nginx, client certificate \(pki.userDN))")

        let configURL = stateRoot.appendingPathComponent("config.toml")
        let cacheRoot = stateRoot.appendingPathComponent("cache")
        let configText = """
            # Written by `sciencefs demo`: one Agave source on the embedded emulator.
            cache_dir = "\(cacheRoot.path)"

            [sources.agave]
            type = "agave"
            base_url = "http://127.0.0.1:\(boundPort)"
            api_key = "\(emulatorConfig.clientKey)"
            api_secret = "\(emulatorConfig.clientSecret)"
            username = "demo"
            password = "demo-password"
            # Ignore any real ~/.agave/current for the demo.
            credentials_file = "\(stateRoot.appendingPathComponent("no-agave-cli-credentials").path)"

            [sources.agave.transfer_urls]
            # Where FTS3 reaches each system's storage (the emulator's WebDAV door).
            "\(DemoData.dataSystem)" = "\(emulator.storageDoorURL(system: DemoData.dataSystem))"
            "\(DemoData.scratchSystem)" = "\(emulator.storageDoorURL(system: DemoData.scratchSystem))"

            [fts3]
            endpoint = "\(ftsEndpoint.absoluteString)"
            cert = "\(pki.userCertificate.path)"
            key = "\(pki.userKey.path)"
            ca_bundle = "\(pki.caCertificate.path)"

            [sources.rucio]
            type = "rucio"
            rucio_host = "http://127.0.0.1:\(rucioPort)"
            account = "alice"
            auth_type = "userpass"
            username = "alice"
            password = "alice-password"
            upload_rse = "SITE_A"

            [sources.jdma]
            type = "jdma"
            base_url = "\(jdma.serverURL.absoluteString)"
            username = "demo"
            workspaces = ["gws-climate"]
            staging_dir = "\(jdmaStaging.path)"

            [sources.amie]
            type = "amie"
            site_name = "DEMOSITE"
            api_key = "demo-amie-key"
            base_url = "\(amie.baseURL.absoluteString)"

            """
        try configText.write(to: configURL, atomically: true, encoding: .utf8)
        let configuration = try MountConfiguration.load(from: configURL)
        let runner = MountRunner(identity: identity, config: configuration, configFile: configURL.path,
                                 settings: MountSettings(), logger: logger)
        // Ours until libfuse installs its handlers (Ctrl-C then unmounts and run returns); ours again for the teardown.
        defer { services.catchSignals() }
        try runner.run(takeSignals: services.releaseSignals) {
            let m = identity.mountpoint
            print("""

                sciencefs demo mounted on \(m). Try, in another terminal:
                  ls \(m)/agave/systems
                  ls -l \(m)/agave/systems/\(DemoData.dataSystem)
                  find \(m)/agave/systems/\(DemoData.dataSystem) | head
                  ls \(m)/agave/systems/\(DemoData.dataSystem)/\(DemoData.manyFilesFolder) | wc -l   # 10,000 entries, paged
                  cmp \(m)/agave/systems/\(DemoData.dataSystem)/\(DemoData.largeFilePath) \(emulator.localURL(system: DemoData.dataSystem, path: DemoData.largeFilePath).path)
                  cp /etc/hostname \(m)/agave/systems/\(DemoData.scratchSystem)/
                  ls -lt \(m)/agave/jobs/                                  # a finished and a running job
                  ls \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)
                  getfattr -d \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)/*  | head -20
                  cp /etc/hostname \(m)/rucio/\(RucioDemoData.userScope)/\(RucioDemoData.analysisContainer)/\(RucioDemoData.analysisDataset)/
                  ls -R \(m)/jdma/gws-climate | head                        # batches on tape: no tape touched
                  head -c 100 \(m)/jdma/gws-climate/cmip6-tas-2015/*/* | head   # one GET request, then the read
                  cp \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)/AOD.run001._000011.pool.root \(m)/agave/systems/\(DemoData.scratchSystem)/   # one FTS3 job
                  cat \(m)/.sciencefs/transfers/fts3-*.json
                  sciencefs cp -r --config \(configURL.path) \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset) \(m)/agave/systems/\(DemoData.scratchSystem)/
                  ls \(m)/.sciencefs/transfers/
                  ls \(m)/amie/packets/incoming/
                  getfattr -d \(m)/amie/packets/incoming/*request_project_create.json
                  sciencefs status \(m) --config \(configURL.path)
                Stop with Ctrl-C or: sciencefs unmount \(m)

                """)
        }
        print("demo unmounted")
    }
}
