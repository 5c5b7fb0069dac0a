import XCTest
@testable import LoupeReport
import LoupeReportTestSupport

/// Words in tables and under chart axes are never broken: columns widen to their longest word, cells that still
/// cannot hold a word are set smaller, and matrix columns too narrow for a name turn their names upright.
final class WholeWordsTests: XCTestCase {
    private func layout(_ blocks: [Block]) throws -> RecordingCanvas {
        let canvas = RecordingCanvas()
        _ = try DocumentRenderer(pageSize: .a4).render(Document(title: "T", sections: [Section(title: "A", blocks: blocks)]), on: canvas)
        return canvas
    }

    /// The words of a drawn text: split at spaces and at the zero-width spaces the layout adds as break points.
    private func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\u{200B}" || $0 == "\n" })
    }

    /// Every word of every drawn text among `texts` fits the width it was drawn in, at the size it was drawn at.
    private func assertWordsFit(_ canvas: RecordingCanvas, texts: Set<String>, file: StaticString = #filePath, line: UInt = #line) {
        var checked = Set<String>()
        for drawn in canvas.drawnTexts {
            let plain = drawn.text.replacingOccurrences(of: "\u{200B}", with: "")
            guard texts.contains(plain) else { continue }
            checked.insert(plain)
            let perCharacter = drawn.size * 0.55
            for word in words(drawn.text) {
                XCTAssertLessThanOrEqual(Double(word.count) * perCharacter, drawn.width + 0.01,
                                         "'\(word)' of '\(plain)' breaks in a \(drawn.width)-pt cell at \(drawn.size) pt", file: file, line: line)
            }
        }
        XCTAssertEqual(checked, texts, "not every text was drawn", file: file, line: line)
    }

    func testNarrowColumnsWidenToTheirLongestWord() throws {
        // Twelve equal columns leave about 30 pt of text each: too narrow for "Saturated" or "trustworthiness" at 8 pt.
        let titles = ["Layer", "Op", "Shape", "Mean", "Zeros", "Dead", "Saturated", "Flags", "A", "B", "C", "D"]
        let row: [TableCell] = [.text("relu2_out"), .text("Relu"), .text("32×8×8"), .number(0.5), .number(0.25), .number(0), .number(2),
                                .text("trustworthiness"), .text("x"), .text("y"), .text("z"), .text("w")]
        let table = DataTable(columns: titles.map { TableColumn($0) }, rows: [row, row])
        let canvas = try layout([.table(table)])
        assertWordsFit(canvas, texts: ["Saturated", "trustworthiness", "relu2_out"])
        // Widening was enough: nothing was set smaller than the table's own size.
        let size = Theme().table.size
        XCTAssertTrue(canvas.drawnTexts.filter { $0.text == "Saturated" || $0.text == "trustworthiness" }.allSatisfy { $0.size == size })
    }

    func testAWordNoColumnCanHoldIsSetSmallerNotBroken() throws {
        // Nine columns of long words need more than the page's width: the cells shrink instead of breaking.
        let long = "checkerboards"
        let table = DataTable(columns: (0..<9).map { TableColumn("c\($0)") }, rows: [(0..<9).map { _ in .text(long) }])
        let canvas = try layout([.table(table)])
        assertWordsFit(canvas, texts: [long])
        XCTAssertTrue(canvas.drawnTexts.filter { $0.text == long }.allSatisfy { $0.size < Theme().table.size && $0.size >= TableLayout.smallestCellText })
    }

    func testIdentifiersBreakAfterSeparatorsAndNumbersStayWhole() {
        XCTAssertEqual(TableLayout.words("model.layer1.conv_2 weight"), ["model.", "layer1.", "conv_", "2", "weight"])
        XCTAssertEqual(TableLayout.words("0.11 ± 0.22 (1 empty)"), ["0.11", "±", "0.22", "(1", "empty)"])
        XCTAssertEqual(TableLayout.breakable("a_b 1.5"), "a_\u{200B}b 1.5")
    }

    private func confusion(_ names: [String]) -> Block {
        let values = names.indices.map { i in names.indices.map { j in i == j ? Double.nan : Double((i + j) % 3) } }
        return .chart(Chart(.heatmap(values: values, rowLabels: names, columnLabels: names, colorMap: .magma, range: 0...2, annotate: true),
                            title: "Mistakes", xLabel: "predicted", yLabel: "true", height: 320))
    }

    func testMatrixColumnNamesTurnUprightWhenAWordIsWiderThanItsColumn() throws {
        let names = ["circle", "square", "triangle", "horizontal stripes", "vertical stripes", "diagonal stripes", "ring",
                     "checkerboard", "cross", "dot grid"]
        let canvas = try layout([confusion(names)])
        let turned = canvas.drawnTexts.filter { $0.angle == 90 }.map { $0.text.replacingOccurrences(of: "\u{200B}", with: "") }
        // Every column name is drawn upright and whole, at the chart's label size (not shrunk), besides the row title.
        XCTAssertEqual(Set(turned), Set(names + ["true"]))
        let label = Theme().chartLabel.size
        for drawn in canvas.drawnTexts where drawn.angle == 90 && names.contains(drawn.text) {
            XCTAssertEqual(drawn.size, label, drawn.text)
            XCTAssertLessThanOrEqual(Double(drawn.text.count) * label * 0.55, drawn.width + 0.01, drawn.text)
        }
    }

    func testShortColumnNamesStayFlat() throws {
        let names = (0..<10).map(String.init)
        let canvas = try layout([confusion(names)])
        XCTAssertEqual(canvas.drawnTexts.filter { $0.angle == 90 }.map(\.text), ["true"])
    }

    func testBarNamesTurnUprightRatherThanBeingCut() throws {
        let names = ["Gaussian noise", "Shot noise", "Impulse noise", "Defocus blur", "Glass blur", "Motion blur", "Zoom blur", "Snow",
                     "Frost", "Fog", "Brightness", "Contrast", "Elastic transform", "Pixelate", "JPEG compression"]
        let chart = Chart(.bars(categories: names, series: ["error"], values: [names.indices.map { Double($0) / 20 }]),
                          title: "Errors", yLabel: "error", height: 240)
        let canvas = try layout([.chart(chart)])
        let turned = Set(canvas.drawnTexts.filter { $0.angle == 90 }.map { $0.text.replacingOccurrences(of: "\u{200B}", with: "") })
        XCTAssertTrue(turned.isSuperset(of: names), "\(Set(names).subtracting(turned))")
    }
}
