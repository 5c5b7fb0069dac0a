import XCTest
@testable import LoupeReport

/// One printed form per quantity, counted nouns, and colour bars that always name both ends.
final class QuantityAndColorBarTests: XCTestCase {
    func testEachQuantityPrintsOneWayInTablesAndProse() {
        XCTAssertEqual(Quantity.accuracy.format(0.98551), "98.6%")
        XCTAssertEqual(Quantity.accuracy.format(0.98551), Quantity.accuracy.numberFormat.format(0.98551), "prose = table")
        XCTAssertEqual(Quantity.confidence.format(0.5), "50.0%")
        XCTAssertEqual(Quantity.count.format(12345), "12,345")
        XCTAssertEqual(Quantity.similarity.format(0.876), "0.88")
        XCTAssertEqual(Quantity.area.format(0.2634), "0.263")
        XCTAssertEqual(Quantity.share.format(.nan), "–")
        for quantity in Quantity.allCases {
            XCTAssertEqual(quantity.format(0.25), quantity.numberFormat.format(0.25), "\(quantity)")
        }
    }

    func testCountsAgreeWithTheirNouns() {
        XCTAssertEqual(counted(1, "time"), "1 time")
        XCTAssertEqual(counted(3, "time"), "3 times")
        XCTAssertEqual(counted(1, "class", "classes"), "1 class")
        XCTAssertEqual(namedCount(["frog"], of: "these images", verb: ("is", "are")), "1 of these images (frog) is")
        XCTAssertEqual(namedCount(["cat", "dog"], of: "these images", verb: ("is", "are")), "2 of these images (cat, dog) are")
        XCTAssertEqual(namedCount(["a", "b", "c"], of: "them", verb: ("is", "are"), limit: 2), "3 of them (a, b and 1 more) are")
    }

    func testColorBarsAlwaysLabelBothEnds() {
        // A short bar over −0.37…0.37 gets the single nice tick 0; its ends must still be labelled.
        let short = ColorBarLabels.labels(-0.37...0.37, height: 60, lineHeight: 8)
        XCTAssertEqual(short.first?.value, -0.37)
        XCTAssertEqual(short.last?.value, 0.37)
        XCTAssertTrue(short.contains { $0.text == "0" })
        XCTAssertEqual(short.first?.text, "−0.370")
        // Ends on ticks are not doubled, and nothing overlaps an end label.
        let unit = ColorBarLabels.labels(0...1, height: 200, lineHeight: 8)
        XCTAssertEqual(unit.first?.text, "0")
        XCTAssertEqual(unit.last?.text, "1.00")
        XCTAssertEqual(Set(unit.map(\.value)).count, unit.count)
        XCTAssertEqual(ColorBarLabels.labels(0...13, height: 240, lineHeight: 8).last?.text, "13", "counts end on a whole number")
        let tiny = ColorBarLabels.labels(-0.0004...0.0004, height: 40, lineHeight: 8)
        XCTAssertGreaterThanOrEqual(tiny.count, 2)
        XCTAssertTrue(tiny.allSatisfy { $0.text != "0" || $0.value == 0 })
        for labels in [short, unit, tiny] {
            for (a, b) in zip(labels, labels.dropFirst()) { XCTAssertGreaterThan(b.value, a.value) }
        }
    }
}
