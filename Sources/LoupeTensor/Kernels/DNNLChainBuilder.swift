import CDNNL

/// Turns a `DNNLChainDescription`'s stages into the primitives and buffers of a `DNNLChainProgram`.
///
/// Each value gets a home: the buffer (and layout) its writer produces. A reader that wants another
/// layout gets a reordered copy, made once and shared by every reader wanting the same layout.
struct DNNLChainBuilder {
    typealias Argument = DNNLPrimitiveFactory.Argument
    let program: DNNLChainProgram
    let chain: DNNLChainDescription
    let engine: OpaquePointer
    /// The buffer each value is written to.
    private(set) var home: [Int?]
    /// Reordered copies of each value: (layout, buffer).
    private var copies: [[(descriptor: dnnl_memory_desc_t, buffer: Int)]]

    /// `dnnl_forward_training` for a gradient run's forward program: its kernels write the blocked layouts
    /// the backward kernels read (inference kernels may pick others, and a reorder at every stage).
    let propagation: dnnl_prop_kind_t

    init(program: DNNLChainProgram, chain: DNNLChainDescription, engine: OpaquePointer,
         propagation: dnnl_prop_kind_t = dnnl_forward_inference) {
        self.program = program
        self.chain = chain
        self.engine = engine
        self.propagation = propagation
        home = [Int?](repeating: nil, count: chain.dimensions.count)
        copies = [[(descriptor: dnnl_memory_desc_t, buffer: Int)]](repeating: [], count: chain.dimensions.count)
    }

    /// The stage oneDNN refused, when `build` failed on one.
    private(set) var refusedStage: Int?

    /// Builds every stage and the plain outputs; false when oneDNN refuses one (`refusedStage`).
    mutating func build() -> Bool {
        guard chain.dimensions.allSatisfy({ $0.count == 4 && $0.allSatisfy { $0 > 0 } }) else { return false }
        for (position, value) in chain.inputs.enumerated() {
            home[value] = program.addBuffer(plain(value), .input(position))
        }
        let outputPositions = Dictionary(chain.outputs.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        for (index, stage) in chain.stages.enumerated() {
            let built: Bool
            switch stage {
            case .convolution(let c): built = convolution(c)
            case .binary(let kind, let lhs, let rhs, let output, let tail):
                built = binary(kind, lhs: lhs, rhs: rhs, output: output, tail: tail)
            case .globalAveragePool(let input, let output): built = globalAveragePool(input: input, output: output)
            case .unary(let function, let input, let output): built = unary(function, input: input, output: output)
            }
            guard built else {
                refusedStage = index
                return false
            }
            let written = stage.output
            // A value wanted outside is reordered out as soon as it is written, so its inner copy can go early.
            if let position = outputPositions[written] {
                let target = program.addBuffer(plain(written), .output(position))
                guard let source = home[written], reorder(from: source, to: target) else { return false }
            }
        }
        return chain.outputs.allSatisfy { home[$0] != nil }
    }

    // MARK: stages

    private mutating func convolution(_ c: DNNLChainDescription.Convolution) -> Bool {
        let g = c.geometry
        guard let source = home[c.input] else { return false }
        let plainDescriptors = DNNLPrimitiveFactory.plainDescriptors(g)
        var algorithm = c.algorithm == .winograd ? dnnl_convolution_winograd : dnnl_convolution_direct
        /// The primitive descriptor for these source and destination layouts and post-ops.
        func make(_ source: dnnl_memory_desc_t, _ destination: dnnl_memory_desc_t, _ postOps: [PostOp]) -> OpaquePointer? {
            guard var desc = DNNLPrimitiveFactory.forwardDescriptor(
                g, propagation, algorithm, source: source, weights: DNNLPrimitiveFactory.anyLayout(plainDescriptors.weights),
                bias: c.bias == nil ? nil : plainDescriptors.bias, destination: destination) else { return nil }
            return primitiveDescriptor(&desc, postOps: postOps)
        }
        let tailOps = c.tail.map { [PostOp.elementwise($0)] } ?? []
        let anyDestination = DNNLPrimitiveFactory.anyLayout(plainDescriptors.destination)
        // The layout the convolution prefers (the input is reordered when it has another), else the one it has.
        var first = make(DNNLPrimitiveFactory.anyLayout(plain(c.input)), anyDestination, tailOps)
        if first == nil && algorithm == dnnl_convolution_winograd {
            algorithm = dnnl_convolution_direct
            first = make(DNNLPrimitiveFactory.anyLayout(plain(c.input)), anyDestination, tailOps)
        }
        guard var pd = first ?? make(program.buffers[source].descriptor, anyDestination, tailOps) else { return false }
        // A residual addend joins as a binary post-op in the destination's layout when oneDNN takes it.
        var addendArgument: (Int32, Int)?
        if let addend = c.addend {
            let destination = queried(pd, dnnl_query_dst_md)
            let postOps = tailOps + [.add(destination)] + (c.addendTail.map { [PostOp.elementwise($0)] } ?? [])
            if let fused = make(queried(pd, dnnl_query_src_md), destination, postOps) {
                guard let addendIn = operand(addend, as: destination) else {
                    [pd, fused].forEach { dnnl_primitive_desc_destroy($0) }
                    return false
                }
                dnnl_primitive_desc_destroy(pd)
                pd = fused
                // DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1.
                addendArgument = (Int32(16384 * (tailOps.count + 1)) | Argument.sourceOne, addendIn)
            }
        }
        guard let sourceIn = operand(c.input, as: queried(pd, dnnl_query_src_md)),
              let weightsIn = constant(c.weight, plain: plainDescriptors.weights, chosen: queried(pd, dnnl_query_weights_md))
        else {
            dnnl_primitive_desc_destroy(pd)
            return false
        }
        var arguments = [(Argument.source, sourceIn), (Argument.weights, weightsIn)]
        if let bias = c.bias {
            guard let biasIn = constant(bias, plain: plainDescriptors.bias, chosen: plainDescriptors.bias) else {
                dnnl_primitive_desc_destroy(pd)
                return false
            }
            arguments.append((Argument.bias, biasIn))
        }
        if let addendArgument { arguments.append(addendArgument) }
        let written = program.addBuffer(queried(pd, dnnl_query_dst_md), .inner)
        arguments.append((Argument.destination, written))
        home[c.output] = written
        guard addPrimitive(pd, arguments) else { return false }
        // oneDNN did not take the addend as a post-op: a separate addition.
        if let addend = c.addend, addendArgument == nil {
            return binary(.add, lhs: c.output, rhs: addend, output: c.output, tail: c.addendTail)
        }
        return true
    }

    private mutating func binary(_ kind: DNNLChainDescription.BinaryKind, lhs: Int, rhs: Int, output: Int,
                                 tail: UnaryFunction?) -> Bool {
        // The full-size operand goes first: oneDNN broadcasts only the second.
        var (first, second) = (lhs, rhs)
        if chain.dimensions[lhs].reduce(1, *) < chain.dimensions[rhs].reduce(1, *) { (first, second) = (rhs, lhs) }
        guard let a = home[first], let b = home[second] else { return false }
        let algorithm = kind == .add ? dnnl_binary_add : dnnl_binary_mul
        var firstDescriptor = program.buffers[a].descriptor
        let sameShape = chain.dimensions[first] == chain.dimensions[second]
        // The second operand as it is, else in the first's layout (same shape) or plain (broadcast).
        let candidates = [program.buffers[b].descriptor, sameShape ? firstDescriptor : plain(second)]
        for candidate in candidates {
            var secondDescriptor = candidate
            var destination = firstDescriptor
            var desc = dnnl_binary_desc_t()
            guard dnnl_binary_desc_init(&desc, algorithm, &firstDescriptor, &secondDescriptor, &destination) == dnnl_success,
                  let pd = primitiveDescriptor(&desc, tail: tail) else { continue }
            guard let secondIn = operand(second, as: candidate) else {
                dnnl_primitive_desc_destroy(pd)
                return false
            }
            let written = program.addBuffer(firstDescriptor, .inner)
            home[output] = written
            return addPrimitive(pd, [(Argument.source, a), (Argument.sourceOne, secondIn), (Argument.destination, written)])
        }
        return false
    }

    private mutating func globalAveragePool(input: Int, output: Int) -> Bool {
        guard let source = home[input] else { return false }
        let dims = chain.dimensions[input]
        var sourceDescriptor = program.buffers[source].descriptor
        var destination = DNNLPrimitiveFactory.descriptor([dims[0], dims[1], 1, 1], dnnl_format_tag_any)
        let padded = DNNLPrimitiveFactory.padded
        var strides = padded([1, 1]), kernel = padded([dims[2], dims[3]]), dilation = padded([0, 0]), zero = padded([0, 0])
        var desc = dnnl_pooling_v2_desc_t()
        guard dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, dnnl_pooling_avg_exclude_padding,
                                                &sourceDescriptor, &destination, &strides, &kernel, &dilation, &zero,
                                                &zero) == dnnl_success,
              let pd = primitiveDescriptor(&desc, tail: nil) else { return false }
        let written = program.addBuffer(queried(pd, dnnl_query_dst_md), .inner)
        home[output] = written
        return addPrimitive(pd, [(Argument.source, source), (Argument.destination, written)])
    }

    private mutating func unary(_ function: UnaryFunction, input: Int, output: Int) -> Bool {
        guard let source = home[input], let (algorithm, alpha, beta) = DNNLChainDescription.elementwise(function) else {
            return false
        }
        var data = program.buffers[source].descriptor
        var desc = dnnl_eltwise_desc_t()
        guard dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, algorithm, &data, alpha, beta) == dnnl_success,
              let pd = primitiveDescriptor(&desc, tail: nil) else { return false }
        let written = program.addBuffer(data, .inner)
        home[output] = written
        return addPrimitive(pd, [(Argument.source, source), (Argument.destination, written)])
    }

    // MARK: helpers

    /// An operation oneDNN applies to a primitive's result before writing it.
    enum PostOp {
        case elementwise(UnaryFunction)
        /// Adds a second tensor in this layout (its buffer is an execution argument).
        case add(dnnl_memory_desc_t)
    }

    /// A primitive descriptor for an operation descriptor, with these post-ops and a user scratchpad.
    func primitiveDescriptor(raw desc: UnsafeMutableRawPointer, postOps: [PostOp], hint: OpaquePointer? = nil) -> OpaquePointer? {
        guard let attr = DNNLPrimitiveFactory.userScratchpadAttributes() else { return nil }
        defer { dnnl_primitive_attr_destroy(attr) }
        if !postOps.isEmpty {
            var list: OpaquePointer?
            guard dnnl_post_ops_create(&list) == dnnl_success, let list else { return nil }
            defer { dnnl_post_ops_destroy(list) }
            for postOp in postOps {
                switch postOp {
                case .elementwise(let function):
                    guard let (algorithm, alpha, beta) = DNNLChainDescription.elementwise(function),
                          dnnl_post_ops_append_eltwise(list, 1, algorithm, alpha, beta) == dnnl_success else { return nil }
                case .add(var layout):
                    guard dnnl_post_ops_append_binary(list, dnnl_binary_add, &layout) == dnnl_success else { return nil }
                }
            }
            guard dnnl_primitive_attr_set_post_ops(attr, list) == dnnl_success else { return nil }
        }
        var pd: OpaquePointer?
        guard dnnl_primitive_desc_create(&pd, desc, attr, engine, hint) == dnnl_success, let pd else { return nil }
        // A reference implementation (plain C++ loops) is many times slower than Loupe's kernels: refused.
        var implementation: UnsafePointer<CChar>?
        if dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation) == dnnl_success,
           implementation.map({ String(cString: $0).hasPrefix("ref") }) == true {
            dnnl_primitive_desc_destroy(pd)
            return nil
        }
        return pd
    }

    func primitiveDescriptor<D>(_ desc: inout D, postOps: [PostOp], hint: OpaquePointer? = nil) -> OpaquePointer? {
        withUnsafeMutableBytes(of: &desc) { bytes in
            bytes.baseAddress.flatMap { primitiveDescriptor(raw: $0, postOps: postOps, hint: hint) }
        }
    }

    func primitiveDescriptor<D>(_ desc: inout D, tail: UnaryFunction?, hint: OpaquePointer? = nil) -> OpaquePointer? {
        primitiveDescriptor(&desc, postOps: tail.map { [PostOp.elementwise($0)] } ?? [], hint: hint)
    }

    /// Creates the primitive of `pd` and adds it as a step (the program owns both); false on failure.
    func addPrimitive(_ pd: OpaquePointer, _ arguments: [(Int32, Int)], isReorder: Bool = false) -> Bool {
        var primitive: OpaquePointer?
        guard dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else {
            dnnl_primitive_desc_destroy(pd)
            return false
        }
        program.addStep(primitive, pd, arguments: arguments, isReorder: isReorder)
        return true
    }

    /// The buffer holding `value` in the layout `wanted`, reordering its home once if needed.
    private mutating func operand(_ value: Int, as wanted: dnnl_memory_desc_t) -> Int? {
        guard let source = home[value] else { return nil }
        var want = wanted, have = program.buffers[source].descriptor
        if dnnl_memory_desc_equal(&want, &have) != 0 { return source }
        for copy in copies[value] {
            var known = copy.descriptor
            if dnnl_memory_desc_equal(&want, &known) != 0 { return copy.buffer }
        }
        let target = program.addBuffer(wanted, .inner)
        guard reorder(from: source, to: target) else { return nil }
        copies[value].append((wanted, target))
        return target
    }

    /// Adds a reorder step from one buffer's layout into another's.
    func reorder(from source: Int, to target: Int) -> Bool {
        var from = program.buffers[source].descriptor, to = program.buffers[target].descriptor
        var pd: OpaquePointer?
        guard let attr = DNNLPrimitiveFactory.userScratchpadAttributes() else { return false }
        defer { dnnl_primitive_attr_destroy(attr) }
        guard dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, attr) == dnnl_success, let pd else { return false }
        return addPrimitive(pd, [(Argument.source, source), (Argument.destination, target)], isReorder: true)
    }

    /// A constant (weights, bias) in the layout `chosen`, copied once per model (`DNNLConstantStore`).
    func constant(_ values: [Float], plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t) -> Int? {
        var plainDescriptor = plain, chosenDescriptor = chosen
        guard values.count * MemoryLayout<Float>.size == dnnl_memory_desc_get_size(&plainDescriptor) else { return nil }
        let engine = self.engine
        let staged = program.constantStore.buffer(values, layout: chosen) { target in
            if dnnl_memory_desc_equal(&plainDescriptor, &chosenDescriptor) != 0 {
                values.withUnsafeBytes { if let base = $0.baseAddress { target.copyMemory(from: base, byteCount: $0.count) } }
                return true
            }
            var pd: OpaquePointer?, primitive: OpaquePointer?, stream: OpaquePointer?, from: OpaquePointer?, to: OpaquePointer?
            defer {
                if let primitive { dnnl_primitive_destroy(primitive) }
                if let pd { dnnl_primitive_desc_destroy(pd) }
                if let stream { dnnl_stream_destroy(stream) }
                [from, to].forEach { if let m = $0 { dnnl_memory_destroy(m) } }
            }
            // oneDNN only reads the source of a reorder: the weights are lent, not copied.
            return values.withUnsafeBytes { source -> Bool in
                guard let base = source.baseAddress.map(UnsafeMutableRawPointer.init(mutating:)),
                      dnnl_reorder_primitive_desc_create(&pd, &plainDescriptor, engine, &chosenDescriptor, engine, nil) == dnnl_success,
                      let pd, dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive,
                      dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream,
                      dnnl_memory_create(&from, &plainDescriptor, engine, base) == dnnl_success,
                      dnnl_memory_create(&to, &chosenDescriptor, engine, target) == dnnl_success else { return false }
                let arguments = [dnnl_exec_arg_t(arg: Argument.source, memory: from),
                                 dnnl_exec_arg_t(arg: Argument.destination, memory: to)]
                return dnnl_primitive_execute(primitive, stream, 2, arguments) == dnnl_success
                    && dnnl_stream_wait(stream) == dnnl_success
            }
        }
        guard let staged else { return nil }
        program.hold(staged)
        return program.addBuffer(chosen, .constant(staged.pointer))
    }

    /// The plain NCHW layout of `value`.
    func plain(_ value: Int) -> dnnl_memory_desc_t { DNNLPrimitiveFactory.descriptor(chain.dimensions[value], dnnl_nchw) }

    func queried(_ pd: OpaquePointer, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, 0)?.pointee ?? dnnl_memory_desc_t()
    }
}
