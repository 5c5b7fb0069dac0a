import LoupeEngine
import LoupeONNX
import LoupeTensor

extension ActivationLayers {
    /// Vision-transformer token layers as activation candidates, in graph order (`TokenGrid.layers`),
    /// each with its patch grid `[C, H, W]` as shape (a ViT's class token is left out of the maps).
    public static func tokenCandidates(in graph: Graph, plan: Plan) -> [Candidate] {
        TokenGrid.layers(in: graph, plan: plan).map { layer in
            Candidate(value: layer.value, opType: "LayerNormalization", shape: layer.grid, layout: layer.layout)
        }
    }
}

extension ActivationLayers.Candidate {
    /// The tapped value as an `N x C x H x W` map (a token layer as its patch grid); nil when it has another shape.
    public func map(_ tapped: Tensor) throws -> Tensor? {
        switch layout {
        case .classToken: return try TokenGrid.patchGrid(tapped)
        case .channelsLast: return try TokenGrid.channelsFirst(tapped)
        case nil: return tapped.rank == 4 ? tapped : nil
        }
    }

    /// The score that ranks images for one channel's `H x W` map: the spatial maximum for a
    /// convolutional map or a Swin stage (its tokens mix within windows, so position still
    /// matters); for a ViT token layer the mean over the patch tokens (a ViT channel is read
    /// over the whole image; the position of the largest patch is kept for the numbers).
    public func channelScore(_ map: UnsafeBufferPointer<Float>, width: Int) -> (value: Float, row: Int, column: Int) {
        let best = spatialMaximum(map, width: width)
        guard layout == .classToken, !map.isEmpty else { return best }
        var total: Float = 0
        for v in map { total += v }
        return (total / Float(map.count), best.row, best.column)
    }
}
