import Foundation
import LoupeEngine
import LoupeTensor

/// Quadrature rules for the path integral of Integrated Gradients (Captum's names).
public enum IntegrationRule: String, Sendable, CaseIterable {
    case gaussLegendre = "gauss-legendre"
    case riemannLeft = "riemann-left"
    case riemannRight = "riemann-right"
    case riemannMiddle = "riemann-middle"
    case riemannTrapezoid = "riemann-trapezoid"

    /// Nodes α_k in [0, 1] and weights w_k for `n` steps (docs/attribution.md#quadrature-rules).
    public func nodesAndWeights(_ n: Int) throws -> (alphas: [Double], weights: [Double]) {
        guard n >= 1 else { throw LoupeError(.invalidConfig, location: "--steps", "must be at least 1, got \(n)") }
        if self != .gaussLegendre && n < 2 {
            throw LoupeError(.invalidConfig, location: "--steps", "Riemann rules need at least 2 steps")
        }
        let step = 1.0 / Double(n)
        switch self {
        case .gaussLegendre:
            let (t, w) = IntegrationRule.legendre(n)
            return (t.map { (1 + $0) / 2 }, w.map { $0 / 2 })
        case .riemannLeft:
            return ((0..<n).map { Double($0) * (1 - step) / Double(n - 1) }, [Double](repeating: step, count: n))
        case .riemannRight:
            return ((0..<n).map { step + Double($0) * (1 - step) / Double(n - 1) }, [Double](repeating: step, count: n))
        case .riemannMiddle:
            return ((0..<n).map { step / 2 + Double($0) * (1 - step) / Double(n - 1) }, [Double](repeating: step, count: n))
        case .riemannTrapezoid:
            var weights = [Double](repeating: step, count: n)
            weights[0] = step / 2
            weights[n - 1] = step / 2
            return ((0..<n).map { Double($0) / Double(n - 1) }, weights)
        }
    }

    /// Gauss–Legendre nodes (ascending) and weights on [−1, 1] by Newton iteration on P_n.
    static func legendre(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        for i in 0..<((n + 1) / 2) {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            /// P_n(x) and P_n'(x) by the three-term recurrence.
            func legendreValueAndDerivative(_ x: Double) -> (value: Double, derivative: Double) {
                var p0 = 1.0, p1 = x
                for k in stride(from: 2, through: n, by: 1) {
                    let p2 = ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                return (p1, Double(n) * (x * p1 - p0) / (x * x - 1))
            }
            for _ in 0..<100 {
                let (value, derivative) = legendreValueAndDerivative(x)
                let dx = value / derivative
                x -= dx
                if abs(dx) < 1e-16 { break }
            }
            let derivative = legendreValueAndDerivative(x).derivative
            let w = 2 / ((1 - x * x) * derivative * derivative)
            nodes[i] = -x; nodes[n - 1 - i] = x
            weights[i] = w; weights[n - 1 - i] = w
        }
        if n % 2 == 1 { nodes[n / 2] = 0 }
        return (nodes, weights)
    }
}

/// The baseline Integrated Gradients starts from.
public enum IntegratedGradientsBaseline: Sendable, Equatable {
    /// All zeros (in normalised input space: the dataset-mean colour).
    case zero
    /// A constant value everywhere.
    case constant(Float)
    /// Uniform noise in [min, max] of each image, seeded.
    case uniform(seed: UInt64)
}

/// Integrated Gradients (Sundararajan et al. 2017; docs/attribution.md#integrated-gradients) with its completeness error.
public enum IntegratedGradients {
    /// Attributions and, per image, the convergence delta Σ IG − (f(x) − f(x')) and its relative size.
    public struct Result: Sendable {
        public var attributions: Tensor
        public var delta: [Float]
        public var relativeDelta: [Float]
    }

    /// Computes IG for each image; path points are evaluated in batches of `internalBatchSize`
    /// rows, so memory stays flat however many steps are asked for.
    ///
    /// When the input feeds a single convolution (`Model.inputSplit`), that layer is affine along the
    /// path: its output is interpolated between its values at the baseline and at the image, the path
    /// points run through the rest of the network only, and the layer's input gradient is taken once,
    /// of the weighted sum of the path gradients (the same sum, reordered by linearity).
    public static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], steps: Int = 50,
                                 rule: IntegrationRule = .gaussLegendre, baseline: IntegratedGradientsBaseline = .zero,
                                 internalBatchSize: Int = 32) throws -> Result {
        let (alphas, weights) = try rule.nodesAndWeights(steps)
        let split = classifier.inputName == classifier.model.primaryInputName ? classifier.model.inputSplit() : nil
        let rest = try split.map { try Classifier(model: $0.rest) }
        let n = images.shape[0]
        let rowSize = images.count / max(n, 1)
        var attributions = Tensor(shape: images.shape)
        var deltas = [Float](), relative = [Float]()
        for image in 0..<n {
            let x = images.slice(batch: image..<(image + 1))
            let base = try baselineImage(baseline, for: x, index: image)
            let path = PathIntegral(alphas: alphas, weights: weights, target: targets[image],
                                    batchSize: max(1, internalBatchSize))
            let integral: Tensor
            if let split, let rest {
                // First-layer values at the path's ends; their inputs stay [base, x] for the rest.
                let firstLayer = try split.first.run([classifier.inputName: Tensor.stacking(batches: [base, x])])
                guard let layer = firstLayer.outputs[split.value]?.asFloat, layer.shape.first == 2 else {
                    throw LoupeError(.computation, location: split.value, "first-layer value was not produced")
                }
                let summed = try path.integrate(rest, from: layer.slice(batch: 0..<1), to: layer.slice(batch: 1..<2))
                let back = try split.first.gradients([classifier.inputName: x], target: split.value,
                                                     seed: { _ in summed }, wrt: [classifier.inputName])
                guard let gradient = back.gradients[classifier.inputName] else {
                    throw LoupeError(.computation, location: classifier.inputName, "input gradient was not produced")
                }
                integral = gradient
            } else {
                integral = try path.integrate(classifier, from: base, to: x)
            }
            var total = 0.0
            for i in 0..<rowSize {
                let a = Double(x.scalars[i] - base.scalars[i]) * Double(integral.scalars[i])
                attributions.scalars[image * rowSize + i] = Float(a)
                total += a
            }
            let ends = try classifier.scores(Tensor.stacking(batches: [x, base]))
            let classes = ends.shape[1]
            let difference = Double(ends.scalars[targets[image]]) - Double(ends.scalars[classes + targets[image]])
            deltas.append(Float(total - difference))
            relative.append(Float(abs(total - difference) / max(abs(difference), 1e-12)))
        }
        return Result(attributions: attributions, delta: deltas, relativeDelta: relative)
    }

    /// The quadrature of one image's path: `Σ_k w_k ∇f(start + α_k (stop − start))` for a classifier.
    struct PathIntegral {
        let alphas: [Double], weights: [Double]
        let target: Int
        let batchSize: Int

        /// The weighted sum of the gradients of `classifier`'s target score at the path points, in
        /// batches of `batchSize` points (`start` and `stop` are single-row batches).
        func integrate(_ classifier: Classifier, from start: Tensor, to stop: Tensor) throws -> Tensor {
            let rowSize = start.count
            var integral = [Double](repeating: 0, count: rowSize)
            var done = 0
            // The interpolation and the weighted sum run over the workers, element ranges apart.
            let grain = 1 << 14
            while done < alphas.count {
                let chunk = min(batchSize, alphas.count - done)
                var points = Tensor(shape: [chunk] + start.shape.dropFirst())
                let pathAlphas = alphas[done..<(done + chunk)].map { Float($0) }
                start.scalars.withUnsafeBufferPointer { from in
                    stop.scalars.withUnsafeBufferPointer { to in
                        points.scalars.withUnsafeMutableBufferPointer { out in
                            let (a, b, p) = (UncheckedBox(from), UncheckedBox(to), UncheckedBox(out))
                            Parallel.forEachChunk(rowSize, grain: grain) { range in
                                for (s, alpha) in pathAlphas.enumerated() {
                                    for i in range { p.value[s * rowSize + i] = a.value[i] + alpha * (b.value[i] - a.value[i]) }
                                }
                            }
                        }
                    }
                }
                let gradient = try GradientAttribution.saliency(classifier, images: points,
                                                                 targets: [Int](repeating: target, count: chunk))
                let pathWeights = Array(weights[done..<(done + chunk)])
                gradient.scalars.withUnsafeBufferPointer { g in
                    integral.withUnsafeMutableBufferPointer { sum in
                        let (gb, sb) = (UncheckedBox(g), UncheckedBox(sum))
                        Parallel.forEachChunk(rowSize, grain: grain) { range in
                            for (s, w) in pathWeights.enumerated() {
                                for i in range { sb.value[i] += w * Double(gb.value[s * rowSize + i]) }
                            }
                        }
                    }
                }
                done += chunk
            }
            return Tensor(shape: start.shape, scalars: integral.map { Float($0) })
        }
    }

    /// The baseline image x' for one image (shape 1 x sample).
    static func baselineImage(_ baseline: IntegratedGradientsBaseline, for x: Tensor, index: Int) throws -> Tensor {
        switch baseline {
        case .zero: return Tensor(shape: x.shape)
        case .constant(let value): return Tensor(shape: x.shape, repeating: value)
        case .uniform(let seed):
            var generator = SeededGenerator(seed: seed &+ UInt64(index))
            let low = x.scalars.min() ?? 0, high = x.scalars.max() ?? 0
            return Tensor(shape: x.shape, scalars: x.scalars.map { _ in low + Float(generator.uniform()) * (high - low) })
        }
    }
}
