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
