import XCTest
@testable import LoupeReport
@testable import LoupeReportCairo
import LoupeReportTestSupport

/// Class colours that everyone can tell apart, charts that do not rely on colour alone, and axis names that wrap.
final class ColorPaletteTests: XCTestCase {
    /// The 34 test pairs of Sharma, Wu and Dalal (2005), Table 1: two Lab colours and ΔE00.
    static let sharmaPairs: [(LabColor, LabColor, Double)] = [
        (LabColor(50, 2.6772, -79.7751), LabColor(50, 0, -82.7485), 2.0425),
        (LabColor(50, 3.1571, -77.2803), LabColor(50, 0, -82.7485), 2.8615),
        (LabColor(50, 2.8361, -74.0200), LabColor(50, 0, -82.7485), 3.4412),
        (LabColor(50, -1.3802, -84.2814), LabColor(50, 0, -82.7485), 1.0000),
        (LabColor(50, -1.1848, -84.8006), LabColor(50, 0, -82.7485), 1.0000),
        (LabColor(50, -0.9009, -85.5211), LabColor(50, 0, -82.7485), 1.0000),
        (LabColor(50, 0, 0), LabColor(50, -1, 2), 2.3669),
        (LabColor(50, -1, 2), LabColor(50, 0, 0), 2.3669),
        (LabColor(50, 2.4900, -0.0010), LabColor(50, -2.4900, 0.0009), 7.1792),
        (LabColor(50, 2.4900, -0.0010), LabColor(50, -2.4900, 0.0010), 7.1792),
        (LabColor(50, 2.4900, -0.0010), LabColor(50, -2.4900, 0.0011), 7.2195),
        (LabColor(50, 2.4900, -0.0010), LabColor(50, -2.4900, 0.0012), 7.2195),
        (LabColor(50, -0.0010, 2.4900), LabColor(50, 0.0009, -2.4900), 4.8045),
        (LabColor(50, -0.0010, 2.4900), LabColor(50, 0.0010, -2.4900), 4.8045),
        (LabColor(50, -0.0010, 2.4900), LabColor(50, 0.0011, -2.4900), 4.7461),
        (LabColor(50, 2.5, 0), LabColor(50, 0, -2.5), 4.3065),
        (LabColor(50, 2.5, 0), LabColor(73, 25, -18), 27.1492),
        (LabColor(50, 2.5, 0), LabColor(61, -5, 29), 22.8977),
        (LabColor(50, 2.5, 0), LabColor(56, -27, -3), 31.9030),
        (LabColor(50, 2.5, 0), LabColor(58, 24, 15), 19.4535),
        (LabColor(50, 2.5, 0), LabColor(50, 3.1736, 0.5854), 1.0000),
        (LabColor(50, 2.5, 0), LabColor(50, 3.2972, 0), 1.0000),
        (LabColor(50, 2.5, 0), LabColor(50, 1.8634, 0.5757), 1.0000),
        (LabColor(50, 2.5, 0), LabColor(50, 3.2592, 0.3350), 1.0000),
        (LabColor(60.2574, -34.0099, 36.2677), LabColor(60.4626, -34.1751, 39.4387), 1.2644),
        (LabColor(63.0109, -31.0961, -5.8663), LabColor(62.8187, -29.7946, -4.0864), 1.2630),
        (LabColor(61.2901, 3.7196, -5.3901), LabColor(61.4292, 2.2480, -4.9620), 1.8731),
        (LabColor(35.0831, -44.1164, 3.7933), LabColor(35.0232, -40.0716, 1.5901), 1.8645),
        (LabColor(22.7233, 20.0904, -46.6940), LabColor(23.0331, 14.9730, -42.5619), 2.0373),
        (LabColor(36.4612, 47.8580, 18.3852), LabColor(36.2715, 50.5065, 21.2231), 1.4146),
        (LabColor(90.8027, -2.0831, 1.4410), LabColor(91.1528, -1.6435, 0.0447), 1.4441),
        (LabColor(90.9257, -0.5406, -0.9208), LabColor(88.6381, -0.8985, -0.7239), 1.5381),
        (LabColor(6.7747, -0.2908, -2.4247), LabColor(5.8714, -0.0985, -2.2286), 0.6377),
        (LabColor(2.0776, 0.0795, -1.1350), LabColor(0.9033, -0.0636, -0.5514), 0.9082),
    ]

    func testCIEDE2000MatchesSharmaEtAl() {
        XCTAssertEqual(Self.sharmaPairs.count, 34)
        for (i, (p, q, expected)) in Self.sharmaPairs.enumerated() {
            XCTAssertEqual(ColorDifference.ciede2000(p, q), expected, accuracy: 5e-5, "pair \(i + 1)")
            XCTAssertEqual(ColorDifference.ciede2000(q, p), expected, accuracy: 5e-5, "pair \(i + 1) reversed")
        }
    }

    func testSRGBToLab() {
        let white = ColorDifference.lab(.white)
        XCTAssertEqual(white.lightness, 100, accuracy: 1e-3)
        XCTAssertEqual(white.a, 0, accuracy: 1e-3)
        XCTAssertEqual(white.b, 0, accuracy: 1e-3)
        // sRGB red: L* 53.24, a* 80.09, b* 67.20 (D65).
        let red = ColorDifference.lab(Color(hex: 0xFF0000))
        XCTAssertEqual(red.lightness, 53.24, accuracy: 0.02)
        XCTAssertEqual(red.a, 80.09, accuracy: 0.05)
        XCTAssertEqual(red.b, 67.20, accuracy: 0.05)
        // A grey stays grey for every simulated deficiency (the matrices keep white and greys).
        for d in VisionDeficiency.allCases {
            XCTAssertLessThan(ColorDifference.ciede2000(Color(hex: 0x808080), Color(hex: 0x808080).mixed(with: .white, 0), seenWith: d), 0.5)
        }
    }

    /// Bound: any two of the ten class colours differ by at least 11 ΔE00 — for normal vision and as
    /// protanopes, deuteranopes and tritanopes see them (Machado et al. 2009, severity 1). About 2 ΔE00 is
    /// just noticeable side by side; 11 keeps small scatter dots apart.
    func testTenClassColoursStayApartForEveryone() {
        let colors = CategoricalPalette.colors
        XCTAssertEqual(colors.count, 10)
        for deficiency in [nil] + VisionDeficiency.allCases.map(Optional.some) {
            var closest = (Double.infinity, 0, 0)
            for i in colors.indices { for j in colors.indices where j > i {
                let d = ColorDifference.ciede2000(colors[i], colors[j], seenWith: deficiency)
                if d < closest.0 { closest = (d, i, j) }
            } }
            XCTAssertGreaterThanOrEqual(closest.0, CategoricalPalette.minimumDifference,
                                        "\(deficiency.map { "\($0)" } ?? "normal vision"): classes \(closest.1) and \(closest.2) differ by \(closest.0)")
        }
        // Tol's grey, the palette's former tenth colour, fails the bound for protanopes.
        XCTAssertLessThan(ColorDifference.ciede2000(Color(hex: 0xCC6677), Color(hex: 0x777777), seenWith: .protanopia), 2)
    }

    func testScatterInterleavesClassesAndLineChartsWithManySeriesGetMarkers() throws {
        let points = (0..<3000).map { ScatterPoint(x: Double($0 % 97), y: Double($0 % 89), classIndex: $0 / 300) }
        let canvas = RecordingCanvas()
        ChartRenderer(canvas: canvas, theme: Theme()).draw(Chart(.scatter(points: points, classNames: (0..<10).map { "c\($0)" })),
                                                            in: Rect(x: 0, y: 0, width: 400, height: 300))
        let marks = canvas.operations.filter { if case .dots = $0 { return true }; if case .fill = $0 { return true }; return false }
        // Drawn class by class there would be one operation per class (plus ten legend swatches).
        XCTAssertGreaterThan(marks.count, 5 * 10 + 10)
        let dotted = canvas.operations.compactMap { op -> Int? in if case .dots(let n) = op { return n }; return nil }.reduce(0, +)
        XCTAssertEqual(dotted, 600, "only the two circle classes are dots; the others are marker shapes")
        let series = (0..<6).map { s in LineSeries("m\(s)", points: (0..<20).map { (Double($0), Double($0 * s)) }) }
        let lines = RecordingCanvas()
        ChartRenderer(canvas: lines, theme: Theme()).draw(Chart(.line(series: series, logY: false)), in: Rect(x: 0, y: 0, width: 400, height: 300))
        let filled = lines.operations.filter { if case .fill = $0 { return true }; return false }.count
        XCTAssertGreaterThanOrEqual(filled, 12, "six lines and six legend entries carry markers")
    }

    func testAxisNamesWrapAtWordsAndSeparatorsBeforeBeingCut() throws {
        let canvas = try CairoCanvas(output: DiscardedOutput(), size: PageSize.a4.size)
        let renderer = ChartRenderer(canvas: canvas, theme: Theme())
        let style = Theme().chartLabel
        let short = renderer.axisName("ring", style: style, width: 60)
        XCTAssertEqual(short.plainText, "ring")
        XCTAssertEqual(renderer.axisNameLines(["ring", "cross"], style: style, width: 60), 1)
        // "horizontal stripes" needs two lines in a 45 pt band and is printed whole on them.
        XCTAssertEqual(renderer.axisNameLines(["ring", "horizontal stripes"], style: style, width: 45), 2)
        let stripes = renderer.axisName("horizontal stripes", style: style, width: 45)
        let metrics = canvas.measure(stripes, width: 45, maxLines: 0)
        XCTAssertEqual(metrics.lineHeights.count, 2)
        XCTAssertEqual(metrics.lineStarts.last, "horizontal ".utf8.count)
        // A layer name breaks after an underscore, not inside a word.
        let layer = renderer.axisName("block3_relu_out", style: style, width: 40)
        let layerLines = canvas.measure(layer, width: 40, maxLines: 0)
        XCTAssertEqual(layerLines.lineHeights.count, 2)
        let start = try XCTUnwrap(layerLines.lineStarts.last)
        let before = String(decoding: Array(layer.plainText.utf8)[..<start], as: UTF8.self)
        XCTAssertTrue(before.hasSuffix("_\u{200B}"), "broke inside a word: \(before)|")
        // A word wider than its band is set smaller instead of being hyphenated.
        let board = renderer.axisName("checkerboard", style: style, width: 38)
        XCTAssertLessThan(board.style.size, style.size)
        XCTAssertEqual(canvas.measure(board, width: 38, maxLines: 0).lineHeights.count, 1)
        try canvas.finish()
    }
}
