import LoupeData
import LoupeEngine
import LoupeTensor

/// Per-image feature rows of one layer for the sampled images.
struct EmbeddingFeatures {
    var layer: EmbeddingLayer
    /// Spatial average-pooling factor applied (1 = the layer's values as they are).
    var poolingFactor: Int
    /// Features per image after pooling.
    var dimension: Int
    /// `count × dimension` values, row-major, in sample order.
    var values: [Float]

    /// No rows yet for `layer`, pooled to at most `maxFeatures` features per image, with room for `capacity` rows.
    static func empty(layer: EmbeddingLayer, maxFeatures: Int, capacity: Int) -> EmbeddingFeatures {
        // A token layer's embedding is its class token: C features, no pooling.
        let factor = layer.classToken ? 1 : poolingFactor(shape: layer.mapShape, cap: maxFeatures)
        let dimension = layer.classToken ? layer.shape[1] : pooledCount(shape: layer.mapShape, factor: factor)
        var values = [Float]()
        values.reserveCapacity(capacity * dimension)
        return EmbeddingFeatures(layer: layer, poolingFactor: factor, dimension: dimension, values: values)
    }

    /// The smallest factor f such that `C · ⌈H/f⌉ · ⌈W/f⌉ ≤ cap` for a `[C, H, W]` value (1 when it already
    /// fits or the value is not a feature map; at most max(H, W), i.e. global average pooling).
    static func poolingFactor(shape: [Int], cap: Int) -> Int {
        guard shape.count == 3, shape.reduce(1, *) > cap else { return 1 }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        var f = 1
        while f < max(h, w) && c * ((h + f - 1) / f) * ((w + f - 1) / f) > cap { f += 1 }
        return f
    }

    /// Features per image after pooling a value of `shape` by `factor`.
    static func pooledCount(shape: [Int], factor: Int) -> Int {
        guard factor > 1, shape.count == 3 else { return shape.reduce(1, *) }
        return shape[0] * ((shape[1] + factor - 1) / factor) * ((shape[2] + factor - 1) / factor)
    }

    /// Appends one image's features (`source` holds its `[C, H, W]` values, or `[H, W, C]` when
    /// `channelsLast`; `shape` is `[C, H, W]` either way) averaged over f×f blocks (edge blocks
    /// average the positions they hold).
    static func appendPooled(_ source: UnsafeBufferPointer<Float>, shape: [Int], channelsLast: Bool = false, factor: Int,
                             to out: inout [Float]) {
        guard factor > 1, shape.count == 3 else {
            out.append(contentsOf: source)
            return
        }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let ph = (h + factor - 1) / factor, pw = (w + factor - 1) / factor
        for ch in 0..<c {
            for by in 0..<ph {
                for bx in 0..<pw {
                    var sum: Float = 0
                    var n = 0
                    for y in (by * factor)..<min(h, (by + 1) * factor) {
                        for x in (bx * factor)..<min(w, (bx + 1) * factor) {
                            sum += source[channelsLast ? (y * w + x) * c + ch : (ch * h + y) * w + x]
                            n += 1
                        }
                    }
                    out.append(n > 0 ? sum / Float(n) : 0)
                }
            }
        }
    }
}

extension EmbeddingsSection {
    /// A stratified, seeded sample of `count` indices (sorted): each class keeps its share of the
    /// dataset (largest-remainder rounding, ties to the lower class), drawn by a seeded shuffle within the class.
    static func stratifiedSample(labels: [Int], count: Int, generator: inout SeededGenerator) -> [Int] {
        guard count < labels.count else { return Array(labels.indices) }
        var byClass = [Int: [Int]]()
        for (index, label) in labels.enumerated() { byClass[label, default: []].append(index) }
        let classes = byClass.keys.sorted()
        let total = Double(labels.count)
        var quotas = [Int: Int]()
        var remainders = [(Double, Int)]()
        for label in classes {
            let exact = Double(count) * Double(byClass[label]?.count ?? 0) / total
            quotas[label] = Int(exact.rounded(.down))
            remainders.append((exact - exact.rounded(.down), label))
        }
        var missing = count - quotas.values.reduce(0, +)
        for (_, label) in remainders.sorted(by: { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }) where missing > 0 {
            quotas[label, default: 0] += 1
            missing -= 1
        }
        var chosen = [Int]()
        for label in classes {
            var members = byClass[label] ?? []
            if members.count > 1 {
                for i in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            }
            chosen += members.prefix(quotas[label] ?? 0)
        }
        return chosen.sorted()
    }

    /// One streamed pass over the sampled images with every layer tapped; keeps only the sampled rows
    /// (pooled to at most `options.maxFeatures` features per image).
    func gather(_ context: JobContext, layers: [EmbeddingLayer], indices: [Int]) throws -> [EmbeddingFeatures] {
        let model = context.model
        var features = layers.map { EmbeddingFeatures.empty(layer: $0, maxFeatures: options.maxFeatures, capacity: indices.count) }
        let taps = Set(layers.map(\.name).filter { $0 != model.primaryInputName })
        let size = max(1, context.job.batchSize)
        var done = 0
        for start in stride(from: 0, to: indices.count, by: size) {
            let chunk = Array(indices[start..<min(indices.count, start + size)])
            let (images, _) = try context.dataset.batch(chunk)
            let result = taps.isEmpty ? nil : try model.run(images, taps: taps)
            for l in features.indices {
                let layer = features[l].layer
                let value: Tensor
                if layer.name == model.primaryInputName {
                    value = images
                } else if let tapped = result?.taps[layer.name] {
                    value = tapped.asFloat
                } else {
                    throw LoupeError(.invalidModel, location: layer.name, "the value was not produced by the forward pass")
                }
                let per = layer.features
                guard value.shape.first == chunk.count, value.count == chunk.count * per else {
                    throw LoupeError(.invalidModel, location: layer.name,
                                     "expected \(chunk.count) x \(layer.shape) values, got shape \(value.shape)")
                }
                value.scalars.withUnsafeBufferPointer { all in
                    for i in 0..<chunk.count {
                        let row = UnsafeBufferPointer(rebasing: all[(i * per)..<((i + 1) * per)])
                        if layer.classToken { // token 0 of [1 + H·W, C]
                            features[l].values += row.prefix(layer.shape[1])
                            continue
                        }
                        EmbeddingFeatures.appendPooled(row, shape: layer.mapShape, channelsLast: layer.channelsLast,
                                                       factor: features[l].poolingFactor, to: &features[l].values)
                    }
                }
            }
            done += chunk.count
        }
        context.log("embeddings: gathered \(done) images over \(layers.count) layers")
        return features
    }
}
