import Foundation
import LoupeONNX
import LoupeTensor

/// Forward and gradient runs cut into one slice of the batch per worker, each slice run whole on its own worker.
///
/// Each operator, given a whole batch, spreads its own work over the workers and waits for them at
/// its end: some 150 waits per pass of a MobileNet, and single-threaded stretches in between.
/// Running the whole graph on one slice per worker, with every operator on that worker alone,
/// removes the waits (1.05–1.16x images per second at batch 8 on five of the six 224-px models of
/// BENCHMARKS.md; ResNet-50's large convolutions already kept both workers busy). It applies when the batch
/// has at least two images, there are at least two workers, and `BatchSeparation` shows that the
/// graph keeps the images apart; otherwise the batch runs whole. A slice runs the same kernels as
/// the whole batch would, on fewer images, so results agree to rounding, and for one batch size and
/// worker count they are the same bytes on every run. Gradient runs are cut the same way
/// (`Model.gradientsInSlices`): EfficientNet-B0's saliency at a batch of two ran in 45 ms instead of 66,
/// at eight 4–6 % faster. Set `LOUPE_SLICED_RUNS=0` to run batches whole.
enum SlicedRun {
    /// Whether runs may be cut (`LOUPE_SLICED_RUNS` is not `0`).
    static let isEnabled = ProcessInfo.processInfo.environment["LOUPE_SLICED_RUNS"] != "0"

    /// The slices' outputs and taps joined along their batch axes (`axes`, nil: the same in every
    /// slice, taken from the first); each slice's piece is dropped as soon as it is joined, so the
    /// whole batch's values are held once, plus one value.
    static func join(_ parts: inout [ForwardResult], axes: [String: Int?]) -> ForwardResult {
        func joined(_ results: WritableKeyPath<ForwardResult, [String: TensorValue]>) -> [String: TensorValue] {
            var values = [String: TensorValue]()
            guard let first = parts.first else { return values }
            for name in first[keyPath: results].keys.sorted() {
                let pieces = parts.compactMap { $0[keyPath: results][name] }
                for index in parts.indices { parts[index][keyPath: results][name] = nil }
                guard pieces.count == parts.count else { continue }
                if let axis = axes[name] ?? nil { values[name] = join(pieces, axis: axis) } else { values[name] = pieces[0] }
            }
            return values
        }
        let outputs = joined(\.outputs)
        return ForwardResult(outputs: outputs, taps: joined(\.taps))
    }

    /// `whole` cut along `axis` into consecutive pieces of these extents.
    static func split(_ whole: Tensor, axis: Int, extents: [Int]) -> [Tensor] {
        let outer = whole.shape.prefix(axis).reduce(1, *), inner = whole.shape.dropFirst(axis + 1).reduce(1, *)
        let total = whole.shape[axis]
        var start = 0
        return extents.map { extent in
            var shape = whole.shape
            shape[axis] = extent
            var scalars = [Float]()
            scalars.reserveCapacity(outer * extent * inner)
            for o in 0..<outer {
                let base = (o * total + start) * inner
                scalars += whole.scalars[base..<(base + extent * inner)]
            }
            start += extent
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// The slices' values of one output joined along its batch axis.
    static func join(_ pieces: [TensorValue], axis: Int) -> TensorValue? {
        guard let first = pieces.first, axis < first.shape.count else { return nil }
        var shape = first.shape
        shape[axis] = pieces.reduce(0) { $0 + $1.shape[axis] }
        let extents = pieces.map { $0.shape[axis] }
        let total = shape.reduce(1, *)
        if pieces.allSatisfy(\.isInt) {
            return .int(IntTensor(shape: shape, values: ShapeOps.joined(pieces.map { $0.asInt.values }, extents, shape: shape,
                                                                         axis: axis, total: total)))
        }
        return .float(Tensor(shape: shape, scalars: ShapeOps.joined(pieces.map { $0.asFloat.scalars }, extents, shape: shape,
                                                                     axis: axis, total: total)))
    }
}

extension Model {
    /// The batch's results from one slice per worker run side by side, or nil when the batch
    /// should run whole (one image, one worker, or a graph that mixes images; see `SlicedRun`).
    func runInSlices(_ inputs: [String: Tensor], taps: Set<String>) throws -> ForwardResult? {
        guard case let (batch, separation)? = sliceableBatch(inputs),
              let joinAxis = separation.joinAxes(graph.outputs.map(\.name) + taps.sorted()) else { return nil }
        var parts = try Parallel.mapParts(batch, minimumPart: 1) { range in
            try self.runWhole(inputs.mapValues { $0.slice(batch: range) }, taps: taps)
        }
        return SlicedRun.join(&parts, axes: joinAxis)
    }

    /// The gradient run of `gradients` with one slice of the batch per worker, or nil when the batch
    /// should run whole: one image, one worker, a graph that mixes images, or a requested value or target
    /// that is not cut by images (parameters). Each worker runs its slice's forward half (`GradientRun`);
    /// the seed is made once, from the whole batch's target, and cut along the target's batch axis; then
    /// each worker runs its slice's reverse half. As with forward runs, a slice runs the kernels the whole
    /// batch would, on fewer images (for ResNet-50 and the depthwise CNNs with one thread each instead of
    /// two on each operator), and the results are the same bytes on every run for one batch size.
    func gradientsInSlices(_ inputs: [String: Tensor], _ request: GradientRequest,
                           seed: (Tensor) throws -> Tensor) throws -> GradientResult? {
        let wrt = request.wrt.sorted()
        guard request.wrt.allSatisfy({ graph.initializers[$0] == nil }), case let (batch, separation)? = sliceableBatch(inputs),
              let joinAxis = separation.joinAxes(graph.outputs.map(\.name) + request.taps.sorted() + wrt + [request.target]),
              let targetAxis = joinAxis[request.target] ?? nil,
              wrt.allSatisfy({ (joinAxis[$0] ?? nil) != nil }) else { return nil }
        let runs = try Parallel.mapParts(batch, minimumPart: 1) { range in
            try GradientRun(model: self, inputs: inputs.mapValues { $0.slice(batch: range) }, request)
        }
        let failure = LoupeError(.computation, file: graph.sourcePath, location: "target '\(request.target)'",
                                 "the slices of a gradient run could not be joined")
        guard case .float(let target)? = SlicedRun.join(runs.map { .float($0.target) }, axis: targetAxis) else { throw failure }
        let seedGradient = try GradientRun.checked(seed: try seed(target), of: target, named: request.target)
        let seeds = SlicedRun.split(seedGradient, axis: targetAxis, extents: runs.map { $0.target.shape[targetAxis] })
        var results = try Parallel.mapParts(runs.count, minimumPart: 1) { range in
            try runs[range.lowerBound].backward(seed: seeds[range.lowerBound])
        }
        guard results.count == runs.count else { throw failure }
        var gradients = [String: Tensor]()
        for name in wrt {
            let pieces = results.indices.compactMap { index in results[index].gradients.removeValue(forKey: name) }
            guard let axis = joinAxis[name] ?? nil, case .float(let joined)? = SlicedRun.join(pieces.map { .float($0) }, axis: axis)
            else { throw failure }
            gradients[name] = joined
        }
        var forwards = results.map(\.forward)
        results = []
        return GradientResult(forward: SlicedRun.join(&forwards, axes: joinAxis), target: target, gradients: gradients)
    }

    /// The batch of `inputs` and its separation into one slice per worker, or nil when the run should
    /// stay whole (cutting off, one worker, no inputs, inputs of different batches, one image, or a graph
    /// that mixes images).
    private func sliceableBatch(_ inputs: [String: Tensor]) -> (Int, BatchSeparation)? {
        guard SlicedRun.isEnabled, Parallel.workerCount > 1, !graph.inputs.isEmpty else { return nil }
        let batches = Set(graph.inputs.map { inputs[$0.name]?.shape.first ?? 0 })
        guard batches.count == 1, let batch = batches.first, batch >= 2 else { return nil }
        let sliceBatches = Set(Parallel.partRanges(batch, minimumPart: 1).map(\.count))
        return separation(inputs.mapValues(\.shape), batch: batch, sliceBatches: sliceBatches).map { (batch, $0) }
    }

    /// Whether a forward pass over `batch` images (at the declared sample shape) may run as slices of
    /// `slice` images: the graph keeps images apart (`BatchSeparation`) and every output can be joined.
    public func keepsImagesApart(batch: Int, slice: Int) -> Bool {
        guard let sample = sampleShape, graph.inputs.count == 1,
              let separation = separation([primaryInputName: [batch] + sample], batch: batch, sliceBatches: [slice])
        else { return false }
        return separation.joinAxes(graph.outputs.map(\.name)) != nil
    }

    /// The separation for this batch and these slice sizes (planned and checked once per sizes).
    private func separation(_ inputShapes: [String: [Int]], batch: Int, sliceBatches: Set<Int>) -> BatchSeparation? {
        let sizes = sliceBatches.sorted()
        return separationCache.value([batch] + sizes) { () -> BatchSeparation? in
            func shapes(_ images: Int) -> [String: [Int]] {
                inputShapes.mapValues { shape in
                    var resized = shape
                    resized[0] = images
                    return resized
                }
            }
            guard let whole = try? plan(inputShapes: shapes(batch)) else { return nil }
            var found: BatchSeparation?
            for size in sizes {
                guard let slice = try? plan(inputShapes: shapes(size)),
                      let separation = BatchSeparation(model: self, whole: whole, slice: slice, wholeBatch: batch,
                                                       sliceBatch: size) else { return nil }
                found = found ?? separation
            }
            return found
        }
    }
}
