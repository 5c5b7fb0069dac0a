import Foundation
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Hostile names and numbers in a report that must still finish (see `HostileInputTests`).
extension HostileInputTests {
    /// x [N,3,8,8] → Conv 1x1 (3 → 3) → GlobalAveragePool → Flatten → Gemm(3 → 10); `weights` are the Conv's 3x3 weights.
    func writeClassifier(_ name: String, convName: String = "conv", weights: [Float]? = nil) throws -> String {
        let c = weights ?? [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let w = (0..<30).map { Float($0 % 7) / 7 - 0.4 }
        return try writeModel(name, nodes: [Node(name: convName, opType: "Conv", inputs: ["x", "C"], outputs: ["mixed"]),
                                            Node(name: "pool", opType: "GlobalAveragePool", inputs: ["mixed"], outputs: ["pooled"]),
                                            Node(name: "flatten", opType: "Flatten", inputs: ["pooled"], outputs: ["flat"],
                                                 attributes: ["axis": .int(1)]),
                                            Node(name: "fc", opType: "Gemm", inputs: ["flat", "W", "b"], outputs: ["y"],
                                                 attributes: ["transB": .int(1)])],
                              initializers: ["C": .float(Tensor(shape: [3, 3, 1, 1], scalars: c)), "W": .float(Tensor(shape: [10, 3], scalars: w)),
                                             "b": .float(Tensor(shape: [10], repeating: 0))],
                              dimensions: [3, 8, 8])
    }

    /// Runs one job of `model` on 20 synthetic images with the given sections and JSON log lines; returns the run folder.
    func runReport(_ model: String, sections: String, classes: [String]? = nil,
                   file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let classList = try classes.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let text = #"{"jobs": [{"name": "job", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes", "count": 20}, "#
            + (classList.map { #""classes": \#($0), "# } ?? "") + #""sections": \#(sections), "output": "reports"}]}"#
        let config = try write(Array(text.utf8), to: "report.json")
        let run = try runChild(["run", config, "--log-format", "json"], file: file, line: line)
        XCTAssertEqual(run.exitCode, 0, run.stderr, file: file, line: line)
        for logLine in run.stderrLines {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(logLine.utf8)), "not a JSON line: \(logLine)", file: file, line: line)
        }
        return path("reports/job/latest")
    }

    /// The text of the run folder's report.pdf, or nil when poppler's pdftotext is missing.
    func pdfText(_ folder: String, bbox: Bool = false) throws -> String? { try pdfToText(folder + "/report.pdf", bbox: bbox) }

    /// Words whose box ends right of the page's printable area (`pdftotext -bbox`).
    func wordsPastTheMargin(_ bboxText: String) -> [String] {
        var width = 595.0, out = [String]()
        for line in bboxText.split(separator: "\n") {
            if line.contains("<page "), let value = attribute("width", in: line) { width = value }
            if line.contains("<word "), let right = attribute("xMax", in: line), right > width - 20 { out.append(String(line.prefix(120))) }
        }
        return out
    }

    func attribute(_ name: String, in line: Substring) -> Double? {
        guard let range = line.range(of: "\(name)=\"") else { return nil }
        return Double(line[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Class names with Pango markup, a right-to-left override, control characters and 10,000 characters:
    /// printed literally in the PDF (inside the margins), escaped in summary.json and in the JSON log lines.
    func testHostileClassNamesArePrintedLiterally() throws {
        let model = try writeClassifier("classes.onnx")
        var classes = ["<b>bold</b>", "evil\u{202E}gnp.exe", String(repeating: "W", count: 10_000), "bell\u{07}\u{1B}[31mred"]
        classes += (4..<10).map { "class \($0)" }
        let run = try runReport(model, sections: #"{"summary": true}"#, classes: classes)
        let summary = try String(contentsOfFile: run + "/summary.json", encoding: .utf8)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(summary.utf8)))
        XCTAssertTrue(summary.contains("evil\\u202egnp.exe"), "U+202E is not escaped in summary.json")
        XCTAssertFalse(summary.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{1B}" })
        guard let text = try pdfText(run), let boxes = try pdfText(run, bbox: true) else { throw XCTSkip("pdftotext not installed") }
        XCTAssertTrue(text.contains("<b>bold</b>"), "the markup is not printed literally")
        // The override would draw "gnp.exe" right to left (pdftotext then reads "exe.png"); neutralised, it stays in order.
        XCTAssertTrue(text.contains("gnp.exe"), "a bidi override reordered the text in the PDF")
        XCTAssertFalse(text.unicodeScalars.contains { $0 == "\u{202E}" }, "a bidi override reached the PDF")
        XCTAssertEqual(wordsPastTheMargin(boxes), [])
    }

    /// A 5,000-character node name stays inside the page and is cut (the weights section names the first convolution).
    func testLongNodeNameStaysInsideThePage() throws {
        let model = try writeClassifier("long.onnx", convName: String(repeating: "n", count: 5_000))
        let run = try runReport(model, sections: #"{"summary": true, "weights": true}"#)
        guard let text = try pdfText(run), let boxes = try pdfText(run, bbox: true) else { throw XCTSkip("pdftotext not installed") }
        XCTAssertEqual(wordsPastTheMargin(boxes), [])
        // Printed in full, the name fills about 40 lines of prose and 25 of a caption; cut, a few lines each.
        let nameLines = text.split(separator: "\n").filter { $0.count > 10 && $0.allSatisfy { $0 == "n" } }
        XCTAssertLessThan(nameLines.count, 20, "the long name is printed in full")
    }

    /// A few NaN and infinite weights: the report finishes, the embeddings say where they came from, no "nan" is printed.
    func testNonFiniteWeightsStillGiveAReport() throws {
        var weights: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        weights[1] = .nan
        weights[4] = .infinity
        let model = try writeClassifier("nan.onnx", weights: weights)
        let run = try runReport(model, sections: #"{"summary": true, "weights": true, "embeddings": {"methods": ["pca"]}}"#)
        let summary = try String(contentsOfFile: run + "/summary.json", encoding: .utf8)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(summary.utf8)))
        XCTAssertTrue(summary.contains("weights with non-finite values: 'C' (2 of 9)"), "the embeddings do not name the weights")
        guard let text = try pdfText(run) else { throw XCTSkip("pdftotext not installed") }
        // Printed numbers spell NaN and infinity "nan" and "inf" (String(format:), Float.description); prose says "NaN".
        let words = text.split { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "," }
        XCTAssertEqual(words.filter { ["nan", "-nan", "nan%", "inf", "-inf", "inf%"].contains($0) }, [], "a non-finite number printed in the report")
    }
}

/// The text of the PDF at `path` (with word boxes when `bbox`), or nil when poppler's pdftotext is missing.
func pdfToText(_ path: String, bbox: Bool = false) throws -> String? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
    process.arguments = (bbox ? ["-bbox"] : []) + [path, "-"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
