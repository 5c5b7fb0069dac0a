import Foundation
import XCTest

/// The reference list of the closing page matches the works cited in the report's prose, and the prose
/// points to no internal documents.
final class ReferencesTests: XCTestCase {
    static let templates = PDFRenderTests.root.appendingPathComponent("Templates")

    /// Every template's text without its `{{! comments }}` (comments are never printed), by file name.
    static func printedTemplates() throws -> [String: String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: templates.path).filter { $0.hasSuffix(".mustache") }
        let comment = try NSRegularExpression(pattern: "\\{\\{![^}]*\\}\\}")
        var out: [String: String] = [:]
        for name in names {
            let raw = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            out[name] = comment.stringByReplacingMatches(in: raw, range: NSRange(raw.startIndex..., in: raw), withTemplate: "")
        }
        return out
    }

    /// (first author's surname, year) of each entry under "## References".
    static func listedWorks(_ guide: String) -> [String] {
        let lines = guide.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "## References") else { return [] }
        return lines[start...].filter { $0.hasPrefix("- ") }.compactMap { line in
            let surname = line.dropFirst(2).prefix { $0 != "," }.split(separator: " ").last.map(String.init) ?? ""
            guard let year = line.range(of: "\\((19|20)[0-9]{2}\\)", options: .regularExpression) else { return nil }
            return "\(surname) \(line[year].dropFirst().dropLast())"
        }
    }

    /// (surname, year) of every author–year citation such as "Adebayo et al. (2018)", "(Guo et al. 2017)",
    /// "Hendrycks & Dietterich (2019)", "(Kobak and Berens, 2019)" or "(Simonyan, Vedaldi and Zisserman, 2013)".
    static func citedWorks(_ text: String) throws -> Set<String> {
        let name = "[A-Z][\\p{L}'-]+"
        let pattern = "(\(name))(?: et al\\.,?|(?:, \(name))* and \(name),?| & \(name),?)? \\(?((?:19|20)[0-9]{2})\\b"
        let regex = try NSRegularExpression(pattern: pattern)
        var out = Set<String>()
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let surname = Range(match.range(at: 1), in: text), let year = Range(match.range(at: 2), in: text) else { continue }
            out.insert("\(text[surname]) \(text[year])")
        }
        return out
    }

    func testEveryCitedWorkIsListedAndEveryListedWorkIsCited() throws {
        let templates = try Self.printedTemplates()
        let guide = try XCTUnwrap(templates["reading_report.mustache"])
        let listed = Self.listedWorks(guide)
        XCTAssertEqual(listed.count, Set(listed).count, "a work listed twice: \(listed)")
        XCTAssertGreaterThanOrEqual(listed.count, 20)
        // The prose: every template, the reference entries themselves left out.
        let prose = templates.map { name, text in
            name == "reading_report.mustache"
                ? text.components(separatedBy: "## References").first ?? text : text
        }.joined(separator: "\n")
        let cited = try Self.citedWorks(prose)
        let unlisted = cited.subtracting(listed).sorted()
        let uncited = Set(listed).subtracting(cited).sorted()
        XCTAssertTrue(unlisted.isEmpty, "cited but not in the reference list: \(unlisted)")
        XCTAssertTrue(uncited.isEmpty, "listed but never cited: \(uncited)")
        for work in ["Tomsett 2020", "Binder 2022", "Sixt 2020", "Hedström 2023", "Petsiuk 2018", "Guo 2017", "Chattopadhay 2018", "Hooker 2019"] {
            XCTAssertTrue(listed.contains(work), "\(work) missing from the references")
        }
        // A tool named in the prose is cited through its paper.
        for tool in ["Quantus"] where prose.contains(tool) {
            XCTAssertTrue(guide.components(separatedBy: "## References").last?.contains(tool) == true, "\(tool) is used but not referenced")
        }
    }

    func testCitationParserReadsTheUsualForms() throws {
        let text = "as Adebayo et al. (2018) found; (Guo et al. 2017); Hendrycks & Dietterich (2019); (Kobak and Berens, 2019); "
            + "(Simonyan, Vedaldi and Zisserman, 2013); ICML"
        XCTAssertEqual(try Self.citedWorks(text), ["Adebayo 2018", "Guo 2017", "Hendrycks 2019", "Kobak 2019", "Simonyan 2013"])
        XCTAssertEqual(Self.listedWorks("## References\n\n- van der Maaten, L. and Hinton, G. (2008). Visualizing data. <i>JMLR</i> 9."),
                       ["Maaten 2008"])
    }

    func testNoInternalDocumentIsReferenced() throws {
        for (name, text) in try Self.printedTemplates() {
            for marker in ["§", "spec/", "methods.md", "architecture.md", "platform-notes", "docs/", "design/"] {
                XCTAssertFalse(text.contains(marker), "\(name) refers to an internal document (\(marker))")
            }
        }
    }
}
