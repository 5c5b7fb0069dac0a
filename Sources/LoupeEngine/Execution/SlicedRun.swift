import Foundation
import LoupeONNX
import LoupeTensor

/// Forward runs cut into one slice of the batch per worker, each slice run whole on its own worker.
///
/// Each operator, given a whole batch, spreads its own work over the workers and waits for them at
/// its end: some 150 waits per pass of a MobileNet, and single-threaded stretches in between.
/// Running the whole graph on one slice per worker, with every operator on that worker alone,
/// removes the waits (MobileNet-V2 at batch 8: 1.4x images per second). It applies when the batch
/// has at least two images, there are at least two workers, and `BatchSeparation` shows that the
/// graph keeps the images apart; otherwise the batch runs whole. A slice runs the same kernels as
/// the whole batch would, on fewer images, so results agree to rounding, and for one batch size and
/// worker count they are the same bytes on every run. Set `LOUPE_SLICED_RUNS=0` to run batches whole.
enum SlicedRun {
    /// Whether forward runs may be cut (`LOUPE_SLICED_RUNS` is not `0`).
    static let isEnabled = ProcessInfo.processInfo.environment["LOUPE_SLICED_RUNS"] != "0"

    /// The image ranges of each worker's slice of `batch` images (the cut of `Parallel.mapParts`).
    static func ranges(batch: Int, workers: Int) -> [Range<Int>] {
        let parts = max(1, min(workers, batch))
        return (0..<parts).map { (batch * $0 / parts)..<(batch * ($0 + 1) / parts) }
    }

    /// Rows `range` (along axis 0) of `tensor`.
    static func rows(_ range: Range<Int>, of tensor: Tensor) -> Tensor {
        let perRow = tensor.shape.dropFirst().reduce(1, *)
        var shape = tensor.shape
        shape[0] = range.count
        return Tensor(shape: shape, scalars: Array(tensor.scalars[(range.lowerBound * perRow)..<(range.upperBound * perRow)]))
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

/// Separations already worked out, by whole and slice batch sizes (nil: the graph mixes images).
final class SeparationCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[Int]: BatchSeparation?] = [:]

    func value(_ key: [Int], _ make: () -> BatchSeparation?) -> BatchSeparation? {
        lock.lock()
        defer { lock.unlock() }
        if let known = entries[key] { return known }
        let made = make()
        entries[key] = .some(made)
        return made
    }
}

extension Model {
    /// The batch's results from one slice per worker run side by side, or nil when the batch
    /// should run whole (one image, one worker, or a graph that mixes images; see `SlicedRun`).
    func runInSlices(_ inputs: [String: Tensor], taps: Set<String>) throws -> ForwardResult? {
        guard SlicedRun.isEnabled, Parallel.workerCount > 1, !graph.inputs.isEmpty else { return nil }
        let batches = Set(graph.inputs.map { inputs[$0.name]?.shape.first ?? 0 })
        guard batches.count == 1, let batch = batches.first, batch >= 2 else { return nil }
        let ranges = SlicedRun.ranges(batch: batch, workers: Parallel.workerCount)
        guard let separation = separation(inputs.mapValues(\.shape), batch: batch, sliceBatches: Set(ranges.map(\.count)))
        else { return nil }
        // Every result must hold the batch along an axis, images outermost, or be the same for all images.
        var joinAxis = [String: Int?]()
        for name in resultNames(taps: taps) {
            switch separation.roles[name] {
            case .axis(let a, outer: 1)?: joinAxis[name] = a
            case .free?: joinAxis[name] = .some(nil)
            default: return nil
            }
        }
        var parts = try Parallel.mapParts(batch, minimumPart: 1) { range in
            try self.runWhole(inputs.mapValues { SlicedRun.rows(range, of: $0) }, taps: taps)
        }
        guard parts.count == ranges.count else { return nil }
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

    /// The names whose values a run returns.
    private func resultNames(taps: Set<String>) -> [String] {
        graph.outputs.map(\.name) + taps.sorted()
    }

    /// Whether a forward pass over `batch` images (at the declared sample shape) may run as slices of
    /// `slice` images: the graph keeps images apart (`BatchSeparation`) and every output can be joined.
    public func keepsImagesApart(batch: Int, slice: Int) -> Bool {
        guard let sample = sampleShape, graph.inputs.count == 1,
              let separation = separation([primaryInputName: [batch] + sample], batch: batch, sliceBatches: [slice])
        else { return false }
        return graph.outputs.allSatisfy { output in
            switch separation.roles[output.name] {
            case .axis(_, outer: 1)?, .free?: return true
            default: return false
            }
        }
    }

    /// The separation for this batch and these slice sizes (planned and checked once per sizes).
    private func separation(_ inputShapes: [String: [Int]], batch: Int, sliceBatches: Set<Int>) -> BatchSeparation? {
        let sizes = sliceBatches.sorted()
        return separationCache.value([batch] + sizes) {
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
