import Foundation

/// Reusable, uninitialised float scratch buffers for the convolution kernels.
///
/// Allocating (and zero-filling) a fresh multi-megabyte im2col matrix per call costs page
/// faults and memory bandwidth comparable to a small convolution itself, so buffers are
/// returned to a small pool after use. Thread-safe; a few buffers are kept at most.
public enum ConvolutionScratch {
    private struct Block {
        var base: UnsafeMutablePointer<Float>
        var capacity: Int
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pool: [Block] = []
    /// Buffers kept for reuse.
    private static let maximumKept = 4
    /// Largest buffer (floats) worth keeping: 64 MB.
    private static let largestKept = 1 << 24

    /// Runs `body` with an uninitialised buffer of at least `count` floats (contents are garbage).
    public static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let block = take(max(count, 1))
        defer { give(block) }
        return try body(block.base)
    }

    private static func take(_ count: Int) -> Block {
        lock.lock()
        defer { lock.unlock() }
        var best: Int?
        for (index, block) in pool.enumerated() where block.capacity >= count {
            if best.map({ pool[$0].capacity > block.capacity }) ?? true { best = index }
        }
        if let best { return pool.remove(at: best) }
        return Block(base: UnsafeMutablePointer<Float>.allocate(capacity: count), capacity: count)
    }

    private static func give(_ block: Block) {
        lock.lock()
        defer { lock.unlock() }
        guard block.capacity <= largestKept else { block.base.deallocate(); return }
        pool.append(block)
        if pool.count > maximumKept {
            // Drop the smallest buffer: big ones are the expensive ones to re-create.
            if let smallest = pool.indices.min(by: { pool[$0].capacity < pool[$1].capacity }) {
                pool.remove(at: smallest).base.deallocate()
            }
        }
    }
}
