import LoupeONNX
import LoupeTensor

/// A convolution whose kernel is an initializer.
public struct ConvolutionWeights: Sendable {
    /// The Conv node's name (or its output name when unnamed).
    public var nodeName: String
    /// The kernel initializer's name.
    public var weightName: String
    /// `[M, C/group, kH, kW]`.
    public var kernel: Tensor
    public var group: Int
    /// Position of the node in graph order.
    public var nodeIndex: Int
    /// The `strides` attribute (rows, columns; 1 where absent).
    public var strides: [Int] = [1, 1]

    /// A ViT patch embedding: a kernel larger than 1 that moves by its own size (non-overlapping patches).
    public var isPatchEmbedding: Bool {
        kernel.rank == 4 && kernel.shape[2] > 1 && strides == [kernel.shape[2], kernel.shape[3]]
    }
}

/// A fully connected layer fed by the (flattened) image, with one weight row per unit.
public struct ImageTemplateLayer: Sendable {
    public var nodeName: String
    public var weightName: String
    /// `[units, C, H, W]`: each unit's weights laid out as an image.
    public var templates: Tensor
}

/// Finds the weight-bearing layers of a graph for the weights pages.
public enum WeightLayers {
    /// Conv nodes whose kernel (input 1) is a float initializer of rank 4, in graph order.
    public static func convolutions(in graph: Graph) -> [ConvolutionWeights] {
        var found = [ConvolutionWeights]()
        for (index, node) in graph.nodes.enumerated() where node.opType == "Conv" {
            guard let name = node.input(1), case .float(let kernel)? = graph.initializers[name], kernel.rank == 4, kernel.count > 0 else { continue }
            let group = (try? node.int("group", default: 1)) ?? 1
            let strides = ((try? node.ints("strides")) ?? nil) ?? [1, 1]
            found.append(ConvolutionWeights(nodeName: node.name.isEmpty ? (node.outputs.first ?? "conv") : node.name,
                                            weightName: name, kernel: kernel, group: group, nodeIndex: index, strides: strides))
        }
        return found
    }

    /// Float initializers in the order of the first non-Identity node using them (unused ones last, in declaration order).
    public static func floatInitializers(in graph: Graph) -> [(String, Tensor)] {
        let declared = graph.initializerOrder.isEmpty ? graph.initializers.keys.sorted() : graph.initializerOrder
        var firstUse = [String: Int]()
        for (index, node) in graph.nodes.enumerated() where node.opType != "Identity" {
            for (slot, input) in node.inputs.enumerated() where firstUse[input] == nil { firstUse[input] = index * 64 + min(slot, 63) }
        }
        let order = declared.enumerated().sorted { a, b in
            let ua = firstUse[a.element] ?? Int.max, ub = firstUse[b.element] ?? Int.max
            return ua != ub ? ua < ub : a.offset < b.offset
        }.map(\.element)
        return order.compactMap { name in
            guard case .float(let t)? = graph.initializers[name], t.count > 0 else { return nil }
            return (name, t)
        }
    }

    /// The first Gemm/MatMul fed by the graph input directly or through Flatten/Reshape/Identity, with
    /// each unit's weights reshaped to `sampleShape` (`[C, H, W]`); nil when there is none.
    public static func imageTemplates(in graph: Graph, sampleShape: [Int]) -> ImageTemplateLayer? {
        guard let input = graph.inputs.first?.name, sampleShape.count == 3 else { return nil }
        let features = sampleShape.reduce(1, *)
        var frontier: Set<String> = [input]
        for node in graph.nodes {
            guard let first = node.input(0), frontier.contains(first) else { continue }
            switch node.opType {
            case "Flatten", "Reshape", "Identity", "Cast":
                frontier.formUnion(node.outputs)
            case "Gemm":
                let transB = (try? node.int("transB", default: 0)) ?? 0
                if let name = node.input(1), case .float(let w)? = graph.initializers[name],
                   let layer = try? templates(weight: w, unitsFirst: transB != 0, sampleShape: sampleShape) {
                    return ImageTemplateLayer(nodeName: node.name, weightName: name, templates: layer)
                }
            case "MatMul":
                if let name = node.input(1), case .float(let w)? = graph.initializers[name], w.rank == 2, w.shape[0] == features,
                   let layer = try? templates(weight: w, unitsFirst: false, sampleShape: sampleShape) {
                    return ImageTemplateLayer(nodeName: node.name, weightName: name, templates: layer)
                }
            default:
                continue
            }
        }
        return nil
    }

    /// Reshapes a 2-D weight (`[units, D]` when `unitsFirst`, else `[D, units]`) to `[units, C, H, W]`, D = C·H·W.
    public static func templates(weight: Tensor, unitsFirst: Bool, sampleShape: [Int]) throws -> Tensor {
        let features = sampleShape.reduce(1, *)
        guard weight.rank == 2, features > 0, weight.count > 0, weight.shape[unitsFirst ? 1 : 0] == features else {
            throw LoupeError(.invalidInput, "weight \(weight.shape) does not map \(features) input features to units")
        }
        let units = weight.shape[unitsFirst ? 0 : 1]
        if unitsFirst { return weight.reshaped([units] + sampleShape) }
        var out = [Float](repeating: 0, count: weight.count)
        weight.scalars.withUnsafeBufferPointer { w in
            for d in 0..<features { for u in 0..<units { out[u * features + d] = w[d * units + u] } }
        }
        return Tensor(shape: [units] + sampleShape, scalars: out)
    }
}
