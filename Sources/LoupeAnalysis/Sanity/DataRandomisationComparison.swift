import Foundation
import LoupeEngine
import LoupeTensor

/// The comparison step of the data randomisation test (Adebayo et al. 2018): maps of the original model
/// and of the model retrained on shuffled labels (`ShuffledLabelTraining`), and how similar they are.
///
/// Both models explain the true class of the same images. Saliency maps are compared by the Spearman ρ
/// of their N-abs99 planes and the SSIM of the raw maps after N-01; Grad-CAM maps (N-cam) by the same
/// two scores. A per-image score is NaN when either map is empty (all zero or constant) and that image
/// is flagged in `saliencyEmpty` / `camEmpty`; means must leave it out.
public struct DataRandomisationComparison: Sendable {
    /// N-abs99 saliency of the original and of the retrained model, each `N x 1 x H x W`.
    public var saliency: [Tensor]
    /// Grad-CAM maps of the original and of the retrained model; nil without a spatial layer.
    public var cams: [Tensor]?
    /// Per image: Spearman ρ of the N-abs99 saliency planes.
    public var saliencySpearman: [Double]
    /// Per image: SSIM of the N-01 raw saliency maps (σ 1.5, 11×11 window, data range 2).
    public var saliencySSIM: [Double]
    /// Per image, when `cams` is given: Spearman ρ of the Grad-CAM maps.
    public var camSpearman: [Double]
    /// Per image, when `cams` is given: SSIM of the N-01 Grad-CAM maps.
    public var camSSIM: [Double]
    /// Per image: whether either saliency map was empty (`EmptyMaps`); its scores are then NaN.
    public var saliencyEmpty: [Bool] = []
    /// Per image, when `cams` is given: whether either Grad-CAM map was empty; its scores are then NaN.
    public var camEmpty: [Bool] = []

    /// Maps of both models on `images` (N x C x H x W) for the classes `labels`, and their similarity.
    public static func compare(original: Classifier, retrained: Classifier, images: Tensor, labels: [Int],
                               camLayer: String?) throws -> DataRandomisationComparison {
        let raw = [try GradientAttribution.saliency(original, images: images, targets: labels),
                   try GradientAttribution.saliency(retrained, images: images, targets: labels)]
        let cams = try camLayer.map { layer in
            [try ClassActivationMaps.attribute(original, images: images, targets: labels, method: .gradCAM, layer: layer).map,
             try ClassActivationMaps.attribute(retrained, images: images, targets: labels, method: .gradCAM, layer: layer).map]
        }
        let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
        let abs99 = try raw.map { try DisplayNormalisation.absPercentile($0) }
        var result = DataRandomisationComparison(saliency: abs99, cams: cams, saliencySpearman: [], saliencySSIM: [],
                                                 camSpearman: [], camSSIM: [])
        func plane(_ maps: Tensor, _ row: Int) -> [Float] {
            let size = maps.shape[2] * maps.shape[3]
            return Array(maps.scalars[(row * size)..<((row + 1) * size)])
        }
        for row in 0..<images.shape[0] {
            let full = c * h * w
            let a = Array(raw[0].scalars[(row * full)..<((row + 1) * full)]), b = Array(raw[1].scalars[(row * full)..<((row + 1) * full)])
            let saliencyEmpty = EmptyMaps.isEmpty(a) || EmptyMaps.isEmpty(b)
            result.saliencyEmpty.append(saliencyEmpty)
            result.saliencySpearman.append(saliencyEmpty ? .nan : MapSimilarity.spearman(plane(abs99[0], row), plane(abs99[1], row)) ?? .nan)
            result.saliencySSIM.append(saliencyEmpty ? .nan
                : MapSimilarity.ssim(MapSimilarity.minMax(a), MapSimilarity.minMax(b), channels: c, height: h, width: w) ?? .nan)
            if let cams {
                let ca = plane(cams[0], row), cb = plane(cams[1], row)
                let camEmpty = EmptyMaps.isEmpty(ca) || EmptyMaps.isEmpty(cb)
                result.camEmpty.append(camEmpty)
                result.camSpearman.append(camEmpty ? .nan : MapSimilarity.spearman(ca, cb) ?? .nan)
                result.camSSIM.append(camEmpty ? .nan
                    : MapSimilarity.ssim(MapSimilarity.minMax(ca), MapSimilarity.minMax(cb), channels: 1, height: h, width: w) ?? .nan)
            }
        }
        return result
    }
}
