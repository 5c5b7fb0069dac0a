import LoupeTensor

/// Snow: a zoomed, thresholded, motion-blurred flake layer added twice over a whitened scene (docs/corruptions.md#snow).
public enum Snow: TabulatedCorruption {
    public static let name = "snow"
    public static let isDeterministic = false
    public static let deviations = [
        "snow: the flake layer is blurred with a re-implementation of ImageMagick's motion-blur kernel instead of ImageMagick itself (within 2 grey levels)",
        "snow: away from 224x224 the ImageNet profile follows imagecorruptions 1.1.2 (whole zoomed layer blurred in float, cropped from the top-left)",
    ]
    public typealias Row = (mean: Double, sd: Double, zoom: Double, threshold: Double, radius: Int, sigma: Double, blend: Double)
    public static let severities = SeverityTable<Row>(
        cifar: [(0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
               (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)],
        imagenet: [(0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
                  (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)])

    public static func apply(_ image: RGBImage8, row c: Row, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let w = image.width, h = image.height, count = w * h
        var field = [Float](repeating: 0, count: count)
        for i in 0..<count { field[i] = Float(generator.normal(mean: c.mean, sd: c.sd)) }
        let layer: [Double]
        if profile == .imagenet && !(w == 224 && h == 224) {
            layer = genericLayer(field, height: h, width: w, row: c, generator: &generator)
        } else {
            field = ClippedZoom.apply(field, height: h, width: w, channels: 1, zoom: c.zoom)
            // Threshold, clip, quantise to 8 bit by truncation (the reference's PNG hand-off to ImageMagick).
            let quantised = field.map { v -> Double in
                let t = v < Float(c.threshold) ? 0 : min(max(v, 0), 1)
                return Double(UInt8(t * 255))
            }
            let angle = generator.uniform(-135, -45)
            let blurred = Correlation.motionBlur(Plane(height: h, width: w, channels: 1, values: quantised),
                                                 radius: c.radius, sigma: c.sigma, angleDegrees: angle)
            // ImageMagick writes 8-bit output (rounded), read back and divided by 255.
            layer = blurred.values.map { (min(max($0, 0), 255)).rounded() / 255 }
        }
        let x = image.unitFloats
        var out = [Double](repeating: 0, count: x.count)
        let b = Float(c.blend)
        for p in 0..<count {
            let r = x[3 * p], g = x[3 * p + 1], bl = x[3 * p + 2]
            let grey = 0.299 * r + 0.587 * g + 0.114 * bl
            let lift = grey * 1.5 + 0.5
            let flakes = layer[p] + layer[count - 1 - p]
            for k in 0..<3 {
                let v = x[3 * p + k]
                out[3 * p + k] = Double(b * v + (1 - b) * max(v, lift)) + flakes
            }
        }
        return .fromUnit(out, width: w, height: h)
    }

    /// `imagecorruptions` 1.1.2 (ImageNet profile away from 224x224): the zoomed field keeps its full size, is
    /// blurred in float, rounded to 8 bit, and cropped to the image from the top-left corner.
    static func genericLayer(_ field: [Float], height h: Int, width w: Int, row c: Row, generator: inout SeededGenerator) -> [Double] {
        let zoomed = ClippedZoom.untrimmed(field, height: h, width: w, zoom: c.zoom)
        let values = zoomed.values.map { v -> Double in Double(v < Float(c.threshold) ? 0 : min(max(v, 0), 1)) * 255 }
        let angle = generator.uniform(-135, -45)
        let blurred = Correlation.motionBlur(Plane(height: zoomed.height, width: zoomed.width, channels: 1, values: values),
                                             radius: c.radius, sigma: c.sigma, angleDegrees: angle)
        var layer = [Double](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w { layer[y * w + x] = (min(max(blurred.values[y * zoomed.width + x], 0), 255)).rounded() / 255 }
        }
        return layer
    }
}
