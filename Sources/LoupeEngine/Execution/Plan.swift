import LoupeONNX
import LoupeTensor

/// A schedule for one set of input shapes: every value's facts, folded constants, and the steps to run.
///
/// Planning walks the nodes in topological order, asks each operator for its output facts
/// (shape inference), and folds every node whose inputs are all constants (the
/// Shape→Gather→Unsqueeze→Concat→Reshape chains of PyTorch exports become constants here).
public struct Plan: @unchecked Sendable {
    /// One node to run: its index in `graph.nodes` and where its inputs and outputs live.
    struct Step {
        let nodeIndex: Int
        let inputSlots: [Int?]
        let outputSlots: [Int?]
    }

    /// The input shapes this plan was made for.
    public let inputShapes: [String: [Int]]
    /// Facts for every value of the graph (inputs, initializers, node outputs).
    public let facts: [String: ValueFacts]
    /// Names of values in the order nodes produce them (for listings).
    public let valueOrder: [String]
    let slotOf: [String: Int]
    let slotCount: Int
    let constantSlots: [(slot: Int, value: TensorValue)]
    let steps: [Step]
    /// For each slot, the index of the last step that reads it (-1 when none).
    let lastUse: [Int]
    /// For each slot, the step that writes it (-1 for inputs and constants).
    let producer: [Int]
    /// Elementwise tails that may run in place on their head's output, keyed by the head step (`Fusion`).
    let fusions: [Int: Fusion]
    /// Bias additions a `MatMul` step may do itself, keyed by that step (`RowBiasAdd`).
    let rowBiasAdds: [Int: RowBiasAdd]
    /// Layer normalisations a `Transpose` step may do itself, keyed by that step (`TransposedNormalization`).
    let transposedNormalizations: [Int: TransposedNormalization]

    init(model: Model, inputShapes: [String: [Int]]) throws {
        let graph = model.graph
        let file = graph.sourcePath
        self.inputShapes = inputShapes
        var facts = [String: ValueFacts]()
        var order = [String]()
        for (name, value) in graph.initializers { facts[name] = ValueFacts(constant: value) }
        for input in graph.inputs {
            guard let shape = inputShapes[input.name] else {
                throw LoupeError(.invalidInput, file: file, location: "input '\(input.name)'", "no shape given for this graph input")
            }
            if let dims = input.dimensions {
                guard dims.count == shape.count else {
                    throw LoupeError(.invalidInput, file: file, location: "input '\(input.name)'",
                                     "expected rank \(dims.count), got shape \(shape)")
                }
                for (axis, dim) in dims.enumerated() where axis > 0 {
                    if case .fixed(let extent) = dim, extent > 0, extent != shape[axis] {
                        throw LoupeError(.invalidInput, file: file, location: "input '\(input.name)'",
                                         "expected extent \(extent) on axis \(axis), got shape \(shape)")
                    }
                }
            }
            facts[input.name] = ValueFacts(shape: shape, element: input.element)
            try Plan.checkBudget(facts[input.name] ?? ValueFacts(shape: shape), value: input.name, node: "input '\(input.name)'", file: file)
            order.append(input.name)
        }
        var pendingSteps = [(nodeIndex: Int, inputs: [String?], outputs: [String?])]()
        for (index, node) in graph.nodes.enumerated() {
            let op = model.operators[index]
            var inputFacts = [ValueFacts?]()
            for name in node.inputs {
                if name.isEmpty { inputFacts.append(nil); continue }
                guard let fact = facts[name] else {
                    throw LoupeError(.invalidModel, file: file, location: "node '\(node.name)' (\(node.opType))",
                                     "input '\(name)' is not defined before this node")
                }
                inputFacts.append(fact)
            }
            var outputFacts: [ValueFacts]
            do {
                outputFacts = try op.inferFacts(inputFacts)
            } catch let error as LoupeError {
                throw error.inFile(file)
            }
            let wantedOutputs = node.outputs.enumerated().filter { !$0.element.isEmpty }
            guard outputFacts.count >= (wantedOutputs.last.map { $0.offset + 1 } ?? 0) else {
                throw LoupeError(.invalidModel, file: file, location: "node '\(node.name)' (\(node.opType))",
                                 "declares \(node.outputs.count) outputs but the operator produces \(outputFacts.count)")
            }
            // Sizes come from the file (pads, scales, repeats, declared dims): refuse before anything is allocated.
            for (position, name) in wantedOutputs {
                try Plan.checkBudget(outputFacts[position], value: name, node: "node '\(node.name)' (\(node.opType))", file: file)
            }
            let allInputsConstant = inputFacts.allSatisfy { $0 == nil || $0?.constant != nil }
            if !outputFacts.prefix(node.outputs.count).allSatisfy({ $0.constant != nil }) && allInputsConstant {
                do {
                    let values = try op.forward(inputFacts.map { $0?.constant })
                    outputFacts = values.map { ValueFacts(constant: $0) }
                } catch let error as LoupeError {
                    throw error.inFile(file)
                }
            }
            for (position, name) in wantedOutputs {
                facts[name] = outputFacts[position]
                order.append(name)
            }
            if !wantedOutputs.allSatisfy({ outputFacts[$0.offset].constant != nil }) {
                pendingSteps.append((index, node.inputs.map { $0.isEmpty ? nil : $0 }, node.outputs.map { $0.isEmpty ? nil : $0 }))
            }
        }
        for output in graph.outputs where facts[output.name] == nil {
            throw LoupeError(.invalidModel, file: file, location: "output '\(output.name)'", "no node produces this graph output")
        }
        // Slots: every value a step reads or writes, plus inputs and outputs.
        var slotOf = [String: Int]()
        func slot(_ name: String) -> Int {
            if let s = slotOf[name] { return s }
            let s = slotOf.count
            slotOf[name] = s
            return s
        }
        for input in graph.inputs { _ = slot(input.name) }
        var steps = [Step]()
        for pending in pendingSteps {
            steps.append(Step(nodeIndex: pending.nodeIndex,
                              inputSlots: pending.inputs.map { $0.map(slot) },
                              outputSlots: pending.outputs.map { $0.map(slot) }))
        }
        for output in graph.outputs { _ = slot(output.name) }
        var lastUse = [Int](repeating: -1, count: slotOf.count)
        var producer = [Int](repeating: -1, count: slotOf.count)
        for (stepIndex, step) in steps.enumerated() {
            for case let s? in step.inputSlots { lastUse[s] = stepIndex }
            for case let s? in step.outputSlots { producer[s] = stepIndex }
        }
        var constants = [(slot: Int, value: TensorValue)]()
        for (name, s) in slotOf {
            if let value = facts[name]?.constant, producer[s] < 0 { constants.append((s, value)) }
        }
        self.facts = facts
        self.valueOrder = order
        self.slotOf = slotOf
        self.slotCount = slotOf.count
        self.constantSlots = constants
        self.steps = steps
        self.lastUse = lastUse
        self.producer = producer
        let finder = FusionFinder(model: model, steps: steps, facts: facts, slotCount: slotOf.count, producer: producer)
        fusions = finder.fusions()
        rowBiasAdds = finder.rowBiasAdds()
        transposedNormalizations = finder.transposedNormalizations()
    }

    /// For each slot, the steps that read it, in order (each step once).
    static func readers(of steps: [Step], slotCount: Int) -> [[Int]] {
        var readers = [[Int]](repeating: [], count: slotCount)
        for (index, step) in steps.enumerated() {
            for case let slot? in step.inputSlots where readers[slot].last != index { readers[slot].append(index) }
        }
        return readers
    }

    /// The slots a run must keep to its end: the graph outputs and the tapped values.
    func pinnedSlots(outputs: [String], taps: Set<Int>) -> [Bool] {
        var pinned = [Bool](repeating: false, count: slotCount)
        for output in outputs { if let slot = slotOf[output] { pinned[slot] = true } }
        for slot in taps { pinned[slot] = true }
        return pinned
    }

    /// The inferred shape of a named value, or nil when the graph has no such value.
    public func shape(of name: String) -> [Int]? { facts[name]?.shape }

    /// Refuses a value whose planned size exceeds `MemoryBudget`, with overflow-safe arithmetic.
    static func checkBudget(_ facts: ValueFacts, value: String, node: String, file: String) throws {
        let bytesPerElement = facts.element == .float ? MemoryLayout<Float>.size : MemoryLayout<Int>.size
        let bytes = checkedProduct(facts.shape + [bytesPerElement])
        if let bytes, bytes <= MemoryBudget.bytes { return }
        let size = bytes.map { "\($0) bytes" } ?? "more than \(Int.max) bytes"
        throw LoupeError(.invalidModel, file: file, location: node,
                         "value '\(value)' of shape \(facts.shape) needs \(size), more than the memory budget of \(MemoryBudget.bytes) bytes \(MemoryBudget.hint)")
    }

    /// Refuses a constant that an operator computes while planning (before `checkBudget` sees its
    /// shape) when `count` elements of `bytesPerElement` bytes exceed `MemoryBudget`.
    static func checkFoldedBudget(count: Int, bytesPerElement: Int, node: Node) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesPerElement)
        guard overflow || bytes > MemoryBudget.bytes else { return }
        throw node.error("its output of \(count) elements needs more than the memory budget of \(MemoryBudget.bytes) bytes (LOUPE_MEMORY_LIMIT_MB)")
    }

    /// Number of nodes that run (nodes folded to constants excluded).
    public var stepCount: Int { steps.count }

    /// Indices into `graph.nodes` of the nodes that run, in order.
    public var runningNodeIndices: [Int] { steps.map(\.nodeIndex) }
}
