/// The shape bookkeeping of one 2-D NCHW sliding-window operation (convolution or pooling).
///
/// "Input" and "output" are the convolution's own: for a transposed convolution the roles swap
/// (its input is this geometry's output). Bottom/right padding is implicit in the explicit
/// output extents, so windows reaching past the input simply read zeros.
public struct ConvolutionGeometry: Sendable, Equatable {
    public var batch: Int
    public var inChannels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var outChannels: Int
    public var outHeight: Int
    public var outWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    /// Padding before the first row (may be negative for a cropped transposed convolution).
    public var padTop: Int
    /// Padding before the first column.
    public var padLeft: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var groups: Int

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, outHeight: Int, outWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, dilationHeight: Int = 1, dilationWidth: Int = 1,
                groups: Int = 1) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.groups = groups
    }

    /// Input channels seen by each group.
    @inlinable public var inChannelsPerGroup: Int { inChannels / groups }
    /// Output channels produced by each group.
    @inlinable public var outChannelsPerGroup: Int { outChannels / groups }
    /// Elements of one input channel plane.
    @inlinable public var inPlane: Int { inHeight * inWidth }
    /// Elements of one output channel plane.
    @inlinable public var outPlane: Int { outHeight * outWidth }
    /// Rows of the im2col matrix of one group: (channels per group) x kernel taps.
    @inlinable public var patchSize: Int { inChannelsPerGroup * kernelHeight * kernelWidth }
    /// Input tensor shape.
    public var inputShape: [Int] { [batch, inChannels, inHeight, inWidth] }
    /// Output tensor shape.
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
    /// Weight shape of the convolution `[out, in/groups, kH, kW]`.
    public var weightShape: [Int] { [outChannels, inChannelsPerGroup, kernelHeight, kernelWidth] }
    /// Multiply-adds for one image: every output value takes one kernel slice of its group.
    public var multiplyAddsPerImage: Int { outChannels * outPlane * patchSize }

    /// Whether this is a 1x1, stride-1, unpadded convolution whose im2col matrix is the input itself.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0
            && outHeight == inHeight && outWidth == inWidth
    }

    /// Whether every group maps exactly one input channel to one output channel.
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }

    /// For output column `ow` range bounds: the outputs whose tap `j` lands inside the input row.
    ///
    /// Returns `lo..<hi` (clamped to `0..<outWidth`) of outputs `ow` with
    /// `0 <= ow*strideWidth - padLeft + j*dilationWidth < inWidth`.
    @inlinable public func validColumns(tap j: Int) -> Range<Int> {
        validRange(offset: j * dilationWidth - padLeft, stride: strideWidth, inExtent: inWidth, outExtent: outWidth)
    }

    /// Like `validColumns` for rows and tap `i`.
    @inlinable public func validRows(tap i: Int) -> Range<Int> {
        validRange(offset: i * dilationHeight - padTop, stride: strideHeight, inExtent: inHeight, outExtent: outHeight)
    }

    @inlinable func validRange(offset: Int, stride: Int, inExtent: Int, outExtent: Int) -> Range<Int> {
        // Smallest o with o*stride + offset >= 0, and smallest o with o*stride + offset >= inExtent.
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let hiRaw = inExtent - offset <= 0 ? 0 : (inExtent - offset + stride - 1) / stride
        let clampedLo = min(lo, outExtent)
        return clampedLo..<max(clampedLo, min(hiRaw, outExtent))
    }
}

/// How ONNX `auto_pad` places the padding of a sliding window.
public enum AutoPad: String, Sendable {
    case notSet = "NOTSET"
    case sameUpper = "SAME_UPPER"
    case sameLower = "SAME_LOWER"
    case valid = "VALID"
}

/// One spatial axis of a sliding window: its extent, window and padding.
public struct WindowAxis: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    public var padBegin: Int
    public var padEnd: Int

    public init(kernel: Int, stride: Int = 1, dilation: Int = 1, padBegin: Int = 0, padEnd: Int = 0) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBegin = padBegin
        self.padEnd = padEnd
    }

    /// The extent the dilated kernel covers.
    @inlinable public var span: Int { (kernel - 1) * dilation + 1 }

    /// Resolves `auto_pad` for an input extent, replacing the explicit pads when SAME/VALID.
    public func resolved(_ autoPad: AutoPad, input: Int) -> WindowAxis {
        var axis = self
        switch autoPad {
        case .notSet: break
        case .valid: axis.padBegin = 0; axis.padEnd = 0
        case .sameUpper, .sameLower:
            let out = (input + stride - 1) / stride
            let total = max(0, (out - 1) * stride + span - input)
            let small = total / 2
            axis.padBegin = autoPad == .sameUpper ? small : total - small
            axis.padEnd = total - axis.padBegin
        }
        return axis
    }

    /// Output extent of a convolution/pooling window over `input`, or nil when the window does not fit.
    ///
    /// With `ceilMode`, a last partial window is kept when it starts inside the input or the
    /// leading padding (the PyTorch/onnxruntime rule).
    public func outputExtent(input: Int, ceilMode: Bool = false) -> Int? {
        let room = input + padBegin + padEnd - span
        guard room >= 0 else { return nil }
        var out = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1
        if ceilMode && (out - 1) * stride >= input + padBegin { out -= 1 }
        return out
    }
}
