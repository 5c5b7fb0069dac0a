import CDNNL
import Foundation

/// Convolution passes through oneDNN: forward, input gradient and weight gradient, on plain NCHW buffers.
///
/// Threads: Loupe's workers own the cores. A call outside a parallel part cuts the batch into one
/// slice per worker (`Parallel.mapParts`), and each worker runs oneDNN on its slice with one OpenMP
/// thread; a batch smaller than the worker count runs on the calling thread with as many OpenMP
/// threads as there are workers. Inside a parallel part (`Parallel.serially`) oneDNN runs on the part's
/// thread alone. The OpenMP thread count is set on the calling thread before every call
/// (`omp_set_num_threads` is per thread), and primitives are cached per thread count.
///
/// Every function returns false, having written nothing useful, when oneDNN cannot run the shape;
/// the caller then uses Loupe's own kernels.
public enum DNNLConvolution {
    /// Whether oneDNN started (its CPU engine exists).
    public static var isAvailable: Bool { DNNLPrimitiveCache.engine.value != nil }

    /// Whether oneDNN runs AVX-512 kernels on this CPU (`dnnl_get_effective_cpu_isa`). The rule's thresholds
    /// were measured on both kinds of CPU; where they differ, `ConvolutionRule` asks this.
    public static let hasAVX512: Bool = {
        let core = dnnl_cpu_isa_avx512_core.rawValue
        return isAvailable && dnnl_get_effective_cpu_isa().rawValue & core == core
    }()

    /// Whether oneDNN has Winograd convolutions on this CPU. oneDNN 2.6 has them for AVX-512 only: on an
    /// AVX2 CPU it refuses every Winograd convolution. Asked once, with a 16→16 3x3 layer on an 8x8 map.
    public static let hasWinograd: Bool = {
        let probe = ConvolutionGeometry(batch: 1, inChannels: 16, inHeight: 8, inWidth: 8, outChannels: 16, outHeight: 8,
                                        outWidth: 8, kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1)
        return primitive(probe, .forward(bias: false), .winograd, 1) != nil
    }()

    /// Writes the convolution of `input` by `weight` (plus `bias`) into `output`.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: ConvolutionGeometry, output: UnsafeMutablePointer<Float>,
                               algorithm: DNNLConvolutionAlgorithm) -> Bool {
        let x = UncheckedBox(input), w = UncheckedBox(weight), b = UncheckedBox(bias), y = SendablePointer(output)
        let pass = DNNLConvolutionPrimitive.Pass.forward(bias: bias != nil)
        let staged = UncheckedBox(stageWeights(g, pass, algorithm, weight, cacheAcrossCalls: algorithm == .winograd))
        return withExtendedLifetime(staged) {
            runSlices(g) { slice, first, threads in
                guard let p = primitive(slice, pass, algorithm, threads),
                      let engine = DNNLPrimitiveCache.engine.value else { return false }
                var buffers: [Int32: UnsafeMutableRawPointer] = [
                    DNNLPrimitiveFactory.Argument.source: raw(x.value + first * g.inChannels * g.inPlane),
                    DNNLPrimitiveFactory.Argument.weights: staged.value?.pointer ?? raw(w.value),
                    DNNLPrimitiveFactory.Argument.destination: UnsafeMutableRawPointer(y.base + first * g.outChannels * g.outPlane),
                ]
                if let bias = b.value { buffers[DNNLPrimitiveFactory.Argument.bias] = raw(bias) }
                return p.execute(buffers, staged: staged.value == nil ? [] : [DNNLPrimitiveFactory.Argument.weights],
                                 engine: engine)
            }
        }
    }

    /// Writes the gradient with respect to the input (overwritten) of a convolution.
    public static func inputGradient(weight: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                     geometry g: ConvolutionGeometry, gradInput: UnsafeMutablePointer<Float>,
                                     algorithm: DNNLConvolutionAlgorithm) -> Bool {
        let w = UncheckedBox(weight), dy = UncheckedBox(gradOutput), dx = SendablePointer(gradInput)
        let staged = UncheckedBox(stageWeights(g, .inputGradient, algorithm, weight, cacheAcrossCalls: false))
        return withExtendedLifetime(staged) {
            runSlices(g) { slice, first, threads in
                guard let p = primitive(slice, .inputGradient, algorithm, threads),
                      let engine = DNNLPrimitiveCache.engine.value else { return false }
                return p.execute([
                    DNNLPrimitiveFactory.Argument.destinationGradient: raw(dy.value + first * g.outChannels * g.outPlane),
                    DNNLPrimitiveFactory.Argument.weights: staged.value?.pointer ?? raw(w.value),
                    DNNLPrimitiveFactory.Argument.sourceGradient: UnsafeMutableRawPointer(dx.base + first * g.inChannels * g.inPlane),
                ], staged: staged.value == nil ? [] : [DNNLPrimitiveFactory.Argument.weights], engine: engine)
            }
        }
    }

    /// The weights reordered once for every slice of this call (nil: each slice reorders its own, or none need it).
    private static func stageWeights(_ g: ConvolutionGeometry, _ pass: DNNLConvolutionPrimitive.Pass,
                                     _ algorithm: DNNLConvolutionAlgorithm, _ weight: UnsafePointer<Float>,
                                     cacheAcrossCalls: Bool) -> DNNLStagedWeights? {
        guard g.batch > 0, let engine = DNNLPrimitiveCache.engine.value else { return nil }
        let plan = slicePlan(g)
        var primitives = [DNNLConvolutionPrimitive]()
        for batch in Set(sliceBatches(g)).sorted() {
            var slice = g
            slice.batch = batch
            guard let p = primitive(slice, pass, algorithm, plan.threads) else { return nil }
            primitives.append(p)
        }
        return DNNLStagedWeights.stage(weight, count: g.outChannels * g.patchSize, argument: DNNLPrimitiveFactory.Argument.weights,
                                       for: primitives, cacheAcrossCalls: cacheAcrossCalls, engine: engine)
    }

    /// The batch sizes of the slices `runSlices` cuts `g` into (the cut of `Parallel.mapParts`).
    static func sliceBatches(_ g: ConvolutionGeometry) -> [Int] {
        Parallel.partRanges(g.batch, minimumPart: max(1, g.batch / slicePlan(g).parts)).map(\.count)
    }

    /// Writes the gradient with respect to the weight (overwritten), summed over the batch.
    ///
    /// Each worker's slice gives a partial sum; the partial sums are added in slice order.
    public static func weightGradient(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                      geometry g: ConvolutionGeometry, gradWeight: UnsafeMutablePointer<Float>,
                                      algorithm: DNNLConvolutionAlgorithm) -> Bool {
        let count = g.outChannels * g.patchSize
        let x = UncheckedBox(input), dy = UncheckedBox(gradOutput)
        let plan = slicePlan(g)
        let partials: [[Float]?]
        do {
            partials = try Parallel.mapParts(g.batch, minimumPart: max(1, g.batch / plan.parts)) { range -> [Float]? in
                var slice = g
                slice.batch = range.count
                guard let p = primitive(slice, .weightGradient, algorithm, plan.threads),
                      let engine = DNNLPrimitiveCache.engine.value else { return nil }
                var sum = [Float](repeating: 0, count: count)
                let ok = sum.withUnsafeMutableBufferPointer { out -> Bool in
                    guard let base = out.baseAddress else { return false }
                    return p.execute([
                        DNNLPrimitiveFactory.Argument.source: raw(x.value + range.lowerBound * g.inChannels * g.inPlane),
                        DNNLPrimitiveFactory.Argument.destinationGradient:
                            raw(dy.value + range.lowerBound * g.outChannels * g.outPlane),
                        DNNLPrimitiveFactory.Argument.weightsGradient: UnsafeMutableRawPointer(base),
                    ], engine: engine)
                }
                return ok ? sum : nil
            }
        } catch {
            return false
        }
        guard !partials.isEmpty, partials.allSatisfy({ $0 != nil }) else { return false }
        gradWeight.update(repeating: 0, count: count)
        for case let partial? in partials {
            for i in 0..<count { gradWeight[i] += partial[i] }
        }
        return true
    }

    /// Slices of the batch (one per worker) and OpenMP threads per slice.
    ///
    /// A single image gets every worker as OpenMP threads, unless its convolution is below
    /// `minimumMultiplyAddsForThreads`: then one thread. A team of OpenMP threads keeps spinning after
    /// its region ends and takes a core from Loupe's own workers; for a small convolution that costs
    /// more than the second thread gains (the 64-px MobileNetV3-small's IG spent 17 % of its samples
    /// in OpenMP's spin-wait, from its first layer's single-image input gradient).
    static func slicePlan(_ g: ConvolutionGeometry) -> (parts: Int, threads: Int) {
        let workers = Parallel.workerCount
        let parts = max(1, min(workers, g.batch))
        guard parts == 1 else { return (parts, 1) }
        return (1, g.multiplyAddsPerImage >= minimumMultiplyAddsForThreads ? workers : 1)
    }

    /// Multiply-adds of one image below which a single-image convolution runs on one OpenMP thread.
    static let minimumMultiplyAddsForThreads = 1 << 24


    /// Runs `body(slice geometry, first image, OpenMP threads)` on each worker's slice of the batch.
    private static func runSlices(_ g: ConvolutionGeometry,
                                  _ body: (ConvolutionGeometry, Int, Int) -> Bool) -> Bool {
        if g.batch == 0 { return true }
        let plan = slicePlan(g)
        let results = (try? Parallel.mapParts(g.batch, minimumPart: max(1, g.batch / plan.parts)) { range -> Bool in
            var slice = g
            slice.batch = range.count
            return body(slice, range.lowerBound, plan.threads)
        }) ?? [false]
        return results.allSatisfy { $0 }
    }

    private static func primitive(_ g: ConvolutionGeometry, _ pass: DNNLConvolutionPrimitive.Pass,
                                  _ algorithm: DNNLConvolutionAlgorithm, _ threads: Int) -> DNNLConvolutionPrimitive? {
        omp_set_num_threads(Int32(threads))
        let key = DNNLPrimitiveCache.Key(geometry: geometryKey(g), pass: pass, algorithm: algorithm, threads: threads)
        return DNNLPrimitiveCache.primitive(key, geometry: g)
    }

    /// Every field of the geometry, in declaration order.
    public static func geometryKey(_ g: ConvolutionGeometry) -> [Int] {
        [g.batch, g.inChannels, g.inHeight, g.inWidth, g.outChannels, g.outHeight, g.outWidth, g.kernelHeight,
         g.kernelWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft, g.dilationHeight, g.dilationWidth, g.groups]
    }

    private static func raw(_ pointer: UnsafePointer<Float>) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(mutating: pointer)
    }
}
