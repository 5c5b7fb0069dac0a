import Foundation
import XCTest
@testable import LoupeReport
import LoupeReportTestSupport
import LoupeReportCairo

/// No wasted pages: blocks that miss a page by a little are squeezed, prose flows, listings keep their lines
/// together, the contents fit one page when they can, and the sample report leaves no page mostly blank.
final class PageFillTests: XCTestCase {
    let page = PageSize.a4

    /// A page that is not the end of a section may be at most this blank. The largest blocks that cannot
    /// break (a squeezed chart or mosaic with its caption, a callout, a short key–value table) take well
    /// under 45 % of the body, so pushing one to the next page leaves less than 55 % blank; a page emptier
    /// than that means something held back prose or rows that could have filled it.
    static let maximumBlankShare = 0.55

    private func layout(_ sections: [Section]) throws -> (LaidOutDocument, RecordingCanvas) {
        let canvas = RecordingCanvas()
        let laid = try DocumentRenderer(pageSize: page).render(Document(title: "T", sections: sections), on: canvas)
        return (laid, canvas)
    }

    private func words(_ n: Int) -> Block { .text((0..<n).map { "w\($0)" }.joined(separator: " ")) }

    private func chartHeight(_ laid: LaidOutDocument) throws -> Double {
        try XCTUnwrap(laid.bodyPages.flatMap { $0 }.first { $0.fragment.label.hasPrefix("chart") }).rect.height
    }

    func testChartMissingThePageByALittleIsSqueezedNotMoved() throws {
        let prose = (0..<2).map { _ in words(250) }
        let (proseOnly, _) = try layout([Section(title: "A", blocks: prose)])
        let free = page.body.maxY - (proseOnly.bodyPages[0].map(\.rect.maxY).max() ?? 0) - Theme().blockSpacing
        let values = (0..<100).map(Double.init)
        let (probe, _) = try layout([Section(title: "A", blocks: [.chart(Chart(.histogram(values: values, bins: 10), title: "h", height: 200))])])
        let titleHeight = try chartHeight(probe) - 200
        // A chart 30 pt taller than the space left: it gives up 30 pt of its plot and stays on the page.
        let plot = free + 30 - titleHeight
        XCTAssertGreaterThan(plot * (1 - FlowBuilder.chartSqueeze), 30, "the test needs a miss the chart can absorb")
        let (laid, _) = try layout([Section(title: "A", blocks: prose + [.chart(Chart(.histogram(values: values, bins: 10), title: "h", height: plot))])])
        XCTAssertTrue(laid.bodyPages[0].contains { $0.fragment.label.hasPrefix("chart") }, "the chart moved although squeezing fits it")
        XCTAssertEqual(try chartHeight(laid), free, accuracy: 0.1)
        XCTAssertLessThanOrEqual(try XCTUnwrap(laid.bodyPages[0].last).rect.maxY, page.body.maxY + 0.01)
        // A chart that would lose more than a quarter of its plot moves to the next page at full height.
        let tallPlot = (free - titleHeight) / (FlowBuilder.chartSqueeze - 0.05)
        let (moved, _) = try layout([Section(title: "B", blocks: prose + [.chart(Chart(.histogram(values: values, bins: 10), title: "t", height: tallPlot))])])
        XCTAssertFalse(moved.bodyPages[0].contains { $0.fragment.label.hasPrefix("chart") })
        XCTAssertEqual(try chartHeight(moved), tallPlot + titleHeight, accuracy: 1e-6)
    }

    func testCodeLinesWrapUnderTheirIndentation() {
        let line = "      \"sections\": {\"summary\": true, \"weights\": true, \"activations\": true, \"gradients\": true}"
        let pieces = CodeLayout.wrap(line, columns: 40)
        XCTAssertGreaterThan(pieces.count, 1)
        XCTAssertTrue(pieces.allSatisfy { $0.count <= 40 }, "\(pieces)")
        for piece in pieces.dropFirst() { XCTAssertTrue(piece.hasPrefix(String(repeating: " ", count: 10)), piece) }
        // Nothing is lost or repeated: the pieces joined without the added indentation give the line back.
        let joined = pieces.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.drop { $0 == " " }) }
        XCTAssertEqual(joined.joined().filter { $0 != " " }, line.filter { $0 != " " })
        XCTAssertEqual(CodeLayout.wrap("short", columns: 40), ["short"])
    }

    func testListingsKeepAtLeastSixLinesOnEveryPageAndShortOnesWhole() throws {
        let long = (0..<150).map { "line \($0)" }.joined(separator: "\n") + "\n\n"
        let (laid, _) = try layout([Section(title: "A", blocks: [words(300), .code(long)])])
        let counts = laid.bodyPages.map { $0.filter { $0.fragment.label.hasPrefix("code line") }.count }.filter { $0 > 0 }
        XCTAssertGreaterThan(counts.count, 1)
        XCTAssertTrue(counts.allSatisfy { $0 >= CodeLayout.minimumLinesPerPage }, "\(counts)")
        XCTAssertEqual(counts.reduce(0, +), 150, "trailing blank lines are dropped, nothing else")
        // A short listing after an introducing paragraph ending in a colon never splits and keeps its introduction.
        let filler = (0..<9).map { _ in words(160) }
        let short = (0..<20).map { "  \"key\($0)\": \($0)," }.joined(separator: "\n")
        let (kept, _) = try layout([Section(title: "B", blocks: filler + [.text("The file:"), .code(short)])])
        let pages = kept.bodyPages.enumerated().filter { $0.element.contains { $0.fragment.label.hasPrefix("code line") } }
        XCTAssertEqual(pages.count, 1)
        XCTAssertTrue(try XCTUnwrap(pages.first).element.contains { $0.fragment.label == "paragraph" })
    }

    func testContentsOfFiftyEntriesFitOnePage() throws {
        let sections = (0..<10).map { i in
            Section(title: "Section \(i)", blocks: (0..<4).flatMap { [Block.heading("Part \(i).\($0)", level: 2), .text("x")] })
        }
        let (laid, canvas) = try layout(sections)
        XCTAssertEqual(laid.headings.count, 50)
        XCTAssertEqual(laid.tocPageCount, 1, "17 pt rows would need two pages; tighter rows fit one")
        let texts = canvas.texts(onPage: 2)
        XCTAssertTrue(texts.contains("Part 9.3"))
        // Every row stays inside the body.
        var current = 0
        for op in canvas.operations {
            if case .beginPage = op { current += 1 }
            if current == 2, case let .text(text, origin, _) = op, !text.hasPrefix("Page ") {
                XCTAssertLessThanOrEqual(origin.y, page.body.maxY, "contents row below the body")
            }
        }
    }

    /// The sample report, laid out with the real fonts: no page except section ends is mostly blank.
    func testSampleReportLeavesNoPageMostlyBlank() throws {
        let document = try PDFRenderTests.sampleDocument()
        let laid = try CairoPDFRenderer().layout(document)
        let fills = laid.pageFills
        XCTAssertFalse(fills.isEmpty)
        let worst = fills.sorted { $0.blankShare > $1.blankShare }.prefix(5)
            .map { "page \($0.page): \(Int(($0.blankShare * 100).rounded()))% blank\($0.endsSection ? " (section end)" : ""), ends with \($0.lastFragment)" }
        print("Sample report, \(laid.pageCount) pages; emptiest pages:\n  " + worst.joined(separator: "\n  "))
        let wasted = fills.filter { !$0.endsSection && $0.blankShare > Self.maximumBlankShare }
        XCTAssertTrue(wasted.isEmpty, "pages over \(Int(Self.maximumBlankShare * 100))% blank: \(wasted)")
    }

    /// A document shaped like a job's report: prose and a call-out before image grids, charts, tables and mosaics.
    static func reportShapedDocument() throws -> Document {
        let thumb = try RasterImage(width: 32, height: 32, format: .gray, pixels: (0..<1024).map { UInt8($0 % 251) })
        let mosaic = try RasterImage(width: 300, height: 200, format: .gray, pixels: [UInt8](repeating: 90, count: 60_000))
        let prose = { (n: Int) in Block.text((0..<n).map { "word\($0 % 17)" }.joined(separator: " ")) }
        var sections: [Section] = []
        for s in 0..<4 {
            var blocks: [Block] = []
            for part in 0..<3 {
                let rows = 5 + (s + part) % 4
                blocks += [.heading("Part \(part)", level: 2), prose(60 + 25 * part),
                           .callout(Callout(.caveat, title: "Read with care", body: [TextRun(String(repeating: "careful ", count: 30))])),
                           .figure(Figure(cells: Array(repeating: Figure.Cell(thumb, caption: "ch 1"), count: 9 * rows), columns: 9,
                                          caption: "Rows of top images.", maxCellWidth: 50)),
                           prose(90),
                           .chart(Chart(.histogram(values: (0..<50).map(Double.init), bins: 10), title: "Chart", height: 240 + 20 * Double(part))),
                           .table(DataTable(columns: [TableColumn("Name"), TableColumn("Value", alignment: .right)],
                                            rows: (0..<(6 + part * 3)).map { [.text("row \($0)"), .number(Double($0))] }, caption: "Numbers.")),
                           .figure(Figure(cells: [Figure.Cell(mosaic)], columns: 1, caption: "A mosaic.", maxCellWidth: 420))]
            }
            sections.append(Section(title: "Section \(s)", blocks: blocks))
        }
        return Document(title: "Shaped", sections: sections)
    }

    /// The report-shaped document, laid out with the real fonts, wastes no page either.
    func testReportShapedDocumentLeavesNoPageMostlyBlank() throws {
        let laid = try CairoPDFRenderer().layout(try Self.reportShapedDocument())
        let fills = laid.pageFills
        let worst = fills.sorted { $0.blankShare > $1.blankShare }.prefix(5)
            .map { "page \($0.page): \(Int(($0.blankShare * 100).rounded()))% blank\($0.endsSection ? " (section end)" : ""), ends with \($0.lastFragment)" }
        print("Report-shaped document, \(laid.pageCount) pages; emptiest pages:\n  " + worst.joined(separator: "\n  "))
        let wasted = fills.filter { !$0.endsSection && $0.blankShare > Self.maximumBlankShare }
        XCTAssertTrue(wasted.isEmpty, "pages over \(Int(Self.maximumBlankShare * 100))% blank: \(wasted.map { "\($0.page): \($0.lastFragment)" })")
    }

    func testPageFillSeesSectionEndsAndWastedPages() throws {
        let (laid, _) = try layout([Section(title: "A", blocks: [words(20), .pageBreak, words(20)]), Section(title: "B", blocks: [words(20)])])
        XCTAssertEqual(laid.pageFills.map(\.endsSection), [true, true, true])
        XCTAssertTrue(laid.pageFills.allSatisfy { $0.blankShare > 0.8 })
        // An unbreakable block that does not fit leaves its page blank and is counted as waste.
        let image = try RasterImage(width: 10, height: 10, format: .gray, pixels: [UInt8](repeating: 0, count: 100))
        let big = Figure(cells: [Figure.Cell(image)], columns: 1, maxCellWidth: 600)
        let (waste, _) = try layout([Section(title: "C", blocks: [words(1200), .figure(big)])])
        let first = try XCTUnwrap(waste.pageFills.first)
        XCTAssertFalse(first.endsSection)
        XCTAssertGreaterThan(first.blankShare, 0)
    }
}
