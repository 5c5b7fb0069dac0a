import Foundation
import XCTest

/// The Python interpreter named by the `LOUPE_PYTHON` environment variable, or a skip.
///
/// Tests that cross-check files with numpy or onnx call this; `needs` names the modules the
/// interpreter must have, for the skip message. The Swift tests never need Python to pass.
public func loupePython(needs modules: String) throws -> String {
    guard let python = ProcessInfo.processInfo.environment["LOUPE_PYTHON"], !python.isEmpty else {
        throw XCTSkip("LOUPE_PYTHON is not set (an interpreter with \(modules))")
    }
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw XCTSkip("LOUPE_PYTHON=\(python) is not an executable file")
    }
    return python
}

/// Runs `python -c code arguments...` and returns its trimmed standard output; a non-zero exit fails the test.
public func runPython(_ python: String, _ code: String, arguments: [String] = [],
                      file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", code] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "python exited with \(process.terminationStatus)", file: file, line: line)
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
