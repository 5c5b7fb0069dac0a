import LoupeONNX
import LoupeTensor

/// What `Conv` and `ConvTranspose` share: facts from `plan`, and a backward that reads the inputs.
///
/// A member writes `plan` (geometry and output shape from the input shapes), `forward` and `backward`.
protocol ConvolutionFamilyOperator: Operator {
    var node: Node { get }
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
