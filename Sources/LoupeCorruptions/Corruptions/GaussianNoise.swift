import LoupeTensor

/// Additive Gaussian noise: x + N(0, c^2) per element (docs/corruptions.md#gaussian_noise).
public enum GaussianNoise: UnitValueCorruption {
    public static let name = "gaussian_noise"
    public static let isDeterministic = false
    public static let severities = SeverityTable<Double>(cifar: [0.04, 0.06, 0.08, 0.09, 0.10], imagenet: [0.08, 0.12, 0.18, 0.26, 0.38])

    public static func transform(_ x: inout [Double], row c: Double, generator: inout SeededGenerator) {
        for i in x.indices { x[i] += c * generator.normal() }
    }
}
