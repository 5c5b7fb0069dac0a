import Foundation

/// scikit-image's RGB <-> HSV conversion, same formulas and tie order (docs/corruptions.md#hsv).
enum HSV {
    /// Converts one pixel in [0, 1] to (H, S, V).
    @inline(__always)
    static func fromRGB(_ r: Double, _ g: Double, _ b: Double) -> (Double, Double, Double) {
        let v = max(r, g, b)
        let delta = v - min(r, g, b)
        let s = delta == 0 ? 0 : delta / v
        var h = 0.0
        if delta != 0 {
            if b == v { h = 4 + (r - g) / delta } else if g == v { h = 2 + (b - r) / delta } else { h = (g - b) / delta }
            h /= 6
            h = h.truncatingRemainder(dividingBy: 1)
            if h < 0 { h += 1 }
        }
        return (h, s, v)
    }

    /// Converts (H, S, V) back to RGB.
    @inline(__always)
    static func toRGB(_ h: Double, _ s: Double, _ v: Double) -> (Double, Double, Double) {
        let hi = (h * 6).rounded(.down)
        let f = h * 6 - hi
        let p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s)
        var i = Int(hi) % 6
        if i < 0 { i += 6 }
        switch i {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }

    /// Applies `change` to every pixel's (H, S, V) and returns the RGB values in [0, 1] (unclipped).
    static func map(_ image: RGBImage8, _ change: (inout Double, inout Double, inout Double) -> Void) -> [Double] {
        let x = image.unitValues
        var out = [Double](repeating: 0, count: x.count)
        for p in 0..<(x.count / 3) {
            var (h, s, v) = fromRGB(x[3 * p], x[3 * p + 1], x[3 * p + 2])
            change(&h, &s, &v)
            let (r, g, b) = toRGB(h, s, v)
            out[3 * p] = r; out[3 * p + 1] = g; out[3 * p + 2] = b
        }
        return out
    }
}
