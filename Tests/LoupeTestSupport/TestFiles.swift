import Foundation
import LoupeTensor
import XCTest

/// A fresh temporary folder for one test, removed at teardown.
public func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts `body` throws a one-line `LoupeError` containing every fragment (and of `kind`, when given).
public func assertLoupeError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String], kind: LoupeError.Kind? = nil,
                                file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as LoupeError {
        let message = error.description
        if let kind { XCTAssertEqual(error.kind, kind, message, file: file, line: line) }
        XCTAssertFalse(message.contains("\n"), "message spans lines: \(message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(message.contains(fragment), "'\(message)' lacks '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}
