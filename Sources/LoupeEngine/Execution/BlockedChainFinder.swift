import LoupeONNX
import LoupeTensor

/// Finds the stretches of a plan that oneDNN can run as `BlockedChain`s and compiles them.
///
/// Steps are taken in plan order. A stretch grows while each step is a convolution with constant
/// weights, an addition or multiplication of two `[N, C, H, W]` values (or one `[N, C, 1, 1]`), a
/// global average pool, or a unary function oneDNN has, with any fused tail one of those functions;
/// any other step ends it. Fused tails count as part of their head.
struct BlockedChainFinder {
    let model: Model
    let plan: Plan
    let pinned: [Bool]
    let fuse: Bool
    /// Convolution multiply-adds per image a chain needs (`BlockedChain.minimumMultiplyAddsPerImage`).
    let minimum: Int
    /// Chains for a gradient run: only stages with a reverse mode (`DNNLChainGradientProgram`).
    let gradients: Bool
    /// For each slot, the steps reading it.
    private let readers: [[Int]]
    /// For each slot, its planned facts.
    private let slotFacts: [ValueFacts?]

    init(model: Model, plan: Plan, pinned: [Bool], fuse: Bool, minimum: Int, gradients: Bool = false) {
        self.model = model
        self.minimum = minimum
        self.gradients = gradients
        self.plan = plan
        self.pinned = pinned
        self.fuse = fuse
        readers = Plan.readers(of: plan.steps, slotCount: plan.slotCount)
        var slotFacts = [ValueFacts?](repeating: nil, count: plan.slotCount)
        for (name, slot) in plan.slotOf { slotFacts[slot] = plan.facts[name] }
        self.slotFacts = slotFacts
    }

    /// One step taken into a stretch: its stage (with slots for value numbers) and the steps it replaces.
    private struct Taken {
        var stage: DNNLChainDescription.Stage
        var reads: [Int]
        var writes: Int
        var replaced: [Int]
        var isConvolution: Bool
    }

    /// Every chain worth running, keyed by its first step; nil when there is none.
    func chains(threads: Int) -> [Int: BlockedChain]? {
        var found = [Int: BlockedChain]()
        var stretch = [Taken]()
        var absorbed = Set<Int>()
        func close() {
            defer { stretch = [] }
            for chain in compile(stretch[...], threads: threads) { found[chain.first] = chain }
        }
        for index in plan.steps.indices {
            if absorbed.contains(index) { continue }
            // A fused tail runs with its head, chained or not: never a stage of its own.
            absorbed.formUnion(appliedFusion(index)?.skippedSteps ?? [])
            guard let taken = take(index), hasReverseModeIfNeeded(taken) else {
                close()
                continue
            }
            if let last = stretch.last, let merged = residual(taken, after: last), hasReverseModeIfNeeded(merged) {
                stretch[stretch.count - 1] = merged
            } else {
                stretch.append(taken)
            }
            // A gradient run needs the whole gradient of a pinned value (a requested one): it ends the chain.
            if gradients && pinned[taken.writes] { close() }
        }
        close()
        return found.isEmpty ? nil : found
    }

    /// Whether `taken` may join a chain of this kind: in gradient runs, only with a reverse mode
    /// (`DNNLChainGradientProgram.hasReverseMode`, the rule its program also applies).
    private func hasReverseModeIfNeeded(_ taken: Taken) -> Bool {
        !gradients || DNNLChainGradientProgram.hasReverseMode(taken.stage, dimensions: { slotFacts[$0]?.shape })
    }

    /// The fusion headed by step `index` that a forward-only run applies (`ExecutionState.forward`'s rule).
    /// In gradient runs only ReLU-like tails fuse (their backward reads the fused result).
    private func appliedFusion(_ index: Int) -> Fusion? {
        guard fuse, let candidate = plan.fusions[index],
              !gradients || DNNLChainGradientProgram.reluSlope(candidate.function) != nil else { return nil }
        return candidate.appliesInPlace(pinned: pinned, keep: { _ in false }) ? candidate : nil
    }

    /// The stage for `index` when it can join a chain.
    private func take(_ index: Int) -> Taken? {
        let step = plan.steps[index]
        let op = model.operators[step.nodeIndex]
        let fusion = appliedFusion(index)
        guard let produced = step.outputSlots.first ?? nil, step.outputSlots.count == 1 else { return nil }
        let output = fusion?.resultSlot ?? produced
        let tail = fusion?.function
        if let tail, DNNLChainDescription.elementwise(tail) == nil { return nil }
        let replaced = [index] + (fusion?.skippedSteps ?? [])
        let inputs = step.inputSlots
        func batched(_ position: Int) -> (slot: Int, shape: [Int])? {
            guard position < inputs.count, let slot = inputs[position], let facts = slotFacts[slot],
                  facts.constant == nil, facts.element == .float, facts.shape.count == 4 else { return nil }
            return (slot, facts.shape)
        }
        func constant(_ position: Int) -> Tensor? {
            guard position < inputs.count, let slot = inputs[position], case .float(let value)? = slotFacts[slot]?.constant
            else { return nil }
            return value
        }
        switch op {
        case let conv as ConvOperator:
            guard let x = batched(0), let w = constant(1) else { return nil }
            let b = inputs.count > 2 && inputs[2] != nil ? constant(2) : nil
            if inputs.count > 2 && inputs[2] != nil && b == nil { return nil }
            guard let (geometry, _) = try? conv.plan(input: x.shape, weight: w.shape, bias: b?.shape),
                  geometry.inHeight == x.shape[2] else { return nil }
            // Winograd by the chains' own rule (in oneDNN's layouts it wins on smaller maps than on plain ones).
            let algorithm = DNNLChainDescription.winogradForward(geometry) ? DNNLConvolutionAlgorithm.winograd : .direct
            return Taken(stage: .convolution(.init(geometry: geometry, weight: w.scalars, bias: b?.scalars, input: x.slot,
                                                   output: output, tail: tail, algorithm: algorithm)),
                         reads: [x.slot], writes: output, replaced: replaced, isConvolution: true)
        case is AddOperator, is MulOperator:
            guard inputs.count == 2, let lhs = batched(0), let rhs = batched(1), broadcastable(lhs.shape, rhs.shape) else { return nil }
            let kind: DNNLChainDescription.BinaryKind = op is AddOperator ? .add : .mul
            return Taken(stage: .binary(kind, lhs: lhs.slot, rhs: rhs.slot, output: output, tail: tail),
                         reads: [lhs.slot, rhs.slot], writes: output, replaced: replaced, isConvolution: false)
        case is GlobalAveragePoolOperator:
            guard tail == nil, let x = batched(0) else { return nil }
            return Taken(stage: .globalAveragePool(input: x.slot, output: output), reads: [x.slot], writes: output,
                         replaced: replaced, isConvolution: false)
        case let unary as any UnaryElementwiseOperator:
            guard tail == nil, inputs.count == 1, let x = batched(0),
                  DNNLChainDescription.elementwise(unary.function) != nil else { return nil }
            return Taken(stage: .unary(unary.function, input: x.slot, output: output), reads: [x.slot], writes: output,
                         replaced: replaced, isConvolution: false)
        default:
            return nil
        }
    }

    /// The convolution `previous` with the addition `taken` folded in as its residual addend, when
    /// the addition reads the convolution's output, nothing else does, and the other operand has its shape.
    private func residual(_ taken: Taken, after previous: Taken) -> Taken? {
        guard case .binary(.add, let lhs, let rhs, let output, let tail) = taken.stage,
              case .convolution(var convolution) = previous.stage, convolution.addend == nil,
              let addStep = taken.replaced.first, readers[previous.writes] == [addStep], !pinned[previous.writes] else { return nil }
        let addend = lhs == previous.writes ? rhs : lhs
        guard addend != previous.writes, lhs == previous.writes || rhs == previous.writes,
              slotFacts[addend]?.shape == slotFacts[previous.writes]?.shape else { return nil }
        convolution.addend = addend
        convolution.addendTail = tail
        convolution.output = output
        return Taken(stage: .convolution(convolution), reads: previous.reads + [addend], writes: output,
                     replaced: previous.replaced + taken.replaced, isConvolution: true)
    }

    /// Same shapes, or `[N, C, 1, 1]` against `[N, C, H, W]` in either order.
    private func broadcastable(_ a: [Int], _ b: [Int]) -> Bool {
        if a == b { return true }
        let (small, large) = a.reduce(1, *) < b.reduce(1, *) ? (a, b) : (b, a)
        return small == [large[0], large[1], 1, 1]
    }

    /// The chains of a finished stretch: the whole stretch when it is worth running and oneDNN compiles
    /// it; when oneDNN refuses one stage, the chains of the stretches before and after that stage.
    private func compile(_ stretch: ArraySlice<Taken>, threads: Int) -> [BlockedChain] {
        guard stretch.filter(\.isConvolution).count >= 2 else { return [] }
        let replaced = Set(stretch.flatMap(\.replaced))
        let written = Set(stretch.map(\.writes))
        // Number the values: the chain's inputs first, then each written value.
        var number = [Int: Int]()
        var dimensions = [[Int]]()
        var inputSlots = [Int]()
        func value(_ slot: Int) -> Int {
            if let known = number[slot] { return known }
            number[slot] = dimensions.count
            dimensions.append(slotFacts[slot]?.shape ?? [])
            return dimensions.count - 1
        }
        for taken in stretch {
            for slot in taken.reads where !written.contains(slot) && number[slot] == nil {
                inputSlots.append(slot)
                _ = value(slot)
            }
            _ = value(taken.writes)
        }
        let stages = stretch.map { renumbered($0.stage, value) }
        let outputSlots = stretch.map(\.writes).filter { slot in
            pinned[slot] || readers[slot].contains { !replaced.contains($0) }
        }
        let chain = DNNLChainDescription(dimensions: dimensions, inputs: inputSlots.map(value), stages: stages,
                                         outputs: outputSlots.map(value))
        guard chain.convolutionMultiplyAddsPerImage >= minimum, (chain.batch ?? 0) > 0,
              let first = stretch.first?.replaced.first, let last = stretch.last?.replaced.first else { return [] }
        // A gradient run's backward reaches the chain at its last replaced step: every outside reader
        // of its outputs must come later.
        if gradients, let lastReplaced = replaced.max(),
           outputSlots.contains(where: { slot in readers[slot].contains { !replaced.contains($0) && $0 < lastReplaced } }) {
            return []
        }
        // Forward-only runs: one program for one image, the batch runs through it image by image.
        // Gradient runs: the whole batch at once (ResNet-50's 1x1 convolutions on 7x7 maps are too thin
        // one image at a time).
        var refused: Int?
        let program: DNNLChainProgram?, gradient: DNNLChainGradientProgram?
        let imagesPerRun = gradients ? (chain.batch ?? 1) : 1
        if gradients {
            gradient = DNNLChainGradientProgram(chain.resized(images: imagesPerRun), threads: threads,
                                                constants: model.chainConstants, refusedStage: &refused)
            program = gradient?.forward
        } else {
            gradient = nil
            program = DNNLChainProgram(chain.resized(images: 1), threads: threads, constants: model.chainConstants,
                                       refusedStage: &refused)
        }
        guard let program else {
            guard let refused, refused < stretch.count else { return [] }
            let cut = stretch.startIndex + refused
            return compile(stretch[..<cut], threads: threads) + compile(stretch[(cut + 1)...], threads: threads)
        }
        func imageSize(_ slot: Int) -> Int { (slotFacts[slot]?.shape ?? []).dropFirst().reduce(1, *) }
        func shape(_ slot: Int) -> [Int] { slotFacts[slot]?.shape ?? [] }
        return [BlockedChain(first: first, last: last, replacedSteps: replaced.sorted(), inputSlots: inputSlots,
                             inputShapes: inputSlots.map(shape), outputSlots: outputSlots, outputShapes: outputSlots.map(shape),
                             program: program, gradient: gradient, inputImageSizes: inputSlots.map(imageSize),
                             outputImageSizes: outputSlots.map(imageSize), imagesPerRun: imagesPerRun)]
    }

    /// `stage` with slots replaced by value numbers.
    private func renumbered(_ stage: DNNLChainDescription.Stage, _ value: (Int) -> Int) -> DNNLChainDescription.Stage {
        switch stage {
        case .convolution(var convolution):
            convolution.input = value(convolution.input)
            convolution.output = value(convolution.output)
            convolution.addend = convolution.addend.map(value)
            return .convolution(convolution)
        case .binary(let kind, let lhs, let rhs, let output, let tail):
            return .binary(kind, lhs: value(lhs), rhs: value(rhs), output: value(output), tail: tail)
        case .globalAveragePool(let input, let output):
            return .globalAveragePool(input: value(input), output: value(output))
        case .unary(let function, let input, let output):
            return .unary(function, input: value(input), output: value(output))
        }
    }
}
