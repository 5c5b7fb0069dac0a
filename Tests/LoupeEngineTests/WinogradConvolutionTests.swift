import LoupeEngine
import LoupeONNX
import LoupeTensor
import LoupeTestSupport
import XCTest

/// Winograd F(2x2, 3x3): forward and input gradient against the im2col kernel and the direct sum.
final class WinogradConvolutionTests: XCTestCase {
    /// (batch, in channels, out channels, height, width, pad top, pad left, pad bottom, pad right)
    static let cases: [(String, [Int])] = [
        ("pad 1, even extents", [2, 3, 4, 8, 8, 1, 1, 1, 1]),
        ("pad 1, odd extents (partial tiles)", [3, 2, 5, 7, 5, 1, 1, 1, 1]),
        ("no padding", [1, 4, 3, 6, 9, 0, 0, 0, 0]),
        ("pad 2 asymmetric", [2, 3, 2, 5, 4, 2, 0, 1, 2]),
        ("wide rows (several vectors per tile row)", [2, 2, 3, 5, 37, 1, 1, 1, 1]),
        ("one pixel", [4, 5, 6, 1, 1, 1, 1, 1, 1]),
    ]

    func geometry(_ c: [Int]) -> ConvolutionGeometry {
        let (h, w) = (c[3], c[4])
        return ConvolutionGeometry(batch: c[0], inChannels: c[1], inHeight: h, inWidth: w, outChannels: c[2],
                                   outHeight: h + c[5] + c[7] - 2, outWidth: w + c[6] + c[8] - 2,
                                   kernelHeight: 3, kernelWidth: 3, padTop: c[5], padLeft: c[6])
    }

    func transformed(_ w: Tensor) -> [Float] {
        var u = [Float](repeating: 0, count: WinogradConvolution.transformedCount(outChannels: w.shape[0], inChannels: w.shape[1]))
        WinogradConvolution.transformWeights(w.scalars, outChannels: w.shape[0], inChannels: w.shape[1], into: &u)
        return u
    }

    func testForwardAndInputGradientMatchIm2col() {
        var random = TestRandom(seed: 21)
        for (name, c) in Self.cases {
            let g = geometry(c)
            XCTAssertTrue(WinogradConvolution.applies(to: g), name)
            let x = random.tensor(g.inputShape), w = random.tensor(g.weightShape), b = random.tensor([g.outChannels])
            let dy = random.tensor(g.outputShape)
            let u = transformed(w)
            var expected = [Float](repeating: 0, count: dy.count), dxExpected = [Float](repeating: 0, count: x.count)
            ConvolutionKernel.forward(input: x.scalars, weight: w.scalars, bias: b.scalars, geometry: g, output: &expected)
            ConvolutionKernel.backward(input: nil, weight: w.scalars, gradOutput: dy.scalars, geometry: g,
                                       gradInput: &dxExpected, gradWeight: nil)
            // Budgets of one image per chunk, a few, and everything at once.
            let perImage = WinogradConvolution.positions * (g.inChannels + g.outChannels) * ((g.outHeight + 1) / 2)
                * ((g.outWidth + 1) / 2)
            for budget in [1, 2 * perImage, 1 << 20] {
                var y = [Float](repeating: .nan, count: dy.count), dx = [Float](repeating: .nan, count: x.count)
                WinogradConvolution.forward(input: x.scalars, transformedWeight: u, bias: b.scalars, geometry: g,
                                            output: &y, chunkBudget: budget)
                WinogradConvolution.forward(input: dy.scalars, transformedWeight: u, inputGradient: true, bias: nil,
                                            geometry: WinogradConvolution.inputGradientGeometry(g), output: &dx,
                                            chunkBudget: budget)
                assertClose(Tensor(shape: g.outputShape, scalars: y), Tensor(shape: g.outputShape, scalars: expected),
                            relativeTo: 1e-5, "\(name) forward, budget \(budget)")
                assertClose(Tensor(shape: g.inputShape, scalars: dx), Tensor(shape: g.inputShape, scalars: dxExpected),
                            relativeTo: 1e-5, "\(name) input gradient, budget \(budget)")
            }
        }
    }

    func testApplicability() {
        let base = geometry([1, 16, 16, 8, 8, 1, 1, 1, 1])
        XCTAssertTrue(WinogradConvolution.isWorthwhile(for: base))
        var strided = base
        strided.strideHeight = 2
        var dilated = base
        dilated.dilationWidth = 2
        var grouped = base
        grouped.groups = 2
        var narrow = base
        narrow.inChannels = 3
        var wide = base
        wide.kernelWidth = 5
        for (name, g) in [("stride", strided), ("dilation", dilated), ("groups", grouped), ("5 wide", wide)] {
            XCTAssertFalse(WinogradConvolution.applies(to: g), name)
        }
        XCTAssertTrue(WinogradConvolution.applies(to: narrow))
        XCTAssertFalse(WinogradConvolution.isWorthwhile(for: narrow), "3 input channels stay on im2col")
    }

    /// Through the operator (16 channels, so the Winograd route is taken): forward against the direct
    /// sum, then gradients by finite differences, run twice so the kept transform is reused.
    func testConvOperatorOnWinogradRoute() throws {
        var random = TestRandom(seed: 9)
        let op = try makeOperator(ConvOperator.self, inputs: 3, attributes: ["pads": .ints([1, 1, 1, 1])])
        let x = random.tensor([2, 16, 5, 6]), w = random.tensor([16, 16, 3, 3]), b = random.tensor([16])
        let expected = LinearReference.conv(x, w, b, pads: [1, 1, 1, 1])
        for _ in 0..<2 {
            let out = try op.forward([.float(x), .float(w), .float(b)])
            assertClose(out[0].asFloat, expected, relativeTo: 1e-5, "forward")
        }
        try checkGradients(of: op, inputs: [.float(x), .float(w), .float(b)], checked: [0], tolerance: 1e-2)
        // A new weight array (same shape) must not reuse the old transform.
        let w2 = random.tensor([16, 16, 3, 3])
        let out2 = try op.forward([.float(x), .float(w2), .float(b)])
        assertClose(out2[0].asFloat, LinearReference.conv(x, w2, b, pads: [1, 1, 1, 1]), relativeTo: 1e-5, "new weights")
    }
}
