import Foundation
import LoupeTensor

/// Small image operations the attribution and visualisation code needs: blur and bilinear resizing of NCHW maps.
public enum ImageFilters {
    /// How a filter reads past the edge of a plane.
    public enum Border: Sendable {
        /// The edge sample repeats: `a a a | a b c d`.
        case replicate
        /// Mirror including the edge sample, SciPy's mode "reflect": `c b a | a b c d`.
        case reflect

        /// The in-range index that stands for `i` in a row of `n` samples.
        func index(_ i: Int, _ n: Int) -> Int {
            switch self {
            case .replicate:
                return min(max(i, 0), n - 1)
            case .reflect:
                guard n > 1 else { return 0 }
                let period = 2 * n
                var k = i % period
                if k < 0 { k += period }
                return k < n ? k : period - 1 - k
            }
        }
    }

    /// Blurs every `[H, W]` plane of an NCHW tensor with a normalised Gaussian of `2·radius + 1` taps, rows then columns.
    public static func separableGaussian(_ x: Tensor, sigma: Float, radius: Int, border: Border) -> Tensor {
        guard sigma > 0, radius > 0, x.rank == 4 else { return x }
        var kernel = (-radius...radius).map { Float(exp(-0.5 * Double($0 * $0) / Double(sigma * sigma))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let (h, w) = (x.shape[2], x.shape[3])
        let columns = (0..<w).map { col in (-radius...radius).map { border.index(col + $0, w) } }
        let rows = (0..<h).map { row in (-radius...radius).map { border.index(row + $0, h) } }
        return filterPass(filterPass(x, kernel: kernel, taps: columns, alongRows: true), kernel: kernel, taps: rows,
                          alongRows: false)
    }

    /// One pass of a separable filter over every `[H, W]` plane: along each row (`taps[col]` are the
    /// columns read for output column `col`) or along each column (`taps[row]` are rows).
    private static func filterPass(_ x: Tensor, kernel: [Float], taps: [[Int]], alongRows: Bool) -> Tensor {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        var out = x
        x.scalars.withUnsafeBufferPointer { src in
            out.scalars.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<planes {
                    let base = plane * h * w
                    for row in 0..<h {
                        for col in 0..<w {
                            var sum: Float = 0
                            if alongRows {
                                for (k, c) in taps[col].enumerated() { sum += kernel[k] * src[base + row * w + c] }
                            } else {
                                for (k, r) in taps[row].enumerated() { sum += kernel[k] * src[base + r * w + col] }
                            }
                            dst[base + row * w + col] = sum
                        }
                    }
                }
            }
        }
        return out
    }

    /// Bilinear resize of every plane of an N x C x h x w tensor to `height` x `width`.
    ///
    /// `alignCorners == false` is OpenCV INTER_LINEAR / PyTorch `align_corners=False`
    /// (src = (u + 0.5)·in/out − 0.5, clamped); `true` maps corners onto corners
    /// (src = u·(in − 1)/(out − 1)), as Score-CAM's upsampler does.
    public static func resizeBilinear(_ x: Tensor, height: Int, width: Int, alignCorners: Bool = false) -> Tensor {
        guard x.rank == 4 else { return x }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        func taps(_ outSize: Int, _ inSize: Int) -> [(Int, Int, Float)] {
            (0..<outSize).map { u in
                var src: Double
                if alignCorners {
                    src = outSize > 1 ? Double(u) * Double(inSize - 1) / Double(outSize - 1) : 0
                } else {
                    src = (Double(u) + 0.5) * Double(inSize) / Double(outSize) - 0.5
                    src = min(max(src, 0), Double(inSize - 1))
                }
                let low = min(Int(src.rounded(.down)), inSize - 1)
                let high = min(low + 1, inSize - 1)
                return (low, high, Float(src - Double(low)))
            }
        }
        let rows = taps(height, h), cols = taps(width, w)
        var out = Tensor(shape: [n, c, height, width])
        for plane in 0..<(n * c) {
            let inBase = plane * h * w, outBase = plane * height * width
            for (y, (r0, r1, fy)) in rows.enumerated() {
                for (xIndex, (c0, c1, fx)) in cols.enumerated() {
                    let top = x.scalars[inBase + r0 * w + c0] * (1 - fx) + x.scalars[inBase + r0 * w + c1] * fx
                    let bottom = x.scalars[inBase + r1 * w + c0] * (1 - fx) + x.scalars[inBase + r1 * w + c1] * fx
                    out.scalars[outBase + y * width + xIndex] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }

    /// Min–max normalisation of each plane as pytorch-grad-cam does: (c − min) / (1e-7 + max(c − min)).
    public static func normaliseCAM(_ x: Tensor) -> Tensor {
        guard x.rank == 4 else { return x }
        let planeSize = x.shape[2] * x.shape[3]
        var out = x
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            let range = (plane * planeSize)..<((plane + 1) * planeSize)
            let low = x.scalars[range].min() ?? 0
            let high = (x.scalars[range].max() ?? 0) - low
            for i in range { out.scalars[i] = (x.scalars[i] - low) / (1e-7 + high) }
        }
        return out
    }
}
