import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Trustworthiness, k-NN accuracy and exact neighbour search on hand-computed cases and sklearn values.
final class EmbeddingQualityTests: XCTestCase {
    func testNeighbourSearchMatchesBruteForce() throws {
        var random = TestRandom(seed: 4)
        for dimension in [2, 20] {
            let values = (0..<(150 * dimension)).map { _ in random.uniform() * 10 }
            let points = try EmbeddingPoints(count: 150, dimension: dimension, values: values)
            let graph = try NearestNeighbors.search(points, k: 7)
            for i in 0..<150 {
                let order = (0..<150).filter { $0 != i }.map { j -> (Double, Int) in
                    var s = 0.0
                    for c in 0..<dimension { let t = Double(values[i * dimension + c] - values[j * dimension + c]); s += t * t }
                    return (s, j)
                }.sorted { $0 < $1 }
                XCTAssertEqual(graph.indices[(i * 7)..<(i * 7 + 7)].map(Int.init), order.prefix(7).map { $0.1 }, "point \(i), d \(dimension)")
            }
        }
        XCTAssertThrowsError(try NearestNeighbors.search(try EmbeddingPoints(count: 3, dimension: 1, values: [0, 1, 2]), k: 3))
    }

    func testTrustworthinessHandComputed() throws {
        // Input on a line 0,1,2,3,4,5; the map swaps the two end points' roles.
        let input = try EmbeddingPoints(count: 6, dimension: 1, values: [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(input: input, embedding: input, k: 1), 1, accuracy: 1e-12)
        let map = try EmbeddingPoints(count: 6, dimension: 1, values: [0, 10, 2.2, 3, 4, 1])
        // k = 1 map neighbours: 0→5 (input rank 5), 1→4 (rank 4), 2→3 (rank 1: the tie with point 1 is not
        // "closer"), 3→2 (1), 4→3 (1), 5→0 (rank 5). Penalty = 4 + 3 + 4 = 11; T = 1 − 2/(6·1·(12−3−1))·11.
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(input: input, embedding: map, k: 1), 1 - 22.0 / 48.0, accuracy: 1e-12)
        XCTAssertThrowsError(try EmbeddingQuality.trustworthiness(input: input, embedding: map, k: 3))
    }

    func testTrustworthinessMatchesSklearn() throws {
        let x = try EmbeddingPoints(tensor: try NPY.read(path: Fixtures.path("embeddings", "trust_x.npy")).asFloat)
        let y = try EmbeddingPoints(tensor: try NPY.read(path: Fixtures.path("embeddings", "trust_y.npy")).asFloat)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("embeddings", "summary.json"))))
        let trust = try XCTUnwrap((summary as? [String: Any])?["trust_small"] as? [String: Double])
        // Fixture arrays are Float64 read as Float32: ranks are unaffected unless distances nearly tie.
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(input: x, embedding: y, k: 10), try XCTUnwrap(trust["k10"]), accuracy: 1e-9)
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(input: x, embedding: y, k: 5), try XCTUnwrap(trust["k5"]), accuracy: 1e-9)
    }

    func testKNNAccuracyHandComputed() throws {
        // Two clusters; point 2 sits in cluster A but is labelled B.
        let points = try EmbeddingPoints(count: 6, dimension: 1, values: [0, 0.1, 0.2, 10, 10.1, 10.2])
        let labels = [0, 0, 1, 1, 1, 1]
        // k = 2: 0→{1,2} votes 0:1,1:1 tie → 0 ✓; 1→{0,2} tie → 0 ✓; 2→{1,0} → 0 ✗; 3,4,5 ✓.
        XCTAssertEqual(try EmbeddingQuality.knnAccuracy(points, labels: labels, k: 2), 5.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(try EmbeddingQuality.knnAccuracy(points, labels: [1, 1, 0, 0, 0, 0], k: 2), 3.0 / 6.0, accuracy: 1e-12)
        XCTAssertThrowsError(try EmbeddingQuality.knnAccuracy(points, labels: [0, 1], k: 2))
    }
}
