/// Image resampling.
public enum ImageResize {
    /// Bilinear resize with half-pixel centres, antialiased when shrinking (Pillow's `BILINEAR`).
    ///
    /// Separable triangle filter: output pixel `x` is centred at `(x + 0.5) * in / out` in input
    /// coordinates; the filter's support is 1 input pixel when enlarging and `in / out` pixels when
    /// shrinking, so a 4x reduction averages like a box instead of aliasing. Weights that fall
    /// outside the image are dropped and the rest renormalised (equivalent to edge clamping).
    public static func bilinear(_ image: PixelImage, height: Int, width: Int) -> PixelImage {
        let c = image.channels
        let horizontal = FlatTaps(weights(input: image.width, output: width))
        let vertical = FlatTaps(weights(input: image.height, output: height))
        // Horizontal pass: height_in x width_out.
        var middle = [Float](repeating: 0, count: image.height * width * c)
        image.values.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { dst in
                horizontal.weights.withUnsafeBufferPointer { w in
                    for y in 0..<image.height {
                        let row = y * image.width * c
                        for x in 0..<width {
                            let first = horizontal.first[x], taps = horizontal.count[x], base = x * horizontal.stride
                            let out = (y * width + x) * c
                            for k in 0..<taps {
                                let weight = w[base + k], at = row + (first + k) * c
                                for ch in 0..<c { dst[out + ch] += weight * src[at + ch] }
                            }
                        }
                    }
                }
            }
        }
        // Vertical pass: height_out x width_out, whole rows at a time.
        var out = [Float](repeating: 0, count: height * width * c)
        let rowLength = width * c
        middle.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let first = vertical.first[y], base = y * vertical.stride
                    for k in 0..<vertical.count[y] {
                        let weight = vertical.weights[base + k]
                        let srcRow = (first + k) * rowLength, dstRow = y * rowLength
                        for i in 0..<rowLength { dst[dstRow + i] += weight * src[srcRow + i] }
                    }
                }
            }
        }
        return PixelImage(width: width, height: height, channels: c, values: out)
    }

    /// Taps flattened into arrays for the inner loops: `stride` weights per output coordinate.
    struct FlatTaps {
        var first: [Int], count: [Int], weights: [Float], stride: Int

        init(_ taps: [Taps]) {
            stride = taps.map { $0.weights.count }.max() ?? 1
            first = taps.map { $0.first }
            count = taps.map { $0.weights.count }
            weights = [Float](repeating: 0, count: taps.count * stride)
            for (i, t) in taps.enumerated() { for (k, w) in t.weights.enumerated() { weights[i * stride + k] = w } }
        }
    }

    /// Filter taps of one output coordinate: the first input index and consecutive weights.
    struct Taps {
        var first: Int
        var weights: [Float]
    }

    /// Normalised triangle-filter taps for each output coordinate of a 1-D resize.
    static func weights(input: Int, output: Int) -> [Taps] {
        let scale = Double(input) / Double(output)
        let support = max(scale, 1)
        return (0..<output).map { x in
            let centre = (Double(x) + 0.5) * scale
            let first = max(0, Int((centre - support).rounded(.down)))
            let last = min(input - 1, Int((centre + support).rounded(.up)))
            var weights = [Double]()
            for i in first...max(first, last) {
                let distance = abs(Double(i) + 0.5 - centre) / support
                weights.append(max(0, 1 - distance))
            }
            let total = weights.reduce(0, +)
            // A zero total cannot happen for input >= 1, but keep the nearest pixel if it does.
            if total <= 0 { return Taps(first: min(input - 1, Int(centre)), weights: [1]) }
            return Taps(first: first, weights: weights.map { Float($0 / total) })
        }
    }
}
