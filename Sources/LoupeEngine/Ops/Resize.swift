import LoupeONNX
import LoupeTensor

/// ONNX Resize (opsets 10–19): nearest or bilinear resampling to constant scales or sizes.
///
/// Inputs X, roi (ignored), scales, sizes (opset 10: X, scales). Modes `nearest` (with
/// `nearest_mode`) and `linear` (last two axes); coordinate modes half_pixel, asymmetric,
/// align_corners and pytorch_half_pixel. Cubic, antialiasing and crop-and-resize are refused.
public struct ResizeOperator: ResamplingOperator {
    public static let opType = "Resize"
    let core: ResizeCore
    let scalesIndex: Int
    let sizesIndex: Int?

    public init(node: Node, opset: Int) throws {
        let modeName = try node.string("mode", default: "nearest")
        let mode: ResizeCore.Mode
        switch modeName {
        case "nearest": mode = .nearest
        case "linear": mode = .linear
        default: throw node.error("mode '\(modeName)' is not supported (nearest, linear)")
        }
        let coordinate: ResizeCoordinateMode
        let nearest: ResizeNearestMode?
        if opset < 11 {
            coordinate = .asymmetric
            nearest = nil
            scalesIndex = 1
            sizesIndex = nil
        } else {
            let coordinateName = try node.string("coordinate_transformation_mode", default: "half_pixel")
            guard let c = ResizeCoordinateMode(rawValue: coordinateName) else {
                throw node.error("coordinate_transformation_mode '\(coordinateName)' is not supported (half_pixel, asymmetric, align_corners, pytorch_half_pixel)")
            }
            coordinate = c
            let nearestName = try node.string("nearest_mode", default: "round_prefer_floor")
            guard let n = ResizeNearestMode(rawValue: nearestName) else {
                throw node.error("nearest_mode '\(nearestName)' is not supported")
            }
            nearest = n
            scalesIndex = 2
            sizesIndex = 3
        }
        if try node.int("antialias", default: 0) != 0 { throw node.error("antialias=1 is not supported") }
        let policy = try node.string("keep_aspect_ratio_policy", default: "stretch")
        guard policy == "stretch" else { throw node.error("keep_aspect_ratio_policy '\(policy)' is not supported (stretch only)") }
        core = ResizeCore(node: node, mode: mode, coordinate: coordinate, nearest: nearest,
                          axes: opset >= 18 ? try node.ints("axes") : nil)
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try core.node.facts(inputs, 0, "X")
        let scales = try core.node.constantFloats(inputs, scalesIndex, "scales")
        let sizes = try sizesIndex.flatMap { try core.node.constantInts(inputs, $0, "sizes") }
        return [ValueFacts(shape: try core.plan(x.shape, scales: scales, sizes: sizes).output)]
    }

    func plan(_ inputs: [TensorValue?], shape: [Int]) throws -> ResizeCore.Plan {
        let scales = core.node.optional(inputs, scalesIndex)?.asFloat.scalars
        let sizes = sizesIndex.flatMap { core.node.optional(inputs, $0)?.asInt.values }
        return try core.plan(shape, scales: scales, sizes: sizes)
    }
}
