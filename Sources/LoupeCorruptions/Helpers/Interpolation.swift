import Foundation

/// Bilinear sampling helpers: OpenCV-style affine warp and SciPy-style `map_coordinates` (order 1).
enum Interpolation {
    /// Bilinear value of channel `k` at (row, col), reading outside through `mode`.
    @inline(__always)
    static func bilinear(_ v: [Double], _ h: Int, _ w: Int, _ row: Double, _ col: Double, _ k: Int, _ mode: BorderMode) -> Double {
        let r0 = Int(row.rounded(.down)), c0 = Int(col.rounded(.down))
        let ty = row - Double(r0), tx = col - Double(c0)
        let ra = mode.index(r0, h), rb = mode.index(r0 + 1, h)
        let ca = mode.index(c0, w), cb = mode.index(c0 + 1, w)
        let a = v[(ra * w + ca) * 3 + k], b = v[(ra * w + cb) * 3 + k]
        let c = v[(rb * w + ca) * 3 + k], d = v[(rb * w + cb) * 3 + k]
        return (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * c + tx * d)
    }

    /// Warps an RGB image by the affine map taking the `from` points to the `to` points ((x, y) pairs), reflect-101 border.
    static func warpAffine(_ v: [Double], height h: Int, width w: Int, from: [(Double, Double)], to: [(Double, Double)]) -> [Double] {
        // Inverse map: output (x, y) -> source, solved from the three correspondences to -> from.
        let (ix, iy) = solveAffine(from: to, to: from)
        var out = [Double](repeating: 0, count: v.count)
        for y in 0..<h {
            for x in 0..<w {
                let sx = ix.0 * Double(x) + ix.1 * Double(y) + ix.2
                let sy = iy.0 * Double(x) + iy.1 * Double(y) + iy.2
                for k in 0..<3 { out[(y * w + x) * 3 + k] = bilinear(v, h, w, sy, sx, k, .reflect101) }
            }
        }
        return out
    }

    /// Coefficients (a, b, c) of u = a x + b y + c for both output coordinates, from three point pairs.
    static func solveAffine(from p: [(Double, Double)], to q: [(Double, Double)]) -> ((Double, Double, Double), (Double, Double, Double)) {
        let (x0, y0) = p[0], (x1, y1) = p[1], (x2, y2) = p[2]
        let det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1)
        func solve(_ u0: Double, _ u1: Double, _ u2: Double) -> (Double, Double, Double) {
            guard det != 0 else { return (1, 0, 0) }
            let a = (u0 * (y1 - y2) - y0 * (u1 - u2) + (u1 * y2 - u2 * y1)) / det
            let b = (x0 * (u1 - u2) - u0 * (x1 - x2) + (x1 * u2 - x2 * u1)) / det
            let c = (x0 * (y1 * u2 - y2 * u1) - y0 * (x1 * u2 - x2 * u1) + u0 * (x1 * y2 - x2 * y1)) / det
            return (a, b, c)
        }
        return (solve(q[0].0, q[1].0, q[2].0), solve(q[0].1, q[1].1, q[2].1))
    }

    /// Samples every channel at (y + dy, x + dx) with bilinear weights (SciPy `map_coordinates`, order 1).
    static func sample(_ v: [Double], height h: Int, width w: Int, rowOffsets dy: [Double], columnOffsets dx: [Double],
                       mode: BorderMode) -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        for y in 0..<h {
            for x in 0..<w {
                let p = y * w + x
                for k in 0..<3 { out[p * 3 + k] = bilinear(v, h, w, Double(y) + dy[p], Double(x) + dx[p], k, mode) }
            }
        }
        return out
    }
}
