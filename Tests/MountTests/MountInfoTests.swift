import SciencefsFuse
import XCTest

/// The mountinfo reader that mount detection and the kernel readahead setting rely on.
final class MountInfoTests: XCTestCase {
    func testLinesGiveDeviceMountpointAndTypeWithEscapesUndone() {
        let table = """
            22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
            42 27 0:39 / /tmp/my\\040data/mnt rw,nosuid - fuse.sciencefs sciencefs rw,user_id=0
            43 27 0:40 / /tmp/données rw master:7 - fuse.sciencefs sciencefs rw
            broken line
            """
        XCTAssertEqual(MountInfo.parse(table), [
            MountInfoEntry(device: "254:1", mountpoint: "/", filesystemType: "ext4"),
            MountInfoEntry(device: "0:39", mountpoint: "/tmp/my data/mnt", filesystemType: "fuse.sciencefs"),
            MountInfoEntry(device: "0:40", mountpoint: "/tmp/données", filesystemType: "fuse.sciencefs"),
        ])
    }

    func testThisProcessSeesTheRootMount() {
        XCTAssertTrue(MountInfo.entries().contains { $0.mountpoint == "/" })
    }
}
