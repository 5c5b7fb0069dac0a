/// Depthwise convolutions of small maps (at most 16 pixels in and out: 4x4, 4x2, 2x2) as one small
/// matrix per channel, with no interleaving of channels.
///
/// On such maps the interleaved route of `DepthwiseConvolution` spends far more time moving values
/// into and out of its channel-interleaved buffers than multiplying (a 2x2 map with a 5x5 kernel
/// has 4 taps inside per output). Here each channel's kernel becomes the `outPlane x inPlane` matrix
/// `T` of the convolution on that map (built once per call, shared by the batch), stored one
/// 16-lane column per input pixel: `y = Σ_q x[q] · T[:, q] + bias`. The input gradient uses the
/// transpose, stored one 16-lane column per output pixel: `dx = Σ_o dy[o] · T[o, :]`.
extension DepthwiseConvolution {
    typealias PlaneLanes = SIMD16<Float>

    /// Whether `g` (depthwise) is computed by the small-map route.
    static func usesSmallPlane(_ g: ConvolutionGeometry) -> Bool {
        g.inPlane <= PlaneLanes.scalarCount && g.outPlane <= PlaneLanes.scalarCount
    }

    /// Writes the matrices of every channel into `matrices` (`channels x columns x 16` floats): column
    /// `q` of channel `c` holds `T[:, q]` (`columnsAreInputs`, forward) or `T[q, :]` (input gradient).
    static func smallPlaneMatrices(_ weight: UnsafePointer<Float>, geometry g: ConvolutionGeometry, columnsAreInputs: Bool,
                                   into matrices: UnsafeMutablePointer<PlaneLanes>) {
        let columns = columnsAreInputs ? g.inPlane : g.outPlane
        let taps = g.kernelHeight * g.kernelWidth
        matrices.initialize(repeating: PlaneLanes(repeating: 0), count: g.inChannels * columns)
        let inside = TapsInside(forwardOf: g)
        let lanes = UnsafeMutableRawPointer(matrices).assumingMemoryBound(to: Float.self)
        for channel in 0..<g.inChannels {
            let kernel = weight + channel * taps
            let matrix = lanes + channel * columns * PlaneLanes.scalarCount
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    let output = oh * g.outWidth + ow
                    for i in inside.rows[oh] {
                        let h = oh * g.strideHeight - g.padTop + i * g.dilationHeight
                        for j in inside.columns[ow] {
                            let input = h * g.inWidth + ow * g.strideWidth - g.padLeft + j * g.dilationWidth
                            let (column, lane) = columnsAreInputs ? (input, output) : (output, input)
                            matrix[column * PlaneLanes.scalarCount + lane] += kernel[i * g.kernelWidth + j]
                        }
                    }
                }
            }
        }
    }

    /// `y = T x + bias` (forward) or `dx = Tᵀ dy` (`inputGradient`, no bias) for every (image, channel)
    /// plane of a small-map depthwise convolution; `target` is overwritten.
    static func smallPlaneProduct(weight: UnsafePointer<Float>, source: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                  geometry g: ConvolutionGeometry, inputGradient: Bool, into target: UnsafeMutablePointer<Float>) {
        let (planeIn, planeOut) = inputGradient ? (g.outPlane, g.inPlane) : (g.inPlane, g.outPlane)
        let matrices = UnsafeMutablePointer<PlaneLanes>.allocate(capacity: g.inChannels * planeIn)
        defer { matrices.deallocate() }
        smallPlaneMatrices(weight, geometry: g, columnsAreInputs: !inputGradient, into: matrices)
        applySmallPlane(UnsafePointer(matrices), to: source, planeIn: planeIn, planeOut: planeOut, bias: inputGradient ? nil : bias,
                        geometry: g, into: target)
    }

    /// `target[n][c] = Σ_q source[n][c][q] · matrix[c][q] (+ bias[c])` over the first `planeOut` lanes.
    private static func applySmallPlane(_ matrices: UnsafePointer<PlaneLanes>, to source: UnsafePointer<Float>, planeIn: Int,
                                        planeOut: Int, bias: UnsafePointer<Float>?, geometry g: ConvolutionGeometry,
                                        into target: UnsafeMutablePointer<Float>) {
        let channels = g.inChannels
        let m = UncheckedBox(matrices), x = UncheckedBox(source), b = UncheckedBox(bias), y = SendablePointer(target)
        Parallel.forEachChunk(g.batch * channels, grain: max(1, (1 << 13) / max(1, planeIn * PlaneLanes.scalarCount))) { range in
            // Channel-major, so a channel's matrix stays in cache for all its images (no division per item).
            var (channel, image) = range.lowerBound.quotientAndRemainder(dividingBy: g.batch)
            for _ in range {
                defer {
                    image += 1
                    if image == g.batch { (channel, image) = (channel + 1, 0) }
                }
                let plane = image * channels + channel
                let matrix = m.value + channel * planeIn, values = x.value + plane * planeIn
                // Four partial sums, so the multiply-adds do not wait on each other.
                var partial = (PlaneLanes(repeating: b.value?[channel] ?? 0), PlaneLanes(repeating: 0), PlaneLanes(repeating: 0),
                               PlaneLanes(repeating: 0))
                var q = 0
                while q + 4 <= planeIn {
                    partial.0 = partial.0.addingProduct(PlaneLanes(repeating: values[q]), matrix[q])
                    partial.1 = partial.1.addingProduct(PlaneLanes(repeating: values[q + 1]), matrix[q + 1])
                    partial.2 = partial.2.addingProduct(PlaneLanes(repeating: values[q + 2]), matrix[q + 2])
                    partial.3 = partial.3.addingProduct(PlaneLanes(repeating: values[q + 3]), matrix[q + 3])
                    q += 4
                }
                while q < planeIn {
                    partial.0 = partial.0.addingProduct(PlaneLanes(repeating: values[q]), matrix[q])
                    q += 1
                }
                let sum = (partial.0 + partial.1) + (partial.2 + partial.3)
                let out = y.base + plane * planeOut
                if planeOut == PlaneLanes.scalarCount {
                    UnsafeMutableRawPointer(out).storeBytes(of: sum, as: PlaneLanes.self)
                } else {
                    for lane in 0..<planeOut { out[lane] = sum[lane] }
                }
            }
        }
    }
}
