import LoupeTensor

/// Salt-and-pepper noise, independently per pixel and channel (docs/corruptions.md#impulse_noise).
public enum ImpulseNoise: UnitValueCorruption {
    public static let name = "impulse_noise"
    public static let isDeterministic = false
    public static let severities = SeverityTable<Double>(cifar: [0.01, 0.02, 0.03, 0.05, 0.07], imagenet: [0.03, 0.06, 0.09, 0.17, 0.27])

    public static func transform(_ x: inout [Double], row c: Double, generator: inout SeededGenerator) {
        for i in x.indices {
            let flip = generator.uniform() < c
            let salt = generator.uniform() < 0.5
            if flip { x[i] = salt ? 1 : 0 }
        }
    }
}
