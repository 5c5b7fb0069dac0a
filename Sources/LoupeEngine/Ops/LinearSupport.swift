import LoupeONNX
import LoupeTensor

/// Helpers shared by the linear family (Conv, ConvTranspose, Gemm, MatMul, pools).
enum LinearSupport {
    /// Runs `body` on the array's base address (a valid dummy address when empty).
    static func read<R>(_ array: [Float], _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try array.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var dummy: Float = 0
            return try withUnsafePointer(to: &dummy) { try body($0) }
        }
    }

    /// Runs `body` on the optional array's base address, nil when absent.
    static func readOptional<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let array else { return try body(nil) }
        return try read(array) { try body($0) }
    }

    /// Runs `body` on the mutable array's base address (a valid dummy address when empty).
    static func write<R>(_ array: inout [Float], _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try array.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return try body(base) }
            var dummy: Float = 0
            return try withUnsafeMutablePointer(to: &dummy) { try body($0) }
        }
    }

    /// Runs `body` on two inputs, an optional third and one output: the pointer closures of a forward kernel call in one place.
    static func borrow<R>(_ a: [Float], _ b: [Float], _ c: [Float]?, writing output: inout [Float],
                          _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?,
                                   UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try read(a) { pa in
            try read(b) { pb in try readOptional(c) { pc in try write(&output) { try body(pa, pb, pc, $0) } } }
        }
    }

    /// Runs `body` on three inputs and two outputs: the pointer closures of a backward kernel call in one place.
    static func borrow<R>(_ a: [Float], _ b: [Float], _ c: [Float], writing first: inout [Float], _ second: inout [Float],
                          _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
                                   UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try read(a) { pa in
            try read(b) { pb in
                try read(c) { pc in try write(&first) { p1 in try write(&second) { try body(pa, pb, pc, p1, $0) } } }
            }
        }
    }

    /// An output buffer whose every element the kernel is about to overwrite (not zero-filled).
    static func uninitialized(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}

/// The sliding-window attributes shared by Conv, ConvTranspose, MaxPool and AveragePool.
struct SlidingWindowAttributes: Sendable {
    var kernelShape: [Int]?
    var strides: [Int]?
    var pads: [Int]?
    var dilations: [Int]?
    var autoPad: AutoPad

    init(node: Node) throws {
        kernelShape = try node.ints("kernel_shape")
        strides = try node.ints("strides")
        pads = try node.ints("pads")
        dilations = try node.ints("dilations")
        let text = try node.string("auto_pad", default: "NOTSET")
        guard let mode = AutoPad(rawValue: text.isEmpty ? "NOTSET" : text) else {
            throw node.error("unsupported auto_pad '\(text)'")
        }
        autoPad = mode
        if let k = kernelShape, k.contains(where: { $0 < 1 }) { throw node.error("kernel_shape \(k) must be positive") }
        if let s = strides, s.contains(where: { $0 < 1 }) { throw node.error("strides \(s) must be positive") }
        if let d = dilations, d.contains(where: { $0 < 1 }) { throw node.error("dilations \(d) must be positive") }
        if let p = pads, p.contains(where: { $0 < 0 }) { throw node.error("pads \(p) must not be negative") }
        // Bounds that keep every window computation far from integer overflow.
        for (name, values) in [("kernel_shape", kernelShape), ("strides", strides), ("pads", pads), ("dilations", dilations)] {
            if let values, values.contains(where: { $0 > SlidingWindowAttributes.limit }) {
                throw node.error("\(name) \(values) exceeds \(SlidingWindowAttributes.limit)")
            }
        }
    }

    /// Largest accepted kernel, stride, pad or dilation.
    static let limit = 1 << 20

    /// Per-axis windows for the given kernel extents, with the explicit pads (auto_pad not yet applied).
    func axes(kernel: [Int], node: Node) throws -> [WindowAxis] {
        let rank = kernel.count
        let s = strides ?? [Int](repeating: 1, count: rank)
        let d = dilations ?? [Int](repeating: 1, count: rank)
        let p = pads ?? [Int](repeating: 0, count: 2 * rank)
        guard s.count == rank else { throw node.error("strides \(s) should have \(rank) values") }
        guard d.count == rank else { throw node.error("dilations \(d) should have \(rank) values") }
        guard p.count == 2 * rank else { throw node.error("pads \(p) should have \(2 * rank) values") }
        return (0..<rank).map { WindowAxis(kernel: kernel[$0], stride: s[$0], dilation: d[$0], padBegin: p[$0], padEnd: p[rank + $0]) }
    }

    /// Number of spatial axes of an `[N, C, spatial...]` shape; only 1-D and 2-D are supported.
    static func spatialRank(of shape: [Int], node: Node) throws -> Int {
        guard shape.count == 3 || shape.count == 4 else {
            throw node.error("expects a 3-D [N,C,L] or 4-D [N,C,H,W] input, got shape \(shape)")
        }
        return shape.count - 2
    }

    /// A 2-D geometry from per-axis windows, lifting 1-D windows to height 1.
    static func geometry(batch: Int, inChannels: Int, outChannels: Int, spatialIn: [Int], spatialOut: [Int],
                         axes: [WindowAxis], groups: Int) -> ConvolutionGeometry {
        let lifted = axes.count == 1 ? [WindowAxis(kernel: 1)] + axes : axes
        let inH = spatialIn.count == 1 ? 1 : spatialIn[0], outH = spatialOut.count == 1 ? 1 : spatialOut[0]
        return ConvolutionGeometry(batch: batch, inChannels: inChannels, inHeight: inH, inWidth: spatialIn[spatialIn.count - 1],
                                   outChannels: outChannels, outHeight: outH, outWidth: spatialOut[spatialOut.count - 1],
                                   kernelHeight: lifted[0].kernel, kernelWidth: lifted[1].kernel,
                                   strideHeight: lifted[0].stride, strideWidth: lifted[1].stride,
                                   padTop: lifted[0].padBegin, padLeft: lifted[1].padBegin,
                                   dilationHeight: lifted[0].dilation, dilationWidth: lifted[1].dilation, groups: groups)
    }
}

extension SlidingWindowAttributes {
    /// The pooling loops (window bounds precomputed) and output shape for an `[N, C, ...]` input.
    func poolPlan(input: [Int], ceilMode: Bool, node: Node) throws -> (PoolingKernel, [Int]) {
        let rank = try SlidingWindowAttributes.spatialRank(of: input, node: node)
        guard let kernel = kernelShape else { throw node.error("kernel_shape is required") }
        guard kernel.count == rank else {
            throw node.error("kernel_shape \(kernel) should have \(rank) values for input \(input)")
        }
        var axes = try axes(kernel: kernel, node: node)
        let spatial = Array(input[2...])
        var outSpatial = [Int]()
        for i in 0..<rank {
            axes[i] = axes[i].resolved(autoPad, input: spatial[i])
            guard axes[i].padBegin < axes[i].span, axes[i].padEnd < axes[i].span else {
                throw node.error("pads \(axes[i].padBegin),\(axes[i].padEnd) should be smaller than the window \(axes[i].span)")
            }
            guard let extent = axes[i].outputExtent(input: spatial[i], ceilMode: ceilMode && autoPad == .notSet) else {
                throw node.error("window extent \(axes[i].span) is larger than the padded input "
                                 + "\(spatial[i] + axes[i].padBegin + axes[i].padEnd) along spatial axis \(i)")
            }
            outSpatial.append(extent)
        }
        let geometry = SlidingWindowAttributes.geometry(batch: input[0], inChannels: input[1], outChannels: input[1],
                                                        spatialIn: spatial, spatialOut: outSpatial, axes: axes,
                                                        groups: max(1, input[1]))
        let last = axes[axes.count - 1]
        let kernelLoops = PoolingKernel(geometry: geometry, padBottom: rank == 2 ? axes[0].padEnd : 0, padRight: last.padEnd)
        return (kernelLoops, [input[0], input[1]] + outSpatial)
    }
}
