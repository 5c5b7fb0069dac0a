import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// t-SNE: calibration, exact and Barnes–Hut gradients, and the full digits run against openTSNE 1.0.4.
final class EmbeddingTSNETests: XCTestCase {
    func randomPoints(_ n: Int, _ d: Int, seed: UInt64, scale: Float = 1) throws -> EmbeddingPoints {
        var random = TestRandom(seed: seed)
        return try EmbeddingPoints(count: n, dimension: d, values: (0..<(n * d)).map { _ in random.uniform() * scale })
    }

    func testPerplexityCalibrationHitsTargetEntropy() throws {
        let points = try randomPoints(300, 10, seed: 1, scale: 5)
        let p = try TSNEAffinities.compute(points, perplexity: 20)
        for entropy in p.entropies { XCTAssertEqual(entropy, log(20), accuracy: 1e-5) }
        XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-12)
        // Symmetric, no diagonal, every row holds at least its 60 neighbours.
        var entries = [Int: Double]()
        for i in 0..<p.count {
            XCTAssertGreaterThanOrEqual(p.rowStarts[i + 1] - p.rowStarts[i], 60)
            for e in p.rowStarts[i]..<p.rowStarts[i + 1] {
                XCTAssertNotEqual(Int(p.columns[e]), i)
                entries[i * p.count + Int(p.columns[e])] = p.values[e]
            }
        }
        for (key, value) in entries {
            XCTAssertEqual(entries[(key % p.count) * p.count + key / p.count] ?? -1, value, accuracy: 1e-15)
        }
        // Recompute one conditional row's entropy independently from its β.
        let graph = try NearestNeighbors.search(points, k: 60)
        let beta = p.betas[7]
        let weights = graph.squaredDistances[(7 * 60)..<(8 * 60)].map { exp(-beta * Double($0)) }
        let total = weights.reduce(0, +)
        let entropy = -weights.map { $0 / total }.reduce(0) { $0 + $1 * log($1) }
        XCTAssertEqual(entropy, log(20), accuracy: 1e-6)
        XCTAssertThrowsError(try TSNEAffinities.compute(points, perplexity: 100))
    }

    func testExactGradientMatchesFiniteDifferences() throws {
        let points = try randomPoints(40, 5, seed: 2, scale: 3)
        let p = try TSNEAffinities.compute(points, perplexity: 5)
        var random = TestRandom(seed: 3)
        let y = (0..<80).map { _ in Double(random.uniform()) * 2 }
        var gradient = [Double]()
        TSNEGradient.evaluate(p, y: y, repulsion: .exact, gradient: &gradient)
        let h = 1e-6
        var worst = 0.0
        for e in 0..<80 {
            var plus = y, minus = y
            plus[e] += h; minus[e] -= h
            let numeric = (TSNEGradient.exactKL(p, y: plus) - TSNEGradient.exactKL(p, y: minus)) / (2 * h)
            worst = max(worst, abs(4 * gradient[e] - numeric) / max(abs(numeric), 1e-3))
        }
        XCTAssertLessThan(worst, 1e-5, "true gradient = 4 x openTSNE-unit gradient")
    }

    /// docs/embeddings.md#tests-and-tolerances: Barnes–Hut vs exact within 1e-2 at θ = 0.5 on N = 2,000.
    func testBarnesHutRepulsionCloseToExact() throws {
        let points = try randomPoints(2000, 8, seed: 5)
        let p = try TSNEAffinities.compute(points, perplexity: 30)
        var random = TestRandom(seed: 6)
        let y = (0..<4000).map { _ in Double(random.uniform()) * 30 }
        var exact = [Double](), bh = [Double]()
        let ze = TSNEGradient.evaluate(p, y: y, repulsion: .exact, gradient: &exact).z
        // Uniform layout (the hard case for monopoles). The grouped criterion opens a cell unless it is
        // far enough from every point of the leaf, so errors sit well under the per-point rule's
        // (measured: θ = 0.5 Z 4.8e-3, gradient 9.0e-3; θ = 0.2 Z 2.6e-4, gradient 4.2e-4).
        for (theta, tolerance) in [(0.5, 1e-2), (0.2, 2e-3)] {
            let zb = TSNEGradient.evaluate(p, y: y, repulsion: .barnesHut(theta: theta), gradient: &bh).z
            XCTAssertEqual(zb / ze, 1, accuracy: tolerance, "θ = \(theta)")
            let difference = zip(exact, bh).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertLessThan(difference / norm, tolerance, "θ = \(theta)")
        }
        let tiny = TSNEGradient.evaluate(p, y: y, repulsion: .barnesHut(theta: 0), gradient: &bh).z
        XCTAssertEqual(tiny / ze, 1, accuracy: 1e-9, "θ = 0 opens every cell")
    }

    /// Full 750-iteration run on sklearn digits vs openTSNE's default runs over five seeds.
    func testDigitsMatchesOpenTSNE() throws {
        let x = try EmbeddingPoints(tensor: try NPY.read(path: Fixtures.path("embeddings", "digits_x.npy")).asFloat)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("embeddings", "summary.json"))))
        let runs = try XCTUnwrap(((summary as? [String: Any])?["opentsne_digits"] as? [String: Any])?["runs"] as? [[String: Any]])
        let klBand = runs.compactMap { $0["kl_reported"] as? Double }, trustBand = runs.compactMap { $0["trust10"] as? Double }
        let klReference = klBand.reduce(0, +) / Double(klBand.count)
        let trustReference = trustBand.reduce(0, +) / Double(trustBand.count)
        var options = TSNE.Options()
        options.seed = 0
        let started = Date()
        let result = try TSNE.embed(x, options: options)
        let seconds = Date().timeIntervalSince(started)
        let map = try EmbeddingPoints(count: x.count, dimension: 2, values: result.embedding)
        let trust = try EmbeddingQuality.trustworthiness(input: x, embedding: map, k: 10)
        print(String(format: "digits t-SNE: %.2f s, KL (BH Z) %.4f, exact KL %.4f, T(10) %.4f; openTSNE KL %.4f, T(10) %.4f",
                     seconds, result.klApproximate, result.klDivergence, trust, klReference, trustReference))
        XCTAssertEqual(result.iterations, 750)
        XCTAssertTrue(result.klIsExact)
        XCTAssertLessThan(abs(result.klApproximate - klReference) / klReference, 0.03)
        XCTAssertLessThan(abs(result.klDivergence - result.klApproximate), 0.02, "BH estimate of Z close to the exact one")
        XCTAssertEqual(trust, trustReference, accuracy: 0.01)
        let labels = try NPY.read(path: Fixtures.path("embeddings", "digits_y.npy")).asInt.values
        XCTAssertGreaterThan(try EmbeddingQuality.knnAccuracy(map, labels: labels), 0.95)
    }

    func testSeededRunsAreReproducibleAndRefuseBadInput() throws {
        let points = try randomPoints(120, 6, seed: 9)
        var options = TSNE.Options()
        options.perplexity = 10
        options.earlyIterations = 30
        options.iterations = 30
        let a = try TSNE.embed(points, options: options), b = try TSNE.embed(points, options: options)
        XCTAssertEqual(a.embedding, b.embedding)
        options.seed = 1
        XCTAssertNotEqual(try TSNE.embed(points, options: options).embedding, a.embedding)
        options.perplexity = 40
        XCTAssertThrowsError(try TSNE.embed(points, options: options))
    }
}
