import AMIEEmulator
import AgaveEmulator
import FTS3Emulator
import Foundation
import JDMAEmulator
import Logging
import RucioEmulator
import SciencefsX509
import TapisEmulator

/// The six emulated services with their sample data, on free ports of 127.0.0.1, their files under one state
/// directory. Each service's stop is handed to `stopper` as soon as it runs, so a failure or a signal part-way
/// leaves nothing running.
struct DemoServices {
    let agave: AgaveEmulator
    let agaveConfiguration: AgaveEmulator.Configuration
    let agavePort: Int
    let rucioPort: Int
    let amie: AMIEEmulator
    let jdma: JDMAEmulator
    let jdmaStaging: URL
    let pki: TestPKI
    let ftsEndpoint: URL
    let tapis: TapisEmulator

    init(stateRoot: URL, agavePort requestedPort: Int, agaveStagingDelay: Double, stopper: ServiceStopper,
         logger: Logger) throws {
        let agaveState = stateRoot.appendingPathComponent("agave")
        try FileManager.default.createDirectory(at: agaveState, withIntermediateDirectories: true)
        var agaveConfiguration = AgaveEmulator.Configuration()
        agaveConfiguration.users = ["demo": "demo-password"]
        agaveConfiguration.stagingDelay = max(0, agaveStagingDelay)
        let agave = try AgaveEmulator(stateDirectory: agaveState, configuration: agaveConfiguration)
        print("preparing sample data in \(agaveState.path) ...")
        try DemoData.seedDemo(into: agave)
        try AgaveJobsDemoData.seedDemo(into: agave)
        stopper.add { agave.stop() }
        agavePort = try agave.start(port: requestedPort)
        print("emulated Agave server on http://127.0.0.1:\(agavePort)")

        let rucio = try RucioEmulator(stateDirectory: stateRoot.appendingPathComponent("rucio"))
        try RucioDemoData.seedDemo(into: rucio)
        stopper.add { rucio.stop() }
        rucioPort = try rucio.start()
        print("emulated Rucio server on http://127.0.0.1:\(rucioPort) (storage elements SITE_A, SITE_B)")

        let amie = AMIEEmulator(configuration: AMIEEmulator.Configuration(siteName: "DEMOSITE", apiKey: "demo-amie-key"))
        stopper.add { amie.stop() }
        _ = try amie.start(port: 0)
        _ = try AMIEDemoData.seedDemo(into: amie)
        print("emulated AMIE server on \(amie.baseURL.absoluteString) (site DEMOSITE)")

        let jdma = try JDMAEmulator(stateDirectory: stateRoot.appendingPathComponent("jdma"))
        stopper.add { jdma.stop() }
        _ = try jdma.start()
        _ = try JDMADemoData.seedDemo(into: jdma)
        jdmaStaging = stateRoot.appendingPathComponent("jdma-staging")
        try FileManager.default.createDirectory(at: jdmaStaging, withIntermediateDirectories: true)
        print("emulated JDMA server on \(jdma.serverURL.absoluteString) (batches on emulated tape)")

        // Tapis v3, Agave's successor: users log in as demo/demo-password, as on the Agave tenant.
        let tapis = try TapisEmulator(stateDirectory: stateRoot.appendingPathComponent("tapis"))
        try TapisDemoData.seed(into: tapis)
        stopper.add { tapis.stop() }
        _ = try tapis.start(port: 0)
        print("emulated Tapis v3 server on \(tapis.baseURL.absoluteString)")
        self.tapis = tapis

        // FTS3 over HTTPS with client certificates from a throw-away CA; copies between sources become its jobs.
        pki = try TestPKI.create(in: stateRoot.appendingPathComponent("fts3-pki"), userCommonName: "Demo Researcher")
        let fts = try FTS3Emulator(stateDirectory: stateRoot.appendingPathComponent("fts3"), pki: pki,
                                   configuration: FTS3Emulator.Configuration(transferDuration: 2, stopFrontWithStartingThread: true),
                                   logger: logger)
        stopper.add { fts.stop() }
        ftsEndpoint = try fts.start()
        print("emulated FTS3 server on \(ftsEndpoint.absoluteString) (TLS by nginx, client certificate \(pki.userDN))")

        self.agave = agave
        self.agaveConfiguration = agaveConfiguration
        self.amie = amie
        self.jdma = jdma
    }
}
