/// Depthwise convolution (`groups == inChannels == outChannels`) as direct SIMD loops, no GEMM.
///
/// Channels are processed eight at a time: each block of eight planes is interleaved into a
/// zero-padded `[rows][columns][8]` buffer, so every kernel tap is one 8-lane fused
/// multiply-add with no bounds tests; the taps that fall on the padding are skipped (`TapsInside`),
/// and four neighbouring outputs are summed at once where all their taps are inside (`FourSums`).
/// Maps of at most 16 pixels take the per-channel matrix route of `ConvolutionDepthwiseSmallPlane.swift`, and
/// undilated forward passes with strides of 1 or 2 the row kernel of `ConvolutionDepthwiseRows.swift`.
/// Forward runs in parallel over (image, channel block); backward over channel blocks.
public enum DepthwiseConvolution {
    typealias Lanes = SIMD8<Float>
    static let lanes = 8

    /// The zero-padded interleaved buffer covering every tap of every window.
    struct PaddedLayout {
        let rows: Int
        let columns: Int
        let geometry: ConvolutionGeometry

        init(_ g: ConvolutionGeometry) {
            geometry = g
            rows = max(1, (g.outHeight - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight + 1)
            columns = max(1, (g.outWidth - 1) * g.strideWidth + (g.kernelWidth - 1) * g.dilationWidth + 1)
        }

        var count: Int { rows * columns * DepthwiseConvolution.lanes }

        /// Interleaves `laneCount` planes (channel stride `inPlane`) into the interior of `buffer`.
        ///
        /// The padding and the unused lanes keep what they held: the kernels never read the padding
        /// (`TapsInside`) and never store the unused lanes. Zero a new buffer once, so that stale lanes
        /// are finite numbers.
        func gather(_ planes: UnsafePointer<Float>, laneCount: Int, into buffer: UnsafeMutablePointer<Float>) {
            let g = geometry
            for h in 0..<g.inHeight {
                let r = h + g.padTop
                guard r >= 0, r < rows else { continue }
                let firstW = max(0, -g.padLeft), lastW = min(g.inWidth, columns - g.padLeft)
                guard firstW < lastW else { continue }
                for lane in 0..<laneCount {
                    let src = planes + lane * g.inPlane + h * g.inWidth
                    let dst = buffer + (r * columns + g.padLeft) * DepthwiseConvolution.lanes + lane
                    for w in firstW..<lastW { dst[w * DepthwiseConvolution.lanes] = src[w] }
                }
            }
        }

        /// Adds (`accumulate`) or writes the interior of an interleaved buffer back to planes.
        func scatter(_ buffer: UnsafePointer<Float>, laneCount: Int, into planes: UnsafeMutablePointer<Float>) {
            let g = geometry
            for lane in 0..<laneCount {
                let plane = planes + lane * g.inPlane
                for h in 0..<g.inHeight {
                    let r = h + g.padTop
                    let dst = plane + h * g.inWidth
                    guard r >= 0, r < rows else { dst.update(repeating: 0, count: g.inWidth); continue }
                    for w in 0..<g.inWidth {
                        let c = w + g.padLeft
                        dst[w] = c >= 0 && c < columns ? buffer[(r * columns + c) * DepthwiseConvolution.lanes + lane] : 0
                    }
                }
            }
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always) static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }

    /// The 8-lane taps (and bias) of channel block `first..<first+laneCount`, zero in unused lanes.
    static func blockWeights(_ weight: UnsafePointer<Float>, first: Int, laneCount: Int, taps: Int,
                             into buffer: UnsafeMutablePointer<Float>) {
        buffer.update(repeating: 0, count: taps * lanes)
        for lane in 0..<laneCount {
            for t in 0..<taps { buffer[t * lanes + lane] = weight[(first + lane) * taps + t] }
        }
    }

    /// Writes the depthwise convolution of `input` (plus `bias`) into `output`, then `epilogue` of it
    /// (applied per block of channels of one image, while the block is in cache).
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>,
                               epilogue: UnaryFunction? = nil) {
        if usesSmallPlane(g) {
            smallPlaneProduct(weight: weight, source: input, bias: bias, geometry: g, inputGradient: false, into: output)
            if let epilogue { applyUnaryInPlace(epilogue, to: output, count: g.batch * g.outChannels * g.outPlane) }
            return
        }
        if usesRowKernel(g) {
            forwardByRows(input: input, weight: weight, bias: bias, geometry: g, output: output, epilogue: epilogue)
            return
        }
        let channels = g.inChannels, taps = g.kernelHeight * g.kernelWidth
        let blocks = (channels + lanes - 1) / lanes
        let layout = PaddedLayout(g)
        let inside = TapsInside(forwardOf: g)
        let out = SendablePointer(output), x = UncheckedBox(input), w = UncheckedBox(weight), b = UncheckedBox(bias)
        let grain = max(1, (1 << 13) / max(1, lanes * taps * g.outPlane))
        // Items run block-major, so a block's interleaved taps serve all its images.
        Parallel.forEachChunk(g.batch * blocks, grain: grain) { range in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: layout.count + (taps + 1) * lanes)
            defer { buffer.deallocate() }
            buffer.initialize(repeating: 0, count: layout.count)
            let tapBuffer = buffer + layout.count
            var tapsOfBlock = -1
            for item in range {
                let (block, n) = item.quotientAndRemainder(dividingBy: g.batch)
                let first = block * lanes, laneCount = min(lanes, channels - first)
                layout.gather(x.value + (n * channels + first) * g.inPlane, laneCount: laneCount, into: buffer)
                if block != tapsOfBlock {
                    blockWeights(w.value, first: first, laneCount: laneCount, taps: taps, into: tapBuffer)
                    tapsOfBlock = block
                }
                var biasLanes = Lanes(repeating: 0)
                if let bias = b.value { for lane in 0..<laneCount { biasLanes[lane] = bias[first + lane] } }
                let dst = out.base + (n * channels + first) * g.outPlane
                for oh in 0..<g.outHeight {
                    let rowTaps = inside.rows[oh]
                    var ow = 0
                    while ow < g.outWidth {
                        let base = oh * g.strideHeight * layout.columns + ow * g.strideWidth
                        let at = oh * g.outWidth + ow
                        if inside.wholeRun(from: ow) {
                            // Four neighbouring outputs with every column tap inside: four independent sums.
                            var sums = FourSums(biasLanes)
                            for i in rowTaps {
                                let row = buffer + (base + i * g.dilationHeight * layout.columns) * lanes
                                for j in 0..<g.kernelWidth {
                                    sums.add(load(tapBuffer + (i * g.kernelWidth + j) * lanes), at: row + j * g.dilationWidth * lanes,
                                             step: g.strideWidth * lanes)
                                }
                            }
                            sums.store(dst + at, laneCount: laneCount, laneStride: g.outPlane)
                            ow += 4
                            continue
                        }
                        var acc = biasLanes
                        for i in rowTaps {
                            let row = buffer + (base + i * g.dilationHeight * layout.columns) * lanes
                            for j in inside.columns[ow] {
                                acc = acc.addingProduct(load(tapBuffer + (i * g.kernelWidth + j) * lanes),
                                                        load(row + j * g.dilationWidth * lanes))
                            }
                        }
                        for lane in 0..<laneCount { dst[lane * g.outPlane + at] = acc[lane] }
                        ow += 1
                    }
                }
                if let epilogue { applyUnaryInPlace(epilogue, to: dst, count: laneCount * g.outPlane) }
            }
        }
    }

    /// Gradients of a depthwise convolution w.r.t. input and/or weight (both overwritten).
    public static func backward(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                gradOutput: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?) {
        var gradInput = gradInput
        let gradWeight = input == nil ? nil : gradWeight
        if let target = gradInput, usesSmallPlane(g) {
            smallPlaneProduct(weight: weight, source: gradOutput, bias: nil, geometry: g, inputGradient: true, into: target)
            gradInput = nil
        } else if let target = gradInput, correlatesInputGradient(g) {
            inputGradientByCorrelation(weight: weight, gradOutput: gradOutput, geometry: g, gradInput: target)
            gradInput = nil
        }
        guard gradInput != nil || gradWeight != nil else { return }
        let channels = g.inChannels, taps = g.kernelHeight * g.kernelWidth
        let blocks = (channels + lanes - 1) / lanes
        let layout = PaddedLayout(g)
        let inside = TapsInside(forwardOf: g)
        let x = UncheckedBox(input), w = UncheckedBox(weight), dy = UncheckedBox(gradOutput)
        let dx = UncheckedBox(gradInput), dw = UncheckedBox(gradWeight)
        Parallel.forEachChunk(blocks, grain: 1) { range in
            let size = 2 * layout.count + 2 * taps * lanes + g.outPlane * lanes
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: size)
            defer { buffer.deallocate() }
            buffer.initialize(repeating: 0, count: layout.count)
            let xBuffer = buffer, dxBuffer = buffer + layout.count
            let tapBuffer = dxBuffer + layout.count, dwBuffer = tapBuffer + taps * lanes
            let dyBuffer = dwBuffer + taps * lanes
            for block in range {
                let first = block * lanes, laneCount = min(lanes, channels - first)
                blockWeights(w.value, first: first, laneCount: laneCount, taps: taps, into: tapBuffer)
                dwBuffer.update(repeating: 0, count: taps * lanes)
                for n in 0..<g.batch {
                    // Interleave this block's output gradient: [outPlane][8].
                    dyBuffer.update(repeating: 0, count: g.outPlane * lanes)
                    for lane in 0..<laneCount {
                        let src = dy.value + (n * channels + first + lane) * g.outPlane
                        for at in 0..<g.outPlane { dyBuffer[at * lanes + lane] = src[at] }
                    }
                    if let input = x.value, dw.value != nil {
                        layout.gather(input + (n * channels + first) * g.inPlane, laneCount: laneCount, into: xBuffer)
                    }
                    if dx.value != nil { dxBuffer.update(repeating: 0, count: layout.count) }
                    for oh in 0..<g.outHeight {
                        for ow in 0..<g.outWidth {
                            let grad = load(dyBuffer + (oh * g.outWidth + ow) * lanes)
                            let base = oh * g.strideHeight * layout.columns + ow * g.strideWidth
                            for i in inside.rows[oh] {
                                let rowOffset = (base + i * g.dilationHeight * layout.columns) * lanes
                                for j in inside.columns[ow] {
                                    let at = rowOffset + j * g.dilationWidth * lanes
                                    let t = (i * g.kernelWidth + j) * lanes
                                    if dx.value != nil {
                                        store(load(dxBuffer + at).addingProduct(load(tapBuffer + t), grad), dxBuffer + at)
                                    }
                                    if dw.value != nil {
                                        store(load(dwBuffer + t).addingProduct(load(xBuffer + at), grad), dwBuffer + t)
                                    }
                                }
                            }
                        }
                    }
                    if let gradIn = dx.value {
                        layout.scatter(dxBuffer, laneCount: laneCount, into: gradIn + (n * channels + first) * g.inPlane)
                    }
                }
                if let gradW = dw.value {
                    for lane in 0..<laneCount {
                        for t in 0..<taps { gradW[(first + lane) * taps + t] = dwBuffer[t * lanes + lane] }
                    }
                }
            }
        }
    }
}

/// The kernel taps that fall inside the data, per output row and column (the others read padding).
///
/// Those on the padding add nothing: on the 2x2 and 4x4 maps of a small network's late layers a
/// 5x5 kernel has only 4 to 16 of its 25 taps inside. Computed once per call.
struct TapsInside {
    /// Kernel rows inside, per output row (or, for `inputGradientOf:`, per input row).
    let rows: [Range<Int>]
    /// Kernel columns inside, per output column (or input column).
    let columns: [Range<Int>]
    let kernelWidth: Int

    /// For the forward pass: tap `i` of output row `oh` reads padded row `oh · stride + i · dilation`.
    init(forwardOf g: ConvolutionGeometry) {
        rows = (0..<g.outHeight).map {
            TapsInside.taps(g.kernelHeight, from: $0 * g.strideHeight, dilation: g.dilationHeight, inside: g.padTop, g.padTop + g.inHeight)
        }
        columns = (0..<g.outWidth).map {
            TapsInside.taps(g.kernelWidth, from: $0 * g.strideWidth, dilation: g.dilationWidth, inside: g.padLeft, g.padLeft + g.inWidth)
        }
        kernelWidth = g.kernelWidth
    }

    /// For the stride-1 input gradient: tap `i` of input row `h` reads output row `h + padTop − i · dilation`.
    init(inputGradientOf g: ConvolutionGeometry) {
        rows = (0..<g.inHeight).map {
            TapsInside.taps(g.kernelHeight, from: -($0 + g.padTop), dilation: g.dilationHeight, inside: 1 - g.outHeight, 1)
        }
        columns = (0..<g.inWidth).map {
            TapsInside.taps(g.kernelWidth, from: -($0 + g.padLeft), dilation: g.dilationWidth, inside: 1 - g.outWidth, 1)
        }
        kernelWidth = g.kernelWidth
    }

    /// Whether columns `column..<column+4` exist and all have every kernel column inside.
    @inline(__always) func wholeRun(from column: Int) -> Bool {
        column + 3 < columns.count && columns[column].count == kernelWidth && columns[column + 3].count == kernelWidth
    }

    /// The taps `t` in `0..<taps` whose position `start + t · dilation` lies in `low..<high`.
    static func taps(_ taps: Int, from start: Int, dilation: Int, inside low: Int, _ high: Int) -> Range<Int> {
        let first = max(0, ceilingDivision(low - start, dilation))
        let last = min(taps - 1, floorDivision(high - 1 - start, dilation))
        return first <= last ? first..<(last + 1) : 0..<0
    }

    /// `a / b` rounded toward negative infinity (`b > 0`).
    static func floorDivision(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// `a / b` rounded toward positive infinity (`b > 0`).
    static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
        -floorDivision(-a, b)
    }
}

/// Four 8-channel sums of neighbouring positions, accumulated independently (no chain of dependent FMAs).
struct FourSums {
    typealias Lanes = DepthwiseConvolution.Lanes
    var s0, s1, s2, s3: Lanes

    @inline(__always) init(_ start: Lanes) {
        (s0, s1, s2, s3) = (start, start, start, start)
    }

    /// Adds `tap` times the values at `p`, `p + step`, `p + 2 step` and `p + 3 step`.
    @inline(__always) mutating func add(_ tap: Lanes, at p: UnsafePointer<Float>, step: Int) {
        s0 = s0.addingProduct(tap, DepthwiseConvolution.load(p))
        s1 = s1.addingProduct(tap, DepthwiseConvolution.load(p + step))
        s2 = s2.addingProduct(tap, DepthwiseConvolution.load(p + 2 * step))
        s3 = s3.addingProduct(tap, DepthwiseConvolution.load(p + 3 * step))
    }

    /// Writes the four positions of each of the first `laneCount` channels (planes `laneStride` apart).
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, laneCount: Int, laneStride: Int) {
        for lane in 0..<laneCount {
            let q = p + lane * laneStride
            q[0] = s0[lane]
            q[1] = s1[lane]
            q[2] = s2[lane]
            q[3] = s3[lane]
        }
    }
}
