import Foundation
import LoupeONNX
import LoupeTensor

/// An elementwise tail run in place on the output of the step before it (the head).
///
/// The tail's steps are skipped and the values between the head and the tail's result are never
/// stored: one pass over the head's output instead of a new array per step. The tails recognised are
/// one unary function (Relu, Clip with constant bounds, Sigmoid, ...), the SiLU pair Sigmoid, Mul,
/// and the exact-GELU chain Div, Erf, Add, Mul, Mul of PyTorch exports. Each fused function rounds
/// as the steps it replaces do, so a fused run gives the same bytes as an unfused one.
///
/// A fusion is a plan-time candidate; `ExecutionState.forward` applies it only when none of the
/// skipped values is a graph output, a tap, or read by a backward pass. Gradient runs run some tails
/// beside their head instead (`runsBesideHead`).
struct Fusion {
    /// What the tail computes, element by element.
    let function: UnaryFunction
    /// The tail's steps, which do not run.
    let skippedSteps: [Int]
    /// The head's output and the values inside the tail: never stored when the fusion applies.
    let innerSlots: [Int]
    /// Where the tail's result goes.
    let resultSlot: Int

    /// Whether runs fuse (`LOUPE_FUSION=0` turns it off, to compare or to profile the steps one by one).
    static let isEnabled = ProcessInfo.processInfo.environment["LOUPE_FUSION"] != "0"

    /// Whether a run applies this fusion in place: none of the skipped values is pinned (a tap or a
    /// graph output) or kept for a backward pass. Forward runs and `BlockedChainFinder` both ask here.
    func appliesInPlace(pinned: [Bool], keep: (Int) -> Bool) -> Bool {
        innerSlots.allSatisfy { !pinned[$0] && !keep($0) }
    }

    /// Whether a gradient run may run this tail beside its head: the tail's result as a new value
    /// from the head's output (kept for the backward), and the tail's backward in one pass from that
    /// output alone (SiLU, the exported GELU chain), instead of every step's forward and backward
    /// with their values in between kept. The values inside the tail may not be wanted (`pinned`:
    /// taps and graph outputs; `protected`: the target and the values whose gradients are asked for).
    func runsBesideHead(pinned: [Bool], protected: Set<Int>) -> Bool {
        function.hasDerivativeFromInput && innerSlots.dropFirst().allSatisfy { !pinned[$0] && !protected.contains($0) }
    }
}

/// A `MatMul` whose only reader adds a constant vector along the last axis (a linear layer's bias): the
/// executor adds it in the pass that applies the `Add`'s fused tail (`addRowBiasInPlace`), and the `Add` step
/// does not run. The product itself is never stored apart from the sum; the bytes are those of the two steps.
struct RowBiasAdd {
    /// The `Add` step, whose output (and fused tail, `Plan.fusions`) the `MatMul` step produces instead.
    let addStep: Int
    /// The product's slot, never stored when the bias is absorbed.
    let productSlot: Int
    /// The bias, one value per column of the product.
    let bias: [Float]

    /// Whether a run absorbs the `Add`: the product is neither pinned (a tap or a graph output) nor kept for a
    /// backward pass.
    func applies(pinned: [Bool], keep: (Int) -> Bool) -> Bool { !pinned[productSlot] && !keep(productSlot) }

    /// Adds the bias to the `MatMul` step's product in place, then applies `tail` to each sum, or writes `beside`
    /// of each sum as a second output.
    func apply(to outputs: inout [TensorValue], tail: UnaryFunction?, beside: UnaryFunction?) throws {
        guard case .float(var value)? = outputs.first, let columns = value.shape.last, columns == bias.count else {
            throw LoupeError(.computation, "a bias was fused onto a product of another shape")
        }
        outputs = []  // the only reference left is `value`: no copy below
        let rows = columns == 0 ? 0 : value.count / columns
        var besideValues = beside == nil ? [] : LinearSupport.uninitialized(value.count)
        LinearSupport.read(bias) { bias in
            LinearSupport.write(&value.scalars) { base in
                if let beside {
                    LinearSupport.write(&besideValues) { result in
                        addRowBiasInPlace(bias, to: base, rows: rows, columns: columns, besideInto: result, function: beside)
                    }
                } else {
                    addRowBiasInPlace(bias, to: base, rows: rows, columns: columns, then: tail)
                }
            }
        }
        outputs = [.float(value)]
        if beside != nil { outputs.append(.float(Tensor(shape: value.shape, scalars: besideValues))) }
    }
}

/// A `Transpose` that moves the channel axis of `[N, C, ...]` last, read only by a `LayerNormalization` over that
/// last axis (ConvNeXt's blocks): the `Transpose` step produces the normalisation's output in one pass
/// (`layerNormChannelsLast`), and neither the transposed copy is stored nor the `LayerNormalization` step run.
/// The bytes are those of the two steps.
struct TransposedNormalization {
    /// The `LayerNormalization` step, whose output (and fused tail, `Plan.fusions`) the `Transpose` step produces.
    let normalizationStep: Int
    /// The transposed copy's slot, never stored when the fusion applies.
    let transposedSlot: Int
    let epsilon: Float
    /// Scale and bias, one value per channel.
    let scale: [Float]
    let bias: [Float]?

    /// Whether a run fuses the two steps: the transposed copy is neither pinned (a tap or a graph output) nor kept
    /// for a backward pass.
    func applies(pinned: [Bool], keep: (Int) -> Bool) -> Bool { !pinned[transposedSlot] && !keep(transposedSlot) }

    /// The normalisation's output from the `Transpose` step's input, with `tail` applied in place.
    func apply(to input: TensorValue?, tail: UnaryFunction?) throws -> [TensorValue] {
        guard case .float(let x)? = input, x.shape.count >= 3, x.shape[1] == scale.count else {
            throw LoupeError(.computation, "a layer normalisation was fused onto a transpose of another shape")
        }
        var y = NormalizationKernels.layerNormChannelsLast(fromChannelsFirst: x, epsilon: epsilon, scale: scale, bias: bias)
        if let tail { applyUnaryInPlace(tail, to: &y.scalars) }
        return [.float(y)]
    }
}

extension Operator {
    /// `forward(inputs)`, then one in-place pass of `epilogue` over the (float) first output. An operator
    /// that can apply it part by part while each part is in cache implements this itself (Conv).
    public func forward(_ inputs: [TensorValue?], epilogue: UnaryFunction?) throws -> [TensorValue] {
        var outputs = try forward(inputs)
        guard let epilogue else { return outputs }
        guard case .float(var value)? = outputs.first else {
            throw LoupeError(.computation, "an elementwise tail was fused onto an operator without a float output")
        }
        outputs[0] = .float(Tensor(shape: [0]))  // the only reference left is `value`: no copy below
        applyUnaryInPlace(epilogue, to: &value.scalars)
        outputs[0] = .float(value)
        return outputs
    }
}

/// Finds fusions in a plan's steps.
struct FusionFinder {
    let model: Model
    let steps: [Plan.Step]
    let facts: [String: ValueFacts]
    let producer: [Int]
    /// For each slot, the steps that read it, in order.
    let consumers: [[Int]]

    init(model: Model, steps: [Plan.Step], facts: [String: ValueFacts], slotCount: Int, producer: [Int]) {
        self.model = model
        self.steps = steps
        self.facts = facts
        self.producer = producer
        consumers = Plan.readers(of: steps, slotCount: slotCount)
    }

    /// Every fusion, keyed by its head step; a step is the head or tail of at most one.
    func fusions() -> [Int: Fusion] {
        var found = [Int: Fusion]()
        var taken = Set<Int>()
        for head in steps.indices where !taken.contains(head) {
            guard let fusion = tail(after: head), !fusion.skippedSteps.contains(where: taken.contains) else { continue }
            found[head] = fusion
            taken.formUnion(fusion.skippedSteps)
        }
        return found
    }

    private func node(_ step: Int) -> Node { model.graph.nodes[steps[step].nodeIndex] }
    private func op(_ step: Int) -> any Operator { model.operators[steps[step].nodeIndex] }

    /// The single output slot of `step`, when it has exactly one output.
    private func onlyOutput(_ step: Int) -> Int? {
        let outputs = steps[step].outputSlots
        return outputs.count == 1 ? outputs[0] : nil
    }

    /// The planned facts of input `position` of `step`.
    private func inputFacts(_ step: Int, _ position: Int) -> ValueFacts? {
        let names = node(step).inputs
        return position < names.count ? facts[names[position]] : nil
    }

    /// The value of a scalar constant input of `step`, when input `position` is one.
    private func scalarConstant(_ step: Int, _ position: Int) -> Float? {
        guard let slot = steps[step].inputSlots[position], producer[slot] < 0,
              case .float(let value)? = inputFacts(step, position)?.constant, value.count == 1 else { return nil }
        return value.scalars[0]
    }

    /// The steps reading `slot`, when exactly `count` do.
    private func readers(_ slot: Int, count: Int) -> [Int]? {
        consumers[slot].count == count ? consumers[slot] : nil
    }

    /// The tail of the step `head` produces into, when one of the recognised tails follows it.
    private func tail(after head: Int) -> Fusion? {
        guard let h = onlyOutput(head), let name = node(head).outputs.first,
              facts[name]?.element == .float, let shape = facts[name]?.shape else { return nil }
        let candidate = singleFunction(h) ?? silu(h) ?? erfGelu(h)
        guard let candidate, let resultName = node(candidate.skippedSteps.last ?? head).outputs.first,
              facts[resultName]?.shape == shape else { return nil }
        return candidate
    }

    /// One unary function reading only `h` (and constants).
    private func singleFunction(_ h: Int) -> Fusion? {
        guard let tail = readers(h, count: 1)?.first, steps[tail].inputSlots.first == h,
              let result = onlyOutput(tail) else { return nil }
        let function: UnaryFunction
        if let unary = op(tail) as? any UnaryElementwiseOperator, steps[tail].inputSlots.count == 1 {
            function = unary.function
        } else if let clip = clipFunction(tail) {
            function = clip
        } else {
            return nil
        }
        return Fusion(function: function, skippedSteps: [tail], innerSlots: [h], resultSlot: result)
    }

    /// The function of a Clip step whose bounds are constant (attributes, or constant scalar inputs); nil for
    /// any other step.
    private func clipFunction(_ step: Int) -> UnaryFunction? {
        guard let clip = op(step) as? ClipOperator else { return nil }
        if let bounds = clip.attributeBounds { return .clip(min: bounds.min, max: bounds.max) }
        let inputs = steps[step].inputSlots
        var bounds: [Float] = [-.infinity, .infinity]
        for position in 1..<max(1, inputs.count) where inputs[position] != nil {
            guard let value = scalarConstant(step, position) else { return nil }
            bounds[position - 1] = value
        }
        return .clip(min: bounds[0], max: bounds[1])
    }

    /// `Mul(h, Sigmoid(h))`, operands in either order.
    private func silu(_ h: Int) -> Fusion? {
        guard let pair = readers(h, count: 2), let sigmoid = pair.first, let mul = pair.last,
              op(sigmoid) is SigmoidOperator, op(mul) is MulOperator,
              let s = onlyOutput(sigmoid), readers(s, count: 1) == [mul],
              Set(steps[mul].inputSlots.compactMap { $0 }) == [h, s], let result = onlyOutput(mul) else { return nil }
        return Fusion(function: .silu, skippedSteps: [sigmoid, mul], innerSlots: [h, s], resultSlot: result)
    }

    /// `Mul(Mul(h, Add(Erf(Div(h, c)), 1)), 0.5)`: exact GELU as PyTorch exports it before opset 20.
    private func erfGelu(_ h: Int) -> Fusion? {
        guard let pair = readers(h, count: 2), let div = pair.first, let mul = pair.last,
              op(div) is DivOperator, steps[div].inputSlots.first == h, let divisor = scalarConstant(div, 1),
              let d = onlyOutput(div), let erf = readers(d, count: 1)?.first, op(erf) is ErfOperator,
              let e = onlyOutput(erf), let add = readers(e, count: 1)?.first, op(add) is AddOperator,
              otherOperand(add, besides: e) == 1,
              let a = onlyOutput(add), readers(a, count: 1) == [mul], op(mul) is MulOperator,
              Set(steps[mul].inputSlots.compactMap { $0 }) == [h, a],
              let m = onlyOutput(mul), let half = readers(m, count: 1)?.first, op(half) is MulOperator,
              otherOperand(half, besides: m) == 0.5, let result = onlyOutput(half) else { return nil }
        return Fusion(function: .erfGeluChain(divisor: divisor), skippedSteps: [div, erf, add, mul, half],
                      innerSlots: [h, d, e, a, m], resultSlot: result)
    }

    /// Every `MatMul` step whose product only feeds an `Add` of a constant vector along its last axis, by step.
    func rowBiasAdds() -> [Int: RowBiasAdd] {
        var found = [Int: RowBiasAdd]()
        for head in steps.indices where op(head) is MatMulOperator {
            guard let h = onlyOutput(head), let name = node(head).outputs.first, facts[name]?.element == .float,
                  let shape = facts[name]?.shape, let columns = shape.last,
                  let add = readers(h, count: 1)?.first, op(add) is AddOperator, steps[add].inputSlots.count == 2,
                  let resultName = node(add).outputs.first, facts[resultName]?.shape == shape else { continue }
            let inputs = steps[add].inputSlots
            // The sum has the product's shape, so a constant of `columns` values ending in `columns` is a row vector.
            guard let position = inputs.firstIndex(of: h), let bias = constantVector(add, 1 - position, length: columns)
            else { continue }
            found[head] = RowBiasAdd(addStep: add, productSlot: h, bias: bias)
        }
        return found
    }

    /// Every `Transpose` step that moves axis 1 last and feeds only a `LayerNormalization` over the last axis with
    /// constant per-channel scale and bias and no statistics outputs, by step (`TransposedNormalization`).
    func transposedNormalizations() -> [Int: TransposedNormalization] {
        var found = [Int: TransposedNormalization]()
        for head in steps.indices {
            guard let transpose = op(head) as? TransposeOperator, let h = onlyOutput(head),
                  let input = inputFacts(head, 0), input.element == .float, input.shape.count >= 3,
                  let perm = try? transpose.permutation(rank: input.shape.count),
                  perm == [0] + Array(2..<input.shape.count) + [1],
                  let norm = readers(h, count: 1)?.first, let layerNorm = op(norm) as? LayerNormalizationOperator,
                  steps[norm].inputSlots.first == h, node(norm).outputs.count == 1,
                  layerNorm.axis == -1 || layerNorm.axis == input.shape.count - 1 else { continue }
            let channels = input.shape[1], inputs = steps[norm].inputSlots
            guard let scale = constantVector(norm, 1, length: channels) else { continue }
            let hasBias = inputs.count > 2 && inputs[2] != nil
            let bias = hasBias ? constantVector(norm, 2, length: channels) : nil
            if hasBias && bias == nil { continue }
            found[head] = TransposedNormalization(normalizationStep: norm, transposedSlot: h, epsilon: layerNorm.epsilon,
                                                  scale: scale, bias: bias)
        }
        return found
    }

    /// The values of input `position` of `step` when it is a graph constant of `length` floats along its last axis.
    private func constantVector(_ step: Int, _ position: Int, length: Int) -> [Float]? {
        let inputs = steps[step].inputSlots
        guard position < inputs.count, let slot = inputs[position], producer[slot] < 0,
              case .float(let value)? = inputFacts(step, position)?.constant, value.count == length,
              value.shape.last == length else { return nil }
        return value.scalars
    }

    /// The scalar constant a binary step combines with `slot`.
    private func otherOperand(_ step: Int, besides slot: Int) -> Float? {
        let inputs = steps[step].inputSlots
        guard inputs.count == 2 else { return nil }
        if inputs[0] == slot { return scalarConstant(step, 1) }
        if inputs[1] == slot { return scalarConstant(step, 0) }
        return nil
    }
}
