import LoupeTensor

/// Naive reference implementations for the linear-family tests (direct loops, no shared code).
enum LinearReference {
    /// Direct 2-D convolution. `pads` is [top, left, bottom, right].
    static func conv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0],
                     dilations: [Int] = [1, 1], group: Int = 1) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (m, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) / strides[0] + 1
        let ow = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) / strides[1] + 1
        let mg = m / group
        var y = Tensor(shape: [n, m, oh, ow])
        for i in 0..<n {
            for o in 0..<m {
                let g = o / mg
                for r in 0..<oh {
                    for s in 0..<ow {
                        var total: Float = b?.scalars[o] ?? 0
                        for ci in 0..<cg {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    let ih = r * strides[0] - pads[0] + p * dilations[0]
                                    let iw = s * strides[1] - pads[1] + q * dilations[1]
                                    guard ih >= 0, ih < h, iw >= 0, iw < wd else { continue }
                                    let xv = x.scalars[((i * c + g * cg + ci) * h + ih) * wd + iw]
                                    total += xv * w.scalars[((o * cg + ci) * kh + p) * kw + q]
                                }
                            }
                        }
                        y.scalars[((i * m + o) * oh + r) * ow + s] = total
                    }
                }
            }
        }
        return y
    }

    /// Transposed convolution by scattering every input pixel. `pads` is [top, left, bottom, right].
    static func convTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0],
                              dilations: [Int] = [1, 1], outputPadding: [Int] = [0, 0], group: Int = 1,
                              outputSize: [Int]? = nil) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (mg, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let m = mg * group, cg = c / group
        let oh = outputSize?[0] ?? strides[0] * (h - 1) + outputPadding[0] + (kh - 1) * dilations[0] + 1 - pads[0] - pads[2]
        let ow = outputSize?[1] ?? strides[1] * (wd - 1) + outputPadding[1] + (kw - 1) * dilations[1] + 1 - pads[1] - pads[3]
        var y = Tensor(shape: [n, m, oh, ow])
        for i in 0..<n {
            for o in 0..<m { for k in 0..<(oh * ow) { y.scalars[(i * m + o) * oh * ow + k] = b?.scalars[o] ?? 0 } }
            for ci in 0..<c {
                let g = ci / cg
                for r in 0..<h {
                    for s in 0..<wd {
                        let xv = x.scalars[((i * c + ci) * h + r) * wd + s]
                        for co in 0..<mg {
                            for p in 0..<kh {
                                for q in 0..<kw {
                                    let yh = r * strides[0] - pads[0] + p * dilations[0]
                                    let yw = s * strides[1] - pads[1] + q * dilations[1]
                                    guard yh >= 0, yh < oh, yw >= 0, yw < ow else { continue }
                                    let o = g * mg + co
                                    y.scalars[((i * m + o) * oh + yh) * ow + yw] += xv * w.scalars[((ci * mg + co) * kh + p) * kw + q]
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Naive matrix product of row-major `[m, k]` and `[k, n]` arrays.
    static func matmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { c[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        return c
    }

    /// Transpose of a row-major `[rows, cols]` array.
    static func transpose(_ a: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: a.count)
        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = a[i * cols + j] } }
        return t
    }

    /// Naive 2-D pooling; `pads` is [top, left, bottom, right]; output extents given explicitly.
    static func pool(_ x: Tensor, kernel: [Int], strides: [Int], pads: [Int], outSize: [Int], max: Bool,
                     includePad: Bool = false) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(shape: [n, c, outSize[0], outSize[1]])
        for plane in 0..<(n * c) {
            for r in 0..<outSize[0] {
                for s in 0..<outSize[1] {
                    var best = -Float.infinity, total: Float = 0, count = 0, padded = 0
                    for p in 0..<kernel[0] {
                        for q in 0..<kernel[1] {
                            let ih = r * strides[0] - pads[0] + p, iw = s * strides[1] - pads[1] + q
                            if ih >= -pads[0], ih < h + pads[2], iw >= -pads[1], iw < w + pads[3] { padded += 1 }
                            guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                            let v = x.scalars[(plane * h + ih) * w + iw]
                            best = Swift.max(best, v); total += v; count += 1
                        }
                    }
                    y.scalars[(plane * outSize[0] + r) * outSize[1] + s] = max ? best : total / Float(includePad ? padded : count)
                }
            }
        }
        return y
    }
}
