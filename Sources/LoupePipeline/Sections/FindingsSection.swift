import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeReportCairo

/// The "Findings" page: printed right after the title page, before the contents, most severe first.
///
/// Each line names the page that shows its evidence. Those pages are only known after layout, so
/// `attach` lays the document out, reads the page of every finding's heading, rewrites the page with
/// the numbers and links, and repeats until the numbers no longer move (at most three layouts).
enum FindingsPage {
    static let title = "Findings"

    /// Puts the Findings page in front of `document` and returns the findings with their pages.
    static func attach(_ findings: [Finding], gates: [GateResult] = [], to document: inout Document, pageSize: PageSize,
                       renderer: CairoPDFRenderer = CairoPDFRenderer()) throws -> (findings: [Finding], headings: [HeadingEntry]) {
        var located = findings
        var destinations = [String: String]()
        var headings = [HeadingEntry]()
        for _ in 0..<3 {
            document.frontSections = [section(located, destinations: destinations, gates: gates)]
            let laid = try renderer.layout(document, pageSize: pageSize)
            headings = laid.headings
            var moved = false
            for i in located.indices {
                guard let heading = heading(of: located[i], in: laid.headings) else { continue }
                if located[i].page != heading.page { moved = true }
                located[i].page = heading.page
                destinations[located[i].id] = heading.destination
            }
            if !moved { break }
        }
        document.frontSections = [section(located, destinations: destinations, gates: gates)]
        return (located, headings)
    }

    /// The heading that shows a finding: `heading` under the level-1 heading titled `sectionTitle`, else that section's heading.
    static func heading(of finding: Finding, in headings: [HeadingEntry]) -> HeadingEntry? {
        guard let start = headings.firstIndex(where: { $0.level == 1 && $0.title == finding.sectionTitle }) else { return nil }
        if let wanted = finding.heading {
            var i = start + 1
            while i < headings.count && headings[i].level > 1 {
                if headings[i].title == wanted { return headings[i] }
                i += 1
            }
        }
        return headings[start]
    }

    /// The page's section: a count line, then one bullet per finding, grouped by severity.
    static func section(_ findings: [Finding], destinations: [String: String], gates: [GateResult] = []) -> Section {
        let counts = Finding.Severity.allCases.map { severity in findings.filter { $0.severity == severity }.count }
        var blocks = [Block]()
        if !gates.isEmpty {
            let failed = gates.filter { !$0.passed }
            blocks.append(.paragraph([TextRun.bold(failed.isEmpty ? "Gates: all \(gates.count) passed." : "Gates: \(failed.count) of \(gates.count) tripped.")]))
            blocks.append(.bullets(gates.map { gate in
                [TextRun((gate.passed ? "PASS" : "FAIL") + "  ", bold: true, color: gate.passed ? Color(hex: 0x2E7D32) : color(.critical)),
                 TextRun(gate.name, monospace: true), TextRun(": " + gate.message)]
            }))
        }
        if findings.isEmpty {
            blocks.append(.text("Nothing in this run crossed a review threshold. The thresholds are the job's findings options (defaults in the README)."))
        } else {
            blocks.append(.paragraph([
                TextRun("\(findings.count) finding\(findings.count == 1 ? "" : "s") need a reviewer's attention: "),
                TextRun.bold("\(counts[0]) critical, \(counts[1]) warning\(counts[1] == 1 ? "" : "s"), \(counts[2]) note\(counts[2] == 1 ? "" : "s")"),
                TextRun(". Each line gives the measured value, the threshold it crossed (the job's findings options) and the page that shows it."),
            ]))
        }
        for severity in Finding.Severity.allCases {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            blocks.append(.bullets(group.map { finding in
                var runs = [TextRun(severity.rawValue.uppercased() + "  ", bold: true, color: color(severity)),
                            TextRun(finding.message + " "),
                            TextRun("(value \(number(finding.value)), threshold \(number(finding.threshold)))", italic: true)]
                if finding.page > 0 {
                    let label = "page \(finding.page)"
                    runs.append(TextRun(" → "))
                    runs.append(destinations[finding.id].map { TextRun.link(label, to: .destination($0)) } ?? TextRun(label))
                }
                return runs
            }))
        }
        return Section(title: title, anchor: "findings", blocks: blocks)
    }

    static func color(_ severity: Finding.Severity) -> Color {
        switch severity {
        case .critical: return Color(hex: 0xB00020)
        case .warning: return Color(hex: 0xA65E00)
        case .note: return .accent
        }
    }

    /// A value as the page prints it: integers plainly, others with three significant digits.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }
}
