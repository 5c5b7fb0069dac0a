import CDNNL
import Foundation

/// Convolution weights already reordered into a oneDNN primitive's layout, shared by the batch slices of one call.
///
/// Weights are reordered once per call, not once per worker. Winograd-format weights are also kept
/// between calls (`DNNLWinogradWeights`): their transform costs far more than the convolution on small maps.
final class DNNLStagedWeights: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let layout: dnnl_memory_desc_t
    /// A copy of the plain weights the staged ones came from (kept only by the Winograd cache).
    let source: UnsafeMutableRawPointer?
    let sourceBytes: Int
    let stagedBytes: Int

    init(pointer: UnsafeMutableRawPointer, layout: dnnl_memory_desc_t, stagedBytes: Int, source: UnsafeMutableRawPointer?,
         sourceBytes: Int) {
        self.pointer = pointer
        self.layout = layout
        self.stagedBytes = stagedBytes
        self.source = source
        self.sourceBytes = sourceBytes
    }

    deinit {
        pointer.deallocate()
        source?.deallocate()
    }

    /// The weights of `argument` in the layout every primitive in `primitives` wants, or nil when they
    /// need no reorder or disagree on the layout (each slice then reorders its own).
    static func stage(_ weight: UnsafePointer<Float>, count: Int, argument: Int32, for primitives: [DNNLConvolutionPrimitive],
                      cacheAcrossCalls: Bool, engine: OpaquePointer) -> DNNLStagedWeights? {
        guard let first = primitives.first?.reorderedInput(argument) else { return nil }
        var layout = first.chosen
        for primitive in primitives.dropFirst() {
            guard var other = primitive.reorderedInput(argument)?.chosen, dnnl_memory_desc_equal(&layout, &other) != 0
            else { return nil }
        }
        let bytes = count * MemoryLayout<Float>.stride
        if cacheAcrossCalls, let kept = DNNLWinogradWeights.find(weight, bytes: bytes, layout: layout) { return kept }
        let source = UnsafeMutableRawPointer(mutating: weight)
        guard let staged = primitives[0].stage(argument, from: source, engine: engine) else { return nil }
        var copy: UnsafeMutableRawPointer?
        if cacheAcrossCalls {
            copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
            copy?.copyMemory(from: weight, byteCount: bytes)
        }
        let result = DNNLStagedWeights(pointer: staged, layout: layout, stagedBytes: first.chosenBytes, source: copy,
                                       sourceBytes: bytes)
        if cacheAcrossCalls { DNNLWinogradWeights.keep(result) }
        return result
    }
}

/// Winograd-format weights kept between calls, found again by content (a byte comparison with a copy of
/// the plain weights), so a changed or reallocated weight array never reads stale weights.
enum DNNLWinogradWeights {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [DNNLStagedWeights] = []
    /// Bytes kept at most (staged weights plus their source copies); the oldest entries go first.
    static let byteLimit = 256 << 20

    static func find(_ weight: UnsafePointer<Float>, bytes: Int, layout: dnnl_memory_desc_t) -> DNNLStagedWeights? {
        lock.lock()
        defer { lock.unlock() }
        var wanted = layout
        return entries.first { entry in
            var kept = entry.layout
            guard entry.sourceBytes == bytes, let source = entry.source, dnnl_memory_desc_equal(&kept, &wanted) != 0 else {
                return false
            }
            return memcmp(source, weight, bytes) == 0
        }
    }

    static func keep(_ entry: DNNLStagedWeights) {
        lock.lock()
        defer { lock.unlock() }
        entries.append(entry)
        var total = entries.reduce(0) { $0 + $1.stagedBytes + $1.sourceBytes }
        while total > byteLimit, entries.count > 1 {
            total -= entries[0].stagedBytes + entries[0].sourceBytes
            entries.removeFirst()
        }
    }
}
