import LoupeAnalysis
import LoupeEngine
import LoupeONNX

extension EmbeddingLayer {
    /// The layer as a token layer reads: by its class token alone when it is a ViT token layer
    /// `[1 + H·W, C]`; with its channels last when it is a Swin stage `[H, W, C]` (`TokenGrid`);
    /// as it is otherwise.
    func readingTokens(in graph: Graph) -> EmbeddingLayer {
        var layer = self
        if TokenGrid.side(ofTokenShape: [1] + shape) != nil {
            layer.classToken = true
        } else if TokenGrid.isChannelsLast(name, in: graph, rank: shape.count + 1) {
            layer.channelsLast = true
        }
        return layer
    }

    /// The value as a map `[C, H, W]` for pooling: a channels-last `[H, W, C]` with its channels first.
    var mapShape: [Int] { channelsLast && shape.count == 3 ? [shape[2], shape[0], shape[1]] : shape }
}

extension EmbeddingLayerChoice {
    /// A Swin's stages as layers (its channels-last token layers, `TokenGrid.layers`); empty for other models.
    static func channelsLastStages(model: Model, plan: Plan) -> [EmbeddingLayer] {
        let producers = Dictionary(model.graph.nodes.enumerated().compactMap { index, node in node.outputs.first.map { ($0, index) } },
                                   uniquingKeysWith: { first, _ in first })
        return TokenGrid.layers(in: model.graph, plan: plan).compactMap { token in
            guard token.layout == .channelsLast, let shape = sampleShape(token.value, plan: plan),
                  let depth = producers[token.value] else { return nil }
            return EmbeddingLayer(name: token.value, role: "middle", opType: "LayerNormalization", shape: shape, depth: depth,
                                  channelsLast: true)
        }
    }
}
