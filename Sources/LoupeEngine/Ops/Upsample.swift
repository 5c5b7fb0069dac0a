import LoupeONNX
import LoupeTensor

/// ONNX Upsample (deprecated, opsets 1–9): nearest or linear enlargement with asymmetric
/// coordinates, sharing Resize's kernels.
///
/// Scales come from the `scales` attribute (opset 7), a constant input (opset 9), or the
/// `height_scale`/`width_scale` attributes (before opset 7).
public struct UpsampleOperator: ResamplingOperator {
    public static let opType = "Upsample"
    let core: ResizeCore
    let attributeScales: [Float]?

    public init(node: Node, opset: Int) throws {
        let modeName = try node.string("mode", default: "nearest")
        let mode: ResizeCore.Mode
        switch modeName {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear
        default: throw node.error("mode '\(modeName)' is not supported (nearest, linear)")
        }
        if opset >= 9 {
            attributeScales = nil
        } else if opset >= 7 {
            guard let scales = try node.floats("scales") else { throw node.error("missing required attribute 'scales'") }
            attributeScales = scales
        } else {
            attributeScales = [1, 1, try node.float("height_scale", default: 1), try node.float("width_scale", default: 1)]
        }
        core = ResizeCore(node: node, mode: mode, coordinate: .asymmetric, nearest: nil, axes: nil)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try core.node.facts(inputs, 0, "X")
        let scales = try attributeScales ?? core.node.constantFloats(inputs, 1, "scales")
        return [ValueFacts(shape: try core.plan(x.shape, scales: scales, sizes: nil).output)]
    }

    func plan(_ inputs: [TensorValue?], shape: [Int]) throws -> ResizeCore.Plan {
        try core.plan(shape, scales: attributeScales ?? core.node.optional(inputs, 1)?.asFloat.scalars, sizes: nil)
    }
}
