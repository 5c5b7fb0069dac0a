import LoupeEngine
import LoupeTensor

/// Every attribution method Loupe implements, in the order the CLI, the report and the schema list them.
///
/// Adding a method:
/// 1. Write `Attribution/<Name>.swift` with `extension AttributionMethod { static let <name> = AttributionMethod(...) }`:
///    its CLI name, titles, `isCAM`, `inputRank`, where the report may use it, and its `attribute` closure.
/// 2. Add `.<name>` to `AttributionMethods.all` below. The CLI, the gradients gallery, the sanity checks,
///    `loupe bench` and `config.schema.json` (regenerate it: see `ConfigSchemaTests`) pick it up from here.
/// 3. Test it: a reference test (`AttributionReferenceTests`) or an invariant test of its own.
public enum AttributionMethods {
    /// The registry: one entry per method.
    public static let all: [AttributionMethod] = [
        .saliency,
        .inputXGradient,
        .smoothGrad,
        .smoothGradSquared,
        .varGrad,
        .integratedGradients,
        .guidedBackprop,
        .deconvnet,
        .gradCAM,
        .guidedGradCAM,
        .gradCAMPlusPlus,
        .layerCAM,
        .scoreCAM,
        .eigenCAM,
        .occlusion,
        .gradientTimesSign,
    ]

    /// Every method name, in registry order.
    public static var names: [String] { all.map(\.name) }

    /// The method called `name`, if there is one.
    public static func named(_ name: String) -> AttributionMethod? {
        all.first { $0.name == name }
    }

    /// Names of the methods that have `use` (e.g. those the gallery offers), in registry order.
    public static func names(with use: AttributionMethod.ReportUse) -> [String] {
        all.filter { $0.reportUse.contains(use) }.map(\.name)
    }
}

/// One attribution method: its name, titles, what it needs, where the report may use it, and how it computes.
public struct AttributionMethod: Sendable {
    /// Where the report may use a method (every method is available to `loupe attribute`).
    public struct ReportUse: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The gradients section's gallery accepts it in `methods`.
        public static let gallery = ReportUse(rawValue: 1)
        /// The gallery draws it when `methods` is not given.
        public static let galleryDefault = ReportUse(rawValue: 2)
        /// The sanity section can recompute it on randomised models.
        public static let sanity = ReportUse(rawValue: 4)
        /// The sanity section tests it when `methods` is not given.
        public static let sanityDefault = ReportUse(rawValue: 8)
    }

    /// The one spelling used by the CLI, the config and `summary.json` (e.g. `integrated-gradients`).
    public let name: String
    /// Column and legend title (e.g. "Integrated Gradients").
    public let title: String
    /// Title for narrow captions (e.g. "IG").
    public let shortTitle: String
    /// Whether the result is a class activation map (N x 1 x H x W in [0, 1]) rather than input-shaped.
    public let isCAM: Bool
    /// The input rank the method needs (4: N x C x H x W images), or nil when any rank works.
    public let inputRank: Int?
    /// True when the method runs the network many times per image (paths, noise draws, windows, channels);
    /// `loupe bench` times such methods one image at a time.
    public let runsManyPassesPerImage: Bool
    /// Where the report may use it.
    public let reportUse: ReportUse
    /// The settings used when a caller sets nothing (`loupe attribute` without options).
    public let defaults: AttributionSettings
    /// Computes the attribution of `images` (N x sample shape) for class `targets` (one per row).
    public let compute: @Sendable (Classifier, Tensor, [Int], AttributionSettings) throws -> AttributionResult
    /// One line on what was computed with these settings, and the settings worth recording (report and summary).
    public let describe: @Sendable (AttributionSettings, AttributionResult) -> AttributionDescription

    public init(name: String, title: String, shortTitle: String? = nil, isCAM: Bool = false, inputRank: Int? = nil,
                runsManyPassesPerImage: Bool = false, reportUse: ReportUse = [], defaults: AttributionSettings = AttributionSettings(),
                compute: @escaping @Sendable (Classifier, Tensor, [Int], AttributionSettings) throws -> AttributionResult,
                describe: @escaping @Sendable (AttributionSettings, AttributionResult) -> AttributionDescription) {
        self.name = name
        self.title = title
        self.shortTitle = shortTitle ?? title
        self.isCAM = isCAM
        self.inputRank = inputRank
        self.runsManyPassesPerImage = runsManyPassesPerImage
        self.reportUse = reportUse
        self.defaults = defaults
        self.compute = compute
        self.describe = describe
    }

    /// Runs the method on a batch with `settings` (start from `defaults` and change what the caller configures).
    public func attribute(_ classifier: Classifier, images: Tensor, targets: [Int],
                          settings: AttributionSettings) throws -> AttributionResult {
        if let rank = inputRank, images.rank != rank {
            throw LoupeError(.invalidInput, location: "shape", "\(name) needs rank-\(rank) input (N x C x H x W images), got \(images.shape)")
        }
        return try compute(classifier, images, targets, settings)
    }
}

/// Settings an attribution method may read; each method reads only its own and ignores the rest.
public struct AttributionSettings: Sendable {
    /// How NoiseTunnel methods draw their noise.
    public enum Noise: Sendable {
        /// σ in input units over the whole batch from one generator (nil: 0.15 × (max − min) of each image).
        case absolute(Float?)
        /// σ = fraction × (max − min) of each image, image `i` seeded with `seed &+ i` (the report's convention).
        case relativePerImage(Double)
        /// Given noise of shape samples x N x sample shape (to match a reference draw).
        case given(Tensor)
    }

    /// Integrated Gradients: path steps.
    public var steps = 50
    /// Integrated Gradients: quadrature rule.
    public var rule = IntegrationRule.gaussLegendre
    /// NoiseTunnel: noisy samples per image.
    public var samples = 50
    /// NoiseTunnel: the noise.
    public var noise = Noise.absolute(nil)
    /// Seed of every random draw.
    public var seed: UInt64 = 0
    /// Integrated Gradients and occlusion: the constant baseline value.
    public var baseline: Float = 0
    /// Occlusion: window per sample axis (nil: about an eighth of each spatial side over all channels).
    public var window: [Int]?
    /// Occlusion: stride per sample axis (nil: half the window).
    public var stride: [Int]?
    /// CAMs: the layer (nil: the last value with spatial extent).
    public var layer: String?
    /// Rows per internal forward/backward batch (path points, noisy copies, windows, channels).
    public var internalBatchSize = 32
    /// The plain input gradient for these images and targets when the caller already has it (reused, not recomputed).
    public var inputGradient: Tensor?

    public init() {}
}

/// What a method computed.
public struct AttributionResult: Sendable {
    /// Completeness error of Integrated Gradients per image: Σ IG − Δf and its size relative to |Δf|.
    public struct Completeness: Sendable {
        public var absolute: [Float]
        public var relative: [Float]
    }

    /// Input-shaped attribution; for a CAM the N x 1 x H x W map in [0, 1].
    public var attributions: Tensor
    /// CAMs: the layer and the unnormalised map at its resolution.
    public var cam: CAMResult?
    /// Integrated Gradients: the completeness error.
    public var completeness: Completeness?

    public init(_ attributions: Tensor, cam: CAMResult? = nil, completeness: Completeness? = nil) {
        self.attributions = attributions
        self.cam = cam
        self.completeness = completeness
    }
}

/// A method's one-line account of a run and the settings worth recording.
public struct AttributionDescription: Sendable {
    /// A recorded setting's value.
    public enum Value: Sendable, Equatable {
        case integer(Int), number(Double), text(String)
    }

    /// One line for the report (the target is the predicted class).
    public var text: String
    /// Named settings, in the order they are recorded.
    public var settings: [(String, Value)]

    public init(_ text: String, _ settings: [(String, Value)] = []) {
        self.text = text
        self.settings = settings
    }
}
