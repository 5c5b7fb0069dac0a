import Foundation
@testable import LoupeAnalysis
@testable import LoupePipeline
import LoupeTestSupport
import XCTest

/// Shard payloads: exact round trips and block-order folding however the blocks were split.
final class ShardPayloadTests: XCTestCase {
    func statistics(sum: Double) throws -> ChannelStatistics {
        try ChannelStatistics(kind: .rectified, accumulators: .init(images: 1, positions: 4, sums: [sum], zeros: [1], positives: [3],
                                                                     nearBound: [0], maxima: [Float(sum.magnitude.squareRoot())]))
    }

    /// Sums that round differently when grouped: the shards' pending blocks must be folded one by one after the prefix.
    func testStatisticsFoldInBlockOrderWhateverTheSplit() throws {
        let blocks = try [1e17, 1, -1e17, 1, 3, -0.5].map { try statistics(sum: $0) }
        func payload(_ range: Range<Int>) -> ActivationsGathered {
            guard range.lowerBound == 0, !range.isEmpty else { return ActivationsGathered(folded: nil, pending: blocks[range].map { [$0] }, top: [[]]) }
            var total = [ChannelStatistics(channels: 1, kind: .rectified)]
            for block in blocks[range] { try? total[0].absorb(block) }
            return ActivationsGathered(folded: total, pending: [], top: [[]])
        }
        let whole = try XCTUnwrap(payload(0..<6).folded?.first)
        XCTAssertEqual(whole.accumulators.sums, [3.5], "1e17 + 1 rounds to 1e17, so in order: 0 + 1 + 3 - 0.5")
        for cuts in [[2], [1, 3], [2, 4, 5], [0, 3], [1, 2, 3, 4, 5]] {
            let bounds = [0] + cuts + [6]
            var merged = payload(bounds[0]..<bounds[1])
            for i in 1..<(bounds.count - 1) { try merged.append(payload(bounds[i]..<bounds[i + 1])) }
            var writer = ShardWriter()
            merged.encode(into: &writer)
            var reader = ShardReader(writer.data, file: "test")
            let decoded = try ActivationsGathered.decode(from: &reader)
            XCTAssertEqual(try XCTUnwrap(decoded.folded?.first).accumulators, whole.accumulators, "cuts \(cuts)")
        }
    }

    /// Floats and doubles survive by bit pattern (NaN payloads, −0, subnormals); short input is refused.
    func testCodingRoundTripsBitsAndRefusesTruncation() throws {
        let floats: [Float] = [0, -0, .nan, .infinity, -.leastNonzeroMagnitude, 1.5e-42, .greatestFiniteMagnitude]
        let doubles: [Double] = [-0, .nan, .leastNonzeroMagnitude, 1e308, -3.25]
        var writer = ShardWriter()
        writer.floats(floats)
        writer.doubles(doubles)
        writer.texts(["a", "ünïcode", ""])
        writer.ints([Int.min, -1, 0, Int.max])
        var reader = ShardReader(writer.data, file: "test")
        XCTAssertEqual(try reader.floats("f").map(\.bitPattern), floats.map(\.bitPattern))
        XCTAssertEqual(try reader.doubles("d").map(\.bitPattern), doubles.map(\.bitPattern))
        XCTAssertEqual(try reader.texts("t"), ["a", "ünïcode", ""])
        XCTAssertEqual(try reader.ints("i"), [Int.min, -1, 0, Int.max])
        XCTAssertTrue(reader.atEnd)
        var short = ShardReader(writer.data.prefix(30), file: "test")
        XCTAssertThrowsError(try short.floats("f"))
        var huge = ShardWriter()
        huge.int(1 << 40)
        var impossible = ShardReader(huge.data, file: "test")
        XCTAssertThrowsError(try impossible.doubles("d")) { XCTAssertTrue("\($0)".contains("impossible"), "\($0)") }
    }
}
