import Foundation
import LoupeData
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// `validate` and `run` check the output folder first, `validate` decodes image folders, and every
/// command's error is one line in the form `error: <file>: <where>: <what>`.
final class PreflightAndErrorLineTests: XCTestCase {
    private func capture() -> (RunLog, () -> [String]) {
        let lines = NSLock()
        var captured = [String]()
        let log = RunLog(sink: { text in lines.lock(); captured += text.split(separator: "\n").map(String.init); lines.unlock() })
        return (log, { lines.lock(); defer { lines.unlock() }; return captured })
    }

    /// An output folder below a regular file cannot be created: `validate` says so, and `run` fails
    /// before loading the model or computing any section. (A probe file, not the mode bits, decides, so it holds for root too.)
    func testAnUncreatableOutputFolderFailsEarly() throws {
        let scratch = try PipelineScratch("output-check")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        _ = try scratch.write("not a folder", to: "blocker")
        let config = try scratch.write(tinyJobsConfig(["a"], extra: #", "output": "blocker/reports""#), to: "c.json")
        let (validateLog, validateLines) = capture()
        XCTAssertEqual(BatchRunner.validate(configPath: config, log: validateLog), ExitCodes.failure)
        let expected = "error: \(scratch.path("blocker/reports")): jobs.a.output: the output folder cannot be created"
        XCTAssertEqual(validateLines().filter { $0.hasPrefix("error: ") }.count, 1, validateLines().joined(separator: "\n"))
        XCTAssertTrue(validateLines().contains { $0.hasPrefix(expected) }, validateLines().joined(separator: "\n"))
        let (runLog, runLines) = capture()
        XCTAssertEqual(BatchRunner.run(configPath: config, log: runLog), ExitCodes.failure)
        XCTAssertTrue(runLines().contains { $0.hasPrefix(expected) }, runLines().joined(separator: "\n"))
        XCTAssertFalse(runLines().contains { $0.contains("loading model") || $0.contains("section") }, runLines().joined(separator: "\n"))
    }

    /// `validate` decodes the images of an image folder: a truncated PNG and a text file named `.png` are refused.
    func testValidateRefusesCorruptImagesInAnImageFolder() throws {
        let scratch = try PipelineScratch("image-check")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 2)
        let pixels = [UInt8](repeating: 90, count: 8 * 8 * 3)
        for name in ["cat/a.png", "dog/b.png"] {
            try FileManager.default.createDirectory(atPath: scratch.path("images/" + (name as NSString).deletingLastPathComponent),
                                                    withIntermediateDirectories: true)
            try PNGWriter.write(width: 8, height: 8, channels: 3, bytes: pixels, to: scratch.path("images/" + name))
        }
        let config = try scratch.write(#"{"jobs": [{"name": "f", "model": {"path": "tiny.onnx"}, "dataset": {"kind": "image-folder", "path": "images"}, "sections": {"summary": true}}]}"#, to: "c.json")
        let (goodLog, goodLines) = capture()
        XCTAssertEqual(BatchRunner.validate(configPath: config, log: goodLog), ExitCodes.success, goodLines().joined(separator: "\n"))
        XCTAssertTrue(goodLines().contains { $0.contains("2 of 2 decoded") }, goodLines().joined(separator: "\n"))

        let whole = try Data(contentsOf: URL(fileURLWithPath: scratch.path("images/cat/a.png")))
        try whole.prefix(whole.count - 30).write(to: URL(fileURLWithPath: scratch.path("images/cat/c.png")))
        let (truncatedLog, truncatedLines) = capture()
        XCTAssertEqual(BatchRunner.validate(configPath: config, log: truncatedLog), ExitCodes.failure)
        let truncatedErrors = truncatedLines().filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(truncatedErrors.count, 1, truncatedLines().joined(separator: "\n"))
        XCTAssertTrue(truncatedErrors.first?.hasPrefix("error: \(scratch.path("images/cat/c.png")): ") ?? false, truncatedErrors.joined())

        try FileManager.default.removeItem(atPath: scratch.path("images/cat/c.png"))
        _ = try scratch.write("just text", to: "images/dog/d.png")
        let (textLog, textLines) = capture()
        XCTAssertEqual(BatchRunner.validate(configPath: config, log: textLog), ExitCodes.failure)
        XCTAssertTrue(textLines().contains { $0.hasPrefix("error: \(scratch.path("images/dog/d.png")): header: not a PNG or JPEG") },
                      textLines().joined(separator: "\n"))
    }

    func testEvenlySpacedSampleKeepsFirstAndLast() {
        XCTAssertEqual(ImageFolderCheck.evenlySpaced(count: 5, at: 10), [0, 1, 2, 3, 4])
        XCTAssertEqual(ImageFolderCheck.evenlySpaced(count: 101, at: 3), [0, 50, 100])
    }

    /// Failing commands of the binary each print exactly one line, `error: <file>: ...`.
    func testEveryCommandErrorIsOneLineNamingTheFile() throws {
        let scratch = try PipelineScratch("error-lines")
        _ = try scratch.writeTinyModel("tiny.onnx", classes: 10)
        try PNGWriter.write(width: 16, height: 16, channels: 3, bytes: [UInt8](repeating: 40, count: 16 * 16 * 3), to: scratch.path("small.png"))
        let badModel = try scratch.write("\u{1b}[31mnot a model\n", to: "bad.onnx")
        let config = try scratch.write(tinyJobsConfig(["m"], model: { _ in "bad.onnx" }), to: "c.json")
        let cases: [(arguments: [String], file: String)] = [
            (["render-sample", "--output", scratch.path("missing/sample.pdf")], scratch.path("missing/sample.pdf")),
            (["corrupt", scratch.path("small.png"), "--corruption", "fog", "--severity", "2", "--output", scratch.path("out.png")],
             scratch.path("small.png")),
            (["inspect", badModel], badModel),
            (["run", config, "--quiet"], badModel),
            (["validate", scratch.path("absent.json")], scratch.path("absent.json")),
        ]
        for (arguments, file) in cases {
            let result = try LoupeProcess.run(arguments, in: scratch.folder)
            XCTAssertNotEqual(result.code, 0, "\(arguments)")
            let errors = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("error") }
            XCTAssertEqual(errors.count, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(errors.first?.hasPrefix("error: \(file): ") ?? false, "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("\u{1b}"), "no raw escape reaches the terminal: \(arguments)")
        }
    }
}
