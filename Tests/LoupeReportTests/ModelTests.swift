import XCTest
@testable import LoupeReport
import LoupeReportTestSupport

/// Ticks, colour maps, images, number formats.
final class ModelTests: XCTestCase {
    func testNiceLinearTicks() {
        XCTAssertEqual(NiceTicks.linear(0...1, maxCount: 5).values, [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        let t = NiceTicks.linear(-3.7...12.2, maxCount: 5)
        XCTAssertEqual(t.values, [0, 5, 10])
        XCTAssertEqual(NiceTicks.niceStep(16, count: 5), 5)
        XCTAssertEqual(NiceTicks.niceDomain(0.13...0.87, maxCount: 5), 0.0...1.0)
        let labels = NiceTicks.linear(0...0.5, maxCount: 2)
        XCTAssertEqual(labels.values.map(labels.label), ["0", "0.25", "0.50"])
        XCTAssertEqual(NiceTicks.linear(-2...2, maxCount: 4).label(-2), "−2")
    }

    /// A line chart's `yCovers` widens the y axis to cover it (tick labels 0 ... 1 for data in 0.6 ... 0.9).
    func testLineChartYRangeWidensTheAxis() {
        func labels(_ covers: [Double]) -> [String] {
            let canvas = RecordingCanvas()
            try? canvas.beginPage(size: Size(width: 400, height: 300))
            let chart = Chart(.line(series: [LineSeries("a", points: [(0, 0.6), (5, 0.9)])], logY: false), height: 200, yCovers: covers)
            ChartRenderer(canvas: canvas, theme: Theme()).draw(chart, in: Rect(x: 0, y: 0, width: 400, height: 200))
            try? canvas.endPage()
            return canvas.texts(onPage: 1)
        }
        XCTAssertFalse(labels([]).contains("0.2"), "\(labels([]))")
        XCTAssertTrue(labels([0, 1]).contains("0.2"), "\(labels([0, 1]))")
        XCTAssertTrue(labels([0, 1]).contains("1.0"))
    }

    /// Whole-number axes (run numbers, steps) get whole-number ticks, never 1.2 or 2.5.
    func testIntegerTicks() {
        let runs = NiceTicks.linear(1...2, maxCount: 5, integers: true)
        XCTAssertEqual(runs.values, [1, 2])
        XCTAssertEqual(runs.values.map(runs.label), ["1", "2"])
        XCTAssertEqual(NiceTicks.linear(0...10, maxCount: 4, integers: true).values, [0, 3, 6, 9])
        XCTAssertEqual(NiceTicks.linear(0...30, maxCount: 5, integers: true).values, [0, 10, 20, 30])
        XCTAssertEqual(NiceTicks.linear(1...2, maxCount: 5).values.count, 6, "without the flag, fractions stay")
    }

    func testLogDecades() {
        let t = NiceTicks.decades(0.003...20)
        XCTAssertEqual(t.values, [-3, -2, -1, 0, 1, 2])
        XCTAssertEqual(t.values.map(t.label), ["10⁻³", "10⁻²", "10⁻¹", "1", "10", "10²"])
    }

    func testColorMapsEndpointsAndDivergingMiddle() {
        XCTAssertEqual(ColorMap.viridis.color(at: 0).hexString, "#440154")
        XCTAssertEqual(ColorMap.viridis.color(at: 1).hexString, "#fde725")
        XCTAssertEqual(ColorMap.magma.color(at: 0).hexString, "#000004")
        XCTAssertEqual(ColorMap.gray.color(at: 0.5).hexString, "#808080")
        XCTAssertEqual(ColorMap.diverging.color(for: 0, in: -3...3).hexString, "#f7f7f7")
        XCTAssertEqual(ColorMap.viridis.color(at: .nan), ColorMap.viridis.color(at: 0))
        XCTAssertEqual(Set(CategoricalPalette.colors).count, 10)
    }

    func testHeatmapImageAndOverlay() throws {
        let heat = try RasterImage.heatmap([0, 1, .nan, 0.5], width: 2, height: 2, colorMap: .gray, range: 0...1)
        XCTAssertEqual(heat.pixels, [0, 0, 0, 255, 255, 255, 128, 128, 128, 128, 128, 128])
        let base = try RasterImage(width: 2, height: 2, format: .gray, pixels: [100, 100, 100, 100])
        let mixed = try RasterImage.overlay(heat, on: base, alpha: 0.5)
        XCTAssertEqual(Array(mixed.pixels.prefix(6)), [50, 50, 50, 178, 178, 178])
        let weighted = try RasterImage.overlay(heat, on: base, alpha: 1, weights: [0, 1, 0, 0])
        XCTAssertEqual(Array(weighted.pixels.prefix(6)), [100, 100, 100, 255, 255, 255])
        XCTAssertThrowsError(try RasterImage.heatmap([1], width: 2, height: 2, colorMap: .gray))
        XCTAssertThrowsError(try RasterImage(width: 2, height: 2, format: .rgb, pixels: [1, 2, 3]))
    }

    func testIntegerUpscaleKeepsPixelsAsBlocks() throws {
        let image = try RasterImage(width: 3, height: 1, format: .gray, pixels: [1, 2, 3])
        let big = image.upscaled(by: 2)
        XCTAssertEqual(big.width, 6)
        XCTAssertEqual(big.pixels, [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
    }

    func testNumberFormats() {
        XCTAssertEqual(NumberFormat.decimal(places: 2).format(12345.678), "12,345.68")
        XCTAssertEqual(NumberFormat.decimal(places: 1).format(-0.04), "0.0")
        XCTAssertEqual(NumberFormat.decimal(places: 1).format(-1234.5), "−1,234.5")
        XCTAssertEqual(NumberFormat.integer.format(1_000_000), "1,000,000")
        XCTAssertEqual(NumberFormat.percent(places: 1).format(0.8734), "87.3%")
        XCTAssertEqual(NumberFormat.scientific(places: 2).format(0.000123), "1.23e-04")
        XCTAssertEqual(NumberFormat.automatic.format(.nan), "NaN")
        XCTAssertEqual(NumberFormat.automatic.format(-.infinity), "−∞")
        XCTAssertEqual(NumberFormat.automatic.format(42), "42")
    }

    func testSourceDateEpochSetsTheCreationDate() {
        XCTAssertEqual(Document.creationDate(environment: ["SOURCE_DATE_EPOCH": "1714564800"]).timeIntervalSince1970, 1_714_564_800)
    }

    func testPageSizeNames() throws {
        XCTAssertEqual(try PageSize.named("A4"), .a4)
        XCTAssertEqual(try PageSize.named("letter"), .letter)
        XCTAssertThrowsError(try PageSize.named("a5"))
    }
}

/// Cutting styled text by UTF-8 offsets, as paragraph splitting does.
final class SliceTests: XCTestCase {
    func testSliceKeepsStylesAcrossRuns() {
        let text = StyledText([TextRun("ab"), TextRun("Δc", bold: true), TextRun("de", link: .uri("u"))], style: TextStyle())
        let piece = text.slice(1..<6)
        XCTAssertEqual(piece.runs.map(\.text), ["b", "Δc", "d"])
        XCTAssertEqual(piece.runs.map(\.bold), [false, true, false])
        XCTAssertEqual(piece.runs.last?.link, .uri("u"))
        XCTAssertEqual(text.slice(0..<text.plainText.utf8.count).plainText, "abΔcde")
        XCTAssertTrue(text.slice(4..<4).runs.isEmpty)
    }
}
