import Foundation

/// A convolution kernel Loupe can run one pass of a layer with.
public enum ConvolutionKernelChoice: String, Sendable, Codable, CaseIterable {
    /// Loupe's im2col + GEMM (`ConvolutionKernel`).
    case im2colGEMM = "im2col-gemm"
    /// Loupe's Winograd F(2x2, 3x3) (`WinogradConvolution`).
    case winograd = "winograd-f2x2"
    /// Loupe's direct depthwise loops (`DepthwiseConvolution`).
    case depthwise
    /// Loupe's single-pixel product (one GEMM over the batch).
    case singlePixel = "single-pixel"
    /// oneDNN, direct algorithm.
    case oneDNNDirect = "onednn-direct"
    /// oneDNN, Winograd algorithm.
    case oneDNNWinograd = "onednn-winograd"

    /// The oneDNN algorithm of this choice, or nil for Loupe's own kernels.
    public var oneDNNAlgorithm: DNNLConvolutionAlgorithm? {
        switch self {
        case .oneDNNDirect: return .direct
        case .oneDNNWinograd: return .winograd
        default: return nil
        }
    }
}

/// The kernels chosen for the three passes of one convolution layer.
public struct ConvolutionKernelRoute: Sendable, Equatable, Codable {
    public var forward: ConvolutionKernelChoice
    public var inputGradient: ConvolutionKernelChoice
    public var weightGradient: ConvolutionKernelChoice

    public init(forward: ConvolutionKernelChoice, inputGradient: ConvolutionKernelChoice,
                weightGradient: ConvolutionKernelChoice) {
        self.forward = forward
        self.inputGradient = inputGradient
        self.weightGradient = weightGradient
    }
}

/// The fixed rule that picks a kernel for each pass of a convolution from its geometry alone.
///
/// Deterministic: no timing at run time, so a model always runs the same kernels and its results are
/// byte-identical between runs. The thresholds come from `loupe bench-conv` (BENCHMARKS.md, "oneDNN
/// convolution kernels"). Set `LOUPE_ONEDNN=0` to run Loupe's own kernels only.
public enum ConvolutionRule {
    /// Whether oneDNN may be chosen (it started, and `LOUPE_ONEDNN` is not `0`).
    public static let oneDNNEnabled: Bool = {
        if ProcessInfo.processInfo.environment["LOUPE_ONEDNN"] == "0" { return false }
        return DNNLConvolution.isAvailable
    }()

    /// The kernel Loupe's own dispatch runs for each pass (what runs without oneDNN).
    public static func ownRoute(for g: ConvolutionGeometry) -> ConvolutionKernelRoute {
        let own: ConvolutionKernelChoice
        if g.isDepthwise {
            own = .depthwise
        } else if ConvolutionKernel.isSinglePixelProduct(g) {
            own = .singlePixel
        } else {
            own = .im2colGEMM
        }
        let winograd = WinogradConvolution.isWorthwhile(for: g)
        return ConvolutionKernelRoute(forward: winograd ? .winograd : own, inputGradient: winograd ? .winograd : own,
                                      weightGradient: own)
    }

    /// The kernels for `g`: oneDNN where the benchmark showed it faster, Loupe's own elsewhere.
    public static func route(for g: ConvolutionGeometry) -> ConvolutionKernelRoute {
        let own = ownRoute(for: g)
        guard oneDNNEnabled else { return own }
        return ConvolutionKernelRoute(forward: forwardChoice(g, own: own.forward),
                                      inputGradient: inputGradientChoice(g, own: own.inputGradient),
                                      weightGradient: weightGradientChoice(g, own: own.weightGradient))
    }

    /// Whether `g` is a 3x3, stride-1, undilated convolution (Winograd candidates).
    static func isPlain3x3(_ g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1
    }

    /// Whether oneDNN's Winograd has enough work in `g`: one group, at least 16 channels each way.
    static func isWinogradCandidate(_ g: ConvolutionGeometry) -> Bool {
        isPlain3x3(g) && g.groups == 1 && g.inChannels >= 16 && g.outChannels >= 16
    }

    /// Every pass of a Winograd candidate: oneDNN's Winograd on maps of 14x14 or more where this CPU has it
    /// (AVX-512: `DNNLConvolution.hasWinograd`), else `own`. On AVX2, Loupe's own kernels beat oneDNN direct on
    /// every ResNet-50 Winograd layer, all three passes (BENCHMARKS.md, "The rule on an AVX2 CPU").
    static func winogradChoice(_ g: ConvolutionGeometry, own: ConvolutionKernelChoice) -> ConvolutionKernelChoice {
        g.outPlane >= 14 * 14 && DNNLConvolution.hasWinograd ? .oneDNNWinograd : own
    }

    /// Whether `g` is an ungrouped 1x1 convolution (any stride) reading a map of 7x7 to 14x14 (smaller maps,
    /// down to 2x2 in 64-px models, gained nothing in oneDNN).
    static func isSmallMapPointwise(_ g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.groups == 1 && g.inPlane <= 14 * 14 && g.inPlane >= 7 * 7
    }

    /// Whether `g` is a depthwise convolution with a kernel wider than 3x3 reading a map of 4x4 or less (64-px
    /// MobileNetV3's 5x5 layers). There, on AVX2, Loupe's loops took 0.27–0.69x oneDNN's time for the input gradient
    /// (with its layout reorders); from 7x7 maps up oneDNN was faster (BENCHMARKS.md, "The rule on an AVX2 CPU").
    static func isTinyWideDepthwise(_ g: ConvolutionGeometry) -> Bool {
        g.isDepthwise && (g.kernelHeight > 3 || g.kernelWidth > 3) && g.inPlane <= 4 * 4
    }

    /// Whether `g` is a dense (one group) convolution with a kernel wider than 1x1.
    static func isDenseSpatial(_ g: ConvolutionGeometry) -> Bool {
        g.groups == 1 && (g.kernelHeight > 1 || g.kernelWidth > 1)
    }

    /// Forward: oneDNN Winograd on 3x3 stride-1 layers with maps of 14x14 or more (its transformed weights
    /// are kept between calls, `DNNLWinogradWeights`; at 7x7 they would cost 38 MB a layer for 20%), oneDNN direct on
    /// strided layers, kernels larger than 3x3 and depthwise layers with output maps of 14x14 or less;
    /// Loupe's own kernels on 1x1 layers (oneDNN's layout reorders cost more than its GEMM saves),
    /// 3x3 maps under 14x14, larger depthwise maps and other grouped layers.
    static func forwardChoice(_ g: ConvolutionGeometry, own: ConvolutionKernelChoice) -> ConvolutionKernelChoice {
        if g.isDepthwise { return g.outPlane <= 14 * 14 ? .oneDNNDirect : own }
        guard isDenseSpatial(g) else { return own }
        if isWinogradCandidate(g) { return winogradChoice(g, own: own) }
        if g.strideHeight > 1 || g.strideWidth > 1 || g.kernelHeight > 3 || g.kernelWidth > 3 { return .oneDNNDirect }
        return own
    }

    /// Input gradient: oneDNN Winograd on 3x3 stride-1 layers with maps of 14x14 or more, oneDNN direct on
    /// strided 3x3 layers, depthwise layers and 1x1 layers reading maps of 7x7 to 14x14 (on AVX2
    /// 1.1–2.4x faster than Loupe's GEMM there, on AVX-512 0.97–1.1x); Loupe's own kernels elsewhere
    /// (notably large first-layer kernels on few channels), and on depthwise kernels wider than 3x3 reading
    /// maps of 4x4 or less on CPUs without AVX-512 (`isTinyWideDepthwise`).
    static func inputGradientChoice(_ g: ConvolutionGeometry, own: ConvolutionKernelChoice) -> ConvolutionKernelChoice {
        if g.isDepthwise { return isTinyWideDepthwise(g) && !DNNLConvolution.hasAVX512 ? own : .oneDNNDirect }
        if isSmallMapPointwise(g) { return .oneDNNDirect }
        guard isDenseSpatial(g) else { return own }
        if isWinogradCandidate(g) { return winogradChoice(g, own: own) }
        if (g.strideHeight > 1 || g.strideWidth > 1) && g.kernelHeight <= 3 && g.kernelWidth <= 3 && g.inChannels >= 16 {
            return .oneDNNDirect
        }
        return own
    }

    /// Weight gradient: oneDNN Winograd on 3x3 stride-1 layers with maps of 14x14 or more, oneDNN direct on
    /// kernels larger than 3x3, on strided layers with output maps of 28x28 or more and on depthwise
    /// layers, except depthwise kernels larger than 3x3 on AVX2 CPUs (oneDNN's AVX2 kernel took 2.9–4.4x
    /// Loupe's loops on EfficientNet-B0's 5x5 layers); Loupe's own elsewhere.
    static func weightGradientChoice(_ g: ConvolutionGeometry, own: ConvolutionKernelChoice) -> ConvolutionKernelChoice {
        if g.isDepthwise {
            let wide = g.kernelHeight > 3 || g.kernelWidth > 3
            return wide && !DNNLConvolution.hasAVX512 ? own : .oneDNNDirect
        }
        guard isDenseSpatial(g) else { return own }
        if isWinogradCandidate(g) { return winogradChoice(g, own: own) }
        if g.kernelHeight > 3 || g.kernelWidth > 3 { return .oneDNNDirect }
        if (g.strideHeight > 1 || g.strideWidth > 1) && g.outPlane >= 28 * 28 { return .oneDNNDirect }
        return own
    }
}

extension DNNLConvolution {
    /// Runs the forward pass through oneDNN when `ConvolutionRule` chose it; false when Loupe's kernels should run.
    public static func forwardIfChosen(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                       geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>) -> Bool {
        guard let algorithm = ConvolutionRule.route(for: g).forward.oneDNNAlgorithm else { return false }
        return forward(input: input, weight: weight, bias: bias, geometry: g, output: output, algorithm: algorithm)
    }

    /// Runs the input gradient through oneDNN when `ConvolutionRule` chose it; false when Loupe's kernels should run.
    public static func inputGradientIfChosen(weight: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                             geometry g: ConvolutionGeometry, gradInput: UnsafeMutablePointer<Float>) -> Bool {
        guard let algorithm = ConvolutionRule.route(for: g).inputGradient.oneDNNAlgorithm else { return false }
        return inputGradient(weight: weight, gradOutput: gradOutput, geometry: g, gradInput: gradInput, algorithm: algorithm)
    }

    /// Runs the weight gradient through oneDNN when `ConvolutionRule` chose it; false when Loupe's kernels should run.
    public static func weightGradientIfChosen(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                              geometry g: ConvolutionGeometry, gradWeight: UnsafeMutablePointer<Float>) -> Bool {
        guard let algorithm = ConvolutionRule.route(for: g).weightGradient.oneDNNAlgorithm else { return false }
        return weightGradient(input: input, gradOutput: gradOutput, geometry: g, gradWeight: gradWeight, algorithm: algorithm)
    }
}
