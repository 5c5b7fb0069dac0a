/// 2-D NCHW convolution through im2col and one `sgemm` per (chunk of images, group).
///
/// Images are unfolded together into one im2col matrix per chunk (up to `chunkBudget` floats; a
/// chunk of one image GEMMs straight into the output, and a 1x1 stride-1 convolution then needs
/// no im2col at all). Threading, by `ChunkPlan`: when the batch has at least one image per worker,
/// the chunks are spread over the workers, each running its copies and GEMMs on its own images
/// (one synchronisation per call); otherwise chunks run one after another with parallel copies and
/// GEMMs that `sgemm` cuts over the workers. Inside an attribution part (`Parallel.serially`)
/// everything runs on the part's thread.
/// Depthwise convolutions skip GEMM entirely (`ConvolutionDepthwise.swift`).
public enum ConvolutionKernel {
    /// Default largest im2col scratch matrix (floats, 1 MB: about one core's L2) built for a chunk of images.
    public static let defaultChunkBudget = 1 << 18

    /// Images unfolded together into one im2col matrix of at most `budget` floats (at least one image).
    public static func imagesPerChunk(_ g: ConvolutionGeometry, budget: Int = defaultChunkBudget) -> Int {
        let perImage = max(1, g.patchSize * g.outPlane)
        return max(1, min(g.batch, budget / perImage))
    }

    /// How a batch is cut into chunks of images and where the parallelism goes.
    struct ChunkPlan {
        /// Images per chunk (the last chunk may be shorter).
        var imagesPerChunk: Int
        /// Number of chunks.
        var chunks: Int
        /// Whether chunks run on separate workers (serial copies and GEMMs inside).
        var acrossChunks: Bool

        /// Chunks of at most `budget / perImage` images; spread over the workers when there is at least
        /// one image per worker, or (`onlyWhenEnoughChunks`) only when there are that many whole chunks.
        init(batch: Int, perImage: Int, budget: Int, onlyWhenEnoughChunks: Bool = false,
             workers: Int = Parallel.workerCount) {
            let largest = max(1, min(batch, budget / max(1, perImage)))
            let enough = onlyWhenEnoughChunks ? (batch + largest - 1) / largest : batch
            acrossChunks = workers > 1 && enough >= workers
            if acrossChunks {
                // Equal numbers of equally sized chunks per worker.
                let perWorker = (batch + workers * largest - 1) / (workers * largest)
                imagesPerChunk = max(1, (batch + workers * perWorker - 1) / (workers * perWorker))
            } else {
                imagesPerChunk = largest
            }
            chunks = (batch + imagesPerChunk - 1) / imagesPerChunk
            self.batch = batch
        }

        init(_ g: ConvolutionGeometry, budget: Int) {
            self.init(batch: g.batch, perImage: g.patchSize * g.outPlane, budget: budget)
        }

        /// Images in the whole batch.
        var batch: Int

        /// Runs `body(first, count, parallelInside)` for every chunk, spread as planned.
        func run(_ body: (Int, Int, Bool) -> Void) {
            let per = imagesPerChunk, batch = batch
            if acrossChunks {
                Parallel.forEachChunk(chunks, grain: 1) { range in
                    for chunk in range { body(chunk * per, min(per, batch - chunk * per), false) }
                }
            } else {
                for chunk in 0..<chunks { body(chunk * per, min(per, batch - chunk * per), true) }
            }
        }
    }

    /// Writes the convolution of `input` by `weight` (plus `bias`) into `output`, then `epilogue` of it.
    ///
    /// Shapes follow `geometry`: input `inputShape`, weight `weightShape`, bias `[outChannels]`,
    /// output `outputShape` (fully overwritten). The epilogue (a fused activation) runs on each
    /// chunk's part of the output right after its GEMM, while that part is in cache.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>,
                               chunkBudget: Int = defaultChunkBudget, epilogue: UnaryFunction? = nil) {
        if g.batch == 0 || g.outChannels == 0 || g.outPlane == 0 { return }
        if g.isDepthwise {
            DepthwiseConvolution.forward(input: input, weight: weight, bias: bias, geometry: g, output: output,
                                         epilogue: epilogue)
            return
        }
        if isSinglePixelProduct(g) {
            singlePixelForward(input: input, weight: weight, bias: bias, geometry: g, output: output)
            if let epilogue { applyUnaryInPlace(epilogue, to: output, count: g.batch * g.outChannels) }
            return
        }
        let plan = ChunkPlan(g, budget: chunkBudget)
        let (mg, k, p) = (g.outChannelsPerGroup, g.patchSize, g.outPlane)
        let needsCol = !(g.isPointwise && plan.imagesPerChunk == 1)
        let per = plan.imagesPerChunk
        let x = UncheckedBox(input), w = UncheckedBox(weight), b = UncheckedBox(bias), y = SendablePointer(output)
        plan.run { first, count, parallel in
            ConvolutionScratch.with(needsCol ? k * per * p : 0) { col in
                ConvolutionScratch.with(per > 1 ? mg * per * p : 0) { stage in
                    for group in 0..<g.groups {
                        var source = x.value + (first * g.inChannels + group * g.inChannelsPerGroup) * g.inPlane
                        if needsCol {
                            im2colBatch(x.value, geometry: g, group: group, first: first, count: count, col: col,
                                        parallel: parallel)
                            source = UnsafePointer(col)
                        }
                        let a = w.value + group * mg * k
                        if count == 1 {
                            let target = y.base + (first * g.outChannels + group * mg) * p
                            sgemm(m: mg, n: p, k: k, a: a, lda: k, b: source, ldb: p, c: target, ldc: p)
                            if let bias = b.value {
                                addBias(bias + group * mg, to: target, batch: 1, channels: mg, plane: p, parallel: parallel)
                            }
                        } else {
                            sgemm(m: mg, n: count * p, k: k, a: a, lda: k, b: source, ldb: count * p, c: stage,
                                  ldc: count * p)
                            gatherGroupRows(y.base, geometry: g, group: group, first: first, count: count,
                                            matrix: stage, toMatrix: false, bias: b.value, parallel: parallel)
                        }
                        if let epilogue {
                            for image in first..<(first + count) {
                                applyUnaryInPlace(epilogue, to: y.base + (image * g.outChannels + group * mg) * p, count: mg * p)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Gradients of a convolution: w.r.t. its input (overwritten) and/or its weight (overwritten).
    ///
    /// `input` is only read for the weight gradient (a transposed convolution's forward pass is
    /// this function with `input: nil` and its own input as `gradOutput`). When chunks run on
    /// separate workers, each sums its weight gradient privately and the sums are added in chunk
    /// order afterwards.
    public static func backward(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                gradOutput: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                gradInput: UnsafeMutablePointer<Float>?, gradWeight: UnsafeMutablePointer<Float>?,
                                chunkBudget: Int = defaultChunkBudget) {
        // Without the input there is no weight gradient: it is left zero.
        if input == nil, let gradWeight { gradWeight.update(repeating: 0, count: g.outChannels * g.patchSize) }
        let gradWeight = input == nil ? nil : gradWeight
        let empty = g.batch == 0 || g.outChannels == 0 || g.outPlane == 0
        // The depthwise and single-pixel routes overwrite what they compute; the GEMM route adds into zeros.
        if !empty && g.isDepthwise {
            DepthwiseConvolution.backward(input: input, weight: weight, gradOutput: gradOutput, geometry: g,
                                          gradInput: gradInput, gradWeight: gradWeight)
            return
        }
        if !empty && isSinglePixelProduct(g) {
            singlePixelBackward(input: input, weight: weight, gradOutput: gradOutput, geometry: g, gradInput: gradInput,
                                gradWeight: gradWeight)
            return
        }
        if let gradInput { gradInput.update(repeating: 0, count: g.batch * g.inChannels * g.inPlane) }
        if let gradWeight { gradWeight.update(repeating: 0, count: g.outChannels * g.patchSize) }
        if empty || (gradInput == nil && gradWeight == nil) { return }
        let plan = ChunkPlan(g, budget: chunkBudget)
        let per = plan.imagesPerChunk, weightCount = g.outChannels * g.patchSize
        // Private weight-gradient sums, one per chunk, when chunks run on separate workers.
        let partialCount = gradWeight != nil && plan.acrossChunks ? plan.chunks * weightCount : 0
        ConvolutionScratch.with(partialCount) { partials in
            let sums = SendablePointer(partials)
            plan.run { first, count, parallel in
                let target: UnsafeMutablePointer<Float>?
                if gradWeight == nil {
                    target = nil
                } else if partialCount > 0 {
                    target = sums.base + (first / per) * weightCount
                    target?.update(repeating: 0, count: weightCount)
                } else {
                    target = gradWeight
                }
                backwardChunk(input: input, weight: weight, gradOutput: gradOutput, geometry: g, first: first,
                              count: count, per: per, gradInput: gradInput, gradWeight: target, parallel: parallel)
            }
            if let gradWeight, partialCount > 0 {
                for chunk in 0..<plan.chunks {
                    let partial = partials + chunk * weightCount
                    for i in 0..<weightCount { gradWeight[i] += partial[i] }
                }
            }
        }
    }

    /// The gradients contributed by images `first..<first+count`; the weight gradient is added to.
    private static func backwardChunk(input: UnsafePointer<Float>?, weight: UnsafePointer<Float>,
                                      gradOutput: UnsafePointer<Float>, geometry g: ConvolutionGeometry,
                                      first: Int, count: Int, per: Int, gradInput: UnsafeMutablePointer<Float>?,
                                      gradWeight: UnsafeMutablePointer<Float>?, parallel: Bool) {
        let (mg, cg, k, p) = (g.outChannelsPerGroup, g.inChannelsPerGroup, g.patchSize, g.outPlane)
        let direct = g.isPointwise && per == 1
        let mutableGrad = UnsafeMutablePointer(mutating: gradOutput)
        let ld = count * p
        ConvolutionScratch.with(direct ? 0 : k * per * p) { col in
            ConvolutionScratch.with(per > 1 ? mg * per * p : 0) { stage in
                for group in 0..<g.groups {
                    var dy = gradOutput + (first * g.outChannels + group * mg) * p
                    if count > 1 {
                        gatherGroupRows(mutableGrad, geometry: g, group: group, first: first, count: count,
                                        matrix: stage, toMatrix: true, parallel: parallel)
                        dy = UnsafePointer(stage)
                    }
                    let w = weight + group * mg * k
                    if let gradWeight, let input {
                        var b = input + (first * g.inChannels + group * cg) * g.inPlane
                        if !direct {
                            im2colBatch(input, geometry: g, group: group, first: first, count: count, col: col,
                                        parallel: parallel)
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
                            col2imBatch(col, geometry: g, group: group, first: first, count: count, output: gradInput,
                                        parallel: parallel)
                        }
                    }
                }
            }
        }
    }

    /// Adds `bias[c]` to every element of channel `c` of an NCHW buffer.
    public static func addBias(_ bias: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>,
                               batch: Int, channels: Int, plane: Int, parallel: Bool = true) {
        let out = SendablePointer(output), b = UncheckedBox(bias)
        Parallel.forEachChunk(batch * channels, grain: parallel ? max(1, (1 << 15) / max(1, plane)) : Int.max) { range in
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
