import Foundation
import LoupeTensor

/// Which slice of a job's dataset passes one process computes: shard `index` of `count` (0-based).
///
/// Every streamed part walks a *work list* of dataset indices (all images for the evaluation and
/// activation passes, the part's seeded sample for robustness, gradient statistics and embeddings).
/// The list is cut into blocks of `ShardSpec.blockSize(batchSize:)` entries, a multiple of the batch
/// size, and shard I of N takes the contiguous blocks ⌊I·B/N⌋ ..< ⌊(I+1)·B/N⌋. Batches start at
/// block starts, so every shard runs exactly the batches a single-machine run runs (docs/sharding.md).
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole job in one process (what `loupe run` without `--shard` does).
    public static let whole = ShardSpec(uncheckedIndex: 0, count: 1)

    /// Fewest images per block; blocks are rounded up to whole batches.
    public static let minimumBlock = 64

    /// Most shards one job may be split into.
    public static let maximumCount = 10_000

    init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Shard `index` of `count`; refused unless 0 ≤ index < count ≤ `maximumCount`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Self.maximumCount else {
            throw LoupeError(.invalidConfig, location: "--shard", "the shard count must be 1 to \(Self.maximumCount), got \(count)")
        }
        guard index >= 0, index < count else {
            throw LoupeError(.invalidConfig, location: "--shard", "shard index \(index) is outside 0..<\(count)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses `I/N` (as `--shard` takes it).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw LoupeError(.invalidConfig, location: "--shard", "expected I/N (for example 0/4), got '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// The shard the scheduler assigned: `--shard` first, then a Slurm array task, then a Kubernetes
    /// Indexed Job's `JOB_COMPLETION_INDEX` with `--shards N`; nil when nothing asks for sharding.
    public static func resolve(argument: String?, shards: Int?, environment: [String: String]) throws -> ShardSpec? {
        if let argument { return try ShardSpec(parsing: argument) }
        if let task = environment["SLURM_ARRAY_TASK_ID"] {
            guard let index = Int(task) else {
                throw LoupeError(.invalidConfig, location: "SLURM_ARRAY_TASK_ID", "not a whole number: '\(task)'")
            }
            let total = try shards ?? countVariable("SLURM_ARRAY_TASK_COUNT", environment)
            let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            return try ShardSpec(index: index - minimum, count: total)
        }
        if let completion = environment["JOB_COMPLETION_INDEX"] {
            guard let index = Int(completion) else {
                throw LoupeError(.invalidConfig, location: "JOB_COMPLETION_INDEX", "not a whole number: '\(completion)'")
            }
            guard let shards else {
                throw LoupeError(.invalidConfig, location: "--shards", "JOB_COMPLETION_INDEX is set; give the shard count with --shards N")
            }
            return try ShardSpec(index: index, count: shards)
        }
        if let shards {
            throw LoupeError(.invalidConfig, location: "--shards", "--shards \(shards) needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX")
        }
        return nil
    }

    static func countVariable(_ name: String, _ environment: [String: String]) throws -> Int {
        guard let text = environment[name], let value = Int(text) else {
            throw LoupeError(.invalidConfig, location: name, "needed with SLURM_ARRAY_TASK_ID (or give --shards N)")
        }
        return value
    }

    /// `I-of-N`, the shard's file stem.
    public var description: String { "\(index)-of-\(count)" }

    /// Entries per block: the smallest multiple of `batchSize` that is at least `minimumBlock`.
    public static func blockSize(batchSize: Int) -> Int {
        let size = max(1, batchSize)
        return size * ((minimumBlock + size - 1) / size)
    }

    /// The positions of a work list of `length` entries this shard computes.
    public func positions(of length: Int, batchSize: Int) -> Range<Int> {
        let block = Self.blockSize(batchSize: batchSize)
        let blocks = (length + block - 1) / block
        let first = index * blocks / count, end = (index + 1) * blocks / count
        return min(length, first * block)..<min(length, end * block)
    }

    /// This shard's part of `list`, split into the batches (of `batchSize`, from block starts) a whole run uses.
    public func batches(of list: [Int], batchSize: Int) -> [[Int]] {
        let range = positions(of: list.count, batchSize: batchSize)
        let size = max(1, batchSize)
        return stride(from: range.lowerBound, to: range.upperBound, by: size).map {
            Array(list[$0..<min(range.upperBound, $0 + size)])
        }
    }

    /// The blocks of this shard's part of `list` (each a list of batches), for block-wise reductions.
    public func blocks(of list: [Int], batchSize: Int) -> [[[Int]]] {
        let range = positions(of: list.count, batchSize: batchSize)
        let block = Self.blockSize(batchSize: batchSize)
        let size = max(1, batchSize)
        return stride(from: range.lowerBound, to: range.upperBound, by: block).map { start in
            let end = min(range.upperBound, start + block)
            return stride(from: start, to: end, by: size).map { Array(list[$0..<min(end, $0 + size)]) }
        }
    }
}
