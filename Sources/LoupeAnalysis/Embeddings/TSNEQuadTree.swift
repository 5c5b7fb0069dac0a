import LoupeTensor

/// A Barnes–Hut quad-tree over 2-D points for the t-SNE repulsive forces (van der Maaten 2014).
struct TSNEQuadTree {
    /// Traversal view: centre of mass, squared side, mass and first child per node.
    private var packed: [Packed] = []

    /// Stack entries a traversal needs: 3 per level plus slack (depth is bounded by the 1e-12 cell cut-off).
    var stackCapacity: Int { 3 * depth + 8 }
    private(set) var depth = 0

    /// 32 bytes, two to a cache line: the mass is a point count, exact in Float up to 2²⁴ points.
    struct Packed {
        var cx: Double, cy: Double, side2: Double, mass: Float, firstChild: Int32
    }

    /// A cell while the tree is built: square (minX, minY, side), mass (count, coordinate sums),
    /// first child or −1, and the point a leaf holds.
    private struct Cell {
        var minX: Double, minY: Double, side: Double
        var sumX = 0.0, sumY = 0.0, leafX = 0.0, leafY = 0.0
        var count: Int32 = 0, firstChild: Int32 = -1

        init(_ minX: Double, _ minY: Double, _ side: Double) {
            self.minX = minX
            self.minY = minY
            self.side = side
        }

        func quadrant(_ x: Double, _ y: Double) -> Int {
            let half = side / 2
            return (x >= minX + half ? 1 : 0) + (y >= minY + half ? 2 : 0)
        }
    }

    /// The cells of a tree under construction, in one growing buffer (no per-field arrays to append to).
    private struct CellBuffer {
        var base: UnsafeMutablePointer<Cell>
        var capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = max(capacity, 8)
            base = UnsafeMutablePointer<Cell>.allocate(capacity: self.capacity)
        }

        /// Appends the four quadrants of `cell` and returns the index of the first.
        mutating func split(_ cell: Cell) -> Int {
            if count + 4 > capacity {
                let grown = UnsafeMutablePointer<Cell>.allocate(capacity: 2 * capacity)
                grown.moveInitialize(from: base, count: count)
                base.deallocate()
                base = grown
                capacity *= 2
            }
            let first = count, half = cell.side / 2
            for q in 0..<4 {
                (base + count).initialize(to: Cell(cell.minX + (q & 1 == 1 ? half : 0), cell.minY + (q & 2 == 2 ? half : 0), half))
                count += 1
            }
            return first
        }
    }

    /// Builds the tree over interleaved (x, y) coordinates, inserting the points in `order` when given
    /// (a Z order keeps the cells being filled in cache).
    init(_ y: UnsafeBufferPointer<Double>, count n: Int, order: [Int32]? = nil) {
        let (lowX, lowY, side) = Self.bounds(y, count: n)
        let width = side * (1 + 1e-9) + 1e-12
        var cells = CellBuffer(capacity: 4 * n + 4)
        defer { cells.base.deallocate() }
        cells.base.initialize(to: Cell(lowX, lowY, width))
        cells.count = 1
        if let order, order.count == n {
            for k in 0..<n {
                let i = Int(order[k])
                insert(y[2 * i], y[2 * i + 1], into: &cells)
            }
        } else {
            for i in 0..<n { insert(y[2 * i], y[2 * i + 1], into: &cells) }
        }
        packed = (0..<cells.count).map { index in
            let cell = cells.base[index], m = Double(cell.count)
            return Packed(cx: m > 0 ? cell.sumX / m : 0, cy: m > 0 ? cell.sumY / m : 0, side2: cell.side * cell.side,
                          mass: Float(cell.count), firstChild: cell.firstChild)
        }
    }

    private mutating func insert(_ x: Double, _ y: Double, into cells: inout CellBuffer) {
        var node = 0
        var level = 0
        while true {
            level += 1
            depth = max(depth, level)
            let before = cells.base[node].count
            cells.base[node].count += 1
            cells.base[node].sumX += x
            cells.base[node].sumY += y
            let cell = cells.base[node]
            if cell.firstChild >= 0 {
                node = Int(cell.firstChild) + cell.quadrant(x, y)
                continue
            }
            if before == 0 {
                cells.base[node].leafX = x
                cells.base[node].leafY = y
                return
            }
            // An occupied leaf: duplicates (or cells too small to split) aggregate in place.
            if (cell.leafX == x && cell.leafY == y) || cell.side < 1e-12 { return }
            let first = cells.split(cell)
            cells.base[node].firstChild = Int32(first)
            let child = first + cell.quadrant(cell.leafX, cell.leafY)
            cells.base[child].count = before
            cells.base[child].sumX = Double(before) * cell.leafX
            cells.base[child].sumY = Double(before) * cell.leafY
            cells.base[child].leafX = cell.leafX
            cells.base[child].leafY = cell.leafY
            node = first + cell.quadrant(x, y)
        }
    }

    /// The lower corner and the larger extent of the points' bounding box.
    static func bounds(_ y: UnsafeBufferPointer<Double>, count n: Int) -> (x: Double, y: Double, side: Double) {
        var lowX = Double.infinity, lowY = Double.infinity, highX = -Double.infinity, highY = -Double.infinity
        for i in 0..<n {
            lowX = min(lowX, y[2 * i]); highX = max(highX, y[2 * i])
            lowY = min(lowY, y[2 * i + 1]); highY = max(highY, y[2 * i + 1])
        }
        return (lowX, lowY, max(highX - lowX, highY - lowY))
    }

    /// The point indices sorted by their Morton (Z-order) code on a 2¹⁶ x 2¹⁶ grid over the points' box.
    static func zOrder(_ y: UnsafeBufferPointer<Double>, count n: Int) -> [Int32] {
        let (lowX, lowY, side) = bounds(y, count: n)
        let scale = 65535 / max(side, 1e-12)
        /// Spreads the 16 bits of `v` to the even bit positions.
        func spread(_ v: UInt64) -> UInt64 {
            var v = v & 0xFFFF
            v = (v | (v << 8)) & 0x00FF_00FF
            v = (v | (v << 4)) & 0x0F0F_0F0F
            v = (v | (v << 2)) & 0x3333_3333
            v = (v | (v << 1)) & 0x5555_5555
            return v
        }
        // Code in the high 32 bits, index in the low: distinct keys, so a plain sort is deterministic.
        var keys = (0..<n).map { i -> UInt64 in
            let qx = UInt64(max(0, min(65535, (y[2 * i] - lowX) * scale)))
            let qy = UInt64(max(0, min(65535, (y[2 * i + 1] - lowY) * scale)))
            return (spread(qx) | (spread(qy) << 1)) << 32 | UInt64(i)
        }
        keys.sort()
        return keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    }

    /// Runs `body` with a read-only view of the nodes for `Nodes.repulsion`.
    ///
    /// Take the view once per worker, not per point: reaching the arrays through the struct on every
    /// call retains and releases them, and two threads doing that on the same buffers serialise on
    /// the reference counts.
    func withNodes<R>(_ body: (Nodes) -> R) -> R {
        packed.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return body(Nodes(base: nil)) }
            return body(Nodes(base: base))
        }
    }

    /// The traversal view of a built tree.
    struct Nodes {
        let base: UnsafePointer<Packed>?

        /// Repulsion on the point (x, y): `Σ_j w_ij² (y_i − y_j)` into `force` and returns `Σ_j w_ij`
        /// (self excluded), with w = 1/(1 + d²); a cell is summarised when `side / d < θ`.
        /// `stack` must hold at least `stackCapacity` entries.
        func repulsion(_ x: Double, _ y: Double, theta: Double, stack: UnsafeMutablePointer<Int32>,
                       force: inout (Double, Double)) -> Double {
            var z = 0.0, fx = 0.0, fy = 0.0
            force = (0, 0)
            guard let nodes = base else { return 0 }
            let theta2 = theta * theta
            stack[0] = 0
            var top = 1
            while top > 0 {
                top -= 1
                let node = nodes[Int(stack[top])]
                let dx = x - node.cx, dy = y - node.cy
                let d2 = dx * dx + dy * dy
                let leaf = node.firstChild < 0
                if leaf || node.side2 < theta2 * d2 {
                    var m = Double(node.mass)
                    if leaf && d2 == 0 { m -= 1 }  // the point itself (and its exact duplicates)
                    if m <= 0 { continue }
                    let w = 1 / (1 + d2)
                    z += m * w
                    let mw2 = m * w * w
                    fx += mw2 * dx; fy += mw2 * dy
                } else {
                    let c = node.firstChild
                    for q in c..<(c + 4) where nodes[Int(q)].mass > 0 {
                        stack[top] = q
                        top += 1
                    }
                }
            }
            force = (fx, fy)
            return z
        }
    }
}
