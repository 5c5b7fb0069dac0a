/// One candidate of a top-k list: an image, its score and where the maximum was.
public struct ActivationHit: Sendable, Equatable {
    public var score: Float
    /// Dataset index of the image.
    public var index: Int
    /// Row and column of the spatial maximum (the first in row-major order on ties).
    public var row: Int
    public var column: Int

    public init(score: Float, index: Int, row: Int, column: Int) {
        self.score = score; self.index = index; self.row = row; self.column = column
    }

    /// Whether `self` ranks above `other`: higher score, then lower dataset index (docs/feature-visualisation.md#top-activations).
    public func ranks(above other: ActivationHit) -> Bool {
        score != other.score ? score > other.score : index < other.index
    }
}

/// The `capacity` best hits seen so far, kept in a bounded min-heap (the worst kept hit at the root).
public struct TopActivations: Sendable {
    public let capacity: Int
    private var heap: [ActivationHit] = []

    public init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Offers a hit; it is kept when the heap is not full or when it ranks above the worst kept hit.
    public mutating func offer(_ hit: ActivationHit) {
        guard capacity > 0, !hit.score.isNaN else { return }
        if heap.count < capacity {
            heap.append(hit)
            siftUp(heap.count - 1)
        } else if hit.ranks(above: heap[0]) {
            heap[0] = hit
            siftDown(0)
        }
    }

    /// The kept hits, best first.
    public var sorted: [ActivationHit] { heap.sorted { $0.ranks(above: $1) } }

    /// `a` is "smaller" (closer to the root) when it ranks below `b`.
    private func below(_ a: Int, _ b: Int) -> Bool { heap[b].ranks(above: heap[a]) }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard below(i, parent) else { return }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < heap.count && below(l, smallest) { smallest = l }
            if r < heap.count && below(r, smallest) { smallest = r }
            if smallest == i { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}

/// The spatial maximum of one `H x W` map and its first position in row-major order.
@inlinable
public func spatialMaximum(_ map: UnsafeBufferPointer<Float>, width: Int) -> (value: Float, row: Int, column: Int) {
    var best = -Float.infinity, at = 0
    for p in 0..<map.count where map[p] > best { best = map[p]; at = p }
    return (best, width > 0 ? at / width : 0, width > 0 ? at % width : 0)
}
