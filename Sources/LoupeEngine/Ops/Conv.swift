import LoupeONNX
import LoupeTensor

/// ONNX `Conv`: 2-D (or 1-D) NCHW convolution with groups, strides, pads, dilations and optional bias.
///
/// Inputs: X `[N, C, H, W]`, W `[M, C/group, kH, kW]`, optional B `[M]`. Wide 3x3 stride-1 layers
/// run through `WinogradConvolution` (forward and input gradient, with the transformed kernels kept
/// in `winogradWeights`); the rest through `ConvolutionKernel` (im2col + GEMM, or direct loops when depthwise).
public struct ConvOperator: ConvolutionFamilyOperator {
    public static let opType = "Conv"
    let node: Node
    let window: SlidingWindowAttributes
    let group: Int
    let winogradWeights = ConvWinogradWeights()

    /// The geometry and output shape for these input shapes, or an error naming the mismatch.
    func plan(input: [Int], weight: [Int], bias: [Int]?) throws -> (ConvolutionGeometry, [Int]) {
        let rank = try spatialRank(input: input, weight: weight)
        let (n, c, m) = (input[0], input[1], weight[0])
        guard c % group == 0, weight[1] * group == c else {
            throw node.error("input has \(c) channels but weight \(weight) with group \(group) expects \(weight[1] * group)")
        }
        guard m % group == 0 else { throw node.error("weight has \(m) output channels, not divisible by group \(group)") }
        var axes = try windowAxes(weight: weight, bias: bias, outChannels: m)
        let spatial = Array(input[2...])
        var outSpatial = [Int]()
        for i in 0..<rank {
            axes[i] = axes[i].resolved(window.autoPad, input: spatial[i])
            guard let extent = axes[i].outputExtent(input: spatial[i]) else {
                throw node.error("kernel extent \(axes[i].span) is larger than the padded input "
                                 + "\(spatial[i] + axes[i].padBegin + axes[i].padEnd) along spatial axis \(i)")
            }
            outSpatial.append(extent)
        }
        let geometry = SlidingWindowAttributes.geometry(batch: n, inChannels: c, outChannels: m, spatialIn: spatial,
                                                        spatialOut: outSpatial, axes: axes, groups: group)
        return (geometry, [n, m] + outSpatial)
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] { try forward(inputs, epilogue: nil) }

    /// The convolution followed by a fused elementwise tail: Loupe's own kernels apply it to each
    /// chunk of the output as it is written; after oneDNN and Winograd it runs once over the output.
    public func forward(_ inputs: [TensorValue?], epilogue: UnaryFunction?) throws -> [TensorValue] {
        let (x, w, b, geometry, shape) = try forwardOperands(inputs)
        let count = try node.count(shape)
        var y = LinearSupport.uninitialized(count)
        LinearSupport.borrow(x.scalars, w.scalars, b?.scalars, writing: &y) { xp, wp, bp, yp in
            var afterwards = epilogue
            if DNNLConvolution.forwardIfChosen(input: xp, weight: wp, bias: bp, geometry: geometry, output: yp) {
                // oneDNN ran it (`ConvolutionRule` chose it for this layer).
            } else if WinogradConvolution.isWorthwhile(for: geometry) {
                LinearSupport.read(winogradWeights.transformed(w)) { up in
                    WinogradConvolution.forward(input: xp, transformedWeight: up, bias: bp, geometry: geometry, output: yp)
                }
            } else {
                ConvolutionKernel.forward(input: xp, weight: wp, bias: bp, geometry: geometry, output: yp, epilogue: epilogue)
                afterwards = nil
            }
            if let afterwards { applyUnaryInPlace(afterwards, to: yp, count: count) }
        }
        return [.float(Tensor(shape: shape, scalars: y))]
    }

    /// dX reads W and dW reads X: a convolution with a fixed kernel keeps no activation for saliency.
    public func inputsRead(wanting wanted: [Bool]) -> [Bool] { bilinearInputsRead(wanted) }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        let wantX = context.wants(0), wantW = context.wants(1)
        let xShape = try context.inputShape(0), wShape = try context.inputShape(1)
        // X is read only for dW and W only for dX (`inputsRead`); an unread one stays empty.
        let x = wantW ? try context.floatInput(0) : Tensor(shape: [0]), w = wantX ? try context.floatInput(1) : Tensor(shape: [0])
        let hasBias = context.hasInput(2)
        let (geometry, shape) = try plan(input: xShape, weight: wShape, bias: hasBias ? [wShape[0]] : nil)
        let dy = context.gradient(0, shape: shape)
        let xCount = xShape.reduce(1, *)
        let inputRoute = ConvolutionRule.route(for: geometry).inputGradient
        let winograd = wantX && inputRoute == .winograd
        // Loupe's direct kernel adds into dX; Winograd and oneDNN write every element (no zeroing first).
        let written = wantX && (winograd || inputRoute.oneDNNAlgorithm != nil)
        var dx = written ? LinearSupport.uninitialized(xCount) : [Float](repeating: 0, count: wantX ? xCount : 0)
        var dw = [Float](repeating: 0, count: wantW ? wShape.reduce(1, *) : 0)
        LinearSupport.borrow(x.scalars, w.scalars, dy.scalars, writing: &dx, &dw) { xp, wp, dyp, dxp, dwp in
            let oneDNNX = wantX && DNNLConvolution.inputGradientIfChosen(weight: wp, gradOutput: dyp, geometry: geometry, gradInput: dxp)
            if written && !winograd && !oneDNNX { dxp.update(repeating: 0, count: xCount) }
            if winograd && !oneDNNX {
                LinearSupport.read(winogradWeights.transformed(w)) { up in
                    WinogradConvolution.forward(input: dyp, transformedWeight: up, inputGradient: true, bias: nil,
                                                geometry: WinogradConvolution.inputGradientGeometry(geometry), output: dxp)
                }
            }
            let oneDNNW = wantW && DNNLConvolution.weightGradientIfChosen(input: xp, gradOutput: dyp, geometry: geometry, gradWeight: dwp)
            let ownX = wantX && !winograd && !oneDNNX, ownW = wantW && !oneDNNW
            if ownX || ownW {
                ConvolutionKernel.backward(input: wantW ? xp : nil, weight: wp, gradOutput: dyp, geometry: geometry,
                                           gradInput: ownX ? dxp : nil, gradWeight: ownW ? dwp : nil)
            }
        }
        let db = hasBias && context.wants(2)
            ? LinearSupport.channelSums(dy, batch: geometry.batch, channels: geometry.outChannels, plane: geometry.outPlane) : nil
        let grads = [wantX ? Tensor(shape: xShape, scalars: dx) : nil, wantW ? Tensor(shape: wShape, scalars: dw) : nil, db]
        return Array(grads.prefix(max(2, context.inputs.count)))
    }
}

extension ConvOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, window: try SlidingWindowAttributes(node: node), group: try node.int("group", default: 1))
        guard group >= 1 else { throw node.error("group must be positive, got \(group)") }
    }
}
