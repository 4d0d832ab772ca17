import EmulatorSupport
import Foundation
import TapisEmulator

/// A `MountFixture` with a Tapis emulator beside its Agave one, mounted as `[sources.tapis]`: what the fault matrix,
/// the hostile-name and the crash tests need to run their Tapis cells. Two systems, user alice, no user CLI
/// settings (an empty settings file, so nothing from the test machine's home is read).
final class TapisMountSession {
    static let system = "data.tapis"
    static let otherSystem = "scratch.tapis"
    let mount: MountFixture
    let tapis: TapisEmulator

    /// `settings` are extra lines inside `[sources.tapis]` (e.g. `timeout = 2`).
    init(settings: String = "", transferStepDelay: TimeInterval = 0.1) throws {
        mount = try MountFixture()
        tapis = try TapisEmulator(stateDirectory: mount.root.appendingPathComponent("tapis"), configuration: .init(
            tenantId: "test", users: ["alice": "alice-password"], transferStepDelay: transferStepDelay))
        try tapis.addSystem(TapisSystem(id: Self.system, description: "data", host: "data.example.org"))
        try tapis.addSystem(TapisSystem(id: Self.otherSystem, description: "scratch", host: "scratch.example.org"))
        let port = try tapis.start(port: 0)
        let cliSettings = mount.root.appendingPathComponent("tapis-cli-config.json")
        try Data().write(to: cliSettings)
        try mount.appendConfig("""
            [sources.tapis]
            type = "tapis"
            base_url = "http://127.0.0.1:\(port)"
            username = "alice"
            password = "alice-password"
            credentials_file = "\(cliSettings.path)"
            \(settings)
            """)
    }

    var faults: FaultInjector { tapis.faults }

    /// `relative` inside `system` in the mount.
    func path(_ relative: String = "", system: String = TapisMountSession.system) -> String {
        let base = mount.mountpoint.appendingPathComponent("tapis/systems/\(system)").path
        return relative.isEmpty ? base : base + "/" + relative
    }

    /// The emulator's own copy of a file (what the server stores).
    func serverFile(_ relative: String, system: String = TapisMountSession.system) -> URL {
        tapis.localURL(system: system, path: relative)
    }

    func writeServerFile(_ relative: String, _ data: Data, system: String = TapisMountSession.system) throws {
        let url = serverFile(relative, system: system)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func tearDown() {
        mount.tearDown()
        tapis.stop()
    }
}
