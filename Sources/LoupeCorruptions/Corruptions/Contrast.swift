import LoupeTensor

/// Contrast: (x - mean) c + mean with one mean per channel (docs/corruptions.md#contrast).
public enum Contrast: UnitValueCorruption {
    public static let name = "contrast"
    public static let isDeterministic = true
    public static let severities = SeverityTable<Double>(cifar: [0.75, 0.5, 0.4, 0.3, 0.15], imagenet: [0.4, 0.3, 0.2, 0.1, 0.05])

    public static func transform(_ x: inout [Double], row c: Double, generator: inout SeededGenerator) {
        var means = [0.0, 0.0, 0.0]
        for i in x.indices { means[i % 3] += x[i] }
        let pixels = Double(x.count / 3)
        for k in 0..<3 { means[k] /= pixels }
        for i in x.indices { x[i] = (x[i] - means[i % 3]) * c + means[i % 3] }
    }
}
