import LoupeONNX
import LoupeTensor

/// One spatial layer of a receptive-field chain: kernel, stride, leading pad and dilation per axis (rows, columns).
public struct SpatialStep: Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    public var padsBegin: [Int]
    public var dilations: [Int]

    public init(kernel: [Int], strides: [Int] = [1, 1], padsBegin: [Int] = [0, 0], dilations: [Int] = [1, 1]) {
        self.kernel = kernel; self.strides = strides; self.padsBegin = padsBegin; self.dilations = dilations
    }
}

/// An input box in pixel coordinates, bounds inclusive (may reach outside the image before clipping).
public struct PixelBox: Sendable, Equatable {
    public var top: Int, left: Int, bottom: Int, right: Int
    public init(top: Int, left: Int, bottom: Int, right: Int) { self.top = top; self.left = left; self.bottom = bottom; self.right = right }
    public var height: Int { bottom - top + 1 }
    public var width: Int { right - left + 1 }
}

/// The receptive field of a position of a feature map, from the chain of conv/pool layers back to the input.
///
/// Approximation: only Conv, MaxPool and AveragePool change geometry; element-wise and normalisation
/// ops pass through; at a node with several non-constant inputs (residual Add, Concat) the first one is
/// followed, so the box is that of the main path (a skip path's box is never larger in plain ResNets).
/// `auto_pad` SAME is taken as a leading pad of `((k − 1)·d) / 2`. The box is the theoretical field;
/// the effective field is usually much smaller and centred.
public struct ReceptiveField: Sendable, Equatable {
    /// Steps from the input to the value, in forward order.
    public var steps: [SpatialStep]

    public init(steps: [SpatialStep]) { self.steps = steps }

    /// The input box seen by output position (`row`, `column`), unclipped.
    public func box(row: Int, column: Int) -> PixelBox {
        var r0 = row, r1 = row, c0 = column, c1 = column
        for step in steps.reversed() {
            r0 = r0 * step.strides[0] - step.padsBegin[0]
            r1 = r1 * step.strides[0] - step.padsBegin[0] + (step.kernel[0] - 1) * step.dilations[0]
            c0 = c0 * step.strides[1] - step.padsBegin[1]
            c1 = c1 * step.strides[1] - step.padsBegin[1] + (step.kernel[1] - 1) * step.dilations[1]
        }
        return PixelBox(top: r0, left: c0, bottom: r1, right: c1)
    }

    /// Height and width of the field.
    public var size: (height: Int, width: Int) { let b = box(row: 0, column: 0); return (b.height, b.width) }

    /// Walks from `value` back to the graph's first input; nil when an op with unknown geometry is met.
    public static func trace(to value: String, in graph: Graph) -> ReceptiveField? {
        guard let input = graph.inputs.first?.name else { return nil }
        var producer = [String: Node]()
        for node in graph.nodes { for out in node.outputs { producer[out] = node } }
        var steps = [SpatialStep]()
        var current = value
        var guardCount = 0
        while current != input {
            guardCount += 1
            guard guardCount <= graph.nodes.count + 1, let node = producer[current] else { return nil }
            switch node.opType {
            case "Conv", "MaxPool", "AveragePool":
                guard let step = spatialStep(node, graph: graph) else { return nil }
                steps.append(step)
            case "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Gemm", "MatMul", "Resize", "Upsample",
                 "ConvTranspose", "Transpose":
                return nil
            default:
                break
            }
            guard let next = node.inputs.first(where: { !$0.isEmpty && graph.initializers[$0] == nil && producer[$0] != nil || $0 == input })
            else { return nil }
            current = next
        }
        return ReceptiveField(steps: steps.reversed())
    }

    static func spatialStep(_ node: Node, graph: Graph) -> SpatialStep? {
        var kernel = (try? node.ints("kernel_shape")) ?? nil
        if kernel == nil, node.opType == "Conv", let w = node.input(1), let value = graph.initializers[w], value.shape.count == 4 {
            kernel = Array(value.shape.suffix(2))
        }
        guard let k = kernel, k.count == 2 else { return nil }
        let strides = ((try? node.ints("strides")) ?? nil) ?? [1, 1]
        let dilations = ((try? node.ints("dilations")) ?? nil) ?? [1, 1]
        var pads = ((try? node.ints("pads")) ?? nil) ?? [0, 0, 0, 0]
        let autoPad = (try? node.string("auto_pad", default: "NOTSET")) ?? "NOTSET"
        if autoPad.hasPrefix("SAME") { pads = [(k[0] - 1) * dilations[0] / 2, (k[1] - 1) * dilations[1] / 2] }
        guard strides.count == 2, dilations.count == 2, pads.count >= 2 else { return nil }
        return SpatialStep(kernel: k, strides: strides, padsBegin: [pads[0], pads[1]], dilations: dilations)
    }
}

/// Picks the feature maps the activation pages show.
public enum ActivationLayers {
    /// Ops whose rank-4 outputs are candidate feature maps.
    public static let producingOps: Set<String> = ["Conv", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSwish",
                                                   "MaxPool", "AveragePool"]
    static let activationOps: Set<String> = ["Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSwish", "BatchNormalization"]

    /// A candidate: the value name, the op that made it and its per-sample shape `[C, H, W]`.
    public struct Candidate: Sendable, Equatable {
        public var value: String
        public var opType: String
        public var shape: [Int]
        /// A token layer of a vision transformer (`[N, 1 + H·W, C]` or `[N, H, W, C]`, `TokenGrid`)
        /// whose patch grid is `shape`; nil for a channels-first map.
        public var layout: TokenLayout?
    }

    /// Rank-4 outputs of conv/activation/pool nodes in graph order, skipping a Conv output whose only
    /// consumer is an activation (the post-activation map is shown instead). `shapes` gives a value's batch shape.
    public static func candidates(in graph: Graph, shapes: (String) -> [Int]?) -> [Candidate] {
        var consumers = [String: [Node]]()
        for node in graph.nodes { for input in node.inputs { consumers[input, default: []].append(node) } }
        var found = [Candidate]()
        for node in graph.nodes where producingOps.contains(node.opType) {
            guard let out = node.outputs.first, let shape = shapes(out), shape.count == 4, !shape.dropFirst().contains(0) else { continue }
            if node.opType == "Conv", let users = consumers[out], users.count == 1, activationOps.contains(users[0].opType) { continue }
            found.append(Candidate(value: out, opType: node.opType, shape: Array(shape.dropFirst())))
        }
        return found
    }

    /// At most `limit` of `items`, evenly spaced and always keeping the first and last.
    public static func evenlySpaced<T>(_ items: [T], limit: Int) -> [T] {
        guard items.count > limit, limit > 1 else { return limit == 1 ? Array(items.suffix(1)) : items }
        return (0..<limit).map { items[Int((Double($0) * Double(items.count - 1) / Double(limit - 1)).rounded())] }
    }
}
