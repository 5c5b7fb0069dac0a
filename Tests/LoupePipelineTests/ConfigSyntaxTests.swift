import Foundation
import LoupePipeline
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The config is read strictly: what a hand edit gets wrong is named with its line and column.
final class ConfigSyntaxTests: XCTestCase {
    private func syntaxError(_ text: String) -> String {
        do {
            _ = try JSONValue.parse(Data(text.utf8))
            return "parsed"
        } catch {
            return "\(error)"
        }
    }

    func testDuplicateKeysTrailingCommasAndCommentsAreRefusedWithLineAndColumn() {
        XCTAssertEqual(syntaxError("{\"jobs\": [],\n \"jobs\": []}"), "line 2, column 2: duplicate key \"jobs\"")
        XCTAssertEqual(syntaxError("{\"a\": [1, 2,]}"), "line 1, column 13: a trailing comma is not allowed")
        XCTAssertTrue(syntaxError("{\"a\": 1,\n}").hasPrefix("line 2, column 1: expected a key"))
        XCTAssertTrue(syntaxError("{\"a\": 1} // note").hasPrefix("line 1, column 10: unexpected text"))
        XCTAssertTrue(syntaxError("{\"a\": 01}").contains("leading zero"))
        XCTAssertTrue(syntaxError("{\"a\": \"x\ny\"}").contains("control character"))
        XCTAssertTrue(syntaxError(String(repeating: "[", count: 300)).contains("nested more than 256"))
        XCTAssertTrue(syntaxError("{\"a\": tru}").hasPrefix("line 1, column 7"))
    }

    func testValidJSONKeepsNumbersBooleansAndEscapes() throws {
        let value = try JSONValue.parse(Data(#"{"b": true, "n": -1.5e2, "s": "\u00e9\ud83d\ude00\n\"", "z": null, "a": [0, {}]}"#.utf8))
        XCTAssertEqual(value, .object(["b": .bool(true), "n": .number(-150), "s": .string("é😀\n\""), "z": .null,
                                       "a": .array([.number(0), .object([:])])]))
    }

    func testConfigErrorsNameTheFileLineAndColumn() throws {
        let scratch = try PipelineScratch("config-syntax")
        let path = try scratch.write("{\"jobs\": [\n  {\"name\": \"a\", \"name\": \"b\"}\n]}", to: "c.json")
        XCTAssertThrowsError(try LoupeConfig.load(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): json: invalid JSON: line 2, column 17: duplicate key \"name\"")
        }
    }

    /// An unreadable config (missing, a folder, a FIFO) is an I/O error, exit code 5, not an invalid config (78).
    func testAnUnreadableConfigIsAnIOError() throws {
        let scratch = try PipelineScratch("config-unreadable")
        for path in [scratch.path("absent.json"), scratch.path("")] {
            XCTAssertThrowsError(try LoupeConfig.load(path: path)) { error in
                XCTAssertEqual((error as? LoupeError)?.kind, .io, "\(error)")
                XCTAssertEqual(ExitCodes.code(for: error), 5)
            }
        }
    }

    func testAnEmptyJobNameIsRefused() throws {
        let scratch = try PipelineScratch("config-empty-name")
        _ = try scratch.writeTinyModel("m.onnx", classes: 3)
        let path = try scratch.write(#"{"jobs": [{"name": "", "model": {"path": "m.onnx"}, "dataset": {"kind": "synthetic-shapes"}}]}"#, to: "c.json")
        XCTAssertThrowsError(try LoupeConfig.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("jobs[0].name"), "\(error)")
        }
    }
}
