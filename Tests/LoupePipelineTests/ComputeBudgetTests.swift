import Foundation
import LoupeTestSupport
import XCTest
@testable import LoupePipeline

/// The rule that sizes the costly sections' defaults from the model's multiply-adds (`ComputeBudget`).
final class ComputeBudgetTests: XCTestCase {
    /// ResNet-50 at 224 px: 4.1 G multiply-adds per image.
    let resnet50 = 4.1e9

    func job(sections: String = #"{"robustness": true, "sanity": true, "gradients": true, "features": true}"#) throws -> JobConfig {
        let scratch = try PipelineScratch("compute-budget")
        let model = try scratch.writeTinyModel("m.onnx", classes: 3)
        let path = try scratch.write(#"{"jobs": [{"name": "a", "model": {"path": "\#(model)"}, "dataset": {"kind": "synthetic-shapes"}, "sections": \#(sections)}]}"#, to: "c.json")
        return try XCTUnwrap(try LoupeConfig.load(path: path).jobs.first)
    }

    func testSmallModelsKeepEveryDefault() throws {
        let original = try job()
        // The demo (3 M), the MNIST (1.3 M) and CIFAR-10 (25 M) CNNs are far below the threshold (about 260 M).
        for multiplyAdds in [1e6, 40e6, 250e6] {
            let (sized, reductions) = ComputeBudget(multiplyAddsPerImage: multiplyAdds, images: 10_000)
                .sized(original, classes: 10, imageSide: (224, 224))
            XCTAssertEqual(reductions, [], "\(multiplyAdds)")
            XCTAssertEqual(sized.robustness, original.robustness)
            XCTAssertEqual(sized.sanity, original.sanity)
            XCTAssertEqual(sized.gradients, original.gradients)
            XCTAssertEqual(sized.features, original.features)
        }
    }

    func testResNet50DefaultsFitTheirBudgets() throws {
        let budget = ComputeBudget(multiplyAddsPerImage: resnet50, images: 1000)
        let (sized, reductions) = budget.sized(try job(), classes: 10, imageSide: (224, 224))
        XCTAssertEqual(sized.robustness.imagesPerCorruption, 20)
        XCTAssertLessThan(sized.sanity.maxSteps, 10)
        XCTAssertGreaterThanOrEqual(sized.sanity.sampleCount, 2)
        XCTAssertLessThan(sized.features.iterations, 200)
        // Occlusion windows stop overlapping on 224-px images: the stride is raised to the window (32 px).
        XCTAssertEqual(sized.gradients.occlusionGeometry(height: 224, width: 224).stride, 32)
        for section in ["robustness", "sanity", "gradients", "features"] {
            let lowered = reductions.filter { $0.section == section }
            XCTAssertFalse(lowered.isEmpty, section)
            // Each section fits its budget, except robustness: its floor of 20 images per cell costs 1,500 FPE.
            if section != "robustness", let fpe = lowered.first?.fpe {
                XCTAssertLessThanOrEqual(fpe * resnet50, ComputeBudget.budgets[section] ?? 0, section)
            }
            XCTAssertTrue(lowered.allSatisfy { $0.value != $0.defaultValue && $0.fpe < $0.defaultFPE }, section)
        }
        // The same inputs give the same sizes (nothing is timed).
        let (again, repeated) = budget.sized(try job(), classes: 10, imageSide: (224, 224))
        XCTAssertEqual(repeated, reductions)
        XCTAssertEqual(again.sanity, sized.sanity)
    }

    func testFitLowersKnobsInOrderToTheLargestValueThatFits() {
        struct Work { var a = 100, b = 10 }
        let knobs = [ComputeBudget.Knob<Work>("a", \.a, minimum: 20), ComputeBudget.Knob<Work>("b", \.b, minimum: 2)]
        let cost = { (work: Work) in Double(work.a * work.b) }
        let budget = ComputeBudget(multiplyAddsPerImage: 1, images: 1)
        // 500 fits by lowering a alone, to the largest value that fits.
        var (fitted, lowered) = budget.fit(Work(), section: "s", knobs: knobs, explicit: [], budget: 500, cost: cost)
        XCTAssertEqual([fitted.a, fitted.b], [50, 10])
        XCTAssertEqual(lowered.map(\.key), ["a"])
        // 100 needs a at its floor (20), then b = 5.
        (fitted, lowered) = budget.fit(Work(), section: "s", knobs: knobs, explicit: [], budget: 100, cost: cost)
        XCTAssertEqual([fitted.a, fitted.b], [20, 5])
        XCTAssertEqual(lowered.map(\.value), [20, 5])
        XCTAssertEqual(lowered.first?.defaultFPE, 1000)
        XCTAssertEqual(lowered.first?.fpe, 100)
        // Nothing fits: every knob at its floor.
        (fitted, _) = budget.fit(Work(), section: "s", knobs: knobs, explicit: [], budget: 1, cost: cost)
        XCTAssertEqual([fitted.a, fitted.b], [20, 2])
        // A knob whose cheaper direction is up (a stride): the smallest value that fits.
        let stride = ComputeBudget.Knob<Work>("stride", get: { $0.b }, set: { $0.b = $1 }, limit: 40)
        (fitted, lowered) = budget.fit(Work(), section: "s", knobs: [stride], explicit: [], budget: 100,
                                       cost: { Double($0.a * 10 / $0.b) })
        XCTAssertEqual(fitted.b, 10)
        (fitted, lowered) = budget.fit(Work(a: 100, b: 4), section: "s", knobs: [stride], explicit: [], budget: 100,
                                       cost: { Double($0.a * 10 / $0.b) })
        XCTAssertEqual(fitted.b, 10)
        XCTAssertEqual(lowered.map(\.value), [10])
        // Within budget: untouched.
        (fitted, lowered) = budget.fit(Work(), section: "s", knobs: knobs, explicit: [], budget: 1000, cost: cost)
        XCTAssertEqual([fitted.a, fitted.b], [100, 10])
        XCTAssertEqual(lowered, [])
    }

    func testExplicitConfigValuesWin() throws {
        let explicit = try job(sections: #"{"robustness": {"images_per_corruption": 300}, "sanity": {"samples": 8, "max_steps": 10}, "features": {"iterations": 200, "class_iterations": 200, "units": 8, "max_classes": 20}}"#)
        XCTAssertEqual(explicit.explicitOptionKeys["sanity"], ["max_steps", "samples"])
        let (sized, reductions) = ComputeBudget(multiplyAddsPerImage: resnet50, images: 1000)
            .sized(explicit, classes: 10, imageSide: (224, 224))
        XCTAssertEqual(sized.robustness.imagesPerCorruption, 300)
        XCTAssertEqual(sized.sanity.sampleCount, 8)
        XCTAssertEqual(sized.sanity.maxSteps, 10)
        XCTAssertEqual(sized.features, explicit.features)
        XCTAssertFalse(reductions.contains { $0.section == "robustness" || $0.section == "features" })
        XCTAssertFalse(reductions.contains { $0.section == "sanity" && ["samples", "max_steps"].contains($0.key) })
        // The keys that were not given are still sized.
        XCTAssertLessThan(sized.sanity.integratedGradientsSteps, SanityOptions().integratedGradientsSteps)
        // "all" is explicit too.
        let all = try job(sections: #"{"robustness": {"images_per_corruption": "all"}}"#)
        XCTAssertEqual(ComputeBudget(multiplyAddsPerImage: resnet50, images: 1000).sized(all, classes: 10, imageSide: (224, 224))
                       .0.robustness.imagesPerCorruption, 0)
    }

    func testSectionsNotRunAreNotSized() throws {
        let (_, reductions) = ComputeBudget(multiplyAddsPerImage: resnet50, images: 1000)
            .sized(try job(sections: #"{"robustness": true}"#), classes: 10, imageSide: (224, 224))
        XCTAssertEqual(Set(reductions.map(\.section)), ["robustness"])
    }
}
