import LoupeEngine
import LoupeTensor

/// What a feature visualisation maximises: one element of a model value per optimised image.
///
/// Row `r` of the optimised batch maximises element `elements[r]` of the value `value`, counted in
/// the value's per-sample layout (a class index for scores `[N, K]`; `channel·h·w + row·w + column`
/// for a feature map `[N, C, h, w]`).
public struct VisualisationObjective: Sendable, Equatable {
    /// The model value read (class scores, a feature map, a hidden vector).
    public var value: String
    /// The per-sample element each optimised image maximises.
    public var elements: [Int]

    public init(value: String, elements: [Int]) {
        self.value = value
        self.elements = elements
    }

    /// Class scores: one image per class index.
    public static func classes(_ classes: [Int], scoreValue: String) -> VisualisationObjective {
        VisualisationObjective(value: scoreValue, elements: classes)
    }

    /// Channels of a feature map `[C, h, w]`, each read at the centre position (deepvis default).
    public static func channelCentres(_ channels: [Int], value: String, shape: [Int]) -> VisualisationObjective {
        let (h, w) = shape.count == 3 ? (shape[1], shape[2]) : (1, 1)
        let centre = (h / 2) * w + w / 2
        return VisualisationObjective(value: value, elements: channels.map { $0 * h * w + centre })
    }

    /// Forward and reverse pass: the objective per row and its gradient with respect to the input.
    func evaluate(_ model: Model, inputName: String, images: Tensor) throws -> (values: [Float], gradient: Tensor) {
        var values = [Float](repeating: 0, count: elements.count)
        let elements = self.elements
        let result = try model.gradients([inputName: images], target: value, seed: { target in
            let perSample = target.shape.dropFirst().reduce(1, *)
            guard target.shape.first == elements.count else {
                throw LoupeError(.computation, location: self.value, "value of shape \(target.shape) for \(elements.count) images")
            }
            var seed = Tensor(shape: target.shape)
            for (row, element) in elements.enumerated() {
                guard element >= 0 && element < perSample else {
                    throw LoupeError(.invalidConfig, location: self.value, "unit \(element) is out of range 0..<\(perSample)")
                }
                seed.scalars[row * perSample + element] = 1
                values[row] = target.scalars[row * perSample + element]
            }
            return seed
        }, wrt: [inputName])
        guard let gradient = result.gradients[inputName] else {
            throw LoupeError(.computation, location: inputName, "no input gradient")
        }
        return (values, gradient)
    }
}

/// The space images are optimised in: mean-subtracted model input, with the valid value range per channel.
public struct VisualisationSpace: Sendable, Equatable {
    /// Per-sample input shape `[C, H, W]`.
    public var shape: [Int]
    /// Per-channel mean added back before the model sees the image (the "zero image" is the mean image).
    public var mean: [Float]
    /// Per-channel valid model-input range (nil: unbounded). Used by clamping regularisers.
    public var bounds: [ClosedRange<Float>]?

    public init(shape: [Int], mean: [Float]? = nil, bounds: [ClosedRange<Float>]? = nil) {
        self.shape = shape
        self.mean = mean ?? [Float](repeating: 0, count: shape.first ?? 1)
        self.bounds = bounds
    }

    var channels: Int { shape.count == 3 ? shape[0] : 1 }
    var plane: Int { shape.count == 3 ? shape[1] * shape[2] : shape.reduce(1, *) }

    /// A batch of model inputs from mean-subtracted images.
    func modelInput(_ x: Tensor) -> Tensor {
        var out = x
        let (c, p) = (channels, plane)
        out.scalars.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<buffer.count { buffer[i] += mean[(i / p) % c] }
        }
        return out
    }

    /// Mean-subtracted images clamped so that `x + mean` lies in the valid range (no-op when unbounded).
    func clamped(_ x: Tensor) -> Tensor {
        guard let bounds else { return x }
        var out = x
        let (c, p) = (channels, plane)
        out.scalars.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<buffer.count {
                let ch = (i / p) % c
                buffer[i] = min(max(buffer[i] + mean[ch], bounds[ch].lowerBound), bounds[ch].upperBound) - mean[ch]
            }
        }
        return out
    }

    /// The mean width of the valid range over channels (1 when unbounded): the unit of step sizes.
    var rangeWidth: Float {
        guard let bounds, !bounds.isEmpty else { return 1 }
        return bounds.map { $0.upperBound - $0.lowerBound }.reduce(0, +) / Float(bounds.count)
    }
}

/// What an optimisation produced, one row per optimised image.
public struct VisualisationResult: Sendable {
    /// Optimised model inputs (mean added back), `[N, C, H, W]`.
    public var images: Tensor
    /// The unit's value (class score or activation) for each returned image.
    public var finalValues: [Float]
    /// The full objective (value minus penalties, where the method has them) for each returned image.
    public var finalObjectives: [Float]
    /// The unit's value at the starting image.
    public var initialValues: [Float]
    /// Mean objective over rows after each iteration.
    public var history: [Float]
    /// Iterations run.
    public var iterations: Int
}
