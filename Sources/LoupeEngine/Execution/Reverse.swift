import LoupeONNX
import LoupeTensor

/// A forward pass and the gradients a reverse pass computed from one seeded value.
public struct GradientResult: Sendable {
    /// Graph outputs and taps of the forward pass.
    public var forward: ForwardResult
    /// The forward value of the seeded target.
    public var target: Tensor
    /// Gradients of the objective with respect to each requested value (zeros when unreachable).
    public var gradients: [String: Tensor]

    public init(forward: ForwardResult, target: Tensor, gradients: [String: Tensor]) {
        self.forward = forward
        self.target = target
        self.gradients = gradients
    }
}

extension Model {
    /// Runs forward, then reverse mode from `target`, returning gradients for the values in `wrt`.
    ///
    /// - Parameters:
    ///   - inputs: graph inputs by name.
    ///   - target: the value the objective reads (e.g. the logits feeding a final Softmax).
    ///   - seed: maps the target's forward value to dObjective/dTarget (same shape), e.g. a
    ///     one-hot row per image for a class score.
    ///   - wrt: value names to return gradients for: graph inputs, intermediate values
    ///     (Grad-CAM layers) or initializers (parameter gradients).
    ///   - taps: intermediate values to capture, as in `run`.
    ///   - reluRule: how ReLU routes gradients (saliency, Guided Backprop, Deconvnet).
    /// Saved forward values are released as soon as the last backward step that reads them ran. A batch
    /// of several images runs as one slice per worker when the graph keeps images apart (`SlicedRun`);
    /// `seed` is still called once, with the whole batch's target.
    public func gradients(_ inputs: [String: Tensor], target: String, seed: (Tensor) throws -> Tensor,
                          wrt: Set<String>, taps: Set<String> = [], reluRule: ReluRule = .standard) throws -> GradientResult {
        try gradients(inputs, target: target, seed: seed, wrt: wrt, taps: taps, reluRule: reluRule, fuse: Fusion.isEnabled)
    }

    /// `gradients`, with fused tails beside their heads (`Fusion.runsBesideHead`) only when `fuse` is set,
    /// and oneDNN chains only with at least `chainMinimum` convolution multiply-adds per image.
    /// A batch of several images runs as one slice per worker when it may (`gradientsInSlices`), and
    /// layers whose rows the target does not read on the rows it does read (`RowPruning`).
    func gradients(_ inputs: [String: Tensor], target: String, seed: (Tensor) throws -> Tensor,
                   wrt: Set<String>, taps: Set<String>, reluRule: ReluRule, fuse: Bool,
                   chainMinimum: Int = BlockedChain.minimumGradientMultiplyAddsPerImage) throws -> GradientResult {
        let pruned = modelForRun(requesting: wrt.union(taps).union([target]))
        if pruned !== self {
            return try pruned.gradients(inputs, target: target, seed: seed, wrt: wrt, taps: taps, reluRule: reluRule, fuse: fuse,
                                        chainMinimum: chainMinimum)
        }
        let request = GradientRequest(target: target, wrt: wrt, taps: taps, reluRule: reluRule, fuse: fuse, chainMinimum: chainMinimum)
        if let sliced = try gradientsInSlices(inputs, request, seed: seed) { return sliced }
        let run = try GradientRun(model: self, inputs: inputs, request)
        return try run.backward(seed: try seed(run.target))
    }
}

/// What a gradient run is asked for, beside its inputs and seed (see `Model.gradients`).
struct GradientRequest {
    var target: String
    var wrt: Set<String>
    var taps: Set<String>
    var reluRule: ReluRule
    var fuse: Bool
    var chainMinimum: Int
}

extension Tensor {
    /// Adds `other` (same shape) elementwise, in place when the storage is not shared.
    mutating func add(_ other: Tensor) {
        scalars.withUnsafeMutableBufferPointer { r in
            other.scalars.withUnsafeBufferPointer { o in
                for i in 0..<r.count { r[i] += o[i] }
            }
        }
    }
}
