import Foundation
import LoupeTensor

/// Dense 2-D correlation and the motion (line) kernel (docs/corruptions.md#motion-kernel).
enum Correlation {
    /// Correlates every channel with a centred (2L+1) x (2L+1) kernel (OpenCV `filter2D` semantics).
    static func apply(_ plane: Plane, kernel: [Double], size: Int, mode: BorderMode) -> Plane {
        let half = size / 2
        let taps = (0..<size * size).filter { kernel[$0] != 0 }.map { ($0 / size, $0 % size, kernel[$0]) }
        return shiftSum(plane, pad: half, mode: mode, taps: taps)
    }

    /// Output(y, x) = sum of weight * padded(y + dy, x + dx), offsets counted in the padded image.
    static func shiftSum(_ plane: Plane, pad: Int, mode: BorderMode, taps allTaps: [(Int, Int, Double)]) -> Plane {
        // Offsets outside the padding would read past the buffer: never pass them to the loop.
        let taps = allTaps.filter { $0.0 >= 0 && $0.0 <= 2 * pad && $0.1 >= 0 && $0.1 <= 2 * pad }
        let h = plane.height, c = plane.channels, rowLength = plane.width * c
        let padded = plane.padded(rows: pad, columns: pad, mode: mode)
        let pw = padded.width * c
        let out = shiftedRowSums(padded.values, sourceRowStride: pw, rows: h, rowLength: rowLength,
                                 taps: taps.map { (offset: $0.0 * pw + $0.1 * c, weight: $0.2) })
        return Plane(height: h, width: plane.width, channels: c, values: out)
    }

    /// ImageMagick motion blur M(r, sigma, theta): one-sided half-Gaussian line, edge clamping (docs/corruptions.md#motion-kernel).
    static func motionBlur(_ plane: Plane, radius: Int, sigma: Double, angleDegrees: Double) -> Plane {
        let n = 2 * radius + 1
        var w = (0..<n).map { i in exp(-Double(i * i) / (2 * sigma * sigma)) }
        let sum = w.reduce(0, +)
        for i in w.indices { w[i] /= sum }
        // Same floating-point steps as `imagecorruptions` (angles like 30 degrees hit exact half offsets).
        let theta = angleDegrees * (Double.pi / 180)
        let py = Double(n) * sin(theta), px = Double(n) * cos(theta)
        let length = hypot(py, px)
        // Tap i reaches up to i <= 2r pixels away: pad by n - 1.
        let reach = n - 1
        var taps = [(Int, Int, Double)]()
        for i in 0..<n {
            let dy = Int((Double(i) * py / length - 0.5).rounded(.up))
            let dx = Int((Double(i) * px / length - 0.5).rounded(.up))
            if abs(dy) >= plane.height || abs(dx) >= plane.width { break }
            taps.append((dy + reach, dx + reach, w[i]))
        }
        return shiftSum(plane, pad: reach, mode: .nearest, taps: taps)
    }
}
