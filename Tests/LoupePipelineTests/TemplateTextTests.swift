import Foundation
import LoupeReport
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// Prose that lives in `Templates/`: captions render as plain text, a user's folder overrides them,
/// and every template the pipeline names exists.
final class TemplateTextTests: XCTestCase {
    func testCaptionsRenderUnescapedWithoutTheCommentLine() throws {
        let templates = try TemplateRenderer(folder: SectionTestSupport.templatesFolder)
        XCTAssertEqual(try templates.text("gradients_layers_caption", ["batches": counted(4, "batch", "batches"), "batch_size": counted(32, "image")]),
                       "Mean over 4 batches of up to 32 images; L = batch-mean cross-entropy.")
        let caption = try templates.text("gradients_confused_caption", ["layer": "a<b>&'c"])
        XCTAssertTrue(caption.hasPrefix("Most-confused class pairs (rows):"), caption)
        XCTAssertTrue(caption.contains("Layer a<b>&'c; maps"), caption)
        XCTAssertEqual(try templates.text("activations_top_caption", ["rows": counted(4, "most informative channel"), "layer": "relu1", "k": counted(5, "dataset image"), "field": nil]),
                       "Rows: the 4 most informative channels of relu1, most informative first; the 5 dataset images with the highest spatial maximum, best first (ties: lower dataset index first), score under each.")
        XCTAssertEqual(try templates.text("activations_top_caption", ["rows": counted(4, "most informative channel"), "layer": "relu1", "k": counted(5, "dataset image"), "field": true]),
                       "Rows: the 4 most informative channels of relu1, most informative first; the 5 dataset images with the highest spatial maximum, best first (ties: lower dataset index first), score under each; red box: receptive field of the maximum.")
    }

    /// The verdict box: kind and title from the outcome, every optional sentence only when its numbers are given.
    func testSanityVerdictBox() throws {
        let templates = try TemplateRenderer(folder: SectionTestSupport.templatesFolder)
        let fails = try templates.blocks("sanity_verdict", context: [
            "kind": "WARNING", "headline": "Guided Backprop: randomisation fails · RandomLogit fails", "randomisation_fails": true, "final_ssim": "0.81", "final_spearman": "0.66",
            "ssim_threshold": "0.50", "spearman_threshold": "0.50", "random_logit": true, "random_logit_fails": true,
            "random_logit_ssim": "0.90", "random_logit_threshold": "0.50",
        ])
        guard case .callout(let box)? = fails.first, fails.count == 1 else { return XCTFail("\(fails)") }
        XCTAssertEqual(box.kind, .warning)
        XCTAssertEqual(box.title, "Guided Backprop: randomisation fails · RandomLogit fails")
        XCTAssertEqual(box.body.map(\.text).joined(), "Randomisation fails: the maps stay similar after the weights are destroyed (SSIM 0.81, Spearman ρ 0.66 after randomising all layers; both at or above the thresholds 0.50 / 0.50). Treat this method's maps as edge detection, not as an explanation of this model. RandomLogit fails: the map hardly changes with the class (SSIM 0.90 to the map of a random other class; threshold 0.50).")
        let passes = try templates.blocks("sanity_verdict", context: [
            "kind": "CAVEAT", "headline": "Saliency: randomisation passes", "randomisation_passes": true, "survives_top": true, "top": true, "top_step": "fc",
            "top_ssim": "0.70", "final_ssim": "0.10", "final_spearman": "0.20", "ssim_threshold": "0.50", "spearman_threshold": "0.50",
        ])
        guard case .callout(let top)? = passes.first else { return XCTFail("\(passes)") }
        XCTAssertEqual(top.title, "Saliency: randomisation passes")
        XCTAssertTrue(top.body.map(\.text).joined().hasSuffix("After randomising only the top layer group (fc) the SSIM is 0.70, at or above 0.50: the map ignores the classifier's top weights."))
    }

    func testAUserTemplatesFolderOverridesACaption() throws {
        let folder = try makeTemporaryDirectory(self)
        try "{{! mine }}\nMy caption for {{{layer}}}.\n".write(to: folder.appendingPathComponent("gradients_confused_caption.mustache"),
                                                             atomically: true, encoding: .utf8)
        let templates = try TemplateRenderer(folders: [folder.path, SectionTestSupport.templatesFolder])
        XCTAssertEqual(try templates.text("gradients_confused_caption", ["layer": "conv1"]), "My caption for conv1.")
        XCTAssertTrue(try templates.text("gradients_layers_caption", ["batches": counted(1, "batch", "batches"), "batch_size": counted(2, "image")]).hasPrefix("Mean over 1 batch of up to 2"))
    }

    func testEveryTemplateThePipelineNamesExists() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LoupePipeline")
        let available = Set(try TemplateRenderer(folder: SectionTestSupport.templatesFolder).templateNames)
        let pattern = try NSRegularExpression(pattern: #"templates\.(?:text|blocks)\(\s*"([a-z0-9_]+)""#)
        var named = Set<String>()
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range(at: 1), in: text) { named.insert(String(text[range])) }
            }
        }
        XCTAssertGreaterThan(named.count, 40, "the scan found too few template names")
        XCTAssertEqual(named.subtracting(available).sorted(), [])
    }
}
