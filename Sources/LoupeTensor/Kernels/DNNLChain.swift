import CDNNL

/// A stretch of a forward pass for oneDNN to run in its own (blocked) layouts, reordered only at its edges.
///
/// Every value is an `[N, C, H, W]` float tensor numbered by its position in `dimensions`. The
/// values in `inputs` come in as plain NCHW buffers and those in `outputs` go out as plain NCHW
/// buffers; every other value lives only inside the chain, in whatever layout oneDNN prefers
/// (`nChw16c` on AVX-512), so a run of convolutions hands its values on without a reorder between
/// them. `DNNLChainProgram` compiles a description into primitives.
public struct DNNLChainDescription: Sendable {
    /// An elementwise combination of two values.
    public enum BinaryKind: Sendable, Hashable { case add, mul }

    /// A convolution with constant weights (OIHW) and bias, an optional elementwise tail, and an
    /// optional residual value added after the tail (then `addendTail`): all in one pass over the output.
    public struct Convolution: Sendable {
        public var geometry: ConvolutionGeometry
        public var weight: [Float]
        public var bias: [Float]?
        public var input: Int
        public var output: Int
        public var tail: UnaryFunction?
        /// A value of the output's shape added to it (a residual connection).
        public var addend: Int?
        /// The function applied after the addition.
        public var addendTail: UnaryFunction?
        /// oneDNN's algorithm (direct falls in where Winograd has no kernel).
        public var algorithm: DNNLConvolutionAlgorithm

        public init(geometry: ConvolutionGeometry, weight: [Float], bias: [Float]?, input: Int, output: Int,
                    tail: UnaryFunction?, addend: Int? = nil, addendTail: UnaryFunction? = nil,
                    algorithm: DNNLConvolutionAlgorithm = .direct) {
            self.geometry = geometry
            self.weight = weight
            self.bias = bias
            self.input = input
            self.output = output
            self.tail = tail
            self.addend = addend
            self.addendTail = addendTail
            self.algorithm = algorithm
        }
    }

    /// One operation of the chain, reading and writing values by number.
    public enum Stage: Sendable {
        /// A convolution (`Convolution`).
        case convolution(Convolution)
        /// `lhs (+ or ×) rhs`; either operand may be `[N, C, 1, 1]` against an `[N, C, H, W]` other.
        case binary(BinaryKind, lhs: Int, rhs: Int, output: Int, tail: UnaryFunction?)
        /// The mean over each channel's plane, giving `[N, C, 1, 1]`.
        case globalAveragePool(input: Int, output: Int)
        /// One elementwise function.
        case unary(UnaryFunction, input: Int, output: Int)

        /// The value the stage writes.
        public var output: Int {
            switch self {
            case .convolution(let c): return c.output
            case .binary(_, _, _, let output, _), .globalAveragePool(_, let output), .unary(_, _, let output): return output
            }
        }
    }

    /// The `[N, C, H, W]` extents of every value.
    public var dimensions: [[Int]]
    /// The values given as plain buffers, in the order `DNNLChainProgram.run` takes them.
    public var inputs: [Int]
    /// The operations, in an order where every value is written before it is read.
    public var stages: [Stage]
    /// The values returned as plain buffers, in the order `DNNLChainProgram.run` fills them.
    public var outputs: [Int]

    public init(dimensions: [[Int]], inputs: [Int], stages: [Stage], outputs: [Int]) {
        self.dimensions = dimensions
        self.inputs = inputs
        self.stages = stages
        self.outputs = outputs
    }

    /// oneDNN's elementwise algorithm and its alpha and beta for `function`, or nil when oneDNN has
    /// none computing the same function.
    public static func elementwise(_ function: UnaryFunction) -> (algorithm: dnnl_alg_kind_t, alpha: Float, beta: Float)? {
        switch function {
        case .relu: return (dnnl_eltwise_relu, 0, 0)
        case .leakyRelu(let alpha): return (dnnl_eltwise_relu, alpha, 0)
        case .elu(let alpha): return (dnnl_eltwise_elu, alpha, 0)
        case .clip(let low, let high): return (dnnl_eltwise_clip_v2, low, high)
        case .sigmoid: return (dnnl_eltwise_logistic, 0, 0)
        case .tanh: return (dnnl_eltwise_tanh, 0, 0)
        case .silu: return (dnnl_eltwise_swish, 1, 0)
        case .hardSwish: return (dnnl_eltwise_hardswish, 0, 0)
        case .gelu: return (dnnl_eltwise_gelu_erf, 0, 0)
        case .geluTanh: return (dnnl_eltwise_gelu_tanh, 0, 0)
        case .erfGeluChain(let divisor) where abs(divisor - Float(2).squareRoot()) < 1e-6:
            return (dnnl_eltwise_gelu_erf, 0, 0)
        case .abs: return (dnnl_eltwise_abs, 0, 0)
        case .neg: return (dnnl_eltwise_linear, -1, 0)
        case .exp: return (dnnl_eltwise_exp, 0, 0)
        default: return nil
        }
    }

    /// Whether a chain's convolution runs its forward pass with oneDNN's Winograd: 3x3, stride 1, not
    /// dilated or grouped, on output maps of at least 4x4 (measured on ResNet-18/50 layers, BENCHMARKS.md:
    /// 1.3 to 3x faster than direct down to 4x4, 2x slower on 2x2 maps).
    public static func winogradForward(_ g: ConvolutionGeometry) -> Bool {
        isWinogradShape(g) && min(g.outHeight, g.outWidth) >= 4
    }

    /// Whether a chain's convolution runs its input gradient with oneDNN's Winograd: as `winogradForward`,
    /// on output maps of at least 8x8 (faster than direct from 8x8 up, slower on 7x7 and below).
    public static func winogradBackward(_ g: ConvolutionGeometry) -> Bool {
        isWinogradShape(g) && min(g.outHeight, g.outWidth) >= 8
    }

    private static func isWinogradShape(_ g: ConvolutionGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1 && g.dilationHeight == 1
            && g.dilationWidth == 1 && g.groups == 1
    }

    /// The batch size of the chain's values, when they all have the same leading extent.
    public var batch: Int? {
        let leading = Set(dimensions.map { $0.first ?? 0 })
        return leading.count == 1 ? leading.first : nil
    }

    /// The same chain over `images` images (every stage works image by image).
    public func resized(images: Int) -> DNNLChainDescription {
        var resized = self
        resized.dimensions = dimensions.map { [images] + $0.dropFirst() }
        resized.stages = stages.map { stage in
            guard case .convolution(var convolution) = stage else { return stage }
            convolution.geometry.batch = images
            return .convolution(convolution)
        }
        return resized
    }

    /// Multiply-adds of the chain's convolutions for one image.
    public var convolutionMultiplyAddsPerImage: Int {
        stages.reduce(0) { total, stage in
            guard case .convolution(let convolution) = stage else { return total }
            return total + convolution.geometry.multiplyAddsPerImage
        }
    }
}
