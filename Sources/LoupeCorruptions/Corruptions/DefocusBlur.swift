import LoupeTensor

/// Defocus: correlation with the smoothed disk D(r, s), reflect-101 border (docs/corruptions.md#defocus_blur).
public enum DefocusBlur: TabulatedCorruption {
    public static let name = "defocus_blur"
    public static let isDeterministic = true
    public static let severities = SeverityTable<(Double, Double)>(cifar: [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)],
                                                            imagenet: [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)])

    public static func apply(_ image: RGBImage8, row: (Double, Double), profile: CorruptionProfile, generator: inout SeededGenerator) throws -> RGBImage8 {
        let (r, s) = row
        let (kernel, size) = DiskKernel.make(radius: r, smoothing: s)
        let plane = Plane(height: image.height, width: image.width, channels: 3, values: image.unitValues)
        let out = Correlation.apply(plane, kernel: kernel, size: size, mode: .reflect101)
        return .fromUnit(out.values, width: image.width, height: image.height)
    }
}
