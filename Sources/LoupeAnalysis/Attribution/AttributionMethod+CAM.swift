import LoupeEngine
import LoupeTensor

/// Registry entries of the class activation maps and Guided Grad-CAM.
extension AttributionMethod {
    /// A CAM entry of `kind`: the result is the N x 1 x H x W map; `cam` keeps the layer and the raw map.
    static func classActivationMap(_ kind: CAMMethod, title: String, runsManyPassesPerImage: Bool = false,
                                   reportUse: ReportUse) -> AttributionMethod {
        AttributionMethod(
            name: kind.rawValue, title: title, isCAM: true, inputRank: 4, runsManyPassesPerImage: runsManyPassesPerImage,
            reportUse: reportUse,
            compute: { classifier, images, targets, settings in
                let cam = try ClassActivationMaps.attribute(classifier, images: images, targets: targets, method: kind,
                                                            layer: settings.layer, scoreBatchSize: settings.internalBatchSize)
                return AttributionResult(cam.map, cam: cam)
            },
            describe: { _, result in
                guard let cam = result.cam, cam.raw.rank == 4 else { return AttributionDescription("class activation map") }
                let size = "\(cam.raw.shape[2])×\(cam.raw.shape[3])"
                return AttributionDescription("layer \(cam.layer) (\(size))", [("layer", .text(cam.layer)), ("layer_size", .text(size))])
            })
    }

    /// Grad-CAM.
    public static let gradCAM = classActivationMap(.gradCAM, title: "Grad-CAM",
                                                   reportUse: [.gallery, .galleryDefault, .sanity, .sanityDefault])
    /// Grad-CAM++.
    public static let gradCAMPlusPlus = classActivationMap(.gradCAMPlusPlus, title: "Grad-CAM++", reportUse: [.gallery, .sanity])
    /// LayerCAM.
    public static let layerCAM = classActivationMap(.layerCAM, title: "LayerCAM", reportUse: [])
    /// Score-CAM (one forward pass per channel of the layer).
    public static let scoreCAM = classActivationMap(.scoreCAM, title: "Score-CAM", runsManyPassesPerImage: true, reportUse: [.gallery])
    /// Eigen-CAM.
    public static let eigenCAM = classActivationMap(.eigenCAM, title: "Eigen-CAM", reportUse: [])

    /// Guided Grad-CAM: Guided Backprop times the upsampled Grad-CAM (input-shaped, not a CAM).
    public static let guidedGradCAM = AttributionMethod(
        name: "guided-grad-cam", title: "Guided Grad-CAM", shortTitle: "Guided GC", inputRank: 4, reportUse: [.sanity],
        compute: { classifier, images, targets, settings in
            AttributionResult(try ClassActivationMaps.guidedGradCAM(classifier, images: images, targets: targets, layer: settings.layer))
        },
        describe: { settings, _ in AttributionDescription("Guided Backprop × Grad-CAM" + (settings.layer.map { " at \($0)" } ?? "")) })
}
