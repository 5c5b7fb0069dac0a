import Foundation
import LoupeEngine
import LoupeTensor

/// Class-model visualisation (Simonyan et al. 2013; docs/feature-visualisation.md#class-model-visualisation).
///
/// Finds `I* = argmax_I f_c(I + mean) − λ‖I‖²` by plain gradient ascent from the zero image of the
/// mean-subtracted input space: `I ← I + η (∇f_c − 2λI)`. The objective is the unnormalised class
/// score (not the softmax). No clamping or other regulariser is applied; the image may leave the
/// data's value range (it is normalised for display only).
public enum ClassModelVisualisation {
    /// Step size and L2 weight; `nil` values are calibrated from the gradient at the zero image.
    public struct Settings: Sendable, Equatable {
        public var iterations = 200
        /// λ of the L2 penalty (nil: calibrated, see `calibrate`).
        public var l2: Float?
        /// Step size η (nil: `stepFraction / (2λ)`).
        public var stepSize: Float?
        /// With a calibrated step, each step moves `stepFraction` of the way to the linearised optimum.
        public var stepFraction: Float = 0.05
        /// Calibration target: RMS of the linearised optimum `∇f_c / (2λ)` in input units (nil: 1).
        public var targetRMS: Float?

        public init(iterations: Int = 200, l2: Float? = nil, stepSize: Float? = nil) {
            self.iterations = iterations
            self.l2 = l2
            self.stepSize = stepSize
        }
    }

    /// Result plus the λ and η actually used.
    public struct Output: Sendable {
        public var result: VisualisationResult
        public var l2: Float
        public var stepSize: Float
    }

    /// Optimises one image per row of `objective` (normally one per class).
    public static func run(model: Model, inputName: String, objective: VisualisationObjective, space: VisualisationSpace,
                           settings: Settings) throws -> Output {
        guard settings.iterations >= 1 else { throw LoupeError(.invalidConfig, location: "iterations", "must be at least 1") }
        let rows = objective.elements.count
        var x = Tensor(shape: [rows] + space.shape)
        let first = try objective.evaluate(model, inputName: inputName, images: space.modelInput(x))
        let l2 = settings.l2 ?? calibrate(gradient: first.gradient, rows: rows, targetRMS: settings.targetRMS ?? 1)
        guard l2 > 0, l2.isFinite else { throw LoupeError(.invalidConfig, location: "l2", "must be a positive number") }
        let step = settings.stepSize ?? settings.stepFraction / (2 * l2)
        guard step > 0, step.isFinite else { throw LoupeError(.invalidConfig, location: "step", "must be a positive number") }
        var current = first
        var history = [Float]()
        var objectives = [Float](repeating: 0, count: rows)
        for iteration in 0..<settings.iterations {
            if iteration > 0 { current = try objective.evaluate(model, inputName: inputName, images: space.modelInput(x)) }
            objectives = penalised(current.values, x, l2: l2, rows: rows)
            history.append(objectives.reduce(0, +) / Float(max(rows, 1)))
            x.scalars.withUnsafeMutableBufferPointer { image in
                current.gradient.scalars.withUnsafeBufferPointer { g in
                    for i in 0..<image.count { image[i] += step * (g[i] - 2 * l2 * image[i]) }
                }
            }
        }
        let last = try objective.evaluate(model, inputName: inputName, images: space.modelInput(x))
        objectives = penalised(last.values, x, l2: l2, rows: rows)
        history.append(objectives.reduce(0, +) / Float(max(rows, 1)))
        let result = VisualisationResult(images: space.modelInput(x), finalValues: last.values, finalObjectives: objectives,
                                         initialValues: first.values, history: history, iterations: settings.iterations)
        return Output(result: result, l2: l2, stepSize: step)
    }

    /// λ such that the linearised optimum `g₀/(2λ)` has RMS `targetRMS`, with `g₀` the gradient at the zero
    /// image averaged (by RMS) over rows; 1 when that gradient vanishes.
    static func calibrate(gradient: Tensor, rows: Int, targetRMS: Float) -> Float {
        let per = gradient.count / max(rows, 1)
        var total: Double = 0
        for row in 0..<rows {
            var sum: Double = 0
            for i in (row * per)..<((row + 1) * per) { sum += Double(gradient.scalars[i] * gradient.scalars[i]) }
            total += (sum / Double(max(per, 1))).squareRoot()
        }
        let rms = Float(total / Double(max(rows, 1)))
        return rms > 0 && rms.isFinite ? rms / (2 * max(targetRMS, 1e-6)) : 1
    }

    /// `f_c − λ‖I‖²` per row.
    static func penalised(_ values: [Float], _ x: Tensor, l2: Float, rows: Int) -> [Float] {
        let per = x.count / max(rows, 1)
        return (0..<rows).map { row in
            var sum: Float = 0
            for i in (row * per)..<((row + 1) * per) { sum += x.scalars[i] * x.scalars[i] }
            return values[row] - l2 * sum
        }
    }
}
