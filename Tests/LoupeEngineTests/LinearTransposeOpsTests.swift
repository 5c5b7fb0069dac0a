import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// ConvTranspose: forward against a naive scatter reference, gradients, output_shape, refusals.
final class LinearTransposeOpsTests: XCTestCase {
    struct Case {
        var name: String
        var x: [Int]
        var w: [Int]
        var strides = [1, 1]
        var pads = [0, 0, 0, 0]
        var dilations = [1, 1]
        var outputPadding = [0, 0]
        var group = 1

        var attributes: [String: AttributeValue] {
            ["strides": .ints(strides), "pads": .ints(pads), "dilations": .ints(dilations),
             "output_padding": .ints(outputPadding), "group": .int(group)]
        }
    }

    static let grid: [Case] = [
        Case(name: "plain", x: [2, 3, 4, 4], w: [3, 2, 3, 3]),
        Case(name: "stride 2 pads", x: [2, 2, 3, 4], w: [2, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
        Case(name: "stride 2 output_padding asymmetric", x: [1, 2, 3, 3], w: [2, 2, 3, 2], strides: [2, 3],
             pads: [1, 0, 0, 1], outputPadding: [1, 2]),
        Case(name: "dilation", x: [1, 2, 4, 3], w: [2, 2, 2, 3], pads: [0, 1, 1, 0], dilations: [2, 1]),
        Case(name: "groups 2", x: [2, 4, 3, 3], w: [4, 3, 2, 2], strides: [2, 2], group: 2),
        Case(name: "depthwise", x: [2, 3, 4, 4], w: [3, 1, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 3),
        Case(name: "pointwise", x: [3, 4, 3, 3], w: [4, 5, 1, 1]),
    ]

    func testForwardMatchesScatterReference() throws {
        var random = TestRandom(seed: 21)
        for c in Self.grid {
            let x = random.tensor(c.x), w = random.tensor(c.w), b = random.tensor([c.w[1] * c.group])
            let op = try makeOperator(ConvTransposeOperator.self, inputs: 3, attributes: c.attributes)
            let expected = LinearReference.convTranspose(x, w, b, strides: c.strides, pads: c.pads, dilations: c.dilations,
                                                         outputPadding: c.outputPadding, group: c.group)
            let out = try op.forward([.float(x), .float(w), .float(b)])[0].asFloat
            assertClose(out, expected, relativeTo: 1e-5, c.name)
            let facts = try op.inferFacts([ValueFacts(shape: c.x), ValueFacts(shape: c.w), ValueFacts(shape: b.shape)])
            XCTAssertEqual(facts[0].shape, expected.shape, c.name)
        }
    }

    func testGradients() throws {
        var random = TestRandom(seed: 22)
        for c in Self.grid {
            var small = c
            small.x[0] = 1
            let x = random.tensor(small.x), w = random.tensor(small.w), b = random.tensor([c.w[1] * c.group])
            let op = try makeOperator(ConvTransposeOperator.self, inputs: 3, attributes: small.attributes)
            try checkGradients(of: op, inputs: [.float(x), .float(w), .float(b)], tolerance: 1e-2)
        }
    }

    func testOutputShapeSetsPads() throws {
        var random = TestRandom(seed: 23)
        let x = random.tensor([1, 2, 3, 3]), w = random.tensor([2, 2, 3, 3])
        // Natural size 2*(3-1)+3 = 7; asking for 6 crops one pixel, at the start (ONNX spec, onnxruntime 1.32).
        let op = try makeOperator(ConvTransposeOperator.self, inputs: 2,
                                  attributes: ["strides": .ints([2, 2]), "output_shape": .ints([6, 6])])
        let out = try op.forward([.float(x), .float(w)])[0].asFloat
        assertClose(out, LinearReference.convTranspose(x, w, nil, strides: [2, 2], pads: [1, 1, 0, 0]), relativeTo: 1e-5)
        // Asking for 8 (one more than natural): no padding, the extra border is zero.
        let wide = try makeOperator(ConvTransposeOperator.self, inputs: 2,
                                    attributes: ["strides": .ints([2, 2]), "output_shape": .ints([1, 2, 8, 8])])
        let wideOut = try wide.forward([.float(x), .float(w)])[0].asFloat
        assertClose(wideOut, LinearReference.convTranspose(x, w, nil, strides: [2, 2], outputSize: [8, 8]), relativeTo: 1e-5)
        XCTAssertEqual(wideOut.scalars[wideOut.count - 1], 0)
        // 9 would be the transpose of a 4-pixel input: refused, as onnxruntime does.
        let tooWide = try makeOperator(ConvTransposeOperator.self, inputs: 2,
                                       attributes: ["strides": .ints([2, 2]), "output_shape": .ints([9, 8])])
        XCTAssertThrowsError(try tooWide.inferFacts([ValueFacts(shape: x.shape), ValueFacts(shape: w.shape)]))
        try checkGradients(of: op, inputs: [.float(x), .float(w)], tolerance: 1e-2)
        // SAME_UPPER: output = input * stride = 6, the odd pixel cropped at the end; SAME_LOWER at the start.
        for (mode, pads) in [("SAME_UPPER", [0, 0, 1, 1]), ("SAME_LOWER", [1, 1, 0, 0])] {
            let same = try makeOperator(ConvTransposeOperator.self, inputs: 2,
                                        attributes: ["strides": .ints([2, 2]), "auto_pad": .string(mode)])
            assertClose(try same.forward([.float(x), .float(w)])[0].asFloat,
                        LinearReference.convTranspose(x, w, nil, strides: [2, 2], pads: pads), relativeTo: 1e-5, mode)
        }
    }

    func testOneDimensionalAndHandComputed() throws {
        // 1-D: x = [1, 2], kernel [1, 10], stride 2 -> [1, 10, 2, 20].
        let x = Tensor(shape: [1, 1, 2], scalars: [1, 2]), w = Tensor(shape: [1, 1, 2], scalars: [1, 10])
        let op = try makeOperator(ConvTransposeOperator.self, inputs: 2, attributes: ["strides": .ints([2])])
        XCTAssertEqual(try op.forward([.float(x), .float(w)])[0].asFloat, Tensor(shape: [1, 1, 4], scalars: [1, 10, 2, 20]))
        // Stride 1 overlaps add: x = [1, 2], kernel [1, 10] -> [1, 12, 20].
        let overlap = try makeOperator(ConvTransposeOperator.self, inputs: 2)
        XCTAssertEqual(try overlap.forward([.float(x), .float(w)])[0].asFloat, Tensor(shape: [1, 1, 3], scalars: [1, 12, 20]))
        try checkGradients(of: op, inputs: [.float(x), .float(w)])
    }

    func testRefusals() throws {
        let op = try makeOperator(ConvTransposeOperator.self, inputs: 2)
        // Channel mismatch between input and weight.
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [1, 3, 4, 4]), ValueFacts(shape: [2, 2, 3, 3])]))
        // Bad group count.
        let grouped = try makeOperator(ConvTransposeOperator.self, inputs: 2, attributes: ["group": .int(2)])
        XCTAssertThrowsError(try grouped.inferFacts([ValueFacts(shape: [1, 3, 4, 4]), ValueFacts(shape: [3, 2, 3, 3])]))
        // Pads so large the output is empty.
        let cropped = try makeOperator(ConvTransposeOperator.self, inputs: 2, attributes: ["pads": .ints([3, 3, 3, 3])])
        XCTAssertThrowsError(try cropped.inferFacts([ValueFacts(shape: [1, 1, 2, 2]), ValueFacts(shape: [1, 1, 3, 3])]))
        // output_padding not smaller than the stride; malformed output_shape.
        let adjusted = try makeOperator(ConvTransposeOperator.self, inputs: 2, attributes: ["output_padding": .ints([1, 1])])
        XCTAssertThrowsError(try adjusted.inferFacts([ValueFacts(shape: [1, 1, 2, 2]), ValueFacts(shape: [1, 1, 3, 3])]))
        let shaped = try makeOperator(ConvTransposeOperator.self, inputs: 2, attributes: ["output_shape": .ints([1, 2, 3])])
        XCTAssertThrowsError(try shaped.inferFacts([ValueFacts(shape: [1, 1, 2, 2]), ValueFacts(shape: [1, 1, 3, 3])]))
        // Bias length.
        XCTAssertThrowsError(try op.inferFacts([ValueFacts(shape: [1, 2, 4, 4]), ValueFacts(shape: [2, 3, 3, 3]),
                                                ValueFacts(shape: [2])]))
        let facts = try op.inferFacts([ValueFacts(shape: [2, 2, 4, 5]), ValueFacts(shape: [2, 3, 3, 3])])
        XCTAssertEqual(facts[0].shape, [2, 3, 6, 7])
    }
}
