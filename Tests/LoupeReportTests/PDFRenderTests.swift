import Foundation
import XCTest
@testable import LoupeReport
import LoupeReportSample
@testable import LoupeReportCairo

/// End-to-end: the sample document rendered with Cairo and checked with poppler-utils.
final class PDFRenderTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let epoch = "1714564800"

    /// The sample document with a fixed creation date.
    static func sampleDocument() throws -> Document {
        let templates = try TemplateRenderer(folder: root.appendingPathComponent("Templates").path)
        var doc = try SampleReport.document(templates: templates, version: "9.8.7")
        doc.date = Document.creationDate(environment: ["SOURCE_DATE_EPOCH": epoch])
        return doc
    }

    /// Rendered once and shared by the tests: (path, layout).
    static let rendered: Result<(String, LaidOutDocument), Error> = Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-sample-\(getpid()).pdf").path
        let laid = try CairoPDFRenderer().render(try sampleDocument(), to: path, pageSize: .a4)
        return (path, laid)
    }

    func testPageCountAndMetadata() throws {
        let (path, laid) = try Self.rendered.get()
        let info = try Poppler.run("pdfinfo", [path])
        XCTAssertGreaterThanOrEqual(laid.pageCount, 25)
        XCTAssertTrue(info.contains("Pages:           \(laid.pageCount)\n"), info)
        XCTAssertTrue(info.contains("Title:           Loupe report: cifar-demo"), info)
        XCTAssertTrue(info.contains("Author:          Loupe sample generator"), info)
        XCTAssertTrue(info.contains("Subject:         Image classifier analysis"), info)
        XCTAssertTrue(info.contains("Keywords:        loupe, classifier, interpretability, sample"), info)
        XCTAssertTrue(info.contains("Creator:         Loupe 9.8.7"), info)
        XCTAssertTrue(info.contains("CreationDate:    Wed May  1 12:00:00 2024 UTC"), info)
        XCTAssertTrue(info.contains("(A4)"), info)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertLessThan(size, 5_000_000)
    }

    func testTextHasEveryHeadingTheContentsAndLiteralStrings() throws {
        let (path, laid) = try Self.rendered.get()
        let text = try Poppler.run("pdftotext", [path, "-"]).replacingOccurrences(of: "\u{0C}", with: "\n")
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for h in laid.headings where !h.title.contains("猫") {
            XCTAssertTrue(flat.contains("\(h.number) \(h.title)"), "heading \(h.number) \(h.title) missing")
        }
        let contents = try Poppler.run("pdftotext", ["-layout", "-f", "2", "-l", String(1 + laid.tocPageCount), path, "-"])
        let contentsFlat = contents.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for h in laid.headings where h.level <= 2 && !h.title.contains("猫") {
            XCTAssertTrue(contentsFlat.contains("\(h.title) \(h.page)"), "TOC entry \(h.title) \(h.page) missing")
        }
        for literal in ["<b>&", "a < b && c > d", "'quoted' \"double\"", "Δέλτα αβγ", "café crème", "Page 3 of \(laid.pageCount)"] {
            XCTAssertTrue(flat.contains(literal), "missing literal \(literal)")
        }
        XCTAssertFalse(flat.contains("&lt;"), "markup escapes leaked into the text")
        // The paragraph split line by line across pages loses and repeats nothing.
        for n in [1, 17, 30, 31, 45, 60] {
            XCTAssertEqual(flat.components(separatedBy: "Sentence \(n) of a deliberately").count - 1, 1, "sentence \(n)")
        }
    }

    func testEveryHeadingHasADestinationOnItsPageAndTheOutlineListsIt() throws {
        let (path, laid) = try Self.rendered.get()
        let dests = try Poppler.run("pdfinfo", ["-dests", path])
        var pageOf: [String: Int] = [:]
        for line in dests.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let page = parts.first.flatMap({ Int($0) }), let name = parts.last else { continue }
            pageOf[name.trimmingCharacters(in: CharacterSet(charactersIn: "\""))] = page
        }
        for h in laid.headings { XCTAssertEqual(pageOf[h.destination], h.page, h.title) }
        XCTAssertEqual(pageOf["robustness"], laid.headings.first { $0.title == "Robustness" }?.page)
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        XCTAssertTrue(raw.contains("/Type /Outlines"))
        XCTAssertEqual(raw.components(separatedBy: "/Subtype /Link").count - 1,
                       laid.headings.filter { $0.level <= 2 }.count + 3, "TOC links plus the three links of the overview")
    }

    func testImagesAreEmbeddedAsIntegerMultiplesOfTheirNativeSize() throws {
        let (path, _) = try Self.rendered.get()
        let list = try Poppler.run("pdfimages", ["-list", path])
        let rows = list.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertFalse(rows.isEmpty)
        var sizes: [Int: Int] = [:]
        for row in rows where row.count > 4 {
            let w = Int(row[3]) ?? 0, h = Int(row[4]) ?? 0
            XCTAssertEqual(w, h, "sample images are square")
            sizes[w, default: 0] += 1
        }
        // 3×3 kernels (16), 32×32 pictures (12 dataset + 16 attribution cells).
        let kernelFactor = CairoCanvas.upscaleFactor(native: 3, displayed: 48)
        XCTAssertEqual(sizes[3 * kernelFactor], 16, "\(sizes)")
        XCTAssertEqual(sizes.keys.filter { $0 != 3 * kernelFactor }.allSatisfy { $0 % 32 == 0 }, true, "\(sizes)")
        XCTAssertEqual(sizes.values.reduce(0, +), 16 + 12 + 16)
    }

    func testRerunsAreByteIdentical() throws {
        _ = try Poppler.require("pdfinfo")
        let doc = try Self.sampleDocument()
        let dir = FileManager.default.temporaryDirectory
        let a = dir.appendingPathComponent("loupe-a-\(getpid()).pdf"), b = dir.appendingPathComponent("loupe-b-\(getpid()).pdf")
        try CairoPDFRenderer().render(doc, to: a.path, pageSize: .letter)
        try CairoPDFRenderer().render(doc, to: b.path, pageSize: .letter)
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        XCTAssertTrue(try Poppler.run("pdfinfo", [a.path]).contains("612 x 792 pts (letter)"))
    }

    func testFailedRenderLeavesNoFileBehind() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fail-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = Document(title: "x", sections: [Section(title: "s", blocks: [.table(DataTable(columns: [], rows: []))])])
        XCTAssertThrowsError(try CairoPDFRenderer().render(bad, to: dir.appendingPathComponent("r.pdf").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        XCTAssertThrowsError(try CairoPDFRenderer().render(bad, to: "/nonexistent/dir/r.pdf")) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testUpscaleFactor() {
        XCTAssertEqual(CairoCanvas.upscaleFactor(native: 224, displayed: 120), 1)
        XCTAssertEqual(CairoCanvas.upscaleFactor(native: 3, displayed: 48), 16)
        XCTAssertEqual(CairoCanvas.upscaleFactor(native: 32, displayed: 72), 5)
    }

    /// Rasterises a few pages and compares them with the PNGs in `Golden/` by RMS difference.
    ///
    /// Set `LOUPE_UPDATE_GOLDEN=1` to rewrite the goldens after an intended change.
    func testGoldenPages() throws {
        let (path, laid) = try Self.rendered.get()
        _ = try Poppler.require("pdftoppm")
        let page = { (title: String) in laid.headings.first { $0.title == title }?.page ?? 1 }
        let pages = [("title", 1), ("contents", 2), ("embeddings", page("Embeddings")), ("confusion", page("Confusion matrix"))]
        let golden = Self.root.appendingPathComponent("Tests/LoupeReportTests/Golden")
        let update = ProcessInfo.processInfo.environment["LOUPE_UPDATE_GOLDEN"] == "1"
        let tmp = FileManager.default.temporaryDirectory
        for (name, number) in pages {
            let base = tmp.appendingPathComponent("loupe-golden-\(name)-actual").path
            _ = try Poppler.run("pdftoppm", ["-r", "40", "-png", "-f", String(number), "-l", String(number), "-singlefile", path, base])
            let goldenPath = golden.appendingPathComponent("\(name).png").path
            if update {
                try FileManager.default.createDirectory(at: golden, withIntermediateDirectories: true)
                try? FileManager.default.removeItem(atPath: goldenPath)
                try FileManager.default.copyItem(atPath: base + ".png", toPath: goldenPath)
                continue
            }
            let actual = try XCTUnwrap(PNGRaster(path: base + ".png"), "cannot read \(base).png")
            let expected = try XCTUnwrap(PNGRaster(path: goldenPath), "missing golden \(goldenPath); run with LOUPE_UPDATE_GOLDEN=1")
            XCTAssertEqual(actual.width, expected.width, name)
            XCTAssertEqual(actual.height, expected.height, name)
            guard actual.width == expected.width, actual.height == expected.height else { continue }
            let rms = actual.rms(expected)
            if rms > 0.02 {
                let diff = tmp.appendingPathComponent("loupe-golden-\(name)-diff.png").path
                actual.writeDiff(expected, to: diff)
                XCTFail("page '\(name)' differs from its golden: RMS \(rms) > 0.02; diff image at \(diff)")
            }
        }
    }
}
