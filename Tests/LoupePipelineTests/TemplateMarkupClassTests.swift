import Foundation
@testable import LoupePipeline
import LoupeReport
import XCTest

/// Raw markup must never print literally: captions are plain strings (no inline tags), and a rendered
/// template inserted into another goes in unescaped (triple braces).
final class TemplateMarkupClassTests: XCTestCase {
    func templates() throws -> [(name: String, text: String)] {
        let folder = URL(fileURLWithPath: SectionTestSupport.templatesFolder)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }.sorted().map {
            (String($0.dropLast(".mustache".count)), try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8))
        }
    }

    func testCaptionsHoldNoInlineMarkup() throws {
        // Captions are drawn as plain text: a tag in one would print as "<code>…</code>".
        for (name, text) in try templates() where name.hasSuffix("_caption") {
            for tag in ["<b>", "<i>", "<code>", "<a "] {
                XCTAssertFalse(text.contains(tag), "\(name) uses \(tag) but captions are plain text")
            }
        }
    }

    func testCalloutTitlesHoldNoInlineMarkup() throws {
        for (name, text) in try templates() {
            for line in text.split(separator: "\n") where line.hasPrefix("> [!") {
                XCTAssertFalse(line.contains("<code>") || line.contains("<b>") || line.contains("<i>"), "\(name): callout titles are plain text")
            }
        }
    }

    func testTheNotRunReasonKeepsItsCodeFormatting() throws {
        // Fixed leak: the reason (itself rendered markup) went through {{reason}} and printed "<code>training_data</code>".
        let renderer = try TemplateRenderer(folder: SectionTestSupport.templatesFolder)
        let reason = try renderer.text("features_randomisation_reason", ["no_training_data": true])
        XCTAssertTrue(reason.contains("<code>training_data</code>"))
        let blocks = try renderer.blocks("features_randomisation_skipped", context: ["reason": reason])
        let runs = blocks.flatMap { block -> [TextRun] in
            if case .callout(let callout) = block { return callout.body }
            if case .paragraph(let runs) = block { return runs }
            return []
        }
        XCTAssertFalse(runs.contains { $0.text.contains("<code>") || $0.text.contains("&lt;") }, "\(runs.map(\.text))")
        XCTAssertTrue(runs.contains { $0.monospace && $0.text == "training_data" })
    }

    func testNoSectionFormatsAPercentageByHand() throws {
        // One formatter per quantity (Quantity): a hand-made "%.1f%%" in a section is how 98.55 %, 98.6 % and 99 % came about.
        let sections = URL(fileURLWithPath: SectionTestSupport.templatesFolder).deletingLastPathComponent()
            .appendingPathComponent("Sources/LoupePipeline/Sections")
        for file in try FileManager.default.contentsOfDirectory(atPath: sections.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sections.appendingPathComponent(file), encoding: .utf8)
            XCTAssertFalse(text.contains("%%\""), "\(file) formats a percentage by hand; use Quantity")
        }
    }
}
