import LoupeONNX
import LoupeTensor

/// ONNX Reshape: the same elements under a new shape (storage shared).
///
/// The target shape must be a plan-time constant. A 0 copies the input's extent at that position
/// (unless `allowzero=1`, when it means an empty axis) and one -1 is inferred from the element count.
public struct ReshapeOperator: ReshapedGradientOperator {
    public static let opType = "Reshape"
    let node: Node
    let allowZero: Bool
    /// Opset < 5 carries the target shape as an attribute.
    let attributeShape: [Int]?

    /// The resolved output shape for an input shape and requested target.
    func outputShape(_ input: [Int], _ target: [Int]) throws -> [Int] {
        var shape = target
        var inferred: Int?
        for (i, d) in target.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw node.error("target shape \(target) has more than one -1") }
                inferred = i
            } else if d == 0 && !allowZero {
                guard i < input.count else { throw node.error("target shape \(target) copies dimension \(i) (0) but the input has rank \(input.count)") }
                shape[i] = input[i]
            } else if d < 0 {
                throw node.error("target shape \(target) has invalid extent \(d)")
            }
        }
        if allowZero && target.contains(0) && inferred != nil {
            throw node.error("target shape \(target) has both 0 and -1 with allowzero=1")
        }
        let total = try node.count(input)
        if let i = inferred {
            shape[i] = 1
            let known = try node.count(shape)
            guard known > 0, total % known == 0 else {
                throw node.error("cannot reshape \(input) (\(total) elements) to \(target)")
            }
            shape[i] = total / known
        }
        guard try node.count(shape) == total else {
            throw node.error("cannot reshape \(input) (\(total) elements) to \(target) (\(shape.reduce(1, *)) elements)")
        }
        return shape
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        let x = try node.facts(inputs, 0, "data")
        let target: [Int]
        if let attributeShape { target = attributeShape } else {
            guard let t = try node.constantInts(inputs, 1, "shape") else { throw node.error("missing required input 1 (shape)") }
            target = t
        }
        return [ShapeOps.reshaped(x, try outputShape(x.shape, target))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        let x = try node.value(inputs, 0, "data")
        let target = try attributeShape ?? node.value(inputs, 1, "shape").asInt.values
        return [ShapeOps.reshaped(x, try outputShape(x.shape, target))]
    }
}

extension ReshapeOperator {
    public init(node: Node, opset: Int) throws {
        self.init(node: node, allowZero: try node.int("allowzero", default: 0) != 0,
                  attributeShape: opset < 5 ? try node.ints("shape") : nil)
    }
}
