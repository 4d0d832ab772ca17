import ArgumentParser

@main
struct SciencefsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sciencefs",
        abstract: "Mount research data services (Agave/Tapis v2, ...) as one filesystem.",
        version: SciencefsVersion.current,
        subcommands: [MountCommand.self, UnmountCommand.self, StatusCommand.self, CopyCommand.self,
                      UploadsCommand.self, PinCommand.self, UnpinCommand.self, CacheCommand.self,
                      StageCommand.self]
    )
}
