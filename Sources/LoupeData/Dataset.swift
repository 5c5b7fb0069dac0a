import LoupeTensor

/// A labelled image set read in batches: images are never all held in memory as floats.
public protocol Dataset: Sendable {
    /// A short human-readable name (folder or file name, or `synthetic-shapes`).
    var name: String { get }
    /// Number of samples.
    var count: Int { get }
    /// Class names; labels index into this list.
    var classNames: [String] { get }
    /// Shape of one sample as the model sees it: `[C, H, W]`.
    var sampleShape: [Int] { get }
    /// Every sample's label, in index order (cheap: no image is decoded).
    var labels: [Int] { get }
    /// A stable identifier of the data and settings for run manifests.
    ///
    /// `fnv1a64:` + 16 hex digits of a 64-bit FNV-1a hash over the file names, sizes and
    /// modification times (whole seconds), plus the preprocessing and options. Touching or
    /// copying a file without preserving its time changes it; it is not a content checksum.
    var fingerprint: String { get }
    /// Decodes and preprocesses the samples at `indices` into an `[N, C, H, W]` tensor and their labels.
    func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int])
}

/// The order in which `batches(size:order:)` visits samples.
public enum BatchOrder: Sendable, Equatable {
    /// Index order 0, 1, 2, ...
    case sequential
    /// A permutation drawn from `SeededGenerator(seed:)` (Fisher–Yates).
    case shuffled(seed: UInt64)
}

/// One batch produced by `BatchIterator`.
public struct Batch: Sendable {
    /// The dataset indices of the samples, in batch order.
    public var indices: [Int]
    /// `[N, C, H, W]` images.
    public var images: Tensor
    public var labels: [Int]
}

/// Walks a dataset batch by batch; call `next()` until it returns nil.
public struct BatchIterator {
    public let dataset: any Dataset
    /// The index lists of all batches, in order.
    public let plan: [[Int]]
    private var position = 0

    init(dataset: any Dataset, plan: [[Int]]) {
        self.dataset = dataset
        self.plan = plan
    }

    /// The next batch, decoded now, or nil at the end.
    public mutating func next() throws -> Batch? {
        guard position < plan.count else { return nil }
        let indices = plan[position]
        position += 1
        let (images, labels) = try dataset.batch(indices)
        return Batch(indices: indices, images: images, labels: labels)
    }
}

extension Dataset {
    /// Iterates over the whole dataset in batches of `size` (the last may be smaller; sizes below 1 mean 1).
    public func batches(size: Int, order: BatchOrder = .sequential) -> BatchIterator {
        BatchIterator(dataset: self, plan: batchPlan(count: count, size: size, order: order))
    }

    /// Checks indices, throwing a one-line error naming `file` (default: the dataset's name) on the first out of range.
    func checkIndices(_ indices: [Int], file: String? = nil) throws {
        for index in indices where index < 0 || index >= count {
            throw LoupeError(.invalidInput, file: file ?? name, "sample index \(index) is out of range 0..<\(count)")
        }
    }
}

/// Splits `0..<count` into batches of `size` in the given order.
public func batchPlan(count: Int, size: Int, order: BatchOrder) -> [[Int]] {
    var indices = Array(0..<count)
    if case .shuffled(let seed) = order {
        var generator = SeededGenerator(seed: seed)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                indices.swapAt(i, j)
            }
        }
    }
    let step = max(1, size)
    return stride(from: 0, to: count, by: step).map { Array(indices[$0..<min(count, $0 + step)]) }
}

/// Checks labels against the class list, throwing a one-line error naming the file and sample index.
func checkLabels(_ labels: [Int], classCount: Int, file: String) throws {
    for (index, label) in labels.enumerated() where label < 0 || label >= classCount {
        throw LoupeError(.invalidInput, file: file, location: "sample \(index)",
                         "label \(label) is out of range for \(classCount) classes")
    }
}

/// Fills an `[N, C, H, W]` tensor by decoding each sample (in parallel over samples) and preprocessing it.
///
/// `load` returns the sample's image as floats in [0, 1]; the first error thrown wins.
func assembleBatch(_ indices: [Int], sampleShape: [Int], preprocessing: Preprocessing, sampleName: @escaping @Sendable (Int) -> String,
                   load: @escaping @Sendable (Int) throws -> PixelImage) throws -> Tensor {
    let n = indices.count
    let sampleSize = sampleShape.reduce(1, *)
    var scalars = [Float](repeating: 0, count: n * sampleSize)
    let failure = ErrorSlot()
    scalars.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let out = SendablePointer(base)
        Parallel.forEachChunk(n, grain: 2) { range in
            for i in range {
                if failure.hasError { return }
                do {
                    let image = try load(indices[i])
                    let converted = image.converted(toChannels: preprocessing.channels)
                    let size = preprocessing.outputSize(height: converted.height, width: converted.width)
                    guard [preprocessing.channels, size.height, size.width] == sampleShape else {
                        throw LoupeError(.invalidInput, file: sampleName(indices[i]),
                                         "image is \(converted.width)x\(converted.height) and gives \(size.width)x\(size.height) after preprocessing, but the dataset's samples are \(sampleShape[2])x\(sampleShape[1]); set preprocessing.resizeTo or centerCrop")
                    }
                    preprocessing.apply(converted, into: out.base + i * sampleSize)
                } catch {
                    failure.record(error)
                    return
                }
            }
        }
    }
    if let error = failure.error { throw error }
    return Tensor(shape: [n] + sampleShape, scalars: scalars)
}
