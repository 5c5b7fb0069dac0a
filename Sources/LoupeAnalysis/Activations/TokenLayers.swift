import LoupeEngine
import LoupeONNX
import LoupeTensor

extension ActivationLayers {
    /// ViT token layers as activation candidates: token-shaped LayerNormalization outputs in graph
    /// order, each with its patch grid `[C, H, W]` as shape (the class token is left out of the maps).
    public static func tokenCandidates(in graph: Graph, plan: Plan) -> [Candidate] {
        TokenGrid.layers(in: graph, plan: plan).compactMap { value in
            guard let shape = plan.shape(of: value), let side = TokenGrid.side(ofTokenShape: shape) else { return nil }
            return Candidate(value: value, opType: "LayerNormalization", shape: [shape[2], side, side], tokens: true)
        }
    }
}

extension ActivationLayers.Candidate {
    /// The tapped value as an `N x C x H x W` map (a token layer as its patch grid); nil when it has another shape.
    public func map(_ tapped: Tensor) throws -> Tensor? {
        if tokens { return try TokenGrid.patchGrid(tapped) }
        return tapped.rank == 4 ? tapped : nil
    }

    /// The score that ranks images for one channel's `H x W` map: the spatial maximum for a
    /// convolutional map; for a token layer the mean over the patch tokens (a ViT channel is read
    /// over the whole image; the position of the largest patch is kept for the numbers).
    public func channelScore(_ map: UnsafeBufferPointer<Float>, width: Int) -> (value: Float, row: Int, column: Int) {
        let best = spatialMaximum(map, width: width)
        guard tokens, !map.isEmpty else { return best }
        var total: Float = 0
        for v in map { total += v }
        return (total / Float(map.count), best.row, best.column)
    }
}
