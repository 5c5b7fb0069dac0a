import Foundation
import LoupeEngine
import LoupeTensor

/// The activation-map methods (docs/attribution.md#class-activation-maps).
public enum CAMMethod: String, Sendable, CaseIterable {
    case gradCAM = "grad-cam"
    case gradCAMPlusPlus = "grad-cam-plus-plus"
    case layerCAM = "layer-cam"
    case scoreCAM = "score-cam"
    case eigenCAM = "eigen-cam"
}

/// A class activation map at the layer's resolution and at the input's.
public struct CAMResult: Sendable {
    /// The value the map was computed on.
    public var layer: String
    /// Σ_k w_k A^k (or the element-wise / eigen variant) before ReLU, N x 1 x h x w, unnormalised.
    public var raw: Tensor
    /// ReLU → per-image min–max (ε = 1e-7) → bilinear resize → min–max again: N x 1 x H x W in [0, 1].
    public var map: Tensor
}

/// Grad-CAM and kin (pytorch-grad-cam's pipeline order: weights → sum → ReLU → normalise → resize).
public enum ClassActivationMaps {
    /// The last channels-first value of rank 4 with more than one spatial position (the last conv
    /// block's output); for a vision transformer (ViT or Swin), the last block's first
    /// LayerNormalization (`TokenGrid.defaultCAMLayer`).
    public static func defaultLayer(_ classifier: Classifier, sampleShape: [Int]) throws -> String {
        let plan = try classifier.model.plan(inputShapes: [classifier.inputName: [1] + sampleShape])
        let graph = classifier.model.graph
        if let tokens = TokenGrid.defaultCAMLayer(in: graph, plan: plan) { return tokens }
        for index in plan.runningNodeIndices.reversed() {
            for name in graph.nodes[index].outputs where !name.isEmpty {
                if let shape = plan.shape(of: name), shape.count == 4, shape[2] * shape[3] > 1,
                   !TokenGrid.isChannelsLast(name, in: graph, rank: 4) { return name }
            }
        }
        throw LoupeError(.invalidModel, file: graph.sourcePath, location: "graph",
                         "no value with spatial extent (rank 4, h·w > 1) for a class activation map")
    }

    /// Computes a CAM of `method` for each image on `layer` (nil: the default layer).
    public static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], method: CAMMethod,
                                 layer: String? = nil, scoreBatchSize: Int = 32) throws -> CAMResult {
        let layerName = try layer ?? defaultLayer(classifier, sampleShape: Array(images.shape.dropFirst()))
        let raw: Tensor
        switch method {
        case .gradCAM, .gradCAMPlusPlus, .layerCAM:
            let result = try classifier.gradients(images, targets: targets, wrt: [layerName], taps: [layerName])
            guard let activation = result.forward.taps[layerName]?.asFloat, let gradient = result.gradients[layerName] else {
                throw LoupeError(.computation, location: layerName, "layer activation was not captured")
            }
            let layout = tokenLayout(of: layerName, in: classifier, rank: activation.rank)
            raw = weightedSum(activation: try spatial(activation, layerName, layout: layout),
                              gradient: try spatial(gradient, layerName, layout: layout), method: method)
        case .scoreCAM:
            raw = try scoreCAM(classifier, images: images, targets: targets, layer: layerName, batchSize: scoreBatchSize)
        case .eigenCAM:
            let result = try classifier.model.run([classifier.inputName: images], taps: [layerName])
            guard let activation = result.taps[layerName]?.asFloat else {
                throw LoupeError(.computation, location: layerName, "layer activation was not captured")
            }
            let layout = tokenLayout(of: layerName, in: classifier, rank: activation.rank)
            raw = try EigenProjection.firstComponentMaps(try spatial(activation, layerName, layout: layout))
        }
        return CAMResult(layer: layerName, raw: raw, map: finish(raw, height: images.shape[2], width: images.shape[3]))
    }

    /// Guided Grad-CAM as Captum computes it: Guided Backprop × nearest-upsampled ReLU(raw Grad-CAM).
    public static func guidedGradCAM(_ classifier: Classifier, images: Tensor, targets: [Int], layer: String? = nil) throws -> Tensor {
        let cam = try attribute(classifier, images: images, targets: targets, method: .gradCAM, layer: layer)
        let guided = try GradientAttribution.guidedBackprop(classifier, images: images, targets: targets)
        let (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let (ch, cw) = (cam.raw.shape[2], cam.raw.shape[3])
        var out = guided
        for image in 0..<n {
            for y in 0..<h {
                let sy = min(ch - 1, y * ch / h)
                for x in 0..<w {
                    let sx = min(cw - 1, x * cw / w)
                    let weight = max(0, cam.raw.scalars[(image * ch + sy) * cw + sx])
                    for channel in 0..<c { out.scalars[((image * c + channel) * h + y) * w + x] *= weight }
                }
            }
        }
        return out
    }

    /// pytorch-grad-cam's order: ReLU, normalise per image, bilinear resize (align_corners = false)
    /// to the input size, clamp at 0, normalise again.
    static func finish(_ raw: Tensor, height: Int, width: Int) -> Tensor {
        var relu = raw
        for i in 0..<relu.count { relu.scalars[i] = max(0, relu.scalars[i]) }
        var resized = ImageFilters.resizeBilinear(ImageFilters.normaliseCAM(relu), height: height, width: width)
        for i in 0..<resized.count { resized.scalars[i] = max(0, resized.scalars[i]) }
        return ImageFilters.normaliseCAM(resized)
    }

    /// `.channelsLast` when the layer is a Swin-style `[N, H, W, C]` value (`TokenGrid.isChannelsLast`); nil otherwise.
    static func tokenLayout(of layer: String, in classifier: Classifier, rank: Int) -> TokenLayout? {
        TokenGrid.isChannelsLast(layer, in: classifier.model.graph, rank: rank) ? .channelsLast : nil
    }

    /// The value as an N x K x h x w map: rank 4 as it is, channels-last tokens with the channels
    /// moved first, ViT tokens as their patch grid (`TokenGrid`).
    static func spatial(_ activation: Tensor, _ layer: String, layout: TokenLayout?) throws -> Tensor {
        guard let map = try TokenGrid.spatial(activation, layout: layout) else {
            throw LoupeError(.invalidConfig, location: "--layer '\(layer)'",
                             "needs a rank-4 N x K x h x w value or N x (1 + h·w) x K tokens, got \(activation.shape)")
        }
        return map
    }

    /// Per-channel (Grad-CAM, Grad-CAM++) or per-position (LayerCAM) weights applied to the activations.
    static func weightedSum(activation a: Tensor, gradient g: Tensor, method: CAMMethod) -> Tensor {
        let (n, k, h, w) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
        let z = h * w
        var out = Tensor(shape: [n, 1, h, w])
        for image in 0..<n {
            for channel in 0..<k {
                let base = (image * k + channel) * z
                switch method {
                case .layerCAM:
                    for p in 0..<z { out.scalars[image * z + p] += max(0, g.scalars[base + p]) * a.scalars[base + p] }
                    continue
                case .gradCAMPlusPlus:
                    var activationSum: Float = 0
                    for p in 0..<z { activationSum += a.scalars[base + p] }
                    var weight: Float = 0
                    for p in 0..<z {
                        let gp = g.scalars[base + p]
                        guard gp != 0 else { continue }
                        let g2 = gp * gp
                        let alpha = g2 / (2 * g2 + activationSum * g2 * gp + 1e-6)
                        weight += alpha * max(gp, 0)
                    }
                    for p in 0..<z { out.scalars[image * z + p] += weight * a.scalars[base + p] }
                default:
                    var mean: Float = 0
                    for p in 0..<z { mean += g.scalars[base + p] }
                    mean /= Float(z)
                    for p in 0..<z { out.scalars[image * z + p] += mean * a.scalars[base + p] }
                }
            }
        }
        return out
    }

    /// Score-CAM: softmax over channels of the target score of the input masked by each upsampled channel.
    static func scoreCAM(_ classifier: Classifier, images: Tensor, targets: [Int], layer: String, batchSize: Int) throws -> Tensor {
        let result = try classifier.model.run([classifier.inputName: images], taps: [layer])
        guard let tapped = result.taps[layer]?.asFloat else {
            throw LoupeError(.computation, location: layer, "layer activation was not captured")
        }
        let activation = try spatial(tapped, layer, layout: tokenLayout(of: layer, in: classifier, rank: tapped.rank))
        let (n, k, h, w) = (activation.shape[0], activation.shape[1], activation.shape[2], activation.shape[3])
        let (c, height, width) = (images.shape[1], images.shape[2], images.shape[3])
        var out = Tensor(shape: [n, 1, h, w])
        for image in 0..<n {
            let maps = ImageFilters.resizeBilinear(activation.slice(batch: image..<(image + 1)).reshaped([k, 1, h, w]),
                                                   height: height, width: width, alignCorners: true)
            let x = images.slice(batch: image..<(image + 1))
            let plane = height * width
            var scores = [Float]()
            var start = 0
            while start < k {
                let chunk = min(max(1, batchSize), k - start)
                var masked = Tensor(shape: [chunk, c, height, width])
                for m in 0..<chunk {
                    let range = ((start + m) * plane)..<((start + m + 1) * plane)
                    let low = maps.scalars[range].min() ?? 0, high = maps.scalars[range].max() ?? 0
                    for p in 0..<plane {
                        let mask = (maps.scalars[range.lowerBound + p] - low) / (high - low + 1e-8)
                        for channel in 0..<c {
                            masked.scalars[(m * c + channel) * plane + p] = x.scalars[channel * plane + p] * mask
                        }
                    }
                }
                let logits = try classifier.scores(masked)
                scores += Classifier.targetScores(logits, targets: [Int](repeating: targets[image], count: chunk))
                start += chunk
            }
            let top = scores.max() ?? 0
            let exps = scores.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            for channel in 0..<k {
                let weight = exps[channel] / total
                for p in 0..<(h * w) { out.scalars[image * h * w + p] += weight * activation.scalars[(image * k + channel) * h * w + p] }
            }
        }
        return out
    }
}
