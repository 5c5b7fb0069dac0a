import LoupeEngine
import LoupeONNX
import LoupeTensor

/// Swin token layers: the patch grid with the channels last, `[N, H, W, C]`, and no class token.
///
/// torchvision's Swin keeps its tokens as an image with the channels last: the patch embedding's
/// output is transposed to `[N, H, W, C]`, every LayerNormalization normalises the last axis, and
/// the window attention reshapes a copy into windows. pytorch-grad-cam's Swin `reshape_transform`
/// moves the channels first; `channelsFirst` does the same.
extension TokenGrid {
    /// `[N, H, W, C]` → `[N, C, H, W]`.
    public static func channelsFirst(_ value: Tensor) throws -> Tensor {
        guard value.rank == 4 else {
            throw LoupeError(.computation, location: "token layer", "expected N x H x W x C tokens, got \(value.shape)")
        }
        let (h, w) = (value.shape[1], value.shape[2])
        return gridOfTokens(value.scalars, images: value.shape[0], tokensPerImage: h * w, skipping: 0,
                            height: h, width: w, channels: value.shape[3])
    }

    /// Whether `node` is a LayerNormalization over the last axis alone of a value of rank `rank`.
    static func normalisesLastAxis(_ node: Node, rank: Int) -> Bool {
        guard node.opType == "LayerNormalization", let axis = try? node.int("axis", default: -1) else { return false }
        return axis == -1 || axis == rank - 1
    }

    /// Whether the rank-`rank` value `name` has its channels last: it is rank 4 and made or read by
    /// a LayerNormalization over its last axis (the layers of a Swin stage and their residual sums;
    /// also the channels-last stretch inside a ConvNeXt block).
    public static func isChannelsLast(_ name: String, in graph: Graph, rank: Int) -> Bool {
        guard rank == 4 else { return false }
        return graph.nodes.contains { node in
            (node.outputs.first == name || node.inputs.first == name) && normalisesLastAxis(node, rank: rank)
        }
    }

    /// The grid `[C, H, W]` of a channels-last LayerNormalization output of batch shape `shape`;
    /// nil when it is no such layer or when its second axis holds a window's tokens (MaxViT keeps
    /// `[N, windows, tokens, C]` before its attention: that is no image).
    static func channelsLastGrid(_ name: String, shape: [Int], in graph: Graph, windowTokens: Set<Int>) -> [Int]? {
        guard shape.count == 4, shape[1] * shape[2] > 1, shape[3] > 0, !windowTokens.contains(shape[2]),
              isChannelsLast(name, in: graph, rank: 4) else { return nil }
        return [shape[3], shape[1], shape[2]]
    }
}
