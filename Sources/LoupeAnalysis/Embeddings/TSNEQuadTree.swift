import LoupeTensor

/// A Barnes–Hut quad-tree over 2-D points for the t-SNE repulsive forces (van der Maaten 2014).
struct TSNEQuadTree {
    // Per node: square cell (minX, minY, side), mass (count, coordinate sums), first child or −1.
    private(set) var minX: [Double] = [], minY: [Double] = [], side: [Double] = []
    private(set) var count: [Int32] = [], sumX: [Double] = [], sumY: [Double] = []
    private(set) var firstChild: [Int32] = []
    private var leafX: [Double] = [], leafY: [Double] = []
    /// Traversal view: centre of mass, squared side, mass and first child per node.
    private var packed: [Packed] = []

    /// Stack entries a traversal needs: 3 per level plus slack (depth is bounded by the 1e-12 cell cut-off).
    var stackCapacity: Int { 3 * depth + 8 }
    private(set) var depth = 0

    struct Packed {
        var cx: Double, cy: Double, side2: Double, mass: Double, firstChild: Int32
    }

    /// Builds the tree over interleaved (x, y) coordinates.
    init(_ y: UnsafeBufferPointer<Double>, count n: Int) {
        var lowX = Double.infinity, lowY = Double.infinity, highX = -Double.infinity, highY = -Double.infinity
        for i in 0..<n {
            lowX = min(lowX, y[2 * i]); highX = max(highX, y[2 * i])
            lowY = min(lowY, y[2 * i + 1]); highY = max(highY, y[2 * i + 1])
        }
        let width = max(highX - lowX, highY - lowY) * (1 + 1e-9) + 1e-12
        reserve(4 * n)
        addNode(lowX, lowY, width)
        for i in 0..<n { insert(y[2 * i], y[2 * i + 1]) }
        packed = (0..<count.count).map { node in
            let m = Double(count[node])
            return Packed(cx: m > 0 ? sumX[node] / m : 0, cy: m > 0 ? sumY[node] / m : 0, side2: side[node] * side[node],
                          mass: m, firstChild: firstChild[node])
        }
    }

    private mutating func reserve(_ capacity: Int) {
        do {
            minX.reserveCapacity(capacity); minY.reserveCapacity(capacity); side.reserveCapacity(capacity)
            count.reserveCapacity(capacity); sumX.reserveCapacity(capacity); sumY.reserveCapacity(capacity)
            firstChild.reserveCapacity(capacity); leafX.reserveCapacity(capacity); leafY.reserveCapacity(capacity)
        }
    }

    private mutating func addNode(_ x: Double, _ y: Double, _ s: Double) {
        minX.append(x); minY.append(y); side.append(s)
        count.append(0); sumX.append(0); sumY.append(0); firstChild.append(-1)
        leafX.append(0); leafY.append(0)
    }

    private func quadrant(_ node: Int, _ x: Double, _ y: Double) -> Int {
        let half = side[node] / 2
        return (x >= minX[node] + half ? 1 : 0) + (y >= minY[node] + half ? 2 : 0)
    }

    private mutating func insert(_ x: Double, _ y: Double) {
        var node = 0
        var level = 0
        while true {
            level += 1
            depth = max(depth, level)
            let before = count[node]
            count[node] += 1; sumX[node] += x; sumY[node] += y
            if firstChild[node] >= 0 {
                node = Int(firstChild[node]) + quadrant(node, x, y)
                continue
            }
            if before == 0 { leafX[node] = x; leafY[node] = y; return }
            // An occupied leaf: duplicates (or cells too small to split) aggregate in place.
            if (leafX[node] == x && leafY[node] == y) || side[node] < 1e-12 { return }
            let first = minX.count, half = side[node] / 2
            for q in 0..<4 {
                addNode(minX[node] + (q & 1 == 1 ? half : 0), minY[node] + (q & 2 == 2 ? half : 0), half)
            }
            firstChild[node] = Int32(first)
            let child = first + quadrant(node, leafX[node], leafY[node])
            count[child] = before
            sumX[child] = Double(before) * leafX[node]; sumY[child] = Double(before) * leafY[node]
            leafX[child] = leafX[node]; leafY[child] = leafY[node]
            node = first + quadrant(node, x, y)
        }
    }

    /// Repulsion on the point (x, y): `Σ_j w_ij² (y_i − y_j)` into `force` and returns `Σ_j w_ij`
    /// (self excluded), with w = 1/(1 + d²); a cell is summarised when `side / d < θ`.
    /// `stack` must hold at least `stackCapacity` entries.
    func repulsion(_ x: Double, _ y: Double, theta: Double, stack: UnsafeMutablePointer<Int32>, force: inout (Double, Double)) -> Double {
        var z = 0.0, fx = 0.0, fy = 0.0
        let theta2 = theta * theta
        var top = 0
        stack[0] = 0
        top = 1
        packed.withUnsafeBufferPointer { buffer in
            let nodes = buffer.baseAddress!
            while top > 0 {
                top -= 1
                let node = nodes[Int(stack[top])]
                let dx = x - node.cx, dy = y - node.cy
                let d2 = dx * dx + dy * dy
                let leaf = node.firstChild < 0
                if leaf || node.side2 < theta2 * d2 {
                    var m = node.mass
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
        }
        force = (fx, fy)
        return z
    }
}
