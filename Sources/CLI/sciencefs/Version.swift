/// The version of sciencefs: the one place it is written. `sciencefs --version` prints it, and
/// `mount-helpers/build-deb` reads it from the built binary to name the package, so a release changes this line only.
enum SciencefsVersion {
    static let current = "0.9.0"
}
