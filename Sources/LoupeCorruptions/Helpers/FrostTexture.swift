import Foundation
import LoupeTensor

/// The procedural frost layer (docs/corruptions.md#frost-texture): plasma background plus hexagonal ice needles, coloured per photo style.
enum FrostTexture {
    /// Targets measured on the reference photographs (docs/corruptions.md#frost-texture table).
    struct Style {
        var probability: Double
        var mean: (Double, Double, Double)
        var std224: Double
        var std32: Double
        /// Needle density (seeds per 10,000 px at photo scale), needle length range (px), crystal share of the texture.
        var density: Double
        var length: ClosedRange<Double>
        var crystalShare: Double
    }

    static let styles: [Style] = [
        Style(probability: 0.2, mean: (77.7, 149.1, 165.7), std224: 16.0, std32: 14.7, density: 1.5, length: 10...30, crystalShare: 0.3),
        Style(probability: 0.4, mean: (200.8, 205.4, 214.5), std224: 20.0, std32: 18.1, density: 8, length: 6...18, crystalShare: 0.6),
        Style(probability: 0.2, mean: (137.6, 152.8, 165.2), std224: 26.2, std32: 25.9, density: 3, length: 20...60, crystalShare: 0.6),
        Style(probability: 0.2, mean: (112.4, 123.4, 134.8), std224: 35.0, std32: 34.9, density: 5, length: 25...70, crystalShare: 0.6),
    ]

    /// Draws a style with the reference probabilities (photo 2 = photo 3, hence 40 %).
    static func pickStyle(_ g: inout SeededGenerator) -> Style {
        var u = g.uniform()
        for style in styles {
            if u < style.probability { return style }
            u -= style.probability
        }
        return styles[1]
    }

    /// An H x W x 3 frost layer on 0...255 (`small`: the CIFAR 0.2x photo scale).
    static func make(style: Style, width w: Int, height h: Int, small: Bool, generator g: inout SeededGenerator) -> [Double] {
        let canvas = PlasmaFractal.powerOfTwo(atLeast: max(w, h) + 16)
        let scale = small ? 0.2 : 1.0
        var background = PlasmaFractal.make(size: canvas, decay: small ? 1.6 : 1.8, generator: &g)
        standardise(&background)
        var crystals = [Double](repeating: 0, count: canvas * canvas)
        let seeds = Int(style.density * Double(canvas * canvas) / 10_000 / (scale * scale) * scale * scale + 0.5)
        for _ in 0..<max(1, seeds) {
            let cx = g.uniform(0, Double(canvas)), cy = g.uniform(0, Double(canvas))
            let needles = g.integer(3, 7)
            let base = g.uniform(0, 2 * .pi)
            for n in 0..<needles {
                let angle = base + Double(n) * 2 * .pi / Double(needles) + g.uniform(-0.3, 0.3)
                let length = g.uniform(style.length.lowerBound, style.length.upperBound) * scale
                drawNeedle(&crystals, canvas, cx, cy, angle, length, 1, &g, branches: true)
            }
        }
        let blurred = GaussianFilter.apply(Plane(height: canvas, width: canvas, channels: 1, values: crystals), sigma: 0.7)
        crystals = blurred.values
        standardise(&crystals)
        let share = style.crystalShare
        var texture = (0..<(canvas * canvas)).map { (1 - share) * background[$0] + share * crystals[$0] }
        standardise(&texture)
        let std = small ? style.std32 : style.std224
        let top = g.integer(0, canvas - h), left = g.integer(0, canvas - w)
        var out = [Double](repeating: 0, count: w * h * 3)
        let means = [style.mean.0, style.mean.1, style.mean.2]
        for y in 0..<h {
            for x in 0..<w {
                let t = texture[(y + top) * canvas + x + left] * std
                for k in 0..<3 { out[(y * w + x) * 3 + k] = min(max(means[k] + t, 0), 255) }
            }
        }
        return out
    }

    /// Rasterises a needle (max compositing, wrapped on the torus) with side branches at ±60 degrees.
    static func drawNeedle(_ canvas: inout [Double], _ n: Int, _ x0: Double, _ y0: Double, _ angle: Double, _ length: Double,
                           _ intensity: Double, _ g: inout SeededGenerator, branches: Bool) {
        let steps = Int(length * 2) + 1
        let dx = cos(angle) * 0.5, dy = sin(angle) * 0.5
        for s in 0..<steps {
            let x = Int((x0 + Double(s) * dx).rounded(.down)), y = Int((y0 + Double(s) * dy).rounded(.down))
            let i = ((y % n + n) % n) * n + (x % n + n) % n
            canvas[i] = max(canvas[i], intensity)
        }
        guard branches, length > 4 else { return }
        var along = g.uniform(1.5, 4)
        while along < length * 0.85 {
            let remaining = (length - along) * 0.45
            let bx = x0 + cos(angle) * along, by = y0 + sin(angle) * along
            drawNeedle(&canvas, n, bx, by, angle + .pi / 3, remaining, intensity * 0.8, &g, branches: false)
            drawNeedle(&canvas, n, bx, by, angle - .pi / 3, remaining, intensity * 0.8, &g, branches: false)
            along += g.uniform(2, 5)
        }
    }

    /// Shifts to mean 0 and scales to standard deviation 1 (no-op on a constant array).
    static func standardise(_ v: inout [Double]) {
        let mean = v.reduce(0, +) / Double(v.count)
        var variance = 0.0
        for x in v { variance += (x - mean) * (x - mean) }
        let sd = (variance / Double(v.count)).squareRoot()
        for i in v.indices { v[i] = sd > 0 ? (v[i] - mean) / sd : 0 }
    }
}
