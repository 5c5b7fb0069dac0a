import Foundation
import LoupeONNX
import LoupeTensor

/// Forward runs cut into one slice of the batch per worker, each slice run whole on its own worker.
///
/// Each operator, given a whole batch, spreads its own work over the workers and waits for them at
/// its end: some 150 waits per pass of a MobileNet, and single-threaded stretches in between.
/// Running the whole graph on one slice per worker, with every operator on that worker alone,
/// removes the waits (1.05–1.16x images per second at batch 8 on five of the six 224-px models of
/// BENCHMARKS.md; ResNet-50's large convolutions already kept both workers busy). It applies when the batch
/// has at least two images, there are at least two workers, and `BatchSeparation` shows that the
/// graph keeps the images apart; otherwise the batch runs whole. A slice runs the same kernels as
/// the whole batch would, on fewer images, so results agree to rounding, and for one batch size and
/// worker count they are the same bytes on every run. Set `LOUPE_SLICED_RUNS=0` to run batches whole.
enum SlicedRun {
    /// Whether forward runs may be cut (`LOUPE_SLICED_RUNS` is not `0`).
    static let isEnabled = ProcessInfo.processInfo.environment["LOUPE_SLICED_RUNS"] != "0"

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
        guard SlicedRun.isEnabled, Parallel.workerCount > 1, !graph.inputs.isEmpty else { return nil }
        let batches = Set(graph.inputs.map { inputs[$0.name]?.shape.first ?? 0 })
        guard batches.count == 1, let batch = batches.first, batch >= 2 else { return nil }
        let sliceBatches = Set(Parallel.partRanges(batch, minimumPart: 1).map(\.count))
        guard let separation = separation(inputs.mapValues(\.shape), batch: batch, sliceBatches: sliceBatches),
              let joinAxis = separation.joinAxes(graph.outputs.map(\.name) + taps.sorted()) else { return nil }
        var parts = try Parallel.mapParts(batch, minimumPart: 1) { range in
            try self.runWhole(inputs.mapValues { $0.slice(batch: range) }, taps: taps)
        }
        // Each slice's piece is dropped as soon as it is joined: the whole batch's taps are held once, plus one value.
        func joined(_ results: WritableKeyPath<ForwardResult, [String: TensorValue]>) -> [String: TensorValue] {
            var values = [String: TensorValue]()
            for name in parts[0][keyPath: results].keys.sorted() {
                let pieces = parts.compactMap { $0[keyPath: results][name] }
                for index in parts.indices { parts[index][keyPath: results][name] = nil }
                guard pieces.count == parts.count else { continue }
                if let axis = joinAxis[name] ?? nil { values[name] = SlicedRun.join(pieces, axis: axis) } else { values[name] = pieces[0] }
            }
            return values
        }
        let outputs = joined(\.outputs)
        return ForwardResult(outputs: outputs, taps: joined(\.taps))
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
