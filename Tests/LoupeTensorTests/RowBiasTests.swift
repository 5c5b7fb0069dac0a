import LoupeTensor
import LoupeTestSupport
import XCTest

/// `addRowBiasInPlace`: the bias `Add` after a product and the function after it, in one pass.
final class RowBiasTests: XCTestCase {
    /// `body` on the base addresses of a product (changed in place), a bias and a second output.
    func withPointers(_ product: inout [Float], _ bias: [Float], _ second: inout [Float],
                      _ body: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) throws {
        try product.withUnsafeMutableBufferPointer { out in
            try second.withUnsafeMutableBufferPointer { result in
                try bias.withUnsafeBufferPointer { b in
                    body(try XCTUnwrap(out.baseAddress), try XCTUnwrap(b.baseAddress), try XCTUnwrap(result.baseAddress))
                }
            }
        }
    }

    func testBiasThenFunctionMatchesTheTwoStepsBitForBit() throws {
        let (rows, columns) = (37, 23)
        var random = TestRandom(seed: 7)
        let product = random.tensor([rows, columns], in: -3...3).scalars
        let bias = random.tensor([columns]).scalars
        let sums = product.indices.map { product[$0] + bias[$0 % columns] }
        for function: UnaryFunction? in [nil, .relu, .erfGeluChain(divisor: 1.414_213_5), .silu] {
            var inPlace = product, unused: [Float] = [0]
            try withPointers(&inPlace, bias, &unused) { out, b, _ in addRowBiasInPlace(b, to: out, rows: rows, columns: columns, then: function) }
            var expected = sums
            if let function { applyUnaryInPlace(function, to: &expected) }
            XCTAssertEqual(inPlace.map(\.bitPattern), expected.map(\.bitPattern), "\(String(describing: function))")
            XCTAssertNotEqual(inPlace.map(\.bitPattern), product.map(\.bitPattern))
        }
        var kept = product
        var beside = [Float](repeating: .nan, count: product.count)
        try withPointers(&kept, bias, &beside) {
            addRowBiasInPlace($1, to: $0, rows: rows, columns: columns, besideInto: $2, function: .silu)
        }
        XCTAssertEqual(kept.map(\.bitPattern), sums.map(\.bitPattern))
        let expected = applyUnary(.silu, to: Tensor(shape: [sums.count], scalars: sums))
        XCTAssertEqual(beside.map(\.bitPattern), expected.scalars.map(\.bitPattern))
    }
}
