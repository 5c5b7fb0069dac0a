import Dispatch
import Foundation

/// Runs work over index ranges on the machine's cores.
public enum Parallel {
    /// Number of worker threads used by `forEachChunk` (set `LOUPE_THREADS` to override).
    public static let workerCount: Int = {
        if let text = ProcessInfo.processInfo.environment["LOUPE_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Splits `0..<count` into contiguous chunks and runs `body` on each, in parallel when the work is large.
    ///
    /// `grain` is the smallest number of items worth a thread of its own.
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
                if start < end { box.value(start..<end) }
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
                while let piece = next.take(below: pieces) { box.value(range(piece)) }
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
