import LoupeTensor

/// How a filter reads outside the image (docs/corruptions.md#helper-operations).
enum BorderMode {
    /// Edge pixel repeated (SciPy "nearest", ImageMagick "edge").
    case nearest
    /// Half-sample symmetric: ... c b a | a b c ... (SciPy "reflect").
    case reflect
    /// Whole-sample symmetric: ... c b | a b c ... (OpenCV default, SciPy "mirror").
    case reflect101

    /// The in-range index read for index `i` of a line of `n` samples.
    @inline(__always)
    func index(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch self {
        case .nearest:
            return i < 0 ? 0 : n - 1
        case .reflect:
            let period = 2 * n
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - 1 - m
        case .reflect101:
            if n == 1 { return 0 }
            let period = 2 * n - 2
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
    }
}

/// An interleaved H x W x C plane of Doubles.
struct Plane {
    var height: Int
    var width: Int
    var channels: Int
    var values: [Double]

    /// A copy with `top`/`left` rows/columns added on every side by `mode`.
    func padded(rows: Int, columns: Int, mode: BorderMode) -> Plane {
        let ph = height + 2 * rows, pw = width + 2 * columns, c = channels
        var out = [Double](repeating: 0, count: ph * pw * c)
        let columnIndex = (0..<pw).map { mode.index($0 - columns, width) }
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<ph {
                    let sy = mode.index(y - rows, height)
                    let srow = sy * width * c, drow = y * pw * c
                    for x in 0..<pw {
                        let s = srow + columnIndex[x] * c, d = drow + x * c
                        for k in 0..<c { dst[d + k] = src[s + k] }
                    }
                }
            }
        }
        return Plane(height: ph, width: pw, channels: c, values: out)
    }
}

/// Adds `weight * source[0..<count]` into `target` (the vectorised inner loop of every filter).
@inline(__always)
func accumulate(_ target: UnsafeMutablePointer<Double>, _ source: UnsafePointer<Double>, _ weight: Double, _ count: Int) {
    for i in 0..<count { target[i] += weight * source[i] }
}

/// Runs `body(rows)` over output rows on the machine's cores when the work is large.
@inline(__always)
func forEachRowChunk(_ rows: Int, work: Int, _ body: (Range<Int>) -> Void) {
    if work < 200_000 {
        body(0..<rows)
    } else {
        Parallel.forEachChunk(rows, grain: 8, body)
    }
}

/// Weighted sums of shifted source runs: row y of the result is the sum over `taps` of
/// weight * source[y * sourceRowStride + offset ..< + rowLength], accumulated in tap order; rows run in parallel.
func shiftedRowSums(_ source: [Double], sourceRowStride: Int, rows: Int, rowLength: Int,
                    taps: [(offset: Int, weight: Double)]) -> [Double] {
    var out = [Double](repeating: 0, count: rows * rowLength)
    source.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress else { return }
            let sp = UncheckedBox(s), dp = SendablePointer(d)
            forEachRowChunk(rows, work: rows * rowLength * taps.count) { range in
                for y in range {
                    for (offset, weight) in taps {
                        accumulate(dp.base + y * rowLength, sp.value + y * sourceRowStride + offset, weight, rowLength)
                    }
                }
            }
        }
    }
    return out
}
