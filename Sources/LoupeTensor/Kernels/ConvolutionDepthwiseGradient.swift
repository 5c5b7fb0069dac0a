/// The input gradient of a stride-1 depthwise convolution as a direct correlation.
///
/// `dx[h][w] = Σ_ij k[i][j] · dy[h + padTop - i·d][w + padLeft - j·d]`: the output gradient is
/// interleaved eight channels at a time into a buffer zero-padded by the kernel span on every side,
/// and each input position sums its taps in a register, with one store per position (no
/// read-modify-write of a scattered sum). Runs in parallel over (image, channel block).
extension DepthwiseConvolution {
    /// Whether `inputGradientByCorrelation` computes the input gradient of `g`.
    static func correlatesInputGradient(_ g: ConvolutionGeometry) -> Bool {
        g.strideHeight == 1 && g.strideWidth == 1 && g.padTop >= 0 && g.padLeft >= 0
    }

    /// Writes the input gradient of a stride-1 depthwise convolution into `gradInput` (overwritten).
    static func inputGradientByCorrelation(weight: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                           geometry g: ConvolutionGeometry, gradInput: UnsafeMutablePointer<Float>) {
        let channels = g.inChannels, taps = g.kernelHeight * g.kernelWidth
        let blocks = (channels + lanes - 1) / lanes
        let (spanHigh, spanWide) = ((g.kernelHeight - 1) * g.dilationHeight, (g.kernelWidth - 1) * g.dilationWidth)
        // Tall and wide enough that every tap of every input position lands inside (zeros outside dy).
        let rows = max(g.outHeight + spanHigh, g.inHeight + g.padTop) + spanHigh
        let columns = max(g.outWidth + spanWide, g.inWidth + g.padLeft) + spanWide
        let inside = TapsInside(inputGradientOf: g)
        let w = UncheckedBox(weight), dy = UncheckedBox(gradOutput), dx = SendablePointer(gradInput)
        let grain = max(1, (1 << 13) / max(1, lanes * taps * g.inPlane))
        Parallel.forEachChunk(g.batch * blocks, grain: grain) { range in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: (rows * columns + taps) * lanes)
            defer { buffer.deallocate() }
            let tapBuffer = buffer + rows * columns * lanes
            buffer.update(repeating: 0, count: rows * columns * lanes)
            var tapsOfBlock = -1
            for item in range {
                // Block-major, so a block's interleaved taps serve all its images.
                let (block, n) = item.quotientAndRemainder(dividingBy: g.batch)
                let first = block * lanes, laneCount = min(lanes, channels - first)
                if block != tapsOfBlock {
                    blockWeights(w.value, first: first, laneCount: laneCount, taps: taps, into: tapBuffer)
                    tapsOfBlock = block
                }
                // Interior of the padded buffer: this block's output gradient (unused lanes stay zero).
                for lane in 0..<laneCount {
                    let src = dy.value + (n * channels + first + lane) * g.outPlane
                    for oh in 0..<g.outHeight {
                        let row = buffer + ((oh + spanHigh) * columns + spanWide) * lanes + lane
                        for ow in 0..<g.outWidth { row[ow * lanes] = src[oh * g.outWidth + ow] }
                    }
                }
                let dst = dx.base + (n * channels + first) * g.inPlane
                for h in 0..<g.inHeight {
                    // Output row of tap i is h + padTop - i·d; in the buffer, + spanHigh.
                    let top = h + g.padTop + spanHigh
                    var x = 0
                    while x < g.inWidth {
                        let left = x + g.padLeft + spanWide, at = h * g.inWidth + x
                        if inside.wholeRun(from: x) {
                            // Four neighbouring inputs with every column tap inside: four independent sums.
                            var sums = FourSums(Lanes(repeating: 0))
                            for i in inside.rows[h] {
                                let row = buffer + ((top - i * g.dilationHeight) * columns + left) * lanes
                                for j in 0..<g.kernelWidth {
                                    sums.add(load(tapBuffer + (i * g.kernelWidth + j) * lanes), at: row - j * g.dilationWidth * lanes,
                                             step: lanes)
                                }
                            }
                            sums.store(dst + at, laneCount: laneCount, laneStride: g.inPlane)
                            x += 4
                            continue
                        }
                        var acc = Lanes(repeating: 0)
                        for i in inside.rows[h] {
                            let row = buffer + ((top - i * g.dilationHeight) * columns + left) * lanes
                            for j in inside.columns[x] {
                                acc = acc.addingProduct(load(tapBuffer + (i * g.kernelWidth + j) * lanes),
                                                        load(row - j * g.dilationWidth * lanes))
                            }
                        }
                        for lane in 0..<laneCount { dst[lane * g.inPlane + at] = acc[lane] }
                        x += 1
                    }
                }
            }
        }
    }
}
