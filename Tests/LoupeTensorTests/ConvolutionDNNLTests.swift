import Foundation
@testable import LoupeTensor
import XCTest

/// oneDNN's convolution passes against Loupe's own kernels, on a grid of shapes.
final class ConvolutionDNNLTests: XCTestCase {
    /// Shapes covering groups, stride, padding (including uneven trailing padding), dilation and 1x1 kernels.
    static let grid: [ConvolutionGeometry] = [
        ConvolutionGeometry(batch: 3, inChannels: 5, inHeight: 9, inWidth: 7, outChannels: 6, outHeight: 9, outWidth: 7,
                            kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1),
        ConvolutionGeometry(batch: 2, inChannels: 4, inHeight: 10, inWidth: 11, outChannels: 8, outHeight: 5, outWidth: 6,
                            kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1),
        ConvolutionGeometry(batch: 2, inChannels: 6, inHeight: 8, inWidth: 8, outChannels: 4, outHeight: 8, outWidth: 8,
                            kernelHeight: 3, kernelWidth: 3, padTop: 2, padLeft: 2, dilationHeight: 2, dilationWidth: 2),
        ConvolutionGeometry(batch: 4, inChannels: 8, inHeight: 6, inWidth: 6, outChannels: 12, outHeight: 6, outWidth: 6,
                            kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, groups: 4),
        ConvolutionGeometry(batch: 2, inChannels: 16, inHeight: 7, inWidth: 7, outChannels: 32, outHeight: 7, outWidth: 7,
                            kernelHeight: 1, kernelWidth: 1),
        ConvolutionGeometry(batch: 2, inChannels: 16, inHeight: 8, inWidth: 8, outChannels: 24, outHeight: 4, outWidth: 4,
                            kernelHeight: 1, kernelWidth: 1, strideHeight: 2, strideWidth: 2),
        ConvolutionGeometry(batch: 1, inChannels: 3, inHeight: 15, inWidth: 13, outChannels: 8, outHeight: 8, outWidth: 7,
                            kernelHeight: 7, kernelWidth: 5, strideHeight: 2, strideWidth: 2, padTop: 3, padLeft: 2),
        // No padding, with the last input row left unread by the stride.
        ConvolutionGeometry(batch: 2, inChannels: 3, inHeight: 8, inWidth: 8, outChannels: 5, outHeight: 3, outWidth: 3,
                            kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2),
        // Depthwise 5x5, stride 2, and depthwise 3x3 with dilation.
        ConvolutionGeometry(batch: 3, inChannels: 8, inHeight: 11, inWidth: 11, outChannels: 8, outHeight: 6, outWidth: 6,
                            kernelHeight: 5, kernelWidth: 5, strideHeight: 2, strideWidth: 2, padTop: 2, padLeft: 2, groups: 8),
        ConvolutionGeometry(batch: 2, inChannels: 16, inHeight: 9, inWidth: 9, outChannels: 16, outHeight: 9, outWidth: 9,
                            kernelHeight: 3, kernelWidth: 3, padTop: 2, padLeft: 2, dilationHeight: 2, dilationWidth: 2,
                            groups: 16),
        // Winograd-shaped: 3x3, stride 1, channels multiples of 16.
        ConvolutionGeometry(batch: 2, inChannels: 32, inHeight: 12, inWidth: 12, outChannels: 16, outHeight: 12, outWidth: 12,
                            kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1),
    ]

    struct Passes {
        var output: [Float]
        var gradInput: [Float]
        var gradWeight: [Float]
    }

    static func data(_ g: ConvolutionGeometry, seed: Int) -> (x: [Float], w: [Float], b: [Float], dy: [Float]) {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state % 20_001) / 10_000 - 1
        }
        let x = (0..<(g.batch * g.inChannels * g.inPlane)).map { _ in next() }
        let w = (0..<(g.outChannels * g.patchSize)).map { _ in next() }
        let b = (0..<g.outChannels).map { _ in next() }
        let dy = (0..<(g.batch * g.outChannels * g.outPlane)).map { _ in next() }
        return (x, w, b, dy)
    }

    /// Loupe's im2col/GEMM (or depthwise) kernels: the reference.
    static func own(_ g: ConvolutionGeometry, _ d: (x: [Float], w: [Float], b: [Float], dy: [Float])) -> Passes {
        var p = Passes(output: [Float](repeating: 0, count: d.dy.count), gradInput: [Float](repeating: 0, count: d.x.count),
                       gradWeight: [Float](repeating: 0, count: d.w.count))
        ConvolutionKernel.forward(input: d.x, weight: d.w, bias: d.b, geometry: g, output: &p.output)
        ConvolutionKernel.backward(input: d.x, weight: d.w, gradOutput: d.dy, geometry: g, gradInput: &p.gradInput,
                                   gradWeight: &p.gradWeight)
        return p
    }

    /// oneDNN's three passes, or nil when it has no kernel for the shape.
    static func oneDNN(_ g: ConvolutionGeometry, _ d: (x: [Float], w: [Float], b: [Float], dy: [Float]),
                       _ algorithm: DNNLConvolutionAlgorithm) -> Passes? {
        var p = Passes(output: [Float](repeating: .nan, count: d.dy.count), gradInput: [Float](repeating: .nan, count: d.x.count),
                       gradWeight: [Float](repeating: .nan, count: d.w.count))
        guard DNNLConvolution.forward(input: d.x, weight: d.w, bias: d.b, geometry: g, output: &p.output, algorithm: algorithm),
              DNNLConvolution.inputGradient(weight: d.w, gradOutput: d.dy, geometry: g, gradInput: &p.gradInput,
                                            algorithm: algorithm),
              DNNLConvolution.weightGradient(input: d.x, gradOutput: d.dy, geometry: g, gradWeight: &p.gradWeight,
                                             algorithm: algorithm)
        else { return nil }
        return p
    }

    /// Largest absolute difference relative to the reference's largest magnitude.
    static func relativeError(_ a: [Float], _ reference: [Float]) -> Float {
        let scale = max(reference.map(abs).max() ?? 0, 1e-6)
        return zip(a, reference).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    func testDirectMatchesLoupeKernelsOnTheGrid() throws {
        try XCTSkipUnless(DNNLConvolution.isAvailable, "oneDNN did not start")
        for (index, g) in Self.grid.enumerated() {
            let d = Self.data(g, seed: index + 1)
            let reference = Self.own(g, d)
            guard let got = Self.oneDNN(g, d, .direct) else { return XCTFail("oneDNN direct refused shape \(index): \(g)") }
            XCTAssertLessThan(Self.relativeError(got.output, reference.output), 1e-5, "forward, shape \(index)")
            XCTAssertLessThan(Self.relativeError(got.gradInput, reference.gradInput), 1e-5, "input gradient, shape \(index)")
            XCTAssertLessThan(Self.relativeError(got.gradWeight, reference.gradWeight), 1e-5, "weight gradient, shape \(index)")
        }
    }

    func testWinogradMatchesLoupeKernelsWhereItApplies() throws {
        try XCTSkipUnless(DNNLConvolution.isAvailable, "oneDNN did not start")
        var ran = 0
        for (index, g) in Self.grid.enumerated() where ConvolutionRule.isPlain3x3(g) {
            let d = Self.data(g, seed: index + 1)
            let reference = Self.own(g, d)
            // oneDNN's Winograd needs particular CPUs and channel counts; where it has no kernel, it must say so.
            guard let got = Self.oneDNN(g, d, .winograd) else { continue }
            ran += 1
            XCTAssertLessThan(Self.relativeError(got.output, reference.output), 1e-4, "forward, shape \(index)")
            XCTAssertLessThan(Self.relativeError(got.gradInput, reference.gradInput), 1e-4, "input gradient, shape \(index)")
            XCTAssertLessThan(Self.relativeError(got.gradWeight, reference.gradWeight), 1e-4, "weight gradient, shape \(index)")
        }
        let strided = Self.grid[1]
        XCTAssertNil(Self.oneDNN(strided, Self.data(strided, seed: 2), .winograd), "Winograd must refuse a strided layer")
        print("oneDNN Winograd ran on \(ran) grid shapes")
    }

    /// The same call gives the same bits, inside a parallel part or not, and creates its primitives once.
    func testRepeatableAndCachedPerShape() throws {
        try XCTSkipUnless(DNNLConvolution.isAvailable, "oneDNN did not start")
        let g = Self.grid[3]
        let d = Self.data(g, seed: 9)
        guard let first = Self.oneDNN(g, d, .direct) else { return XCTFail("oneDNN direct refused \(g)") }
        let created = DNNLPrimitiveCache.createdCount
        guard let second = Self.oneDNN(g, d, .direct) else { return XCTFail("second call failed") }
        XCTAssertEqual(DNNLPrimitiveCache.createdCount, created, "no new primitives for a shape already seen")
        XCTAssertEqual(first.output, second.output)
        XCTAssertEqual(first.gradInput, second.gradInput)
        XCTAssertEqual(first.gradWeight, second.gradWeight)
        let serial = Parallel.serially { Self.oneDNN(g, d, .direct) }
        XCTAssertNotNil(serial)
        XCTAssertLessThan(Self.relativeError(serial?.output ?? [], first.output), 1e-6)
    }

    /// Winograd weights kept between calls are found by content: weights changed in place are transformed again.
    func testKeptWinogradWeightsFollowChangedWeights() throws {
        try XCTSkipUnless(DNNLConvolution.isAvailable, "oneDNN did not start")
        let g = Self.grid[10]
        var d = Self.data(g, seed: 21)
        var output = [Float](repeating: 0, count: d.dy.count)
        guard DNNLConvolution.forward(input: d.x, weight: d.w, bias: nil, geometry: g, output: &output, algorithm: .winograd)
        else { throw XCTSkip("no oneDNN Winograd kernel on this CPU") }
        for round in 0..<3 {
            var reference = [Float](repeating: 0, count: d.dy.count)
            ConvolutionKernel.forward(input: d.x, weight: d.w, bias: nil, geometry: g, output: &reference)
            XCTAssertTrue(DNNLConvolution.forward(input: d.x, weight: d.w, bias: nil, geometry: g, output: &output,
                                                  algorithm: .winograd))
            XCTAssertLessThan(Self.relativeError(output, reference), 1e-4, "round \(round)")
            d.w.withUnsafeMutableBufferPointer { w in for i in w.indices where i % 3 == round { w[i] = -w[i] * 1.5 } }
        }
    }

    /// The rule depends on the geometry alone: the same layer always gets the same kernels.
    func testRuleIsStableAndKeepsLoupeKernelsWhereTheyWin() {
        for g in Self.grid {
            let route = ConvolutionRule.route(for: g)
            for _ in 0..<3 { XCTAssertEqual(ConvolutionRule.route(for: g), route) }
            XCTAssertEqual(Parallel.serially { ConvolutionRule.route(for: g) }, route, "same route inside a parallel part")
        }
        let depthwise = ConvolutionGeometry(batch: 8, inChannels: 32, inHeight: 56, inWidth: 56, outChannels: 32, outHeight: 56,
                                            outWidth: 56, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, groups: 32)
        XCTAssertEqual(ConvolutionRule.ownRoute(for: depthwise),
                       ConvolutionKernelRoute(forward: .depthwise, inputGradient: .depthwise, weightGradient: .depthwise))
        XCTAssertEqual(ConvolutionRule.route(for: depthwise),
                       ConvolutionRule.oneDNNEnabled
                           ? ConvolutionKernelRoute(forward: .depthwise, inputGradient: .oneDNNDirect, weightGradient: .oneDNNDirect)
                           : ConvolutionRule.ownRoute(for: depthwise))
        let own = ConvolutionRule.ownRoute(for: Self.grid[10])
        XCTAssertEqual(own.forward, .winograd)
        XCTAssertEqual(own.weightGradient, .im2colGEMM)
    }

    /// ResNet-50 layers at batch 8 get the kernels the benchmark table (BENCHMARKS.md) picked.
    func testRuleOnResNet50Layers() throws {
        try XCTSkipUnless(ConvolutionRule.oneDNNEnabled, "oneDNN is off or absent: every layer keeps Loupe's kernels")
        func conv(_ c: Int, _ m: Int, _ size: Int, kernel: Int, stride: Int = 1) -> ConvolutionGeometry {
            let out = (size + 2 * (kernel / 2) - kernel) / stride + 1
            return ConvolutionGeometry(batch: 8, inChannels: c, inHeight: size, inWidth: size, outChannels: m, outHeight: out,
                                       outWidth: out, kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride,
                                       strideWidth: stride, padTop: kernel / 2, padLeft: kernel / 2)
        }
        // oneDNN's Winograd exists on AVX-512 CPUs only; elsewhere those layers keep Loupe's kernels.
        let oneDNNWinograd = ConvolutionKernelRoute(forward: .oneDNNWinograd, inputGradient: .oneDNNWinograd,
                                                    weightGradient: .oneDNNWinograd)
        func wino(_ g: ConvolutionGeometry) -> (ConvolutionGeometry, ConvolutionKernelRoute) {
            (g, DNNLConvolution.hasWinograd ? oneDNNWinograd : ConvolutionRule.ownRoute(for: g))
        }
        let cases: [(ConvolutionGeometry, ConvolutionKernelRoute)] = [
            (conv(3, 64, 224, kernel: 7, stride: 2), ConvolutionKernelRoute(forward: .oneDNNDirect, inputGradient: .im2colGEMM,
                                                                            weightGradient: .oneDNNDirect)),
            wino(conv(64, 64, 56, kernel: 3)),
            wino(conv(128, 128, 28, kernel: 3)),
            wino(conv(256, 256, 14, kernel: 3)),
            (conv(512, 512, 7, kernel: 3), ConvolutionKernelRoute(forward: .winograd, inputGradient: .winograd,
                                                                  weightGradient: .im2colGEMM)),
            (conv(128, 128, 56, kernel: 3, stride: 2), ConvolutionKernelRoute(forward: .oneDNNDirect, inputGradient: .oneDNNDirect,
                                                                              weightGradient: .oneDNNDirect)),
            (conv(512, 512, 14, kernel: 3, stride: 2), ConvolutionKernelRoute(forward: .oneDNNDirect, inputGradient: .oneDNNDirect,
                                                                              weightGradient: .im2colGEMM)),
            (conv(256, 64, 56, kernel: 1), ConvolutionKernelRoute(forward: .im2colGEMM, inputGradient: .im2colGEMM,
                                                                  weightGradient: .im2colGEMM)),
            (conv(1024, 2048, 14, kernel: 1, stride: 2), ConvolutionKernelRoute(forward: .im2colGEMM, inputGradient: .oneDNNDirect,
                                                                                weightGradient: .im2colGEMM)),
            (conv(2048, 512, 7, kernel: 1), ConvolutionKernelRoute(forward: .im2colGEMM, inputGradient: .oneDNNDirect,
                                                                   weightGradient: .im2colGEMM)),
        ]
        // Depthwise 5x5 weight gradients stay in Loupe's loops on AVX2 (oneDNN's took 3-4x as long there).
        let depthwise5 = ConvolutionGeometry(batch: 8, inChannels: 240, inHeight: 28, inWidth: 28, outChannels: 240,
                                             outHeight: 28, outWidth: 28, kernelHeight: 5, kernelWidth: 5, padTop: 2,
                                             padLeft: 2, groups: 240)
        XCTAssertEqual(ConvolutionRule.route(for: depthwise5).weightGradient,
                       DNNLConvolution.hasAVX512 ? .oneDNNDirect : .depthwise)
        XCTAssertEqual(ConvolutionRule.route(for: depthwise5).inputGradient, .oneDNNDirect)
        // On 4x4 maps and less (64-px MobileNetV3) the 5x5 input gradient stays in Loupe's loops on AVX2; 3x3 does not.
        func depthwise(_ channels: Int, _ size: Int, kernel: Int, stride: Int) -> ConvolutionGeometry {
            let out = (size + 2 * (kernel / 2) - kernel) / stride + 1
            return ConvolutionGeometry(batch: 25, inChannels: channels, inHeight: size, inWidth: size, outChannels: channels,
                                       outHeight: out, outWidth: out, kernelHeight: kernel, kernelWidth: kernel,
                                       strideHeight: stride, strideWidth: stride, padTop: kernel / 2, padLeft: kernel / 2,
                                       groups: channels)
        }
        for tiny in [depthwise(240, 4, kernel: 5, stride: 1), depthwise(288, 4, kernel: 5, stride: 2), depthwise(576, 2, kernel: 5, stride: 1)] {
            XCTAssertEqual(ConvolutionRule.route(for: tiny).inputGradient, DNNLConvolution.hasAVX512 ? .oneDNNDirect : .depthwise)
        }
        for larger in [depthwise(96, 8, kernel: 5, stride: 2), depthwise(1152, 7, kernel: 5, stride: 1), depthwise(88, 4, kernel: 3, stride: 1)] {
            XCTAssertEqual(ConvolutionRule.route(for: larger).inputGradient, .oneDNNDirect)
        }
        for (g, expected) in cases {
            XCTAssertEqual(ConvolutionRule.route(for: g), expected, "\(g.inChannels)→\(g.outChannels) at \(g.inHeight), k\(g.kernelHeight) s\(g.strideHeight)")
        }
    }

    func testSingleImagesGetOpenMPThreadsOnlyForLargeConvolutions() {
        let workers = Parallel.workerCount
        // 64-px MobileNetV3-small's stem (442 K multiply-adds) and a ResNet-50 3x3 layer (116 M).
        let small = ConvolutionGeometry(batch: 1, inChannels: 3, inHeight: 64, inWidth: 64, outChannels: 16, outHeight: 32,
                                        outWidth: 32, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                                        padTop: 1, padLeft: 1)
        var large = ConvolutionGeometry(batch: 1, inChannels: 64, inHeight: 56, inWidth: 56, outChannels: 64, outHeight: 56,
                                        outWidth: 56, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1)
        XCTAssertEqual(small.multiplyAddsPerImage, 442_368)
        XCTAssertLessThan(small.multiplyAddsPerImage, DNNLConvolution.minimumMultiplyAddsForThreads)
        XCTAssertGreaterThan(large.multiplyAddsPerImage, DNNLConvolution.minimumMultiplyAddsForThreads)
        XCTAssertEqual(DNNLConvolution.slicePlan(small).parts, 1)
        XCTAssertEqual(DNNLConvolution.slicePlan(small).threads, 1)
        XCTAssertEqual(DNNLConvolution.slicePlan(large).threads, workers)
        // Several images: one slice per worker, one thread each.
        large.batch = 8
        XCTAssertEqual(DNNLConvolution.slicePlan(large).parts, min(workers, 8))
        XCTAssertEqual(DNNLConvolution.slicePlan(large).threads, workers > 1 ? 1 : workers)
    }
}
