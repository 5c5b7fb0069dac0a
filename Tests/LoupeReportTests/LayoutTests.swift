import XCTest
@testable import LoupeReport
import LoupeReportTestSupport

/// Layout against the recording canvas: page breaks, keep-with-next, table splitting, TOC page numbers.
final class LayoutTests: XCTestCase {
    let page = PageSize.a4

    private func paragraphs(_ n: Int, words: Int = 60) -> [Block] {
        (0..<n).map { i in .text((0..<words).map { "w\(i)_\($0)" }.joined(separator: " ")) }
    }

    private func layout(_ sections: [Section]) throws -> (LaidOutDocument, RecordingCanvas) {
        let canvas = RecordingCanvas()
        let doc = Document(title: "T", sections: sections)
        let laid = try DocumentRenderer(pageSize: page).render(doc, on: canvas)
        return (laid, canvas)
    }

    func testEveryPlacementStaysInsideTheBody() throws {
        let (laid, canvas) = try layout([Section(title: "A", blocks: paragraphs(40))])
        XCTAssertGreaterThan(laid.bodyPages.count, 2)
        for pageItems in laid.bodyPages {
            for p in pageItems {
                XCTAssertGreaterThanOrEqual(p.rect.y, page.body.y - 0.01)
                XCTAssertLessThanOrEqual(p.rect.maxY, page.body.maxY + 0.01, p.fragment.label)
            }
        }
        XCTAssertEqual(canvas.pageCount, laid.pageCount)
    }

    func testHeadingIsNeverLastOnAPage() throws {
        var blocks: [Block] = []
        for i in 0..<30 {
            blocks += paragraphs(1, words: 20 + 7 * i)
            blocks.append(.heading("Sub \(i)", level: 2 + i % 2))
        }
        blocks += paragraphs(1)
        let (laid, _) = try layout([Section(title: "A", blocks: blocks)])
        XCTAssertGreaterThan(laid.bodyPages.count, 1)
        for (i, items) in laid.bodyPages.enumerated() {
            XCTAssertFalse(items.last?.fragment.heading != nil, "page \(i) ends with a heading")
        }
    }

    func testTableSplitsAcrossPagesAndRepeatsItsHeader() throws {
        let rows: [[TableCell]] = (0..<150).map { [.number(Double($0)), .text("row \($0)")] }
        let table = DataTable(columns: [TableColumn("N", alignment: .right, format: .integer), TableColumn("Name")], rows: rows,
                              caption: "Big")
        let (laid, _) = try layout([Section(title: "A", blocks: [.table(table)])])
        let pagesWithRows = laid.bodyPages.filter { $0.contains { $0.fragment.label.hasPrefix("row ") } }
        XCTAssertGreaterThanOrEqual(pagesWithRows.count, 3)
        for items in pagesWithRows.dropFirst() {
            XCTAssertEqual(items.first?.fragment.label, "table header (repeated)")
        }
        let order = laid.bodyPages.flatMap { $0 }.map(\.fragment.label).filter { $0.hasPrefix("row ") }
        XCTAssertEqual(order, (1...150).map { "row \($0)" })
        // No page holds a single row alone at its top or bottom.
        for items in pagesWithRows { XCTAssertGreaterThan(items.filter { $0.fragment.label.hasPrefix("row ") }.count, 1) }
    }

    func testTableOfContentsPageNumbersMatchWhereHeadingsAreDrawn() throws {
        let sections = (0..<6).map { i in
            Section(title: "Section \(i)", blocks: paragraphs(3 + i * 4) + [.heading("Detail \(i)", level: 2)] + paragraphs(2))
        }
        let (laid, canvas) = try layout(sections)
        XCTAssertEqual(laid.tocPageCount, 1)
        var pageNumber = 0
        var destinationPage: [String: Int] = [:]
        for op in canvas.operations {
            if case .beginPage = op { pageNumber += 1 }
            if case let .destination(name, _) = op { destinationPage[name] = pageNumber }
        }
        XCTAssertEqual(laid.headings.count, 12)
        for h in laid.headings {
            XCTAssertEqual(destinationPage[h.destination], h.page, h.title)
            XCTAssertGreaterThanOrEqual(h.page, laid.firstBodyPage)
        }
        let toc = canvas.texts(onPage: 2)
        for h in laid.headings {
            let i = try XCTUnwrap(toc.firstIndex(of: h.title), "TOC lacks \(h.title)")
            XCTAssertEqual(toc[i + 1], String(h.page), "page number after \(h.title)")
        }
        XCTAssertEqual(canvas.operations.filter { if case .link = $0 { return true }; return false }.count, 12)
        XCTAssertEqual(canvas.operations.filter { if case .outline = $0 { return true }; return false }.count, 12)
        XCTAssertTrue(canvas.texts(onPage: 3).contains("Page 3 of \(laid.pageCount)"))
    }

    func testManyHeadingsNeedSeveralContentsPages() throws {
        let sections = (0..<70).map { Section(title: "S\($0)", blocks: [.text("x")], startsOnNewPage: false) }
        let (laid, canvas) = try layout(sections)
        XCTAssertEqual(laid.tocPageCount, 2)
        XCTAssertTrue(canvas.texts(onPage: 3).contains("S69"))
        XCTAssertEqual(laid.headings.last?.page, laid.firstBodyPage + laid.bodyPages.count - 1)
    }

    func testPageBreakAndSectionStartsOnNewPage() throws {
        let (laid, _) = try layout([Section(title: "A", blocks: [.text("one"), .pageBreak, .text("two")]),
                                    Section(title: "B", blocks: [.text("three")])])
        XCTAssertEqual(laid.bodyPages.count, 3)
        XCTAssertEqual(laid.headings.map(\.page), [laid.firstBodyPage, laid.firstBodyPage + 2])
    }

    func testFigureBreaksOnlyBetweenRowsAndKeepsItsCaptionWithTheLastRow() throws {
        let image = try RasterImage(width: 4, height: 8, format: .gray, pixels: [UInt8](repeating: 9, count: 32))
        let figure = Figure(cells: Array(repeating: Figure.Cell(image, caption: "c"), count: 12), columns: 2, caption: "tall")
        let (laid, canvas) = try layout([Section(title: "A", blocks: paragraphs(3) + [.figure(figure)])])
        let pages = laid.bodyPages.map { $0.filter { $0.fragment.label.hasPrefix("figure") } }.filter { !$0.isEmpty }
        // The grid starts under the prose on the first page instead of leaving it half empty.
        XCTAssertEqual(pages.count, 2)
        let labels = pages.flatMap { $0 }.map(\.fragment.label)
        XCTAssertEqual(labels, (1...6).map { "figure row \($0) tall" } + ["figure caption tall"])
        XCTAssertEqual(pages.last?.last?.fragment.label, "figure caption tall")
        for page in pages {
            XCTAssertGreaterThanOrEqual(page.filter { $0.fragment.label.hasPrefix("figure row") }.count, 2, "a row alone on a page")
        }
        let rows = pages.flatMap { $0 }.filter { $0.fragment.label.hasPrefix("figure row") }
        XCTAssertEqual(Set(rows.map(\.fragment.group)).count, 1)
        let images = canvas.operations.compactMap { op -> Rect? in if case let .image(_, _, r) = op { return r }; return nil }
        XCTAssertEqual(images.count, 12)
        for r in images {
            XCTAssertEqual(r.height / r.width, 2, accuracy: 1e-9)
            XCTAssertLessThanOrEqual(r.maxY, page.body.maxY + 0.01)
        }
    }

    func testGridOfUpToThreeRowsNeverBreaks() throws {
        let image = try RasterImage(width: 8, height: 8, format: .gray, pixels: [UInt8](repeating: 9, count: 64))
        for cells in [9, 14, 24] {
            // 14 cells in 8 columns: an image, its rollout and 12 heads (the ViT attention figure), two rows.
            let figure = Figure(cells: Array(repeating: Figure.Cell(image, caption: "head"), count: cells), columns: 8, caption: "heads")
            var moved = 0
            for prose in 0..<40 {
                let (laid, _) = try layout([Section(title: "A", blocks: paragraphs(prose) + [.figure(figure)])])
                let pages = laid.bodyPages.map { $0.filter { $0.fragment.label.hasPrefix("figure") }.count }.filter { $0 > 0 }
                XCTAssertEqual(pages.count, 1, "\(cells) cells after \(prose) paragraphs: rows on pages \(pages)")
                if laid.bodyPages.count > 1 && laid.bodyPages[0].allSatisfy({ !$0.fragment.label.hasPrefix("figure") }) { moved += 1 }
            }
            XCTAssertGreaterThan(moved, 0, "no layout pushed the \(cells)-cell grid to the next page: the check never ran")
        }
    }

    func testShortTableStaysWithTheChartAboveIt() throws {
        let chart = Chart(.line(series: [LineSeries("a", points: [(0, 1), (1, 2), (2, 1.5)])], logY: false), title: "map")
        let table = DataTable(columns: [TableColumn("Map"), TableColumn("Score")], rows: [[.text("t-SNE"), .text("0.9")]])
        var separated = 0
        for prose in 0..<30 {
            let (laid, _) = try layout([Section(title: "A", blocks: paragraphs(prose) + [.chart(chart), .table(table)])])
            let pageOf = { (prefix: String) in laid.bodyPages.firstIndex { $0.contains { $0.fragment.label.hasPrefix(prefix) } } }
            let chartPage = try XCTUnwrap(pageOf("chart")), rowPage = try XCTUnwrap(pageOf("row 1"))
            if chartPage != rowPage { separated += 1 }
        }
        XCTAssertEqual(separated, 0, "the one-row table went to another page than its chart")
    }

    func testMapsNeverPrintBelowTheMinimumSize() throws {
        let map = try RasterImage(width: 8, height: 8, format: .gray, pixels: [UInt8](repeating: 9, count: 64))
        // Asked for 40 columns of 5 pt: the grid wraps into fewer, larger columns.
        let figure = Figure(cells: Array(repeating: Figure.Cell(map), count: 40), columns: 40, maxCellWidth: 200)
        let (_, canvas) = try layout([Section(title: "A", blocks: [.figure(figure)])])
        let images = canvas.operations.compactMap { op -> Rect? in if case let .image(_, _, r) = op { return r }; return nil }
        XCTAssertEqual(images.count, 40)
        for r in images { XCTAssertGreaterThanOrEqual(r.width, PrintSize.minimumMap - 1e-9) }
        XCTAssertEqual(PrintSize.minimumMap, 15 * 72 / 25.4, accuracy: 1e-9)
        XCTAssertEqual(PrintSize.factor(pixels: 8, pointsPerPixel: 0.83), 7)
        XCTAssertEqual(PrintSize.factor(pixels: 64, pointsPerPixel: 1), 1)
    }

    func testLongCellTextIsCutAfterTheLineLimit() throws {
        let long = String(repeating: "x", count: 10_000)
        let table = DataTable(columns: [TableColumn("A"), TableColumn("B")], rows: [[.text(long), .text(long)]], maxLinesPerCell: 3)
        let (laid, _) = try layout([Section(title: "A", blocks: [.table(table)])])
        let row = try XCTUnwrap(laid.bodyPages.flatMap { $0 }.first { $0.fragment.label == "row 1" })
        let line = RecordingCanvas().lineHeight(Theme().table)
        XCTAssertLessThanOrEqual(row.rect.height, 3 * line + 2 * Theme().cellPadding.1 + 0.01)
    }

    func testLongParagraphSplitsLineByLine() throws {
        let text = (0..<3000).map { "word\($0)" }.joined(separator: " ")
        let (laid, _) = try layout([Section(title: "A", blocks: [.text(text)])])
        XCTAssertGreaterThan(laid.bodyPages.count, 2)
        for items in laid.bodyPages { XCTAssertLessThanOrEqual(items.last?.rect.maxY ?? 0, page.body.maxY + 0.01) }
        let lines = laid.bodyPages.map { $0.filter { $0.fragment.label.hasPrefix("paragraph line") }.count }
        XCTAssertEqual(lines.reduce(0, +), laid.bodyPages.flatMap { $0 }.filter { $0.fragment.label.hasPrefix("paragraph line") }.count)
        XCTAssertTrue(lines.filter { $0 > 0 }.allSatisfy { $0 >= 2 }, "\(lines)")
    }

    func testMismatchedTableRowIsATypedError() {
        let table = DataTable(columns: [TableColumn("A")], rows: [[.text("a"), .text("b")]], caption: "bad")
        XCTAssertThrowsError(try layout([Section(title: "A", blocks: [.table(table)])])) { error in
            XCTAssertEqual(error as? ReportError, .invalidDocument("table 'bad': row 1 has 2 cells, expected 1"))
        }
    }

    func testLetterPagesUseTheLetterSize() throws {
        let canvas = RecordingCanvas()
        try DocumentRenderer(pageSize: .letter).render(Document(title: "T", sections: [Section(title: "A")]), on: canvas)
        XCTAssertEqual(canvas.operations.first, .beginPage(Size(width: 612, height: 792)))
    }
}
