import LoupeTensor

/// Attention of a vision transformer's class token: per head, and rolled out through the layers.
///
/// Attention rollout (Abnar and Zuidema, 2020): for each layer, average the attention
/// probabilities over the heads, add the identity for the residual connection, normalise each row
/// to sum 1, and multiply the layers from the first to the last (`R = Â_L ⋯ Â_1`). Row 0 of `R`
/// over the patch tokens is how much each patch reaches the class token through all layers.
public enum AttentionRollout {
    /// One layer's attention probabilities as `[N, heads, L, L]`, from `[N, heads, L, L]` or `[N·heads, L, L]`.
    public static func perHead(_ value: Tensor, batch: Int) throws -> Tensor {
        if value.rank == 4, value.shape[0] == batch, value.shape[2] == value.shape[3] { return value }
        if value.rank == 3, batch > 0, value.shape[0] % batch == 0, value.shape[1] == value.shape[2] {
            return value.reshaped([batch, value.shape[0] / batch, value.shape[1], value.shape[2]])
        }
        throw LoupeError(.computation, location: "attention", "expected N x heads x L x L probabilities, got \(value.shape)")
    }

    /// The class token's attention to each patch, per head: `[N, heads, H, W]` from `[N, heads, 1 + H·W, 1 + H·W]`.
    public static func classTokenMaps(_ attention: Tensor) throws -> Tensor {
        let (n, heads, tokens) = (attention.shape[0], attention.shape[1], attention.shape[2])
        guard let side = TokenGrid.side(ofTokenShape: [n, tokens, 1]) else {
            throw LoupeError(.computation, location: "attention", "\(tokens) tokens are not a class token and a square grid")
        }
        var maps = Tensor(shape: [n, heads, side, side])
        for image in 0..<n {
            for head in 0..<heads {
                let row = ((image * heads + head) * tokens) * tokens
                for p in 0..<(side * side) { maps.scalars[(image * heads + head) * side * side + p] = attention.scalars[row + 1 + p] }
            }
        }
        return maps
    }

    /// The rollout of the class token over the patches, `[N, 1, H, W]`, from each layer's `[N, heads, L, L]` in graph order.
    public static func classTokenRollout(_ layers: [Tensor]) throws -> Tensor {
        guard let first = layers.first else { throw LoupeError(.computation, location: "attention", "no attention layers") }
        let (n, tokens) = (first.shape[0], first.shape[2])
        guard let side = TokenGrid.side(ofTokenShape: [n, tokens, 1]),
              layers.allSatisfy({ $0.rank == 4 && $0.shape[0] == n && $0.shape[2] == tokens && $0.shape[3] == tokens })
        else { throw LoupeError(.computation, location: "attention", "layers disagree in shape or have no square grid") }
        var out = Tensor(shape: [n, 1, side, side])
        for image in 0..<n {
            // Row 0 of Â_L ⋯ Â_1 is e₀ᵀ Â_L ⋯ Â_1: a row vector times each layer, last layer first.
            var row = [Double](repeating: 0, count: tokens)
            row[0] = 1
            for layer in layers.reversed() { row = times(row, residualMean(layer, image: image), size: tokens) }
            for p in 0..<(side * side) { out.scalars[image * side * side + p] = Float(row[1 + p]) }
        }
        return out
    }

    /// The head-averaged attention of one image plus the identity, rows normalised to sum 1.
    static func residualMean(_ layer: Tensor, image: Int) -> [Double] {
        let (heads, tokens) = (layer.shape[1], layer.shape[2])
        var mean = identity(tokens)
        let scale = 1 / Double(heads)
        for head in 0..<heads {
            let base = (image * heads + head) * tokens * tokens
            for i in 0..<(tokens * tokens) { mean[i] += Double(layer.scalars[base + i]) * scale }
        }
        for row in 0..<tokens {
            var total = 0.0
            for column in 0..<tokens { total += mean[row * tokens + column] }
            guard total > 0 else { continue }
            for column in 0..<tokens { mean[row * tokens + column] /= total }
        }
        return mean
    }

    static func identity(_ size: Int) -> [Double] {
        var m = [Double](repeating: 0, count: size * size)
        for i in 0..<size { m[i * size + i] = 1 }
        return m
    }

    /// The row vector `v` times the square row-major matrix `m`.
    static func times(_ v: [Double], _ m: [Double], size: Int) -> [Double] {
        var out = [Double](repeating: 0, count: size)
        for k in 0..<size where v[k] != 0 {
            for j in 0..<size { out[j] += v[k] * m[k * size + j] }
        }
        return out
    }
}
