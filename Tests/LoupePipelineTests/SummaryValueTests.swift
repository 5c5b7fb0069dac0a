import LoupePipeline
import XCTest

/// The JSON trees behind summary.json and run.json.
final class SummaryValueTests: XCTestCase {
    /// Timings are split off with their paths; matrices and other timing-free parts leave nothing behind.
    func testTimingsOnlyKeepsPathsAndDropsTimingFreeParts() {
        let tree = SummaryValue.object([
            ("confusion", .list([.list([.integer(1), .integer(0)]), .list([.integer(2), .integer(3)])])),
            ("gallery", .list([.object([("method", .text("saliency")), ("seconds", .number(0.5))]),
                               .object([("method", .text("ig")), ("seconds", .number(1.5))])])),
            ("accuracy", .number(0.9)),
            ("seconds", .number(2)),
        ])
        XCTAssertEqual(tree.timingsOnly.compactJSON,
                       #"{"gallery":[{"seconds":0.5},{"seconds":1.5}],"seconds":2}"#)
        XCTAssertEqual(tree.withoutTimings.compactJSON,
                       #"{"confusion":[[1,0],[2,3]],"gallery":[{"method":"saliency"},{"method":"ig"}],"accuracy":0.9}"#)
    }

    struct Inner { var meanValues: [Double]?; var order: String }
    struct Outer { var jobName: String; var batchSize: Int; var inner: Inner; var flag: Bool; var missing: Int?; var map: [String: Int] }

    /// A config struct becomes a JSON object with snake_case keys, nil as null, dictionaries sorted.
    func testReflectionGivesStructuredJSON() {
        let value = Outer(jobName: "mnist", batchSize: 32, inner: Inner(meanValues: [0.5], order: "rgb"), flag: true,
                          missing: nil, map: ["b": 2, "a": 1])
        XCTAssertEqual(SummaryValue(reflecting: value).compactJSON,
                       #"{"job_name":"mnist","batch_size":32,"inner":{"mean_values":[0.5],"order":"rgb"},"flag":true,"missing":null,"map":{"a":1,"b":2}}"#)
    }
}

private extension SummaryValue {
    /// Compact JSON without the spaces after separators (none of these test strings holds a space).
    var compactJSON: String { json(pretty: false).replacingOccurrences(of: " ", with: "") }
}
