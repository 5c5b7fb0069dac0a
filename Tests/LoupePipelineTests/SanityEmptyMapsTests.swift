import Foundation
@testable import LoupeAnalysis
@testable import LoupePipeline
import LoupeReport
import LoupeTensor
import XCTest

/// Empty (all-zero) original maps are left out of the randomisation scores, counted, and said on the sanity pages.
final class SanityEmptyMapsTests: XCTestCase {
    func testEmptyMapsAreLeftOutOfTheScoresAndNoted() {
        // Three images; Grad-CAM's map of image 1 is all zero, saliency's maps are all non-empty.
        let cam = Tensor(shape: [3, 1, 2, 2], scalars: [0.5, 1, 0, 0.2, 0, 0, 0, 0, 1, 1, 1, 1])
        let saliency = Tensor(shape: [3, 1, 2, 2], scalars: [Float](repeating: 0.3, count: 12))
        func scores(_ ssims: [Double]) -> [SimilarityScores] {
            ssims.map { SimilarityScores(spearmanAbs: $0, spearmanSigned: $0, ssim: $0, hog: $0) }
        }
        let curves = [
            RandomisationCurves(method: .gradCAM, cascade: [scores([1, 1, 1]), scores([0.1, 0.9, 0.2])],
                                independent: [scores([0.3, 0.95, 0.3])], cascadeMaps: [], seconds: 0),
            RandomisationCurves(method: .saliency, cascade: [scores([1, 1, 1]), scores([0.1, 0.2, 0.3])],
                                independent: [], cascadeMaps: [], seconds: 0),
        ]
        let result = RandomisationResult(layers: [], groups: [], curves: curves, hogCell: 4, originals: [.gradCAM: cam, .saliency: saliency])
        let run = SanityRun(indices: [10, 11, 12], images: cam, labels: [0, 1, 2], targets: [0, 1, 2], methods: [.gradCAM, .saliency],
                            settings: SanityMethodSettings(), randomisation: result, faithfulness: [:], randomOrder: [], randomLogit: [:],
                            otherClasses: [], seconds: (0, 0, 0))
        var notes = [Block]()
        let cleaned = SanitySection.withoutEmptyMaps(run, notes: &notes)
        XCTAssertEqual(cleaned.emptyMaps.map(\.0), ["grad-cam"])
        XCTAssertEqual(cleaned.emptyMaps.map(\.1), [1])
        XCTAssertEqual(cleaned.randomisation.curves[0].cascade[1].map(\.ssim), [0.1, 0.2], "image 1 left out")
        XCTAssertEqual(cleaned.randomisation.curves[0].independent[0].map(\.ssim), [0.3, 0.3])
        XCTAssertEqual(cleaned.randomisation.curves[1].cascade[1].map(\.ssim), [0.1, 0.2, 0.3], "saliency untouched")
        XCTAssertEqual(SanitySection.mean(cleaned.randomisation.curves[0].cascade[1], "ssim"), 0.15, accuracy: 1e-12)
        guard case .callout(let callout)? = notes.first else { return XCTFail("no note for the sanity pages") }
        XCTAssertTrue(callout.body.map(\.text).joined().contains("grad-cam: 1 of 3"))
        var quiet = [Block]()
        XCTAssertTrue(SanitySection.withoutEmptyMaps(cleaned.withOriginals([.gradCAM: saliency]), notes: &quiet).emptyMaps.isEmpty)
        XCTAssertTrue(quiet.isEmpty)
    }
}

private extension SanityRun {
    func withOriginals(_ originals: [SanityMethod: Tensor]) -> SanityRun {
        var copy = self
        copy.randomisation.originals = originals
        return copy
    }
}
