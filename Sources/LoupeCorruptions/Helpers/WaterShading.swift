import Foundation

/// The water-drop shading of spatter (docs/corruptions.md#spatter, mode 0): Canny edges, distance, equalise, emboss, box blurs.
enum WaterShading {
    /// The shading D (0...255 as Double) for an 8-bit liquid layer.
    static func make(_ l8: [UInt8], width w: Int, height h: Int) -> [Double] {
        let edges = canny(l8, width: w, height: h, low: 50, high: 150)
        var dist = distance(edges, width: w, height: h).map { min($0, 20) }
        dist = boxBlur(dist, width: w, height: h)
        let equalised = equalise(dist.map { UInt8(min(max($0, 0), 255)) })
        let kernel: [Double] = [-2, -1, 0, -1, 1, 1, 0, 1, 2]
        var embossed = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var acc = 0.0
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let sy = BorderMode.reflect101.index(y + ky - 1, h), sx = BorderMode.reflect101.index(x + kx - 1, w)
                        acc += kernel[ky * 3 + kx] * Double(equalised[sy * w + sx])
                    }
                }
                embossed[y * w + x] = min(max(acc, 0), 255)
            }
        }
        return boxBlur(embossed, width: w, height: h).map { $0.rounded() }
    }

    /// 3x3 mean with reflect-101 border.
    static func boxBlur(_ v: [Double], width w: Int, height h: Int) -> [Double] {
        var out = [Double](repeating: 0, count: v.count)
        for y in 0..<h {
            for x in 0..<w {
                var acc = 0.0
                for dy in -1...1 {
                    for dx in -1...1 {
                        acc += v[BorderMode.reflect101.index(y + dy, h) * w + BorderMode.reflect101.index(x + dx, w)]
                    }
                }
                out[y * w + x] = acc / 9
            }
        }
        return out
    }

    /// Canny edges (3x3 Sobel, L1 magnitude, non-maximum suppression, hysteresis): true on edges.
    static func canny(_ v: [UInt8], width w: Int, height h: Int, low: Double, high: Double) -> [Bool] {
        var gx = [Double](repeating: 0, count: w * h), gy = gx, mag = gx
        func at(_ y: Int, _ x: Int) -> Double {
            Double(v[BorderMode.reflect101.index(y, h) * w + BorderMode.reflect101.index(x, w)])
        }
        for y in 0..<h {
            for x in 0..<w {
                let sx = (at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1))
                let sy = (at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1))
                gx[y * w + x] = sx; gy[y * w + x] = sy; mag[y * w + x] = abs(sx) + abs(sy)
            }
        }
        // 0 = none, 1 = weak, 2 = strong.
        var state = [UInt8](repeating: 0, count: w * h)
        var stack = [Int]()
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, m = mag[i]
                if m <= low { continue }
                let ax = abs(gx[i]), ay = abs(gy[i])
                var n1 = m, n2 = m
                func mg(_ yy: Int, _ xx: Int) -> Double { (yy < 0 || yy >= h || xx < 0 || xx >= w) ? 0 : mag[yy * w + xx] }
                if ay <= ax * 0.4142 {
                    n1 = mg(y, x - 1); n2 = mg(y, x + 1)
                } else if ay >= ax * 2.4142 {
                    n1 = mg(y - 1, x); n2 = mg(y + 1, x)
                } else {
                    let s = (gx[i] < 0) != (gy[i] < 0) ? -1 : 1
                    n1 = mg(y - 1, x - s); n2 = mg(y + 1, x + s)
                }
                guard m > n1 && m >= n2 else { continue }
                if m > high { state[i] = 2; stack.append(i) } else { state[i] = 1 }
            }
        }
        while let i = stack.popLast() {
            let y = i / w, x = i % w
            for dy in -1...1 {
                for dx in -1...1 {
                    let yy = y + dy, xx = x + dx
                    guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                    let j = yy * w + xx
                    if state[j] == 1 { state[j] = 2; stack.append(j) }
                }
            }
        }
        return state.map { $0 == 2 }
    }

    /// Distance from every pixel to the nearest edge: two-pass 5x5 chamfer (OpenCV's DIST_L2 mask 5 weights).
    static func distance(_ edges: [Bool], width w: Int, height h: Int) -> [Double] {
        let a = 1.0, b = 1.4, c = 2.1969
        let big = 1e9
        var d = edges.map { $0 ? 0 : big }
        let forward: [(Int, Int, Double)] = [(0, -1, a), (-1, -1, b), (-1, 0, a), (-1, 1, b), (-1, -2, c), (-2, -1, c), (-2, 1, c), (-1, 2, c)]
        for y in 0..<h {
            for x in 0..<w {
                var best = d[y * w + x]
                for (dy, dx, cost) in forward {
                    let yy = y + dy, xx = x + dx
                    if yy >= 0, yy < h, xx >= 0, xx < w { best = min(best, d[yy * w + xx] + cost) }
                }
                d[y * w + x] = best
            }
        }
        for y in stride(from: h - 1, through: 0, by: -1) {
            for x in stride(from: w - 1, through: 0, by: -1) {
                var best = d[y * w + x]
                for (dy, dx, cost) in forward {
                    let yy = y - dy, xx = x - dx
                    if yy >= 0, yy < h, xx >= 0, xx < w { best = min(best, d[yy * w + xx] + cost) }
                }
                d[y * w + x] = best
            }
        }
        return d.map { $0 >= big ? 20 : $0 }
    }

    /// OpenCV `equalizeHist`.
    static func equalise(_ v: [UInt8]) -> [UInt8] {
        var hist = [Int](repeating: 0, count: 256)
        for p in v { hist[Int(p)] += 1 }
        guard let first = hist.firstIndex(where: { $0 > 0 }) else { return v }
        let total = v.count
        if hist[first] == total { return v }
        let scale = 255.0 / Double(total - hist[first])
        var lut = [UInt8](repeating: 0, count: 256)
        var sum = 0
        for j in (first + 1)..<256 {
            sum += hist[j]
            lut[j] = UInt8(min(max((Double(sum) * scale).rounded(), 0), 255))
        }
        return v.map { lut[Int($0)] }
    }
}
