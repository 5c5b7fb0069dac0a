import LoupeTensor

/// How a layer's outputs are bounded, which decides what "saturated" means.
public enum ActivationKind: String, Sendable {
    /// ReLU-like (≥ 0, unbounded above): saturated = positive at every position of every image (acts linearly).
    case rectified
    /// Sigmoid-like (0...1): saturated = more than 95% of values within 0.01 of 0 or 1.
    case sigmoid
    /// Tanh-like (−1...1): saturated = more than 95% of values with |a| > 0.99.
    case tanh
    /// Anything else (conv output, pooling of signed values): saturated = positive everywhere, as for ReLU.
    case linear

    /// The kind of the value produced by an ONNX op type.
    public static func of(opType: String) -> ActivationKind {
        switch opType {
        case "Relu", "Relu6", "Clip", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu", "HardSwish", "Softplus": return .rectified
        case "Sigmoid", "HardSigmoid": return .sigmoid
        case "Tanh": return .tanh
        default: return .linear
        }
    }
}

/// Per-channel statistics of an `N x C x H x W` activation streamed over a dataset.
///
/// Definitions: mean over all images and positions; zero fraction = values exactly 0; a channel is
/// **dead** when its maximum over every image and position is ≤ 0 (docs/feature-visualisation.md#activation-statistics); **saturated** as in `ActivationKind`.
public struct ChannelStatistics: Sendable {
    public let channels: Int
    public let kind: ActivationKind
    public internal(set) var images = 0
    public internal(set) var positions = 0
    var sums: [Double]
    var zeros: [Int]
    var positives: [Int]
    var nearBound: [Int]
    public internal(set) var maxima: [Float]

    public init(channels: Int, kind: ActivationKind) {
        self.channels = channels
        self.kind = kind
        sums = [Double](repeating: 0, count: channels)
        zeros = [Int](repeating: 0, count: channels)
        positives = [Int](repeating: 0, count: channels)
        nearBound = [Int](repeating: 0, count: channels)
        maxima = [Float](repeating: -.infinity, count: channels)
    }

    /// Adds a batch `[N, C, H, W]` (or `[N, C]`).
    public mutating func add(_ batch: Tensor) throws {
        guard batch.rank >= 2, batch.shape[1] == channels else {
            throw LoupeError(.invalidInput, "activation \(batch.shape) does not have \(channels) channels")
        }
        let n = batch.shape[0], plane = batch.shape.dropFirst(2).reduce(1, *)
        let kind = self.kind
        batch.scalars.withUnsafeBufferPointer { src in
            for i in 0..<n {
                for c in 0..<channels {
                    let base = (i * channels + c) * plane
                    var sum = 0.0, zero = 0, positive = 0, bound = 0, top = maxima[c]
                    for p in 0..<plane {
                        let v = src[base + p]
                        sum += Double(v)
                        if v == 0 { zero += 1 } else if v > 0 { positive += 1 }
                        if v > top { top = v }
                        switch kind {
                        case .sigmoid: if v < 0.01 || v > 0.99 { bound += 1 }
                        case .tanh: if abs(v) > 0.99 { bound += 1 }
                        default: break
                        }
                    }
                    sums[c] += sum; zeros[c] += zero; positives[c] += positive; nearBound[c] += bound; maxima[c] = top
                }
            }
        }
        images += n
        positions += n * plane
    }

    /// Mean activation per channel.
    public var means: [Double] { sums.map { positions > 0 ? $0 / Double(positions) : .nan } }
    /// Fraction of exact zeros per channel.
    public var zeroFractions: [Double] { zeros.map { positions > 0 ? Double($0) / Double(positions) : .nan } }
    /// Fraction of positive values per channel.
    public var positiveFractions: [Double] { positives.map { positions > 0 ? Double($0) / Double(positions) : .nan } }
    /// Channels never above 0.
    public var dead: [Bool] { maxima.map { !($0 > 0) } }
    /// Channels saturated in the sense of `kind`.
    public var saturated: [Bool] {
        (0..<channels).map { c in
            guard positions > 0 else { return false }
            switch kind {
            case .sigmoid, .tanh: return Double(nearBound[c]) > 0.95 * Double(positions)
            case .rectified, .linear: return positives[c] == positions
            }
        }
    }
    /// Layer mean (all channels), fraction of zeros, dead and saturated counts.
    public var layerMean: Double { positions > 0 ? sums.reduce(0, +) / Double(positions * channels) : .nan }
    public var layerZeroFraction: Double { positions > 0 ? Double(zeros.reduce(0, +)) / Double(positions * channels) : .nan }
}
