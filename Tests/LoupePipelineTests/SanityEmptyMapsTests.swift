import Foundation
@testable import LoupeAnalysis
@testable import LoupePipeline
import LoupeReport
import LoupeTensor
import XCTest

/// Empty original maps are left out of every sanity score, counted, and said on the sanity pages;
/// the verdict boxes and summary.json use the same verdict words.
final class SanityEmptyMapsTests: XCTestCase {
    func scores(_ ssims: [Double]) -> [SimilarityScores] {
        ssims.map { SimilarityScores(spearmanAbs: $0, spearmanSigned: $0, ssim: $0, hog: $0) }
    }

    /// Three images; Grad-CAM's map of image 1 is all zero, saliency's maps are constant but for image 2... all non-empty.
    func makeRun(camFinal: [Double] = [0.1, 0.9, 0.2]) -> SanityRun {
        let cam = Tensor(shape: [3, 1, 2, 2], scalars: [0.5, 1, 0, 0.2, 0, 0, 0, 0, 1, 0, 1, 1])
        let saliency = Tensor(shape: [3, 1, 2, 2], scalars: [0.3, 0.1, 0.2, 0.4, 1, 2, 3, 4, 4, 3, 2, 1])
        let curves = [
            RandomisationCurves(method: .gradCAM, cascade: [scores([1, 1, 1]), scores(camFinal)],
                                independent: [scores([0.3, 0.95, 0.3])], cascadeMaps: [], seconds: 0),
            RandomisationCurves(method: .saliency, cascade: [scores([1, 1, 1]), scores([0.1, 0.2, 0.3])],
                                independent: [], cascadeMaps: [], seconds: 0),
        ]
        let result = RandomisationResult(layers: [], groups: [], curves: curves, hogCell: 4, originals: [.gradCAM: cam, .saliency: saliency])
        let fractions = [0.0, 0.5, 1.0]
        let good = PerturbationCurves(fractions: fractions, deletion: [1, 0.1, 0], insertion: [0, 0.9, 1])
        let bad = PerturbationCurves(fractions: fractions, deletion: [1, 0.9, 0.8], insertion: [0, 0.9, 1])
        let random = PerturbationCurves(fractions: fractions, deletion: [1, 0.5, 0], insertion: [0, 0.5, 1])
        return SanityRun(indices: [10, 11, 12], images: cam, labels: [0, 1, 2], targets: [0, 1, 2], methods: [.gradCAM, .saliency],
                         settings: SanityMethodSettings(), randomisation: result,
                         faithfulness: [.gradCAM: [bad, good, bad], .saliency: [good, good, good]], randomOrder: [random, random, random],
                         randomLogit: [.gradCAM: [0.2, 0.3, 0.2], .saliency: [0.9, 0.8, 0.9]], otherClasses: [1, 2, 0],
                         seconds: (0, 0, 0))
    }

    func testEmptyMapsAreLeftOutOfTheScoresAndNoted() {
        var notes = [Block]()
        let cleaned = SanitySection.withoutEmptyMaps(makeRun(), notes: &notes)
        XCTAssertEqual(cleaned.emptyMaps.map(\.0), ["grad-cam"])
        XCTAssertEqual(cleaned.emptyMaps.map(\.1), [1])
        XCTAssertEqual(cleaned.randomisation.curves[0].cascade[1].map(\.empty), [false, true, false], "image 1 unscored, rows aligned")
        XCTAssertEqual(cleaned.randomisation.curves[0].cascade[0].map(\.empty), [false, true, false], "step 0 too: no 0 against itself")
        XCTAssertEqual(SanitySection.mean(cleaned.randomisation.curves[0].cascade[0], "ssim"), 1, "step 0 reads 1.00")
        XCTAssertEqual(SanitySection.emptyCount(cleaned.randomisation.curves[0].independent[0]), 1)
        XCTAssertEqual(cleaned.randomisation.curves[1].cascade[1].map(\.ssim), [0.1, 0.2, 0.3], "saliency untouched")
        XCTAssertEqual(SanitySection.mean(cleaned.randomisation.curves[0].cascade[1], "ssim"), 0.15, accuracy: 1e-12)
        XCTAssertTrue(cleaned.faithfulness[.gradCAM]?[1].deletionAUC.isNaN ?? false, "no deletion order from an empty map")
        guard case .callout(let callout)? = notes.first else { return XCTFail("no note for the sanity pages") }
        XCTAssertTrue(callout.body.map(\.text).joined().contains("Grad-CAM: 1 of 3 (#11)"))
        var quiet = [Block]()
        var full = makeRun()
        full.randomisation.originals[.gradCAM] = full.randomisation.originals[.saliency]
        XCTAssertTrue(SanitySection.withoutEmptyMaps(full, notes: &quiet).emptyMaps.isEmpty)
        XCTAssertTrue(quiet.isEmpty)
    }

    func testAVerdictOnFewerThanHalfTheImagesIsInconclusive() {
        var notes = [Block]()
        var thin = makeRun()
        // Two of three final maps empty (one original, one after randomisation): the scores rest on one image.
        thin.randomisation.curves[0].cascade[1][2] = .emptyPair
        let cleaned = SanitySection.withoutEmptyMaps(thin, notes: &notes)
        let verdicts = SanitySection().verdicts(cleaned)
        XCTAssertEqual(verdicts[0].randomisation, .inconclusive)
        XCTAssertEqual(verdicts[0].scored, 1)
        XCTAssertEqual(verdicts[1].randomisation, .passes)
    }

    func testVerdictWordsAreTheSameInThePDFAndSummaryJSON() throws {
        var notes = [Block]()
        let cleaned = SanitySection.withoutEmptyMaps(makeRun(), notes: &notes)
        let section = SanitySection()
        let templates = try TemplateRenderer(folder: SectionTestSupport.templatesFolder)
        let titles = try section.verdictBlocks(cleaned, templates: templates).compactMap { block -> Callout? in
            if case .callout(let callout) = block { return callout }
            return nil
        }
        guard case .object(let json) = section.verdictNumbers(cleaned) else { return XCTFail("verdicts are not an object") }
        XCTAssertEqual(titles.count, json.count)
        for (callout, (_, entry)) in zip(titles, json) {
            for key in ["randomisation", "faithfulness", "random_logit"] {
                let word = try XCTUnwrap(entry[key]?.textValue)
                XCTAssertTrue(SanityOutcome.allCases.map(\.word).contains(word), "\(word) is a verdict word")
                let test = key == "randomisation" ? "randomisation" : key == "faithfulness" ? "deletion/insertion" : "RandomLogit"
                XCTAssertTrue(callout.title.contains("\(test) \(word)"), "\(callout.title) should say \(test) \(word)")
            }
        }
        // Grad-CAM: deletion worse than random on the scored images, so no "passes" heading and not a NOTE.
        XCTAssertTrue(titles[0].title.contains("deletion/insertion inconclusive"), titles[0].title)
        XCTAssertNotEqual(titles[0].kind, .note)
        XCTAssertTrue(titles[1].title.contains("RandomLogit fails"), titles[1].title)
        XCTAssertFalse(String(describing: titles).contains("hardly class-sensitive"))
        XCTAssertFalse(String(describing: titles).contains("mixed"))
    }
}
