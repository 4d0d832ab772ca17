/// A failure the emulated AMIE server reports: an HTTP status and the `message` amieclient shows the user.
struct AMIEServerError: Error, Sendable {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}
