import Foundation
import LoupeEngine
@testable import LoupePipeline
import LoupeReport
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Each detector of the Findings page fires above its threshold and stays quiet below it.
final class FindingsDetectorTests: XCTestCase {
    func context() throws -> JobContext {
        let model = try SectionTestSupport.rgbCNN()
        return try SectionTestSupport.evaluatedContext(model: model, dataset: NoiseImages(count: 20, sampleShape: [3, 32, 32]),
                                                       sections: ["summary"])
    }

    func output(_ key: String, _ title: String, _ numbers: SummaryValue, arrays: [(String, Tensor)] = []) -> SectionOutput {
        SectionOutput(key: key, numbers: numbers, sections: [Section(title: title)], arrays: arrays)
    }

    /// Section numbers shaped as the sections write them, with one problem of every kind.
    func outputs(deadChannels: Int, igError: Double, classAccuracy: Double, ece: Double, fogAccuracy: Double) -> [SectionOutput] {
        let layer = SummaryValue.object([("value", .text("relu1")), ("shape", .list([.integer(8), .integer(16), .integer(16)])),
                                         ("mean", .number(0.2)), ("dead", .list((0..<deadChannels).map { .integer($0) })),
                                         ("saturated", .list([])), ("channel_mean", .numbers([Double](repeating: 0.2, count: 8)))])
        let gallery = SummaryValue.object([("images", .list([.object([("index", .integer(0)), ("ig_relative_delta", .number(igError))]),
                                                             .object([("index", .integer(1)), ("ig_relative_delta", .number(0.01))])]))])
        let layers = SummaryValue.object([("flow", .text("vanishing")), ("first_to_last_ratio", .number(1e-9)),
                                          ("vanishing_threshold", .number(1e-6)), ("exploding_threshold", .number(1e6))])
        let blank = Tensor(shape: [2, 1, 2, 2], scalars: [0, 0, 0, 0, 0.5, 1, 0, 0])
        let cells: [SummaryValue] = [1, 2].map { s in
            .object([("corruption", .text("fog")), ("severity", .integer(s)), ("accuracy", .number(fogAccuracy))])
        }
        let verdicts = SummaryValue.object([
            ("guided-backprop", .object([("randomisation", .text("fails")), ("final_ssim", .number(0.9))])),
            ("saliency", .object([("randomisation", .text("passes")), ("final_ssim", .number(0.1))])),
        ])
        let faithfulness = SummaryValue.object([("saliency", .object([("deletion_auc", .number(0.3))])),
                                                ("guided-backprop", .object([("deletion_auc", .number(0.1))])),
                                                ("random_order", .object([("deletion_auc", .number(0.2))]))])
        return [
            output("summary", "Run summary", .object([("accuracy", .number(0.8)),
                                                       ("per_class_accuracy", .numbers([0.9, 0.9, 0.9, classAccuracy]))])),
            output("activations", "Activations", .object([("layers", .list([layer]))])),
            output("gradients", "Gradients and attributions", .object([("gallery", gallery), ("layers", layers)]),
                   arrays: [("display_grad_cam", blank)]),
            output("sanity", "Sanity checks of the attributions", .object([("verdicts", verdicts), ("faithfulness", faithfulness),
                                                                           ("thresholds", .object([("ssim", .number(0.5))]))])),
            output("robustness", "Robustness to common corruptions", .object([
                ("clean_accuracy", .number(0.9)), ("cells", .list(cells)),
                ("calibration", .object([("clean", .object([("ece", .number(ece))]))])),
            ])),
        ]
    }

    func testEveryDetectorFiresAboveItsThreshold() throws {
        let found = try FindingsDetector(options: FindingsOptions(), context: try context(),
                                         outputs: outputs(deadChannels: 5, igError: 0.11, classAccuracy: 0.3, ece: 0.15, fogAccuracy: 0.4)).detect()
        let ids = Set(found.map(\.id))
        for id in ["dead-channels:relu1", "ig-completeness", "empty-maps:grad-cam", "gradient-vanishing", "sanity-randomisation:guided-backprop",
                   "deletion-vs-random:saliency", "class-accuracy:3", "calibration", "corruption-drop:fog"] {
            XCTAssertTrue(ids.contains(id), "missing \(id) in \(ids.sorted())")
        }
        XCTAssertFalse(ids.contains("sanity-randomisation:saliency"), "a passing verdict is no finding")
        XCTAssertFalse(ids.contains("deletion-vs-random:guided-backprop"), "a deletion AUC below random is fine")
        XCTAssertEqual(found.first { $0.id == "dead-channels:relu1" }?.severity, .critical, "5 of 8 channels is more than half")
        XCTAssertEqual(found.first { $0.id == "ig-completeness" }?.value ?? 0, 0.11, accuracy: 1e-12)
        XCTAssertEqual(found.first { $0.id == "empty-maps:grad-cam" }?.value, 1)
        XCTAssertEqual(found.map(\.severity), found.map(\.severity).sorted(), "most severe first")
        XCTAssertTrue(found.allSatisfy { !$0.message.isEmpty && $0.threshold.isFinite })
    }

    func testNothingFiresBelowTheThresholds() throws {
        var quiet = outputs(deadChannels: 1, igError: 0.02, classAccuracy: 0.85, ece: 0.05, fogAccuracy: 0.85)
        quiet[2].arrays = []
        let found = try FindingsDetector(options: FindingsOptions(), context: try context(), outputs: quiet).detect()
        XCTAssertEqual(Set(found.map(\.id)), ["gradient-vanishing", "sanity-randomisation:guided-backprop", "deletion-vs-random:saliency"])
        var strict = FindingsOptions()
        strict.deadChannelShare = 0.1
        let stricter = try FindingsDetector(options: strict, context: try context(), outputs: quiet).detect()
        XCTAssertEqual(stricter.first { $0.id == "dead-channels:relu1" }?.severity, .warning, "1 of 8 is above a 10 % threshold")
    }
}
