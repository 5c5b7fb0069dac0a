import Foundation
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The `loupe` executable: documented exit codes and one-line errors on standard error.
final class CommandLineTests: XCTestCase {
    func loupe(_ arguments: [String]) throws -> (code: Int32, stderr: String) { try runLoupeExecutable(arguments) }

    func testEveryHostileModelExitsWithCode3AndOneLine() throws {
        for fixture in try Fixtures.cases("hostile") {
            let (code, stderr) = try loupe(["inspect", Fixtures.path("hostile", fixture.model)])
            XCTAssertEqual(code, 3, "\(fixture.name): \(stderr)")
            let lines = stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(fixture.name): \(stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("error: ") == true && stderr.contains(fixture.model), "\(fixture.name): \(stderr)")
        }
    }

    /// Command-line mistakes (missing argument, unknown option or subcommand) exit 2 with one `error:` line.
    func testBadCommandLinesExitWithCode2AndOneLine() throws {
        let cases: [([String], String)] = [
            (["embed", "--method", "pca"], "--input"),
            (["inspect"], "model"),
            (["run", "--no-such-flag"], "--no-such-flag"),
            (["no-such-command"], "no-such-command"),
        ]
        for (arguments, text) in cases {
            let (code, stderr) = try loupe(arguments)
            XCTAssertEqual(code, 2, "\(arguments): \(stderr)")
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, "\(arguments): \(stderr)")
            XCTAssertTrue(stderr.hasPrefix("error: ") && stderr.contains(text), "\(arguments): \(stderr)")
        }
        XCTAssertEqual(try loupe(["--help"]).code, 0)
    }

    /// `loupe corrupt` refuses an unknown corruption (listing the valid names), a severity outside 1–5 and
    /// unreadable images, each with one line, its documented code and no output file.
    func testCorruptRefusesBadRequests() throws {
        let image = Fixtures.path("data", "known_rgb.png")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-corrupt-\(getpid()).png").path
        let cases: [([String], Int32, [String])] = [
            ([image, "--corruption", "gausian_noise", "--severity", "3"], 78, ["gausian_noise", "gaussian_noise, shot_noise", "saturate"]),
            ([image, "--corruption", "gaussian_noise", "--severity", "7"], 78, ["1 to 5", "7"]),
            ([Fixtures.path("data", "not_image.png"), "--corruption", "fog", "--severity", "1"], 4, ["not_image.png"]),
            ([Fixtures.path("data", "truncated.jpg"), "--corruption", "fog", "--severity", "1"], 4, ["truncated.jpg"]),
            (["/nonexistent/image.png", "--corruption", "fog", "--severity", "1"], 5, ["/nonexistent/image.png"]),
        ]
        for (arguments, expected, texts) in cases {
            let (code, stderr) = try loupe(["corrupt"] + arguments + ["--output", out])
            XCTAssertEqual(code, expected, "\(arguments): \(stderr)")
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            for text in texts { XCTAssertTrue(stderr.hasPrefix("error: ") && stderr.contains(text), "\(text) in \(stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output after a refusal")
        }
    }

    func testAttributeRefusesBadRequests() throws {
        let model = try Fixtures.modelPath("models", try XCTUnwrap(try Fixtures.cases("models").first { $0.name == "cnn_opset17" }))
        let input = Fixtures.path("models", "cnn_opset17.input.npy")
        let wrongShape = Fixtures.path("models", "mlp_8x8.input.npy")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-cli-\(getpid()).npy").path
        let cases: [([String], Int32, String)] = [
            (["--method", "magic"], 78, "unknown method 'magic'"),
            (["--method", "grad-cam", "--layer", "no_such_layer"], 78, "candidates"),
            (["--method", "saliency", "--target", "99"], 78, "out of range"),
        ]
        for (extra, expected, text) in cases {
            let (code, stderr) = try loupe(["attribute", model, "--input", input, "--output", out] + extra)
            XCTAssertEqual(code, expected, stderr)
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertTrue(stderr.contains(text), stderr)
        }
        let (code, stderr) = try loupe(["attribute", model, "--input", wrongShape, "--method", "saliency", "--output", out])
        XCTAssertEqual(code, 4, stderr)
        XCTAssertTrue(stderr.contains("mlp_8x8.input.npy") && stderr.split(separator: "\n").count == 1, stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output after a refusal")
    }

    func testInferWritesOutputsAndTaps() throws {
        let model = Fixtures.path("models", "cnn_opset17.onnx")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-infer-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (code, stderr) = try loupe(["infer", model, "--input", Fixtures.path("models", "cnn_opset17.input.npy"),
                                        "--output", folder.appendingPathComponent("y.npy").path, "--batch-size", "3",
                                        "--tap", "/Relu_1_output_0"])
        XCTAssertEqual(code, 0, stderr)
        let y = try NPY.read(path: folder.appendingPathComponent("y.npy").path).asFloat
        assertClose(y, try Fixtures.array("models", "cnn_opset17.output0.npy"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("Relu_1_output_0.npy").path))
    }
}
