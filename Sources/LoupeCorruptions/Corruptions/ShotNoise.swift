import LoupeTensor

/// Poisson (shot) noise: Poisson(x c) / c per element (docs/corruptions.md#shot_noise).
public enum ShotNoise: UnitValueCorruption {
    public static let name = "shot_noise"
    public static let isDeterministic = false
    public static let severities = SeverityTable<Double>(cifar: [500, 250, 100, 75, 50], imagenet: [60, 25, 12, 5, 3])

    public static func transform(_ x: inout [Double], row c: Double, generator: inout SeededGenerator) {
        for i in x.indices { x[i] = generator.poisson(x[i] * c) / c }
    }
}
