import Foundation
import LoupeONNX
import LoupeTensor

/// The graph with its trailing row-wise layers run on the one row (token) the output reads.
///
/// A vision transformer with a class token (ViT) reads token 0 of its final LayerNorm's output: a
/// `Gather` on axis 1 of an `[N, T, D]` value with a constant scalar index. The layers between the last
/// attention and that `Gather` (the last block's residual additions, LayerNorms and MLP) act on each
/// token apart, so their work on the other `T - 1` tokens is dead: in ViT-B/16 that is 8/12 of one block
/// of twelve, about 5.5 % of a forward pass and of a gradient run. The pruned graph gathers the row where
/// that stretch begins and runs the stretch on `[N, D]`. Its outputs are the same up to the rounding of
/// shorter products, and so are input and parameter gradients (the dead rows contribute nothing).
///
/// `run` and `gradients` use it when no tap, requested value or target is one of the pruned values,
/// whose shapes change; otherwise they run the whole graph. `LOUPE_ROW_PRUNING=0` turns it off.
public struct RowPruning: @unchecked Sendable {
    /// Whether runs may use a pruned graph (`LOUPE_ROW_PRUNING` is not `0`).
    static let isEnabled = ProcessInfo.processInfo.environment["LOUPE_ROW_PRUNING"] != "0"
    /// The values computed on one row only in the pruned graph (their names are kept).
    public let prunedValues: Set<String>
    /// The pruned graph; it shares the operators of unchanged nodes (and their cached weight layouts).
    public let model: Model

    /// Unary operators that act on every element alone.
    static let elementwise: Set<String> = ["Abs", "Elu", "Erf", "Exp", "Gelu", "HardSigmoid", "HardSwish", "Identity",
                                           "LeakyRelu", "Log", "Neg", "Relu", "Sigmoid", "Softplus", "Sqrt", "Tanh"]
    /// Binary operators with broadcasting, row-wise when no operand broadcasts across the rows.
    static let binary: Set<String> = ["Add", "Div", "Mul", "Pow", "Sub"]
}

extension Model {
    /// The pruned graph, or nil when the graph has no such stretch (made once per model).
    public func rowPruning() -> RowPruning? {
        rowPruningCache.value { makeRowPruning() }
    }

    /// The whole-graph model or its pruned form, whichever a run that names `requested` values may use.
    func modelForRun(requesting requested: Set<String>) -> Model {
        guard RowPruning.isEnabled, let pruning = rowPruning(), requested.isDisjoint(with: pruning.prunedValues) else { return self }
        return pruning.model
    }

    private func makeRowPruning() -> RowPruning? {
        // Only a graph with a Gather is planned for it.
        guard graph.nodes.contains(where: { $0.opType == "Gather" }), let plan = try? plan(batchSize: 1) else { return nil }
        // The one Gather on axis 1 of a rank-3 value with a constant scalar index, and that index.
        let gathers = graph.nodes.indices.compactMap { index -> (node: Int, row: Int)? in
            let node = graph.nodes[index]
            guard node.opType == "Gather", node.inputs.count == 2, node.outputs.count == 1,
                  (try? node.int("axis", default: 0)) == 1, let shape = plan.facts[node.inputs[0]]?.shape, shape.count == 3,
                  case .int(let indices)? = plan.facts[node.inputs[1]]?.constant, indices.shape.isEmpty,
                  let row = indices.values.first, row >= 0, row < shape[1] else { return nil }
            return (index, row)
        }
        guard gathers.count == 1, let (gather, row) = gathers.first,
              let rows = plan.facts[graph.nodes[gather].inputs[0]]?.shape[1] else { return nil }
        let outputs = Set(graph.outputs.map(\.name))
        var readers = [String: [Int]]()
        for (index, node) in graph.nodes.enumerated() {
            for name in Set(node.inputs) where !name.isEmpty { readers[name, default: []].append(index) }
        }
        // A value with all rows: shape [n, T, ...] of the data's rank.
        func hasRows(_ name: String) -> Bool {
            guard let shape = plan.facts[name]?.shape else { return false }
            return shape.count == 3 && shape[1] == rows
        }
        // Nodes whose output only pruned nodes (or the Gather) read, from the end.
        var pruned = Set<Int>()
        for index in graph.nodes.indices.reversed() where index < gather {
            let node = graph.nodes[index]
            guard node.outputs.count == 1, let output = node.outputs.first, !outputs.contains(output), hasRows(output),
                  let reading = readers[output], reading.allSatisfy({ $0 == gather || pruned.contains($0) }),
                  isRowWise(node, plan: plan, hasRows: hasRows) else { continue }
            pruned.insert(index)
        }
        // Nothing to do unless the Gather alone reads its input, and that input is made on one row.
        let data = graph.nodes[gather].inputs[0]
        guard readers[data] == [gather], pruned.contains(where: { graph.nodes[$0].outputs == [data] }) else { return nil }
        return try? prunedModel(pruned: pruned, gather: gather, row: row, hasRows: hasRows)
    }

    /// Whether `node` works on each row of its `[n, T, D]` operands apart, with its other operands
    /// broadcast along the last axis only (or, for MatMul, a constant matrix on the right).
    private func isRowWise(_ node: Node, plan: Plan, hasRows: (String) -> Bool) -> Bool {
        let operands = node.inputs.filter { !$0.isEmpty }
        func rank(_ name: String) -> Int? { plan.facts[name]?.shape.count }
        func broadcastAlongLast(_ name: String) -> Bool { (rank(name) ?? 3) <= 1 }
        switch node.opType {
        case let op where RowPruning.elementwise.contains(op):
            return operands.count == 1 && hasRows(operands[0])
        case let op where RowPruning.binary.contains(op):
            return operands.count == 2 && operands.contains(where: hasRows)
                && operands.allSatisfy { hasRows($0) || broadcastAlongLast($0) }
        case "LayerNormalization":
            let axis = (try? node.int("axis", default: -1)) ?? 0
            return (axis == -1 || axis == 2) && node.outputs.count == 1 && node.inputs.first.map(hasRows) == true
                && operands.dropFirst().allSatisfy(broadcastAlongLast)
        case "MatMul":
            return operands.count == 2 && hasRows(operands[0]) && rank(operands[1]) == 2 && plan.facts[operands[1]]?.constant != nil
        default:
            return false
        }
    }

    /// The graph with the pruned nodes reading one row: a Gather before each operand with all rows
    /// that no pruned node makes, and the original Gather replaced by an Identity.
    private func prunedModel(pruned: Set<Int>, gather: Int, row: Int, hasRows: (String) -> Bool) throws -> RowPruning {
        var graph = self.graph
        let made = Set(pruned.flatMap { self.graph.nodes[$0].outputs })
        let indexName = "\(self.graph.nodes[gather].outputs[0])#row_index"
        graph.initializers[indexName] = .int(IntTensor(shape: [], values: [row]))
        graph.initializerOrder.append(indexName)
        var nodes = [Node](), operators = [any Operator]()
        var gathered = [String: String]()
        func build(_ node: Node) throws -> any Operator {
            guard let type = OperatorTable.byOpType[node.opType] else { throw node.error("no operator for \(node.opType)") }
            return try type.init(node: node, opset: graph.opsetVersion)
        }
        for (index, original) in self.graph.nodes.enumerated() {
            if index == gather {
                let identity = Node(name: original.name, opType: "Identity", inputs: [original.inputs[0]], outputs: original.outputs)
                nodes.append(identity)
                operators.append(try build(identity))
                continue
            }
            guard pruned.contains(index) else {
                nodes.append(original)
                operators.append(self.operators[index])
                continue
            }
            var node = original
            for (position, name) in node.inputs.enumerated() where !name.isEmpty && !made.contains(name) && hasRows(name) {
                if gathered[name] == nil {
                    let rowName = "\(name)#row\(row)"
                    let take = Node(name: "\(original.name)#row\(row)_\(position)", opType: "Gather", inputs: [name, indexName],
                                    outputs: [rowName], attributes: ["axis": .int(1)])
                    nodes.append(take)
                    operators.append(try build(take))
                    gathered[name] = rowName
                }
                node.inputs[position] = gathered[name] ?? name
            }
            if node.opType == "LayerNormalization" { node.attributes["axis"] = .int(-1) }
            nodes.append(node)
            operators.append(node == original ? self.operators[index] : try build(node))
        }
        graph.nodes = nodes
        let model = Model(graph: graph, operators: operators)
        _ = try model.plan(batchSize: 1)
        _ = model.rowPruningCache.value { nil }  // a pruned graph is not pruned again
        return RowPruning(prunedValues: made, model: model)
    }
}
