import Foundation

/// Central zoom Z(A, z) (docs/corruptions.md#central-zoom): crop ceil(H/z), bilinear up-sample (SciPy `zoom`, order 1), centre trim.
enum ClippedZoom {
    /// Per output index along one axis: first input index and the weight of the next one.
    struct AxisTable {
        var index: [Int]
        var fraction: [Double]
    }

    /// The sampling table of one axis of length `n` for factor `z`.
    ///
    /// `untrimmed`: keep the whole zoomed axis (`zoomedLength` samples, no centre trim), as `imagecorruptions` 1.1.2 does.
    static func table(length n: Int, zoom z: Double, untrimmed: Bool = false) -> AxisTable {
        let cropped = Int((Double(n) / z).rounded(.up))
        let top = (n - cropped) / 2
        let zoomed = zoomedLength(n, zoom: z)
        let trim = untrimmed ? 0 : (zoomed - n) / 2
        let count = untrimmed ? zoomed : n
        let step = zoomed > 1 ? Double(cropped - 1) / Double(zoomed - 1) : 0
        var index = [Int](repeating: 0, count: count), fraction = [Double](repeating: 0, count: count)
        for j in 0..<count {
            let coordinate = Double(j + trim) * step
            var i0 = Int(coordinate.rounded(.down))
            var t = coordinate - Double(i0)
            if i0 >= cropped - 1 { i0 = cropped - 1; t = 0 }
            if i0 < 0 { i0 = 0; t = 0 }
            index[j] = top + i0
            fraction[j] = t
        }
        return AxisTable(index: index, fraction: fraction)
    }

    /// Length of an axis of `n` samples after cropping ceil(n/z) and zooming by z (SciPy rounds the output size).
    static func zoomedLength(_ n: Int, zoom z: Double) -> Int {
        Int((Double(Int((Double(n) / z).rounded(.up))) * z).rounded(.toNearestOrEven))
    }

    /// The untrimmed zoom of one H x W channel: a `zoomedLength(H)` x `zoomedLength(W)` field (`imagecorruptions` 1.1.2).
    static func untrimmed(_ values: [Float], height: Int, width: Int, zoom z: Double) -> (values: [Float], height: Int, width: Int) {
        if z == 1 { return (values, height, width) }
        let rows = table(length: height, zoom: z, untrimmed: true), cols = table(length: width, zoom: z, untrimmed: true)
        let oh = rows.index.count, ow = cols.index.count
        var out = [Float](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            let r0 = rows.index[y], ty = rows.fraction[y], r1 = min(r0 + 1, height - 1)
            for x in 0..<ow {
                let c0 = cols.index[x], tx = cols.fraction[x], c1 = min(c0 + 1, width - 1)
                let a = Double(values[r0 * width + c0]), b = Double(values[r0 * width + c1])
                let d = Double(values[r1 * width + c0]), e = Double(values[r1 * width + c1])
                out[y * ow + x] = Float((1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * d + tx * e))
            }
        }
        return (out, oh, ow)
    }

    /// Zooms an interleaved H x W x C Float image (float32 output as SciPy gives for float32 input).
    static func apply(_ values: [Float], height: Int, width: Int, channels c: Int, zoom z: Double) -> [Float] {
        if z == 1 { return values }
        let rows = table(length: height, zoom: z), cols = table(length: width, zoom: z)
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let r0 = rows.index[y], ty = rows.fraction[y]
                    let r1 = min(r0 + 1, height - 1)
                    for x in 0..<width {
                        let c0 = cols.index[x], tx = cols.fraction[x]
                        let c1 = min(c0 + 1, width - 1)
                        for k in 0..<c {
                            let a = Double(src[(r0 * width + c0) * c + k]), b = Double(src[(r0 * width + c1) * c + k])
                            let d = Double(src[(r1 * width + c0) * c + k]), e = Double(src[(r1 * width + c1) * c + k])
                            let v = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * d + tx * e)
                            dst[(y * width + x) * c + k] = Float(v)
                        }
                    }
                }
            }
        }
        return out
    }
}
