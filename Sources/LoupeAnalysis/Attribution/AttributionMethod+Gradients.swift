import LoupeEngine
import LoupeTensor

/// Registry entries of the gradient methods, Integrated Gradients and occlusion.
extension AttributionMethod {
    /// The gallery's note on N-abs99 display maps.
    static let absolutePercentileNote = "N-abs99 (Σ|a| over channels, clipped at the 99th percentile)"

    /// The plain input gradient: the caller's copy when it has one, else computed.
    static func plainGradient(_ classifier: Classifier, _ images: Tensor, _ targets: [Int],
                              _ settings: AttributionSettings) throws -> Tensor {
        if let gradient = settings.inputGradient, gradient.shape == images.shape { return gradient }
        return try GradientAttribution.saliency(classifier, images: images, targets: targets)
    }

    /// Signed gradient of the target score with respect to the input.
    public static let saliency = AttributionMethod(
        name: "saliency", title: "Saliency", reportUse: [.gallery, .galleryDefault, .sanity, .sanityDefault],
        compute: { classifier, images, targets, settings in
            AttributionResult(try plainGradient(classifier, images, targets, settings))
        },
        describe: { _, _ in AttributionDescription("gradient of the predicted logit, " + absolutePercentileNote) })

    /// Input times gradient, signed.
    public static let inputXGradient = AttributionMethod(
        name: "input-x-gradient", title: "Input × Gradient", shortTitle: "Input×Grad",
        reportUse: [.gallery, .sanity, .sanityDefault],
        compute: { classifier, images, targets, settings in
            AttributionResult(GradientAttribution.multiply(images, try plainGradient(classifier, images, targets, settings)))
        },
        describe: { _, _ in AttributionDescription("input × gradient of the predicted logit") })

    /// Guided Backpropagation.
    public static let guidedBackprop = AttributionMethod(
        name: "guided-backprop", title: "Guided Backprop", shortTitle: "Guided BP",
        reportUse: [.gallery, .galleryDefault, .sanity, .sanityDefault],
        compute: { classifier, images, targets, _ in
            AttributionResult(try GradientAttribution.guidedBackprop(classifier, images: images, targets: targets))
        },
        describe: { _, _ in AttributionDescription("ReLU passes positive signals where its input was positive") })

    /// Deconvnet.
    public static let deconvnet = AttributionMethod(
        name: "deconvnet", title: "Deconvnet", reportUse: [.gallery, .sanity],
        compute: { classifier, images, targets, _ in
            AttributionResult(try GradientAttribution.deconvnet(classifier, images: images, targets: targets))
        },
        describe: { _, _ in AttributionDescription("ReLU passes positive signals") })

    /// Integrated Gradients from a constant baseline, with its completeness error.
    public static let integratedGradients = AttributionMethod(
        name: "integrated-gradients", title: "Integrated Gradients", shortTitle: "IG", runsManyPassesPerImage: true,
        reportUse: [.gallery, .galleryDefault, .sanity, .sanityDefault],
        compute: { classifier, images, targets, settings in
            let ig = try IntegratedGradients.attribute(classifier, images: images, targets: targets, steps: settings.steps,
                                                       rule: settings.rule, baseline: .constant(settings.baseline),
                                                       internalBatchSize: settings.internalBatchSize)
            return AttributionResult(ig.attributions, completeness: .init(absolute: ig.delta, relative: ig.relativeDelta))
        },
        describe: { settings, _ in
            let rule = settings.rule == .gaussLegendre ? "Gauss–Legendre" : settings.rule.rawValue
            let baseline = settings.baseline == 0 ? "zero" : "constant \(settings.baseline)"
            return AttributionDescription(
                "\(settings.steps) \(rule) steps from the \(baseline) baseline; δ = completeness error |Σ IG − Δf| / |Δf|",
                [("steps", .integer(settings.steps)), ("baseline", .text(baseline))])
        })

    /// Occlusion: the drop of the target score when a window is replaced by the baseline.
    public static let occlusion = AttributionMethod(
        name: "occlusion", title: "Occlusion", runsManyPassesPerImage: true, reportUse: [.gallery, .galleryDefault, .sanity],
        compute: { classifier, images, targets, settings in
            let sample = Array(images.shape.dropFirst())
            let window = settings.window ?? occlusionWindow(sample)
            return AttributionResult(try Occlusion.attribute(classifier, images: images, targets: targets, window: window,
                                                             stride: settings.stride ?? window.map { max(1, $0 / 2) },
                                                             baseline: settings.baseline, batchSize: settings.internalBatchSize))
        },
        describe: { settings, _ in
            let window = settings.window?.last ?? 0, stride = settings.stride?.last ?? max(1, window / 2)
            let fill = settings.baseline == 0 ? "zeros" : "\(settings.baseline)"
            return AttributionDescription("\(window)×\(window) px window of \(fill), stride \(stride), drop of the predicted logit",
                                          [("window", .integer(window)), ("stride", .integer(stride)),
                                           ("baseline", .number(Double(settings.baseline)))])
        })

    /// The default occlusion window: about an eighth of each spatial side, over all channels of an image.
    public static func occlusionWindow(_ sample: [Int]) -> [Int] {
        sample.enumerated().map { axis, size in axis == 0 && sample.count == 3 ? size : max(1, size / 8) }
    }
}
