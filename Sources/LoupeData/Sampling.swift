import Foundation
import LoupeTensor

/// Which samples of a dataset to use: a limit, a stratified sample, and the seed for both.
public struct DatasetOptions: Codable, Sendable, Equatable {
    /// Keep at most this many samples (the first ones, or the first of the stratified sample).
    public var limit: Int?
    /// Stratified sample: this many samples per class (fewer when a class has fewer).
    public var perClass: Int?
    /// Stratified sample: this fraction of each class, rounded to nearest (at least 1 per non-empty class).
    public var fraction: Double?
    /// Seed for the stratified draw.
    public var seed: UInt64

    public init(limit: Int? = nil, perClass: Int? = nil, fraction: Double? = nil, seed: UInt64 = 0) {
        self.limit = limit
        self.perClass = perClass
        self.fraction = fraction
        self.seed = seed
    }

    /// Checks the values, throwing a one-line `.invalidConfig` error naming the field.
    public func validate() throws {
        if let limit, limit < 0 { throw LoupeError(.invalidConfig, location: "dataset.limit", "must be >= 0, got \(limit)") }
        if let perClass, perClass < 0 { throw LoupeError(.invalidConfig, location: "dataset.perClass", "must be >= 0, got \(perClass)") }
        if let fraction, !(fraction > 0 && fraction <= 1) {
            throw LoupeError(.invalidConfig, location: "dataset.fraction", "must be in (0, 1], got \(fraction)")
        }
        if perClass != nil && fraction != nil {
            throw LoupeError(.invalidConfig, location: "dataset.perClass", "set perClass or fraction, not both")
        }
    }

    /// Whether the options select every sample.
    public var selectsAll: Bool { limit == nil && perClass == nil && fraction == nil }
}

/// The indices selected by `options` from the given labels, in increasing order.
///
/// Stratified: within each class, a seeded shuffle (`SeededGenerator(seed:)`, Fisher–Yates over the
/// class's indices in order) and the first k are kept. `limit` then keeps the first `limit` of
/// the sorted selection.
public func selectIndices(labels: [Int], classCount: Int, options: DatasetOptions) throws -> [Int] {
    try options.validate()
    var selected: [Int]
    if options.perClass != nil || options.fraction != nil {
        var byClass = [[Int]](repeating: [], count: max(classCount, (labels.max() ?? -1) + 1))
        for (index, label) in labels.enumerated() where label >= 0 { byClass[label].append(index) }
        var generator = SeededGenerator(seed: options.seed)
        selected = []
        for var members in byClass where !members.isEmpty {
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                members.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            }
            let wanted: Int
            if let perClass = options.perClass { wanted = perClass } else {
                wanted = max(1, Int((Double(members.count) * (options.fraction ?? 1)).rounded()))
            }
            selected.append(contentsOf: members.prefix(wanted))
        }
        selected.sort()
    } else {
        selected = Array(labels.indices)
    }
    if let limit = options.limit, selected.count > limit { selected = Array(selected.prefix(limit)) }
    return selected
}

/// A view of some samples of another dataset, re-indexed from 0.
public struct SubsetDataset: Dataset {
    public let base: any Dataset
    /// The base dataset's index for each of this dataset's samples.
    public let baseIndices: [Int]
    public let labels: [Int]
    public let fingerprint: String

    /// Selects `options`' samples from `base`.
    public init(_ base: any Dataset, options: DatasetOptions) throws {
        let baseLabels = base.labels
        self.init(base, indices: try selectIndices(labels: baseLabels, classCount: base.classNames.count, options: options),
                  tag: "\(options.limit ?? -1),\(options.perClass ?? -1),\(options.fraction ?? -1),\(options.seed)")
    }

    /// Uses the given base indices (which must be in range) in the given order.
    public init(_ base: any Dataset, indices: [Int], tag: String = "") {
        self.base = base
        baseIndices = indices
        let baseLabels = base.labels
        labels = indices.map { $0 >= 0 && $0 < baseLabels.count ? baseLabels[$0] : -1 }
        var hasher = FingerprintHasher()
        hasher.combine(base.fingerprint)
        hasher.combine("subset:\(tag)")
        for index in indices { hasher.combine(index) }
        fingerprint = hasher.hexDigest
    }

    public var name: String { base.name }
    public var count: Int { baseIndices.count }
    public var classNames: [String] { base.classNames }
    public var sampleShape: [Int] { base.sampleShape }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices)
        return try base.batch(indices.map { baseIndices[$0] })
    }
}

extension Dataset {
    /// This dataset, or the subset `options` select (itself when they select everything).
    public func applying(_ options: DatasetOptions) throws -> any Dataset {
        if options.selectsAll { return self }
        return try SubsetDataset(self, options: options)
    }
}

/// Collects the first error thrown by concurrent workers.
final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    /// Keeps `error` unless one was recorded already.
    func record(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if stored == nil { stored = error }
    }

    var hasError: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
}
