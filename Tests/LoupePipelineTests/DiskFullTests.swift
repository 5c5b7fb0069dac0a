import Foundation
import LoupeTestSupport
import XCTest

/// A full disk or a file-size limit while a job writes its report: one error line, and nothing left behind.
final class DiskFullTests: XCTestCase {
    /// RLIMIT_FSIZE below the report's size: the PDF write fails (EFBIG) as on a full disk.
    func testAWriteFailureGivesOneLineAndLeavesNothing() throws {
        let scratch = try PipelineScratch("fsize")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(tinyJobsConfig(["full"]), to: "c.json")
        let result = try LoupeProcess.run(["run", config, "--quiet"], in: scratch.folder, fileSizeLimitKB: 40)
        XCTAssertEqual(result.code, 1, result.stderr)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, result.stderr)
        XCTAssertTrue(errors.first?.contains("report.pdf: write: cannot write the PDF (File too large)") ?? false, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("reports/full")), "nothing is left in the output folder")
    }

    /// An output on a 256 KB tmpfs: refused before the PDF is drawn (free space against the estimate).
    /// Needs permission to mount; skipped otherwise.
    func testASmallFileSystemGivesOneLineAndLeavesNothing() throws {
        let scratch = try PipelineScratch("tmpfs")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        let config = try scratch.write(tinyJobsConfig(["small"]), to: "c.json")
        let mountPoint = scratch.folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        guard Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint.path]) == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
        }
        defer { _ = Self.command("/bin/umount", [mountPoint.path]) }
        let result = try LoupeProcess.run(["run", config, "--quiet", "--output", mountPoint.path], in: scratch.folder)
        XCTAssertEqual(result.code, 1, result.stderr)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, result.stderr)
        XCTAssertTrue(errors.first?.contains("not enough free space") ?? false, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint.path), [])
    }

    static func command(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
