import XCTest
@testable import LoupeReport

/// Template loading, escaping of data, markup parsing and error messages.
final class TemplateTests: XCTestCase {
    private func folder(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name + ".mustache"), atomically: true, encoding: .utf8) }
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    func testDataIsEscapedAndMarkupBecomesRuns() throws {
        let dir = try folder(["t": "Class <b>{{name}}</b> has <code>{{n}}</code> images; see <a href=\"#sec\">there</a>."])
        let blocks = try TemplateRenderer(folder: dir).blocks("t", context: ["name": "<b>&", "n": 3])
        guard case let .paragraph(runs)? = blocks.first else { return XCTFail("expected a paragraph") }
        XCTAssertEqual(runs.map(\.text), ["Class ", "<b>&", " has ", "3", " images; see ", "there", "."])
        XCTAssertTrue(runs[1].bold)
        XCTAssertTrue(runs[3].monospace)
        XCTAssertEqual(runs[5].link, .destination("sec"))
    }

    /// A 5,000-character name is cut to 200 characters; prose with spaces and nested values keep their length rules.
    func testLongNamesAreCut() throws {
        let dir = try folder(["t": "Layer <code>{{name}}</code>: {{#items}}{{.}} {{/items}}"])
        let long = String(repeating: "n", count: 5_000)
        let text = try TemplateRenderer(folder: dir).render("t", context: ["name": long, "items": ["short", long]])
        XCTAssertEqual(text, "Layer <code>" + String(repeating: "n", count: 200) + "…</code>: short " + String(repeating: "n", count: 200) + "… ")
        let prose = Array(repeating: "word", count: 100).joined(separator: " ")
        XCTAssertEqual(try TemplateRenderer(folder: dir).render("t", context: ["name": prose]), "Layer <code>\(prose)</code>: ")
    }

    func testHeadingsBulletsAndCallouts() throws {
        let text = "## Title\nSome text\ncontinues.\n\n- one\n- two\n  more\n\n> [!WARNING] Careful\n> body <i>here</i>\n"
        let blocks = TemplateMarkup.blocks(from: text)
        XCTAssertEqual(blocks.count, 4)
        guard case let .heading(title, level) = blocks[0] else { return XCTFail() }
        XCTAssertEqual(title, "Title"); XCTAssertEqual(level, 2)
        guard case let .paragraph(runs) = blocks[1] else { return XCTFail() }
        XCTAssertEqual(runs.map(\.text).joined(), "Some text continues.")
        guard case let .bullets(items) = blocks[2] else { return XCTFail() }
        XCTAssertEqual(items.map { $0.map(\.text).joined() }, ["one", "two more"])
        guard case let .callout(callout) = blocks[3] else { return XCTFail() }
        XCTAssertEqual(callout.kind, .warning)
        XCTAssertEqual(callout.title, "Careful")
        XCTAssertEqual(callout.body.map(\.text), ["body ", "here"])
    }

    func testMissingTemplateNamesIt() throws {
        let dir = try folder(["a": "x"])
        XCTAssertThrowsError(try TemplateRenderer(folder: dir).render("nope", context: [:])) { error in
            XCTAssertEqual(error as? ReportError, .templateMissing(name: "nope", folder: dir))
            XCTAssertTrue("\(error)".contains("template 'nope'"))
        }
    }

    func testBrokenTemplateReportsNameAndLine() throws {
        let dir = try folder(["broken": "line one\nline two\n{{#items}}\n{{name}}\n{{/other}}\n"])
        XCTAssertThrowsError(try TemplateRenderer(folder: dir).render("broken", context: [:])) { error in
            guard case let .templateSyntax(name, line, _, _)? = error as? ReportError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "broken")
            XCTAssertEqual(line, 5)
            XCTAssertTrue("\(error)".hasPrefix("template 'broken': line 5"), "\(error)")
        }
    }

    func testJobFolderOverridesDefaults() throws {
        let defaults = try folder(["intro": "default", "other": "o"])
        let job = try folder(["intro": "custom {{x}}"])
        let renderer = try TemplateRenderer(folders: [job, defaults])
        XCTAssertEqual(try renderer.render("intro", context: ["x": 1]), "custom 1")
        XCTAssertEqual(try renderer.render("other", context: [:]), "o")
        XCTAssertThrowsError(try TemplateRenderer(folder: "/nonexistent/templates"))
    }

    func testShippedTemplatesAllParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Templates").path
        let renderer = try TemplateRenderer(folder: dir)
        XCTAssertGreaterThanOrEqual(renderer.templateNames.count, 7)
        for name in renderer.templateNames { XCTAssertNoThrow(try renderer.render(name, context: [:]), name) }
    }
}
