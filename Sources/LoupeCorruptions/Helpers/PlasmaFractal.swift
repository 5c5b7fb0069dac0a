import LoupeTensor

/// Diamond-square plasma fractal P(N, d) on a torus, rescaled to [0, 1] (docs/corruptions.md#plasma-fractal).
enum PlasmaFractal {
    /// An N x N map (N a power of two), row-major.
    static func make(size n: Int, decay: Double, generator: inout SeededGenerator) -> [Double] {
        var map = [Double](repeating: 0, count: n * n)
        var step = n
        var wibble = 100.0
        func noise(_ g: inout SeededGenerator) -> Double { wibble * (g.uniform() * 2 * wibble - wibble) }
        while step >= 2 {
            let cells = n / step, half = step / 2
            @inline(__always) func corner(_ i: Int, _ j: Int) -> Double {
                map[((i % cells + cells) % cells) * step * n + ((j % cells + cells) % cells) * step]
            }
            @inline(__always) func centre(_ i: Int, _ j: Int) -> Double {
                map[(((i % cells + cells) % cells) * step + half) * n + ((j % cells + cells) % cells) * step + half]
            }
            for i in 0..<cells {
                for j in 0..<cells {
                    let sum = corner(i, j) + corner(i + 1, j) + corner(i, j + 1) + corner(i + 1, j + 1)
                    map[(i * step + half) * n + j * step + half] = sum / 4 + noise(&generator)
                }
            }
            for i in 0..<cells {
                for j in 0..<cells {
                    let sum = centre(i, j) + centre(i - 1, j) + corner(i, j) + corner(i, j + 1)
                    map[(i * step) * n + j * step + half] = sum / 4 + noise(&generator)
                }
            }
            for i in 0..<cells {
                for j in 0..<cells {
                    let sum = centre(i, j) + centre(i, j - 1) + corner(i, j) + corner(i + 1, j)
                    map[(i * step + half) * n + j * step] = sum / 4 + noise(&generator)
                }
            }
            step /= 2
            wibble /= decay
        }
        let lo = map.min() ?? 0, hi = map.max() ?? 1
        let range = hi - lo > 0 ? hi - lo : 1
        for i in map.indices { map[i] = (map[i] - lo) / range }
        return map
    }

    /// The smallest power of two >= n.
    static func powerOfTwo(atLeast n: Int) -> Int {
        var p = 1
        while p < n { p *= 2 }
        return p
    }
}
