import LoupeONNX
import LoupeTensor

/// A per-layer account of a model: output shapes, parameters and multiply-adds (like torchinfo).
public struct ModelSummary: Codable, Sendable {
    /// One running node of the plan.
    public struct Layer: Codable, Sendable {
        public var name: String
        public var op: String
        public var outputShape: [Int]
        /// Float parameters this node reads that no earlier node read.
        public var parameters: Int
        /// Multiply-accumulate operations for the whole batch (Conv, ConvTranspose, Gemm, MatMul).
        public var multiplyAdds: Int
        /// The kernels `ConvolutionRule` picks for a 2-D Conv (forward, input and weight gradient); nil otherwise.
        public var kernels: ConvolutionKernelRoute? = nil
        /// The number of the oneDNN chain (`BlockedChain`) that runs this node in a forward-only pass at
        /// this batch size without taps; nil when Loupe's own step runs it.
        public var forwardChain: Int? = nil
        /// The number of the oneDNN chain with a reverse mode that runs this node in an input-gradient run
        /// (saliency, Integrated Gradients) over this batch size; nil when Loupe's own steps run it.
        public var gradientChain: Int? = nil
    }

    public var model: String
    public var producer: String
    public var opset: Int
    public var batchSize: Int
    public var inputs: [String: [Int]]
    public var outputs: [String: [Int]]
    public var layers: [Layer]
    /// Number of nodes folded into constants at load time.
    public var foldedNodes: Int
    /// Sum of the sizes of all float initializers.
    public var totalParameters: Int
    public var totalMultiplyAdds: Int
    /// Whether forward passes over several images run as one slice of the batch per worker (`SlicedRun`,
    /// checked for a batch of eight cut in two); nil when not asked (`withSlicedRuns`).
    public var slicedForwardRuns: Bool?

    /// Number of oneDNN chains a forward-only pass runs at this batch size; nil when not asked (`withBlockedChains`).
    public var forwardChains: Int?
    /// Number of oneDNN chains an input-gradient run uses at this batch size; nil when not asked.
    public var gradientChains: Int?

    /// This summary with the chains of forward-only and input-gradient runs filled in for `model`.
    public func withBlockedChains(of model: Model) throws -> ModelSummary {
        var summary = self
        let plan = try model.plan(batchSize: batchSize)
        let pinned = plan.pinnedSlots(outputs: model.graph.outputs.map(\.name), taps: [])
        /// Each running node's chain number when `gradients` is as given, and the number of chains.
        func chains(gradients: Bool) -> (numbers: [Int?], count: Int) {
            let found = model.blockedChains(plan: plan, pinned: pinned, fuse: Fusion.isEnabled, gradients: gradients).values
                .sorted { $0.first < $1.first }
            var chainOfNode = [Int: Int]()
            for (number, chain) in found.enumerated() {
                for step in chain.replacedSteps { chainOfNode[plan.steps[step].nodeIndex] = number }
            }
            return (plan.runningNodeIndices.map { chainOfNode[$0] }, found.count)
        }
        let forward = chains(gradients: false), gradient = chains(gradients: true)
        for position in summary.layers.indices where position < forward.numbers.count {
            summary.layers[position].forwardChain = forward.numbers[position]
            summary.layers[position].gradientChain = gradient.numbers[position]
        }
        summary.forwardChains = forward.count
        summary.gradientChains = gradient.count
        return summary
    }

    /// This summary with `slicedForwardRuns` filled in for `model`.
    public func withSlicedRuns(of model: Model) -> ModelSummary {
        var summary = self
        summary.slicedForwardRuns = SlicedRun.isEnabled && model.keepsImagesApart(batch: 8, slice: 4)
        return summary
    }

    /// Summarises a model at a batch size.
    public init(model: Model, batchSize: Int = 1) throws {
        let plan = try model.plan(batchSize: batchSize)
        let graph = model.graph
        self.model = graph.sourcePath
        producer = graph.producer
        opset = graph.opsetVersion
        self.batchSize = batchSize
        inputs = Dictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, plan.shape(of: $0.name) ?? []) })
        outputs = Dictionary(uniqueKeysWithValues: graph.outputs.map { ($0.name, plan.shape(of: $0.name) ?? []) })
        var counted = Set<String>()
        var layers = [Layer]()
        for index in plan.runningNodeIndices {
            let node = graph.nodes[index]
            var parameters = 0
            for name in node.inputs where !name.isEmpty && !counted.contains(name) {
                if case .float(let t)? = graph.initializers[name] {
                    parameters += t.count
                    counted.insert(name)
                }
            }
            let outputShape = node.outputs.first.flatMap { plan.shape(of: $0) } ?? []
            let inputShapes = node.inputs.map { $0.isEmpty ? [] : (plan.shape(of: $0) ?? []) }
            layers.append(Layer(name: node.name, op: node.opType, outputShape: outputShape, parameters: parameters,
                                multiplyAdds: ModelSummary.multiplyAdds(node: node, inputShapes: inputShapes, outputShape: outputShape)))
            if let geometry = try ConvolutionLayer.geometry(of: node, shapes: { plan.shape(of: $0) }, opset: graph.opsetVersion) {
                layers[layers.count - 1].kernels = ConvolutionRule.route(for: geometry)
            }
        }
        self.layers = layers
        foldedNodes = graph.nodes.count - plan.stepCount
        totalParameters = graph.parameterCount
        totalMultiplyAdds = layers.reduce(0) { $0 + $1.multiplyAdds }
    }

    /// Multiply-adds of one node from its shapes (0 for ops without a dot product).
    static func multiplyAdds(node: Node, inputShapes: [[Int]], outputShape: [Int]) -> Int {
        let out = outputShape.reduce(1, *)
        switch node.opType {
        case "Conv":
            guard inputShapes.count > 1, inputShapes[1].count >= 3 else { return 0 }
            return out * inputShapes[1].dropFirst().reduce(1, *)
        case "ConvTranspose":
            guard inputShapes.count > 1, inputShapes[0].count >= 3, inputShapes[1].count >= 3 else { return 0 }
            // Every input element is multiplied by one kernel slice of (C_out/groups) x kH x kW.
            return inputShapes[0].reduce(1, *) * inputShapes[1].dropFirst().reduce(1, *)
        case "Gemm":
            guard let a = inputShapes.first, a.count == 2 else { return 0 }
            let transA = (try? node.int("transA", default: 0)) ?? 0
            return out * (transA == 0 ? a[1] : a[0])
        case "MatMul":
            guard let a = inputShapes.first, let k = a.last else { return 0 }
            return out * k
        default:
            return 0
        }
    }
}
