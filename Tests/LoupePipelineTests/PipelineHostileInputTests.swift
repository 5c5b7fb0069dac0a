import Foundation
import LoupePipeline
import LoupeTestSupport
import XCTest

/// Bad configs and bad data: one line naming file and field, the documented exit code, no partial
/// output, and the other jobs of the batch still finish.
final class PipelineHostileInputTests: XCTestCase {
    var scratch: PipelineScratch!
    var model10 = ""
    var model2 = ""

    override func setUpWithError() throws {
        scratch = try PipelineScratch("hostile")
        model10 = try scratch.writeTinyModel("tiny10.onnx", classes: 10)
        model2 = try scratch.writeTinyModel("tiny2.onnx", classes: 2)
    }

    let goodJob = #"{"name": "good", "model": {"path": "tiny10.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 20}, "sections": {"summary": true}}"#

    func data(_ file: String) -> String { Fixtures.path("data", file) }

    /// Runs `[good job, bad job]` and checks the bad one failed cleanly while the good one finished.
    func assertBadJob(_ badJob: String, code expected: Int32, mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let config = try scratch.write(#"{"jobs": [\#(goodJob), \#(badJob)]}"#, to: "config.json")
        let (code, lines) = scratch.run(config)
        XCTAssertEqual(code, expected, lines.joined(separator: "\n"), file: file, line: line)
        let errors = lines.filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, "one error line expected: \(lines)", file: file, line: line)
        for word in mentions {
            XCTAssertTrue(errors.first?.contains(word) == true, "'\(errors.first ?? "")' lacks '\(word)'", file: file, line: line)
        }
        XCTAssertEqual(scratch.runs("good").count, 1, "the good job must still write its report", file: file, line: line)
        XCTAssertEqual(scratch.runs("bad").count, 0, "no partial output for the failed job", file: file, line: line)
        let leftovers = (try? FileManager.default.subpathsOfDirectory(atPath: scratch.path("reports")))?.filter { $0.contains(".partial") } ?? []
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testInvalidJSONIsRefusedWithExit78() throws {
        let config = try scratch.write(#"{"jobs": [ {"name": "x", }"#, to: "broken.json")
        let (code, lines) = scratch.run(config)
        XCTAssertEqual(code, 78)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].contains("broken.json") && lines[0].contains("json"), lines[0])
    }

    func testUnknownKeySuggestsTheRightOne() throws {
        try assertBadJob(#"{"name": "bad", "model": {"path": "tiny10.onnx"}, "datset": {"kind": "synthetic-shapes"}}"#,
                         code: 78, mentions: ["config.json", "jobs[1].datset", "did you mean 'dataset'"])
    }

    func testWrongTypeNamesTheField() throws {
        try assertBadJob(#"{"name": "bad", "model": {"path": "tiny10.onnx"}, "dataset": {"kind": "synthetic-shapes", "limit": "ten"}}"#,
                         code: 78, mentions: ["jobs[1].dataset.limit", "expected an integer"])
    }

    func testMissingModelFile() throws {
        try assertBadJob(#"{"name": "bad", "model": {"path": "nowhere.onnx"}, "dataset": {"kind": "synthetic-shapes"}}"#,
                         code: 78, mentions: ["jobs[1].model.path", "nowhere.onnx"])
    }

    func testModelWithUnsupportedOperator() throws {
        let hostile = Fixtures.path("hostile", "unsupported_ops.onnx")
        try assertBadJob(#"{"name": "bad", "model": {"path": "\#(hostile)"}, "dataset": {"kind": "synthetic-shapes", "count": 10}}"#,
                         code: 1, mentions: ["unsupported_ops.onnx", "nms1", "frob1"])
    }

    func testEmptyDataset() throws {
        try FileManager.default.createDirectory(atPath: scratch.path("empty/cats"), withIntermediateDirectories: true)
        try assertBadJob(#"{"name": "bad", "model": {"path": "tiny2.onnx"}, "dataset": {"kind": "image-folder", "path": "empty"}}"#,
                         code: 1, mentions: ["empty"])
    }

    func folderWith(_ fixture: String, as name: String) throws -> String {
        for (folder, file) in [("set/a", "good.png"), ("set/b", name)] {
            try FileManager.default.createDirectory(atPath: scratch.path(folder), withIntermediateDirectories: true)
            let source = file == "good.png" ? data("known_rgb.png") : data(fixture)
            try FileManager.default.copyItem(atPath: source, toPath: scratch.path("\(folder)/\(file)"))
        }
        return #"{"name": "bad", "model": {"path": "tiny2.onnx"}, "dataset": {"kind": "image-folder", "path": "set"}}"#
    }

    func testCorruptPNG() throws {
        try assertBadJob(try folderWith("corrupt.png", as: "corrupt.png"), code: 1, mentions: ["corrupt.png"])
    }

    func testTruncatedJPEG() throws {
        try assertBadJob(try folderWith("truncated.jpg", as: "truncated.jpg"), code: 1, mentions: ["truncated.jpg"])
    }

    func testHugeImageHeaderIsRefusedBeforeDecoding() throws {
        try assertBadJob(try folderWith("huge_header.png", as: "huge.png"), code: 1, mentions: ["huge.png"])
    }

    func testLabelOutOfRange() throws {
        _ = try scratch.writeTinyModel("tiny3.onnx", classes: 3)
        let images = data("arrays/images_nchw.npy"), labels = data("arrays/labels_bad.npy")
        try assertBadJob(#"{"name": "bad", "model": {"path": "tiny3.onnx"}, "classes": ["a", "b", "c"], "dataset": {"kind": "npy", "path": "\#(images)", "labels": "\#(labels)"}}"#,
                         code: 1, mentions: ["labels_bad.npy", "sample 2"])
    }

    func testUnwritableOutputFolder() throws {
        _ = try scratch.write("not a folder", to: "blocker")
        try assertBadJob(#"{"name": "bad", "model": {"path": "tiny10.onnx"}, "dataset": {"kind": "synthetic-shapes", "count": 10}, "sections": {"summary": true}, "output": "blocker/reports"}"#,
                         code: 1, mentions: ["blocker"])
    }
}
