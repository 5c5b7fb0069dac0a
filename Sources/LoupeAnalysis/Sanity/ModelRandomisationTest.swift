import Foundation
import LoupeEngine
import LoupeTensor

/// Results of the model parameter randomisation test for one method.
public struct RandomisationCurves: Sendable {
    public var method: SanityMethod
    /// `cascade[s][i]`: image i's similarity after step s (s = 0 compares the original with itself).
    public var cascade: [[SimilarityScores]]
    /// `independent[g][i]`: image i's similarity with only group g randomised (empty when not run).
    public var independent: [[SimilarityScores]]
    /// The first image's attribution at each cascade step (step 0 = original), for the figure.
    public var cascadeMaps: [Tensor]
    /// Wall-clock seconds spent computing this method's maps over all states.
    public var seconds: Double
}

/// Everything one randomisation run produced.
public struct RandomisationResult: Sendable {
    /// The model's randomisable layers, input to output.
    public var layers: [RandomisableLayer]
    /// Cascade steps, top first: each lists indices into `layers`.
    public var groups: [[Int]]
    public var curves: [RandomisationCurves]
    /// The HOG cell size used (pixels).
    public var hogCell: Int
    /// Original attributions per method (N x C x H x W or N x 1 x H x W), reused by the faithfulness checks.
    public var originals: [SanityMethod: Tensor]
}

/// Cascading and independent model parameter randomisation (Adebayo et al. 2018; docs/sanity-checks.md#model-parameter-randomisation).
public enum ModelRandomisationTest {
    /// Runs both variants: maps for `targets` (fixed across states) on the original model and on each randomised copy.
    ///
    /// Cascading step s randomises groups 0...s together (top first); independent run g randomises group g alone.
    /// `progress` receives one line per model state.
    public static func run(_ classifier: Classifier, images: Tensor, targets: [Int], methods: [SanityMethod],
                           settings: SanityMethodSettings, maxSteps: Int, independent: Bool, seed: UInt64,
                           progress: (String) -> Void = { _ in }) throws -> RandomisationResult {
        let model = classifier.model
        let layers = ParameterRandomisation.layers(in: model.graph)
        guard !layers.isEmpty else {
            throw LoupeError(.invalidModel, file: model.graph.sourcePath, location: "graph",
                             "no Conv, Gemm, MatMul or BatchNormalization layer with initializer weights to randomise")
        }
        let groups = ParameterRandomisation.topDownGroups(count: layers.count, maxSteps: maxSteps)
        let (h, w) = (images.shape[2], images.shape[3])
        let hogCell = HOG.cellSize(height: h, width: w)
        var seconds = [SanityMethod: Double]()

        func maps(_ classifier: Classifier) throws -> [SanityMethod: Tensor] {
            var cache = [SanityMethod: Tensor]()
            var out = [SanityMethod: Tensor]()
            for method in methods {
                let start = Date()
                out[method] = try method.attribute(classifier, images: images, targets: targets, settings: settings, cache: &cache)
                seconds[method, default: 0] += Date().timeIntervalSince(start)
            }
            return out
        }
        func compare(_ original: Tensor, _ other: Tensor) throws -> [SimilarityScores] {
            let channels = original.shape[1]
            return try (0..<images.shape[0]).map { i in
                try MapComparison.compare(MapComparison.row(original, i), MapComparison.row(other, i), channels: channels,
                                          height: h, width: w, hogCell: hogCell)
            }
        }

        progress("sanity: original model")
        let originals = try maps(classifier)
        var cascade = [SanityMethod: [[SimilarityScores]]]()
        var cascadeMaps = [SanityMethod: [Tensor]]()
        for method in methods {
            guard let original = originals[method] else { continue }
            cascade[method] = [try compare(original, original)]
            cascadeMaps[method] = [original.slice(batch: 0..<1)]
        }
        for step in groups.indices {
            let randomised = groups[0...step].flatMap { $0 }.map { layers[$0] }
            progress("sanity: cascade step \(step + 1)/\(groups.count) (\(randomised.count) of \(layers.count) layers)")
            let copy = try Classifier(model: ParameterRandomisation.randomised(model, layers: randomised, seed: seed))
            let stepMaps = try maps(copy)
            for method in methods {
                guard let original = originals[method], let map = stepMaps[method] else { continue }
                cascade[method, default: []].append(try compare(original, map))
                cascadeMaps[method, default: []].append(map.slice(batch: 0..<1))
            }
        }
        var separate = [SanityMethod: [[SimilarityScores]]]()
        if independent {
            for (g, group) in groups.enumerated() {
                progress("sanity: independent \(g + 1)/\(groups.count)")
                let copy = try Classifier(model: ParameterRandomisation.randomised(model, layers: group.map { layers[$0] }, seed: seed))
                let stepMaps = try maps(copy)
                for method in methods {
                    guard let original = originals[method], let map = stepMaps[method] else { continue }
                    separate[method, default: []].append(try compare(original, map))
                }
            }
        }
        let curves = methods.map { method in
            RandomisationCurves(method: method, cascade: cascade[method] ?? [], independent: separate[method] ?? [],
                                cascadeMaps: cascadeMaps[method] ?? [], seconds: seconds[method] ?? 0)
        }
        return RandomisationResult(layers: layers, groups: groups, curves: curves, hogCell: hogCell, originals: originals)
    }
}
