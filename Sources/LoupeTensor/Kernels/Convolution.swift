/// 2-D NCHW convolution through im2col and one `sgemm` per (chunk of images, group).
///
/// Threading: images are unfolded into one im2col matrix per chunk (up to `chunkBudget`
/// floats; a chunk of one image GEMMs straight into the output, and a 1x1 stride-1 convolution
/// then needs no im2col at all), so each GEMM is large and OpenBLAS threads it; the copies around it (im2col,
/// col2im, gathers) run on `Parallel.forEachChunk`. BLAS is never called from inside our own
/// parallel loops here, so the two thread pools do not oversubscribe the cores.
/// Depthwise convolutions skip GEMM entirely (`ConvolutionDepthwise.swift`).
public enum ConvolutionKernel {
    /// Default largest im2col scratch matrix (floats, 1 MB: about one core's L2) built for a chunk of images.
    public static let defaultChunkBudget = 1 << 18

    /// Images unfolded together into one im2col matrix of at most `budget` floats (at least one image).
    public static func imagesPerChunk(_ g: ConvolutionGeometry, budget: Int = defaultChunkBudget) -> Int {
        let perImage = max(1, g.patchSize * g.outPlane)
        return max(1, min(g.batch, budget / perImage))
    }

    /// Writes the convolution of `input` by `weight` (plus `bias`) into `output`.
    ///
    /// Shapes follow `geometry`: input `inputShape`, weight `weightShape`, bias `[outChannels]`,
    /// output `outputShape` (fully overwritten).
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>,
                               chunkBudget: Int = defaultChunkBudget) {
        if g.batch == 0 || g.outChannels == 0 || g.outPlane == 0 { return }
        if g.isDepthwise {
            DepthwiseConvolution.forward(input: input, weight: weight, bias: bias, geometry: g, output: output)
            return
        }
        let chunk = imagesPerChunk(g, budget: chunkBudget)
        let (mg, k, p) = (g.outChannelsPerGroup, g.patchSize, g.outPlane)
        let needsCol = !(g.isPointwise && chunk == 1)
        ConvolutionScratch.with(needsCol ? k * chunk * p : 0) { col in
            ConvolutionScratch.with(chunk > 1 ? mg * chunk * p : 0) { stage in
                for first in stride(from: 0, to: g.batch, by: chunk) {
                    let count = min(chunk, g.batch - first)
                    for group in 0..<g.groups {
                        var b = input + (first * g.inChannels + group * g.inChannelsPerGroup) * g.inPlane
                        if needsCol {
                            im2colBatch(input, geometry: g, group: group, first: first, count: count, col: col)
                            b = UnsafePointer(col)
                        }
                        let a = weight + group * mg * k
                        if count == 1 {
                            let target = output + (first * g.outChannels + group * mg) * p
                            sgemm(m: mg, n: p, k: k, a: a, lda: k, b: b, ldb: p, c: target, ldc: p)
                            if let bias { addBias(bias + group * mg, to: target, batch: 1, channels: mg, plane: p) }
                        } else {
                            sgemm(m: mg, n: count * p, k: k, a: a, lda: k, b: b, ldb: count * p, c: stage, ldc: count * p)
                            gatherGroupRows(output, geometry: g, group: group, first: first, count: count,
                                            matrix: stage, toMatrix: false, bias: bias)
                        }
                    }
                }
            }
        }
    }

    /// Gradients of a convolution: w.r.t. its input (overwritten) and/or its weight (overwritten).
    ///
    /// `input` is only read for the weight gradient (a transposed convolution's forward pass is
    /// this function with `input: nil` and its own input as `gradOutput`).
    public static func backward(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                gradOutput: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?,
                                chunkBudget: Int = defaultChunkBudget) {
        if let gradInput { gradInput.update(repeating: 0, count: g.batch * g.inChannels * g.inPlane) }
        if let gradWeight { gradWeight.update(repeating: 0, count: g.outChannels * g.patchSize) }
        let gradWeight = input == nil ? nil : gradWeight
        if g.batch == 0 || g.outChannels == 0 || g.outPlane == 0 || (gradInput == nil && gradWeight == nil) { return }
        if g.isDepthwise {
            DepthwiseConvolution.backward(input: input, weight: weight, gradOutput: gradOutput, geometry: g,
                                          gradInput: gradInput, gradWeight: gradWeight)
            return
        }
        let chunk = imagesPerChunk(g, budget: chunkBudget)
        let (mg, cg, k, p) = (g.outChannelsPerGroup, g.inChannelsPerGroup, g.patchSize, g.outPlane)
        let direct = g.isPointwise && chunk == 1
        let mutableGrad = UnsafeMutablePointer(mutating: gradOutput)
        ConvolutionScratch.with(direct ? 0 : k * chunk * p) { col in
            ConvolutionScratch.with(chunk > 1 ? mg * chunk * p : 0) { stage in
                for first in stride(from: 0, to: g.batch, by: chunk) {
                    let count = min(chunk, g.batch - first)
                    let ld = count * p
                    for group in 0..<g.groups {
                        var dy = gradOutput + (first * g.outChannels + group * mg) * p
                        if count > 1 {
                            gatherGroupRows(mutableGrad, geometry: g, group: group, first: first, count: count,
                                            matrix: stage, toMatrix: true)
                            dy = UnsafePointer(stage)
                        }
                        let w = weight + group * mg * k
                        if let gradWeight, let input {
                            var b = input + (first * g.inChannels + group * cg) * g.inPlane
                            if !direct {
                                im2colBatch(input, geometry: g, group: group, first: first, count: count, col: col)
                                b = UnsafePointer(col)
                            }
                            sgemm(transposeB: true, m: mg, n: k, k: ld, a: dy, lda: ld, b: b, ldb: ld,
                                  beta: 1, c: gradWeight + group * mg * k, ldc: k)
                        }
                        if let gradInput {
                            let target = gradInput + (first * g.inChannels + group * cg) * g.inPlane
                            if direct {
                                sgemm(transposeA: true, m: k, n: p, k: mg, a: w, lda: k, b: dy, ldb: p, c: target, ldc: p)
                            } else {
                                sgemm(transposeA: true, m: k, n: ld, k: mg, a: w, lda: k, b: dy, ldb: ld, c: col, ldc: ld)
                                col2imBatch(col, geometry: g, group: group, first: first, count: count, output: gradInput)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds `bias[c]` to every element of channel `c` of an NCHW buffer.
    public static func addBias(_ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>,
                               batch: Int, channels: Int, plane: Int) {
        let out = SendablePointer(output), b = UncheckedBox(bias)
        Parallel.forEachChunk(batch * channels, grain: max(1, (1 << 15) / max(1, plane))) { range in
            for item in range {
                let value = b.value[item % channels]
                let base = out.base + item * plane
                for i in 0..<plane { base[i] += value }
            }
        }
    }

    /// Sums an NCHW buffer over batch and space: the gradient of a per-channel bias.
    public static func channelSums(_ gradOutput: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int,
                                   into result: UnsafeMutablePointer<Float>) {
        let out = SendablePointer(result), src = UncheckedBox(gradOutput)
        Parallel.forEachChunk(channels, grain: max(1, (1 << 15) / max(1, plane * batch))) { range in
            for c in range {
                var total: Float = 0
                for n in 0..<batch {
                    let base = src.value + (n * channels + c) * plane
                    var partial: Float = 0
                    for i in 0..<plane { partial += base[i] }
                    total += partial
                }
                out.base[c] = total
            }
        }
    }
}
