import LoupeAnalysis
import LoupeEngine
import LoupeReport
import LoupeTensor

/// Options of the weights pages (defaults used when the config gives none).
public struct WeightsOptions: Sendable, Equatable {
    /// First-layer filters drawn (the rest are counted in the caption).
    public var maxFirstLayerFilters = 64
    /// Deeper convolutions: output channels (columns) and input channels (rows) shown per layer.
    public var deeperOutputs = 16
    public var deeperInputs = 8
    /// Deeper convolutions drawn (evenly spaced, first and last kept).
    public var maxDeeperLayers = 4
    /// Fully connected units drawn as templates.
    public var maxTemplates = 32
    /// Layers with a histogram, and rows of the statistics table.
    public var maxHistograms = 12
    public var maxTableRows = 64
    /// Also draw the first-layer filters on one shared scale.
    public var sharedScale = true
    /// Histograms with a logarithmic count axis (log(1 + count)), which shows the thin tails next to a tall peak.
    public var logHistograms = false
    /// A layer is flagged as sparse when more than this share of its weights is near zero (|w| < 10⁻³ · max|w|).
    public var sparseShare = 0.5
    public init() {}
}

/// The weights section: first-layer filters, deeper kernels, image templates of a fully connected
/// layer, and per-layer statistics with histograms.
public struct WeightsSection: ReportSection {
    public static let name = "weights"
    public var options = WeightsOptions()
    public init() {}
    public init(options: WeightsOptions) { self.options = options }
    public init(options: WeightsOptions, job: JobConfig) { self.init(options: options) }

    public func make(_ context: JobContext) throws -> SectionOutput {
        let graph = context.model.graph
        var blocks = try context.templates.blocks("weights_intro", context: [:])
        var numbers = [(String, SummaryValue)]()
        var arrays = [(String, Tensor)]()
        var figures = [(String, RasterImage)]()
        let convolutions = WeightLayers.convolutions(in: graph)

        if let first = convolutions.first {
            let part = try WeightFigures.firstLayer(first, options: options, templates: context.templates)
            blocks += part.blocks
            numbers.append(("first_conv", part.numbers))
            arrays.append(("first_conv_filters", first.kernel))
            figures += part.figures
        }
        let deeper = ActivationLayers.evenlySpaced(Array(convolutions.dropFirst()), limit: options.maxDeeperLayers)
        if !deeper.isEmpty {
            let part = try WeightFigures.deeperLayers(deeper, total: convolutions.count - 1, options: options,
                                                      templates: context.templates)
            blocks += part.blocks
            numbers.append(("deeper_convs", part.numbers))
        }
        let sampleShape = context.dataset.sampleShape.count == 3 ? context.dataset.sampleShape : (context.model.sampleShape ?? [])
        if let layer = WeightLayers.imageTemplates(in: graph, sampleShape: sampleShape) {
            let part = try WeightFigures.templates(layer, options: options, templates: context.templates)
            blocks += part.blocks
            numbers.append(("image_templates", part.numbers))
            arrays.append(("fc_templates", layer.templates))
            figures += part.figures
        }
        if convolutions.isEmpty && WeightLayers.imageTemplates(in: graph, sampleShape: sampleShape) == nil {
            blocks += try context.templates.blocks("weights_no_filters", context: [:])
        }
        let table = try WeightFigures.statistics(WeightLayers.floatInitializers(in: graph), options: options,
                                                 templates: context.templates)
        blocks += table.blocks
        numbers.append(("layers", table.numbers))
        arrays.append(("layer_statistics", table.array))
        return SectionOutput(key: Self.name, numbers: .object(numbers),
                             sections: [Section(title: "Weights", anchor: "weights", blocks: blocks)],
                             arrays: arrays, figures: figures)
    }
}

/// One part of a section: blocks, its numbers and figures.
struct SectionPart {
    var blocks: [Block] = []
    var numbers: SummaryValue = .object([])
    var figures: [(String, RasterImage)] = []
    var array = Tensor(shape: [0])
}
