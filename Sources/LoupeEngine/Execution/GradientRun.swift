import LoupeONNX
import LoupeTensor

/// One gradient run over a batch: the forward pass, keeping what the reverse pass reads, then the
/// reverse pass from a seed of the target.
///
/// The halves are apart so that a batch cut into slices (`Model.gradientsInSlices`) can make its seed
/// from the whole batch's target between them. Saved forward values are released as soon as the last
/// backward step that reads them ran.
final class GradientRun {
    /// The run's slots, with its model and plan.
    let state: ExecutionState
    let reluRule: ReluRule
    let targetName: String
    let targetSlot: Int
    /// The slot of each requested value.
    let wrtSlots: [String: Int]
    /// Which slots depend on a requested value (their gradients must flow).
    let influenced: [Bool]
    /// Which steps lie between a requested value and the target.
    let activeStep: [Bool]
    /// Which float inputs of each step want a gradient (integer values never get one).
    let wanted: [[Bool]]
    /// The oneDNN chain replacing each step, if any (`BlockedChain`).
    let chainOf: [Int: BlockedChain]
    /// The fused tail each skipped step belongs to, for tails run beside their head.
    let fusedTail: [Int: Fusion]
    /// The step after whose backward each slot's value is released (`Int.max`: not saved).
    let releaseAfter: [Int]
    /// Graph outputs and taps of the forward pass.
    let forwardResult: ForwardResult
    /// The forward value of the target.
    let target: Tensor

    /// Plans the run for `inputs`' shapes and runs its forward half (see `Model.gradients`).
    init(model: Model, inputs: [String: Tensor], _ request: GradientRequest) throws {
        let (target, wrt, taps, reluRule, fuse) = (request.target, request.wrt, request.taps, request.reluRule, request.fuse)
        let graph = model.graph
        let plan = try model.plan(inputShapes: inputs.mapValues(\.shape))
        try model.validateValueNames(wrt.union([target]), plan: plan, role: "gradient value")
        guard let targetSlot = plan.slotOf[target] else {
            throw LoupeError(.invalidConfig, file: graph.sourcePath, location: "target '\(target)'",
                             "this value is a constant of the graph; it has no gradient")
        }
        var wrtSlots = [String: Int]()
        for name in wrt {
            guard let s = plan.slotOf[name] else {
                throw LoupeError(.invalidConfig, file: graph.sourcePath, location: "gradient value '\(name)'",
                                 "this value is folded into a constant at load time; no gradient is available for it")
            }
            wrtSlots[name] = s
        }
        var influenced = [Bool](repeating: false, count: plan.slotCount)
        for s in wrtSlots.values { influenced[s] = true }
        var activeStep = [Bool](repeating: false, count: plan.steps.count)
        for (index, step) in plan.steps.enumerated() where step.inputSlots.contains(where: { $0.map { influenced[$0] } ?? false }) {
            activeStep[index] = true
            for case let s? in step.outputSlots { influenced[s] = true }
        }
        // Only the steps that lead to the target get a gradient.
        var leadsToTarget = [Bool](repeating: false, count: plan.slotCount)
        leadsToTarget[targetSlot] = true
        for index in plan.steps.indices.reversed() {
            let step = plan.steps[index]
            let reaches = step.outputSlots.contains { $0.map { leadsToTarget[$0] } ?? false }
            if reaches { for case let s? in step.inputSlots { leadsToTarget[s] = true } } else { activeStep[index] = false }
        }
        let wanted = plan.steps.map { step in
            zip(step.inputSlots, graph.nodes[step.nodeIndex].inputs).map { slot, name in
                slot.map { influenced[$0] } == true && plan.facts[name]?.element != .integer
            }
        }
        let state = try ExecutionState(model: model, plan: plan, inputs: inputs, taps: taps)
        let protected = Set(wrtSlots.values).union([targetSlot])
        // Stretches with a reverse mode in oneDNN run as chains (`BlockedChain`), unless a requested or
        // target value lies inside, parameters want gradients, or ReLU follows another rule.
        var chains = [Int: BlockedChain]()
        if reluRule == .standard, wrt.allSatisfy({ graph.initializers[$0] == nil }) {
            var pinned = state.pinned
            for slot in protected { pinned[slot] = true }
            chains = model.blockedChains(plan: plan, pinned: pinned, fuse: fuse, minimum: request.chainMinimum, gradients: true)
        }
        var chainOf = [Int: BlockedChain]()
        for chain in chains.values { for step in chain.replacedSteps { chainOf[step] = chain } }
        // Fused tails with a backward from their input alone run beside their head (`Fusion.runsBesideHead`).
        let besides = fuse ? plan.fusions.filter { head, fusion in
            ([head] + fusion.skippedSteps).allSatisfy { chainOf[$0] == nil }
                && fusion.runsBesideHead(pinned: state.pinned, protected: protected)
        } : [:]
        var fusedTail = [Int: Fusion]()
        for fusion in besides.values {
            for skipped in fusion.skippedSteps { fusedTail[skipped] = fusion }
        }
        // Saved values: what each active step's backward reads for the gradients wanted; freed after
        // the earliest such step. An input read only by shape is not saved (its planned shape is given).
        var releaseAfter = [Int](repeating: Int.max, count: plan.slotCount)
        for fusion in besides.values {
            guard let last = fusion.skippedSteps.last, activeStep[last], let head = fusion.innerSlots.first else { continue }
            releaseAfter[head] = min(releaseAfter[head], last)
        }
        for (index, step) in plan.steps.enumerated() where activeStep[index] && fusedTail[index] == nil && chainOf[index] == nil {
            let op = model.operators[step.nodeIndex]
            var saved = [Int]()
            for (slot, read) in zip(step.inputSlots, op.inputsRead(wanting: wanted[index])) where read { saved += [slot].compactMap { $0 } }
            if op.backwardNeeds.contains(.outputs) { saved += step.outputSlots.compactMap { $0 } }
            for s in saved { releaseAfter[s] = min(releaseAfter[s], index) }
        }
        try state.forward(keep: { releaseAfter[$0] != Int.max || $0 == targetSlot }, fuse: fuse, beside: besides, chains: chains)
        guard let targetValue = state.slots[targetSlot]?.asFloat else {
            throw LoupeError(.computation, file: graph.sourcePath, location: "target '\(target)'", "target value was not computed")
        }
        (self.state, self.reluRule) = (state, reluRule)
        (self.targetName, self.targetSlot) = (target, targetSlot)
        (self.wrtSlots, self.influenced, self.activeStep, self.wanted) = (wrtSlots, influenced, activeStep, wanted)
        (self.chainOf, self.fusedTail, self.releaseAfter) = (chainOf, fusedTail, releaseAfter)
        forwardResult = state.result()
        self.target = targetValue
    }

    /// `seed`, when it has the shape of `target` (the value named `name`).
    static func checked(seed: Tensor, of target: Tensor, named name: String) throws -> Tensor {
        guard seed.shape == target.shape else {
            throw LoupeError(.computation, location: "target '\(name)'",
                             "seed gradient shape \(seed.shape) differs from the value's \(target.shape)")
        }
        return seed
    }

    /// Runs the reverse half from `seed` (dObjective/dTarget, the target's shape) and
    /// returns the gradients of the requested values (zeros when unreachable). Runs once.
    func backward(seed: Tensor) throws -> GradientResult {
        let (model, plan) = (state.model, state.plan)
        let graph = model.graph
        let seedGradient = try Self.checked(seed: seed, of: target, named: targetName)
        var grads = [Tensor?](repeating: nil, count: plan.slotCount)
        grads[targetSlot] = seedGradient
        /// Adds `g` to the gradient of `slot`; taken out of `grads` first so the sum is written in place, not into a copy.
        func accumulate(_ slot: Int, _ g: Tensor) {
            if var sum = grads[slot] {
                grads[slot] = nil
                sum.add(g)
                grads[slot] = sum
            } else {
                grads[slot] = g
            }
        }
        let keepGradient = Set(wrtSlots.values)
        for index in plan.steps.indices.reversed() {
            let step = plan.steps[index]
            defer {
                for s in (step.inputSlots + step.outputSlots).compactMap({ $0 }) where releaseAfter[s] == index
                    && !state.pinned[s] && plan.producer[s] >= 0 {
                    state.slots[s] = nil
                }
            }
            if let chain = chainOf[index] {
                // The chain's backward runs once, at its last step; its other steps have none of their own.
                guard index == chain.replacedSteps.last else { continue }
                let outputGradients = chain.outputSlots.map { grads[$0] }
                let saved = state.chainSaved.removeValue(forKey: chain.first) ?? []
                guard outputGradients.contains(where: { $0 != nil }) else { continue }
                let inputGradients = try chain.backward(outputGradients, saved: saved, graph: graph)
                for slot in chain.outputSlots where !keepGradient.contains(slot) { grads[slot] = nil }
                for (slot, g) in zip(chain.inputSlots, inputGradients) where influenced[slot] { accumulate(slot, g) }
                continue
            }
            guard activeStep[index] else { continue }
            if let fusion = fusedTail[index] {
                // The tail's steps did not run: its last step carries the whole tail's backward.
                guard index == fusion.skippedSteps.last, let head = fusion.innerSlots.first,
                      let g = grads[fusion.resultSlot], case .float(let x)? = state.slots[head] else { continue }
                guard let dx = unaryDerivativeProduct(fusion.function, gradient: g, input: x) else {
                    throw LoupeError(.computation, file: graph.sourcePath, location: "node '\(graph.nodes[step.nodeIndex].name)'",
                                     "a fused tail without a backward ran beside its head")
                }
                if !keepGradient.contains(fusion.resultSlot) { grads[fusion.resultSlot] = nil }
                accumulate(head, dx)
                if releaseAfter[head] == index && !state.pinned[head] { state.slots[head] = nil }
                continue
            }
            let outputGradients = step.outputSlots.map { $0.flatMap { grads[$0] } }
            guard outputGradients.contains(where: { $0 != nil }) else { continue }
            let node = graph.nodes[step.nodeIndex]
            let context = BackwardContext(
                inputs: step.inputSlots.map { $0.flatMap { state.slots[$0] } },
                outputs: step.outputSlots.map { $0.flatMap { state.slots[$0] } },
                outputGradients: outputGradients,
                wantsInputGradient: wanted[index],
                reluRule: reluRule,
                inputShapes: node.inputs.map { $0.isEmpty ? nil : plan.facts[$0]?.shape })
            let inputGradients: [Tensor?]
            do {
                inputGradients = try model.operators[step.nodeIndex].backward(context)
            } catch let error as LoupeError {
                throw LoupeError(error.kind, file: graph.sourcePath, location: "node '\(node.name)' (\(node.opType)) backward",
                                 error.reason)
            }
            for case let s? in step.outputSlots where !keepGradient.contains(s) { grads[s] = nil }
            for (position, slot) in step.inputSlots.enumerated() {
                guard let slot, influenced[slot], position < inputGradients.count, let g = inputGradients[position] else { continue }
                guard let shape = plan.facts[node.inputs[position]]?.shape, g.shape == shape else {
                    throw LoupeError(.computation, file: graph.sourcePath, location: "node '\(node.name)' (\(node.opType)) backward",
                                     "gradient for input \(position) has shape \(g.shape)")
                }
                accumulate(slot, g)
            }
        }
        var result = [String: Tensor]()
        for (name, s) in wrtSlots {
            result[name] = grads[s] ?? Tensor(shape: plan.facts[name]?.shape ?? [])
        }
        return GradientResult(forward: forwardResult, target: target, gradients: result)
    }
}
