import Foundation
import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Spearman, SSIM and HOG against SciPy / scikit-image (fixtures from Tests/Fixtures/make_sanity_fixtures.py).
final class SanitySimilarityTests: XCTestCase {
    struct Case: Decodable {
        var kind: String
        var name: String
        var a: String
        var b: String
        var expected: Double
        var data_range: Double?
        var cell: Int?
        var hog_a: String?
        var hog_b: String?
    }

    func cases(_ kind: String) throws -> [Case] {
        let url = fixturesDirectory.appendingPathComponent("sanity/manifest.json")
        let all = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        let chosen = all.filter { $0.kind == kind }
        XCTAssertFalse(chosen.isEmpty, "no \(kind) fixtures")
        return chosen
    }

    func load(_ file: String) throws -> (values: [Double], shape: [Int]) {
        let t = try Fixtures.array("sanity", file)
        return (t.scalars.map(Double.init), t.shape)
    }

    func testSpearmanMatchesSciPy() throws {
        for fixture in try cases("spearman") {
            let a = try load(fixture.a).values, b = try load(fixture.b).values
            let rho = try XCTUnwrap(Similarity.spearman(a, b))
            XCTAssertEqual(rho, fixture.expected, accuracy: 1e-6, fixture.name)
        }
    }

    func testRanksAverageTiesAndConstantVectorsAreUndefined() {
        XCTAssertEqual(Similarity.ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2])
        XCTAssertNil(Similarity.spearman([1, 1, 1], [1, 2, 3]))
        XCTAssertEqual(Similarity.spearman([1, 2, 3, 4], [10, 20, 30, 40]) ?? 0, 1, accuracy: 1e-12)
        XCTAssertEqual(Similarity.spearman([1, 2, 3, 4], [4, 3, 2, 1]) ?? 0, -1, accuracy: 1e-12)
    }

    func testSSIMMatchesScikitImage() throws {
        for fixture in try cases("ssim2d") {
            let (a, shape) = try load(fixture.a)
            let b = try load(fixture.b).values
            let value = try Similarity.ssim(a, b, channels: shape[0], height: shape[1], width: shape[2],
                                            dataRange: fixture.data_range ?? 2)
            XCTAssertEqual(value, fixture.expected, accuracy: 1e-6, fixture.name)
        }
        for fixture in try cases("ssim1d") {
            let a = try load(fixture.a).values, b = try load(fixture.b).values
            XCTAssertEqual(try Similarity.ssim1D(a, b, dataRange: fixture.data_range ?? 1), fixture.expected, accuracy: 1e-6, fixture.name)
        }
    }

    func testSSIMOfIdenticalMapsIsOne() throws {
        var random = TestRandom(seed: 3)
        let a = random.tensor([1, 12, 12]).scalars.map(Double.init)
        XCTAssertEqual(try Similarity.ssim(a, a, channels: 1, height: 12, width: 12, dataRange: 2), 1, accuracy: 1e-12)
        // Planes below 11 x 11 use a smaller window instead of failing.
        let small = Array(a.prefix(36))
        XCTAssertEqual(try Similarity.ssim(small, small, channels: 1, height: 6, width: 6, dataRange: 2), 1, accuracy: 1e-12)
        XCTAssertThrowsError(try Similarity.ssim(a, Array(a.dropLast()), channels: 1, height: 12, width: 12, dataRange: 2))
    }

    func testHOGMatchesScikitImage() throws {
        for fixture in try cases("hog") {
            let (a, shape) = try load(fixture.a)
            let b = try load(fixture.b).values
            let cell = try XCTUnwrap(fixture.cell)
            let expectedA = try load(try XCTUnwrap(fixture.hog_a)).values
            let expectedB = try load(try XCTUnwrap(fixture.hog_b)).values
            let hogA = try HOG.descriptor(a, channels: shape[0], height: shape[1], width: shape[2], cell: cell)
            let hogB = try HOG.descriptor(b, channels: shape[0], height: shape[1], width: shape[2], cell: cell)
            for (actual, expected) in [(hogA, expectedA), (hogB, expectedB)] {
                XCTAssertEqual(actual.count, expected.count, fixture.name)
                let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThan(worst, 1e-6, fixture.name)
            }
            XCTAssertEqual(try XCTUnwrap(Similarity.spearman(hogA, hogB)), fixture.expected, accuracy: 1e-6, fixture.name)
        }
    }

    func testHOGRefusesMapsTooSmallForOneBlock() {
        XCTAssertThrowsError(try HOG.descriptor([Double](repeating: 0, count: 64), channels: 1, height: 8, width: 8, cell: 4))
        XCTAssertEqual(HOG.cellSize(height: 28, width: 28), 4)
        XCTAssertEqual(HOG.cellSize(height: 299, width: 299), 16)
    }

    func testMapComparisonOfAMapWithItselfIsOne() throws {
        var random = TestRandom(seed: 9)
        let map = random.tensor([3, 16, 16]).scalars
        let scores = try MapComparison.compare(map, map, channels: 3, height: 16, width: 16, hogCell: 2)
        XCTAssertEqual(scores.spearmanAbs, 1, accuracy: 1e-9)
        XCTAssertEqual(scores.spearmanSigned, 1, accuracy: 1e-9)
        XCTAssertEqual(scores.ssim, 1, accuracy: 1e-9)
        XCTAssertEqual(scores.hog, 1, accuracy: 1e-9)
        // A constant map has no ranking: the pair is not scored (empty, every measure NaN).
        let flat = [Float](repeating: 0.5, count: map.count)
        let against = try MapComparison.compare(map, flat, channels: 3, height: 16, width: 16, hogCell: 2)
        XCTAssertTrue(against.empty)
        XCTAssertTrue(against.spearmanAbs.isNaN && against.ssim.isNaN)
        XCTAssertFalse(try MapComparison.compare(map, map, channels: 3, height: 16, width: 16, hogCell: 2).empty)
        // Maps too small for a HOG block: no HOG similarity, the other measures still work.
        let tiny = Array(map.prefix(16))
        let small = try MapComparison.compare(tiny, tiny, channels: 1, height: 4, width: 4, hogCell: 2)
        XCTAssertTrue(small.hog.isNaN)
        XCTAssertEqual(small.ssim, 1, accuracy: 1e-9)
    }

    func testNormalisationsFollowTheSpec() {
        // N-div99 of m = [-2, 0, 2] (one channel): s = |P99| = 1.96, values (m + s)/(2s) clipped to [-1, 1].
        let div = MapComparison.divergingPercentile([-2, 0, 2], channels: 1)
        XCTAssertEqual(div[1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(div[2], 1, accuracy: 1e-6)
        XCTAssertEqual(div[0], (-2 + 1.96) / 3.92, accuracy: 1e-6)
        XCTAssertEqual(MapComparison.unitRange([1, 3, 2]), [0, 1, 0.5])
        let abs = MapComparison.absPercentile([-1, 1, 0, 0, 2, 2, 0, 0], channels: 2)
        XCTAssertEqual(abs.count, 4)
        XCTAssertEqual(abs[2], 0, accuracy: 1e-9)
    }
}
