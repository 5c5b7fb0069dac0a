import Foundation
import LoupeEngine
import LoupeTensor

/// Regularised activation maximisation (Yosinski et al. 2015, deepvis toolbox order; docs/feature-visualisation.md#regularised-activation-maximisation).
///
/// Each iteration: clamp `x + mean` to the valid range → (jitter) → forward/backward of the unit →
/// gradient step → L2 decay `x ← (1 − θ_decay) x` → Gaussian blur every `blurEvery` steps → zero
/// pixels of small norm → zero pixels of small contribution. The regularisation steps are skipped
/// after the last gradient evaluation, and the image with the best unit value seen is returned.
///
/// Two deliberate differences from the toolbox, both optional: the step can be normalised by the
/// gradient's mean magnitude (so one step size works for models of any scale), and jitter — a random
/// circular shift before each evaluation, from DeepDream/Lucid (Olah et al. 2017), not Yosinski et al.
public enum ActivationMaximisation {
    /// Hyper-parameters; step size and start noise are in units of the input's value-range width.
    public struct Settings: Sendable, Equatable {
        public var iterations = 200
        /// Step size η (times the mean range width when `normaliseGradient`, else raw).
        public var stepSize: Float = 0.02
        /// Divide each image's gradient by its mean absolute value before the step.
        public var normaliseGradient = true
        /// θ_decay: multiplicative L2 decay per step.
        public var decay: Float = 0.01
        /// θ_b_width (σ in pixels, 0 = off) and θ_b_every.
        public var blurWidth: Float = 0.5
        public var blurEvery = 4
        /// θ_n_pct and θ_c_pct (0 = off).
        public var normPercentile: Double = 0
        public var contributionPercentile: Double = 0
        /// Largest jitter shift in pixels (0 = off).
        public var jitter = 1
        /// Start noise standard deviation as a fraction of the range width (toolbox: 10/255).
        public var startNoise: Float = 10 / 255
        public var seed: UInt64 = 0

        public init() {}
    }

    /// Optimises one image per row of `objective`.
    public static func run(model: Model, inputName: String, objective: VisualisationObjective, space: VisualisationSpace,
                           settings s: Settings) throws -> VisualisationResult {
        guard s.iterations >= 1 else { throw LoupeError(.invalidConfig, location: "iterations", "must be at least 1") }
        let rows = objective.elements.count
        let shape = [rows] + space.shape
        var generator = SeededGenerator(seed: s.seed)
        var x = generator.normalTensor(shape: shape, standardDeviation: s.startNoise * space.rangeWidth)
        let width = space.rangeWidth
        var best = x
        var bestValues = [Float](repeating: -.infinity, count: rows)
        var initialValues = [Float]()
        var history = [Float]()
        let per = x.count / max(rows, 1)
        for iteration in 0..<s.iterations {
            x = space.clamped(x)
            let (dy, dx) = s.jitter > 0 ? (Int(generator.next() % UInt64(2 * s.jitter + 1)) - s.jitter,
                                           Int(generator.next() % UInt64(2 * s.jitter + 1)) - s.jitter) : (0, 0)
            let shifted = Regularisers.roll(x, dy: dy, dx: dx)
            let evaluated = try objective.evaluate(model, inputName: inputName, images: space.modelInput(shifted))
            let gradient = Regularisers.roll(evaluated.gradient, dy: -dy, dx: -dx)
            if iteration == 0 { initialValues = evaluated.values }
            for row in 0..<rows where evaluated.values[row] > bestValues[row] {
                bestValues[row] = evaluated.values[row]
                for i in (row * per)..<((row + 1) * per) { best.scalars[i] = x.scalars[i] }
            }
            history.append(evaluated.values.reduce(0, +) / Float(max(rows, 1)))
            if iteration == s.iterations - 1 { break }
            for row in 0..<rows {
                var scale = s.stepSize
                if s.normaliseGradient {
                    var mean: Float = 0
                    for i in (row * per)..<((row + 1) * per) { mean += abs(gradient.scalars[i]) }
                    mean /= Float(max(per, 1))
                    scale = mean > 0 ? s.stepSize * width / mean : 0
                }
                for i in (row * per)..<((row + 1) * per) {
                    x.scalars[i] = (1 - s.decay) * (x.scalars[i] + scale * gradient.scalars[i])
                }
            }
            if s.blurWidth > 0, s.blurEvery > 0, iteration % s.blurEvery == 0 {
                x = Regularisers.gaussianBlur(x, sigma: s.blurWidth)
            }
            if s.normPercentile > 0 {
                Regularisers.zeroBelowPercentile(&x, scores: Regularisers.pixelNorms(x), percentile: s.normPercentile)
            }
            if s.contributionPercentile > 0 {
                Regularisers.zeroBelowPercentile(&x, scores: Regularisers.pixelContributions(x, gradient: gradient),
                                                 percentile: s.contributionPercentile)
            }
        }
        return VisualisationResult(images: space.modelInput(best), finalValues: bestValues, finalObjectives: bestValues,
                                   initialValues: initialValues, history: history, iterations: s.iterations)
    }
}
