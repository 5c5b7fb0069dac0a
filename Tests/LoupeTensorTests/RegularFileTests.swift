import Foundation
import LoupeTensor
import XCTest

/// Files named by input must be regular files: a FIFO, device or folder is refused at once, in one line.
final class RegularFileTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-regular-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func assertRefused(_ body: @autoclosure () throws -> Any, path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertEqual((error as? LoupeError)?.kind, .io, file: file, line: line)
            XCTAssertTrue(text.contains(path) && text.contains("not a regular file"), text, file: file, line: line)
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
        }
    }

    func testNamedPipeIsRefusedWithoutBlocking() throws {
        let pipe = try temporaryFolder().appendingPathComponent("images.npy").path
        guard mkfifo(pipe, 0o600) == 0 else { throw XCTSkip("cannot create a FIFO here (errno \(errno))") }
        assertRefused(try NPY.read(path: pipe), path: pipe)
        assertRefused(try NPZ.read(path: pipe), path: pipe)
    }

    func testDeviceAndFolderAreRefused() throws {
        assertRefused(try RegularFile.contents("/dev/zero"), path: "/dev/zero")
        let folder = try temporaryFolder().path
        assertRefused(try NPY.read(path: folder), path: folder)
    }

    func testRegularFileIsRead() throws {
        let path = try temporaryFolder().appendingPathComponent("bytes.bin").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try RegularFile.contents(path), Data([1, 2, 3]))
        XCTAssertThrowsError(try RegularFile.contents(path + ".absent"))
    }
}
