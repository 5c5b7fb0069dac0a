import Foundation
import LoupeONNX
import LoupeTensor

/// ONNX Range: `start, start + delta, ...` up to (not including) `limit`, from three scalars.
///
/// Integer scalars give an integer sequence; otherwise Float32 values `start + i * delta`.
/// The inputs must be known when planning (exports compute them from `Shape`), so the output
/// is a plan-time constant. No gradient.
public struct RangeOperator: AttributeFreeOperator {
    public static let opType = "Range"
    let node: Node
    /// Longest sequence accepted (guards against a hostile `delta`).
    static let maximumCount = 1 << 28

    /// The element count `max(0, ceil(steps))`, refused above `maximumCount` (checked before converting to Int).
    func length(_ steps: Double) throws -> Int {
        let count = max(0, steps.rounded(.up))
        guard count.isFinite, count <= Double(Self.maximumCount) else { throw node.error("sequence of \(count) elements is too long") }
        // Computed while planning, before the plan checks the shape against the budget.
        try Plan.checkFoldedBudget(count: Int(count), bytesPerElement: 8, node: node)
        return Int(count)
    }

    /// The sequence for three scalar inputs.
    func sequence(_ start: TensorValue, _ limit: TensorValue, _ delta: TensorValue) throws -> TensorValue {
        for (value, what) in [(start, "start"), (limit, "limit"), (delta, "delta")] where value.shape.reduce(1, *) != 1 {
            throw node.error("input '\(what)' must be a scalar, got shape \(value.shape)")
        }
        if case .int(let s) = start, case .int(let l) = limit, case .int(let d) = delta {
            let first = s.values[0], end = l.values[0], step = d.values[0]
            guard step != 0 else { throw node.error("delta is zero") }
            let count = try length((Double(end) - Double(first)) / Double(step))
            return .int(IntTensor(vector: (0..<count).map { first &+ $0 &* step }))
        }
        let first = start.asFloat.scalars[0], end = limit.asFloat.scalars[0], step = delta.asFloat.scalars[0]
        guard step != 0, first.isFinite, end.isFinite, step.isFinite else {
            throw node.error("start, limit and delta must be finite and delta nonzero")
        }
        let count = try length(Double(end - first) / Double(step))
        return .float(Tensor(shape: [count], scalars: (0..<count).map { first + Float($0) * step }))
    }

    public func inferFacts(_ inputs: [ValueFacts?]) throws -> [ValueFacts] {
        var constants = [TensorValue]()
        for (index, what) in ["start", "limit", "delta"].enumerated() {
            _ = try node.facts(inputs, index, what)
            guard let value = inputs[index]?.constant else {
                throw node.error("input '\(what)' must be known when planning (computed values are not supported)")
            }
            constants.append(value)
        }
        return [ValueFacts(constant: try sequence(constants[0], constants[1], constants[2]))]
    }

    public func forward(_ inputs: [TensorValue?]) throws -> [TensorValue] {
        [try sequence(try node.value(inputs, 0, "start"), try node.value(inputs, 1, "limit"), try node.value(inputs, 2, "delta"))]
    }

    public var backwardNeeds: BackwardNeeds { .none }

    public func backward(_ context: BackwardContext) throws -> [Tensor?] {
        context.inputs.map { _ in nil }
    }
}
