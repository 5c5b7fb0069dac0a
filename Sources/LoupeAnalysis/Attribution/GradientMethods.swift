import LoupeEngine
import LoupeTensor

/// Gradient attributions: saliency, input × gradient, Guided Backprop, Deconvnet (docs/attribution.md#saliency, #input-x-gradient, #guided-backpropagation, #deconvnet).
public enum GradientAttribution {
    /// Signed gradient of the target score with respect to the input (Simonyan et al. 2013).
    public static func saliency(_ classifier: Classifier, images: Tensor, targets: [Int]) throws -> Tensor {
        try inputGradient(classifier, images: images, targets: targets, rule: .standard)
    }

    /// Input times gradient, signed.
    public static func inputTimesGradient(_ classifier: Classifier, images: Tensor, targets: [Int]) throws -> Tensor {
        let gradient = try saliency(classifier, images: images, targets: targets)
        return multiply(images, gradient)
    }

    /// Guided Backpropagation: ReLU passes only positive signals where its input was positive.
    public static func guidedBackprop(_ classifier: Classifier, images: Tensor, targets: [Int]) throws -> Tensor {
        try inputGradient(classifier, images: images, targets: targets, rule: .guided)
    }

    /// Deconvnet: ReLU passes positive signals regardless of its forward input.
    public static func deconvnet(_ classifier: Classifier, images: Tensor, targets: [Int]) throws -> Tensor {
        try inputGradient(classifier, images: images, targets: targets, rule: .deconvnet)
    }

    /// The input gradient under a ReLU rule.
    static func inputGradient(_ classifier: Classifier, images: Tensor, targets: [Int], rule: ReluRule) throws -> Tensor {
        let result = try classifier.gradients(images, targets: targets, reluRule: rule)
        return result.gradients[classifier.inputName] ?? Tensor(shape: images.shape)
    }

    /// Elementwise product of two same-shaped tensors.
    static func multiply(_ a: Tensor, _ b: Tensor) -> Tensor {
        var out = a
        for i in 0..<out.count { out.scalars[i] *= b.scalars[i] }
        return out
    }
}

/// Which statistic NoiseTunnel takes over the noisy samples (docs/attribution.md#smoothgrad).
public enum NoiseTunnelKind: String, Sendable, CaseIterable {
    case smoothGrad = "smoothgrad"
    case smoothGradSquared = "smoothgrad-sq"
    case varGrad = "vargrad"
}

/// SmoothGrad, SmoothGrad² and VarGrad over signed saliency, with seeded Gaussian noise.
public enum NoiseTunnel {
    /// Averages (or squares, or takes the variance of) gradients at `samples` noisy copies of each image.
    ///
    /// `standardDeviation` is absolute, in input units; nil means 0.15 × (max − min) of each image
    /// (the report default). Noisy copies are evaluated in batches of at most `batchSize` rows.
    public static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], kind: NoiseTunnelKind,
                                 samples: Int = 50, standardDeviation: Float? = nil, seed: UInt64 = 0,
                                 batchSize: Int = 32) throws -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return try attribute(classifier, images: images, targets: targets, kind: kind, samples: samples, batchSize: batchSize) {
            image, row in
            let sigma = standardDeviation ?? 0.15 * ((row.max() ?? 0) - (row.min() ?? 0))
            return row.map { $0 + Float(generator.normal()) * sigma }
        }
    }

    /// NoiseTunnel image by image: σ = `relativeNoise` × (max − min) of each image, image `i` seeded with `seed &+ i`.
    ///
    /// The report's convention (gallery and sanity checks): each image's map depends only on that image and the seed.
    public static func perImage(_ classifier: Classifier, images: Tensor, targets: [Int], kind: NoiseTunnelKind,
                                samples: Int, relativeNoise: Float, seed: UInt64) throws -> Tensor {
        var parts = [Tensor]()
        for row in 0..<images.shape[0] {
            let x = images.slice(batch: row..<(row + 1))
            let range = (x.scalars.max() ?? 0) - (x.scalars.min() ?? 0)
            parts.append(try attribute(classifier, images: x, targets: [targets[row]], kind: kind, samples: samples,
                                       standardDeviation: relativeNoise * range, seed: seed &+ UInt64(row)))
        }
        return Tensor.stacking(batches: parts)
    }

    /// NoiseTunnel with caller-supplied noise of shape samples x N x sample shape (to match a reference draw).
    public static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], kind: NoiseTunnelKind,
                                 noise: Tensor, batchSize: Int = 32) throws -> Tensor {
        let n = images.shape[0], rowSize = images.count / max(n, 1)
        guard noise.rank >= 2, noise.shape[1] == n, noise.count == noise.shape[0] * images.count else {
            throw LoupeError(.invalidInput, location: "noise", "expected samples x \(images.shape), got \(noise.shape)")
        }
        let samples = noise.shape[0]
        var drawn = [Int](repeating: 0, count: n)
        return try attribute(classifier, images: images, targets: targets, kind: kind, samples: samples, batchSize: batchSize) {
            image, row in
            let s = drawn[image]
            drawn[image] += 1
            let base = (s * n + image) * rowSize
            return (0..<rowSize).map { row[$0] + noise.scalars[base + $0] }
        }
    }

    /// The shared loop: `noisyCopy(image, row)` returns the next noisy copy of an image's scalars.
    static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], kind: NoiseTunnelKind, samples: Int,
                          batchSize: Int, noisyCopy: (Int, [Float]) -> [Float]) throws -> Tensor {
        guard samples > 0 else { throw LoupeError(.invalidConfig, location: "--samples", "must be positive, got \(samples)") }
        let n = images.shape[0]
        let rowSize = images.count / max(n, 1)
        var result = Tensor(shape: images.shape)
        for image in 0..<n {
            let row = Array(images.scalars[(image * rowSize)..<((image + 1) * rowSize)])
            var sum = [Double](repeating: 0, count: rowSize)
            var sumSquares = [Double](repeating: 0, count: rowSize)
            var done = 0
            while done < samples {
                let chunk = min(batchSize, samples - done)
                var noisy = Tensor(shape: [chunk] + Array(images.shape.dropFirst()))
                for s in 0..<chunk {
                    noisy.scalars.replaceSubrange((s * rowSize)..<((s + 1) * rowSize), with: noisyCopy(image, row))
                }
                let gradient = try GradientAttribution.saliency(classifier, images: noisy,
                                                                 targets: [Int](repeating: targets[image], count: chunk))
                for s in 0..<chunk {
                    for i in 0..<rowSize {
                        let g = Double(gradient.scalars[s * rowSize + i])
                        sum[i] += g
                        sumSquares[i] += g * g
                    }
                }
                done += chunk
            }
            for i in 0..<rowSize {
                let mean = sum[i] / Double(samples)
                let meanSquare = sumSquares[i] / Double(samples)
                let value: Double
                switch kind {
                case .smoothGrad: value = mean
                case .smoothGradSquared: value = meanSquare
                case .varGrad: value = max(0, meanSquare - mean * mean)
                }
                result.scalars[image * rowSize + i] = Float(value)
            }
        }
        return result
    }
}
