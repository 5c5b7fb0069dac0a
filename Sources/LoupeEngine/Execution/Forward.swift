import LoupeONNX
import LoupeTensor

/// Values a run returns: the graph outputs and every tapped intermediate value.
public struct ForwardResult: Sendable {
    /// Graph outputs by name.
    public var outputs: [String: TensorValue]
    /// Captured intermediate values by name.
    public var taps: [String: TensorValue]

    public init(outputs: [String: TensorValue], taps: [String: TensorValue]) {
        self.outputs = outputs
        self.taps = taps
    }

    /// The first graph output as floats (the logits or probabilities of a classifier).
    public func firstOutput(of model: Model) throws -> Tensor {
        guard let name = model.graph.outputs.first?.name, let value = outputs[name] else {
            throw LoupeError(.invalidModel, file: model.graph.sourcePath, location: "graph", "the graph has no outputs")
        }
        return value.asFloat
    }
}

extension Model {
    /// Runs the graph on a batch; values named in `taps` are captured as they are produced.
    ///
    /// Intermediate buffers are released as soon as their last consumer ran, unless tapped. A batch
    /// of several images runs as one slice per worker when the graph keeps images apart (`SlicedRun`).
    /// Layers whose rows the outputs do not read run on the rows they do read (`RowPruning`).
    public func run(_ inputs: [String: Tensor], taps: Set<String> = []) throws -> ForwardResult {
        let pruned = modelForRun(requesting: taps)
        if pruned !== self { return try pruned.run(inputs, taps: taps) }
        if let sliced = try runInSlices(inputs, taps: taps) { return sliced }
        return try runWhole(inputs, taps: taps)
    }

    /// Runs the graph on the whole batch at once, each operator spreading its work over the workers.
    /// Stretches with at least `chainMinimum` convolution multiply-adds per image run as `BlockedChain`s.
    func runWhole(_ inputs: [String: Tensor], taps: Set<String> = [],
                  chainMinimum: Int = BlockedChain.minimumMultiplyAddsPerImage) throws -> ForwardResult {
        let plan = try self.plan(inputShapes: inputs.mapValues(\.shape))
        let state = try ExecutionState(model: self, plan: plan, inputs: inputs, taps: taps)
        let chains = blockedChains(plan: plan, pinned: state.pinned, fuse: Fusion.isEnabled, minimum: chainMinimum)
        try state.forward(keep: { _ in false }, chains: chains)
        return state.result()
    }

    /// Runs the graph with one input tensor bound to the first graph input.
    public func run(_ input: Tensor, taps: Set<String> = []) throws -> ForwardResult {
        try run([primaryInputName: input], taps: taps)
    }

    /// Checks that every name in `names` is a value of the graph, listing candidates otherwise.
    public func validateValueNames(_ names: Set<String>, plan: Plan, role: String) throws {
        for name in names.sorted() where plan.facts[name] == nil {
            let candidates = plan.valueOrder.filter { plan.facts[$0]?.constant == nil }
            throw LoupeError(.invalidConfig, file: graph.sourcePath, location: "\(role) '\(name)'",
                             "no value with this name; candidates: " + candidates.prefix(60).joined(separator: ", "))
        }
    }
}

/// Mutable slot storage for one run of a plan.
final class ExecutionState {
    let model: Model
    let plan: Plan
    var slots: [TensorValue?]
    let tapSlots: Set<Int>
    let tapNames: Set<String>
    let pinned: [Bool]
    /// In gradient runs, what each chain (by first step) saved for its backward, for the whole batch.
    var chainSaved: [Int: [[Float]]] = [:]

    init(model: Model, plan: Plan, inputs: [String: Tensor], taps: Set<String>) throws {
        self.model = model
        self.plan = plan
        try model.validateValueNames(taps, plan: plan, role: "tap")
        slots = [TensorValue?](repeating: nil, count: plan.slotCount)
        for (slot, value) in plan.constantSlots { slots[slot] = value }
        for declaration in model.graph.inputs {
            guard let tensor = inputs[declaration.name], let slot = plan.slotOf[declaration.name] else {
                throw LoupeError(.invalidInput, file: model.graph.sourcePath, location: "input '\(declaration.name)'",
                                 "missing input")
            }
            slots[slot] = declaration.element == .integer
                ? .int(TensorValue.float(tensor).asInt) : .float(tensor)
        }
        tapNames = taps
        tapSlots = Set(taps.compactMap { plan.slotOf[$0] })
        pinned = plan.pinnedSlots(outputs: model.graph.outputs.map(\.name), taps: tapSlots)
    }

    /// Runs every step; `keep(slot)` says which otherwise-dead values must survive (for backward).
    ///
    /// With `fuse`, an elementwise tail (`Fusion`) whose values nobody else needs runs in place on
    /// its head's output, and its own steps are skipped; the results are the same bytes either way.
    /// The tails in `beside` (by head step) run beside their head instead: the head's output is kept
    /// and the tail's result is a new value (a gradient run's fused tail, `Model.gradients`).
    /// The `chains` (by first step) replace their steps (`BlockedChain`); in gradient runs each keeps
    /// the values its backward reads in `chainSaved`.
    func forward(keep: (Int) -> Bool, fuse: Bool = Fusion.isEnabled, beside: [Int: Fusion] = [:],
                 chains: [Int: BlockedChain] = [:]) throws {
        var fusedAway = [Bool](repeating: false, count: plan.steps.count)
        // A tail that a chain runs as its own stage is not fused onto an unchained head.
        var chained = [Bool](repeating: false, count: plan.steps.count)
        for chain in chains.values { for step in chain.replacedSteps { chained[step] = true } }
        for (stepIndex, step) in plan.steps.enumerated() where !fusedAway[stepIndex] {
            if let chain = chains[stepIndex] {
                let saved = try chain.run(&slots, graph: model.graph)
                if chain.gradient != nil { chainSaved[chain.first] = saved }
                for replaced in chain.replacedSteps {
                    fusedAway[replaced] = true
                    release(plan.steps[replaced].inputSlots, after: replaced, keep: keep)
                }
                continue
            }
            let op = model.operators[step.nodeIndex]
            let inputs = step.inputSlots.map { $0.flatMap { slots[$0] } }
            // A product whose bias `Add` runs in the same pass: this step then produces the `Add`'s output (`head`).
            let biasAdd = fuse ? plan.rowBiasAdds[stepIndex].flatMap { candidate in
                candidate.applies(pinned: pinned, keep: keep) && !chained[candidate.addStep] ? candidate : nil
            } : nil
            // A transpose whose layer normalisation runs in the same pass: this step then produces its output.
            let transposedNorm = fuse && biasAdd == nil ? plan.transposedNormalizations[stepIndex].flatMap { candidate in
                candidate.applies(pinned: pinned, keep: keep) && !chained[candidate.normalizationStep]
                    && beside[candidate.normalizationStep] == nil ? candidate : nil
            } : nil
            let head = biasAdd?.addStep ?? transposedNorm?.normalizationStep ?? stepIndex
            let node = model.graph.nodes[plan.steps[head].nodeIndex]
            let fusion = fuse && beside[head] == nil ? plan.fusions[head].flatMap { candidate in
                candidate.appliesInPlace(pinned: pinned, keep: keep) && !candidate.skippedSteps.contains { chained[$0] }
                    ? candidate : nil
            } : nil
            var outputs: [TensorValue]
            do {
                if let biasAdd {
                    outputs = try op.forward(inputs)
                    try biasAdd.apply(to: &outputs, tail: fusion?.function, beside: beside[head]?.function)
                    fusedAway[head] = true
                } else if let transposedNorm {
                    outputs = try transposedNorm.apply(to: inputs.first ?? nil, tail: fusion?.function)
                    fusedAway[head] = true
                } else {
                    outputs = try op.forward(inputs, epilogue: fusion?.function)
                }
            } catch let error as LoupeError {
                throw error.inFile(model.graph.sourcePath)
            }
            var outputSlots = plan.steps[head].outputSlots
            if let fusion {
                outputSlots = [fusion.resultSlot]
                for skipped in fusion.skippedSteps { fusedAway[skipped] = true }
            } else if let tail = beside[head], case .float(let value)? = outputs.first, outputs.count == (biasAdd == nil ? 1 : 2) {
                if biasAdd == nil { outputs.append(.float(applyUnary(tail.function, to: value))) }
                outputSlots.append(tail.resultSlot)
                for skipped in tail.skippedSteps { fusedAway[skipped] = true }
            }
            for (position, slot) in outputSlots.enumerated() {
                guard let slot else { continue }
                guard position < outputs.count else {
                    throw LoupeError(.computation, file: model.graph.sourcePath, location: "node '\(node.name)'",
                                     "operator produced \(outputs.count) outputs, expected \(position + 1)")
                }
                // A fused tail's result has its head's shape (`FusionFinder` checks it).
                let expected = plan.facts[node.outputs[min(position, node.outputs.count - 1)]]?.shape
                if outputs[position].shape != expected {
                    throw LoupeError(.computation, file: model.graph.sourcePath, location: "node '\(node.name)' (\(node.opType))",
                                     "produced shape \(outputs[position].shape), planned \(expected ?? [])")
                }
                slots[slot] = outputs[position]
            }
            release(step.inputSlots, after: stepIndex, keep: keep)
        }
    }

    /// Frees the values among `inputSlots` whose last reader is step `stepIndex` (unless pinned or kept).
    private func release(_ inputSlots: [Int?], after stepIndex: Int, keep: (Int) -> Bool) {
        for case let slot? in inputSlots where plan.lastUse[slot] == stepIndex && !pinned[slot] && !keep(slot)
            && plan.producer[slot] >= 0 {
            slots[slot] = nil
        }
    }

    /// The graph outputs and taps of a finished forward pass.
    func result() -> ForwardResult {
        var outputs = [String: TensorValue]()
        for output in model.graph.outputs {
            if let s = plan.slotOf[output.name], let v = slots[s] { outputs[output.name] = v }
            else if let c = plan.facts[output.name]?.constant { outputs[output.name] = c }
        }
        var taps = [String: TensorValue]()
        for name in tapNames {
            if let s = plan.slotOf[name], let v = slots[s] { taps[name] = v }
            else if let c = plan.facts[name]?.constant { taps[name] = c }
        }
        return ForwardResult(outputs: outputs, taps: taps)
    }
}
