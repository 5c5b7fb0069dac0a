import XCTest
@testable import LoupeReport
import LoupeReportTestSupport
@testable import LoupeReportCairo

/// Awkward data must render without crashing: empty, non-finite, huge and degenerate inputs.
final class EdgeCaseTests: XCTestCase {
    private func awkwardDocument() throws -> Document {
        let image = try RasterImage(width: 1, height: 1, format: .rgba, pixels: [255, 0, 0, 128])
        let blocks: [Block] = [
            .paragraph([]),
            .text(""),
            .text("control\u{01}chars\u{07} and <span>unclosed & markup</b>"),
            .bullets([]),
            .bullets([[TextRun("")]]),
            .keyValue([]),
            .heading("", level: 7),
            .table(DataTable(columns: [TableColumn("n", format: .automatic, shaded: true)], rows: [],
                             shading: TableShading(colorMap: .magma))),
            .table(DataTable(columns: [TableColumn("n", weight: -1, shaded: true), TableColumn("", weight: .nan)],
                             rows: [[.number(.nan), .number(.infinity)], [.number(-1e300), .empty]],
                             shading: TableShading(colorMap: .viridis), maxLinesPerCell: 0)),
            .figure(Figure(cells: [Figure.Cell(image)], columns: 0,
                           colorBar: ColorBar(colorMap: .gray, range: 5...5))),
            .chart(Chart(.line(series: [], logY: true))),
            .chart(Chart(.line(series: [LineSeries("bad", points: [(0, .nan), (1, -3), (2, 0), (.infinity, 1)])], logY: true))),
            .chart(Chart(.line(series: [LineSeries("flat", points: [(1, 1)])], logY: false), height: .nan)),
            .chart(Chart(.bars(categories: [], series: [], values: []))),
            .chart(Chart(.bars(categories: ["a"], series: ["s", "t"], values: [[.nan], [1, 2, 3]]), height: -5)),
            .chart(Chart(.scatter(points: [], classNames: []))),
            .chart(Chart(.scatter(points: [ScatterPoint(x: .nan, y: 1, classIndex: 0), ScatterPoint(x: 1, y: 1, classIndex: -4),
                                           ScatterPoint(x: 2, y: 2, classIndex: 99)], classNames: ["only"]))),
            .chart(Chart(.histogram(values: [], bins: 0))),
            .chart(Chart(.histogram(values: [1e308, -1e308, 3, .nan], bins: 1_000_000))),
            .chart(Chart(.heatmap(values: [], rowLabels: [], columnLabels: [], colorMap: .viridis, range: nil, annotate: true))),
            .chart(Chart(.heatmap(values: [[.nan, 1], [2]], rowLabels: ["r"], columnLabels: [], colorMap: .diverging,
                                  range: 0...0, annotate: true))),
            .callout(Callout(.warning, title: "", body: [])),
            .callout(Callout(.note, title: "long", body: [TextRun(String(repeating: "long ", count: 4000))])),
            .pageBreak, .pageBreak,
        ]
        return Document(title: "", sections: [Section(title: "Edge cases", blocks: blocks), Section(title: "Empty")])
    }

    /// Laid out on the recording canvas: no NaN or infinite coordinate is drawn, no number prints as "nan" or
    /// "inf", charts with nothing finite to draw are replaced by a note, and NaN/∞ table cells get theirs.
    func testAwkwardDataLaysOutOnTheRecordingCanvas() throws {
        let canvas = RecordingCanvas()
        let laid = try DocumentRenderer(pageSize: .a4).render(try awkwardDocument(), on: canvas)
        XCTAssertEqual(canvas.pageCount, laid.pageCount)
        XCTAssertEqual(canvas.nonFiniteGeometry, [])
        let texts = canvas.allTexts.map(\.text)
        // String(format:) and `description` spell them in lower case; NumberFormat prints NaN and ∞.
        let words = texts.flatMap { $0.split { $0.isWhitespace || "()[],;:/".contains($0) } }
        XCTAssertEqual(words.filter { ["nan", "-nan", "inf", "-inf", "nan%"].contains($0) }, [], "a non-finite number printed as text")
        XCTAssertEqual(texts.filter { $0.hasSuffix("is left out: it has no values to draw.") }.count, 5, "empty charts: \(texts)")
        XCTAssertTrue(texts.contains("A chart is left out: all 4 of its values are NaN, infinite or not positive."), "\(texts)")
        XCTAssertTrue(texts.contains { $0.hasPrefix(DataTable.nonFiniteNote) }, "no note under the table with NaN and ∞")
    }

    /// The recording canvas notices a NaN coordinate (so the checks above can fail).
    func testRecordingCanvasNoticesNonFiniteGeometry() throws {
        let canvas = RecordingCanvas()
        try canvas.beginPage(size: Size(width: 100, height: 100))
        canvas.stroke(.segment(Point(0, 0), Point(.nan, 1)), color: .muted, lineWidth: 1, dash: [])
        canvas.drawText(StyledText("x", style: Theme().body), at: Point(1, .infinity), width: 10)
        XCTAssertEqual(canvas.nonFiniteGeometry.count, 2, "\(canvas.nonFiniteGeometry)")
    }

    func testAwkwardDataRendersToPDF() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-edge-\(getpid()).pdf").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let laid = try CairoPDFRenderer().render(try awkwardDocument(), to: path, pageSize: .letter)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        if Poppler.find("pdfinfo") != nil {
            XCTAssertTrue(try Poppler.run("pdfinfo", [path]).contains("Pages:           \(laid.pageCount)\n"))
        }
    }
}
