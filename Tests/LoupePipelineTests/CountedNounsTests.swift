import Foundation
import LoupeReport
import LoupeTensor
import XCTest
@testable import LoupePipeline

/// A count printed with its noun agrees with it: "1 image", "2 images", never "1 images". Counts reach the
/// templates already joined to their noun by `counted`, so a template never puts a plural noun after a number.
final class CountedNounsTests: XCTestCase {
    private func templates() throws -> TemplateRenderer { try TemplateRenderer(folder: SectionTestSupport.templatesFolder) }

    /// The prose of `blocks`: paragraphs, bullets, callout titles and bodies, and table and figure captions.
    private func prose(_ blocks: [Block]) -> String {
        blocks.map { block -> String in
            switch block {
            case .paragraph(let runs): return runs.map(\.text).joined()
            case .bullets(let items): return items.map { $0.map(\.text).joined() }.joined(separator: "\n")
            case .callout(let box): return box.title + "\n" + box.body.map(\.text).joined()
            case .table(let table): return table.caption
            case .figure(let figure): return figure.caption
            case .chart(let chart): return chart.caption
            default: return ""
            }
        }.joined(separator: "\n")
    }

    /// "1 images", "1 layers are": a one followed by a plural noun or verb.
    private func assertNoPluralAfterOne(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let pattern = try? NSRegularExpression(pattern: #"(?<![\d.,])1 (?:[a-z-]+ )?(images|layers|channels|classes|steps|samples|units|filters|weights|nodes|maps|methods|batches|iterations|kernels|corruptions|severities|points|copies|parameters|rows|heads|mistakes|convolutions|tensors|times|neighbours|values|features|outputs|inputs|cells|are|were|have)\b"#)
        let range = NSRange(text.startIndex..., in: text)
        let hits = pattern?.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } } ?? []
        XCTAssertEqual(hits, [], text, file: file, line: line)
    }

    /// No template puts a plural noun right after an inserted value: the noun must come from `counted`.
    func testNoTemplatePrintsAPluralNounAfterAValue() throws {
        // Values that are not counts: sizes ("32x32 images"), standard errors in points, fractional epochs, and the
        // gradient ratio ("0.19 times"; a ratio that prints as 1 is said in words by its own branch).
        let notCounts: Set<String> = ["size", "se", "epochs", "field", "ratio"]
        let pattern = try NSRegularExpression(pattern: #"\{\{\{?([a-z_]+)\}\}\}? (images|layers|channels|classes|steps|samples|units|filters|weights|nodes|maps|methods|batches|iterations|kernels|corruptions|severities|points|copies|parameters|rows|heads|mistakes|convolutions|tensors|times|neighbours|values|features|outputs|inputs|cells)\b"#)
        let folder = URL(fileURLWithPath: SectionTestSupport.templatesFolder)
        var found: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where file.hasSuffix(".mustache") {
            // The sample report (`render-sample`) prints fixed made-up numbers, none of them 1.
            guard !file.hasPrefix("sample_") else { continue }
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let name = Range(match.range(at: 1), in: text).map({ String(text[$0]) }), !notCounts.contains(name),
                      let whole = Range(match.range, in: text) else { continue }
                found.append("\(file): \(text[whole])")
            }
        }
        XCTAssertEqual(found, [])
    }

    func testCountedAgreesWithItsVerb() {
        XCTAssertEqual(counted(1, "layer", verb: ("is", "are")), "1 layer is")
        XCTAssertEqual(counted(2, "layer", verb: ("is", "are")), "2 layers are")
        XCTAssertEqual(counted(1_234, "class", "classes"), "1,234 classes")
    }

    /// Templates rendered with the values the sections pass, for a count of 1 and of 2.
    func testTemplatesWithOneAndTwo() throws {
        let t = try templates()
        for n in [1, 2] {
            let images = counted(n, "image"), s = n == 1 ? "" : "s"
            let statistics = prose(try t.blocks("activations_statistics", context: [
                "layers": counted(n, "layer"), "images": images, "flagged": counted(n, "layer", verb: ("is", "are")),
            ]))
            XCTAssertTrue(statistics.contains("summarises \(n) layer\(s) over \(n) image\(s):"), statistics)
            XCTAssertTrue(statistics.contains(" \(n) layer\(s) \(n == 1 ? "is" : "are") flagged."), statistics)
            let caption = try t.text("gradients_layers_caption", ["batches": counted(n, "batch", "batches"), "batch_size": counted(n, "image")])
            XCTAssertEqual(caption, "Mean over \(n) batch\(n == 1 ? "" : "es") of up to \(n) image\(s); L = batch-mean cross-entropy.")
            let confused = prose(try t.blocks("gradients_confused", context: ["pairs": n, "one": n == 1, "layer": "conv2", "none": false]))
            XCTAssertTrue(confused.contains(n == 1 ? "For the most frequent mistake," : "For each of the 2 most frequent mistakes,"), confused)
            let verdict = prose(try t.blocks("sanity_verdict", context: [
                "kind": "NOTE", "headline": "h", "randomisation_inconclusive": true, "few_images": true,
                "scored": "\(n)", "scored_one": n == 1, "total_images": counted(5, "image"),
            ]))
            XCTAssertTrue(verdict.contains("only \(n) of 5 images \(n == 1 ? "has" : "have") a non-empty map"), verdict)
            let empty = prose(try t.blocks("sanity_verdict", context: [
                "kind": "NOTE", "headline": "h", "randomisation_passes": true, "empty_count": "\(n)", "empty_one": n == 1,
                "total_maps": counted(4, "map"),
            ]))
            XCTAssertTrue(empty.contains("\(n) of 4 maps \(n == 1 ? "was" : "were") empty"), empty)
            for (name, context) in [
                ("summary_intro", ["model": "m", "parameters": counted(n, "parameter"), "multiply_adds": "1", "images": images,
                                   "classes": counted(n, "class", "classes"), "accuracy": "1%", "confidence": "1%"]),
                ("robustness_intro", ["corruptions": counted(n, "corruption"), "severities": counted(n, "severity", "severities"), "images": images]),
                ("embeddings_intro", ["points": images, "images": images, "neighbours": counted(n, "nearest neighbour"),
                                      "neighbours_were": counted(n, "nearest neighbour", verb: ("of a point on the map was", "of a point on the map were"))]),
                ("features_randomisation", ["images": counted(n, "training image"), "parameters": counted(n, "trainable parameter"),
                                            "steps": counted(n, "step"), "samples": images]),
                ("weights_first_layer", ["filters": counted(n, "small filter"), "more": counted(n, "filter", verb: ("is", "are"))]),
                ("sanity_intro", ["images": images, "layer_count": counted(n, "parametrised layer"), "grouped": true, "steps": counted(n, "group"),
                                  "faithfulness": true, "faithfulness_steps": counted(n, "step")]),
            ] as [(String, [String: Any])] {
                let text = prose(try t.blocks(name, context: context))
                if n == 1 { assertNoPluralAfterOne(text) } else { XCTAssertTrue(text.contains("2 "), name) }
            }
        }
    }

    /// Sections that print counts, driven with one and with two of what they count.
    func testSectionsWithOneAndTwo() throws {
        let t = try templates()
        for n in [1, 2] {
            // One or two mistakes in the worst confusion cell.
            let confusion = [[5, n, 0], [0, 5, 0], [0, 0, 5]]
            let blocks = try SummarySection().confusionBlocks(confusion, names: ["a", "b", "c"], templates: t).blocks
            XCTAssertTrue(prose(blocks).contains("the brightest counts \(counted(n, "image")))"), prose(blocks))
            // One or two non-finite weights.
            var values = [Float](repeating: 0.5, count: 8)
            for i in 0..<n { values[i] = .nan }
            let part = try WeightFigures.statistics([("w", Tensor(shape: [8], scalars: values))], options: WeightsOptions(), templates: t)
            XCTAssertTrue(prose(part.blocks).contains(n == 1 ? "1 weight is NaN or infinite." : "2 weights are NaN or infinite."), prose(part.blocks))
            if n == 1 { assertNoPluralAfterOne(prose(blocks) + prose(part.blocks)) }
        }
        XCTAssertEqual(EmbeddingsSection.sizeText([1]), "1 value")
        XCTAssertEqual(EmbeddingsSection.sizeText([2, 1, 1]), "2 × 1 × 1 = 2 values")
    }
}
