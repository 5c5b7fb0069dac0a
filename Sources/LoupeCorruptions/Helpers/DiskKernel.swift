import Foundation

/// The defocus disk kernel D(r, s) (docs/corruptions.md#defocus-disk-kernel).
enum DiskKernel {
    /// The (2L+1)^2 kernel, row-major, and its side length.
    static func make(radius r: Double, smoothing s: Double) -> (kernel: [Double], size: Int) {
        let half = r <= 8 ? 8 : Int(r)
        let size = 2 * half + 1
        var disk = [Float](repeating: 0, count: size * size)
        var count = 0
        for y in -half...half {
            for x in -half...half where Double(x * x + y * y) <= r * r {
                disk[(y + half) * size + x + half] = 1
                count += 1
            }
        }
        for i in disk.indices { disk[i] /= Float(count) }
        // OpenCV GaussianBlur, window 3 (r <= 8) or 5, sigma s, reflect-101; float32 arithmetic.
        let taps = r <= 8 ? 3 : 5
        var w = (0..<taps).map { i -> Double in
            let d = Double(i) - Double(taps - 1) / 2
            return exp(-d * d / (2 * s * s))
        }
        let sum = w.reduce(0, +)
        for i in w.indices { w[i] /= sum }
        let wf = w.map { Float($0) }
        let mid = taps / 2
        var rows = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                var acc: Float = 0
                for k in 0..<taps { acc += wf[k] * disk[y * size + BorderMode.reflect101.index(x + k - mid, size)] }
                rows[y * size + x] = acc
            }
        }
        var out = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                var acc: Float = 0
                for k in 0..<taps { acc += wf[k] * rows[BorderMode.reflect101.index(y + k - mid, size) * size + x] }
                out[y * size + x] = Double(acc)
            }
        }
        return (out, size)
    }
}
