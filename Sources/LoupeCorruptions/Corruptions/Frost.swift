import LoupeTensor

/// Frost: blend with a frost texture, clip(a u + f F) on 0...255 (docs/corruptions.md#frost), with the procedural texture of docs/corruptions.md#frost-texture.
public enum Frost: TabulatedCorruption {
    public static let name = "frost"
    public static let isDeterministic = false
    public static let deviations = [
        "frost (procedural substitute — not comparable to ImageNet-C/CIFAR-10-C frost): the reference frost photographs are not shipped; "
            + "a synthetic ice texture with the photographs' colour, contrast and style probabilities replaces them",
    ]
    public static let severities = SeverityTable<(Double, Double)>(cifar: [(1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)],
                                                            imagenet: [(1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)])

    public static func apply(_ image: RGBImage8, row: (Double, Double), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (a, f) = row
        let w = image.width, h = image.height
        let style = FrostTexture.pickStyle(&generator)
        let texture = FrostTexture.make(style: style, width: w, height: h, small: profile == .cifar, generator: &generator)
        var out = [Double](repeating: 0, count: image.bytes.count)
        for i in out.indices { out[i] = a * Double(image.bytes[i]) + f * texture[i] }
        return .fromByteScale(out, width: w, height: h)
    }
}
