import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work over index ranges on the machine's cores.
public enum Parallel {
    /// Worker threads of the machine (set `LOUPE_THREADS` to override).
    public static let configuredWorkerCount: Int = {
        if let text = ProcessInfo.processInfo.environment["LOUPE_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Number of worker threads `forEachChunk` uses on this thread: 1 inside `serially`.
    public static var workerCount: Int { isSerial ? 1 : configuredWorkerCount }

    /// The per-thread flag set by `serially` (non-nil while set).
    private static let serialKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether this thread runs inside `serially` (its parallel loops run inline).
    public static var isSerial: Bool { pthread_getspecific(serialKey) != nil }

    /// Runs `body` with every `Parallel` loop on this thread run inline, on this thread alone.
    ///
    /// For work that is itself one of several running side by side (every parallel chunk of
    /// `forEachChunk`, `forEachPiece` and `mapParts`): nested parallel loops would only add synchronisation.
    public static func serially<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(serialKey)
        pthread_setspecific(serialKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(serialKey, previous) }
        return try body()
    }

    /// Splits `0..<count` into at most `workerCount` parts of at least `minimumPart` items and runs
    /// `body` on each part on its own worker, serially inside (`serially`). Returns the parts' results
    /// in order; the first part's error (in part order) is rethrown.
    ///
    /// Runs `body(0..<count)` on the calling thread when there is only one part.
    public static func mapParts<R>(_ count: Int, minimumPart: Int, _ body: (Range<Int>) throws -> R) throws -> [R] {
        let ranges = partRanges(count, minimumPart: minimumPart)
        let parts = ranges.count
        if parts == 1 { return [try body(0..<count)] }
        let results = UnsafeMutableBufferPointer<Result<R, Error>?>.allocate(capacity: parts)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        let slots = UncheckedBox(results)
        return try withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                slots.value[part] = Result { try serially { try box.value(ranges[part]) } }
            }
            return try results.compactMap { try $0?.get() }
        }
    }

    /// The parts `mapParts` cuts `0..<count` into: at most `workerCount` contiguous ranges of at least
    /// `minimumPart` items, as even as integer division makes them.
    public static func partRanges(_ count: Int, minimumPart: Int) -> [Range<Int>] {
        let parts = max(1, min(workerCount, count / max(1, minimumPart)))
        return (0..<parts).map { (count * $0 / parts)..<(count * ($0 + 1) / parts) }
    }

    /// Splits `0..<count` into contiguous chunks and runs `body` on each, in parallel when the work is large.
    ///
    /// `grain` is the smallest number of items worth a thread of its own. When the chunks run in
    /// parallel, each runs `serially`: parallel loops nested inside it run inline.
    public static func forEachChunk(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(workerCount, max(1, count / max(1, grain)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { serially { box.value(start..<end) } }
            }
        }
    }
}

extension Parallel {
    /// Splits `0..<count` into `pieces` contiguous ranges that the workers take one at a time, in order.
    ///
    /// For work whose cost varies along the range (a worker that finishes early takes the next piece
    /// instead of idling, as it would with `forEachChunk`'s one range per worker).
    public static func forEachPiece(_ count: Int, pieces: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let pieces = max(1, min(pieces, count))
        let range = { (piece: Int) in (count * piece / pieces)..<(count * (piece + 1) / pieces) }
        if workerCount <= 1 || pieces == 1 {
            for piece in 0..<pieces { body(range(piece)) }
            return
        }
        let next = PieceCounter()
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: min(workerCount, pieces)) { _ in
                serially { while let piece = next.take(below: pieces) { box.value(range(piece)) } }
            }
        }
    }
}

/// A shared counter handing out piece numbers.
private final class PieceCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

/// Carries a non-Sendable value into a concurrent closure whose chunks touch disjoint memory.
public struct UncheckedBox<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// A raw pointer that may cross into concurrent closures writing disjoint ranges.
public struct SendablePointer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}
