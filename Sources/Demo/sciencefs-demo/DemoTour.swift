import AgaveEmulator
import Foundation
import RucioEmulator
import TapisEmulator

/// What the demo prints once the mount is up: commands to try, each one working as printed (the `sciencefs` lines
/// name the binary by its full path, since a built tree puts none on the PATH).
enum DemoTour {
    static func text(mountpoint m: String, sciencefs binary: String, configFile: String, services: DemoServices) -> String {
        let sciencefs = shellQuoted(binary)
        let config = shellQuoted(configFile)
        let agave = services.agave
        let pinned = "\(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)/AOD.run001._000011.pool.root"
        return """

            sciencefs demo mounted on \(m). Try, in another terminal:
              ls \(m)/agave/systems
              ls -l \(m)/agave/systems/\(DemoData.dataSystem)
              find \(m)/agave/systems/\(DemoData.dataSystem) | head
              ls \(m)/agave/systems/\(DemoData.dataSystem)/\(DemoData.manyFilesFolder) | wc -l   # 10,000 entries, paged
              cmp \(m)/agave/systems/\(DemoData.dataSystem)/\(DemoData.largeFilePath) \(agave.localURL(system: DemoData.dataSystem, path: DemoData.largeFilePath).path)
              cp /etc/hostname \(m)/agave/systems/\(DemoData.scratchSystem)/
              ls -lt \(m)/agave/jobs/                                  # a finished and a running job
              ls \(m)/tapis/systems \(m)/tapis/jobs                     # the same tenant layout on Tapis v3
              cp \(m)/tapis/systems/\(TapisDemoData.workSystem)/README.md \(m)/tapis/systems/\(TapisDemoData.scratchSystem)/   # a Tapis transfer task
              ls \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)
              getfattr -d \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)/*  | head -20
              \(sciencefs) pin \(pinned)   # fetched whole, never evicted
              getfattr -d -m user.sciencefs \(pinned)   # cached, served_from, verified
              \(sciencefs) stage --wait --to SITE_B --config \(config) \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)   # a replication rule, followed to OK
              cp /etc/hostname \(m)/rucio/\(RucioDemoData.userScope)/\(RucioDemoData.analysisContainer)/\(RucioDemoData.analysisDataset)/
              ls -R \(m)/jdma/gws-climate | head                        # batches on tape: no tape touched
              head -c 100 \(m)/jdma/gws-climate/cmip6-tas-2015/*/* | head   # one GET request, then the read
              cp \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset)/AOD.run001._000011.pool.root \(m)/agave/systems/\(DemoData.scratchSystem)/   # one FTS3 job
              cat \(m)/.sciencefs/transfers/fts3-*.json
              \(sciencefs) cp -r --config \(config) \(m)/rucio/\(RucioDemoData.dataScope)/\(RucioDemoData.physicsContainer)/\(RucioDemoData.run1Dataset) \(m)/agave/systems/\(DemoData.scratchSystem)/
              ls \(m)/.sciencefs/transfers/
              ls \(m)/amie/packets/incoming/
              getfattr -d \(m)/amie/packets/incoming/*request_project_create.json
              \(sciencefs) status \(m) --config \(config)
              # a service that goes down shows there as "offline: <source> since <time>"; what is cached keeps working
            Stop with Ctrl-C or: \(sciencefs) unmount \(m)

            """
    }

    /// `text` as one shell word: unchanged when it has nothing a shell would split or expand, else single-quoted.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "/._-+,:=@%".unicodeScalars.contains($0)
        }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
