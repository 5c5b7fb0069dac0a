import Foundation
import LoupeAnalysis
@testable import LoupePipeline
import LoupeReport
import LoupeReportCairo
import LoupeTestSupport
import XCTest

/// The Findings page: before the contents, most severe first, and every page number points at the page showing the finding.
final class FindingsPageTests: XCTestCase {
    func pdfText(_ path: String, page: Int) throws -> String { try pdfPageText(path, page: page) }

    /// A document whose sections are long enough that the evidence lands on different pages.
    func document() -> Document {
        var document = Document(title: "Findings test", titlePageFacts: [("Model", "tiny")])
        let filler = (1...40).map { "Filler sentence \($0) keeps the page busy so that headings move down the document." }.joined(separator: " ")
        for (title, headings) in [("Run summary", ["Layers", "Accuracy by class"]), ("Activations", ["Activation statistics"]),
                                  ("Sanity checks of the attributions", ["Verdicts", "Deletion and insertion"])] {
            var blocks = [Block]()
            for heading in headings {
                blocks.append(.heading(heading, level: 2))
                blocks.append(.text(filler))
                blocks.append(.text(filler))
            }
            document.append(Section(title: title, blocks: blocks))
        }
        return document
    }

    func finding(_ id: String, _ severity: Finding.Severity, _ sectionTitle: String, _ heading: String?) -> Finding {
        Finding(id: id, severity: severity, section: "x", sectionTitle: sectionTitle, heading: heading,
                message: "Finding \(id) needs a look.", value: 0.5, threshold: 0.25)
    }

    func testEveryFindingPointsAtThePageThatShowsIt() throws {
        var document = document()
        let findings = [finding("deletion", .warning, "Sanity checks of the attributions", "Deletion and insertion"),
                        finding("dead", .critical, "Activations", "Activation statistics"),
                        finding("class", .note, "Run summary", "Accuracy by class"),
                        finding("summary", .warning, "Run summary", nil)]
        let located = try FindingsPage.attach(findings, to: &document, pageSize: .a4)
        let scratch = try PipelineScratch("findings-page")
        let path = scratch.path("report.pdf")
        let laid = try CairoPDFRenderer().render(document, to: path, pageSize: .a4)
        XCTAssertEqual(laid.frontPages.count, 1)
        XCTAssertEqual(laid.firstContentsPage, 3, "Findings sits between the title page and the contents")
        let findingsPage = try pdfText(path, page: 2)
        XCTAssertTrue(findingsPage.contains("Findings"), findingsPage)
        let contents = try pdfText(path, page: 3)
        XCTAssertTrue(contents.contains("Contents"), contents)
        // Most severe first.
        let order = ["dead", "deletion", "summary", "class"].map { findingsPage.range(of: "Finding \($0) needs")?.lowerBound }
        XCTAssertFalse(order.contains(nil), findingsPage)
        XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted())
        XCTAssertEqual(located.findings.map(\.id), findings.map(\.id))
        var pages = Set<Int>()
        for f in located.findings {
            XCTAssertGreaterThan(f.page, 3, f.id)
            XCTAssertTrue(findingsPage.contains("page \(f.page)"), "\(f.id): page \(f.page) not printed")
            let text = try pdfText(path, page: f.page)
            XCTAssertTrue(text.contains(f.heading ?? f.sectionTitle), "\(f.id): page \(f.page) does not show '\(f.heading ?? f.sectionTitle)'")
            pages.insert(f.page)
        }
        XCTAssertGreaterThanOrEqual(pages.count, 3, "the headings are spread over several pages")
    }

    func testNoFindingsSaysSoAndGatesAreListed() throws {
        var document = document()
        let gates = [GateResult(name: "accuracy_drop", passed: false, message: "Accuracy fell.", value: 0.1, threshold: 0.01)]
        _ = try FindingsPage.attach([], gates: gates, to: &document, pageSize: .a4)
        guard let section = document.frontSections.first else { return XCTFail("no Findings page") }
        let text = section.blocks.map { block -> String in
            switch block {
            case .paragraph(let runs): return runs.map(\.text).joined()
            case .bullets(let items): return items.map { $0.map(\.text).joined() }.joined(separator: "\n")
            default: return ""
            }
        }.joined(separator: "\n")
        XCTAssertTrue(text.contains("Gates: 1 of 1 tripped"), text)
        XCTAssertTrue(text.contains("FAIL"), text)
        XCTAssertTrue(text.contains("Nothing in this run crossed a review threshold"), text)
    }
}

/// The text of one PDF page (pdftotext), whitespace collapsed; skips when poppler-utils is missing.
func pdfPageText(_ path: String, page: Int) throws -> String {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") else { throw XCTSkip("pdftotext (poppler-utils) is not installed") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
    process.arguments = ["-f", String(page), "-l", String(page), path, "-"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
