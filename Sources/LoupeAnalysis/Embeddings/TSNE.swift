import Foundation
import LoupeTensor

/// t-SNE to two dimensions with openTSNE 1.0.4's default schedule (docs/embeddings.md#t-sne).
public enum TSNE {
    /// How the repulsive half of the gradient is computed (the attractive half is always sparse over P).
    public enum GradientMethod: String, Sendable, CaseIterable {
        /// Exact below 100 points, Barnes–Hut below `fftThreshold` points, FFT interpolation from there on.
        case auto
        /// All pairs, O(N²).
        case exact
        /// Barnes–Hut quad-tree with `Options.theta`.
        case barnesHut
        /// FFT-accelerated interpolation with `Options.interpolation` (Linderman et al. 2019).
        case fftInterpolation
    }

    /// Smallest N for which `.auto` picks FFT interpolation over Barnes–Hut (openTSNE's `"auto"` switches
    /// at 10,000 too; since the Float32 FFT grid the measured crossover lies lower, see BENCHMARKS.md).
    public static let fftThreshold = 10_000

    /// Settings; the defaults are openTSNE's `TSNE()` defaults.
    public struct Options: Sendable {
        public var perplexity = 30.0
        public var earlyExaggeration = 12.0
        public var earlyIterations = 250
        public var iterations = 500
        /// Learning rate of the early and final phases; `nil` = openTSNE's `"auto"`, N / exaggeration of the phase.
        public var learningRate: Double?
        public var earlyMomentum = 0.8
        public var finalMomentum = 0.8
        public var minGain = 0.01
        /// Per-point step norm cap (openTSNE `max_step_norm`); `nil` disables it.
        public var maxStepNorm: Double? = 5
        /// Repulsion method when `repulsion` is `nil`.
        public var gradient: GradientMethod = .auto
        /// Barnes–Hut opening angle (openTSNE `theta`).
        public var theta = 0.5
        /// FFT interpolation grid settings (openTSNE's defaults).
        public var interpolation = TSNEInterpolation()
        /// Explicit repulsion, overriding `gradient`; `nil` = use `gradient`.
        public var repulsion: TSNEGradient.Repulsion?
        public var seed: UInt64 = 0
        /// Largest N whose final KL is computed over all pairs; above it the repulsion method's estimate is reported.
        public var exactKLLimit = 20_000
        public init() {}
    }

    /// A finished embedding.
    public struct Result: Sendable {
        /// N x 2 coordinates, row-major.
        public let embedding: [Float]
        /// Final KL(P ‖ Q) against the sparse P (`klIsExact` says whether Z was summed over all pairs).
        public let klDivergence: Double
        public let klIsExact: Bool
        /// openTSNE-style KL: sparse P, Z from the repulsion method used (exact, Barnes–Hut or FFT).
        public let klApproximate: Double
        /// The repulsion method the optimisation used.
        public let repulsion: TSNEGradient.Repulsion
        public let iterations: Int
        /// Euclidean norm of the last gradient (openTSNE units).
        public let gradientNorm: Double
        /// Seconds spent on neighbours + affinities, PCA initialisation and optimisation.
        public let secondsAffinities: Double, secondsInitialisation: Double, secondsOptimisation: Double
        /// Entropy-calibration results per point.
        public let affinities: TSNEAffinities
    }

    /// Embeds the points: exact k-NN affinities, PCA initialisation (std 1e-4 plus 1% jitter), early
    /// exaggeration then the final phase with momentum, delta-bar-delta gains and step clipping.
    public static func embed(_ points: EmbeddingPoints, options: Options = Options()) throws -> Result {
        let n = points.count
        guard n >= 4 else { throw LoupeError(.invalidInput, location: "points", "t-SNE needs at least 4 points, got \(n)") }
        var clock = Date()
        let p = try TSNEAffinities.compute(points, perplexity: options.perplexity)
        let secondsAffinities = Date().timeIntervalSince(clock)
        clock = Date()
        let y = try initialisation(points, seed: options.seed)
        let secondsInitialisation = Date().timeIntervalSince(clock)
        clock = Date()
        var result = try optimise(p, initial: y, options: options)
        let secondsOptimisation = Date().timeIntervalSince(clock)
        result = Result(embedding: result.embedding, klDivergence: result.klDivergence, klIsExact: result.klIsExact,
                        klApproximate: result.klApproximate, repulsion: result.repulsion, iterations: result.iterations, gradientNorm: result.gradientNorm,
                        secondsAffinities: secondsAffinities, secondsInitialisation: secondsInitialisation,
                        secondsOptimisation: secondsOptimisation, affinities: p)
        return result
    }

    /// openTSNE's `"pca"` initialisation: PCA(2) scores scaled so column 0 has std 1e-4, plus
    /// N(0, (0.01 · 1e-4)²) jitter from the seed; interleaved (x, y) in Float64.
    public static func initialisation(_ points: EmbeddingPoints, seed: UInt64) throws -> [Double] {
        let n = points.count
        var y = [Double](repeating: 0, count: 2 * n)
        if points.dimension >= 2 {
            let pca = try PCA.fit(points, components: 2, solver: .auto)
            for e in 0..<(2 * n) { y[e] = Double(pca.scores[e]) }
        } else {
            for i in 0..<n { y[2 * i] = Double(points.values[i]) }
        }
        var mean = 0.0, squares = 0.0
        for i in 0..<n { mean += y[2 * i] }
        mean /= Double(n)
        for i in 0..<n { squares += (y[2 * i] - mean) * (y[2 * i] - mean) }
        let std = (squares / Double(n)).squareRoot()
        let scale = std > 0 ? 1e-4 / std : 1
        var generator = SeededGenerator(seed: seed)
        for e in 0..<(2 * n) { y[e] = y[e] * scale + generator.normal() * 1e-6 }
        return y
    }

    /// Runs both optimisation phases from `initial` (interleaved 2-D) on the affinities.
    public static func optimise(_ p: TSNEAffinities, initial: [Double], options: Options) throws -> Result {
        let n = p.count
        guard initial.count == 2 * n else {
            throw LoupeError(.invalidInput, location: "initialisation", "expected \(n) x 2 values, got \(initial.count)")
        }
        let repulsion = try resolvedRepulsion(options, count: n)
        let workspace = TSNEInterpolation.Workspace()
        var y = initial
        var update = [Double](repeating: 0, count: 2 * n)
        var gains = [Double](repeating: 1, count: 2 * n)
        var gradient = [Double](repeating: 0, count: 2 * n)
        let phases = [(options.earlyExaggeration, options.earlyIterations, options.earlyMomentum),
                      (1.0, options.iterations, options.finalMomentum)]
        var iterations = 0
        let compact = CompactAffinities(p)
        for (exaggeration, count, momentum) in phases where count > 0 {
            let rate = options.learningRate ?? max(Double(n) / exaggeration, 1e-12)
            for _ in 0..<count {
                TSNEGradient.evaluate(p, y: y, exaggeration: exaggeration, repulsion: repulsion,
                                     withObjective: false, workspace: workspace, compact: compact, gradient: &gradient)
                step(&y, update: &update, gains: &gains, gradient: gradient, rate: rate, momentum: momentum,
                     minGain: options.minGain, maxStepNorm: options.maxStepNorm)
                iterations += 1
            }
        }
        guard y.allSatisfy({ $0.isFinite }) else {
            throw LoupeError(.computation, location: "t-SNE", "optimisation diverged (non-finite coordinates)")
        }
        let (z, cross) = TSNEGradient.evaluate(p, y: y, repulsion: repulsion, workspace: workspace, gradient: &gradient)
        let approximate = cross + log(z)
        let exact = n <= options.exactKLLimit
        let kl = exact ? (repulsion == .exact ? approximate : TSNEGradient.exactKL(p, y: y)) : approximate
        let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return Result(embedding: y.map { Float($0) }, klDivergence: kl, klIsExact: exact, klApproximate: approximate,
                      repulsion: repulsion, iterations: iterations, gradientNorm: norm, secondsAffinities: 0, secondsInitialisation: 0,
                      secondsOptimisation: 0, affinities: p)
    }

    /// The repulsion `options` ask for at `n` points (`repulsion` if set, else `gradient` resolved).
    public static func resolvedRepulsion(_ options: Options, count n: Int) throws -> TSNEGradient.Repulsion {
        let chosen: TSNEGradient.Repulsion
        if let explicit = options.repulsion {
            chosen = explicit
        } else {
            switch options.gradient {
            case .auto: chosen = n < 100 ? .exact : (n < fftThreshold ? .barnesHut(theta: options.theta) : .fftInterpolation(options.interpolation))
            case .exact: chosen = .exact
            case .barnesHut: chosen = .barnesHut(theta: options.theta)
            case .fftInterpolation: chosen = .fftInterpolation(options.interpolation)
            }
        }
        switch chosen {
        case .exact: break
        case let .barnesHut(theta):
            guard theta >= 0, theta.isFinite else {
                throw LoupeError(.invalidConfig, location: "theta", "must be a finite number >= 0, got \(theta)")
            }
        case let .fftInterpolation(settings): try settings.validate()
        }
        return chosen
    }

    /// One openTSNE gradient-descent step: gains (+0.2 where sign(update) ≠ sign(gradient), else
    /// ×0.8 + minGain), momentum update, per-point norm clip, then re-centring to zero mean.
    static func step(_ y: inout [Double], update: inout [Double], gains: inout [Double], gradient: [Double],
                     rate: Double, momentum: Double, minGain: Double, maxStepNorm: Double?) {
        let n = y.count / 2
        for e in 0..<y.count {
            let g = gradient[e], u = update[e]
            let flipped = sign(u) != sign(g)
            gains[e] = flipped ? gains[e] + 0.2 : gains[e] * 0.8 + minGain
            update[e] = momentum * u - rate * gains[e] * g
        }
        var meanX = 0.0, meanY = 0.0
        for i in 0..<n {
            if let cap = maxStepNorm {
                let norm = (update[2 * i] * update[2 * i] + update[2 * i + 1] * update[2 * i + 1]).squareRoot()
                if norm > cap {
                    update[2 * i] *= cap / norm
                    update[2 * i + 1] *= cap / norm
                }
            }
            y[2 * i] += update[2 * i]; y[2 * i + 1] += update[2 * i + 1]
            meanX += y[2 * i]; meanY += y[2 * i + 1]
        }
        meanX /= Double(n); meanY /= Double(n)
        for i in 0..<n { y[2 * i] -= meanX; y[2 * i + 1] -= meanY }
    }

    @inline(__always) static func sign(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }
}
