import LoupeAnalysis

extension EmbeddingLayer {
    /// The layer mapped by its class token when it is a ViT token layer `[1 + H·W, C]` (`TokenGrid`);
    /// as it is otherwise.
    func readingClassToken() -> EmbeddingLayer {
        guard TokenGrid.side(ofTokenShape: [1] + shape) != nil else { return self }
        var layer = self
        layer.classToken = true
        return layer
    }
}
