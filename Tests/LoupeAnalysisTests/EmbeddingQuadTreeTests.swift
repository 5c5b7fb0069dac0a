@testable import LoupeAnalysis
import LoupeTensor
import LoupeTestSupport
import XCTest

/// The grouped Barnes–Hut tree: its Z order, its cells, degenerate layouts, and the Float32 attraction.
final class EmbeddingQuadTreeTests: XCTestCase {
    func testRadixSortMatchesSortAndKeepsIndexOrderWithinEqualCodes() {
        var random = TestRandom(seed: 3)
        // Few distinct codes, so many ties; the low word is the index, in increasing order as made.
        let keys = (0..<3000).map { i -> UInt64 in (UInt64(random.uniform() * 40) * 0x0101_0101) << 32 | UInt64(i) }
        var sorted = keys
        TSNEQuadTree.sortByHighWord(&sorted)
        XCTAssertEqual(sorted, keys.sorted())
    }

    /// Every leaf holds a contiguous run of the Z order within its cell's square; children partition
    /// their parent's run; masses and centres add up.
    func testCellsPartitionTheZOrder() {
        var random = TestRandom(seed: 4)
        let n = 700
        let y = (0..<(2 * n)).map { e in Double(random.uniform()) * (e % 2 == 0 ? 40 : 7) - 3 }
        let tree = y.withUnsafeBufferPointer { TSNEQuadTree($0, count: n) }
        XCTAssertEqual(Set(tree.order.map(Int.init)), Set(0..<n))
        var covered = 0
        for (index, node) in tree.nodes.enumerated() {
            let run = Int(node.start)..<Int(node.end)
            XCTAssertEqual(node.mass, Double(run.count), "node \(index)")
            let cx = run.reduce(0.0) { $0 + tree.xs[$1] } / Double(run.count)
            XCTAssertEqual(node.cx, cx, accuracy: 1e-9)
            if node.firstChild < 0 {
                XCTAssertLessThanOrEqual(run.count, TSNEQuadTree.leafCapacity)
                covered += run.count
            } else {
                let children = tree.nodes[Int(node.firstChild)..<Int(node.firstChild + node.childCount)]
                XCTAssertEqual(children.first?.start, node.start)
                XCTAssertEqual(children.last?.end, node.end)
                for (a, b) in zip(children, children.dropFirst()) { XCTAssertEqual(a.end, b.start) }
                for child in children { XCTAssertEqual(child.side2, node.side2 / 4, accuracy: 1e-12 * node.side2) }
            }
        }
        XCTAssertEqual(covered, n)
        XCTAssertEqual(tree.groups.count, tree.nodes.filter { $0.firstChild < 0 }.count)
    }

    /// Coincident points (more than a leaf holds, so they reach the finest level) and a set smaller than
    /// one leaf: the repulsion still excludes exactly the point itself and matches the all-pairs sum.
    func testDegenerateLayoutsMatchExactSums() throws {
        var random = TestRandom(seed: 5)
        var clustered = (0..<300).flatMap { _ in [Double(random.uniform()) * 10, Double(random.uniform()) * 10] }
        for i in 0..<80 { clustered[2 * i] = 2.5; clustered[2 * i + 1] = 7.25 }
        let layouts: [(String, [Double], Double)] = [
            ("80 coincident points among 300", clustered, 0.5),
            ("all points coincident", [Double](repeating: 1.5, count: 2 * 90), 0.5),
            ("fewer points than a leaf", Array(clustered[160..<200]), 0.5),
        ]
        for (name, y, theta) in layouts {
            let n = y.count / 2
            var exactZ = [Double](repeating: 0, count: n), exactForce = [Double](repeating: 0, count: 2 * n)
            for i in 0..<n {
                for j in 0..<n where j != i {
                    let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1], w = 1 / (1 + dx * dx + dy * dy)
                    exactZ[i] += w; exactForce[2 * i] += w * w * dx; exactForce[2 * i + 1] += w * w * dy
                }
            }
            var rowZ = [Double](repeating: 0, count: n), force = [Double](repeating: 0, count: 2 * n)
            y.withUnsafeBufferPointer { yb in
                rowZ.withUnsafeMutableBufferPointer { zb in
                    force.withUnsafeMutableBufferPointer { fb in
                        TSNEQuadTree(yb, count: n).repulsion(theta: theta, rowZ: zb.baseAddress!, force: fb.baseAddress!)
                    }
                }
            }
            XCTAssertEqual(rowZ.reduce(0, +) / exactZ.reduce(0, +), 1, accuracy: 1e-2, name)
            for i in 0..<n { XCTAssertEqual(rowZ[i], exactZ[i], accuracy: 2e-2 * exactZ[i], "\(name), point \(i)") }
            if n <= TSNEQuadTree.leafCapacity || Set(y).count == 1 {
                for e in 0..<(2 * n) { XCTAssertEqual(force[e], exactForce[e], accuracy: 1e-12, name) }
                for i in 0..<n { XCTAssertEqual(rowZ[i], exactZ[i], accuracy: 1e-12 * exactZ[i], name) }
            }
        }
    }

    /// The Float32 attraction used during optimisation agrees with the Float64 one.
    func testCompactAttractionMatchesDoublePrecision() throws {
        var random = TestRandom(seed: 6)
        let points = try EmbeddingPoints(count: 400, dimension: 5, values: (0..<2000).map { _ in random.uniform() * 3 })
        let p = try TSNEAffinities.compute(points, perplexity: 15)
        let y = (0..<800).map { _ in Double(random.uniform()) * 20 }
        var precise = [Double](), compact = [Double]()
        TSNEGradient.evaluate(p, y: y, exaggeration: 12, repulsion: .exact, gradient: &precise)
        TSNEGradient.evaluate(p, y: y, exaggeration: 12, repulsion: .exact, withObjective: false,
                              workspace: TSNEInterpolation.Workspace(), compact: CompactAffinities(p), gradient: &compact)
        let scale = precise.map(abs).max() ?? 1
        for e in 0..<800 { XCTAssertEqual(compact[e], precise[e], accuracy: 1e-5 * scale, "entry \(e)") }
        XCTAssertNotEqual(compact, precise, "the Float32 path ran")
    }
}
