import LoupeEngine
import LoupeONNX
import LoupeTensor

/// Vision-transformer token layers seen as spatial maps.
///
/// A token layer holds `[N, 1 + H·W, C]` values: a class token followed by the patch tokens in
/// row-major order of the H x W patch grid (torchvision's and timm's ViT). The analyses that need
/// a map (Grad-CAM and kin, feature maps, top images) drop the class token and reshape the patch
/// tokens to `[N, C, H, W]`, the convention of pytorch-grad-cam's ViT `reshape_transform`.
public enum TokenGrid {
    /// The side H of the square patch grid when `shape` (batch first) is a token layer `[N, 1 + H·H, C]`, H ≥ 2.
    public static func side(ofTokenShape shape: [Int]) -> Int? {
        guard shape.count == 3, shape[1] >= 5, shape[2] >= 1 else { return nil }
        let patches = shape[1] - 1
        let side = Int(Double(patches).squareRoot().rounded())
        return side * side == patches ? side : nil
    }

    /// `[N, 1 + H·W, C]` → `[N, C, H, W]` without the class token.
    public static func patchGrid(_ tokens: Tensor) throws -> Tensor {
        guard let side = side(ofTokenShape: tokens.shape) else {
            throw LoupeError(.computation, location: "token layer", "expected N x (1 + H·H) x C tokens, got \(tokens.shape)")
        }
        let (n, count, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
        let plane = side * side
        var grid = Tensor(shape: [n, c, side, side])
        tokens.scalars.withUnsafeBufferPointer { src in
            grid.scalars.withUnsafeMutableBufferPointer { dst in
                for image in 0..<n {
                    for p in 0..<plane {
                        let token = (image * count + 1 + p) * c
                        for channel in 0..<c { dst[(image * c + channel) * plane + p] = src[token + channel] }
                    }
                }
            }
        }
        return grid
    }

    /// A rank-4 map as it is; a token layer as its patch grid; nil for anything else.
    public static func spatial(_ value: Tensor) throws -> Tensor? {
        if value.rank == 4 { return value }
        return side(ofTokenShape: value.shape) == nil ? nil : try patchGrid(value)
    }

    /// The attention probabilities of each self-attention block, in graph order.
    ///
    /// An attention block is found as a Softmax whose output is the first operand of a MatMul
    /// (softmax(QKᵀ)·V) and whose last two dimensions are equal, one more than a square (the
    /// class token and the patch grid): `[N, heads, L, L]` or `[N·heads, L, L]`.
    public static func attentionProbabilities(in graph: Graph, plan: Plan) -> [String] {
        var consumers = [String: [Node]]()
        for node in graph.nodes { for input in node.inputs { consumers[input, default: []].append(node) } }
        return plan.runningNodeIndices.compactMap { index -> String? in
            let node = graph.nodes[index]
            guard node.opType == "Softmax", let out = node.outputs.first, let shape = plan.shape(of: out),
                  shape.count >= 3, shape[shape.count - 1] == shape[shape.count - 2],
                  side(ofTokenShape: [1, shape[shape.count - 1], 1]) != nil,
                  consumers[out, default: []].contains(where: { $0.opType == "MatMul" && $0.inputs.first == out })
            else { return nil }
            return out
        }
    }

    /// The ViT default layer for Grad-CAM: the output of the last block's first LayerNormalization
    /// (the last token-shaped LayerNormalization before the last attention block), as pytorch-grad-cam
    /// recommends for ViT; nil for models without attention over a square patch grid.
    public static func defaultCAMLayer(in graph: Graph, plan: Plan) -> String? {
        guard let lastAttention = attentionProbabilities(in: graph, plan: plan).last else { return nil }
        var found: String?
        for index in plan.runningNodeIndices {
            let node = graph.nodes[index]
            if node.outputs.contains(lastAttention) { return found }
            if node.opType == "LayerNormalization", let out = node.outputs.first,
               let shape = plan.shape(of: out), side(ofTokenShape: shape) != nil {
                found = out
            }
        }
        return found
    }

    /// Token-shaped LayerNormalization outputs in graph order: the token layers the activation pages show.
    public static func layers(in graph: Graph, plan: Plan) -> [String] {
        plan.runningNodeIndices.compactMap { index in
            let node = graph.nodes[index]
            guard node.opType == "LayerNormalization", let out = node.outputs.first, let shape = plan.shape(of: out),
                  side(ofTokenShape: shape) != nil else { return nil }
            return out
        }
    }
}
