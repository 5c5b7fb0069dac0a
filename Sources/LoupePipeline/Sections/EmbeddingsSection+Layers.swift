import LoupeEngine
import LoupeONNX
import LoupeTensor

/// One value of the graph whose per-image features are mapped to 2-D.
struct EmbeddingLayer: Sendable, Equatable {
    /// ONNX value name (the graph input for the pixels).
    var name: String
    /// `input`, `middle`, `penultimate` for the defaults, `chosen` for layers named in the config.
    var role: String
    /// The op that produces the value (`input` for the graph input).
    var opType: String
    /// Per-image shape (batch axis dropped).
    var shape: [Int]
    /// Position in the graph: −1 for the input, else the index of the producing node.
    var depth: Int
    /// A ViT token layer `[1 + H·W, C]` mapped by its class token alone (`C` features per image).
    var classToken = false
    /// A Swin stage `[H, W, C]`: pooled over its grid with the channels last (`readingTokens`).
    var channelsLast = false

    /// Features per image before any pooling.
    var features: Int { shape.reduce(1, *) }

    /// A short label for chart axes: the name without a leading `/` and a trailing `_output_0`.
    var shortName: String {
        if role == "input" { return "input" }
        var text = name.hasPrefix("/") ? String(name.dropFirst()) : name
        if text.hasSuffix("_output_0") { text = String(text.dropLast("_output_0".count)) }
        return text
    }
}

/// Chooses the values the embeddings section maps.
///
/// Defaults (documented in the README and the section's intro):
/// - **input**: the graph's first input (the preprocessed pixels);
/// - **penultimate**: the data input of the last node with weights (Gemm, MatMul or Conv with an
///   initializer) — the features the classifier head reads;
/// - **middle**: among the layer outputs strictly between the two (outputs of convolution,
///   activation, pooling, Gemm/MatMul, Add and normalisation nodes, skipping an output whose only
///   consumer is an activation or normalisation, so post-activation values are used), the one at
///   index ⌊count/2⌋ in graph order.
enum EmbeddingLayerChoice {
    static let layerOps: Set<String> = ["Conv", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu",
                                        "Selu", "Gelu", "Mish", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
                                        "Gemm", "MatMul", "Add", "BatchNormalization"]
    static let followerOps: Set<String> = ["Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu", "Selu",
                                           "Gelu", "Mish", "BatchNormalization"]
    static let weightedOps: Set<String> = ["Gemm", "MatMul", "Conv"]

    /// The per-image shape of a value, when it is computed (not a constant) and carries the batch axis.
    static func sampleShape(_ name: String, plan: Plan) -> [Int]? {
        guard let facts = plan.facts[name], facts.constant == nil, facts.shape.count >= 2, facts.shape[0] == 1 else { return nil }
        let shape = Array(facts.shape.dropFirst())
        return shape.contains(0) ? nil : shape
    }

    /// Layer outputs in graph order (see the type's documentation), graph outputs excluded.
    static func candidates(model: Model, plan: Plan) -> [EmbeddingLayer] {
        let graph = model.graph
        var consumers = [String: [Node]]()
        for node in graph.nodes { for input in node.inputs { consumers[input, default: []].append(node) } }
        let outputs = Set(graph.outputs.map(\.name))
        var found = [EmbeddingLayer]()
        for (index, node) in graph.nodes.enumerated() where layerOps.contains(node.opType) {
            guard let out = node.outputs.first, !outputs.contains(out), let shape = sampleShape(out, plan: plan),
                  shape.reduce(1, *) >= 2 else { continue }
            if let users = consumers[out], users.count == 1, followerOps.contains(users[0].opType) { continue }
            found.append(EmbeddingLayer(name: out, role: "middle", opType: node.opType, shape: shape, depth: index))
        }
        return found
    }

    /// The input pixels as a layer.
    static func inputLayer(model: Model, plan: Plan) -> EmbeddingLayer? {
        let name = model.primaryInputName
        guard let shape = plan.facts[name]?.shape, shape.count >= 2 else { return nil }
        return EmbeddingLayer(name: name, role: "input", opType: "input", shape: Array(shape.dropFirst()), depth: -1)
    }

    /// The data input of the last weighted node, as a layer (nil when there is none or it is the graph input).
    static func penultimate(model: Model, plan: Plan) -> EmbeddingLayer? {
        let graph = model.graph
        for (index, node) in graph.nodes.enumerated().reversed() where weightedOps.contains(node.opType) {
            guard node.inputs.dropFirst().contains(where: { graph.initializers[$0] != nil || plan.facts[$0]?.constant != nil }),
                  let data = node.inputs.first, let shape = sampleShape(data, plan: plan) else { continue }
            if data == model.primaryInputName { return nil }
            let producer = graph.nodes.firstIndex { $0.outputs.contains(data) } ?? index
            return EmbeddingLayer(name: data, role: "penultimate", opType: graph.nodes[producer].opType, shape: shape, depth: producer)
        }
        return nil
    }

    /// The default layers: input, middle and penultimate (fewer when the graph is too shallow).
    static func defaults(model: Model, plan: Plan) -> [EmbeddingLayer] {
        var layers = [EmbeddingLayer]()
        if let input = inputLayer(model: model, plan: plan) { layers.append(input) }
        let last = penultimate(model: model, plan: plan)
        // A Swin's middle is one of its stages: its other values include windows and MLP widths.
        let stages = channelsLastStages(model: model, plan: plan)
        let between = (stages.isEmpty ? candidates(model: model, plan: plan) : stages).filter { layer in
            guard let last else { return true }
            return layer.depth < last.depth && layer.name != last.name
        }
        if !between.isEmpty { layers.append(between[between.count / 2].readingTokens(in: model.graph)) }
        if let last { layers.append(last) }
        return layers
    }

    /// The layers named in the config, in graph order; an unknown name gets a suggestion and the candidate list.
    static func resolve(_ names: [String], model: Model, plan: Plan) throws -> [EmbeddingLayer] {
        let input = inputLayer(model: model, plan: plan)
        let listed = candidates(model: model, plan: plan)
        var producer = [String: (Int, String)]()
        for (index, node) in model.graph.nodes.enumerated() { for out in node.outputs { producer[out] = (index, node.opType) } }
        var layers = [EmbeddingLayer]()
        for (position, name) in names.enumerated() {
            if let input, name == input.name {
                layers.append(input)
                continue
            }
            guard let shape = sampleShape(name, plan: plan), let (depth, op) = producer[name] else {
                let values = plan.valueOrder.filter { plan.facts[$0]?.constant == nil }
                let hint = ConfigReader(file: "").closest(name, among: values).map { " (did you mean '\($0)'?)" } ?? ""
                let offered = ([input?.name].compactMap { $0 } + listed.map(\.name)).prefix(40)
                throw LoupeError(.invalidConfig, location: "sections.embeddings.layers[\(position)]",
                                 "no computed value '\(name)' with a batch axis in the model\(hint); candidates: "
                                 + offered.joined(separator: ", "))
            }
            layers.append(EmbeddingLayer(name: name, role: "chosen", opType: op, shape: shape, depth: depth).readingTokens(in: model.graph))
        }
        var seen = Set<String>()
        return layers.filter { seen.insert($0.name).inserted }.sorted { $0.depth < $1.depth }
    }
}
