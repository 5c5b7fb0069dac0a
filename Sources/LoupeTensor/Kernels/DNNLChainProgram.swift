import CDNNL
import Foundation

/// A `DNNLChainDescription` compiled into oneDNN primitives for one batch size and thread count.
///
/// Compiling picks each primitive's preferred layouts, inserts a reorder only where a value's layout
/// differs from the one its reader wants (the plain inputs and outputs, mostly), and reorders the
/// convolution weights once. A run allocates each inner value when it is written and frees it after
/// its last reader, so the chain holds about as much as the plain steps would. Scratchpads are the
/// caller's (one per run), so one program may run on several threads at once.
public final class DNNLChainProgram: @unchecked Sendable {
    /// Where the memory of a buffer comes from during a run.
    enum Role { case input(Int), output(Int), constant(UnsafeMutableRawPointer), inner }

    /// One memory object of a run: a layout and where its bytes live.
    struct Buffer {
        var descriptor: dnnl_memory_desc_t
        var role: Role
        var bytes: Int
    }

    /// One primitive to execute, with its arguments as buffer numbers.
    struct Step {
        let primitive: OpaquePointer
        let arguments: [(argument: Int32, buffer: Int)]
        let scratchBytes: Int
    }

    let threads: Int
    private(set) var buffers: [Buffer] = []
    private(set) var steps: [Step] = []
    /// For each buffer, the last step reading or writing it.
    private(set) var lastUse: [Int] = []
    private var primitives: [OpaquePointer] = []
    private var descriptors: [OpaquePointer] = []
    private var constants: [DNNLConstantStore.Buffer] = []
    /// Where the program's constants in oneDNN's layouts come from (shared with the model's other programs).
    let constantStore: DNNLConstantStore

    /// Compiles `chain` for `threads` OpenMP threads; nil when oneDNN cannot run one of its stages.
    /// Constants in oneDNN's layouts come from (and go into) `constants`.
    public convenience init?(_ chain: DNNLChainDescription, threads: Int, constants: DNNLConstantStore = DNNLConstantStore()) {
        var refused: Int?
        self.init(chain, threads: threads, constants: constants, refusedStage: &refused)
    }

    /// Compiles `chain`; when oneDNN refuses one of its stages, nil with that stage's index in `refusedStage`.
    public init?(_ chain: DNNLChainDescription, threads: Int, constants: DNNLConstantStore, refusedStage: inout Int?) {
        self.threads = threads
        constantStore = constants
        guard let engine = DNNLPrimitiveCache.engine.value else { return nil }
        omp_set_num_threads(Int32(threads))
        var builder = DNNLChainBuilder(program: self, chain: chain, engine: engine)
        guard builder.build() else {
            refusedStage = builder.refusedStage
            return nil
        }
        finish()
    }

    /// An empty program for a builder to fill (`DNNLChainGradientProgram`); `finish` must follow.
    init(threads: Int, constants: DNNLConstantStore) {
        self.threads = threads
        constantStore = constants
    }

    /// Notes each buffer's last step, once every step is in.
    func finish() {
        lastUse = [Int](repeating: -1, count: buffers.count)
        for (index, step) in steps.enumerated() { for argument in step.arguments { lastUse[argument.buffer] = index } }
    }

    deinit {
        for p in primitives { dnnl_primitive_destroy(p) }
        for d in descriptors { dnnl_primitive_desc_destroy(d) }
    }

    /// Number of primitives a run executes, reorders included.
    public var stepCount: Int { steps.count }

    /// Number of reorders a run executes (plain edges and layout changes; weights excluded).
    public var reorderCount: Int { reorders }
    private var reorders = 0

    // MARK: building (`DNNLChainBuilder` calls these)

    func addBuffer(_ descriptor: dnnl_memory_desc_t, _ role: Role) -> Int {
        var d = descriptor
        buffers.append(Buffer(descriptor: descriptor, role: role, bytes: dnnl_memory_desc_get_size(&d)))
        return buffers.count - 1
    }

    /// Adds a step; the program owns `primitive` and `descriptor` from now on.
    func addStep(_ primitive: OpaquePointer, _ descriptor: OpaquePointer, arguments: [(Int32, Int)], isReorder: Bool) {
        primitives.append(primitive)
        descriptors.append(descriptor)
        var scratchBytes = 0
        if let scratch = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0) {
            var s = scratch.pointee
            scratchBytes = dnnl_memory_desc_get_size(&s)
        }
        steps.append(Step(primitive: primitive, arguments: arguments.map { (argument: $0.0, buffer: $0.1) },
                          scratchBytes: scratchBytes))
        if isReorder { reorders += 1 }
    }

    /// Gives a buffer another role (an inner value the caller keeps becomes an output).
    func setRole(_ buffer: Int, _ role: Role) { buffers[buffer].role = role }

    /// Keeps a constant's buffer until the program is freed.
    func hold(_ buffer: DNNLConstantStore.Buffer) { constants.append(buffer) }

    // MARK: running

    /// Runs the chain on plain NCHW `inputs`, writing plain NCHW `outputs` (in the description's orders).
    ///
    /// Returns false, with the outputs undefined, when oneDNN reports a failure.
    public func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>]) -> Bool {
        guard let engine = DNNLPrimitiveCache.engine.value else { return false }
        omp_set_num_threads(Int32(threads))
        var stream: OpaquePointer?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else {
            return false
        }
        defer { dnnl_stream_destroy(stream) }
        var memories = [OpaquePointer?](repeating: nil, count: buffers.count)
        var owned = [UnsafeMutableRawPointer?](repeating: nil, count: buffers.count)
        let scratchBytes = max(steps.map(\.scratchBytes).max() ?? 0, 64)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
        var scratchDescriptor = DNNLConvolutionPrimitive.bytesDescriptor(scratchBytes)
        var scratchMemory: OpaquePointer?
        defer {
            for m in memories { if let m { dnnl_memory_destroy(m) } }
            for p in owned { p?.deallocate() }
            if let scratchMemory { dnnl_memory_destroy(scratchMemory) }
            scratch.deallocate()
        }
        guard dnnl_memory_create(&scratchMemory, &scratchDescriptor, engine, scratch) == dnnl_success else { return false }

        func memory(_ index: Int) -> OpaquePointer? {
            if let known = memories[index] { return known }
            var descriptor = buffers[index].descriptor
            let pointer: UnsafeMutableRawPointer
            switch buffers[index].role {
            case .input(let position): pointer = UnsafeMutableRawPointer(mutating: inputs[position])
            case .output(let position): pointer = UnsafeMutableRawPointer(outputs[position])
            case .constant(let data): pointer = data
            case .inner:
                pointer = UnsafeMutableRawPointer.allocate(byteCount: max(buffers[index].bytes, 64), alignment: 64)
                owned[index] = pointer
            }
            var handle: OpaquePointer?
            guard dnnl_memory_create(&handle, &descriptor, engine, pointer) == dnnl_success else { return nil }
            memories[index] = handle
            return handle
        }

        for (index, step) in steps.enumerated() {
            var arguments = [dnnl_exec_arg_t]()
            for argument in step.arguments {
                guard let m = memory(argument.buffer) else { return false }
                arguments.append(dnnl_exec_arg_t(arg: argument.argument, memory: m))
            }
            if step.scratchBytes > 0 { arguments.append(dnnl_exec_arg_t(arg: 80, memory: scratchMemory)) }
            guard dnnl_primitive_execute(step.primitive, stream, Int32(arguments.count), arguments) == dnnl_success,
                  dnnl_stream_wait(stream) == dnnl_success else { return false }
            // Inner values nobody reads any more are freed now.
            for argument in step.arguments where lastUse[argument.buffer] == index {
                guard case .inner = buffers[argument.buffer].role, let m = memories[argument.buffer] else { continue }
                dnnl_memory_destroy(m)
                memories[argument.buffer] = nil
                owned[argument.buffer]?.deallocate()
                owned[argument.buffer] = nil
            }
        }
        return true
    }
}
