import Foundation
import LoupeONNX
import LoupeTensor

/// A graph bound to its operators: the unit that plans and runs.
///
/// Creating a `Model` builds an operator for every node and refuses the graph, listing ALL
/// unsupported operators in one error. Plans (shapes, folded constants, schedule) are made
/// per input shape and cached.
public final class Model: @unchecked Sendable {
    /// The graph this model runs.
    public let graph: Graph
    /// One operator per node of `graph.nodes`, in the same order.
    let operators: [any Operator]
    private var plans: [[Int]: Plan] = [:]
    private let planLock = NSLock()
    /// `inputSplit()`, made on first use.
    let splitCache = OnceCache<Int, ModelInputSplit>()
    /// `rowPruning()`, made on first use.
    let rowPruningCache = OnceCache<Int, RowPruning>()
    /// `BatchSeparation`s by batch sizes, made on first use (`SlicedRun`).
    let separationCache = OnceCache<[Int], BatchSeparation>()
    /// Compiled oneDNN chains by plan, pinned values and threads (`blockedChains`).
    let chainCache = OnceCache<[Int], [Int: BlockedChain]>()
    /// Weights in oneDNN's layouts, shared by every chain of this model.
    let chainConstants = DNNLConstantStore()

    /// Builds operators for every node of a validated graph.
    public init(graph: Graph) throws {
        self.graph = graph
        try checkSupportedOperators(in: graph) { opType, domain in
            OperatorTable.isDefaultDomain(domain) && OperatorTable.byOpType[opType] != nil
        }
        var operators = [any Operator]()
        operators.reserveCapacity(graph.nodes.count)
        for node in graph.nodes {
            guard let type = OperatorTable.byOpType[node.opType] else { continue }
            do {
                operators.append(try type.init(node: node, opset: graph.opsetVersion))
            } catch let error as LoupeError {
                throw error.inFile(graph.sourcePath)
            }
        }
        self.operators = operators
    }

    /// A model over `graph` with operators already built (one per node, in order).
    init(graph: Graph, operators: [any Operator]) {
        self.graph = graph
        self.operators = operators
    }

    /// Loads and prepares a model file.
    public convenience init(path: String) throws {
        try self.init(graph: try ModelLoader.load(path: path))
    }

    /// The name of the first graph input (the image input for classifiers).
    public var primaryInputName: String { graph.inputs.first?.name ?? "" }

    /// The plan for a batch size, using the declared non-batch dimensions of the first input.
    public func plan(batchSize: Int) throws -> Plan {
        guard let input = graph.inputs.first else {
            throw LoupeError(.invalidModel, file: graph.sourcePath, location: "graph", "the graph has no inputs")
        }
        var shape = [batchSize]
        for (axis, dim) in (input.dimensions ?? []).enumerated().dropFirst() {
            guard case .fixed(let extent) = dim, extent > 0 else {
                throw LoupeError(.invalidModel, file: graph.sourcePath, location: "input '\(input.name)' dimension \(axis)",
                                 "symbolic or missing extent; give the input shape explicitly")
            }
            shape.append(extent)
        }
        return try plan(inputShapes: [input.name: shape])
    }

    /// The declared shape of the first input without its batch dimension (e.g. `[3, 224, 224]`).
    public var sampleShape: [Int]? {
        guard let dims = graph.inputs.first?.dimensions, dims.count >= 1 else { return nil }
        var shape = [Int]()
        for dim in dims.dropFirst() {
            guard case .fixed(let extent) = dim, extent > 0 else { return nil }
            shape.append(extent)
        }
        return shape
    }

    /// The plan for given input shapes (cached).
    public func plan(inputShapes: [String: [Int]]) throws -> Plan {
        let key = graph.inputs.flatMap { (inputShapes[$0.name] ?? []) + [-1] }
        planLock.lock()
        defer { planLock.unlock() }
        if let plan = plans[key] { return plan }
        let plan = try Plan(model: self, inputShapes: inputShapes)
        if plans.count > 8 { plans.removeAll() }
        plans[key] = plan
        return plan
    }

    /// A copy of this model whose initializers are replaced by `overrides` (e.g. randomised layers).
    public func replacingInitializers(_ overrides: [String: TensorValue]) throws -> Model {
        var graph = self.graph
        for (name, value) in overrides {
            guard let old = graph.initializers[name] else {
                throw LoupeError(.invalidConfig, location: name, "no initializer with this name")
            }
            guard old.shape == value.shape else {
                throw LoupeError(.invalidConfig, location: name, "shape \(value.shape) differs from \(old.shape)")
            }
            graph.initializers[name] = value
        }
        return try Model(graph: graph)
    }
}
