import CDNNL

/// Builds oneDNN convolution primitives from a Loupe `ConvolutionGeometry`.
enum DNNLPrimitiveFactory {
    /// oneDNN execution argument numbers (`DNNL_ARG_*`; the header spells some as macro aliases).
    enum Argument {
        static let source: Int32 = 1, sourceOne: Int32 = 2, destination: Int32 = 17, weights: Int32 = 33, bias: Int32 = 41
        static let sourceGradient: Int32 = 129, destinationGradient: Int32 = 145, weightsGradient: Int32 = 161
    }

    /// oneDNN's explicit paddings for `g`, or nil when they cannot describe it (negative leading padding).
    ///
    /// Loupe keeps the trailing padding implicit in the output extent; oneDNN wants it explicit and
    /// non-negative, so the smallest one giving the same output extent is used.
    static func paddings(_ g: ConvolutionGeometry) -> (left: [Int], right: [Int])? {
        guard g.padTop >= 0, g.padLeft >= 0 else { return nil }
        func trailing(inExtent: Int, outExtent: Int, kernel: Int, stride: Int, dilation: Int, lead: Int) -> Int? {
            let span = (kernel - 1) * dilation + 1
            let least = (outExtent - 1) * stride + span - inExtent - lead
            // Any value in least...(least + stride - 1) gives the same output extent.
            let chosen = max(least, 0)
            return chosen <= least + stride - 1 ? chosen : nil
        }
        guard let bottom = trailing(inExtent: g.inHeight, outExtent: g.outHeight, kernel: g.kernelHeight,
                                    stride: g.strideHeight, dilation: g.dilationHeight, lead: g.padTop),
              let right = trailing(inExtent: g.inWidth, outExtent: g.outWidth, kernel: g.kernelWidth,
                                   stride: g.strideWidth, dilation: g.dilationWidth, lead: g.padLeft)
        else { return nil }
        return ([g.padTop, g.padLeft], [bottom, right])
    }

    /// A float memory descriptor of `dims` in the layout `tag` (`dnnl_format_tag_any` lets the primitive choose).
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        var padded = dims.map { dnnl_dim_t($0) } + [dnnl_dim_t](repeating: 0, count: 12 - dims.count)
        _ = dnnl_memory_desc_init_by_tag(&desc, Int32(dims.count), &padded, dnnl_f32, tag)
        return desc
    }

    /// Plain descriptors of the source, weights, bias and destination of `g`.
    static func plainDescriptors(_ g: ConvolutionGeometry)
        -> (source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, bias: dnnl_memory_desc_t, destination: dnnl_memory_desc_t) {
        let weights = g.groups == 1
            ? descriptor([g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth], dnnl_oihw)
            : descriptor([g.groups, g.outChannelsPerGroup, g.inChannelsPerGroup, g.kernelHeight, g.kernelWidth], dnnl_goihw)
        return (descriptor(g.inputShape, dnnl_nchw), weights, descriptor([g.outChannels], dnnl_a),
                descriptor(g.outputShape, dnnl_nchw))
    }

    /// The same dimensions with the layout left to the primitive.
    static func anyLayout(_ desc: dnnl_memory_desc_t) -> dnnl_memory_desc_t {
        let dims = withUnsafeBytes(of: desc.dims) { Array($0.bindMemory(to: dnnl_dim_t.self).prefix(Int(desc.ndims))) }
        return descriptor(dims.map { Int($0) }, dnnl_format_tag_any)
    }

    /// `values` as a `dnnl_dims_t` (twelve entries, the rest zero).
    static func padded(_ values: [Int]) -> [dnnl_dim_t] {
        values.map { dnnl_dim_t($0) } + [dnnl_dim_t](repeating: 0, count: 12 - values.count)
    }

    /// New primitive attributes with a user-managed scratchpad (the caller destroys them), or nil.
    static func userScratchpadAttributes() -> OpaquePointer? {
        var attr: OpaquePointer?
        guard dnnl_primitive_attr_create(&attr) == dnnl_success, let attr else { return nil }
        guard dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success else {
            dnnl_primitive_attr_destroy(attr)
            return nil
        }
        return attr
    }

    /// The forward descriptor of `g` with these layouts (`bias` nil: none), or nil when oneDNN refuses it.
    static func forwardDescriptor(_ g: ConvolutionGeometry, _ prop: dnnl_prop_kind_t, _ algorithm: dnnl_alg_kind_t,
                                  source: dnnl_memory_desc_t, weights: dnnl_memory_desc_t, bias: dnnl_memory_desc_t?,
                                  destination: dnnl_memory_desc_t) -> dnnl_convolution_desc_t? {
        guard let (left, right) = paddings(g) else { return nil }
        var src = source, wei = weights, dst = destination
        var strides = padded([g.strideHeight, g.strideWidth]), dilates = padded([g.dilationHeight - 1, g.dilationWidth - 1])
        var padL = padded(left), padR = padded(right)
        var desc = dnnl_convolution_desc_t()
        let status: dnnl_status_t
        if var b = bias {
            status = dnnl_dilated_convolution_forward_desc_init(&desc, prop, algorithm, &src, &wei, &b, &dst, &strides, &dilates,
                                                                &padL, &padR)
        } else {
            status = dnnl_dilated_convolution_forward_desc_init(&desc, prop, algorithm, &src, &wei, nil, &dst, &strides, &dilates,
                                                                &padL, &padR)
        }
        return status == dnnl_success ? desc : nil
    }

    /// The input-gradient descriptor of `g` with these layouts, or nil when oneDNN refuses it.
    static func inputGradientDescriptor(_ g: ConvolutionGeometry, _ algorithm: dnnl_alg_kind_t, source: dnnl_memory_desc_t,
                                        weights: dnnl_memory_desc_t, destination: dnnl_memory_desc_t) -> dnnl_convolution_desc_t? {
        guard let (left, right) = paddings(g) else { return nil }
        var src = source, wei = weights, dst = destination
        var strides = padded([g.strideHeight, g.strideWidth]), dilates = padded([g.dilationHeight - 1, g.dilationWidth - 1])
        var padL = padded(left), padR = padded(right)
        var desc = dnnl_convolution_desc_t()
        let status = dnnl_dilated_convolution_backward_data_desc_init(&desc, algorithm, &src, &wei, &dst, &strides, &dilates,
                                                                      &padL, &padR)
        return status == dnnl_success ? desc : nil
    }

    /// Creates the primitive for `key`, or nil when oneDNN has no implementation for it.
    static func make(_ key: DNNLPrimitiveCache.Key, geometry g: ConvolutionGeometry,
                     engine: OpaquePointer) -> DNNLConvolutionPrimitive? {
        guard let (left, right) = paddings(g) else { return nil }
        if key.algorithm == .winograd
            && (g.kernelHeight != 3 || g.kernelWidth != 3 || g.strideHeight != 1 || g.strideWidth != 1
                || g.dilationHeight != 1 || g.dilationWidth != 1) { return nil }
        omp_set_num_threads(Int32(key.threads))
        let plain = plainDescriptors(g)
        var src = anyLayout(plain.source), wei = anyLayout(plain.weights), dst = anyLayout(plain.destination)
        var strides = padded([g.strideHeight, g.strideWidth]), dilates = padded([g.dilationHeight - 1, g.dilationWidth - 1])
        var padL = padded(left), padR = padded(right)
        let algorithm = key.algorithm == .winograd ? dnnl_convolution_winograd : dnnl_convolution_direct

        guard let attr = userScratchpadAttributes() else { return nil }
        defer { dnnl_primitive_attr_destroy(attr) }

        /// A forward descriptor (training when it only serves as the backward passes' hint).
        func forwardDescriptor(_ prop: dnnl_prop_kind_t, withBias: Bool) -> OpaquePointer? {
            guard var desc = Self.forwardDescriptor(g, prop, algorithm, source: src, weights: wei,
                                                    bias: withBias ? plain.bias : nil, destination: dst) else { return nil }
            var pd: OpaquePointer?
            guard dnnl_primitive_desc_create(&pd, &desc, attr, engine, nil) == dnnl_success else { return nil }
            return pd
        }

        var pd: OpaquePointer?
        var inputs: [(Int32, dnnl_memory_desc_t, dnnl_query_t)] = []
        var output: (Int32, dnnl_memory_desc_t, dnnl_query_t)
        switch key.pass {
        case .forward(let withBias):
            pd = forwardDescriptor(dnnl_forward_inference, withBias: withBias)
            inputs = [(Argument.source, plain.source, dnnl_query_src_md), (Argument.weights, plain.weights, dnnl_query_weights_md)]
            if withBias { inputs.append((Argument.bias, plain.bias, dnnl_query_weights_md)) }
            output = (Argument.destination, plain.destination, dnnl_query_dst_md)
        case .inputGradient:
            guard let hint = forwardDescriptor(dnnl_forward_training, withBias: false) else { return nil }
            defer { dnnl_primitive_desc_destroy(hint) }
            guard var desc = inputGradientDescriptor(g, algorithm, source: src, weights: wei, destination: dst),
                  dnnl_primitive_desc_create(&pd, &desc, attr, engine, hint) == dnnl_success else { return nil }
            inputs = [(Argument.destinationGradient, plain.destination, dnnl_query_diff_dst_md),
                      (Argument.weights, plain.weights, dnnl_query_weights_md)]
            output = (Argument.sourceGradient, plain.source, dnnl_query_diff_src_md)
        case .weightGradient:
            guard let hint = forwardDescriptor(dnnl_forward_training, withBias: false) else { return nil }
            defer { dnnl_primitive_desc_destroy(hint) }
            var desc = dnnl_convolution_desc_t()
            guard dnnl_dilated_convolution_backward_weights_desc_init(&desc, algorithm, &src, &wei, nil, &dst, &strides,
                                                                      &dilates, &padL, &padR) == dnnl_success,
                  dnnl_primitive_desc_create(&pd, &desc, attr, engine, hint) == dnnl_success else { return nil }
            inputs = [(Argument.source, plain.source, dnnl_query_src_md),
                      (Argument.destinationGradient, plain.destination, dnnl_query_diff_dst_md)]
            output = (Argument.weightsGradient, plain.weights, dnnl_query_diff_weights_md)
        }
        guard let pd else { return nil }
        func operand(_ spec: (Int32, dnnl_memory_desc_t, dnnl_query_t), isOutput: Bool) -> DNNLConvolutionPrimitive.Operand? {
            var (argument, plainDesc, query) = spec
            // The bias is the second weights-like operand of a forward pass.
            let index: Int32 = argument == Argument.bias ? 1 : 0
            guard let chosenPointer = dnnl_primitive_desc_query_md(pd, query, index) else { return nil }
            var chosen = chosenPointer.pointee
            var result = DNNLConvolutionPrimitive.Operand(argument: argument, plain: plainDesc, chosen: chosen, reorder: nil,
                                                          reorderScratchBytes: 0,
                                                          chosenBytes: dnnl_memory_desc_get_size(&chosen))
            if dnnl_memory_desc_equal(&plainDesc, &chosen) == 0 {
                var reorderPD: OpaquePointer?
                let status = isOutput
                    ? dnnl_reorder_primitive_desc_create(&reorderPD, &chosen, engine, &plainDesc, engine, attr)
                    : dnnl_reorder_primitive_desc_create(&reorderPD, &plainDesc, engine, &chosen, engine, attr)
                guard status == dnnl_success, let reorderPD else { return nil }
                defer { dnnl_primitive_desc_destroy(reorderPD) }
                var reorder: OpaquePointer?
                guard dnnl_primitive_create(&reorder, reorderPD) == dnnl_success else { return nil }
                result.reorder = reorder
                if let scratch = dnnl_primitive_desc_query_md(reorderPD, dnnl_query_scratchpad_md, 0) {
                    var s = scratch.pointee
                    result.reorderScratchBytes = dnnl_memory_desc_get_size(&s)
                }
            }
            return result
        }
        let inputOperands = inputs.compactMap { operand($0, isOutput: false) }
        let outputOperand = operand(output, isOutput: true)
        var primitive: OpaquePointer?
        guard inputOperands.count == inputs.count, let outputOperand,
              dnnl_primitive_create(&primitive, pd) == dnnl_success, let primitive else {
            // Release the reorders already made for the operands that succeeded.
            for made in inputOperands + [outputOperand].compactMap({ $0 }) {
                if let reorder = made.reorder { dnnl_primitive_destroy(reorder) }
            }
            dnnl_primitive_desc_destroy(pd)
            return nil
        }
        var scratchBytes = 0
        if let scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
            var s = scratch.pointee
            scratchBytes = dnnl_memory_desc_get_size(&s)
        }
        return DNNLConvolutionPrimitive(primitive: primitive, descriptor: pd, inputs: inputOperands, output: outputOperand,
                                        scratchBytes: scratchBytes)
    }
}
