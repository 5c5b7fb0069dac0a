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
