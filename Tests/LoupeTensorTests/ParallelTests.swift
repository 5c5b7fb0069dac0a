import Foundation
import LoupeTensor
import XCTest

/// `Parallel.forEachPiece`: every index exactly once, in contiguous pieces, whatever the split.
final class ParallelTests: XCTestCase {
    func testPiecesCoverEveryIndexOnce() {
        for (count, pieces) in [(0, 4), (1, 4), (7, 3), (100, 16), (2000, 15), (5, 9)] {
            let lock = NSLock()
            var visits = [Int](repeating: 0, count: count)
            var ranges: [Range<Int>] = []
            Parallel.forEachPiece(count, pieces: pieces) { range in
                lock.lock()
                ranges.append(range)
                for i in range { visits[i] += 1 }
                lock.unlock()
            }
            XCTAssertEqual(visits, [Int](repeating: 1, count: count), "\(count) in \(pieces)")
            XCTAssertLessThanOrEqual(ranges.count, max(1, min(pieces, count)), "\(count) in \(pieces)")
            XCTAssertFalse(ranges.contains { $0.isEmpty }, "no empty pieces for \(count) in \(pieces)")
        }
    }
}

/// `Parallel.serially` and `Parallel.mapParts`: nested loops run inline, parts come back in order.
final class ParallelSerialTests: XCTestCase {
    struct Failure: Error {}

    func testSeriallyRunsLoopsInlineAndRestoresTheFlag() {
        XCTAssertFalse(Parallel.isSerial)
        let caller = pthread_self()
        Parallel.serially {
            XCTAssertTrue(Parallel.isSerial)
            XCTAssertEqual(Parallel.workerCount, 1)
            var chunks = 0
            Parallel.forEachChunk(1000, grain: 1) { range in
                XCTAssertEqual(range, 0..<1000, "one chunk")
                XCTAssertTrue(pthread_equal(pthread_self(), caller) != 0, "on the calling thread")
                chunks += 1
            }
            XCTAssertEqual(chunks, 1)
            Parallel.serially { XCTAssertTrue(Parallel.isSerial) }
            XCTAssertTrue(Parallel.isSerial, "still set after a nested use")
        }
        XCTAssertFalse(Parallel.isSerial)
        XCTAssertEqual(Parallel.workerCount, Parallel.configuredWorkerCount)
    }

    func testParallelChunksRunSerially() throws {
        try XCTSkipIf(Parallel.configuredWorkerCount < 2, "one worker: chunks never run in parallel")
        let lock = NSLock()
        var flags = [Bool]()
        Parallel.forEachChunk(Parallel.workerCount, grain: 1) { _ in
            let serial = Parallel.isSerial
            lock.lock()
            flags.append(serial)
            lock.unlock()
        }
        XCTAssertEqual(flags, [Bool](repeating: true, count: Parallel.workerCount))
        XCTAssertFalse(Parallel.isSerial)
    }

    func testMapPartsReturnsPartsInOrder() throws {
        for (count, minimumPart) in [(10, 2), (3, 2), (1, 1), (0, 1), (64, 8)] {
            let parts = try Parallel.mapParts(count, minimumPart: minimumPart) { range -> Range<Int> in
                if Parallel.configuredWorkerCount > 1, count >= 2 * minimumPart { XCTAssertTrue(Parallel.isSerial) }
                return range
            }
            XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<count), "\(count) by \(minimumPart)")
            XCTAssertLessThanOrEqual(parts.count, max(1, Parallel.workerCount))
            if count < 2 * minimumPart { XCTAssertEqual(parts.count, 1, "too few items to split") }
        }
    }

    func testMapPartsRethrows() {
        XCTAssertThrowsError(try Parallel.mapParts(16, minimumPart: 2) { range -> Int in
            if range.contains(15) { throw Failure() }
            return range.count
        }) { XCTAssertTrue($0 is Failure) }
    }
}

/// `sgemm` cuts large products over the workers: each block must equal the plain product.
final class MatrixProductSplitTests: XCTestCase {
    func naive(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: [Float], b: [Float], c: [Float], beta: Float) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let left = transposeA ? a[p * m + i] : a[i * k + p]
                    let right = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(left) * Double(right)
                }
                out[i * n + j] = Float(sum) + beta * c[i * n + j]
            }
        }
        return out
    }

    func testSplitProductsMatchTheDirectSum() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        // Wide (split by columns) and tall (split by rows), all four transposes, with and without beta.
        for (m, n, k) in [(40, 260, 210), (300, 36, 200)] {
            XCTAssertGreaterThanOrEqual(m * n * k, BLASThreading.splitWork, "large enough to be split")
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                for beta: Float in [0, 1] {
                    let a = (0..<(m * k)).map { _ in next() }, b = (0..<(k * n)).map { _ in next() }
                    let c = (0..<(m * n)).map { _ in next() }
                    var out = c
                    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: transposeA ? m : k,
                          b: b, ldb: transposeB ? k : n, beta: beta, c: &out, ldc: n)
                    let expected = naive(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, b: b, c: c, beta: beta)
                    let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-3, "\(m)x\(n)x\(k) tA \(transposeA) tB \(transposeB) beta \(beta)")
                }
            }
        }
    }
}
