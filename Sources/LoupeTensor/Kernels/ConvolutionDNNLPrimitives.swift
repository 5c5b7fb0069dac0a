import CDNNL
import Foundation

/// The oneDNN convolution algorithm a primitive runs.
public enum DNNLConvolutionAlgorithm: String, Sendable, Hashable {
    /// `dnnl_convolution_direct` (oneDNN picks its own JIT kernel for the CPU: brgconv, jit, gemm).
    case direct
    /// `dnnl_convolution_winograd` (F(4x4, 3x3) on AVX-512 CPUs; 3x3 stride-1 undilated only).
    case winograd
}

/// One oneDNN convolution pass on one shape, created once and kept (`DNNLPrimitiveCache`).
///
/// The primitive is created with `format_tag_any`, so oneDNN picks its preferred (blocked) layouts;
/// the plain NCHW/OIHW tensors Loupe holds are reordered into them and back around each call.
/// Scratchpads are user-managed, so one primitive may run on several threads at once.
final class DNNLConvolutionPrimitive: @unchecked Sendable {
    /// The pass a primitive computes.
    enum Pass: Hashable {
        case forward(bias: Bool)
        case inputGradient
        case weightGradient
    }

    /// One operand: its oneDNN execution argument, its plain descriptor and the one the primitive wants.
    struct Operand {
        var argument: Int32
        var plain: dnnl_memory_desc_t
        var chosen: dnnl_memory_desc_t
        /// Reorder plain → chosen (inputs) or chosen → plain (outputs); nil when the layouts agree.
        var reorder: OpaquePointer?
        var reorderScratchBytes: Int
        var chosenBytes: Int
    }

    let primitive: OpaquePointer
    let primitiveDescriptor: OpaquePointer
    /// Operands read by the pass (source or gradient of the output, weights, bias).
    let inputs: [Operand]
    /// The operand written by the pass.
    let output: Operand
    let scratchBytes: Int

    init(primitive: OpaquePointer, descriptor: OpaquePointer, inputs: [Operand], output: Operand, scratchBytes: Int) {
        self.primitive = primitive
        primitiveDescriptor = descriptor
        self.inputs = inputs
        self.output = output
        self.scratchBytes = scratchBytes
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(primitiveDescriptor)
        for operand in inputs + [output] { if let r = operand.reorder { dnnl_primitive_destroy(r) } }
    }

    /// The operand read as `argument` when the primitive wants it in another layout than the plain one.
    func reorderedInput(_ argument: Int32) -> Operand? {
        inputs.first { $0.argument == argument && $0.reorder != nil }
    }

    /// Reorders the plain buffer `source` of input `argument` into the primitive's layout, into a new
    /// 64-byte-aligned buffer the caller deallocates; nil when that input needs no reorder or it failed.
    func stage(_ argument: Int32, from source: UnsafeMutableRawPointer, engine: OpaquePointer) -> UnsafeMutableRawPointer? {
        guard let operand = reorderedInput(argument), let reorder = operand.reorder else { return nil }
        var stream: OpaquePointer?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else { return nil }
        defer { dnnl_stream_destroy(stream) }
        let target = UnsafeMutableRawPointer.allocate(byteCount: max(operand.chosenBytes, 64), alignment: 64)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(operand.reorderScratchBytes, 64), alignment: 64)
        defer { scratch.deallocate() }
        var plainDesc = operand.plain, chosenDesc = operand.chosen, scratchDesc = Self.bytesDescriptor(operand.reorderScratchBytes)
        var from: OpaquePointer?, to: OpaquePointer?, pad: OpaquePointer?
        defer { [from, to, pad].forEach { if let m = $0 { dnnl_memory_destroy(m) } } }
        guard dnnl_memory_create(&from, &plainDesc, engine, source) == dnnl_success,
              dnnl_memory_create(&to, &chosenDesc, engine, target) == dnnl_success else {
            target.deallocate()
            return nil
        }
        var args = [dnnl_exec_arg_t(arg: 1, memory: from), dnnl_exec_arg_t(arg: 17, memory: to)]
        if operand.reorderScratchBytes > 0, dnnl_memory_create(&pad, &scratchDesc, engine, scratch) == dnnl_success {
            args.append(dnnl_exec_arg_t(arg: 80, memory: pad))
        }
        guard dnnl_primitive_execute(reorder, stream, Int32(args.count), args) == dnnl_success,
              dnnl_stream_wait(stream) == dnnl_success else {
            target.deallocate()
            return nil
        }
        return target
    }

    /// Runs the pass on plain buffers, keyed by oneDNN argument (`DNNL_ARG_*`), on the calling thread.
    ///
    /// Buffers of the arguments in `staged` are already in the primitive's layout (`stage`).
    func execute(_ buffers: [Int32: UnsafeMutableRawPointer], staged: Set<Int32> = [], engine: OpaquePointer) -> Bool {
        var stream: OpaquePointer?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else { return false }
        defer { dnnl_stream_destroy(stream) }
        var owned = [UnsafeMutableRawPointer]()
        var memories = [OpaquePointer]()
        defer {
            for m in memories { dnnl_memory_destroy(m) }
            for p in owned { p.deallocate() }
        }
        func memory(_ desc: dnnl_memory_desc_t, _ pointer: UnsafeMutableRawPointer?) -> OpaquePointer? {
            var desc = desc
            var handle: OpaquePointer?
            guard dnnl_memory_create(&handle, &desc, engine, pointer) == dnnl_success, let handle else { return nil }
            memories.append(handle)
            return handle
        }
        func buffer(_ bytes: Int) -> UnsafeMutableRawPointer {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
            owned.append(p)
            return p
        }
        func reorder(_ primitive: OpaquePointer, from: OpaquePointer, to: OpaquePointer, scratch: Int) -> Bool {
            var args = [dnnl_exec_arg_t(arg: 1, memory: from), dnnl_exec_arg_t(arg: 17, memory: to)]
            if scratch > 0, let s = memory(Self.bytesDescriptor(scratch), buffer(scratch)) {
                args.append(dnnl_exec_arg_t(arg: 80, memory: s))
            }
            return dnnl_primitive_execute(primitive, stream, Int32(args.count), args) == dnnl_success
        }
        var args = [dnnl_exec_arg_t]()
        for operand in inputs {
            guard let user = buffers[operand.argument] else { return false }
            if staged.contains(operand.argument) {
                guard let ready = memory(operand.chosen, user) else { return false }
                args.append(dnnl_exec_arg_t(arg: operand.argument, memory: ready))
                continue
            }
            guard let plain = memory(operand.plain, user) else { return false }
            if let r = operand.reorder {
                guard let inner = memory(operand.chosen, buffer(operand.chosenBytes)),
                      reorder(r, from: plain, to: inner, scratch: operand.reorderScratchBytes) else { return false }
                args.append(dnnl_exec_arg_t(arg: operand.argument, memory: inner))
            } else {
                args.append(dnnl_exec_arg_t(arg: operand.argument, memory: plain))
            }
        }
        guard let userOut = buffers[output.argument], let plainOut = memory(output.plain, userOut) else { return false }
        var innerOut = plainOut
        if output.reorder != nil {
            guard let inner = memory(output.chosen, buffer(output.chosenBytes)) else { return false }
            innerOut = inner
        }
        args.append(dnnl_exec_arg_t(arg: output.argument, memory: innerOut))
        if scratchBytes > 0, let s = memory(Self.bytesDescriptor(scratchBytes), buffer(scratchBytes)) {
            args.append(dnnl_exec_arg_t(arg: 80, memory: s))
        }
        guard dnnl_primitive_execute(primitive, stream, Int32(args.count), args) == dnnl_success else { return false }
        if let r = output.reorder {
            guard reorder(r, from: innerOut, to: plainOut, scratch: output.reorderScratchBytes) else { return false }
        }
        return dnnl_stream_wait(stream) == dnnl_success
    }

    /// A one-dimensional byte buffer descriptor (for scratchpads).
    static func bytesDescriptor(_ bytes: Int) -> dnnl_memory_desc_t {
        var desc = dnnl_memory_desc_t()
        var dims = [dnnl_dim_t(bytes)] + [dnnl_dim_t](repeating: 0, count: 11)
        _ = dnnl_memory_desc_init_by_tag(&desc, 1, &dims, dnnl_u8, dnnl_a)
        return desc
    }
}

/// oneDNN primitives created once per (geometry, pass, algorithm, thread count) and kept for the process.
///
/// Creating a primitive JIT-compiles its kernel (milliseconds); a model's layers repeat the same
/// shapes on every batch, so each is created on first use. Creation failures (a shape oneDNN has no
/// kernel for) are remembered too, and the caller falls back to Loupe's own kernels.
enum DNNLPrimitiveCache {
    struct Key: Hashable {
        var geometry: [Int]
        var pass: DNNLConvolutionPrimitive.Pass
        var algorithm: DNNLConvolutionAlgorithm
        var threads: Int
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [Key: DNNLConvolutionPrimitive?] = [:]

    /// The CPU engine, or nil when oneDNN cannot start.
    static let engine: UncheckedBox<OpaquePointer?> = {
        var engine: OpaquePointer?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success else { return UncheckedBox(nil) }
        return UncheckedBox(engine)
    }()

    /// Number of primitives created so far (for tests of the cache).
    static var createdCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.compactMap { $0 }.count
    }

    /// The cached primitive for `key`, creating it on first use (nil when oneDNN has no kernel for it).
    static func primitive(_ key: Key, geometry g: ConvolutionGeometry) -> DNNLConvolutionPrimitive? {
        lock.lock()
        defer { lock.unlock() }
        if let known = entries[key] { return known }
        let made = engine.value.flatMap { DNNLPrimitiveFactory.make(key, geometry: g, engine: $0) }
        entries[key] = made
        return made
    }
}
