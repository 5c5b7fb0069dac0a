import CDNNL

/// A `DNNLChainDescription` compiled for reverse mode: a forward program that also hands out the
/// values its backward reads, and a backward program from the outputs' gradients to the inputs'.
///
/// Both programs keep oneDNN's blocked layouts inside: the saved values go out and come back in the
/// layout the forward primitives wrote them (opaque bytes to the caller), and only the chain's edges
/// are plain NCHW. Gradients flow to the chain's inputs only (no weight gradients), through
/// convolutions (with a ReLU tail, or a residual addend and a ReLU after it), additions of same-shaped
/// values with an optional ReLU, ReLU stages and global average pools; any other stage is refused.
/// The ReLU derivative is 0 at 0 (oneDNN computes it from the saved output).
public final class DNNLChainGradientProgram: @unchecked Sendable {
    /// Runs on the chain's inputs; writes its plain outputs, then each saved value (`savedBytes`).
    public let forward: DNNLChainProgram
    /// Runs on the plain gradients of the chain's outputs followed by the saved values; writes the
    /// plain gradients of the chain's inputs.
    public let backward: DNNLChainProgram
    /// Bytes of each saved value, in the order both programs take them.
    public let savedBytes: [Int]

    /// Compiles `chain`; nil, with the stage in `refusedStage` when one is to blame, when a stage has no
    /// reverse mode here or oneDNN refuses one.
    public init?(_ chain: DNNLChainDescription, threads: Int, constants: DNNLConstantStore, refusedStage: inout Int?) {
        if let unsupported = chain.stages.firstIndex(where: { !Self.hasReverseMode($0, dimensions: { chain.dimensions[$0] }) }) {
            refusedStage = unsupported
            return nil
        }
        guard let engine = DNNLPrimitiveCache.engine.value else { return nil }
        omp_set_num_threads(Int32(threads))
        forward = DNNLChainProgram(threads: threads, constants: constants)
        var builder = DNNLChainBuilder(program: forward, chain: chain, engine: engine, propagation: dnnl_forward_training)
        guard builder.build() else {
            refusedStage = builder.refusedStage
            return nil
        }
        // Every value a backward step reads becomes an output of the forward program, in its own layout.
        var saved = [Int: Int]()
        var bytes = [Int]()
        for value in Self.savedValues(chain) {
            guard let buffer = builder.home[value] else { return nil }
            saved[value] = bytes.count
            forward.setRole(buffer, .output(chain.outputs.count + bytes.count))
            bytes.append(forward.buffers[buffer].bytes)
        }
        forward.finish()
        savedBytes = bytes
        backward = DNNLChainProgram(threads: threads, constants: constants)
        var reverse = DNNLChainReverseBuilder(forward: builder, backward: backward, chain: chain, engine: engine, saved: saved)
        guard reverse.build() else {
            refusedStage = reverse.refusedStage
            return nil
        }
        backward.finish()
    }

    /// Whether `stage` has a reverse mode here (see the type's summary), with `dimensions` giving each
    /// value's extents.
    public static func hasReverseMode(_ stage: DNNLChainDescription.Stage, dimensions: (Int) -> [Int]?) -> Bool {
        switch stage {
        case .convolution(let c):
            if c.addend != nil && c.tail != nil { return false }
            return [c.tail, c.addendTail].allSatisfy { $0 == nil || reluSlope($0) != nil }
        case .binary(let kind, let lhs, let rhs, _, let tail):
            return kind == .add && dimensions(lhs) == dimensions(rhs) && (tail == nil || reluSlope(tail) != nil)
        case .globalAveragePool:
            return true
        case .unary(let function, _, _):
            return reluSlope(function) != nil
        }
    }

    /// The negative-side slope of a ReLU-like function (0 for ReLU), nil for any other function.
    public static func reluSlope(_ function: UnaryFunction?) -> Float? {
        switch function {
        case .relu?: return 0
        case .leakyRelu(let alpha)? where alpha >= 0: return alpha
        default: return nil
        }
    }

    /// The function a stage applies last, whose derivative the backward takes from the stage's output.
    static func lastFunction(_ stage: DNNLChainDescription.Stage) -> UnaryFunction? {
        switch stage {
        case .convolution(let c): return c.addend == nil ? c.tail : c.addendTail
        case .binary(_, _, _, _, let tail): return tail
        case .unary(let function, _, _): return function
        case .globalAveragePool: return nil
        }
    }

    /// The stage outputs the backward reads: those with a ReLU-like function last.
    static func savedValues(_ chain: DNNLChainDescription) -> [Int] {
        chain.stages.filter { lastFunction($0) != nil }.map(\.output)
    }
}

/// Builds the backward program of a `DNNLChainGradientProgram`, stage by stage from the last.
///
/// Each value's gradient lives in one buffer; a second contribution is added to it in place (after a
/// reorder into its layout when the layouts differ). The saved values come in as the program's
/// inputs after the outputs' gradients, in the layouts the forward program wrote them.
struct DNNLChainReverseBuilder {
    typealias Argument = DNNLPrimitiveFactory.Argument
    let forward: DNNLChainBuilder
    let chain: DNNLChainDescription
    /// Builds into the backward program, with the forward builder's helpers.
    private var helper: DNNLChainBuilder
    private var program: DNNLChainProgram { helper.program }
    /// The backward program's input position of each saved value.
    private let saved: [Int: Int]
    /// The buffer holding each value's gradient so far.
    private var gradient: [Int?]
    /// Buffers that hold some value's gradient (never handed to a second value without a copy).
    private var claimed = Set<Int>()
    private(set) var refusedStage: Int?

    init(forward: DNNLChainBuilder, backward: DNNLChainProgram, chain: DNNLChainDescription, engine: OpaquePointer,
         saved: [Int: Int]) {
        self.forward = forward
        self.chain = chain
        self.saved = saved
        helper = DNNLChainBuilder(program: backward, chain: chain, engine: engine)
        gradient = [Int?](repeating: nil, count: chain.dimensions.count)
    }

    mutating func build() -> Bool {
        for (position, value) in chain.outputs.enumerated() {
            let incoming = program.addBuffer(helper.plain(value), .input(position))
            guard let layout = forwardLayout(value) else { return false }
            let inner = program.addBuffer(layout, .inner)
            guard helper.reorder(from: incoming, to: inner), contribute(value, inner) else { return false }
        }
        for (index, stage) in chain.stages.enumerated().reversed() {
            guard reverse(stage) else {
                refusedStage = index
                return false
            }
        }
        for (position, value) in chain.inputs.enumerated() {
            // An input no gradient reaches would leave its output unwritten: refused.
            guard let source = gradient[value] else { return false }
            let target = program.addBuffer(helper.plain(value), .output(position))
            guard helper.reorder(from: source, to: target) else { return false }
        }
        return true
    }

    // MARK: stages

    private mutating func reverse(_ stage: DNNLChainDescription.Stage) -> Bool {
        let output = stage.output
        // No gradient reaches this stage's output: nothing flows back through it.
        guard let outputGradient = gradient[output] else { return true }
        // The output's gradient is complete and read only here: its buffer may be handed on without a copy.
        claimed.remove(outputGradient)
        var flowing = outputGradient
        if let function = DNNLChainGradientProgram.lastFunction(stage) {
            guard let through = reluBackward(function, value: output, gradient: outputGradient) else { return false }
            flowing = through
        }
        switch stage {
        case .convolution(let c):
            if let addend = c.addend, !contribute(addend, flowing) { return false }
            return convolutionBackward(c, gradient: flowing)
        case .binary(_, let lhs, let rhs, _, _):
            return contribute(lhs, flowing) && contribute(rhs, flowing)
        case .unary(_, let input, _):
            return contribute(input, flowing)
        case .globalAveragePool(let input, _):
            return poolBackward(input: input, output: output, gradient: flowing)
        }
    }

    /// The gradient through a ReLU-like function, from the saved output; a new buffer in its layout.
    private mutating func reluBackward(_ function: UnaryFunction, value: Int, gradient incoming: Int) -> Int? {
        guard let slope = DNNLChainGradientProgram.reluSlope(function), let position = saved[value],
              let layout = forwardLayout(value) else { return nil }
        var data = layout
        var forwardDesc = dnnl_eltwise_desc_t(), backwardDesc = dnnl_eltwise_desc_t()
        guard dnnl_eltwise_forward_desc_init(&forwardDesc, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, &data,
                                             slope, 0) == dnnl_success,
              let hint = helper.primitiveDescriptor(&forwardDesc, tail: nil) else { return nil }
        defer { dnnl_primitive_desc_destroy(hint) }
        var diff = layout
        guard dnnl_eltwise_backward_desc_init(&backwardDesc, dnnl_eltwise_relu_use_dst_for_bwd, &diff, &data, slope, 0)
                == dnnl_success,
              let pd = helper.primitiveDescriptor(&backwardDesc, tail: nil, hint: hint),
              let gradientIn = inLayout(incoming, layout) else { return nil }
        let savedValue = program.addBuffer(layout, .input(chain.outputs.count + position))
        let written = program.addBuffer(layout, .inner)
        guard helper.addPrimitive(pd, [(Argument.destination, savedValue), (Argument.destinationGradient, gradientIn),
                                       (Argument.sourceGradient, written)]) else { return nil }
        return written
    }

    private mutating func convolutionBackward(_ c: DNNLChainDescription.Convolution, gradient incoming: Int) -> Bool {
        let g = c.geometry
        var algorithm = DNNLChainDescription.winogradBackward(g) ? dnnl_convolution_winograd : dnnl_convolution_direct
        let plainDescriptors = DNNLPrimitiveFactory.plainDescriptors(g)
        let source = DNNLPrimitiveFactory.anyLayout(plainDescriptors.source)
        let weights = DNNLPrimitiveFactory.anyLayout(plainDescriptors.weights)
        let destination = DNNLPrimitiveFactory.anyLayout(plainDescriptors.destination)
        /// The input-gradient primitive with this algorithm, or nil when oneDNN refuses it. Its hint is a
        /// training forward primitive with free layouts, made for the purpose and never run (the forward
        /// program's may have another algorithm, and a residual or ReLU as post-ops).
        func make() -> OpaquePointer? {
            guard var forwardDesc = DNNLPrimitiveFactory.forwardDescriptor(g, dnnl_forward_training, algorithm, source: source,
                                                                           weights: weights, bias: nil, destination: destination),
                  let hint = helper.primitiveDescriptor(&forwardDesc, postOps: []) else { return nil }
            defer { dnnl_primitive_desc_destroy(hint) }
            guard var desc = DNNLPrimitiveFactory.inputGradientDescriptor(g, algorithm, source: source, weights: weights,
                                                                          destination: destination) else { return nil }
            return helper.primitiveDescriptor(&desc, postOps: [], hint: hint)
        }
        var made = make()
        if made == nil && algorithm == dnnl_convolution_winograd {
            algorithm = dnnl_convolution_direct
            made = make()
        }
        guard let pd = made,
              let gradientIn = inLayout(incoming, helper.queried(pd, dnnl_query_diff_dst_md)),
              let weightsIn = helper.constant(c.weight, plain: plainDescriptors.weights,
                                              chosen: helper.queried(pd, dnnl_query_weights_md)) else { return false }
        let written = program.addBuffer(helper.queried(pd, dnnl_query_diff_src_md), .inner)
        return helper.addPrimitive(pd, [(Argument.destinationGradient, gradientIn), (Argument.weights, weightsIn),
                                        (Argument.sourceGradient, written)])
            && contribute(c.input, written)
    }

    private mutating func poolBackward(input: Int, output: Int, gradient incoming: Int) -> Bool {
        guard let layout = forwardLayout(input) else { return false }
        let dims = chain.dimensions[input]
        let padded = DNNLPrimitiveFactory.padded
        var strides = padded([1, 1]), kernel = padded([dims[2], dims[3]]), dilation = padded([0, 0]), zero = padded([0, 0])
        var source = layout
        var destination = DNNLPrimitiveFactory.descriptor([dims[0], dims[1], 1, 1], dnnl_format_tag_any)
        var forwardDesc = dnnl_pooling_v2_desc_t(), backwardDesc = dnnl_pooling_v2_desc_t()
        guard dnnl_pooling_v2_forward_desc_init(&forwardDesc, dnnl_forward_training, dnnl_pooling_avg_exclude_padding, &source,
                                                &destination, &strides, &kernel, &dilation, &zero, &zero) == dnnl_success,
              let hint = helper.primitiveDescriptor(&forwardDesc, tail: nil) else { return false }
        defer { dnnl_primitive_desc_destroy(hint) }
        var pooled = helper.queried(hint, dnnl_query_dst_md)
        guard dnnl_pooling_v2_backward_desc_init(&backwardDesc, dnnl_pooling_avg_exclude_padding, &source, &pooled, &strides,
                                                 &kernel, &dilation, &zero, &zero) == dnnl_success,
              let pd = helper.primitiveDescriptor(&backwardDesc, tail: nil, hint: hint),
              let gradientIn = inLayout(incoming, helper.queried(pd, dnnl_query_diff_dst_md)) else { return false }
        let written = program.addBuffer(helper.queried(pd, dnnl_query_diff_src_md), .inner)
        return helper.addPrimitive(pd, [(Argument.destinationGradient, gradientIn), (Argument.sourceGradient, written)])
            && contribute(input, written)
    }

    // MARK: gradients

    /// Adds the gradient in `buffer` to `value`'s: the buffer becomes it, or is added to it in place.
    private mutating func contribute(_ value: Int, _ buffer: Int) -> Bool {
        guard let existing = gradient[value] else {
            // A buffer already holding another value's gradient is copied, since sums are made in place.
            var own = buffer
            if claimed.contains(buffer) {
                own = program.addBuffer(program.buffers[buffer].descriptor, .inner)
                guard helper.reorder(from: buffer, to: own) else { return false }
            }
            gradient[value] = own
            claimed.insert(own)
            return true
        }
        var sum = program.buffers[existing].descriptor
        guard let addend = inLayout(buffer, sum) else { return false }
        var other = sum, result = sum
        var desc = dnnl_binary_desc_t()
        guard dnnl_binary_desc_init(&desc, dnnl_binary_add, &sum, &other, &result) == dnnl_success,
              let pd = helper.primitiveDescriptor(&desc, tail: nil) else { return false }
        return helper.addPrimitive(pd, [(Argument.source, existing), (Argument.sourceOne, addend), (Argument.destination, existing)])
    }

    /// `buffer` in `layout`: itself, or a reordered copy.
    private mutating func inLayout(_ buffer: Int, _ layout: dnnl_memory_desc_t) -> Int? {
        var want = layout, have = program.buffers[buffer].descriptor
        if dnnl_memory_desc_equal(&want, &have) != 0 { return buffer }
        let copy = program.addBuffer(layout, .inner)
        return helper.reorder(from: buffer, to: copy) ? copy : nil
    }

    /// The layout the forward program keeps `value` in.
    private func forwardLayout(_ value: Int) -> dnnl_memory_desc_t? {
        forward.home[value].map { forward.program.buffers[$0].descriptor }
    }
}
