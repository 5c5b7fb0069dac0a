import LoupeONNX
import LoupeTensor

/// ONNX `ConvTranspose`: 2-D (or 1-D) transposed convolution, the adjoint of `Conv`.
///
/// Inputs: X `[N, C, H, W]`, W `[C, M/group, kH, kW]`, optional B `[M]`. Internally this is
/// a convolution geometry whose *input* is our output: forward is that convolution's input
/// gradient, the input gradient is that convolution's forward. With `output_shape` (or
/// SAME auto_pad) the total padding is split as the ONNX spec (and onnxruntime 1.32) says:
/// SAME_UPPER crops the odd pixel at the end, anything else at the start.
public struct ConvTransposeOperator: ConvolutionFamilyOperator {
    public static let opType = "ConvTranspose"
    let node: Node
    let window: SlidingWindowAttributes
    let group: Int
    let outputPadding: [Int]?
    let outputShape: [Int]?

    public init(node: Node, opset: Int) throws {
        self.node = node
        window = try SlidingWindowAttributes(node: node)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw node.error("group must be positive, got \(group)") }
        outputPadding = try node.ints("output_padding")
        outputShape = try node.ints("output_shape")
        if let p = outputPadding, p.contains(where: { $0 < 0 }) { throw node.error("output_padding \(p) must not be negative") }
        if let s = outputShape, s.contains(where: { $0 < 1 || $0 > 1 << 30 }) {
            throw node.error("output_shape \(s) must be positive and below 2^30")
        }
        if let p = outputPadding, p.contains(where: { $0 > SlidingWindowAttributes.limit }) {
            throw node.error("output_padding \(p) exceeds \(SlidingWindowAttributes.limit)")
        }
    }

    /// The (convolution-view) geometry and our output shape for these input shapes.
    func plan(input: [Int], weight: [Int], bias: [Int]?) throws -> (ConvolutionGeometry, [Int]) {
        let rank = try spatialRank(input: input, weight: weight)
        let (n, c) = (input[0], input[1])
        guard weight[0] == c else { throw node.error("input has \(c) channels but weight \(weight) expects \(weight[0])") }
        guard c % group == 0 else { throw node.error("input channels \(c) are not divisible by group \(group)") }
        let m = weight[1] * group
        var axes = try windowAxes(weight: weight, bias: bias, outChannels: m)
        let adjust = outputPadding ?? [Int](repeating: 0, count: rank)
        guard adjust.count == rank else { throw node.error("output_padding \(adjust) should have \(rank) values") }
        var requested: [Int]?
        if let outputShape {
            guard outputShape.count == rank || outputShape.count == rank + 2 else {
                throw node.error("output_shape \(outputShape) should have \(rank) or \(rank + 2) values")
            }
            requested = Array(outputShape.suffix(rank))
        }
        let spatial = Array(input[2...])
        var outSpatial = [Int]()
        for i in 0..<rank {
            var axis = axes[i]
            guard adjust[i] < max(axis.stride, axis.dilation) else {
                throw node.error("output_padding \(adjust[i]) must be smaller than the stride or dilation")
            }
            let natural = axis.stride * (spatial[i] - 1) + adjust[i] + axis.span
            var target: Int?
            if let requested { target = requested[i] } else if window.autoPad == .sameUpper || window.autoPad == .sameLower {
                target = spatial[i] * axis.stride
            }
            if window.autoPad == .valid && requested == nil {
                axis.padBegin = 0; axis.padEnd = 0
            } else if let target {
                let total = max(0, natural - target)
                axis.padBegin = window.autoPad == .sameUpper ? total / 2 : total - total / 2
                axis.padEnd = total - axis.padBegin
            }
            let extent = target ?? natural - axis.padBegin - axis.padEnd
            guard extent >= 1 else {
                throw node.error("output size \(extent) along spatial axis \(i) is not positive (pads too large)")
            }
            // The convolution this transposes must map the output back onto the input's extent.
            let roundTrip = (extent + axis.padBegin + axis.padEnd - axis.span) / axis.stride + 1
            guard target == nil || roundTrip == spatial[i] else {
                throw node.error("output_shape \(extent) along spatial axis \(i) is inconsistent with input size "
                                 + "\(spatial[i]) (it would correspond to input size \(roundTrip))")
            }
            axes[i] = axis
            outSpatial.append(extent)
        }
        // The convolution that this transposes: its input is our output, its output our input.
        let geometry = SlidingWindowAttributes.geometry(batch: n, inChannels: m, outChannels: c, spatialIn: outSpatial,
                                                        spatialOut: spatial, axes: axes, groups: group)
        return (geometry, [n, m] + outSpatial)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let (x, w, b, geometry, shape) = try forwardOperands(inputs)
        var y = LinearSupport.uninitialized(try node.count(shape))
        LinearSupport.borrow(x.scalars, w.scalars, b?.scalars, writing: &y) { xp, wp, bp, yp in
            ConvolutionKernel.backward(input: nil, weight: wp, gradOutput: xp, geometry: geometry, gradInput: yp, gradWeight: nil)
            if let bp {
                ConvolutionKernel.addBias(bp, to: yp, batch: geometry.batch, channels: geometry.inChannels, plane: geometry.inPlane)
            }
        }
        return [.float(Tensor(shape: shape, scalars: y))]
    }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let x = try context.floatInput(0), w = try context.floatInput(1)
        let hasBias = context.inputs.count > 2 && context.inputs[2] != nil
        let (geometry, shape) = try plan(input: x.shape, weight: w.shape, bias: nil)
        let dy = context.gradient(0, shape: shape)
        let wantX = context.wants(0), wantW = context.wants(1)
        var dx = [Float](repeating: 0, count: wantX ? x.count : 0)
        var dw = [Float](repeating: 0, count: wantW ? w.count : 0)
        LinearSupport.borrow(x.scalars, w.scalars, dy.scalars, writing: &dx, &dw) { xp, wp, dyp, dxp, dwp in
            if wantX {
                ConvolutionKernel.forward(input: dyp, weight: wp, bias: nil, geometry: geometry, output: dxp)
            }
            if wantW {
                ConvolutionKernel.backward(input: dyp, weight: wp, gradOutput: xp, geometry: geometry, gradInput: nil, gradWeight: dwp)
            }
        }
        let db = hasBias && context.wants(2)
            ? LinearSupport.channelSums(dy, batch: geometry.batch, channels: geometry.inChannels, plane: geometry.inPlane) : nil
        let grads = [wantX ? Tensor(shape: x.shape, scalars: dx) : nil, wantW ? Tensor(shape: w.shape, scalars: dw) : nil, db]
        return Array(grads.prefix(max(2, context.inputs.count)))
    }
}
