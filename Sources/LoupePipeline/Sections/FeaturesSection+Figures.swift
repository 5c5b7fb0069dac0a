import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeReport
import LoupeTensor

/// Builders of the feature-visualisation grids.
enum FeatureFigures {
    /// A layer whose units are visualised: the value, its per-sample shape and the units drawn.
    struct UnitLayer {
        var value: String
        var shape: [Int]
        var units: [Int]
        var isMap: Bool { shape.count == 3 }
    }

    /// Images whose spectral flatness (see `spectralFlatness`) exceeds this are called noise-like in the text (white noise: ≈ 0.56).
    static let noiseFlatness = 0.3

    /// The optimisation space: per-channel dataset mean (first 256 images) and the valid range from the preprocessing.
    static func space(_ context: JobContext) throws -> (space: VisualisationSpace, dataRMS: Float) {
        let shape = context.dataset.sampleShape
        let channels = shape.first ?? 1
        let plane = shape.dropFirst().reduce(1, *)
        var sums = [Double](repeating: 0, count: channels), squares = sums
        let count = min(256, context.dataset.count)
        if count > 0 {
            let images = try context.dataset.batch(Array(0..<count)).images
            for (i, v) in images.scalars.enumerated() {
                sums[(i / plane) % channels] += Double(v)
                squares[(i / plane) % channels] += Double(v) * Double(v)
            }
        }
        let n = Double(max(count * plane, 1))
        let mean = sums.map { Float($0 / n) }
        let variance = zip(sums, squares).map { s, q in max(0, q / n - (s / n) * (s / n)) }
        let rms = Float((variance.reduce(0, +) / Double(max(channels, 1))).squareRoot())
        let p = context.job.preprocessing
        let (lo, hi) = (p.valueRange.first ?? 0, p.valueRange.last ?? 1)
        let bounds = (0..<channels).map { c -> ClosedRange<Float> in
            let m = p.mean.map { $0.isEmpty ? 0 : $0[min(c, $0.count - 1)] } ?? 0
            let s = p.std.map { $0.isEmpty ? 1 : $0[min(c, $0.count - 1)] } ?? 1
            return Float((lo - m) / s)...Float((hi - m) / s)
        }
        return (VisualisationSpace(shape: shape, mean: mean, bounds: bounds), rms > 0 ? rms : 1)
    }

    /// Class models by plain gradient ascent with L2 decay (Simonyan et al. 2013).
    static func classModels(_ context: JobContext, classes: [Int], space: (space: VisualisationSpace, dataRMS: Float),
                            options: FeaturesOptions) throws -> FeaturePart {
        let started = Date()
        var settings = ClassModelVisualisation.Settings(iterations: options.classIterations,
                                                        l2: options.classL2.map { Float($0) }, stepSize: options.classStep.map { Float($0) })
        settings.targetRMS = space.dataRMS
        let output = try ClassModelVisualisation.run(model: context.model, inputName: context.classifier.inputName,
                                                     objective: .classes(classes, scoreValue: context.classifier.scoreName),
                                                     space: space.space, settings: settings)
        let seconds = Date().timeIntervalSince(started)
        let grid = try grid(context, output.result, captions: classes.map { context.className($0) })
        var part = FeaturePart()
        part.blocks = try context.templates.blocks("features_classes", context: TensorFigures.context([
            "shown": classes.count < context.classNames.count ? classes.count : nil, "total": context.classNames.count,
            "iterations": counted(options.classIterations, "plain gradient-ascent step"), "l2": String(format: "%.3g", output.l2),
            "step": String(format: "%.3g", output.stepSize), "calibrated": options.classL2 == nil ? true : nil,
            "noisy": grid.noisy > 0 ? namedCount(grid.noisyNames, of: "these images", verb: ("is", "are")) : nil,
            "all_noisy": grid.noisy == classes.count ? true : nil,
            "seconds": context.reproducible ? nil : String(format: "%.1f", seconds),
        ]))
        part.blocks.append(.figure(grid.figure))
        part.numbers = .object([
            ("iterations", .integer(options.classIterations)), ("l2", .number(Double(output.l2))),
            ("step", .number(Double(output.stepSize))), ("classes", .list(classes.map { .text(context.className($0)) })),
            ("initial_scores", .numbers(output.result.initialValues)), ("final_scores", .numbers(output.result.finalValues)),
            ("final_objectives", .numbers(output.result.finalObjectives)), ("spectral_flatness", .numbers(grid.flatness)),
            ("seconds", .number(seconds)),
        ])
        part.images = output.result.images
        part.figure = grid.mosaic
        return part
    }

    /// Class scores maximised with the regularisers of Yosinski et al. (2015).
    static func regularisedClasses(_ context: JobContext, classes: [Int], space: (space: VisualisationSpace, dataRMS: Float),
                                   options: FeaturesOptions) throws -> FeaturePart {
        let started = Date()
        let seed = context.seed("features.regularised-classes")
        let result = try ActivationMaximisation.run(model: context.model, inputName: context.classifier.inputName,
                                                    objective: .classes(classes, scoreValue: context.classifier.scoreName),
                                                    space: space.space, settings: options.activationSettings(seed: seed))
        let seconds = Date().timeIntervalSince(started)
        let grid = try grid(context, result, captions: classes.map { context.className($0) })
        var part = FeaturePart()
        part.blocks = try context.templates.blocks("features_regularised", context: regularisedProse(options, grid: grid,
                                                                                                     count: classes.count, seconds: context.reproducible ? nil : seconds).compactMapValues { $0 })
        part.blocks.append(.figure(grid.figure))
        part.numbers = .object(optimiserNumbers(options) + [
            ("initial_scores", .numbers(result.initialValues)), ("best_scores", .numbers(result.finalValues)),
            ("spectral_flatness", .numbers(grid.flatness)), ("seconds", .number(seconds)),
        ])
        part.images = result.images
        part.figure = grid.mosaic
        return part
    }

    /// Units of one layer maximised with the same regularisers.
    static func units(_ context: JobContext, layer: UnitLayer, space: (space: VisualisationSpace, dataRMS: Float),
                      options: FeaturesOptions) throws -> FeaturePart {
        let started = Date()
        let seed = context.seed("features.units." + layer.value)
        // A ReLU output is optimised through its input: equal while positive, and still with a gradient when switched off.
        let relu = context.model.graph.nodes.first { $0.opType == "Relu" && $0.outputs.first == layer.value }
        let target = relu?.input(0) ?? layer.value
        let objective = layer.isMap ? VisualisationObjective.channelCentres(layer.units, value: target, shape: layer.shape)
                                    : VisualisationObjective(value: target, elements: layer.units)
        let result = try ActivationMaximisation.run(model: context.model, inputName: context.classifier.inputName,
                                                    objective: objective, space: space.space, settings: options.activationSettings(seed: seed))
        let seconds = Date().timeIntervalSince(started)
        let grid = try grid(context, result, captions: layer.units.map { "unit \($0)" }, columns: min(8, max(1, layer.units.count)))
        var values = regularisedProse(options, grid: grid, count: layer.units.count, seconds: context.reproducible ? nil : seconds)
        values["layer"] = layer.value
        values["shape"] = layer.shape.map(String.init).joined(separator: "×")
        values["map"] = layer.isMap ? true : nil
        values["pre_activation"] = relu == nil ? nil : target
        let noun = layer.isMap ? "channel" : "unit"
        values["units"] = counted(layer.units.count, noun, verb: ("shown is the one", "shown are those"))
        values["total"] = counted(layer.shape.first ?? 0, noun)
        let silent = relu == nil ? result.finalValues.filter { $0 <= 0 }.count : 0
        // Silent units are named by their own sentence; the rest of the noisy ones by this one.
        let silentNames = Set(zip(layer.units, result.finalValues).filter { relu == nil && $0.1 <= 0 }.map { "unit \($0.0)" })
        let noisyNames = grid.noisyNames.filter { !silentNames.contains($0) }
        values["silent"] = silent > 0 ? namedCount(layer.units.map { "unit \($0)" }.filter(silentNames.contains), of: "them", verb: ("never rose", "never rose")) : nil
        values["noisy"] = noisyNames.isEmpty ? nil : namedCount(noisyNames, of: "these images", verb: ("looks", "look"))
        var part = FeaturePart()
        part.blocks = try context.templates.blocks("features_units", context: values.compactMapValues { $0 })
        part.blocks.append(.figure(grid.figure))
        part.numbers = .object([("layer", .text(layer.value)), ("shape", .list(layer.shape.map { .integer($0) })),
                                ("units", .list(layer.units.map { .integer($0) })),
                                ("initial_values", .numbers(result.initialValues)), ("best_values", .numbers(result.finalValues)),
                                ("spectral_flatness", .numbers(grid.flatness)), ("seconds", .number(seconds))])
        part.images = result.images
        part.figure = grid.mosaic
        return part
    }

    /// Layers whose units are drawn: the configured values, or the last spatial map and the vector feeding the last FC layer.
    static func unitLayers(_ context: JobContext, options: FeaturesOptions) throws -> [UnitLayer] {
        let model = context.model
        let plan = try model.plan(inputShapes: [model.primaryInputName: [1] + context.dataset.sampleShape])
        func layer(_ name: String) -> UnitLayer? {
            guard let shape = plan.shape(of: name), shape.count == 2 || shape.count == 4 else { return nil }
            let per = Array(shape.dropFirst())
            return UnitLayer(value: name, shape: per, units: Array(0..<min(options.units, per[0])))
        }
        if let names = options.layers {
            return try mostActive(context, try names.enumerated().map { index, name in
                guard let found = layer(name) else {
                    throw LoupeError(.invalidConfig, location: "sections.features.layers[\(index)]",
                                     "'\(name)' is not a value of rank 2 or 4 in the model")
                }
                return found
            }, count: options.units)
        }
        var found = [UnitLayer]()
        // The last convolution or activation output with spatial extent (a pooled map is skipped: its input is the richer map).
        let spatial = ActivationLayers.candidates(in: model.graph, shapes: { plan.shape(of: $0) })
            .filter { $0.opType != "MaxPool" && $0.opType != "AveragePool" && $0.shape[1] * $0.shape[2] > 1 }
        if let conv = spatial.last, let l = layer(conv.value) { found.append(l) }
        let running = Set(plan.runningNodeIndices)
        if let last = model.graph.nodes.indices.last(where: { running.contains($0) && ["Gemm", "MatMul"].contains(model.graph.nodes[$0].opType) }),
           let input = model.graph.nodes[last].input(0), let l = layer(input), !l.isMap, !found.contains(where: { $0.value == input }) {
            found.append(l)
        }
        return try mostActive(context, found, count: options.units)
    }

    /// Keeps, per layer, the `count` units with the largest mean activation on the first 64 dataset images (in unit order):
    /// the first units of a layer are often silent, and a silent unit has no gradient to follow.
    static func mostActive(_ context: JobContext, _ layers: [UnitLayer], count: Int) throws -> [UnitLayer] {
        let n = min(64, context.dataset.count)
        guard n > 0, !layers.isEmpty else { return layers }
        let images = try context.dataset.batch(Array(0..<n)).images
        let taps = try context.model.run([context.classifier.inputName: images], taps: Set(layers.map(\.value))).taps
        return layers.map { layer in
            guard let value = taps[layer.value]?.asFloat, let units = layer.shape.first, value.count == n * layer.shape.reduce(1, *) else {
                return layer
            }
            let spatial = layer.shape.dropFirst().reduce(1, *)
            var means = [Double](repeating: 0, count: units)
            for (i, v) in value.scalars.enumerated() { means[(i / spatial) % units] += Double(v) }
            var picked = layer
            picked.units = Array(means.indices.sorted { means[$0] > means[$1] || (means[$0] == means[$1] && $0 < $1) }.prefix(count)).sorted()
            return picked
        }
    }

    /// Template values shared by the regularised grids.
    static func regularisedProse(_ options: FeaturesOptions, grid: Grid, count: Int, seconds: Double?) -> [String: Any?] {
        [
            "iterations": counted(options.iterations, "step"), "step": plain(options.stepSize), "decay": plain(options.decay),
            "blur": options.blurWidth > 0 ? plain(options.blurWidth) : nil, "blur_every": counted(options.blurEvery, "step"),
            "norm_pct": options.normPercentile > 0 ? plain(options.normPercentile) : nil,
            "contribution_pct": options.contributionPercentile > 0 ? plain(options.contributionPercentile) : nil,
            "jitter": options.jitter > 0 ? options.jitter : nil, "normalised": options.normaliseGradient ? true : nil,
            "noisy": grid.noisy > 0 ? namedCount(grid.noisyNames, of: "these images", verb: ("still looks", "still look")) : nil,
            "all_noisy": grid.noisy == count ? true : nil,
            "seconds": seconds.map { String(format: "%.1f", $0) },
        ]
    }

    /// A setting as typed in a config (`0.5`, `0.01`, `4`).
    static func plain(_ value: Double) -> String { String(format: "%g", value) }

    static func optimiserNumbers(_ options: FeaturesOptions) -> [(String, SummaryValue)] {
        [("iterations", .integer(options.iterations)), ("step", .number(options.stepSize)), ("decay", .number(options.decay)),
         ("blur_width", .number(options.blurWidth)), ("blur_every", .integer(options.blurEvery)),
         ("norm_percentile", .number(options.normPercentile)), ("contribution_percentile", .number(options.contributionPercentile)),
         ("jitter", .integer(options.jitter)), ("normalise_gradient", .flag(options.normaliseGradient))]
    }
}
