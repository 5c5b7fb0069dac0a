import LoupeTensor

/// Fog: add a plasma fractal and renormalise by the image maximum (docs/corruptions.md#fog).
public enum Fog: TabulatedCorruption {
    public static let name = "fog"
    public static let isDeterministic = false
    public static let severities = SeverityTable<(Double, Double)>(cifar: [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)],
                                                            imagenet: [(1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4)])

    public static func apply(_ image: RGBImage8, row: (Double, Double), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (a, d) = row
        let w = image.width, h = image.height
        // Map size: 32 (CIFAR), 256 (ImageNet 224), else the next power of two covering the image.
        let n = profile == .cifar && w <= 32 && h <= 32 ? 32 : (w == 224 && h == 224 ? 256 : PlasmaFractal.powerOfTwo(atLeast: max(w, h)))
        let map = PlasmaFractal.make(size: n, decay: d, generator: &generator)
        var x = image.unitValues
        let m = x.max() ?? 1
        for y in 0..<h {
            for col in 0..<w {
                let add = a * map[y * n + col]
                for k in 0..<3 {
                    let i = (y * w + col) * 3 + k
                    x[i] = (x[i] + add) * m / (m + a)
                }
            }
        }
        return .fromUnit(x, width: w, height: h)
    }
}
