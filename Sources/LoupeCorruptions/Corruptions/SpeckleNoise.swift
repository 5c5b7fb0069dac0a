import LoupeTensor

/// Multiplicative noise: x + x N(0, c^2) per element (docs/corruptions.md#speckle_noise).
public enum SpeckleNoise: UnitValueCorruption {
    public static let name = "speckle_noise"
    public static let isDeterministic = false
    public static let severities = SeverityTable<Double>(cifar: [0.06, 0.1, 0.12, 0.16, 0.2], imagenet: [0.15, 0.2, 0.35, 0.45, 0.6])

    public static func transform(_ x: inout [Double], row c: Double, generator: inout SeededGenerator) {
        for i in x.indices { x[i] += x[i] * c * generator.normal() }
    }
}
