import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Unary elementwise operators: forward against Double references, gradients, ReLU rules, Clip.
final class ElementwiseActivationTests: XCTestCase {
    /// Sample points away from every kink (0, ±3 for HardSwish, HardSigmoid's ±2.5).
    static let points: [Float] = [-3.7, -2.2, -1.3, -0.6, -0.2, 0.15, 0.45, 0.9, 1.6, 2.4, 3.3, 4.1]
    static let x = Tensor(shape: [3, 4], scalars: points)
    static let positive = Tensor(shape: [3, 4], scalars: points.map { abs($0) + 0.3 })

    static func gaussCDF(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.0.squareRoot())) }

    /// (operator, input, reference in Double)
    func cases() throws -> [(any Operator, Tensor, (Double) -> Double)] {
        let x = Self.x, p = Self.positive
        return [
            (try makeOperator(NegOperator.self), x, { -$0 }),
            (try makeOperator(AbsOperator.self), x, { abs($0) }),
            (try makeOperator(SqrtOperator.self), p, { $0.squareRoot() }),
            (try makeOperator(ExpOperator.self), x, { exp($0) }),
            (try makeOperator(LogOperator.self), p, { log($0) }),
            (try makeOperator(ReluOperator.self), x, { max(0, $0) }),
            (try makeOperator(LeakyReluOperator.self), x, { $0 > 0 ? $0 : 0.01 * $0 }),
            (try makeOperator(LeakyReluOperator.self, attributes: ["alpha": .float(0.3)]), x, { $0 > 0 ? $0 : 0.3 * $0 }),
            (try makeOperator(EluOperator.self), x, { $0 > 0 ? $0 : exp($0) - 1 }),
            (try makeOperator(EluOperator.self, attributes: ["alpha": .float(0.5)]), x, { $0 > 0 ? $0 : 0.5 * (exp($0) - 1) }),
            (try makeOperator(SigmoidOperator.self), x, { 1 / (1 + exp(-$0)) }),
            (try makeOperator(TanhOperator.self), x, { tanh($0) }),
            (try makeOperator(HardSigmoidOperator.self), x, { max(0, min(1, 0.2 * $0 + 0.5)) }),
            (try makeOperator(HardSigmoidOperator.self, attributes: ["alpha": .float(0.5), "beta": .float(0.25)]), x,
             { max(0, min(1, 0.5 * $0 + 0.25)) }),
            (try makeOperator(HardSwishOperator.self), x, { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
            (try makeOperator(ErfOperator.self), x, { erf($0) }),
            (try makeOperator(GeluOperator.self, opset: 20), x, { $0 * Self.gaussCDF($0) }),
            (try makeOperator(GeluOperator.self, attributes: ["approximate": .string("tanh")], opset: 20), x,
             { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }),
            (try makeOperator(SoftplusOperator.self), x, { log(1 + exp($0)) }),
        ]
    }

    func testForwardMatchesDoubleReferences() throws {
        for (op, input, reference) in try cases() {
            let y = try op.forward([.float(input)])[0].asFloat
            let expected = Tensor(shape: input.shape, scalars: input.scalars.map { Float(reference(Double($0))) })
            assertClose(y, expected, relativeTo: 1e-5, "\(type(of: op).opType)")
            XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [3, 4])]), [ValueFacts(shape: [3, 4])])
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        for (op, input, _) in try cases() {
            try checkGradients(of: op, inputs: [.float(input)], step: 1e-2, tolerance: 1e-2)
        }
    }

    func testSoftplusIsStableForLargeInputs() throws {
        let y = try makeOperator(SoftplusOperator.self).forward([.float(Tensor(shape: [2], scalars: [100, -100]))])[0].asFloat
        XCTAssertEqual(y.scalars[0], 100, accuracy: 1e-4)
        XCTAssertEqual(y.scalars[1], 0, accuracy: 1e-6)
        let s = try makeOperator(SigmoidOperator.self).forward([.float(Tensor(shape: [2], scalars: [-100, 100]))])[0].asFloat
        XCTAssertEqual(s.scalars[0], 0, accuracy: 1e-30)
        XCTAssertEqual(s.scalars[1], 1)
    }

    func testFastExpAccuracyAndEnds() {
        var worst: Double = 0
        for i in stride(from: -87.0, through: 88.0, by: 0.0173) {
            let exact = Foundation.exp(Double(Float(i)))
            worst = max(worst, abs(Double(fastExp(Float(i))) - exact) / exact)
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(fastExp(0), 1)
        XCTAssertLessThan(fastExp(-1000), 1e-37)
        XCTAssertGreaterThan(fastExp(-1000), 0)
        XCTAssertTrue(fastExp(.nan).isNaN)
        XCTAssertTrue(fastExp(1000).isFinite)
    }

    func testFastErfAccuracyAndEnds() {
        var worstAbsolute: Double = 0, worstRelativeNearZero: Double = 0, worstUlps: Double = 0
        for i in stride(from: -6.0, through: 6.0, by: 0.000_37) {
            let x = Float(i), exact = Foundation.erf(Double(x))
            worstAbsolute = max(worstAbsolute, abs(Double(fastErf(x)) - exact))
            worstUlps = max(worstUlps, abs(Double(fastErf(x)) - exact) / Double(Float(exact).ulp))
            if abs(x) < 0.5 && x != 0 { worstRelativeNearZero = max(worstRelativeNearZero, abs(Double(fastErf(x)) / exact - 1)) }
        }
        // Both polynomials and the switch between them at |x| = 1, one float apart.
        for x in [Float(1).nextDown, 1, Float(1).nextUp, 4, Float(4).nextUp] {
            worstAbsolute = max(worstAbsolute, abs(Double(fastErf(x)) - Foundation.erf(Double(x))))
        }
        XCTAssertLessThan(worstAbsolute, 8e-8)
        XCTAssertLessThan(worstUlps, 1.25)
        XCTAssertLessThan(worstRelativeNearZero, 1.5e-7)
        XCTAssertEqual(Double(fastErf(1e-30)), Foundation.erf(1e-30), accuracy: 1e-36)
        XCTAssertEqual(fastErf(0), 0)
        XCTAssertEqual(fastErf(.infinity), 1)
        XCTAssertEqual(fastErf(-.infinity), -1)
        XCTAssertEqual(fastErf(1000), 1)
        XCTAssertTrue(fastErf(.nan).isNaN)
    }

    func testIntegerInputs() throws {
        let ints = IntTensor(shape: [3], values: [-4, 0, 5])
        XCTAssertEqual(try makeOperator(NegOperator.self).forward([.int(ints)]), [.int(IntTensor(shape: [3], values: [4, 0, -5]))])
        XCTAssertEqual(try makeOperator(AbsOperator.self).forward([.int(ints)]), [.int(IntTensor(shape: [3], values: [4, 0, 5]))])
        XCTAssertEqual(try makeOperator(ReluOperator.self).forward([.int(ints)]), [.int(IntTensor(shape: [3], values: [0, 0, 5]))])
        XCTAssertEqual(try makeOperator(NegOperator.self).inferFacts([ValueFacts(shape: [3], element: .integer)]),
                       [ValueFacts(shape: [3], element: .integer)])
        XCTAssertThrowsError(try makeOperator(SqrtOperator.self).inferFacts([ValueFacts(shape: [3], element: .integer)])) { error in
            XCTAssertTrue("\(error)".contains("floating-point"), "\(error)")
        }
        XCTAssertThrowsError(try makeOperator(ExpOperator.self).forward([.int(ints)]))
        XCTAssertThrowsError(try makeOperator(ExpOperator.self).inferFacts([nil]))
    }

    func testReluRulesOnHandMadeCase() throws {
        let op = try makeOperator(ReluOperator.self)
        let x = Tensor(shape: [5], scalars: [-1, 2, 3, -4, 0])
        let g = Tensor(shape: [5], scalars: [1, -1, 2, 3, 5])
        func grad(_ rule: ReluRule) throws -> Tensor? {
            try op.backward(BackwardContext(inputs: [.float(x)], outputs: [nil], outputGradients: [g],
                                            wantsInputGradient: [true], reluRule: rule))[0]
        }
        XCTAssertEqual(try grad(.standard), Tensor(shape: [5], scalars: [0, -1, 2, 0, 0]))
        XCTAssertEqual(try grad(.guided), Tensor(shape: [5], scalars: [0, 0, 2, 0, 0]))
        XCTAssertEqual(try grad(.deconvnet), Tensor(shape: [5], scalars: [1, 0, 2, 3, 5]))
        XCTAssertEqual(op.backwardNeeds, .inputs)
        let none = try op.backward(BackwardContext(inputs: [.float(x)], outputs: [nil], outputGradients: [g],
                                                   wantsInputGradient: [false]))
        XCTAssertNil(none[0])
    }

    func testAbsAndLeakyReluDerivativeConventionsAtZero() throws {
        let x = Tensor(shape: [3], scalars: [-1, 0, 1]), g = Tensor(shape: [3], repeating: 1)
        let context = BackwardContext(inputs: [.float(x)], outputs: [nil], outputGradients: [g], wantsInputGradient: [true])
        XCTAssertEqual(try makeOperator(AbsOperator.self).backward(context)[0], Tensor(shape: [3], scalars: [-1, 0, 1]))
        XCTAssertEqual(try makeOperator(LeakyReluOperator.self).backward(context)[0], Tensor(shape: [3], scalars: [0.01, 0.01, 1]))
    }

    func testGeluRefusesUnknownApproximation() {
        XCTAssertThrowsError(try makeOperator(GeluOperator.self, attributes: ["approximate": .string("fast")], opset: 20)) { error in
            XCTAssertTrue("\(error)".contains("approximate"), "\(error)")
        }
        XCTAssertThrowsError(try makeOperator(LeakyReluOperator.self, attributes: ["alpha": .string("x")]))
    }

    // MARK: Clip

    func clipNode(min: Bool, max: Bool) -> Node {
        Node(name: "clip", opType: "Clip", inputs: ["x", min ? "lo" : "", max ? "hi" : ""], outputs: ["y"])
    }

    func testClipInputsAndAttributesAndStrictGradient() throws {
        let x = Tensor(shape: [6], scalars: [-1, 0, 0.5, 1, 2, 0.999])
        let lo = TensorValue.float(Tensor(scalar: 0)), hi = TensorValue.float(Tensor(scalar: 1))
        let op = try ClipOperator(node: clipNode(min: true, max: true), opset: 13)
        let y = try op.forward([.float(x), lo, hi])[0].asFloat
        XCTAssertEqual(y, Tensor(shape: [6], scalars: [0, 0, 0.5, 1, 1, 0.999]))
        let g = Tensor(shape: [6], scalars: [1, 2, 3, 4, 5, 6])
        let grads = try op.backward(BackwardContext(inputs: [.float(x), lo, hi], outputs: [.float(y)],
                                                    outputGradients: [g], wantsInputGradient: [true, false, false]))
        // Exactly zero at min (0) and max (1); pass-through strictly inside.
        XCTAssertEqual(grads[0], Tensor(shape: [6], scalars: [0, 0, 3, 0, 0, 6]))
        XCTAssertNil(grads[1])
        try checkGradients(of: op, inputs: [.float(Tensor(shape: [4], scalars: [-0.5, 0.2, 0.7, 1.5])), lo, hi], checked: [0])

        // Only a max (min omitted).
        let maxOnly = try ClipOperator(node: clipNode(min: false, max: true), opset: 12)
        XCTAssertEqual(try maxOnly.forward([.float(x), nil, hi])[0].asFloat, Tensor(shape: [6], scalars: [-1, 0, 0.5, 1, 1, 0.999]))
        // Opset < 11: attributes.
        let old = try makeOperator(ClipOperator.self, attributes: ["min": .float(-0.5), "max": .float(0.5)], opset: 6)
        XCTAssertEqual(try old.forward([.float(x)])[0].asFloat, Tensor(shape: [6], scalars: [-0.5, 0, 0.5, 0.5, 0.5, 0.5]))
        // Integers (e.g. shape arithmetic).
        XCTAssertEqual(try op.forward([.int(IntTensor(shape: [3], values: [-3, 0, 7])), .int(IntTensor(shape: [], values: [0])),
                                       .int(IntTensor(shape: [], values: [5]))]),
                       [.int(IntTensor(shape: [3], values: [0, 0, 5]))])
    }

    func testClipRefusesNonConstantOrNonScalarBounds() throws {
        let op = try ClipOperator(node: clipNode(min: true, max: true), opset: 13)
        XCTAssertEqual(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(constant: .float(Tensor(scalar: 0))), nil]),
                       [ValueFacts(shape: [2, 3])])
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), ValueFacts(shape: []), nil])) { error in
            XCTAssertTrue("\(error)".contains("must be a constant"), "\(error)")
        }
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [2, 3]), nil,
                                                ValueFacts(constant: .float(Tensor(shape: [2], scalars: [0, 1])))])) { error in
            XCTAssertTrue("\(error)".contains("scalar"), "\(error)")
        }
    }
}
