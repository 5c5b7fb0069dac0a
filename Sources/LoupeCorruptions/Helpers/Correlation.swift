import Foundation
import LoupeTensor

/// Dense 2-D correlation and the motion (line) kernel of spec §3.3.
enum Correlation {
    /// Correlates every channel with a centred (2L+1) x (2L+1) kernel (OpenCV `filter2D` semantics).
    static func apply(_ plane: Plane, kernel: [Double], size: Int, mode: BorderMode) -> Plane {
        let half = size / 2
        let taps = (0..<size * size).filter { kernel[$0] != 0 }.map { ($0 / size, $0 % size, kernel[$0]) }
        return shiftSum(plane, pad: half, mode: mode, taps: taps)
    }

    /// Output(y, x) = sum of weight * padded(y + dy, x + dx), offsets counted in the padded image.
    static func shiftSum(_ plane: Plane, pad: Int, mode: BorderMode, taps: [(Int, Int, Double)]) -> Plane {
        let h = plane.height, c = plane.channels, rowLength = plane.width * c
        let padded = plane.padded(rows: pad, columns: pad, mode: mode)
        let pw = padded.width * c
        var out = [Double](repeating: 0, count: h * rowLength)
        padded.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                let sp = UncheckedBox(s), dp = SendablePointer(d)
                forEachRowChunk(h, work: h * rowLength * taps.count) { rows in
                    for y in rows {
                        for (ky, kx, weight) in taps {
                            accumulate(dp.base + y * rowLength, sp.value + (y + ky) * pw + kx * c, weight, rowLength)
                        }
                    }
                }
            }
        }
        return Plane(height: h, width: plane.width, channels: c, values: out)
    }

    /// ImageMagick motion blur M(r, sigma, theta): one-sided half-Gaussian line, edge clamping (spec §3.3, §5.3).
    static func motionBlur(_ plane: Plane, radius: Int, sigma: Double, angleDegrees: Double) -> Plane {
        let n = 2 * radius + 1
        var w = (0..<n).map { i in exp(-Double(i * i) / (2 * sigma * sigma)) }
        let sum = w.reduce(0, +)
        for i in w.indices { w[i] /= sum }
        let theta = angleDegrees * .pi / 180
        var taps = [(Int, Int, Double)]()
        for i in 0..<n {
            let dy = Int((Double(i) * sin(theta) - 0.5).rounded(.up))
            let dx = Int((Double(i) * cos(theta) - 0.5).rounded(.up))
            if abs(dy) >= plane.height || abs(dx) >= plane.width { break }
            taps.append((dy + radius, dx + radius, w[i]))
        }
        return shiftSum(plane, pad: radius, mode: .nearest, taps: taps)
    }
}
