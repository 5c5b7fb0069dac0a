import Foundation
import LoupeEngine
import LoupeONNX
import LoupeTensor
import XCTest

/// Asserts two tensors agree within `tolerance * max(1, max|expected|)` (the fixtures' rule).
public func assertClose(_ actual: Tensor, _ expected: Tensor, relativeTo tolerance: Float = 1e-4,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape mismatch \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let scale = max(1, expected.scalars.reduce(0) { max($0, abs($1)) })
    var worst: Float = 0
    var worstIndex = 0
    for i in 0..<actual.count {
        let d = abs(actual.scalars[i] - expected.scalars[i])
        if !(d <= worst) { worst = d.isNaN ? .infinity : d; worstIndex = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance * scale,
                             "max|Δ| = \(worst) at \(worstIndex) (actual \(actual.scalars[worstIndex]), expected \(expected.scalars[worstIndex])) \(message)",
                             file: file, line: line)
}

/// Asserts that `actual` has `expected`'s shape and agrees within `tolerance` of `expected`'s largest
/// magnitude, which must not be zero (for comparing two ways of computing one result).
public func assertCloseToLargest(_ actual: Tensor?, _ expected: Tensor?, _ label: String, tolerance: Float = 1e-5,
                                 file: StaticString = #filePath, line: UInt = #line) {
    guard let actual, let expected else { return XCTFail("\(label): missing", file: file, line: line) }
    XCTAssertEqual(actual.shape, expected.shape, label, file: file, line: line)
    let scale = expected.scalars.map(abs).max() ?? 0
    XCTAssertGreaterThan(scale, 1e-12, "\(label): reference is all zeros", file: file, line: line)
    let worst = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
    XCTAssertLessThanOrEqual(worst, tolerance * scale, "\(label): differs by \(worst) of \(scale)", file: file, line: line)
}

/// A deterministic generator for test data (xorshift64*).
public struct TestRandom {
    private var state: UInt64
    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    /// A uniform float in [0, 1).
    public mutating func uniform() -> Float {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return Float((state &* 2_685_821_657_736_338_717) >> 40) / Float(1 << 24)
    }
    /// A tensor of uniform values in `range`.
    public mutating func tensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * uniform() })
    }
}

/// Checks an operator's backward against central finite differences of `sum(output_k * weight_k)`.
///
/// Random weights on the outputs make the objective sensitive to every output element. Inputs
/// listed in `checked` are perturbed one element at a time (float64 accumulation of the
/// objective; Float32 forward). Use inputs away from kinks (ReLU at 0, pooling ties).
public func checkGradients(of op: any Operator, inputs: [TensorValue?], checked: [Int]? = nil,
                           step: Float = 1e-2, tolerance: Float = 2e-2, reluRule: ReluRule = .standard,
                           file: StaticString = #filePath, line: UInt = #line) throws {
    var random = TestRandom(seed: 42)
    let outputs = try op.forward(inputs)
    let weights = outputs.map { random.tensor($0.shape) }
    func objective(_ values: [TensorValue?]) throws -> Double {
        let outs = try op.forward(values)
        var total = 0.0
        for (k, out) in outs.enumerated() where !out.isInt {
            let o = out.asFloat
            for i in 0..<o.count { total += Double(o.scalars[i]) * Double(weights[k].scalars[i]) }
        }
        return total
    }
    let floatIndices = inputs.indices.filter { inputs[$0] != nil && !(inputs[$0]!.isInt) }
    let targets = checked ?? floatIndices
    let wants = inputs.indices.map { targets.contains($0) }
    let context = BackwardContext(inputs: inputs, outputs: outputs.map { $0 },
                                  outputGradients: outputs.indices.map { outputs[$0].isInt ? nil : weights[$0] },
                                  wantsInputGradient: wants, reluRule: reluRule)
    let grads = try op.backward(context)
    for index in targets {
        guard case .float(let x)? = inputs[index] else { continue }
        guard index < grads.count, let analytic = grads[index] else {
            XCTFail("no gradient for input \(index)", file: file, line: line); continue
        }
        XCTAssertEqual(analytic.shape, x.shape, "gradient shape for input \(index)", file: file, line: line)
        var worst: Double = 0
        var scale: Double = 1
        for i in 0..<x.count {
            var plus = inputs, minus = inputs
            var xp = x, xm = x
            xp.scalars[i] += step; xm.scalars[i] -= step
            plus[index] = .float(xp); minus[index] = .float(xm)
            let numeric = (try objective(plus) - objective(minus)) / (2 * Double(step))
            let a = Double(analytic.scalars[i])
            worst = max(worst, abs(numeric - a))
            scale = max(scale, abs(numeric))
        }
        XCTAssertLessThanOrEqual(worst, Double(tolerance) * scale,
                                 "\(type(of: op).opType) input \(index): worst |analytic - numeric| = \(worst)",
                                 file: file, line: line)
    }
}

/// Builds an operator from a node description (opset 17 by default).
public func makeOperator<Op: Operator>(_ type: Op.Type, inputs: Int = 1, outputs: Int = 1,
                                       attributes: [String: AttributeValue] = [:], opset: Int = 17) throws -> Op {
    let node = Node(name: "test_\(Op.opType)", opType: Op.opType,
                    inputs: (0..<inputs).map { "in\($0)" }, outputs: (0..<outputs).map { "out\($0)" },
                    attributes: attributes)
    return try Op(node: node, opset: opset)
}

/// The repository's `Tests/Fixtures` folder, found from this source file's location.
public let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The `../shared` folder beside the checkout, or nil (tests needing it skip with a message).
public var sharedDirectory: URL? {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}
