import LoupeONNX
import LoupeTensor

/// What `Conv` and `ConvTranspose` share: facts from `plan`, and a backward that reads the inputs.
///
/// A member writes `plan` (geometry and output shape from the input shapes), `forward` and `backward`.
protocol ConvolutionFamilyOperator: Operator {
    var node: Node { get }
    var window: SlidingWindowAttributes { get }
    /// The convolution geometry and the output shape for these input shapes, or an error naming the mismatch.
    func plan(input: [Int], weight: [Int], bias: [Int]?) throws -> (ConvolutionGeometry, [Int])
}

extension ConvolutionFamilyOperator {
    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.floatFacts(inputs, 0, "X"), w = try node.floatFacts(inputs, 1, "W")
        let (_, shape) = try plan(input: x.shape, weight: w.shape, bias: node.optional(inputs, 2)?.shape)
        return [ValueFacts(shape: shape)]
    }

    public var backwardNeeds: BackwardNeeds { .inputs }

    /// X, W, the optional B, and the geometry and output shape they give.
    func forwardOperands(_ inputs: [TensorValue?]) throws
        -> (x: Tensor, w: Tensor, b: Tensor?, geometry: ConvolutionGeometry, shape: [Int]) {
        let x = try node.float(inputs, 0, "X"), w = try node.float(inputs, 1, "W")
        let b = node.optional(inputs, 2)?.asFloat
        let (geometry, shape) = try plan(input: x.shape, weight: w.shape, bias: b?.shape)
        return (x, w, b, geometry, shape)
    }

    /// The number of spatial axes, after checking that the weight has the input's rank.
    func spatialRank(input: [Int], weight: [Int]) throws -> Int {
        let rank = try SlidingWindowAttributes.spatialRank(of: input, node: node)
        guard weight.count == input.count else {
            throw node.error("weight shape \(weight) should have rank \(input.count) like input \(input)")
        }
        return rank
    }

    /// Per-axis windows for the weight's kernel (pads not yet resolved), after checking the bias and `kernel_shape`.
    func windowAxes(weight: [Int], bias: [Int]?, outChannels m: Int) throws -> [WindowAxis] {
        if let bias, bias != [m] { throw node.error("bias shape \(bias) should be [\(m)]") }
        let kernel = Array(weight[2...])
        if let declared = window.kernelShape, declared != kernel {
            throw node.error("kernel_shape \(declared) does not match weight shape \(weight)")
        }
        guard kernel.allSatisfy({ $0 >= 1 }) else { throw node.error("weight shape \(weight) has an empty kernel") }
        return try window.axes(kernel: kernel, node: node)
    }
}

extension LinearSupport {
    /// The bias gradient of a convolution: the sums of `gradient` over batch and plane, one per channel.
    static func channelSums(_ gradient: Tensor, batch: Int, channels: Int, plane: Int) -> Tensor {
        var sums = [Float](repeating: 0, count: channels)
        read(gradient.scalars) { gp in
            write(&sums) { ConvolutionKernel.channelSums(gp, batch: batch, channels: channels, plane: plane, into: $0) }
        }
        return Tensor(shape: [channels], scalars: sums)
    }
}
