import LoupeTensor

/// Pixelate: Pillow BOX down to floor(size c), BOX back up (docs/corruptions.md#pixelate).
public enum Pixelate: TabulatedCorruption {
    public static let name = "pixelate"
    public static let isDeterministic = true
    public static let severities = SeverityTable<Double>(cifar: [0.95, 0.9, 0.85, 0.75, 0.65], imagenet: [0.6, 0.5, 0.4, 0.3, 0.25])

    public static func apply(_ image: RGBImage8, row c: Double, profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let w = image.width, h = image.height
        let sw = max(1, Int(Double(w) * c)), sh = max(1, Int(Double(h) * c))
        let small = PillowBox.resize(image.bytes, width: w, height: h, to: sw, sh)
        return RGBImage8(unchecked: w, h, PillowBox.resize(small, width: sw, height: sh, to: w, h))
    }
}
