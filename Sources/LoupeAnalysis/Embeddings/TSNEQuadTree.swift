import LoupeTensor

/// A Barnes–Hut quad-tree over 2-D points for the t-SNE repulsive forces (van der Maaten 2014),
/// traversed once per leaf of points rather than once per point.
///
/// The points are sorted by their Morton (Z-order) code, so every cell of the tree holds a contiguous
/// run of them, and the tree is cut where a cell holds at most `leafCapacity` points. Each leaf is a
/// group: one traversal from the root collects the interaction list of the whole group, with a cell
/// summarised by its centre of mass only when `side < θ · d` holds for the nearest point of the group's
/// bounding box (so for every point of the group: the approximation is never coarser than the
/// per-point Barnes–Hut criterion). Cells that must be opened down to a leaf contribute their points
/// one by one. The list is then applied to every point of the group with SIMD arithmetic, which
/// costs far less than walking the tree once per point.
struct TSNEQuadTree {
    /// Most points a leaf holds (leaves at the finest grid level may hold more).
    static let leafCapacity = 32
    /// Bits of the Morton grid per axis: cells stop splitting at side / 2¹⁶.
    static let levels = 16

    /// A cell: centre of mass, squared side, point count, children (contiguous) or its points' run.
    struct Node {
        var cx = 0.0, cy = 0.0, side2 = 0.0, mass = 0.0
        var firstChild: Int32 = -1, childCount: Int32 = 0
        var start: Int32 = 0, end: Int32 = 0
    }

    /// A leaf as a group of points: its node and the bounding box of its points.
    struct Group {
        var node: Int32
        var minX: Double, minY: Double, maxX: Double, maxY: Double
    }

    /// The point indices in Z order.
    private(set) var order: [Int32] = []
    /// Coordinates in Z order (structure of arrays).
    private(set) var xs: [Double] = [], ys: [Double] = []
    private(set) var nodes: [Node] = []
    private(set) var groups: [Group] = []

    /// Builds the tree over `n` interleaved (x, y) coordinates.
    init(_ y: UnsafeBufferPointer<Double>, count n: Int) {
        guard n > 0 else { return }
        let (lowX, lowY, extent) = Self.bounds(y, count: n)
        let side = max(extent, 1e-12)
        let keys = Self.mortonKeys(y, count: n, lowX: lowX, lowY: lowY, side: side)
        order = keys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
        xs = order.map { y[2 * Int($0)] }
        ys = order.map { y[2 * Int($0) + 1] }
        nodes.reserveCapacity(2 * n / Self.leafCapacity + 16)
        nodes.append(Node())
        let codes = keys.map { UInt32(truncatingIfNeeded: $0 >> 32) }
        codes.withUnsafeBufferPointer { build(node: 0, level: 0, start: 0, end: n, side: side, codes: $0) }
    }

    /// Fills `nodes[node]` for the points `start..<end` (Z order) at `level`, then its children.
    private mutating func build(node: Int, level: Int, start: Int, end: Int, side: Double,
                                codes: UnsafeBufferPointer<UInt32>) {
        var sumX = 0.0, sumY = 0.0
        for k in start..<end { sumX += xs[k]; sumY += ys[k] }
        let count = Double(end - start)
        nodes[node] = Node(cx: sumX / count, cy: sumY / count, side2: side * side, mass: count,
                           start: Int32(start), end: Int32(end))
        if end - start <= Self.leafCapacity || level == Self.levels {
            var group = Group(node: Int32(node), minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
            for k in start..<end {
                group.minX = min(group.minX, xs[k]); group.maxX = max(group.maxX, xs[k])
                group.minY = min(group.minY, ys[k]); group.maxY = max(group.maxY, ys[k])
            }
            groups.append(group)
            return
        }
        // The two code bits of this level pick the quadrant; the run is sorted, so quadrants are runs too.
        let shift = UInt32(2 * (Self.levels - 1 - level))
        var runs: [(Int, Int)] = []
        var k = start
        while k < end {
            let quadrant = (codes[k] >> shift) & 3
            var stop = k + 1
            while stop < end && (codes[stop] >> shift) & 3 == quadrant { stop += 1 }
            runs.append((k, stop))
            k = stop
        }
        let first = nodes.count
        nodes[node].firstChild = Int32(first)
        nodes[node].childCount = Int32(runs.count)
        nodes.append(contentsOf: repeatElement(Node(), count: runs.count))
        for (c, run) in runs.enumerated() {
            build(node: first + c, level: level + 1, start: run.0, end: run.1, side: side / 2, codes: codes)
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

    /// Sorted keys: the Morton code on a 2¹⁶ x 2¹⁶ grid over the square (low, side) in the high 32 bits,
    /// the point index in the low 32 (distinct keys, so the order is deterministic).
    static func mortonKeys(_ y: UnsafeBufferPointer<Double>, count n: Int, lowX: Double, lowY: Double,
                           side: Double) -> [UInt64] {
        let cells = Double(1 << levels), top = UInt64(1 << levels - 1)
        let scale = cells / side
        /// Spreads the 16 bits of `v` to the even bit positions.
        func spread(_ v: UInt64) -> UInt64 {
            var v = v & 0xFFFF
            v = (v | (v << 8)) & 0x00FF_00FF
            v = (v | (v << 4)) & 0x0F0F_0F0F
            v = (v | (v << 2)) & 0x3333_3333
            v = (v | (v << 1)) & 0x5555_5555
            return v
        }
        var keys = (0..<n).map { i -> UInt64 in
            let qx = min(top, UInt64(max(0, (y[2 * i] - lowX) * scale)))
            let qy = min(top, UInt64(max(0, (y[2 * i + 1] - lowY) * scale)))
            return (spread(qx) | (spread(qy) << 1)) << 32 | UInt64(i)
        }
        sortByHighWord(&keys)
        return keys
    }

    /// Sorts `keys` by their high 32 bits, stably (a least-significant-digit radix sort, 8 bits a pass):
    /// keys made in index order come out in index order within equal codes.
    static func sortByHighWord(_ keys: inout [UInt64]) {
        var spare = keys
        for pass in 0..<4 {
            let shift = UInt64(32 + 8 * pass)
            var starts = [Int](repeating: 0, count: 257)
            for key in keys { starts[Int((key >> shift) & 0xFF) + 1] += 1 }
            for digit in 0..<256 { starts[digit + 1] += starts[digit] }
            for key in keys {
                let digit = Int((key >> shift) & 0xFF)
                spare[starts[digit]] = key
                starts[digit] += 1
            }
            swap(&keys, &spare)
        }
    }

    /// Repulsion on every point: `Σ_j w_ij² (y_i − y_j)` into `force` (interleaved, by point index) and
    /// `Σ_j w_ij` into `rowZ` (self excluded), with w = 1/(1 + d²), using both cores; `alongside(i)` runs
    /// on the same worker right after point i (other per-point work, without a second parallel pass).
    func repulsion(theta: Double, rowZ: UnsafeMutablePointer<Double>, force: UnsafeMutablePointer<Double>,
                   alongside: @escaping (Int) -> Void = { _ in }) {
        guard !groups.isEmpty else { return }
        let tree = UncheckedBox(self), z = SendablePointer(rowZ), f = SendablePointer(force), other = UncheckedBox(alongside)
        Parallel.forEachPiece(groups.count, pieces: max(1, groups.count / 4)) { range in
            var list = TSNEInteractionList(capacity: tree.value.xs.count + tree.value.nodes.count)
            defer { list.deallocate() }
            for g in range {
                tree.value.collect(group: tree.value.groups[g], theta: theta, into: &list)
                tree.value.apply(list, toGroup: tree.value.groups[g], rowZ: z.base, force: f.base, alongside: other.value)
            }
        }
    }

    /// The interaction list of `group`: summarised cells and the points of opened leaves.
    private func collect(group: Group, theta: Double, into list: inout TSNEInteractionList) {
        list.count = 0
        let theta2 = theta * theta
        let groupNode = nodes[Int(group.node)]
        nodes.withUnsafeBufferPointer { nodes in
            xs.withUnsafeBufferPointer { xs in
                ys.withUnsafeBufferPointer { ys in
                    list.stack[0] = 0
                    var top = 1
                    while top > 0 {
                        top -= 1
                        let node = nodes[Int(list.stack[top])]
                        let dx = max(group.minX - node.cx, 0, node.cx - group.maxX)
                        let dy = max(group.minY - node.cy, 0, node.cy - group.maxY)
                        // A cell around the group itself is always opened, so each point meets its own entry.
                        let holdsGroup = node.start <= groupNode.start && groupNode.end <= node.end
                        if node.side2 < theta2 * (dx * dx + dy * dy) && !holdsGroup {
                            list.append(node.cx, node.cy, node.mass)
                        } else if node.firstChild < 0 {
                            for k in Int(node.start)..<Int(node.end) { list.append(xs[k], ys[k], 1) }
                        } else {
                            for child in node.firstChild..<(node.firstChild + node.childCount) {
                                list.stack[top] = child
                                top += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Applies `list` to each point of `group`, removing the point's own entry (d = 0, w = 1).
    private func apply(_ list: TSNEInteractionList, toGroup group: Group, rowZ: UnsafeMutablePointer<Double>,
                       force: UnsafeMutablePointer<Double>, alongside: (Int) -> Void) {
        let node = nodes[Int(group.node)]
        for k in Int(node.start)..<Int(node.end) {
            let (z, fx, fy) = list.sums(x: xs[k], y: ys[k])
            let i = Int(order[k])
            rowZ[i] = z - 1
            force[2 * i] = fx
            force[2 * i + 1] = fy
            alongside(i)
        }
    }
}

/// Sources acting on a group of points (coordinates and masses, structure of arrays) and the
/// traversal stack that collects them, in buffers sized once for the whole tree.
struct TSNEInteractionList {
    typealias Lanes = SIMD4<Double>
    private let x: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>, mass: UnsafeMutablePointer<Double>
    /// Node indices still to visit: a level pops one node and pushes at most four.
    let stack: UnsafeMutablePointer<Int32>
    var count = 0

    /// Room for `capacity` entries (points plus nodes bound any list).
    init(capacity: Int) {
        x = .allocate(capacity: capacity)
        y = .allocate(capacity: capacity)
        mass = .allocate(capacity: capacity)
        stack = .allocate(capacity: 4 * TSNEQuadTree.levels + 8)
    }

    func deallocate() {
        x.deallocate(); y.deallocate(); mass.deallocate(); stack.deallocate()
    }

    mutating func append(_ px: Double, _ py: Double, _ m: Double) {
        x[count] = px; y[count] = py; mass[count] = m
        count += 1
    }

    /// `(Σ m w, Σ m w² dx, Σ m w² dy)` over the list for the point (px, py), with w = 1/(1 + d²).
    func sums(x px: Double, y py: Double) -> (Double, Double, Double) {
        let width = Lanes.scalarCount, whole = count - count % width
        var z = Lanes.zero, fx = Lanes.zero, fy = Lanes.zero
        let ox = Lanes(repeating: px), oy = Lanes(repeating: py)
        var k = 0
        while k < whole {
            let dx = ox - UnsafeRawPointer(x + k).loadUnaligned(as: Lanes.self)
            let dy = oy - UnsafeRawPointer(y + k).loadUnaligned(as: Lanes.self)
            let w = 1 / (1 + dx * dx + dy * dy)
            let mw = UnsafeRawPointer(mass + k).loadUnaligned(as: Lanes.self) * w
            z += mw
            let mw2 = mw * w
            fx += mw2 * dx; fy += mw2 * dy
            k += width
        }
        var sz = z.sum(), sx = fx.sum(), sy = fy.sum()
        for k in whole..<count {
            let dx = px - x[k], dy = py - y[k]
            let w = 1 / (1 + dx * dx + dy * dy), mw = mass[k] * w
            sz += mw; sx += mw * w * dx; sy += mw * w * dy
        }
        return (sz, sx, sy)
    }
}
