import Foundation
import LoupeTensor

/// SciPy/scikit-image Gaussian filter G(sigma, t, border) (docs/corruptions.md#gaussian-filter).
enum GaussianFilter {
    /// Normalised 1-D weights exp(-k^2 / (2 sigma^2)) for |k| <= floor(t sigma + 0.5).
    static func weights(sigma: Double, truncate: Double) -> [Double] {
        let radius = Int(truncate * sigma + 0.5)
        if sigma <= 0 || radius == 0 { return [1] }
        var w = (-radius...radius).map { k in exp(-0.5 * Double(k * k) / (sigma * sigma)) }
        let sum = w.reduce(0, +)
        for i in w.indices { w[i] /= sum }
        return w
    }

    /// Filters every channel of an H x W x C plane separately, rows axis first then columns.
    static func apply(_ plane: Plane, sigma: Double, truncate: Double = 4, mode: BorderMode = .nearest) -> Plane {
        let w = weights(sigma: sigma, truncate: truncate)
        let radius = w.count / 2
        if radius == 0 { return plane }
        if plane.channels == 1 && 2 * radius + 1 > min(plane.height, plane.width) {
            return folded(plane, weights: w, mode: mode)
        }
        let h = plane.height, width = plane.width, c = plane.channels
        let padded = plane.padded(rows: radius, columns: radius, mode: mode)
        let pw = padded.width * c
        // Vertical pass over the padded width, then the horizontal pass.
        let tmp = shiftedRowSums(padded.values, sourceRowStride: pw, rows: h, rowLength: pw,
                                 taps: w.indices.map { (offset: $0 * pw, weight: w[$0]) })
        let out = shiftedRowSums(tmp, sourceRowStride: pw, rows: h, rowLength: width * c,
                                 taps: w.indices.map { (offset: $0 * c, weight: w[$0]) })
        return Plane(height: h, width: width, channels: c, values: out)
    }

    /// The n x n matrix of a 1-D filter with its border folded in (row i = weights reading each input).
    static func foldedMatrix(n: Int, weights w: [Double], mode: BorderMode) -> [Double] {
        let radius = w.count / 2
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<w.count { m[i * n + mode.index(i + k - radius, n)] += w[k] }
        }
        return m
    }

    /// Single-channel filter for kernels wider than the image: two small matrix products.
    static func folded(_ plane: Plane, weights w: [Double], mode: BorderMode) -> Plane {
        let h = plane.height, width = plane.width
        let mv = foldedMatrix(n: h, weights: w, mode: mode)
        let mh = foldedMatrix(n: width, weights: w, mode: mode)
        var mhT = [Double](repeating: 0, count: width * width)
        for x in 0..<width { for j in 0..<width { mhT[j * width + x] = mh[x * width + j] } }
        var tmp = [Double](repeating: 0, count: h * width)
        var out = [Double](repeating: 0, count: h * width)
        plane.values.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    guard let s = src.baseAddress, let tp = t.baseAddress, let op = o.baseAddress else { return }
                    for y in 0..<h {
                        for j in 0..<h where mv[y * h + j] != 0 { accumulate(tp + y * width, s + j * width, mv[y * h + j], width) }
                    }
                    mhT.withUnsafeBufferPointer { m in
                        guard let mp = m.baseAddress else { return }
                        for y in 0..<h {
                            for j in 0..<width { accumulate(op + y * width, mp + j * width, tp[y * width + j], width) }
                        }
                    }
                }
            }
        }
        return Plane(height: h, width: width, channels: 1, values: out)
    }
}
