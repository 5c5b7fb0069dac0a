import LoupeEngine
import LoupeTensor

/// Registry entries of the NoiseTunnel methods (SmoothGrad, SmoothGrad², VarGrad).
extension AttributionMethod {
    /// A NoiseTunnel entry of `kind`.
    static func noiseTunnel(_ kind: NoiseTunnelKind, title: String, reportUse: ReportUse) -> AttributionMethod {
        AttributionMethod(
            name: kind.rawValue, title: title, runsManyPassesPerImage: true, reportUse: reportUse,
            compute: { classifier, images, targets, settings in
                switch settings.noise {
                case .absolute(let sigma):
                    return AttributionResult(try NoiseTunnel.attribute(classifier, images: images, targets: targets, kind: kind,
                                                                       samples: settings.samples, standardDeviation: sigma,
                                                                       seed: settings.seed, batchSize: settings.internalBatchSize))
                case .relativePerImage(let fraction):
                    return AttributionResult(try NoiseTunnel.perImage(classifier, images: images, targets: targets, kind: kind,
                                                                      samples: settings.samples, relativeNoise: Float(fraction),
                                                                      seed: settings.seed))
                case .given(let noise):
                    return AttributionResult(try NoiseTunnel.attribute(classifier, images: images, targets: targets, kind: kind,
                                                                       noise: noise, batchSize: settings.internalBatchSize))
                }
            },
            describe: { settings, _ in
                switch settings.noise {
                case .relativePerImage(let fraction):
                    return AttributionDescription(
                        "\(settings.samples) samples, σ = \(fraction) × (max − min) per image, signed gradients, seed \(settings.seed % 100_000)",
                        [("samples", .integer(settings.samples)), ("noise_fraction", .number(fraction))])
                case .absolute(let sigma):
                    let noise = sigma.map { "σ = \($0)" } ?? "σ = 0.15 × (max − min) per image"
                    return AttributionDescription("\(settings.samples) samples, \(noise), signed gradients, seed \(settings.seed % 100_000)",
                                                  [("samples", .integer(settings.samples))])
                case .given(let noise):
                    return AttributionDescription("\(noise.shape.first ?? 0) given noise samples, signed gradients")
                }
            })
    }

    /// SmoothGrad: the mean gradient over noisy copies.
    public static let smoothGrad = noiseTunnel(.smoothGrad, title: "SmoothGrad",
                                               reportUse: [.gallery, .galleryDefault, .sanity, .sanityDefault])
    /// SmoothGrad²: the mean squared gradient over noisy copies.
    public static let smoothGradSquared = noiseTunnel(.smoothGradSquared, title: "SmoothGrad²", reportUse: [])
    /// VarGrad: the variance of the gradient over noisy copies.
    public static let varGrad = noiseTunnel(.varGrad, title: "VarGrad", reportUse: [])
}
