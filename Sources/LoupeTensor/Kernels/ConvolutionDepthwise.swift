/// Depthwise convolution (`groups == inChannels == outChannels`) as direct loops, no GEMM.
///
/// Each (image, channel) plane is independent: the loops run tap by tap over precomputed valid
/// output rows/columns, so the inner loop is a plain (strided) multiply-add without bounds tests.
public enum DepthwiseConvolution {
    static func grain(_ g: ConvolutionGeometry) -> Int {
        max(1, (1 << 14) / max(1, g.kernelHeight * g.kernelWidth * g.outPlane))
    }

    /// Writes the depthwise convolution of `input` (plus `bias`) into `output`.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>) {
        let channels = g.inChannels, taps = g.kernelHeight * g.kernelWidth
        let (outW, inW, sh, sw) = (g.outWidth, g.inWidth, g.strideHeight, g.strideWidth)
        let out = SendablePointer(output), x = UncheckedBox(input), w = UncheckedBox(weight), b = UncheckedBox(bias)
        Parallel.forEachChunk(g.batch * channels, grain: grain(g)) { range in
            for item in range {
                let c = item % channels
                let dst = out.base + item * g.outPlane
                let src = x.value + item * g.inPlane
                dst.update(repeating: b.value?[c] ?? 0, count: g.outPlane)
                for i in 0..<g.kernelHeight {
                    let rows = g.validRows(tap: i)
                    let rowOffset = i * g.dilationHeight - g.padTop
                    for j in 0..<g.kernelWidth {
                        let cols = g.validColumns(tap: j)
                        if cols.isEmpty { continue }
                        let tap = w.value[c * taps + i * g.kernelWidth + j]
                        let colOffset = j * g.dilationWidth - g.padLeft
                        for oh in rows {
                            let o = dst + oh * outW
                            let s = src + (oh * sh + rowOffset) * inW + colOffset
                            if sw == 1 {
                                for ow in cols { o[ow] += tap * s[ow] }
                            } else {
                                for ow in cols { o[ow] += tap * s[ow * sw] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of a depthwise convolution w.r.t. input and/or weight (both overwritten).
    public static func backward(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                gradOutput: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?) {
        let channels = g.inChannels, taps = g.kernelHeight * g.kernelWidth
        let (outW, inW, sh, sw) = (g.outWidth, g.inWidth, g.strideHeight, g.strideWidth)
        let w = UncheckedBox(weight), dy = UncheckedBox(gradOutput)
        if let gradInput {
            let dx = SendablePointer(gradInput)
            Parallel.forEachChunk(g.batch * channels, grain: grain(g)) { range in
                for item in range {
                    let c = item % channels
                    let dst = dx.base + item * g.inPlane
                    let src = dy.value + item * g.outPlane
                    dst.update(repeating: 0, count: g.inPlane)
                    for i in 0..<g.kernelHeight {
                        let rows = g.validRows(tap: i)
                        let rowOffset = i * g.dilationHeight - g.padTop
                        for j in 0..<g.kernelWidth {
                            let cols = g.validColumns(tap: j)
                            if cols.isEmpty { continue }
                            let tap = w.value[c * taps + i * g.kernelWidth + j]
                            let colOffset = j * g.dilationWidth - g.padLeft
                            for oh in rows {
                                let s = src + oh * outW
                                let d = dst + (oh * sh + rowOffset) * inW + colOffset
                                if sw == 1 {
                                    for ow in cols { d[ow] += tap * s[ow] }
                                } else {
                                    for ow in cols { d[ow * sw] += tap * s[ow] }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let gradWeight, let input {
            let x = UncheckedBox(input)
            let dw = SendablePointer(gradWeight)
            Parallel.forEachChunk(channels, grain: max(1, grain(g) / max(1, g.batch))) { range in
                for c in range {
                    for i in 0..<g.kernelHeight {
                        let rows = g.validRows(tap: i)
                        let rowOffset = i * g.dilationHeight - g.padTop
                        for j in 0..<g.kernelWidth {
                            let cols = g.validColumns(tap: j)
                            let colOffset = j * g.dilationWidth - g.padLeft
                            var total: Float = 0
                            if !cols.isEmpty {
                                for n in 0..<g.batch {
                                    let item = n * channels + c
                                    let src = x.value + item * g.inPlane
                                    let grad = dy.value + item * g.outPlane
                                    for oh in rows {
                                        let s = src + (oh * sh + rowOffset) * inW + colOffset
                                        let d = grad + oh * outW
                                        if sw == 1 {
                                            for ow in cols { total += d[ow] * s[ow] }
                                        } else {
                                            for ow in cols { total += d[ow] * s[ow * sw] }
                                        }
                                    }
                                }
                            }
                            dw.base[c * taps + i * g.kernelWidth + j] = total
                        }
                    }
                }
            }
        }
    }
}
