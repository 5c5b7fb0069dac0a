import LoupeEngine
import LoupeONNX
import LoupeTensor

/// How a token layer lays out its patch tokens.
public enum TokenLayout: String, Sendable, Equatable {
    /// `[N, 1 + H·W, C]`: a class token, then the patch tokens in row-major order (ViT).
    case classToken = "class token"
    /// `[N, H, W, C]`: the patch grid with the channels last and no class token (torchvision's Swin).
    case channelsLast = "channels last"
}

/// A token layer of a vision transformer: its value, layout and patch grid `[C, H, W]`.
public struct TokenLayer: Sendable, Equatable {
    public var value: String
    public var layout: TokenLayout
    public var grid: [Int]
}

/// Vision-transformer token layers seen as spatial maps.
///
/// A ViT token layer holds `[N, 1 + H·W, C]` values: a class token followed by the patch tokens in
/// row-major order of the H x W patch grid (torchvision's and timm's ViT). A Swin token layer holds
/// `[N, H, W, C]`: the grid itself with the channels last (`TokenGrid+ChannelsLast.swift`). The
/// analyses that need a map (Grad-CAM and kin, feature maps, top images) drop the class token and
/// bring the channels first, `[N, C, H, W]`, the convention of pytorch-grad-cam's `reshape_transform`.
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
        return gridOfTokens(tokens.scalars, images: tokens.shape[0], tokensPerImage: tokens.shape[1], skipping: 1,
                            height: side, width: side, channels: tokens.shape[2])
    }

    /// `[N, C, H, W]` from N images of `tokensPerImage` tokens of C values each, whose tokens after
    /// the first `skipping` are the H x W grid in row-major order.
    static func gridOfTokens(_ values: [Float], images n: Int, tokensPerImage: Int, skipping: Int,
                             height: Int, width: Int, channels c: Int) -> Tensor {
        let plane = height * width
        var grid = Tensor(shape: [n, c, height, width])
        values.withUnsafeBufferPointer { src in
            grid.scalars.withUnsafeMutableBufferPointer { dst in
                for image in 0..<n {
                    for p in 0..<plane {
                        let token = (image * tokensPerImage + skipping + p) * c
                        for channel in 0..<c { dst[(image * c + channel) * plane + p] = src[token + channel] }
                    }
                }
            }
        }
        return grid
    }

    /// The value as `[N, C, H, W]`: a channels-last layer with its channels moved first, a rank-4
    /// map as it is, a ViT token layer as its patch grid; nil for anything else.
    public static func spatial(_ value: Tensor, layout: TokenLayout? = nil) throws -> Tensor? {
        if layout == .channelsLast { return try channelsFirst(value) }
        if value.rank == 4 { return value }
        return side(ofTokenShape: value.shape) == nil ? nil : try patchGrid(value)
    }

    /// The Softmax outputs of every self-attention block, in graph order: a Softmax whose output is
    /// the first operand of a MatMul or Einsum (softmax(QKᵀ)·V) and whose last two dimensions are
    /// equal (the tokens attended over: all tokens in a ViT, one window's in a Swin or MaxViT).
    public static func selfAttention(in graph: Graph, plan: Plan) -> [String] {
        var consumers = [String: [Node]]()
        for node in graph.nodes { for input in node.inputs { consumers[input, default: []].append(node) } }
        return plan.runningNodeIndices.compactMap { index -> String? in
            let node = graph.nodes[index]
            guard node.opType == "Softmax", let out = node.outputs.first, let shape = plan.shape(of: out),
                  shape.count >= 3, shape[shape.count - 1] == shape[shape.count - 2],
                  consumers[out, default: []].contains(where: { ["MatMul", "Einsum"].contains($0.opType) && $0.inputs.first == out })
            else { return nil }
            return out
        }
    }

    /// The attention probabilities of each ViT self-attention block, in graph order: the self-attention
    /// whose tokens are one more than a square (the class token and the patch grid), `[N, heads, L, L]`
    /// or `[N·heads, L, L]`.
    public static func attentionProbabilities(in graph: Graph, plan: Plan) -> [String] {
        selfAttention(in: graph, plan: plan).filter { name in
            guard let tokens = plan.shape(of: name)?.last else { return false }
            return side(ofTokenShape: [1, tokens, 1]) != nil
        }
    }

    /// The default layer for Grad-CAM on a vision transformer: the last token layer before the last
    /// self-attention, i.e. the last block's first LayerNormalization, as pytorch-grad-cam recommends
    /// for ViT (`blocks[-1].norm1`) and Swin (`layers[-1].blocks[-1].norm1`); nil without attention.
    public static func defaultCAMLayer(in graph: Graph, plan: Plan) -> String? {
        guard let lastAttention = selfAttention(in: graph, plan: plan).last else { return nil }
        let tokenValues = Set(layers(in: graph, plan: plan).map(\.value))
        var found: String?
        for index in plan.runningNodeIndices {
            let node = graph.nodes[index]
            if node.outputs.contains(lastAttention) { return found }
            if let out = node.outputs.first, tokenValues.contains(out) { found = out }
        }
        return found
    }

    /// The token layers the activation pages show, in graph order: LayerNormalization outputs shaped
    /// as ViT tokens, and, in a model with self-attention, channels-last grids (`channelsLastGrid`).
    public static func layers(in graph: Graph, plan: Plan) -> [TokenLayer] {
        let windows = Set(selfAttention(in: graph, plan: plan).compactMap { plan.shape(of: $0)?.last })
        return plan.runningNodeIndices.compactMap { index -> TokenLayer? in
            let node = graph.nodes[index]
            guard node.opType == "LayerNormalization", let out = node.outputs.first, let shape = plan.shape(of: out) else { return nil }
            if let side = side(ofTokenShape: shape) { return TokenLayer(value: out, layout: .classToken, grid: [shape[2], side, side]) }
            guard !windows.isEmpty, let grid = channelsLastGrid(out, shape: shape, in: graph, windowTokens: windows) else { return nil }
            return TokenLayer(value: out, layout: .channelsLast, grid: grid)
        }
    }
}
