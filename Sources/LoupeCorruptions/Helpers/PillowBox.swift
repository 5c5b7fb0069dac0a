import Foundation

/// Pillow's BOX resampling, bit-exact: separable, horizontal pass first, 8-bit intermediate, 22-bit fixed point (docs/corruptions.md#pillow-box-resampling).
enum PillowBox {
    /// Fixed-point coefficients for one axis: per output index the first input and integer weights.
    static func coefficients(input n: Int, output m: Int) -> [(start: Int, weights: [Int32])] {
        let scale = Double(n) / Double(m)
        let filterScale = max(scale, 1)
        let support = 0.5 * filterScale
        var result = [(start: Int, weights: [Int32])]()
        result.reserveCapacity(m)
        for o in 0..<m {
            let centre = (Double(o) + 0.5) * scale
            let lo = max(0, Int(centre - support + 0.5))
            let hi = min(n, Int(centre + support + 0.5))
            var w = [Double]()
            var total = 0.0
            if hi > lo {
                for i in lo..<hi {
                    let u = (Double(i) - centre + 0.5) / filterScale
                    let v: Double = (u > -0.5 && u <= 0.5) ? 1 : 0
                    w.append(v)
                    total += v
                }
            }
            let fixed = w.map { Int32(0.5 + (total != 0 ? $0 / total : $0) * Double(1 << 22)) }
            result.append((lo, fixed))
        }
        return result
    }

    /// Resizes an interleaved RGB byte image to `newWidth` x `newHeight`.
    static func resize(_ bytes: [UInt8], width: Int, height: Int, to newWidth: Int, _ newHeight: Int) -> [UInt8] {
        var current = bytes
        var w = width
        if newWidth != width {
            let coeffs = coefficients(input: width, output: newWidth)
            var out = [UInt8](repeating: 0, count: newWidth * height * 3)
            for y in 0..<height {
                for x in 0..<newWidth {
                    let (start, weights) = coeffs[x]
                    for c in 0..<3 {
                        var acc: Int64 = 1 << 21
                        for (k, weight) in weights.enumerated() { acc += Int64(current[(y * w + start + k) * 3 + c]) * Int64(weight) }
                        out[(y * newWidth + x) * 3 + c] = UInt8(clamping: acc >> 22)
                    }
                }
            }
            current = out
            w = newWidth
        }
        if newHeight != height {
            let coeffs = coefficients(input: height, output: newHeight)
            var out = [UInt8](repeating: 0, count: w * newHeight * 3)
            for y in 0..<newHeight {
                let (start, weights) = coeffs[y]
                for i in 0..<(w * 3) {
                    var acc: Int64 = 1 << 21
                    for (k, weight) in weights.enumerated() { acc += Int64(current[(start + k) * w * 3 + i]) * Int64(weight) }
                    out[y * w * 3 + i] = UInt8(clamping: acc >> 22)
                }
            }
            current = out
        }
        return current
    }
}
