import Foundation

/// A colour in CIE L*a*b* (D65 white).
public struct LabColor: Equatable, Sendable {
    public var lightness: Double
    public var a: Double
    public var b: Double
    /// Creates a Lab colour.
    public init(_ lightness: Double, _ a: Double, _ b: Double) { self.lightness = lightness; self.a = a; self.b = b }
}

/// A colour-vision deficiency, simulated with the severity-1 matrices of Machado, Oliveira and Fernandes (2009).
public enum VisionDeficiency: CaseIterable, Sendable {
    case protanopia, deuteranopia, tritanopia

    /// The matrix applied to linear RGB.
    var matrix: [[Double]] {
        switch self {
        case .protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
        case .deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
        case .tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
        }
    }
}

/// Colour differences as people see them: sRGB → CIE Lab (D65) and the CIEDE2000 formula.
public enum ColorDifference {
    /// sRGB component (0...1) to linear light.
    static func linear(_ v: Double) -> Double { v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4) }

    /// The Lab coordinates of linear RGB components (0...1).
    static func lab(linearRed r: Double, green g: Double, blue b: Double) -> LabColor {
        // sRGB primaries to XYZ, normalised by the D65 white point.
        let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
        let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
        let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883
        func f(_ t: Double) -> Double { t > pow(6.0 / 29, 3) ? cbrt(t) : t / (3 * pow(6.0 / 29, 2)) + 4.0 / 29 }
        return LabColor(116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
    }

    /// The Lab coordinates of an sRGB colour, optionally as seen with a colour-vision deficiency.
    public static func lab(_ color: Color, seenWith deficiency: VisionDeficiency? = nil) -> LabColor {
        var rgb = [linear(color.red), linear(color.green), linear(color.blue)]
        if let m = deficiency?.matrix {
            rgb = m.map { row in min(max(row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2], 0), 1) }
        }
        return lab(linearRed: rgb[0], green: rgb[1], blue: rgb[2])
    }

    /// The CIEDE2000 colour difference ΔE00 (Sharma, Wu and Dalal 2005), with kL = kC = kH = 1.
    public static func ciede2000(_ p: LabColor, _ q: LabColor) -> Double {
        let radians = Double.pi / 180
        let c1 = hypot(p.a, p.b), c2 = hypot(q.a, q.b)
        let meanC7 = pow((c1 + c2) / 2, 7)
        let g = 0.5 * (1 - (meanC7 / (meanC7 + pow(25, 7))).squareRoot())
        let a1 = (1 + g) * p.a, a2 = (1 + g) * q.a
        let c1p = hypot(a1, p.b), c2p = hypot(a2, q.b)
        func hue(_ b: Double, _ a: Double) -> Double {
            guard a != 0 || b != 0 else { return 0 }
            let h = atan2(b, a) / radians
            return h < 0 ? h + 360 : h
        }
        let h1 = hue(p.b, a1), h2 = hue(q.b, a2)
        let dL = q.lightness - p.lightness, dC = c2p - c1p
        var dh = 0.0
        if c1p * c2p != 0 {
            dh = h2 - h1
            if dh > 180 { dh -= 360 } else if dh < -180 { dh += 360 }
        }
        let dH = 2 * (c1p * c2p).squareRoot() * sin(dh / 2 * radians)
        let meanL = (p.lightness + q.lightness) / 2, meanCp = (c1p + c2p) / 2
        var meanH = h1 + h2
        if c1p * c2p != 0 {
            if abs(h1 - h2) <= 180 { meanH = (h1 + h2) / 2 } else if h1 + h2 < 360 { meanH = (h1 + h2 + 360) / 2 } else { meanH = (h1 + h2 - 360) / 2 }
        }
        let t = 1 - 0.17 * cos((meanH - 30) * radians) + 0.24 * cos(2 * meanH * radians)
            + 0.32 * cos((3 * meanH + 6) * radians) - 0.20 * cos((4 * meanH - 63) * radians)
        let dTheta = 30 * exp(-pow((meanH - 275) / 25, 2))
        let meanCp7 = pow(meanCp, 7)
        let rc = 2 * (meanCp7 / (meanCp7 + pow(25, 7))).squareRoot()
        let sl = 1 + 0.015 * pow(meanL - 50, 2) / (20 + pow(meanL - 50, 2)).squareRoot()
        let sc = 1 + 0.045 * meanCp
        let sh = 1 + 0.015 * meanCp * t
        let rt = -sin(2 * dTheta * radians) * rc
        let l = dL / sl, c = dC / sc, h = dH / sh
        return (l * l + c * c + h * h + rt * c * h).squareRoot()
    }

    /// ΔE00 between two sRGB colours, optionally as seen with a deficiency.
    public static func ciede2000(_ x: Color, _ y: Color, seenWith deficiency: VisionDeficiency? = nil) -> Double {
        ciede2000(lab(x, seenWith: deficiency), lab(y, seenWith: deficiency))
    }
}
