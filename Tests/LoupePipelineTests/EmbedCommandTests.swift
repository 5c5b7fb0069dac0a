import Foundation
import LoupePipeline
import LoupeTensor
import LoupeTestSupport
import XCTest

/// `loupe embed`: the command logic (`EmbeddingRunner`) and the built executable's exit codes and one-line errors.
final class EmbedCommandTests: XCTestCase {
    var scratch: PipelineScratch?

    /// Writes 60 points in three shifted clusters (8 features) and their labels; returns the two paths.
    func writePoints() throws -> (points: String, labels: String, folder: PipelineScratch) {
        let folder = try PipelineScratch("embed")
        scratch = folder
        var random = TestRandom(seed: 11)
        var values = [Float]()
        var labels = [Int]()
        for i in 0..<60 {
            let label = i % 3
            labels.append(label)
            for c in 0..<8 { values.append(random.uniform() + (c == label ? 6 : 0)) }
        }
        let points = folder.path("points.npy"), labelPath = folder.path("labels.npy")
        try NPY.write(.float(Tensor(shape: [60, 2, 4], scalars: values)), to: points)
        try NPY.write(.int(IntTensor(shape: [60], values: labels)), to: labelPath, as: .int64)
        return (points, labelPath, folder)
    }

    /// A `.npy` file of unicode strings (`<U3`), which Loupe cannot use as numbers.
    func writeStringArray(_ path: String) throws {
        var header = "{'descr': '<U3', 'fortran_order': False, 'shape': (4, 2), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)])
        data.append(Data(header.utf8))
        data.append(Data(count: 4 * 2 * 12))
        try data.write(to: URL(fileURLWithPath: path))
    }

    func testRunnerWritesCoordinatesAndQualityNumbers() throws {
        let (points, labels, folder) = try writePoints()
        for method in ["tsne", "pca"] {
            var options = EmbeddingRunner.Options()
            options.method = method
            options.labelsPath = labels
            options.perplexity = 10
            options.jsonPath = folder.path("\(method).json")
            let summary = try EmbeddingRunner.run(inputPath: points, outputPath: folder.path("\(method).npy"), options: options)
            XCTAssertEqual(summary.points, 60)
            XCTAssertEqual(summary.features, 8)
            let xy = try NPY.read(path: folder.path("\(method).npy")).asFloat
            XCTAssertEqual(xy.shape, [60, 2])
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path("\(method).json")))) as? [String: Any])
            var keys = ["trustworthiness", "knn_accuracy_2d", "knn_accuracy_original", "seconds"]
            keys.append(method == "tsne" ? "kl_divergence" : "explained_variance_ratio")
            for key in keys { XCTAssertNotNil(json[key], "\(method): no \(key) in \(json.keys.sorted())") }
            // Three well-separated clusters: both maps keep them apart.
            XCTAssertEqual(try XCTUnwrap(json["knn_accuracy_original"] as? Double), 1, accuracy: 1e-12)
            XCTAssertGreaterThan(try XCTUnwrap(json["knn_accuracy_2d"] as? Double), 0.95, method)
        }
    }

    func testRunnerRefusalsUseTheDocumentedKinds() throws {
        let (points, _, folder) = try writePoints()
        let strings = folder.path("strings.npy")
        try writeStringArray(strings)
        let shortLabels = folder.path("short.npy")
        try NPY.write(.int(IntTensor(shape: [59], values: Array(repeating: 0, count: 59))), to: shortLabels, as: .int64)
        var tooPerplexed = EmbeddingRunner.Options()
        tooPerplexed.perplexity = 20  // N/3 = 20
        var withShortLabels = EmbeddingRunner.Options()
        withShortLabels.labelsPath = shortLabels
        let cases: [(String, EmbeddingRunner.Options, Int32, String)] = [
            (folder.path("missing.npy"), EmbeddingRunner.Options(), 5, "missing.npy: cannot read file"),
            (strings, EmbeddingRunner.Options(), 4, "unsupported dtype '<U3'"),
            (points, withShortLabels, 4, "expected 60 labels (one per input row), got 59"),
            (points, tooPerplexed, 78, "--perplexity: must be positive and below N/3 = 20"),
        ]
        for (input, options, code, text) in cases {
            let output = folder.path("out.npy")
            XCTAssertThrowsError(try EmbeddingRunner.run(inputPath: input, outputPath: output, options: options)) { error in
                XCTAssertEqual(ExitCodes.code(for: error), code, "\(error)")
                XCTAssertTrue(String(describing: error).contains(text), "\(error)")
                XCTAssertFalse(String(describing: error).contains("\n"))
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output after a refusal")
        }
    }

    /// The built executable (skipped when it was not built beside the tests).
    func testExecutableExitCodesAndOneLineErrors() throws {
        let (points, labels, folder) = try writePoints()
        func loupe(_ arguments: [String]) throws -> (Int32, String) { try runLoupeExecutable(["embed"] + arguments) }
        let out = folder.path("xy.npy"), json = folder.path("q.json")
        let (code, stderr) = try loupe(["--input", points, "--labels", labels, "--method", "tsne", "--perplexity", "10",
                                        "--output", out, "--json", json])
        XCTAssertEqual(code, 0, stderr)
        XCTAssertEqual(try NPY.read(path: out).asFloat.shape, [60, 2])
        let keys = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]).keys
        for key in ["kl_divergence", "trustworthiness", "knn_accuracy_2d", "knn_accuracy_original", "seconds"] {
            XCTAssertTrue(keys.contains(key), "no \(key)")
        }
        let strings = folder.path("strings.npy")
        try writeStringArray(strings)
        let short = folder.path("short.npy")
        try NPY.write(.int(IntTensor(shape: [3], values: [0, 1, 2])), to: short, as: .int64)
        let refusals: [([String], Int32, String)] = [
            (["--input", folder.path("nope.npy")], 5, "nope.npy"),
            (["--input", strings], 4, "strings.npy"),
            (["--input", points, "--labels", short], 4, "short.npy"),
            (["--input", points, "--perplexity", "25"], 78, "--perplexity"),
            (["--input", points, "--method", "umap"], 78, "unknown method 'umap'"),
        ]
        let refused = folder.path("refused.npy")
        for (arguments, expected, text) in refusals {
            let (code, stderr) = try loupe(arguments + ["--output", refused])
            XCTAssertEqual(code, expected, "\(arguments): \(stderr)")
            XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
            XCTAssertTrue(stderr.hasPrefix("error: ") && stderr.contains(text), stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: refused))
        }
    }
}
