import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// PCA against scikit-learn 1.9.1 (`Tests/Fixtures/embeddings`, made by `make_embedding_fixtures.py`).
final class EmbeddingPCATests: XCTestCase {
    func load(_ name: String) throws -> Tensor {
        try NPY.read(path: Fixtures.path("embeddings", name + ".npy")).asFloat
    }

    /// Compares components (k x d) and scores (n x k) with sklearn's, after sklearn's sign rule (no sign slack).
    func check(_ result: PCA.Result, prefix: String, components k: Int, tolerance: Float, file: StaticString = #filePath, line: UInt = #line) throws {
        let components = try load("pca_\(prefix)_components"), scores = try load("pca_\(prefix)_transformed")
        let d = result.featureCount, n = result.scores.count / result.componentCount
        let scale = scores.scalars.map(abs).max() ?? 1
        for q in 0..<k {
            for c in 0..<d {
                XCTAssertEqual(result.components[q * d + c], components.scalars[q * d + c], accuracy: tolerance,
                               "component \(q) feature \(c)", file: file, line: line)
            }
            for i in 0..<n {
                XCTAssertEqual(result.scores[i * result.componentCount + q], scores.scalars[i * scores.shape[1] + q],
                               accuracy: tolerance * scale, "score \(i) component \(q)", file: file, line: line)
            }
        }
    }

    func testDigitsMatchesSklearn() throws {
        let x = try EmbeddingPoints(tensor: try load("digits_x"))
        let result = try PCA.fit(x, components: 10, solver: .full)
        try check(result, prefix: "digits", components: 10, tolerance: 1e-4)
        let ratio = try load("pca_digits_ratio")
        for q in 0..<10 { XCTAssertEqual(result.explainedVarianceRatio[q], Double(ratio.scalars[q]), accuracy: 1e-5) }
        XCTAssertFalse(result.usedRandomized)
    }

    func testSmallMatrixAllComponents() throws {
        let x = try EmbeddingPoints(tensor: try load("pca_small_x"))
        let result = try PCA.fit(x)
        XCTAssertEqual(result.componentCount, 12)
        try check(result, prefix: "small", components: 12, tolerance: 1e-4)
        let ratio = try load("pca_small_ratio")
        for q in 0..<12 { XCTAssertEqual(result.explainedVarianceRatio[q], Double(ratio.scalars[q]), accuracy: 1e-6) }
        XCTAssertEqual(result.explainedVarianceRatio.reduce(0, +), 1, accuracy: 1e-6)
    }

    func testRandomizedSolverOnWideData() throws {
        let x = try EmbeddingPoints(tensor: try load("pca_wide_x"))
        let auto = try PCA.fit(x, components: 5)
        XCTAssertTrue(auto.usedRandomized, "60 x 700 with 5 components takes sklearn's randomized branch")
        try check(auto, prefix: "wide", components: 5, tolerance: 1e-4)
        let seeded = try PCA.fit(x, components: 5, solver: .randomized(seed: 3, powerIterations: 2))
        try check(seeded, prefix: "wide", components: 5, tolerance: 1e-3)
        let ratio = try load("pca_wide_ratio")
        for q in 0..<5 { XCTAssertEqual(auto.explainedVarianceRatio[q], Double(ratio.scalars[q]), accuracy: 1e-5) }
    }

    func testSignRuleAndRefusals() throws {
        // Points on a line along (−3, 1): the largest loading must come out positive.
        let x = try EmbeddingPoints(count: 4, dimension: 2, values: [3, -1, 0, 0, -3, 1, -6, 2])
        let result = try PCA.fit(x, components: 1)
        XCTAssertGreaterThan(result.components[0], 0)
        XCTAssertEqual(Double(result.components[0]), 3 / 10.0.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(result.explainedVarianceRatio[0], 1, accuracy: 1e-6)
        XCTAssertThrowsError(try PCA.fit(x, components: 3))
        XCTAssertThrowsError(try EmbeddingPoints(tensor: Tensor(shape: [5], repeating: 1)))
        XCTAssertThrowsError(try EmbeddingPoints(count: 2, dimension: 2, values: [1, 2, .nan, 4]))
    }
}
